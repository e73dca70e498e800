/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qtest-client: a small client of QEMU's qtest text protocol and of QMP,
 * written for csb-qtest. It starts one QEMU with -accel qtest, owns the
 * two unix sockets QEMU connects to (qtest and QMP), and speaks the line
 * protocol: "writel ADDR VALUE" -> "OK", "readl ADDR" -> "OK VALUE", with
 * asynchronous "IRQ raise N" / "IRQ lower N" lines in between.
 *
 * Errors (QEMU died, a command failed, no answer within the timeout) are
 * fatal: the client calls the handler set with qts_set_fatal_handler(),
 * which must not return (csb-qtest longjmps out of the failing test).
 */
#ifndef CSB_QTEST_CLIENT_H
#define CSB_QTEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define QTS_MAX_IRQ	256
#define QTS_MAX_ARGS	64

struct qts_config {
	const char *qemu;		/* the binary */
	const char *argv[QTS_MAX_ARGS];	/* arguments after the binary, NULL-ended;
					 * "-qtest", "-qmp" are added by us
					 */
	const char *log_path;		/* QEMU's stdout and stderr (appended) */
	const char *sock_dir;		/* where the unix sockets go (short path) */
	int timeout_ms;			/* per command and for startup */
};

struct qts {
	pid_t pid;
	int fd;				/* qtest */
	int qmp_fd;
	char sock_path[256];
	char qmp_path[256];
	char log_path[512];
	int timeout_ms;
	/* line buffers */
	char *buf;
	size_t len, cap, used;
	char *qbuf;
	size_t qlen, qcap, qused;
	char resp[1 << 16];		/* the last qtest answer, without "OK " */
	int irq[QTS_MAX_IRQ];		/* levels seen in IRQ raise/lower lines */
	unsigned long irq_raises[QTS_MAX_IRQ];
	int exited;			/* reaped: exit status in status */
	int status;
	unsigned long commands;
};

/* The fatal error handler: gets a message, must not return. */
typedef void (*qts_fatal_fn)(const char *msg);
void qts_set_fatal_handler(qts_fatal_fn fn);
void qts_fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Start QEMU and connect; fatal if it does not come up. */
struct qts *qts_start(const struct qts_config *cfg);
/* QMP quit, wait for the exit; returns the wait status (or -1 when it had
 * to be killed). Frees q.
 */
int qts_quit(struct qts *q);
/* SIGKILL and reap, free q. Safe on NULL. */
void qts_kill(struct qts *q);
/* Still running? (reaps it if not) */
bool qts_alive(struct qts *q);

/* One qtest command; returns the text after "OK" (may be ""), valid until
 * the next command. A "FAIL"/"ERR" answer is fatal.
 */
const char *qts_cmd(struct qts *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

uint8_t qts_inb(struct qts *q, uint16_t port);
uint16_t qts_inw(struct qts *q, uint16_t port);
uint32_t qts_inl(struct qts *q, uint16_t port);
void qts_outb(struct qts *q, uint16_t port, uint8_t v);
void qts_outw(struct qts *q, uint16_t port, uint16_t v);
void qts_outl(struct qts *q, uint16_t port, uint32_t v);
uint32_t qts_readl(struct qts *q, uint64_t addr);
void qts_writel(struct qts *q, uint64_t addr, uint32_t v);
uint16_t qts_readw(struct qts *q, uint64_t addr);
void qts_writew(struct qts *q, uint64_t addr, uint16_t v);
uint8_t qts_readb(struct qts *q, uint64_t addr);
void qts_writeb(struct qts *q, uint64_t addr, uint8_t v);
uint64_t qts_readq(struct qts *q, uint64_t addr);
void qts_writeq(struct qts *q, uint64_t addr, uint64_t v);
void qts_memread(struct qts *q, uint64_t addr, void *buf, size_t len);
void qts_memwrite(struct qts *q, uint64_t addr, const void *buf, size_t len);
void qts_memset(struct qts *q, uint64_t addr, uint8_t v, size_t len);
/* Advance the virtual clock by NS (0: to the next deadline); returns it. */
uint64_t qts_clock_step(struct qts *q, uint64_t ns);

/* irq_intercept_in PATH (e.g. "ioapic"). */
void qts_irq_intercept_in(struct qts *q, const char *path);
/* Level of intercepted line N, after a round trip that collects any
 * pending IRQ lines.
 */
bool qts_irq(struct qts *q, int n);

/* QMP: send one command (JSON text), return the answer line (malloc'd,
 * "return" or "error"; events are skipped).
 */
char *qts_qmp(struct qts *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, fatal on an "error" answer; the answer is freed. */
void qts_qmp_ok(struct qts *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string value of the first "key": "value" in JSON text (no escapes
 * handled); false if absent.
 */
bool json_get_str(const char *json, const char *key, char *out, size_t outlen);

/* A UDP "wire": our socket on 127.0.0.1, and a free port for QEMU. */
struct udp_wire {
	int fd;
	int our_port;			/* QEMU's remote.port */
	int qemu_port;			/* QEMU's local.port */
};

void udp_wire_open(struct udp_wire *w);
void udp_wire_close(struct udp_wire *w);
/* A fresh free port for another QEMU on the same wire. */
int udp_free_port(void);
void udp_send(struct udp_wire *w, const void *buf, size_t len);
/* One datagram within timeout_ms: its length, or -1. */
ssize_t udp_recv(struct udp_wire *w, void *buf, size_t cap, int timeout_ms);
/* Discard whatever is queued; returns how many datagrams. */
int udp_drain(struct udp_wire *w);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t now_ms(void);
void sleep_ms(unsigned int ms);

#endif /* CSB_QTEST_CLIENT_H */
