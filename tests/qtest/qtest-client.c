// SPDX-License-Identifier: GPL-2.0
/*
 * qtest-client: see qtest-client.h. Our own small client of the qtest
 * line protocol and of QMP; no code from QEMU's libqtest.
 */
#define _GNU_SOURCE
#include "qtest-client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static qts_fatal_fn fatal_handler;

void qts_set_fatal_handler(qts_fatal_fn fn)
{
	fatal_handler = fn;
}

void qts_fatal(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fatal_handler)
		fatal_handler(msg);
	fprintf(stderr, "qtest-client: %s\n", msg);
	exit(2);
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The last lines of a log file, flattened to one line for messages. */
static void log_tail(const char *path, char *out, size_t outlen)
{
	char buf[1024];
	FILE *f;
	long size;
	size_t n, i, o = 0;

	out[0] = 0;
	f = fopen(path, "r");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* keep the last ~400 characters */
	i = n > 400 ? n - 400 : 0;
	for (; i < n && o + 2 < outlen; i++)
		out[o++] = buf[i] == '\n' ? '|' : buf[i];
	out[o] = 0;
}

static void reap(struct qts *q, bool block)
{
	int st;
	pid_t r;

	if (q->exited || q->pid <= 0)
		return;
	do {
		r = waitpid(q->pid, &st, block ? 0 : WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r == q->pid) {
		q->exited = 1;
		q->status = st;
	}
}

bool qts_alive(struct qts *q)
{
	reap(q, false);
	return !q->exited;
}

static const char *describe_exit(struct qts *q, char *buf, size_t len)
{
	if (!q->exited)
		snprintf(buf, len, "running");
	else if (WIFEXITED(q->status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(q->status));
	else if (WIFSIGNALED(q->status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(q->status));
	else
		snprintf(buf, len, "status 0x%x", q->status);
	return buf;
}

static void __attribute__((noreturn)) died(struct qts *q, const char *what)
{
	char st[64], tail[512];

	/* give it a moment to finish dying so that we can say how */
	for (int i = 0; i < 50 && qts_alive(q); i++)
		sleep_ms(20);
	log_tail(q->log_path, tail, sizeof(tail));
	qts_fatal("QEMU %s (%s); log %s ends: %s", what,
		  describe_exit(q, st, sizeof(st)), q->log_path, tail);
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		qts_fatal("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
		qts_fatal("cannot listen on %s: %s", path, strerror(errno));
	return fd;
}

static int accept_timeout(struct qts *q, int lfd, const char *what)
{
	uint64_t deadline = now_ms() + (uint64_t)q->timeout_ms;
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int fd;

	for (;;) {
		int r = poll(&p, 1, 100);

		if (r > 0) {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				return fd;
		}
		if (!qts_alive(q)) {
			close(lfd);
			died(q, "exited during startup");
		}
		if (now_ms() > deadline) {
			close(lfd);
			qts_fatal("QEMU did not connect its %s socket within %d ms (log %s)",
				  what, q->timeout_ms, q->log_path);
		}
	}
}

/* Read one line from fd into the growing buffer; returns a pointer to a
 * NUL-terminated line (without the newline), consumed from the buffer on
 * the next call.
 */
static char *read_line(struct qts *q, int fd, char **bufp, size_t *lenp, size_t *capp,
		       size_t *consumed)
{
	uint64_t deadline = now_ms() + (uint64_t)q->timeout_ms;

	if (*consumed) {
		memmove(*bufp, *bufp + *consumed, *lenp - *consumed);
		*lenp -= *consumed;
		*consumed = 0;
	}
	for (;;) {
		char *nl = *lenp ? memchr(*bufp, '\n', *lenp) : NULL;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now;
		ssize_t n;

		if (nl) {
			*nl = 0;
			*consumed = (size_t)(nl - *bufp) + 1;
			return *bufp;
		}
		if (*capp - *lenp < 4096) {
			*capp = *capp ? *capp * 2 : 65536;
			*bufp = realloc(*bufp, *capp);
			if (!*bufp)
				qts_fatal("out of memory");
		}
		now = now_ms();
		if (now >= deadline) {
			if (!qts_alive(q))
				died(q, "exited");
			qts_fatal("QEMU did not answer within %d ms (hung?) (log %s)",
				  q->timeout_ms, q->log_path);
		}
		if (poll(&p, 1, (int)(deadline - now)) <= 0)
			continue;
		n = read(fd, *bufp + *lenp, *capp - *lenp - 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			died(q, "closed its socket");
		*lenp += (size_t)n;
	}
}

static char *qtest_line(struct qts *q)
{
	return read_line(q, q->fd, &q->buf, &q->len, &q->cap, &q->used);
}

static char *qmp_line(struct qts *q)
{
	return read_line(q, q->qmp_fd, &q->qbuf, &q->qlen, &q->qcap, &q->qused);
}

static void send_all(struct qts *q, int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			died(q, "does not take commands");
		s += n;
		len -= (size_t)n;
	}
}

/* Open QEMU's log (appending) and write the command line first, for
 * whoever reads it.
 */
static int open_log(const char *path, const char *const *argv)
{
	int logfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	FILE *f;

	if (logfd < 0)
		qts_fatal("cannot open %s: %s", path, strerror(errno));
	f = fdopen(dup(logfd), "a");
	if (f) {
		fprintf(f, "+");
		for (int i = 0; argv[i]; i++)
			fprintf(f, " %s", argv[i]);
		fprintf(f, "\n");
		fclose(f);
	}
	return logfd;
}

/* Run QEMU with stdin from /dev/null, stdout and stderr into the log;
 * its pid.
 */
static pid_t spawn(const char *qemu, const char *const *argv, int logfd)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		qts_fatal("fork: %s", strerror(errno));
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		/* QEMU must not outlive us, whatever happens to us */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		dup2(nul, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		/* sanitizer builds: any report is fatal and goes to the log */
		setenv("ASAN_OPTIONS",
		       "detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=66", 0);
		setenv("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=67", 0);
		execv(qemu, (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", qemu, strerror(errno));
		_exit(127);
	}
	return pid;
}

struct qts *qts_start(const struct qts_config *cfg)
{
	static unsigned int seq;
	const char *argv[QTS_MAX_ARGS + 16];
	char qtest_arg[300], qmp_arg[300];
	struct qts *q = calloc(1, sizeof(*q));
	int lfd, qlfd, logfd, i, n = 0;
	char *line;

	if (!q)
		qts_fatal("out of memory");
	q->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000;
	snprintf(q->sock_path, sizeof(q->sock_path), "%s/qt%d-%u.sock", cfg->sock_dir,
		 (int)getpid(), seq);
	snprintf(q->qmp_path, sizeof(q->qmp_path), "%s/qm%d-%u.sock", cfg->sock_dir,
		 (int)getpid(), seq);
	seq++;
	snprintf(q->log_path, sizeof(q->log_path), "%s", cfg->log_path);

	lfd = listen_unix(q->sock_path);
	qlfd = listen_unix(q->qmp_path);
	snprintf(qtest_arg, sizeof(qtest_arg), "unix:%s", q->sock_path);
	snprintf(qmp_arg, sizeof(qmp_arg), "socket,id=qmp0,path=%s", q->qmp_path);

	argv[n++] = cfg->qemu;
	for (i = 0; i < QTS_MAX_ARGS && cfg->argv[i]; i++)
		argv[n++] = cfg->argv[i];
	argv[n++] = "-qtest";
	argv[n++] = qtest_arg;
	argv[n++] = "-qtest-log";
	argv[n++] = "/dev/null";
	argv[n++] = "-chardev";
	argv[n++] = qmp_arg;
	argv[n++] = "-mon";
	argv[n++] = "chardev=qmp0,mode=control";
	argv[n] = NULL;

	logfd = open_log(cfg->log_path, argv);
	q->pid = spawn(cfg->qemu, argv, logfd);
	close(logfd);

	q->fd = accept_timeout(q, lfd, "qtest");
	close(lfd);
	q->qmp_fd = accept_timeout(q, qlfd, "QMP");
	close(qlfd);
	unlink(q->sock_path);
	unlink(q->qmp_path);

	line = qmp_line(q);
	if (!strstr(line, "\"QMP\""))
		qts_fatal("unexpected QMP greeting: %.200s", line);
	qts_qmp_ok(q, "{\"execute\": \"qmp_capabilities\"}");
	return q;
}

static void free_qts(struct qts *q)
{
	if (q->fd > 0)
		close(q->fd);
	if (q->qmp_fd > 0)
		close(q->qmp_fd);
	free(q->buf);
	free(q->qbuf);
	free(q);
}

void qts_kill(struct qts *q)
{
	if (!q)
		return;
	if (qts_alive(q)) {
		kill(q->pid, SIGKILL);
		reap(q, true);
	}
	free_qts(q);
}

int qts_quit(struct qts *q)
{
	uint64_t deadline;
	int st;

	if (qts_alive(q)) {
		static const char quit[] = "{\"execute\": \"quit\"}\n";

		(void)!send(q->qmp_fd, quit, sizeof(quit) - 1, MSG_NOSIGNAL);
		deadline = now_ms() + (uint64_t)q->timeout_ms;
		while (qts_alive(q) && now_ms() < deadline)
			sleep_ms(10);
		if (qts_alive(q)) {
			kill(q->pid, SIGKILL);
			reap(q, true);
			free_qts(q);
			return -1;
		}
	}
	st = q->status;
	free_qts(q);
	return st;
}

/* Handle one line from the qtest socket; true if it was an async IRQ line. */
static bool async_line(struct qts *q, const char *line)
{
	int n;

	if (sscanf(line, "IRQ raise %d", &n) == 1) {
		if (n >= 0 && n < QTS_MAX_IRQ) {
			q->irq[n] = 1;
			q->irq_raises[n]++;
		}
		return true;
	}
	if (sscanf(line, "IRQ lower %d", &n) == 1) {
		if (n >= 0 && n < QTS_MAX_IRQ)
			q->irq[n] = 0;
		return true;
	}
	return false;
}

const char *qts_cmd(struct qts *q, const char *fmt, ...)
{
	char small[256], *cmd = small;
	va_list ap;
	int n;
	char *line;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		qts_fatal("bad command format");
	if ((size_t)n >= sizeof(small) - 1) {
		cmd = malloc((size_t)n + 2);
		if (!cmd)
			qts_fatal("out of memory");
		va_start(ap, fmt);
		vsnprintf(cmd, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	cmd[n] = '\n';
	send_all(q, q->fd, cmd, (size_t)n + 1);
	cmd[n] = 0;
	q->commands++;
	for (;;) {
		line = qtest_line(q);
		if (async_line(q, line))
			continue;
		if (!strncmp(line, "OK", 2)) {
			const char *rest = line[2] == ' ' ? line + 3 : line + 2;

			snprintf(q->resp, sizeof(q->resp), "%s", rest);
			break;
		}
		{
			char c[120];

			snprintf(c, sizeof(c), "%.100s", cmd);
			if (cmd != small)
				free(cmd);
			qts_fatal("qtest command '%s' answered '%.300s'", c, line);
		}
	}
	if (cmd != small)
		free(cmd);
	return q->resp;
}

static uint64_t cmd_value(struct qts *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static uint64_t cmd_value(struct qts *q, const char *fmt, ...)
{
	char cmd[128];
	const char *r;
	char *end;
	uint64_t v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = qts_cmd(q, "%s", cmd);
	v = strtoull(r, &end, 0);
	if (end == r)
		qts_fatal("qtest command '%s': no value in '%.100s'", cmd, r);
	return v;
}

uint8_t qts_inb(struct qts *q, uint16_t port)
{
	return (uint8_t)cmd_value(q, "inb 0x%x", port);
}

uint16_t qts_inw(struct qts *q, uint16_t port)
{
	return (uint16_t)cmd_value(q, "inw 0x%x", port);
}

uint32_t qts_inl(struct qts *q, uint16_t port)
{
	return (uint32_t)cmd_value(q, "inl 0x%x", port);
}

void qts_outb(struct qts *q, uint16_t port, uint8_t v)
{
	qts_cmd(q, "outb 0x%x 0x%x", port, v);
}

void qts_outw(struct qts *q, uint16_t port, uint16_t v)
{
	qts_cmd(q, "outw 0x%x 0x%x", port, v);
}

void qts_outl(struct qts *q, uint16_t port, uint32_t v)
{
	qts_cmd(q, "outl 0x%x 0x%x", port, v);
}

uint32_t qts_readl(struct qts *q, uint64_t addr)
{
	return (uint32_t)cmd_value(q, "readl 0x%" PRIx64, addr);
}

void qts_writel(struct qts *q, uint64_t addr, uint32_t v)
{
	qts_cmd(q, "writel 0x%" PRIx64 " 0x%x", addr, v);
}

uint16_t qts_readw(struct qts *q, uint64_t addr)
{
	return (uint16_t)cmd_value(q, "readw 0x%" PRIx64, addr);
}

void qts_writew(struct qts *q, uint64_t addr, uint16_t v)
{
	qts_cmd(q, "writew 0x%" PRIx64 " 0x%x", addr, v);
}

uint8_t qts_readb(struct qts *q, uint64_t addr)
{
	return (uint8_t)cmd_value(q, "readb 0x%" PRIx64, addr);
}

void qts_writeb(struct qts *q, uint64_t addr, uint8_t v)
{
	qts_cmd(q, "writeb 0x%" PRIx64 " 0x%x", addr, v);
}

uint64_t qts_readq(struct qts *q, uint64_t addr)
{
	return cmd_value(q, "readq 0x%" PRIx64, addr);
}

void qts_writeq(struct qts *q, uint64_t addr, uint64_t v)
{
	qts_cmd(q, "writeq 0x%" PRIx64 " 0x%" PRIx64, addr, v);
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#define MEM_CHUNK 4096

void qts_memread(struct qts *q, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;

	while (len) {
		size_t n = len > MEM_CHUNK ? MEM_CHUNK : len;
		const char *r = qts_cmd(q, "read 0x%" PRIx64 " 0x%zx", addr, n);
		size_t i;

		if (r[0] != '0' || r[1] != 'x' || strlen(r + 2) < 2 * n)
			qts_fatal("read: bad answer '%.60s'", r);
		for (i = 0; i < n; i++) {
			int hi = nibble(r[2 + 2 * i]), lo = nibble(r[3 + 2 * i]);

			if (hi < 0 || lo < 0)
				qts_fatal("read: bad hex in answer");
			out[i] = (uint8_t)(hi << 4 | lo);
		}
		out += n;
		addr += n;
		len -= n;
	}
}

void qts_memwrite(struct qts *q, uint64_t addr, const void *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *in = buf;
	char *s = malloc(2 * MEM_CHUNK + 1);

	if (!s)
		qts_fatal("out of memory");
	while (len) {
		size_t n = len > MEM_CHUNK ? MEM_CHUNK : len;
		size_t i;

		for (i = 0; i < n; i++) {
			s[2 * i] = hex[in[i] >> 4];
			s[2 * i + 1] = hex[in[i] & 15];
		}
		s[2 * n] = 0;
		qts_cmd(q, "write 0x%" PRIx64 " 0x%zx 0x%s", addr, n, s);
		in += n;
		addr += n;
		len -= n;
	}
	free(s);
}

void qts_memset(struct qts *q, uint64_t addr, uint8_t v, size_t len)
{
	qts_cmd(q, "memset 0x%" PRIx64 " 0x%zx 0x%x", addr, len, v);
}

uint64_t qts_clock_step(struct qts *q, uint64_t ns)
{
	if (ns)
		return cmd_value(q, "clock_step %" PRIu64, ns);
	return cmd_value(q, "clock_step");
}

void qts_irq_intercept_in(struct qts *q, const char *path)
{
	qts_cmd(q, "irq_intercept_in %s", path);
}

bool qts_irq(struct qts *q, int n)
{
	qts_cmd(q, "readb 0x0");	/* a round trip: collects IRQ lines */
	return n >= 0 && n < QTS_MAX_IRQ && q->irq[n];
}

static char *qmp_send(struct qts *q, const char *cmd)
{
	char *line;

	send_all(q, q->qmp_fd, cmd, strlen(cmd));
	send_all(q, q->qmp_fd, "\n", 1);
	for (;;) {
		line = qmp_line(q);
		if (!strncmp(line, "{\"return\"", 9) || !strncmp(line, "{\"error\"", 8))
			break;
	}
	line = strdup(line);
	if (!line)
		qts_fatal("out of memory");
	return line;
}

static char *qmp_format(const char *fmt, va_list ap)
{
	char *cmd = NULL;

	if (vasprintf(&cmd, fmt, ap) < 0)
		qts_fatal("out of memory");
	return cmd;
}

char *qts_qmp(struct qts *q, const char *fmt, ...)
{
	va_list ap;
	char *cmd, *r;

	va_start(ap, fmt);
	cmd = qmp_format(fmt, ap);
	va_end(ap);
	r = qmp_send(q, cmd);
	free(cmd);
	return r;
}

void qts_qmp_ok(struct qts *q, const char *fmt, ...)
{
	va_list ap;
	char *cmd, *r;

	va_start(ap, fmt);
	cmd = qmp_format(fmt, ap);
	va_end(ap);
	r = qmp_send(q, cmd);
	if (strncmp(r, "{\"return\"", 9)) {
		char msg[600];

		snprintf(msg, sizeof(msg), "QMP %.250s failed: %.300s", cmd, r);
		free(r);
		free(cmd);
		qts_fatal("%s", msg);
	}
	free(r);
	free(cmd);
}

bool json_get_str(const char *json, const char *key, char *out, size_t outlen)
{
	char pat[80];
	const char *p, *e;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(json, pat);
	if (!p)
		return false;
	p += strlen(pat);
	while (*p == ' ' || *p == ':')
		p++;
	if (*p != '"')
		return false;
	p++;
	e = strchr(p, '"');
	if (!e)
		return false;
	n = (size_t)(e - p);
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = 0;
	return true;
}

/* ---- UDP wire ---- */

static int bind_loopback(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		qts_fatal("udp bind: %s", strerror(errno));
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		qts_fatal("getsockname: %s", strerror(errno));
	return ntohs(sa.sin_port);
}

int udp_free_port(void)
{
	int fd = bind_loopback(0);
	int port = port_of(fd);

	close(fd);
	return port;
}

void udp_wire_open(struct udp_wire *w)
{
	int sz = 4 << 20;

	w->fd = bind_loopback(0);
	setsockopt(w->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	w->our_port = port_of(w->fd);
	w->qemu_port = udp_free_port();
}

void udp_wire_close(struct udp_wire *w)
{
	if (w->fd > 0)
		close(w->fd);
	w->fd = -1;
}

void udp_send(struct udp_wire *w, const void *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)w->qemu_port) };

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sendto(w->fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) != (ssize_t)len)
		qts_fatal("udp sendto port %d: %s", w->qemu_port, strerror(errno));
}

ssize_t udp_recv(struct udp_wire *w, void *buf, size_t cap, int timeout_ms)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	uint64_t deadline = now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);

	for (;;) {
		uint64_t now = now_ms();
		int r = poll(&p, 1, now >= deadline ? 0 : (int)(deadline - now));

		if (r > 0) {
			ssize_t n = recv(w->fd, buf, cap, MSG_DONTWAIT);

			if (n >= 0)
				return n;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (now_ms() >= deadline)
			return -1;
	}
}

int udp_drain(struct udp_wire *w)
{
	char buf[65536];
	int n = 0;

	while (recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		n++;
	return n;
}
