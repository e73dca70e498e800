// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: device-level tests of the e1000 CSB extension
 * (Documentation/csb-spec.md), without a guest OS. Starts QEMU with
 * -accel qtest and plays the guest driver through the qtest protocol:
 * PCI configuration via 0xcf8/0xcfc, MMIO, guest memory, the interrupt
 * line as seen by the IOAPIC, the virtual clock. The NIC's netdev is a
 * UDP pair on 127.0.0.1: we hold the remote end, so every frame the NIC
 * sends arrives at our socket and every datagram we send is a frame the
 * NIC receives.
 *
 *   csb-qtest [OPTIONS] [TEST...]              run tests (default: all)
 *   csb-qtest --list                           list the tests
 *   csb-qtest [OPTIONS] fuzz --seed S --iterations N
 *
 * Options:
 *   --qemu PATH       QEMU binary (default: $QEMU, else ../qemu/ next to us)
 *   --csb on|off|auto add csb=on / csb=off to the device; auto: csb=on if
 *                     the device has a "csb" property, nothing otherwise
 *   --props P         more device properties, verbatim ("a=b,c=d")
 *   --model M         NIC model (default e1000)
 *   --expect-no-csb   the capability is expected to be absent: the
 *                     capability test checks absence, CSB tests SKIP
 *   --logdir DIR      QEMU logs (default: a new directory in $TMPDIR,
 *                     removed when everything passed)
 *   --timeout S       seconds QEMU may take to answer one command (30)
 *   -v                more output
 *
 * Prints "PASS name", "FAIL name: why" or "SKIP name: why" per test, and
 * exits 1 if anything failed. Each test starts its own QEMU (one at a
 * time) and quits it at the end; a QEMU that exits non-zero, or whose
 * log shows an AddressSanitizer or UBSan report, fails the test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e1000_csb_abi.h"
#include "e1000-hw.h"
#include "qtest-client.h"

/* ---- guest memory map (128 MiB of RAM) ---- */
#define RAM_SIZE	UINT64_C(0x8000000)
#define TX_RING		UINT64_C(0x100000)	/* rings: up to 0x4000 bytes each, with */
#define TX_RING2	UINT64_C(0x104000)	/* room for bait descriptors after them */
#define RX_RING		UINT64_C(0x110000)
#define RX_RING2	UINT64_C(0x114000)
#define CSB_A		UINT64_C(0x120000)	/* 256-byte aligned */
#define CSB_B		UINT64_C(0x121000)
#define TX_BUF		UINT64_C(0x200000)	/* 2 KiB per descriptor index */
#define RX_BUF		UINT64_C(0x300000)	/* 2 KiB per descriptor index */
#define BAIT_BUF	UINT64_C(0x3c0000)	/* buffers of descriptors beyond a ring */
#define CANARY		UINT64_C(0x400000)	/* must never be written by the device */
#define CANARY_LEN	0x10000
#define CANARY_BYTE	0xa5
#define BUF_SLOT	2048
#define BAR0_ADDR	0xfebc0000u
#define NIC_IRQ		11		/* -M pc: we route PIRQ A-D to GSI 11 */

#define NIC_MAC		"52:54:00:12:34:56"
static const uint8_t nic_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0xc5, 0xfe, 0x02 };
#define ETHERTYPE_TEST	0x88b5		/* IEEE local experimental */

/* CSB field offsets */
#define CSB_TX_TAIL	offsetof(struct csb_block, tx_tail)
#define CSB_RX_TAIL	offsetof(struct csb_block, rx_tail)
#define CSB_TX_IRQ	offsetof(struct csb_block, tx_irq)
#define CSB_RX_IRQ	offsetof(struct csb_block, rx_irq)
#define CSB_TX_HEAD	offsetof(struct csb_block, tx_head)
#define CSB_RX_HEAD	offsetof(struct csb_block, rx_head)
#define CSB_TX_KICK	offsetof(struct csb_block, tx_kick)
#define CSB_RX_KICK	offsetof(struct csb_block, rx_kick)
#define CSB_ICR		offsetof(struct csb_block, icr)
#define CSB_STATUS_MIRROR offsetof(struct csb_block, status)
#define CSB_GUEST_RSVD	offsetof(struct csb_block, guest_reserved)
#define CSB_HOST_RSVD	offsetof(struct csb_block, host_reserved)
#define CSB_RSVD	offsetof(struct csb_block, reserved)

#define CSB_ENABLE_V1	((uint32_t)(CSB_CTRL_ENABLE | CSB_CTRL_MAJOR(1u)))

static struct {
	const char *qemu;
	char props[1024];
	const char *model;
	const char *csb;	/* NULL, "on", "off", "auto" */
	bool expect_no_csb;
	char logdir[PATH_MAX];
	bool logdir_given;
	char sockdir[PATH_MAX];
	int timeout_ms;
	bool verbose;
	bool guest_errors;
	bool tcg;		/* no qtest accelerator: TCG, a halting BIOS, real time */
	char halt_bios[PATH_MAX];
} opt = { .model = "e1000", .timeout_ms = 30000, .guest_errors = true };

/* ---- test context ---- */

struct t {
	const char *name;
	jmp_buf jmp;
	bool armed;
	int failures;
	char first_failure[1024];
	char skipped[512];
	int qemu_count;
	char log_path[PATH_MAX];

	struct qts *q;
	struct udp_wire udp;
	int dev;		/* PCI device number on bus 0 */
	uint32_t bar0;
	int irq;		/* the IOAPIC input of the NIC's INTA */

	/* platform, chosen by the test before qemu_up() */
	bool q35;		/* -M q35 (else -M pc) */
	const char *iommu;	/* -M q35 only: -device intel-iommu,<this> */
	uint64_t dma_off;	/* device address = guest-physical address + this,
				 * for the rings and buffers (an IOMMU maps them)
				 */

	/* Intel VT-d, with iommu (vtd_setup()) */
	uint32_t vtd_iotlb;	/* offset of the IOTLB invalidate register */
	uint32_t vtd_frcd;	/* offset of the first fault recording register */
	unsigned int vtd_nfr;	/* how many there are */
	unsigned int vtd_levels; /* page-table levels (3: 39-bit IOVAs) */
	uint64_t vtd_slpt;	/* the device's second-level page table */
	uint64_t vtd_next;	/* next free table page */
	bool vtd_te;		/* translation enabled */

	/* capability */
	bool has_cap;
	uint8_t cap_off, cap_len;
	uint32_t offered;
	uint32_t regs;		/* BAR0 offset of the CSB registers */
	uint16_t cap_major, cap_minor;
	bool cap_list_bad;

	/* rings, as the guest sees them */
	unsigned int tx_n, rx_n;
	unsigned int tx_tail, rx_tail;	/* last published tails */
	uint32_t tx_seq;		/* next TX frame number */
	uint32_t rx_seq;
	uint64_t csb;			/* CSB address in use */
	unsigned long tx_kicks, tx_nokicks, rx_kicks, rx_nokicks;
	bool kick_with_tdt;		/* alternate TDT writes and KICK */
};

static struct t *cur;

static void vrecord(struct t *c, int line, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!c->failures++) {
		if (line)
			snprintf(c->first_failure, sizeof(c->first_failure), "%.900s (line %d)",
				 msg, line);
		else
			snprintf(c->first_failure, sizeof(c->first_failure), "%s", msg);
	}
	printf("  %s: check failed: %s", c->name, msg);
	if (line)
		printf(" [csb-qtest.c:%d]", line);
	printf("\n");
	fflush(stdout);
}

static void record(struct t *c, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void record(struct t *c, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrecord(c, line, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn)) bail(struct t *c)
{
	if (c->armed)
		longjmp(c->jmp, 1);
	fprintf(stderr, "csb-qtest: fatal outside a test: %s\n", c->first_failure);
	exit(2);
}

/* record(), then bail(): the failure of a REQUIRE. */
static void __attribute__((noreturn, format(printf, 3, 4)))
record_bail(struct t *c, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrecord(c, line, fmt, ap);
	va_end(ap);
	bail(c);
}

/* CHECK: record and go on; REQUIRE: record and end the test. */
#define CHECK(c, cond, ...) \
	do { if (!(cond)) record((c), __LINE__, __VA_ARGS__); } while (0)
#define REQUIRE(c, cond, ...) \
	do { if (!(cond)) record_bail((c), __LINE__, __VA_ARGS__); } while (0)

static void note(struct t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct t *c, const char *fmt, ...)
{
	va_list ap;

	if (!opt.verbose)
		return;
	printf("  %s: ", c->name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void __attribute__((noreturn, format(printf, 2, 3))) skip(struct t *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->skipped, sizeof(c->skipped), fmt, ap);
	va_end(ap);
	bail(c);
}

static void on_fatal(const char *msg)
{
	if (cur && cur->armed) {
		record(cur, 0, "%s", msg);
		longjmp(cur->jmp, 1);
	}
	fprintf(stderr, "csb-qtest: %s\n", msg);
	exit(2);
}

/* ---- QEMU lifecycle ---- */

static char *probe_help(const char *qemu, const char *model)
{
	char cmd[PATH_MAX + 128];
	static char out[65536];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' -nodefaults -device '%s,help' 2>&1", qemu, model);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	return out;
}

/* Does this QEMU have the qtest accelerator? (Debian's 7.2 does not.) */
static bool probe_qtest_accel(const char *qemu)
{
	char cmd[PATH_MAX + 256], out[4096];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "printf '{\"execute\": \"qmp_capabilities\"}\\n{\"execute\": \"quit\"}\\n' | '%s' -M none -accel qtest -display none -nodefaults -qtest null -qtest-log none -qmp stdio 2>&1",
		 qemu);
	p = popen(cmd, "r");
	if (!p)
		return true;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	pclose(p);
	return !strstr(out, "invalid accelerator");
}

/* A 64 KiB BIOS whose reset vector is "cli; hlt; jmp back to hlt". */
static void make_halt_bios(const char *path)
{
	static uint8_t rom[65536];
	FILE *f = fopen(path, "wb");

	memset(rom, 0xf4, sizeof(rom));
	rom[0xfff0] = 0xfa;	/* cli */
	rom[0xfff1] = 0xf4;	/* hlt */
	rom[0xfff2] = 0xeb;	/* jmp -3: to the hlt */
	rom[0xfff3] = 0xfd;
	if (!f || fwrite(rom, 1, sizeof(rom), f) != sizeof(rom) || fclose(f)) {
		perror(path);
		exit(2);
	}
}

/* The -device string: model, ids, our props, the test's props. */
static void device_arg(char *buf, size_t len, const char *extra)
{
	snprintf(buf, len, "%s,id=nic0,netdev=n0,romfile=,mac=%s%s%s%s%s", opt.model, NIC_MAC,
		 opt.props[0] ? "," : "", opt.props, extra && *extra ? "," : "",
		 extra ? extra : "");
}

/* Start QEMU for this test. extra_props: appended to -device; extra_args:
 * NULL-terminated list of more arguments (e.g. "-incoming", "defer").
 */
static void qemu_start(struct t *c, const char *extra_props, const char *const *extra_args)
{
	static char device[2048], netdev[512], iommu[256];
	struct qts_config cfg = { 0 };
	int n = 0;

	if (c->udp.fd <= 0)
		udp_wire_open(&c->udp);
	if (snprintf(c->log_path, sizeof(c->log_path), "%s/%s-%d.log", opt.logdir, c->name,
		     c->qemu_count++) >= (int)sizeof(c->log_path))
		qts_fatal("log directory path too long");
	device_arg(device, sizeof(device), extra_props);
	snprintf(netdev, sizeof(netdev),
		 "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=%d,remote.type=inet,remote.host=127.0.0.1,remote.port=%d",
		 c->udp.qemu_port, c->udp.our_port);
	cfg.qemu = opt.qemu;
	cfg.log_path = c->log_path;
	cfg.sock_dir = opt.sockdir;
	cfg.timeout_ms = opt.timeout_ms;
	cfg.argv[n++] = "-M";
	cfg.argv[n++] = c->q35 ? "q35" : "pc";
	if (c->q35 && c->iommu) {
		/* before the NIC, which takes its DMA address space at realize */
		snprintf(iommu, sizeof(iommu), "intel-iommu%s%s", *c->iommu ? "," : "",
			 c->iommu);
		cfg.argv[n++] = "-device";
		cfg.argv[n++] = iommu;
	}
	cfg.argv[n++] = "-accel";
	if (opt.tcg) {
		cfg.argv[n++] = "tcg";
		cfg.argv[n++] = "-bios";
		cfg.argv[n++] = opt.halt_bios;
	} else {
		cfg.argv[n++] = "qtest";
	}
	cfg.argv[n++] = "-display";
	cfg.argv[n++] = "none";
	cfg.argv[n++] = "-nodefaults";
	cfg.argv[n++] = "-m";
	cfg.argv[n++] = "128M";
	cfg.argv[n++] = "-device";
	cfg.argv[n++] = device;
	cfg.argv[n++] = "-netdev";
	cfg.argv[n++] = netdev;
	if (opt.guest_errors) {
		cfg.argv[n++] = "-d";
		cfg.argv[n++] = "guest_errors";
	}
	for (int i = 0; extra_args && extra_args[i] && n < QTS_MAX_ARGS - 1; i++)
		cfg.argv[n++] = extra_args[i];
	cfg.argv[n] = NULL;
	c->q = qts_start(&cfg);
}

/* Sanitizer reports in a QEMU log: the first matching line, or NULL. */
static const char *sanitizer_report(const char *path, char *line, size_t len)
{
	static const char *const pats[] = { "AddressSanitizer", "runtime error",
		"LeakSanitizer", "UndefinedBehaviorSanitizer", "ThreadSanitizer" };
	FILE *f = fopen(path, "r");
	char buf[4096];

	if (!f)
		return NULL;
	while (fgets(buf, sizeof(buf), f)) {
		for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
			if (strstr(buf, pats[i])) {
				buf[strcspn(buf, "\n")] = 0;
				snprintf(line, len, "%.*s", (int)len - 1, buf);
				fclose(f);
				return line;
			}
		}
	}
	fclose(f);
	return NULL;
}

/* The first error line QEMU printed in its log (after the command line). */
static const char *qemu_error_line(const char *path, char *line, size_t len)
{
	FILE *f = fopen(path, "r");
	char buf[1024];

	snprintf(line, len, "(nothing in %s)", path);
	if (!f)
		return line;
	while (fgets(buf, sizeof(buf), f)) {
		if (buf[0] == '+' || strncmp(buf, "qemu-system", 11))
			continue;
		buf[strcspn(buf, "\n")] = 0;
		snprintf(line, len, "%.*s", (int)len - 1, buf);
		break;
	}
	fclose(f);
	return line;
}

/* Quit this test's QEMU; a bad exit or a sanitizer report is a failure. */
static void qemu_stop(struct t *c)
{
	char line[512];
	int st;

	if (!c->q)
		return;
	st = qts_quit(c->q);
	c->q = NULL;
	if (st == -1)
		record(c, 0, "QEMU did not quit within %d ms (killed); log %s", opt.timeout_ms,
		       c->log_path);
	else if (WIFSIGNALED(st))
		record(c, 0, "QEMU was killed by signal %d; log %s", WTERMSIG(st), c->log_path);
	else if (WIFEXITED(st) && WEXITSTATUS(st))
		record(c, 0, "QEMU exited with status %d; log %s", WEXITSTATUS(st), c->log_path);
	if (sanitizer_report(c->log_path, line, sizeof(line)))
		record(c, 0, "sanitizer report in %s: %s", c->log_path, line);
}

/* QEMU answers, and QMP says the VM is in a sane state. */
static void check_alive(struct t *c, const char *after)
{
	char status[64] = "";
	char *r;

	REQUIRE(c, qts_alive(c->q), "QEMU died after %s", after);
	(void)qts_readl(c->q, c->bar0 + E1K_STATUS);
	r = qts_qmp(c->q, "{\"execute\": \"query-status\"}");
	json_get_str(r, "status", status, sizeof(status));
	free(r);
	REQUIRE(c, !strcmp(status, "running"), "after %s: query-status says '%s', not running",
		after, status);
}

/* ---- PCI ---- */

static uint32_t cfg_addr(int dev, int off)
{
	return 0x80000000u | (uint32_t)dev << 11 | ((uint32_t)off & 0xfc);
}

static uint32_t cfg_r32(struct t *c, int dev, int off)
{
	qts_outl(c->q, PCI_CFG_ADDR, cfg_addr(dev, off));
	return qts_inl(c->q, PCI_CFG_DATA);
}

static uint8_t cfg_r8(struct t *c, int dev, int off)
{
	return (uint8_t)(cfg_r32(c, dev, off) >> ((off & 3) * 8));
}

static uint16_t cfg_r16(struct t *c, int dev, int off)
{
	return (uint16_t)(cfg_r32(c, dev, off) >> ((off & 2) * 8));
}

static void cfg_w32(struct t *c, int dev, int off, uint32_t v)
{
	qts_outl(c->q, PCI_CFG_ADDR, cfg_addr(dev, off));
	qts_outl(c->q, PCI_CFG_DATA, v);
}

static void cfg_w16(struct t *c, int dev, int off, uint16_t v)
{
	qts_outl(c->q, PCI_CFG_ADDR, cfg_addr(dev, off));
	qts_outw(c->q, (uint16_t)(PCI_CFG_DATA + (off & 2)), v);
}

static void cfg_w8(struct t *c, int dev, int off, uint8_t v)
{
	qts_outl(c->q, PCI_CFG_ADDR, cfg_addr(dev, off));
	qts_outb(c->q, (uint16_t)(PCI_CFG_DATA + (off & 3)), v);
}

static bool is_e1000_id(uint16_t id)
{
	return id == 0x100e || id == 0x100f || id == 0x100c;
}

static void bus_master(struct t *c, bool on)
{
	cfg_w16(c, c->dev, PCI_COMMAND,
		(uint16_t)(PCI_COMMAND_MEMORY | (on ? PCI_COMMAND_MASTER : 0)));
}

/* Program BAR0 and COMMAND, route the PCI interrupts to GSI 11 (-M pc). */
static void pci_setup(struct t *c)
{
	c->bar0 = BAR0_ADDR;
	cfg_w32(c, c->dev, PCI_BAR0, c->bar0);
	bus_master(c, true);
	if (c->q35) {
		/* ICH9: INTA of slot s is PIRQ E + s % 4, which the IOAPIC
		 * sees at input 16 + its number, whatever the PIRQ routing
		 * registers say (those route to the 8259 only)
		 */
		c->irq = ICH9_IOAPIC_PIRQE + c->dev % 4;
	} else {
		/* PIIX3 at 00:01.0: PIRQA..D -> IRQ 11 (the BIOS' job normally) */
		cfg_w32(c, 1, PIIX_PIRQRC, NIC_IRQ * 0x01010101u);
		c->irq = NIC_IRQ;
	}
}

/* ---- MMIO and guest memory ---- */

static uint32_t r32(struct t *c, uint32_t reg)
{
	return qts_readl(c->q, c->bar0 + reg);
}

static void w32(struct t *c, uint32_t reg, uint32_t v)
{
	qts_writel(c->q, c->bar0 + reg, v);
}

static uint32_t csb_reg_r(struct t *c, uint32_t reg)
{
	return qts_readl(c->q, c->bar0 + c->regs + reg);
}

static void csb_reg_w(struct t *c, uint32_t reg, uint32_t v)
{
	qts_writel(c->q, c->bar0 + c->regs + reg, v);
}

static uint32_t mem_r32(struct t *c, uint64_t addr)
{
	return qts_readl(c->q, addr);
}

static void mem_w32(struct t *c, uint64_t addr, uint32_t v)
{
	qts_writel(c->q, addr, v);
}

/* Advance virtual time by ns. Without the qtest accelerator the virtual
 * clock follows real time (the VM runs, its CPU halted): just wait.
 */
static void step_clock(struct t *c, uint64_t ns)
{
	if (!opt.tcg)
		qts_clock_step(c->q, ns);
	else
		sleep_ms((unsigned int)(ns / 1000000 + 1));
}

static uint32_t csbf(struct t *c, size_t field)
{
	return mem_r32(c, c->csb + field);
}

static void csbf_w(struct t *c, size_t field, uint32_t v)
{
	mem_w32(c, c->csb + field, v);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

/* Poll a 32-bit location (guest memory, or MMIO when mmio) until
 * (value & mask) == want, for at most ms milliseconds.
 */
static bool wait32(struct t *c, uint64_t addr, uint32_t mask, uint32_t want, int ms,
		   uint32_t *last)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	uint32_t v;

	for (;;) {
		v = qts_readl(c->q, addr);
		if ((v & mask) == want)
			break;
		if (now_ms() >= end) {
			if (last)
				*last = v;
			return false;
		}
		sleep_ms(1);
	}
	if (last)
		*last = v;
	return true;
}

static bool wait_csbf(struct t *c, size_t field, uint32_t mask, uint32_t want, int ms,
		      uint32_t *last)
{
	return wait32(c, c->csb + field, mask, want, ms, last);
}

/* Wait for the NIC's interrupt line to reach level, stepping the virtual
 * clock so that interrupt mitigation (ITR, at least 128 us) can fire.
 */
static bool wait_irq(struct t *c, bool level, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	for (;;) {
		if (qts_irq(c->q, c->irq) == level)
			return true;
		if (now_ms() >= end)
			return false;
		step_clock(c, 200000);
		sleep_ms(1);
	}
}

/* Let asynchronous work finish before a negative check: real time for a
 * device thread, virtual time for the mitigation timer.
 */
static void settle(struct t *c, int ms)
{
	sleep_ms((unsigned int)ms);
	step_clock(c, 2000000);
	(void)qts_irq(c->q, c->irq);
}

/* ---- frames ---- */

static size_t frame_len(uint32_t seq)
{
	return 60 + (seq * 97u) % 1455u;	/* 60 .. 1514 */
}

static size_t make_frame(uint8_t *f, uint32_t seq, size_t len, bool to_nic)
{
	memcpy(f, to_nic ? nic_mac : peer_mac, 6);
	memcpy(f + 6, to_nic ? peer_mac : nic_mac, 6);
	f[12] = ETHERTYPE_TEST >> 8;
	f[13] = ETHERTYPE_TEST & 0xff;
	memcpy(f + 14, to_nic ? "CSBR" : "CSBT", 4);
	put_le32(f + 18, seq);
	for (size_t i = 22; i < len; i++)
		f[i] = (uint8_t)(seq * 31u + i * 7u);
	return len;
}

static uint32_t frame_seq(const uint8_t *f, ssize_t n)
{
	return n >= 22 ? get_le32(f + 18) : 0xffffffffu;
}

/* The next frame of ours from the wire (ethertype 0x88b5), skipping
 * anything QEMU sends by itself (the RARP self-announce after an incoming
 * migration); length or -1.
 */
static ssize_t recv_frame(struct t *c, uint8_t *buf, size_t cap, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	for (;;) {
		uint64_t now = now_ms();
		ssize_t n = udp_recv(&c->udp, buf, cap, now >= end ? 0 : (int)(end - now));

		if (n < 0)
			return -1;
		if (n >= 14 &&
		    get_le16(buf + 12) == (ETHERTYPE_TEST >> 8 | (ETHERTYPE_TEST & 0xff) << 8))
			return n;
		note(c, "ignored a %zd-byte frame with ethertype 0x%02x%02x", n,
		     n >= 14 ? buf[12] : 0, n >= 14 ? buf[13] : 0);
	}
}

/* Expect the TX frames seq .. seq+count-1 on the wire, in order. */
static bool expect_tx(struct t *c, uint32_t seq, unsigned int count, int ms)
{
	uint8_t got[65536], want[2048];

	for (unsigned int i = 0; i < count; i++) {
		size_t len = make_frame(want, seq + i, frame_len(seq + i), false);
		ssize_t n = recv_frame(c, got, sizeof(got), ms);

		if (n < 0) {
			record(c, 0, "TX frame #%u (of %u from #%u) not on the wire within %d ms",
			       seq + i, count, seq, ms);
			return false;
		}
		if ((size_t)n != len || memcmp(got, want, len)) {
			record(c, 0, "TX frame: expected #%u (%zu bytes), got %zd bytes (#%u%s)",
			       seq + i, len, n, frame_seq(got, n),
			       (size_t)n == len ? ", contents differ" : "");
			return false;
		}
	}
	return true;
}

/* Nothing on the wire for ms milliseconds. */
static bool expect_quiet(struct t *c, int ms, const char *why)
{
	uint8_t got[65536];
	ssize_t n = recv_frame(c, got, sizeof(got), ms);

	if (n >= 0) {
		record(c, 0, "%s: unexpected frame on the wire (%zd bytes, #%u)", why, n,
		       frame_seq(got, n));
		return false;
	}
	return true;
}

/* ---- rings ---- */

static void tx_fill(struct t *c, unsigned int idx, uint32_t seq)
{
	uint8_t f[2048], d[DESC_SIZE] = { 0 };
	size_t len = make_frame(f, seq, frame_len(seq), false);
	uint64_t buf = TX_BUF + (uint64_t)idx * BUF_SLOT;

	qts_memwrite(c->q, buf, f, len);
	put_le64(d, buf + c->dma_off);
	put_le16(d + TXD_LEN_OFF, (uint16_t)len);
	d[TXD_CMD_OFF] = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
	qts_memwrite(c->q, TX_RING + (uint64_t)idx * DESC_SIZE, d, sizeof(d));
}

static uint8_t tx_status(struct t *c, unsigned int idx)
{
	return qts_readb(c->q, TX_RING + (uint64_t)idx * DESC_SIZE + TXD_STA_OFF);
}

static void rx_desc_reset(struct t *c, unsigned int idx)
{
	uint8_t d[DESC_SIZE] = { 0 };

	put_le64(d, RX_BUF + (uint64_t)idx * BUF_SLOT + c->dma_off);
	qts_memwrite(c->q, RX_RING + (uint64_t)idx * DESC_SIZE, d, sizeof(d));
}

static uint8_t rx_status(struct t *c, unsigned int idx)
{
	return qts_readb(c->q, RX_RING + (uint64_t)idx * DESC_SIZE + RXD_STA_OFF);
}

static void set_rctl(struct t *c, uint32_t v)
{
	w32(c, E1K_RCTL, v);
	/* QEMU's e1000 holds RX for 1 s of virtual time after an RCTL write */
	step_clock(c, 1100000000ull);
}

static void inject(struct t *c, uint32_t seq, size_t len)
{
	uint8_t f[16384];

	make_frame(f, seq, len, true);
	udp_send(&c->udp, f, len);
}

/* The frame seq of length len is in RX descriptor idx (single buffer). */
static bool check_rx(struct t *c, unsigned int idx, uint32_t seq, size_t len)
{
	uint8_t d[DESC_SIZE], want[2048], got[2048];

	qts_memread(c->q, RX_RING + (uint64_t)idx * DESC_SIZE, d, sizeof(d));
	if (!(d[RXD_STA_OFF] & RXD_STAT_DD)) {
		record(c, 0, "RX descriptor %u: DD not set", idx);
		return false;
	}
	if (!(d[RXD_STA_OFF] & RXD_STAT_EOP) || get_le16(d + RXD_LEN_OFF) != len) {
		record(c, 0, "RX descriptor %u: status 0x%x length %u, expected EOP and %zu", idx,
		       d[RXD_STA_OFF], get_le16(d + RXD_LEN_OFF), len);
		return false;
	}
	make_frame(want, seq, len, true);
	qts_memread(c->q, RX_BUF + (uint64_t)idx * BUF_SLOT, got, len);
	if (memcmp(got, want, len)) {
		record(c, 0, "RX descriptor %u: buffer holds frame #%u, not #%u (or corrupted)",
		       idx, frame_seq(got, (ssize_t)len), seq);
		return false;
	}
	return true;
}

/* Wait until RX descriptor idx has DD. */
static bool wait_rx(struct t *c, unsigned int idx, int ms)
{
	/* a 32-bit read at the status byte: status is its low byte */
	return wait32(c, RX_RING + (uint64_t)idx * DESC_SIZE + RXD_STA_OFF, RXD_STAT_DD,
		      RXD_STAT_DD, ms, NULL);
}

/* The frame (#100, 200 bytes) held for RX buffers arrives in descriptor 0. */
static void expect_held_rx(struct t *c, int line, const char *after)
{
	if (wait_rx(c, 0, 1000))
		check_rx(c, 0, 100, 200);
	else
		record(c, line,
		       "the frame held for RX buffers was not received after %s (RDH %u, RDT %u)",
		       after, r32(c, E1K_RDH), r32(c, E1K_RDT));
}

/* Plain-mode rings: tx_n TX descriptors (TDH = TDT = 0), rx_n RX
 * descriptors with buffers, RDH = 0, RDT = rx_tail; TX and RX enabled,
 * all interrupts masked and ICR clear.
 */
static void rings_setup(struct t *c, unsigned int tx_n, unsigned int rx_n, unsigned int rx_tail)
{
	c->tx_n = tx_n;
	c->rx_n = rx_n;
	qts_memset(c->q, TX_RING, 0, 0x4000);
	qts_memset(c->q, RX_RING, 0, 0x4000);
	for (unsigned int i = 0; i < rx_n; i++)
		rx_desc_reset(c, i);
	w32(c, E1K_TCTL, 0);
	w32(c, E1K_RCTL, 0);
	w32(c, E1K_TDBAL, (uint32_t)(TX_RING + c->dma_off));
	w32(c, E1K_TDBAH, (uint32_t)((TX_RING + c->dma_off) >> 32));
	w32(c, E1K_TDLEN, tx_n * DESC_SIZE);
	w32(c, E1K_TDH, 0);
	w32(c, E1K_TDT, 0);
	w32(c, E1K_TIPG, 0x0060200a);
	w32(c, E1K_TCTL, E1K_TCTL_EN | E1K_TCTL_PSP | (0x0fu << 4) | (0x40u << 12));
	w32(c, E1K_RDBAL, (uint32_t)(RX_RING + c->dma_off));
	w32(c, E1K_RDBAH, (uint32_t)((RX_RING + c->dma_off) >> 32));
	w32(c, E1K_RDLEN, rx_n * DESC_SIZE);
	w32(c, E1K_RDH, 0);
	w32(c, E1K_RDT, rx_tail);
	w32(c, E1K_RDTR, 0);
	set_rctl(c, E1K_RCTL_EN | E1K_RCTL_BAM | E1K_RCTL_SECRC | E1K_RCTL_SZ_2048);
	w32(c, E1K_IMC, 0xffffffffu);
	(void)r32(c, E1K_ICR);
	c->tx_tail = 0;
	c->rx_tail = rx_tail;
}

/* ---- capability ---- */

static void cap_find(struct t *c)
{
	uint16_t status = cfg_r16(c, c->dev, PCI_STATUS);
	unsigned int ptr, guard = 0;

	c->has_cap = false;
	c->cap_list_bad = false;
	if (!(status & PCI_STATUS_CAP_LIST))
		return;
	ptr = cfg_r8(c, c->dev, PCI_CAP_PTR) & 0xfc;
	while (ptr) {
		uint8_t id, next;

		if (ptr < 0x40 || ++guard > 48) {
			c->cap_list_bad = true;
			return;
		}
		id = cfg_r8(c, c->dev, (int)ptr);
		next = cfg_r8(c, c->dev, (int)ptr + 1);
		if (id == PCI_CAP_ID_VNDR &&
		    cfg_r32(c, c->dev, (int)ptr + CSB_CAP_MAGIC) == CSB_MAGIC) {
			uint32_t ver = cfg_r32(c, c->dev, (int)ptr + CSB_CAP_VERSION);

			c->has_cap = true;
			c->cap_off = (uint8_t)ptr;
			c->cap_len = cfg_r8(c, c->dev, (int)ptr + CSB_CAP_LEN);
			c->cap_minor = (uint16_t)CSB_CAP_VERSION_MINOR(ver);
			c->cap_major = (uint16_t)CSB_CAP_VERSION_MAJOR(ver);
			c->offered = cfg_r32(c, c->dev, (int)ptr + CSB_CAP_FEATURES);
			c->regs = cfg_r32(c, c->dev, (int)ptr + CSB_CAP_REGS);
			return;
		}
		ptr = next & 0xfc;
	}
}

/* Does the device have every property named in props ("a=1,b=2")? The
 * first one missing goes to *missing.
 */
static bool device_has_props(const char *props, char *missing, size_t len)
{
	static char *help;
	char buf[512], *save = NULL, *tok;

	if (!props || !*props)
		return true;
	if (!help) {
		const char *h = probe_help(opt.qemu, opt.model);

		help = strdup(h ? h : "");
	}
	snprintf(buf, sizeof(buf), "%s", props);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char pat[128];

		tok[strcspn(tok, "=")] = 0;
		snprintf(pat, sizeof(pat), "  %.100s=", tok);
		if (!strstr(help, pat)) {
			snprintf(missing, len, "%s", tok);
			return false;
		}
	}
	return true;
}

/* Start QEMU, find the NIC, program PCI, intercept the IOAPIC inputs,
 * look for the capability.
 */
static void qemu_up(struct t *c, const char *extra_props)
{
	char missing[128];

	if (!device_has_props(extra_props, missing, sizeof(missing))) {
		if (opt.expect_no_csb)
			skip(c, "%s has no property '%s' (expected: --expect-no-csb)", opt.model,
			     missing);
		REQUIRE(c, false, "%s has no property '%s', which this test needs", opt.model,
			missing);
	}
	qemu_start(c, extra_props, NULL);
	c->dev = -1;
	for (int dev = 0; dev < 32; dev++) {
		uint32_t id = cfg_r32(c, dev, PCI_VENDOR_ID);

		if ((id & 0xffff) == INTEL_VENDOR && is_e1000_id((uint16_t)(id >> 16))) {
			c->dev = dev;
			break;
		}
	}
	REQUIRE(c, c->dev >= 0, "no e1000 on PCI bus 0");
	pci_setup(c);
	qts_irq_intercept_in(c->q, "ioapic");
	cap_find(c);
	c->csb = CSB_A;
	note(c, "e1000 at 00:%02x.0, capability %s", c->dev, c->has_cap ? "present" : "absent");
}

/* Tests past this point need the capability. */
static void need_csb(struct t *c, uint32_t features)
{
	if (!c->has_cap) {
		if (opt.expect_no_csb)
			skip(c, "no CSB capability (expected: --expect-no-csb)");
		REQUIRE(c, false, "no CSB capability on the device (spec 1): nothing to test");
	}
	REQUIRE(c, (c->offered & features) == features,
		"device offers features 0x%x, the test needs 0x%x", c->offered, features);
	REQUIRE(c, c->regs + CSB_REGS_SIZE <= E1K_BAR0_SIZE && !(c->regs & 3),
		"register block offset 0x%x is not inside BAR0", c->regs);
}

static const char *err_name(unsigned int e)
{
	static const char *const names[] = { "NONE", "ALIGN", "ADDR", "VERSION", "FEATURES",
		"BUSMASTER", "BUSY", "RING" };

	return e < 8 ? names[e] : "?";
}

static unsigned int st_err(uint32_t st)
{
	return (st & CSB_STATUS_ERR_MASK) >> CSB_STATUS_ERR_SHIFT;
}

static bool st_active(uint32_t st)
{
	return st & CSB_STATUS_ACTIVE;
}

/* Spec 2: the device clears CTRL.ENABLE when it refuses or drops the CSB. */
static void check_enable_cleared(struct t *c, const char *when)
{
	uint32_t v = csb_reg_r(c, CSB_REG_CTRL);

	CHECK(c, !(v & CSB_CTRL_ENABLE),
	      "%s: CTRL = 0x%x still has ENABLE (spec 2: cleared when the device refuses or drops the CSB)",
	      when, v);
}

/* Wait for STATUS = inactive with @err; ENABLE must be cleared too. */
static void expect_dropped(struct t *c, enum csb_err err, const char *what)
{
	uint32_t st = 0;

	CHECK(c, wait32(c, c->bar0 + c->regs + CSB_REG_STATUS, ~0u,
			(uint32_t)err << CSB_STATUS_ERR_SHIFT, 5000, &st),
	      "%s: STATUS 0x%x (%s), expected inactive with %s", what, st,
	      err_name(st_err(st)), err_name(err));
	check_enable_cleared(c, what);
}

/* Write a fresh CSB at addr as spec 4 steps 1-2 say. */
static void csb_prepare(struct t *c, uint64_t addr, uint32_t tx_irq, uint32_t rx_irq)
{
	c->csb = addr;
	qts_memset(c->q, addr, 0, CSB_SIZE);
	csbf_w(c, CSB_TX_TAIL, r32(c, E1K_TDT));
	csbf_w(c, CSB_RX_TAIL, r32(c, E1K_RDT));
	csbf_w(c, CSB_TX_IRQ, tx_irq);
	csbf_w(c, CSB_RX_IRQ, rx_irq);
	c->tx_tail = r32(c, E1K_TDT);
	c->rx_tail = r32(c, E1K_RDT);
}

/* Spec 4 steps 3-5; returns STATUS. */
static uint32_t csb_enable_raw(struct t *c, uint64_t addr, uint32_t features, uint32_t ctrl)
{
	csb_reg_w(c, CSB_REG_ADDR_HI, (uint32_t)(addr >> 32));
	csb_reg_w(c, CSB_REG_ADDR_LO, (uint32_t)addr);
	csb_reg_w(c, CSB_REG_FEATURES, features);
	csb_reg_w(c, CSB_REG_CTRL, ctrl);
	return csb_reg_r(c, CSB_REG_STATUS);
}

/* Prepare the CSB at CSB_A and enable it with features; must succeed. */
static void csb_on(struct t *c, uint32_t features, uint32_t tx_irq, uint32_t rx_irq)
{
	uint32_t st;

	csb_prepare(c, CSB_A, tx_irq, rx_irq);
	st = csb_enable_raw(c, CSB_A, features, CSB_ENABLE_V1);
	REQUIRE(c, st_active(st) && st_err(st) == CSB_ERR_NONE,
		"enable with features 0x%x at 0x%" PRIx64 " refused: STATUS 0x%x (error %s)",
		features, CSB_A, st, err_name(st_err(st)));
}

static void csb_off(struct t *c)
{
	uint32_t st;

	csb_reg_w(c, CSB_REG_CTRL, 0);
	st = csb_reg_r(c, CSB_REG_STATUS);
	REQUIRE(c, !st_active(st), "CTRL = 0 did not disable: STATUS 0x%x", st);
}

/* A request word the device wrote must be well-formed (spec 3). */
static unsigned int request_index(struct t *c, const char *what, uint32_t r, unsigned int n)
{
	CHECK(c, !(r & 0x7fff0000u) && (r & CSB_INDEX_MASK) < n,
	      "%s = 0x%08x written by the device is malformed (bits 30:16 set or index >= %u)",
	      what, r, n);
	return (r & CSB_INDEX_MASK) < n ? r & CSB_INDEX_MASK : 0;
}

/* Spec 5, guest side: publish tx_tail = new, then kick if asked to. */
static bool csb_tx_publish(struct t *c, unsigned int new_tail)
{
	unsigned int old = c->tx_tail;
	uint32_t r;

	csbf_w(c, CSB_TX_TAIL, new_tail);
	r = csbf(c, CSB_TX_KICK);
	c->tx_tail = new_tail;
	if ((r & CSB_NOTIFY) &&
	    csb_need_notify(request_index(c, "tx_kick", r, c->tx_n), old, new_tail,
			    c->tx_n)) {
		/* "write TDT (any value) or write KICK = KICK_TX" */
		if (c->kick_with_tdt)
			w32(c, E1K_TDT, (uint32_t)c->tx_kicks & 0xffff);
		else
			csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
		c->kick_with_tdt = !c->kick_with_tdt;
		c->tx_kicks++;
		return true;
	}
	c->tx_nokicks++;
	return false;
}

/* Spec 6, guest side. */
static bool csb_rx_publish(struct t *c, unsigned int new_tail)
{
	unsigned int old = c->rx_tail;
	uint32_t r;

	csbf_w(c, CSB_RX_TAIL, new_tail);
	r = csbf(c, CSB_RX_KICK);
	c->rx_tail = new_tail;
	if ((r & CSB_NOTIFY) &&
	    csb_need_notify(request_index(c, "rx_kick", r, c->rx_n), old, new_tail,
			    c->rx_n)) {
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_RX);
		c->rx_kicks++;
		return true;
	}
	c->rx_nokicks++;
	return false;
}

/* Fill count TX descriptors from the current tail, publish them through
 * the CSB, check they go out in order and that tx_head follows.
 */
static bool csb_tx_batch(struct t *c, unsigned int count)
{
	unsigned int start = c->tx_tail, end = (start + count) % c->tx_n;
	uint32_t seq = c->tx_seq, head;

	for (unsigned int i = 0; i < count; i++)
		tx_fill(c, (start + i) % c->tx_n, seq + i);
	c->tx_seq += count;
	csb_tx_publish(c, end);
	if (!expect_tx(c, seq, count, 5000))
		return false;
	if (!wait_csbf(c, CSB_TX_HEAD, 0xffffffffu, end, 5000, &head)) {
		record(c, 0, "tx_head is %u, expected %u after the batch", head, end);
		return false;
	}
	return true;
}

/* ---- Intel VT-d: what a guest's IOMMU driver does, from the VT-d spec ---- */

/* QEMU's Q35 puts the remapping unit (its ACPI DMAR table says so) here */
#define VTD_BASE	UINT64_C(0xfed90000)
#define VTD_CAP		0x08
#define  VTD_CAP_SAGAW(cap)	(((cap) >> 8) & 0x1f)	/* bit 1: 3 levels, 2: 4 */
#define  VTD_CAP_FRO(cap)	((((cap) >> 24) & 0x3ff) * 16)
#define  VTD_CAP_NFR(cap)	((unsigned int)(((cap) >> 40) & 0xff) + 1)
#define VTD_ECAP	0x10
#define  VTD_ECAP_IRO(ecap)	((((ecap) >> 8) & 0x3ff) * 16)
#define VTD_GCMD	0x18
#define  VTD_GCMD_TE		(1u << 31)
#define  VTD_GCMD_SRTP		(1u << 30)
#define VTD_GSTS	0x1c
#define  VTD_GSTS_TES		(1u << 31)
#define  VTD_GSTS_RTPS		(1u << 30)
#define VTD_RTADDR	0x20
#define VTD_CCMD	0x28
#define  VTD_CCMD_ICC		(UINT64_C(1) << 63)
#define  VTD_CCMD_GLOBAL	(UINT64_C(1) << 61)
#define VTD_FSTS	0x34
#define  VTD_FSTS_PPF		(1u << 1)
#define  VTD_FSTS_PFO		(1u << 0)
/* IOTLB invalidate register, at ECAP.IRO + 8 */
#define  VTD_IOTLB_IVT		(UINT64_C(1) << 63)
#define  VTD_IOTLB_GLOBAL	(UINT64_C(1) << 60)
/* fault recording registers, 16 bytes each from CAP.FRO: the fault info
 * (page address) in bits 63:12, the source id in 79:64, F in bit 127
 */
#define  VTD_FRCD_F		(1u << 31)	/* in the dword at +12 */
/* root and context entries (legacy mode), second-level page tables */
#define VTD_ENTRY_P		UINT64_C(1)
#define VTD_PTE_R		UINT64_C(1)
#define VTD_PTE_W		UINT64_C(2)
#define VTD_PTE_RW		(VTD_PTE_R | VTD_PTE_W)
#define VTD_PAGE		UINT64_C(0x1000)
#define VTD_DOMAIN		1

/* Guest memory for the tables: root table, bus 0's context table, page
 * tables (a page each, handed out in order)
 */
#define VTD_TABLES	UINT64_C(0x500000)
#define VTD_TABLES_LEN	UINT64_C(0x40000)

/* IOVAs of the IOMMU tests: the rings and buffers (0x100000-0x3fffff of
 * RAM) at their guest-physical address + DMA_OFF, a CSB far beyond RAM
 */
#define DMA_OFF		UINT64_C(0x80000000)
#define DMA_REGION	UINT64_C(0x100000)
#define DMA_REGION_LEN	UINT64_C(0x300000)
#define CSB_IOVA	UINT64_C(0x7000000000)	/* < 2^39, the 3-level limit */
#define CSB_DECOY	UINT64_C(0x130000)	/* an IOVA that is a RAM address too */

static uint32_t vtd_r32(struct t *c, uint32_t off)
{
	return qts_readl(c->q, VTD_BASE + off);
}

static void vtd_w32(struct t *c, uint32_t off, uint32_t v)
{
	qts_writel(c->q, VTD_BASE + off, v);
}

static uint64_t vtd_r64(struct t *c, uint32_t off)
{
	return qts_readq(c->q, VTD_BASE + off);
}

static void vtd_w64(struct t *c, uint32_t off, uint64_t v)
{
	qts_writeq(c->q, VTD_BASE + off, v);
}

/* Our NIC's requester id: bus 0, device c->dev, function 0. */
static uint16_t vtd_sid(struct t *c)
{
	return (uint16_t)(c->dev << 3);
}

/* Write GCMD (persistent TE plus a command) and wait for GSTS to agree. */
static void vtd_command(struct t *c, uint32_t cmd, uint32_t sts_mask, uint32_t sts_want)
{
	uint32_t st = 0;

	vtd_w32(c, VTD_GCMD, (c->vtd_te ? VTD_GCMD_TE : 0) | cmd);
	REQUIRE(c, wait32(c, VTD_BASE + VTD_GSTS, sts_mask, sts_want, 5000, &st),
		"VT-d: GCMD 0x%x: GSTS 0x%x", cmd, st);
}

/* Global context-cache and IOTLB invalidation (register based). */
static void vtd_flush(struct t *c)
{
	uint64_t end = now_ms() + 5000;

	vtd_w64(c, VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_GLOBAL);
	while (vtd_r64(c, VTD_CCMD) & VTD_CCMD_ICC)
		REQUIRE(c, now_ms() < end, "VT-d: context-cache invalidation never completed");
	vtd_w64(c, c->vtd_iotlb, VTD_IOTLB_IVT | VTD_IOTLB_GLOBAL);
	while (vtd_r64(c, c->vtd_iotlb) & VTD_IOTLB_IVT)
		REQUIRE(c, now_ms() < end, "VT-d: IOTLB invalidation never completed");
}

static uint64_t vtd_alloc(struct t *c)
{
	uint64_t page = c->vtd_next;

	REQUIRE(c, page < VTD_TABLES + VTD_TABLES_LEN, "VT-d: out of table pages");
	c->vtd_next += VTD_PAGE;
	return page;
}

/* The address of the leaf entry for iova (tables created on the way if
 * create, else 0 when there is none).
 */
static uint64_t vtd_leaf(struct t *c, uint64_t iova, bool create)
{
	uint64_t table = c->vtd_slpt;

	for (unsigned int level = c->vtd_levels; level > 1; level--) {
		uint64_t slot = table + ((iova >> (12 + 9 * (level - 1))) & 511) * 8;
		uint64_t e = qts_readq(c->q, slot);

		if (!(e & VTD_PTE_RW)) {
			if (!create)
				return 0;
			e = vtd_alloc(c) | VTD_PTE_RW;
			qts_writeq(c->q, slot, e);
		}
		table = e & ~(VTD_PAGE - 1) & ((UINT64_C(1) << 52) - 1);
	}
	return table + ((iova >> 12) & 511) * 8;
}

/* Map [iova, iova + len) to [gpa, gpa + len) with perm (0: unmap); the
 * caller flushes.
 */
static void vtd_map(struct t *c, uint64_t iova, uint64_t gpa, uint64_t len, uint64_t perm)
{
	for (uint64_t off = 0; off < len; off += VTD_PAGE) {
		uint64_t leaf = vtd_leaf(c, iova + off, perm != 0);

		if (leaf)
			qts_writeq(c->q, leaf, perm ? (gpa + off) | perm : 0);
	}
}

/* Look for a recorded fault from our NIC at the page of iova; clear all. */
static bool vtd_fault_seen(struct t *c, uint64_t iova)
{
	bool seen = false;

	for (unsigned int i = 0; i < c->vtd_nfr; i++) {
		uint32_t off = c->vtd_frcd + 16 * i;
		uint32_t hi = vtd_r32(c, off + 12);
		uint64_t fi = vtd_r64(c, off) & ~(VTD_PAGE - 1);
		uint16_t sid = (uint16_t)vtd_r32(c, off + 8);

		if (!(hi & VTD_FRCD_F))
			continue;
		note(c, "VT-d fault record %u: source %02x:%02x.%u, page 0x%" PRIx64
		     ", reason 0x%x", i, sid >> 8, (sid >> 3) & 31, sid & 7, fi,
		     vtd_r32(c, off + 12) & 0xff);
		seen |= sid == vtd_sid(c) && fi == (iova & ~(VTD_PAGE - 1));
		vtd_w32(c, off + 12, VTD_FRCD_F);	/* write 1 to clear */
	}
	vtd_w32(c, VTD_FSTS, VTD_FSTS_PFO);
	return seen;
}

static bool vtd_faults_pending(struct t *c)
{
	return vtd_r32(c, VTD_FSTS) & (VTD_FSTS_PPF | VTD_FSTS_PFO);
}

/*
 * Program the remapping unit for our NIC: a root table with bus 0, a
 * context entry for 00:dev.0 (domain 1, translated through a 3-level
 * second-level page table), the root table pointer latched, caches
 * invalidated. Translation stays off until vtd_translate(c, true).
 */
static void vtd_setup(struct t *c)
{
	uint64_t cap = vtd_r64(c, VTD_CAP), ecap = vtd_r64(c, VTD_ECAP);
	uint64_t root, ctx;

	REQUIRE(c, cap != 0 && cap != ~UINT64_C(0), "no VT-d registers at 0x%" PRIx64
		" (CAP 0x%" PRIx64 ")", VTD_BASE, cap);
	REQUIRE(c, VTD_CAP_SAGAW(cap) & 2,
		"VT-d does not do 3-level (39-bit) tables: CAP 0x%" PRIx64, cap);
	c->vtd_levels = 3;
	c->vtd_frcd = VTD_CAP_FRO(cap);
	c->vtd_nfr = VTD_CAP_NFR(cap);
	c->vtd_iotlb = VTD_ECAP_IRO(ecap) + 8;
	c->vtd_te = false;
	qts_memset(c->q, VTD_TABLES, 0, VTD_TABLES_LEN);
	c->vtd_next = VTD_TABLES;
	root = vtd_alloc(c);
	ctx = vtd_alloc(c);
	c->vtd_slpt = vtd_alloc(c);
	qts_writeq(c->q, root, ctx | VTD_ENTRY_P);		/* bus 0 */
	/* context entry: page table, TT = 0 (translate), P; AW = 1 (39 bits) */
	qts_writeq(c->q, ctx + 16 * vtd_sid(c), c->vtd_slpt | VTD_ENTRY_P);
	qts_writeq(c->q, ctx + 16 * vtd_sid(c) + 8, (c->vtd_levels - 2) | VTD_DOMAIN << 8);
	vtd_w64(c, VTD_RTADDR, root);
	vtd_command(c, VTD_GCMD_SRTP, VTD_GSTS_RTPS, VTD_GSTS_RTPS);
	vtd_flush(c);
	note(c, "VT-d: CAP 0x%" PRIx64 " ECAP 0x%" PRIx64 ", source id 0x%04x", cap, ecap,
	     vtd_sid(c));
}

static void vtd_translate(struct t *c, bool on)
{
	c->vtd_te = on;
	vtd_command(c, 0, VTD_GSTS_TES, on ? VTD_GSTS_TES : 0);
}

/* A QOM counter of our NIC (x-stat-*). */
static uint64_t nic_stat(struct t *c, const char *prop)
{
	char *r = qts_qmp(c->q,
			  "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/machine/peripheral/nic0\", \"property\": \"%s\"}}",
			  prop);
	const char *v = strstr(r, "\"return\":");
	uint64_t n = 0;
	bool ok = v;

	if (ok)
		n = strtoull(v + 9, NULL, 10);
	free(r);
	REQUIRE(c, ok, "qom-get %s failed", prop);
	return n;
}

/*
 * The IOMMU tests' machine: Q35 with an Intel VT-d, the NIC's remapping
 * programmed, the rings and buffers mapped at their address + DMA_OFF
 * and used there (translation on if on).
 */
static void iommu_up(struct t *c, const char *extra_props, bool on)
{
	c->q35 = true;
	c->iommu = "";
	qemu_up(c, extra_props);
	need_csb(c, CSB_F_ALL);
	vtd_setup(c);
	vtd_map(c, DMA_REGION + DMA_OFF, DMA_REGION, DMA_REGION_LEN, VTD_PTE_RW);
	vtd_flush(c);
	if (on) {
		vtd_translate(c, true);
		c->dma_off = DMA_OFF;
	}
}

/* ================= tests ================= */

/* 1. Plain mode: TX through TDT. */
static void test_plain_tx(struct t *c)
{
	qemu_up(c, NULL);
	rings_setup(c, 8, 8, 0);
	for (unsigned int i = 0; i < 3; i++)
		tx_fill(c, i, 1 + i);
	w32(c, E1K_TDT, 3);
	expect_tx(c, 1, 3, 5000);
	CHECK(c, r32(c, E1K_TDH) == 3, "TDH = %u after 3 frames, expected 3", r32(c, E1K_TDH));
	for (unsigned int i = 0; i < 3; i++)
		CHECK(c, tx_status(c, i) & TXD_STAT_DD, "TX descriptor %u: DD not written back", i);
	/* around the ring, one frame at a time */
	for (unsigned int k = 0; k < 10; k++) {
		unsigned int idx = (3 + k) % 8;

		tx_fill(c, idx, 4 + k);
		w32(c, E1K_TDT, (idx + 1) % 8);
		if (!expect_tx(c, 4 + k, 1, 5000))
			break;
	}
	CHECK(c, r32(c, E1K_TDH) == 5, "TDH = %u after 13 frames, expected 5", r32(c, E1K_TDH));
}

/* 1. Plain mode: RX into buffers handed over with RDT. */
static void test_plain_rx(struct t *c)
{
	qemu_up(c, NULL);
	rings_setup(c, 8, 8, 7);
	for (unsigned int k = 0; k < 12; k++) {
		unsigned int idx = k % 8;
		size_t len = frame_len(100 + k);

		inject(c, 100 + k, len);
		REQUIRE(c, wait_rx(c, idx, 5000), "frame %u not received in descriptor %u", k, idx);
		check_rx(c, idx, 100 + k, len);
		CHECK(c, r32(c, E1K_RDH) == (idx + 1) % 8, "RDH = %u, expected %u",
		      r32(c, E1K_RDH), (idx + 1) % 8);
		/* give the descriptor before RDH's old position back */
		rx_desc_reset(c, (idx + 7) % 8);
		w32(c, E1K_RDT, (idx + 8) % 8);
	}
}

/* 1. Plain mode: TXDW and RXT0 raise INTx; reading ICR lowers it. */
static void test_plain_irq(struct t *c)
{
	uint32_t icr;

	qemu_up(c, NULL);
	rings_setup(c, 8, 8, 7);
	CHECK(c, !qts_irq(c->q, c->irq), "interrupt line high with everything masked");
	w32(c, E1K_IMS, E1K_ICR_TXDW | E1K_ICR_RXT0);
	tx_fill(c, 0, 1);
	w32(c, E1K_TDT, 1);
	expect_tx(c, 1, 1, 5000);
	CHECK(c, wait_irq(c, true, 3000), "no interrupt after a TX with RS (IMS has TXDW)");
	icr = r32(c, E1K_ICR);
	CHECK(c, icr & E1K_ICR_TXDW, "ICR = 0x%x lacks TXDW", icr);
	CHECK(c, !qts_irq(c->q, c->irq), "line still high after reading ICR");
	CHECK(c, r32(c, E1K_ICR) == 0, "ICR not cleared by the read");
	step_clock(c, 2000000);

	inject(c, 200, 128);
	REQUIRE(c, wait_rx(c, 0, 5000), "frame not received");
	check_rx(c, 0, 200, 128);
	CHECK(c, wait_irq(c, true, 3000), "no interrupt after a received frame (IMS has RXT0)");
	icr = r32(c, E1K_ICR);
	CHECK(c, icr & E1K_ICR_RXT0, "ICR = 0x%x lacks RXT0", icr);
	CHECK(c, !qts_irq(c->q, c->irq), "line still high after reading ICR");

	/* masked: the cause latches in ICR, the line stays low */
	w32(c, E1K_IMC, 0xffffffffu);
	step_clock(c, 2000000);
	tx_fill(c, 1, 2);
	w32(c, E1K_TDT, 2);
	expect_tx(c, 2, 1, 5000);
	settle(c, 20);
	CHECK(c, !qts_irq(c->q, c->irq), "interrupt with IMS = 0");
	CHECK(c, r32(c, E1K_ICR) & E1K_ICR_TXDW, "TXDW not latched in ICR while masked");
}

/* 2. The capability: well-formed with the CSB, absent without. */
static void test_capability(struct t *c)
{
	uint32_t v;

	qemu_up(c, NULL);
	if (opt.expect_no_csb) {
		CHECK(c, !c->has_cap,
		      "capability present (at 0x%x) but --expect-no-csb", c->cap_off);
		CHECK(c, !c->cap_list_bad, "capability list malformed");
		return;
	}
	REQUIRE(c, !c->cap_list_bad, "capability list malformed (pointer < 0x40 or a loop)");
	REQUIRE(c, c->has_cap,
		"no vendor capability (0x09) with magic 0x%08x on the capability list (spec 1)",
		CSB_MAGIC);
	note(c, "capability at 0x%x: len %u, version %u.%u, features 0x%x, registers at 0x%x",
	     c->cap_off, c->cap_len, c->cap_major, c->cap_minor, c->offered, c->regs);
	CHECK(c, c->cap_off >= 0x40 && !(c->cap_off & 3), "capability at 0x%x", c->cap_off);
	CHECK(c, cfg_r8(c, c->dev, c->cap_off) == PCI_CAP_ID_VNDR, "capability ID");
	CHECK(c, c->cap_len >= CSB_CAP_SIZE, "capability length %u < 0x14", c->cap_len);
	CHECK(c, cfg_r8(c, c->dev, c->cap_off + 3) == 0, "reserved byte 3 = 0x%x, expected 0",
	      cfg_r8(c, c->dev, c->cap_off + 3));
	CHECK(c, c->cap_major == CSB_VERSION_MAJOR && c->cap_minor == CSB_VERSION_MINOR,
	      "version %u.%u, expected 1.0", c->cap_major, c->cap_minor);
	CHECK(c, !(c->offered & ~(uint32_t)CSB_F_ALL),
	      "features 0x%x offer bits unknown to version 1.0", c->offered);
	CHECK(c, c->offered == CSB_F_ALL,
	      "features offered 0x%x: our device is expected to offer TX, RX and IRQ (0x7)",
	      c->offered);
	CHECK(c, c->regs == CSB_REGS_DEFAULT,
	      "register block at 0x%x, our device uses 0x%x (spec 2)", c->regs,
	      CSB_REGS_DEFAULT);
	CHECK(c, c->regs + CSB_REGS_SIZE <= E1K_BAR0_SIZE && !(c->regs & 3),
	      "register block 0x%x not inside BAR0", c->regs);

	/* read-only: config writes leave the capability alone */
	for (int off = 0; off < CSB_CAP_SIZE; off += 4) {
		uint32_t before = cfg_r32(c, c->dev, c->cap_off + off);

		cfg_w32(c, c->dev, c->cap_off + off, ~before);
		cfg_w8(c, c->dev, c->cap_off + off + 3, 0x5a);
		v = cfg_r32(c, c->dev, c->cap_off + off);
		CHECK(c, v == before,
		      "capability dword +0x%x changed by a config write: 0x%x -> 0x%x",
		      off, before, v);
	}
	/* registers after reset */
	if (c->regs + CSB_REGS_SIZE > E1K_BAR0_SIZE)
		return;
	CHECK(c, csb_reg_r(c, CSB_REG_ADDR_LO) == 0, "ADDR_LO not 0 after reset");
	CHECK(c, csb_reg_r(c, CSB_REG_ADDR_HI) == 0, "ADDR_HI not 0 after reset");
	CHECK(c, csb_reg_r(c, CSB_REG_FEATURES) == 0, "FEATURES not 0 after reset");
	CHECK(c, csb_reg_r(c, CSB_REG_CTRL) == 0, "CTRL not 0 after reset");
	CHECK(c, csb_reg_r(c, CSB_REG_STATUS) == 0, "STATUS not 0 after reset");
	CHECK(c, csb_reg_r(c, CSB_REG_KICK) == 0, "KICK does not read 0");
	/* RW registers read back, without enabling */
	csb_reg_w(c, CSB_REG_ADDR_LO, 0x12345600u);
	csb_reg_w(c, CSB_REG_ADDR_HI, 0x1u);
	csb_reg_w(c, CSB_REG_FEATURES, c->offered);
	v = csb_reg_r(c, CSB_REG_ADDR_LO);
	CHECK(c, v == 0x12345600u, "ADDR_LO reads 0x%x after writing 0x12345600", v);
	v = csb_reg_r(c, CSB_REG_ADDR_HI);
	CHECK(c, v == 1, "ADDR_HI reads 0x%x after writing 1", v);
	v = csb_reg_r(c, CSB_REG_FEATURES);
	CHECK(c, v == c->offered, "FEATURES reads 0x%x after writing 0x%x", v, c->offered);
	csb_reg_w(c, CSB_REG_KICK, 3);
	CHECK(c, csb_reg_r(c, CSB_REG_KICK) == 0, "KICK does not read 0 after a write");
	csb_reg_w(c, CSB_REG_STATUS, 0xffffffffu);
	v = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, v == 0, "STATUS is read-only, but reads 0x%x after writing ~0", v);
	check_alive(c, "register writes");
}

/* 3. Negotiation accepted: STATUS, register read-back, the block written. */
static void test_negotiate_ok(struct t *c)
{
	uint32_t st, v, ics;
	uint8_t blk[CSB_SIZE];

	qemu_up(c, NULL);
	need_csb(c, 0);
	rings_setup(c, 8, 8, 4);
	csb_prepare(c, CSB_A, 0, 0);
	/* garbage where the device must write on enable */
	csbf_w(c, CSB_TX_HEAD, 0xdeadbeefu);
	csbf_w(c, CSB_RX_HEAD, 0xdeadbeefu);
	csbf_w(c, CSB_TX_KICK, 0x8000beefu);
	csbf_w(c, CSB_RX_KICK, 0x8000beefu);
	csbf_w(c, CSB_ICR, 0xdeadbeefu);
	csbf_w(c, CSB_STATUS_MIRROR, 0xdeadbeefu);
	st = csb_enable_raw(c, CSB_A, c->offered, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE,
		"enable with everything right: STATUS 0x%x (active %d, error %s), expected 0x1",
		st, st_active(st), err_name(st_err(st)));
	v = csb_reg_r(c, CSB_REG_ADDR_LO);
	CHECK(c, v == (uint32_t)CSB_A, "ADDR_LO reads 0x%x", v);
	CHECK(c, csb_reg_r(c, CSB_REG_ADDR_HI) == 0, "ADDR_HI reads non-zero");
	v = csb_reg_r(c, CSB_REG_FEATURES);
	CHECK(c, v == c->offered, "FEATURES reads 0x%x, wrote 0x%x", v, c->offered);
	v = csb_reg_r(c, CSB_REG_CTRL);
	CHECK(c, v == CSB_ENABLE_V1, "CTRL reads 0x%x, wrote 0x%x", v, CSB_ENABLE_V1);
	CHECK(c, csb_reg_r(c, CSB_REG_KICK) == 0, "KICK does not read 0");

	/* spec 4: tx_head, rx_head, icr, status from the registers; kicks 0 */
	qts_memread(c->q, CSB_A, blk, sizeof(blk));
	v = get_le32(blk + CSB_TX_HEAD);
	CHECK(c, v == r32(c, E1K_TDH), "tx_head = 0x%x after enable, TDH = %u", v, r32(c, E1K_TDH));
	v = get_le32(blk + CSB_RX_HEAD);
	CHECK(c, v == r32(c, E1K_RDH), "rx_head = 0x%x after enable, RDH = %u", v, r32(c, E1K_RDH));
	ics = r32(c, E1K_ICS);	/* reads as ICR without clearing it */
	v = get_le32(blk + CSB_ICR);
	CHECK(c, v == ics, "icr = 0x%x after enable, ICR = 0x%x", v, ics);
	v = get_le32(blk + CSB_STATUS_MIRROR);
	CHECK(c, v == r32(c, E1K_STATUS), "status = 0x%x after enable, STATUS = 0x%x", v,
	      r32(c, E1K_STATUS));
	v = get_le32(blk + CSB_TX_KICK);
	CHECK(c, v == 0 || v == (CSB_NOTIFY | r32(c, E1K_TDH)),
	      "tx_kick = 0x%x after enable: neither 0 nor a sleeping worker's NOTIFY|TDH", v);
	v = get_le32(blk + CSB_RX_KICK);
	CHECK(c, v == 0, "rx_kick = 0x%x after enable, expected 0", v);
	CHECK(c, get_le32(blk + CSB_TX_TAIL) == 0 && get_le32(blk + CSB_RX_TAIL) == 4,
	      "the device changed tx_tail/rx_tail");
	for (size_t i = CSB_GUEST_RSVD; i < CSB_TX_HEAD; i++)
		if (blk[i]) {
			record(c, 0, "device wrote the guest's reserved byte 0x%zx", i);
			break;
		}
	for (size_t i = CSB_RSVD; i < CSB_SIZE; i++)
		if (blk[i]) {
			record(c, 0, "device wrote reserved byte 0x%zx", i);
			break;
		}
	/* STATUS is read-only */
	csb_reg_w(c, CSB_REG_STATUS, 0);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st_active(st), "a write to STATUS changed it: 0x%x", st);
	/* the plain registers keep their values */
	CHECK(c, r32(c, E1K_TDT) == 0 && r32(c, E1K_RDT) == 4, "TDT/RDT changed by enable");
	check_alive(c, "enable");
}

struct refusal {
	const char *what;
	uint64_t addr;
	uint32_t features;	/* ~0: all offered */
	unsigned int major;
	bool busmaster;
	unsigned int err;
};

/* 3. Each refusal, its error code, the order of the checks. */
static void test_negotiate_errors(struct t *c)
{
	const struct refusal cases[] = {
		{ "misaligned by 0x80", CSB_A + 0x80, ~0u, 1, true, CSB_ERR_ALIGN },
		{ "misaligned by 4", CSB_A + 4, ~0u, 1, true, CSB_ERR_ALIGN },
		{ "misaligned by 1", CSB_A + 1, ~0u, 1, true, CSB_ERR_ALIGN },
		{ "misaligned, above 4G", 0x100000010ull, ~0u, 1, true, CSB_ERR_ALIGN },
		{ "beyond RAM (PCI hole)", 0x10000000ull, ~0u, 1, true, CSB_ERR_ADDR },
		{ "first block after RAM", RAM_SIZE, ~0u, 1, true, CSB_ERR_ADDR },
		{ "the NIC's own BAR0 (MMIO)", BAR0_ADDR, ~0u, 1, true, CSB_ERR_ADDR },
		{ "the CSB registers themselves", BAR0_ADDR + CSB_REGS_DEFAULT, ~0u, 1, true,
		  CSB_ERR_ADDR },
		{ "IOAPIC (MMIO)", 0xfec00000ull, ~0u, 1, true, CSB_ERR_ADDR },
		{ "BIOS ROM", 0xfffc0000ull, ~0u, 1, true, CSB_ERR_ADDR },
		{ "far above RAM", 0x7ffffffff00ull, ~0u, 1, true, CSB_ERR_ADDR },
		{ "top of the address space", 0xffffffffffffff00ull, ~0u, 1, true,
		  CSB_ERR_ADDR },
		{ "major 0", CSB_A, ~0u, 0, true, CSB_ERR_VERSION },
		{ "major 2", CSB_A, ~0u, 2, true, CSB_ERR_VERSION },
		{ "major 255", CSB_A, ~0u, 255, true, CSB_ERR_VERSION },
		{ "feature bit 3", CSB_A, 1u << 3, 1, true, CSB_ERR_FEATURES },
		{ "feature bit 31", CSB_A, 1u << 31, 1, true, CSB_ERR_FEATURES },
		{ "all offered + bit 5", CSB_A, CSB_F_ALL | 1u << 5, 1, true,
		  CSB_ERR_FEATURES },
		{ "bus mastering off", CSB_A, ~0u, 1, false, CSB_ERR_BUSMASTER },
		/* spec 4: errors 1-5 are checked in that order */
		{ "order: misaligned + bad major + bad feature + no bus master", CSB_A + 0x40,
		  1u << 9, 7, false, CSB_ERR_ALIGN },
		{ "order: MMIO + bad major + no bus master", BAR0_ADDR, ~0u, 3, false,
		  CSB_ERR_ADDR },
		{ "order: bad major + bad feature + no bus master", CSB_A, 1u << 9, 3, false,
		  CSB_ERR_VERSION },
		{ "order: bad feature + no bus master", CSB_A, 1u << 9, 1, false,
		  CSB_ERR_FEATURES },
		{ "order: MMIO + bad major", BAR0_ADDR, ~0u, 3, true, CSB_ERR_ADDR },
		{ "order: beyond RAM + bad feature", 0x10000000ull, 1u << 9, 1, true,
		  CSB_ERR_ADDR },
		{ "order: bad major + bad feature", CSB_A, 1u << 9, 3, true,
		  CSB_ERR_VERSION },
	};
	uint8_t pattern[512], after[512];
	uint32_t st;

	qemu_up(c, NULL);
	need_csb(c, 0);
	rings_setup(c, 8, 8, 4);
	memset(pattern, 0x5c, sizeof(pattern));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct refusal *r = &cases[i];
		uint32_t features = r->features == ~0u ? c->offered : r->features;

		/* a recognisable pattern around CSB_A: a refusal writes nothing */
		qts_memwrite(c->q, CSB_A, pattern, sizeof(pattern));
		if (!r->busmaster)
			bus_master(c, false);
		st = csb_enable_raw(c, r->addr, features,
				    CSB_CTRL_ENABLE | CSB_CTRL_MAJOR(r->major));
		if (!r->busmaster)
			bus_master(c, true);
		CHECK(c, !st_active(st) && st_err(st) == r->err,
		      "%s (addr 0x%" PRIx64
		      ", features 0x%x, major %u): STATUS 0x%x = %s%s, expected error %s",
		      r->what, r->addr, features, r->major, st, st_active(st) ? "ACTIVE, " : "",
		      err_name(st_err(st)), err_name(r->err));
		qts_memread(c->q, CSB_A, after, sizeof(after));
		CHECK(c, !memcmp(pattern, after, sizeof(after)),
		      "%s: the refused enable wrote guest memory near 0x%" PRIx64, r->what, CSB_A);
		if (!st_active(st))
			check_enable_cleared(c, r->what);
		/* the error stays until a successful enable, even across CTRL = 0 */
		if (st_active(st)) {
			csb_off(c);
		} else {
			uint32_t st2;

			csb_reg_w(c, CSB_REG_CTRL, 0);
			st2 = csb_reg_r(c, CSB_REG_STATUS);
			CHECK(c, st2 == st,
			      "%s: STATUS 0x%x after the refusal, 0x%x after CTRL = 0: the error code must stay",
			      r->what, st, st2);
		}
		check_alive(c, r->what);
	}
	/* boundary: the last 256 bytes of RAM are fine */
	csb_prepare(c, RAM_SIZE - CSB_SIZE, 0, 0);
	st = csb_enable_raw(c, RAM_SIZE - CSB_SIZE, c->offered, CSB_ENABLE_V1);
	CHECK(c, st == CSB_STATUS_ACTIVE,
	      "CSB in the last 256 bytes of RAM refused: STATUS 0x%x (%s)", st,
	      err_name(st_err(st)));
	if (st_active(st))
		csb_off(c);
	/* a successful enable clears the error */
	csb_prepare(c, CSB_A, 0, 0);
	(void)csb_enable_raw(c, CSB_A + 0x80, c->offered, CSB_ENABLE_V1);
	st = csb_enable_raw(c, CSB_A, c->offered, CSB_ENABLE_V1);
	CHECK(c, st == CSB_STATUS_ACTIVE,
	      "enable after a refusal: STATUS 0x%x, expected ACTIVE and error NONE", st);
	csb_off(c);
	/* still a working plain e1000 */
	tx_fill(c, 0, 1);
	w32(c, E1K_TDT, 1);
	expect_tx(c, 1, 1, 5000);
}

/* 3. BUSY: address and features are frozen while active. */
static void test_negotiate_busy(struct t *c)
{
	uint8_t pattern[CSB_SIZE], after[CSB_SIZE];
	uint32_t st, v;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX);
	rings_setup(c, 8, 8, 4);
	memset(pattern, 0x3c, sizeof(pattern));
	qts_memwrite(c->q, CSB_B, pattern, sizeof(pattern));
	csb_on(c, CSB_F_TX, 0, 0);

	csb_reg_w(c, CSB_REG_ADDR_LO, (uint32_t)CSB_B);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st_active(st) && st_err(st) == CSB_ERR_BUSY,
	      "ADDR_LO written while active: STATUS 0x%x, expected ACTIVE with BUSY", st);
	v = csb_reg_r(c, CSB_REG_ADDR_LO);
	CHECK(c, v == (uint32_t)CSB_A, "ADDR_LO write while active not ignored: reads 0x%x", v);

	csb_reg_w(c, CSB_REG_ADDR_HI, 1);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st_active(st) && st_err(st) == CSB_ERR_BUSY,
	      "ADDR_HI written while active: STATUS 0x%x", st);
	CHECK(c, csb_reg_r(c, CSB_REG_ADDR_HI) == 0, "ADDR_HI write while active not ignored");

	csb_reg_w(c, CSB_REG_FEATURES, c->offered);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st_active(st) && st_err(st) == CSB_ERR_BUSY,
	      "FEATURES written while active: STATUS 0x%x", st);
	v = csb_reg_r(c, CSB_REG_FEATURES);
	CHECK(c, v == CSB_F_TX, "FEATURES write while active not ignored: reads 0x%x", v);

	/* ENABLE again, even with another major: no effect */
	csb_reg_w(c, CSB_REG_CTRL, CSB_ENABLE_V1);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st_active(st), "ENABLE written again: no longer active (0x%x)", st);
	csb_reg_w(c, CSB_REG_CTRL, CSB_CTRL_ENABLE | CSB_CTRL_MAJOR(2u));
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st_active(st), "ENABLE with major 2 written while active: not active (0x%x)",
	      st);

	/* the block in use is still the first one */
	c->tx_seq = 1;
	csb_tx_batch(c, 2);
	qts_memread(c->q, CSB_B, after, sizeof(after));
	CHECK(c, !memcmp(pattern, after, sizeof(after)),
	      "the device wrote at the ignored address 0x%" PRIx64, CSB_B);
	check_alive(c, "BUSY writes");
}

/* 3. Disable: tails copied to TDT/RDT, the block left alone, plain mode. */
static void test_disable(struct t *c)
{
	uint32_t st, v;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	rings_setup(c, 8, 8, 4);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	c->tx_seq = 1;
	csb_tx_batch(c, 3);
	w32(c, E1K_TDT, 0);		/* a kick: TDT now differs from the tail */
	csb_rx_publish(c, 6);
	csb_reg_w(c, CSB_REG_CTRL, 0);
	st = csb_reg_r(c, CSB_REG_STATUS);
	REQUIRE(c, !st_active(st), "CTRL = 0: STATUS 0x%x still ACTIVE", st);
	CHECK(c, st_err(st) == CSB_ERR_NONE, "CTRL = 0: error %s", err_name(st_err(st)));
	v = r32(c, E1K_TDT);
	CHECK(c, v == 3, "TDT = %u after disable, expected the last tx_tail 3", v);
	v = r32(c, E1K_RDT);
	CHECK(c, v == 6, "RDT = %u after disable, expected the last rx_tail 6", v);

	/* the device no longer reads or writes the block */
	csbf_w(c, CSB_TX_HEAD, 0x5a5a5a5au);
	csbf_w(c, CSB_RX_HEAD, 0x5a5a5a5au);
	csbf_w(c, CSB_TX_KICK, 0x5a5a5a5au);
	csbf_w(c, CSB_RX_KICK, 0x5a5a5a5au);
	csbf_w(c, CSB_ICR, 0x5a5a5a5au);
	tx_fill(c, 3, 4);
	w32(c, E1K_TDT, 4);
	expect_tx(c, 4, 1, 5000);
	inject(c, 300, 200);
	if (wait_rx(c, 0, 5000))
		check_rx(c, 0, 300, 200);
	else
		record(c, 0, "plain RX after disable: nothing in descriptor 0");
	tx_fill(c, 4, 5);
	tx_fill(c, 5, 6);
	csbf_w(c, CSB_TX_TAIL, 6);	/* not a tail any more */
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	expect_quiet(c, 300, "tx_tail written and KICK after disable");
	CHECK(c, r32(c, E1K_TDH) == 4, "TDH moved after disable without a TDT write");
	settle(c, 10);
	CHECK(c, csbf(c, CSB_TX_HEAD) == 0x5a5a5a5au && csbf(c, CSB_RX_HEAD) == 0x5a5a5a5au &&
	      csbf(c, CSB_TX_KICK) == 0x5a5a5a5au && csbf(c, CSB_RX_KICK) == 0x5a5a5a5au &&
	      csbf(c, CSB_ICR) == 0x5a5a5a5au, "the device wrote the block after disable");
	w32(c, E1K_TDT, 6);
	expect_tx(c, 5, 2, 5000);

	/* disable while inactive: nothing */
	csb_reg_w(c, CSB_REG_CTRL, 0);
	CHECK(c, !st_active(csb_reg_r(c, CSB_REG_STATUS)), "second CTRL = 0");
	/* and on again, from the registers */
	c->tx_seq = 7;
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	v = csbf(c, CSB_TX_HEAD);
	CHECK(c, v == 6, "tx_head = %u after re-enable, TDH = 6", v);
	csb_tx_batch(c, 2);
	check_alive(c, "disable/enable");
}

/* 3. Device reset disables and clears the registers. */
static void test_reset(struct t *c)
{
	uint32_t v;
	char *r;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX);
	rings_setup(c, 8, 8, 4);
	csb_on(c, CSB_F_TX, 0, 0);
	w32(c, E1K_CTRL, r32(c, E1K_CTRL) | E1K_CTRL_RST);
	v = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, v == 0, "STATUS = 0x%x after CTRL.RST, expected 0", v);
	CHECK(c, csb_reg_r(c, CSB_REG_ADDR_LO) == 0 && csb_reg_r(c, CSB_REG_ADDR_HI) == 0 &&
	      csb_reg_r(c, CSB_REG_FEATURES) == 0 && csb_reg_r(c, CSB_REG_CTRL) == 0,
	      "CSB registers not cleared by CTRL.RST (ADDR_LO 0x%x FEATURES 0x%x CTRL 0x%x)",
	      csb_reg_r(c, CSB_REG_ADDR_LO), csb_reg_r(c, CSB_REG_FEATURES),
	      csb_reg_r(c, CSB_REG_CTRL));
	/* plain mode again; the block is not written */
	csbf_w(c, CSB_TX_HEAD, 0x5a5a5a5au);
	rings_setup(c, 8, 8, 4);
	tx_fill(c, 0, 1);
	w32(c, E1K_TDT, 1);
	expect_tx(c, 1, 1, 5000);
	settle(c, 10);
	CHECK(c, csbf(c, CSB_TX_HEAD) == 0x5a5a5a5au, "block written after CTRL.RST");

	/* system reset: PCI state too */
	c->tx_seq = 2;
	csb_on(c, CSB_F_TX, 0, 0);
	r = qts_qmp(c->q, "{\"execute\": \"system_reset\"}");
	CHECK(c, !strncmp(r, "{\"return\"", 9), "system_reset: %s", r);
	free(r);
	{
		uint64_t end = now_ms() + 5000;

		while (cfg_r32(c, c->dev, PCI_BAR0) == BAR0_ADDR && now_ms() < end)
			sleep_ms(5);
	}
	REQUIRE(c, cfg_r32(c, c->dev, PCI_BAR0) != BAR0_ADDR, "system_reset did not reset PCI");
	pci_setup(c);
	cap_find(c);
	CHECK(c, c->has_cap, "capability gone after system_reset");
	v = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, v == 0, "STATUS = 0x%x after system_reset", v);
	CHECK(c, csb_reg_r(c, CSB_REG_ADDR_LO) == 0 && csb_reg_r(c, CSB_REG_FEATURES) == 0 &&
	      csb_reg_r(c, CSB_REG_CTRL) == 0, "CSB registers not cleared by system_reset");
	rings_setup(c, 8, 8, 4);
	csb_on(c, CSB_F_TX, 0, 0);
	csb_tx_batch(c, 1);
	check_alive(c, "resets");
}

/* 2/3. Bus mastering off while active: disabled with BUSMASTER. */
static void test_busmaster_off(struct t *c)
{
	uint32_t st;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	rings_setup(c, 8, 8, 4);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	c->tx_seq = 1;
	csb_tx_batch(c, 2);
	/* rx_tail = 5, with a kick so that the device reads it: with bus
	 * mastering off it can only copy tails it has read
	 */
	csbf_w(c, CSB_RX_TAIL, 5);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_RX);
	settle(c, 20);
	bus_master(c, false);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, !st_active(st) && st_err(st) == CSB_ERR_BUSMASTER,
	      "bus mastering turned off while active: STATUS 0x%x (%s), expected inactive, BUSMASTER",
	      st, err_name(st_err(st)));
	bus_master(c, true);
	check_enable_cleared(c, "bus mastering off");
	CHECK(c, r32(c, E1K_TDT) == 2, "TDT = %u, expected the last tx_tail 2", r32(c, E1K_TDT));
	/* the last rx_tail the device read: 5 if the kick made it read it, else 4 */
	CHECK(c, r32(c, E1K_RDT) == 5 || r32(c, E1K_RDT) == 4,
	      "RDT = %u, expected the last rx_tail 5 (or 4)", r32(c, E1K_RDT));
	note(c, "RDT = %u after bus mastering went off (rx_tail 5, last read before: 4)",
	     r32(c, E1K_RDT));
	tx_fill(c, 2, 3);
	w32(c, E1K_TDT, 3);
	expect_tx(c, 3, 1, 5000);
	check_alive(c, "bus master off");
}

/* QMP stop (false) or cont (true). */
static void vm_run(struct t *c, bool run)
{
	qts_qmp_ok(c->q, run ? "{\"execute\": \"cont\"}" : "{\"execute\": \"stop\"}");
}

/*
 * With the VM stopped (the TX thread does not run), publish count more
 * TX frames and kick through KICK: the kick takes the tail into TDT, the
 * thread has transmitted none of them yet.
 */
static void tx_kicked_unsent(struct t *c, unsigned int count)
{
	uint32_t k;

	CHECK(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | c->tx_tail, 5000, &k),
	      "idle TX thread: tx_kick = 0x%x, expected NOTIFY|%u", k, c->tx_tail);
	vm_run(c, false);
	for (unsigned int i = 0; i < count; i++)
		tx_fill(c, (c->tx_tail + i) % c->tx_n, c->tx_seq + i);
	c->kick_with_tdt = false;
	CHECK(c, csb_tx_publish(c, (c->tx_tail + count) % c->tx_n),
	      "tx_kick asked for NOTIFY|head: publishing %u frames needs a kick", count);
}

/* 4, 8. The device drops the CSB on its own (RING, BUSMASTER) while a
 * kick's tail is not transmitted yet, or a frame waits for RX buffers:
 * it goes on at once as a plain e1000 whose guest wrote the newest tails
 * (not at the guest's next doorbell or watchdog).
 */
static void test_drop_flush(struct t *c)
{
	uint32_t k, tail;

	qemu_up(c, "csb-poll-us=0");
	need_csb(c, CSB_F_TX | CSB_F_RX);

	/* TX kicked, then RING (rx_tail = N): the TX goes out */
	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	c->tx_seq = 1;
	if (!csb_tx_batch(c, 2))
		bail(c);
	tx_kicked_unsent(c, 3);
	csbf_w(c, CSB_RX_TAIL, 16);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_RX);
	expect_dropped(c, CSB_ERR_RING, "rx_tail = 16 (N = 16), the VM stopped");
	vm_run(c, true);
	if (!expect_tx(c, c->tx_seq, 3, 1000))
		record(c, __LINE__,
		       "RING: the 3 frames a kick handed over before the drop were not sent (TDH %u, TDT %u)",
		       r32(c, E1K_TDH), r32(c, E1K_TDT));
	c->tx_seq += 3;
	CHECK(c, r32(c, E1K_TDT) == 5 && r32(c, E1K_TDH) == 5,
	      "RING with TX kicked: TDT %u, TDH %u, expected 5 and 5", r32(c, E1K_TDT),
	      r32(c, E1K_TDH));
	CHECK(c, r32(c, E1K_RDT) == 8, "RDT %u, expected the last valid rx_tail 8",
	      r32(c, E1K_RDT));

	/* a frame waits for RX buffers; the guest publishes rx_tail = 4,
	 * and before its kick the device drops the CSB (RING for tx_tail):
	 * RDT takes the published tail, the frame is received
	 */
	rings_setup(c, 16, 16, 0);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	inject(c, 100, 200);
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, CSB_NOTIFY | 0, 5000, &k),
	      "a frame and no RX buffers: rx_kick = 0x%x, expected NOTIFY|0", k);
	csbf_w(c, CSB_RX_TAIL, 4);
	csbf_w(c, CSB_TX_TAIL, 16);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	expect_dropped(c, CSB_ERR_RING, "tx_tail = 16 (N = 16), a frame held for RX");
	CHECK(c, r32(c, E1K_RDT) == 4, "RDT = %u after the drop, expected the published rx_tail 4",
	      r32(c, E1K_RDT));
	CHECK(c, r32(c, E1K_TDT) == 0, "TDT = %u, expected the last valid tx_tail 0",
	      r32(c, E1K_TDT));
	expect_held_rx(c, __LINE__, "the drop");

	/* TX kicked, then bus mastering off (BUSMASTER): nothing goes out
	 * while it is off, the frames go out once it is back on
	 */
	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	if (!csb_tx_batch(c, 1))
		bail(c);
	tx_kicked_unsent(c, 2);
	tail = c->tx_tail;
	bus_master(c, false);
	expect_dropped(c, CSB_ERR_BUSMASTER, "bus mastering off, the VM stopped");
	vm_run(c, true);
	expect_quiet(c, 200, "TX kicked, then bus mastering off");
	bus_master(c, true);
	if (!expect_tx(c, c->tx_seq, 2, 1000))
		record(c, __LINE__,
		       "BUSMASTER: the 2 frames a kick handed over were not sent once bus mastering was back (TDH %u, TDT %u)",
		       r32(c, E1K_TDH), r32(c, E1K_TDT));
	c->tx_seq += 2;
	CHECK(c, r32(c, E1K_TDT) == tail && r32(c, E1K_TDH) == tail,
	      "BUSMASTER with TX kicked: TDT %u, TDH %u, expected %u", r32(c, E1K_TDT),
	      r32(c, E1K_TDH), tail);
	check_alive(c, "drops with work pending");
}

/* 4. TX through the CSB only. */
static void test_tx_csb(struct t *c)
{
	uint32_t k, v;
	unsigned int batches[] = { 1, 3, 5, 2, 4, 1, 1, 5, 3 };

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX);
	rings_setup(c, 16, 8, 0);
	csb_on(c, CSB_F_TX, 0, 0);
	/* the worker goes to sleep: tx_kick = NOTIFY | TDH */
	CHECK(c, wait_csbf(c, CSB_TX_KICK, 0xffffffffu, CSB_NOTIFY | 0, 10000, &k),
	      "idle TX worker: tx_kick = 0x%x, expected NOTIFY|0 within 10 s", k);

	c->tx_seq = 1;
	tx_fill(c, 0, 1);
	tx_fill(c, 1, 2);
	c->kick_with_tdt = true;	/* this kick is a TDT write, with value 0 */
	c->tx_kicks = 0;
	CHECK(c, csb_tx_publish(c, 2), "tx_kick had NOTIFY|0 but the guest saw no need to kick");
	c->tx_seq = 3;
	expect_tx(c, 1, 2, 5000);
	CHECK(c, wait_csbf(c, CSB_TX_HEAD, ~0u, 2, 5000, &v), "tx_head = %u, expected 2", v);
	CHECK(c, r32(c, E1K_TDH) == 2, "TDH = %u, expected 2", r32(c, E1K_TDH));
	CHECK(c, (tx_status(c, 0) & tx_status(c, 1) & TXD_STAT_DD), "DD not written back");
	CHECK(c, r32(c, E1K_TDT) == 0, "TDT = %u: it should keep the value written (0)",
	      r32(c, E1K_TDT));
	CHECK(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | 2, 10000, &k),
	      "idle again: tx_kick = 0x%x, expected NOTIFY|2", k);

	/* a TDT write is a kick only: descriptors not in tx_tail stay */
	tx_fill(c, 2, 3);
	tx_fill(c, 3, 4);
	w32(c, E1K_TDT, 4);
	expect_quiet(c, 300, "TDT = 4 with tx_tail = 2");
	CHECK(c, r32(c, E1K_TDH) == 2, "TDH = %u: the device took the tail from TDT",
	      r32(c, E1K_TDH));
	c->kick_with_tdt = false;	/* KICK register this time */
	csb_tx_publish(c, 4);
	c->tx_seq = 5;
	expect_tx(c, 3, 2, 5000);
	CHECK(c, wait_csbf(c, CSB_TX_HEAD, ~0u, 4, 5000, &v), "tx_head = %u, expected 4", v);

	/* batches around the ring a few times */
	for (unsigned int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++)
			if (!csb_tx_batch(c, batches[i]))
				bail(c);
	v = csbf(c, CSB_TX_HEAD);
	CHECK(c, v == c->tx_tail && r32(c, E1K_TDH) == c->tx_tail,
	      "tx_head %u, TDH %u, tail %u", v, r32(c, E1K_TDH), c->tx_tail);
	note(c, "%lu kicks, %lu publishes without a kick", c->tx_kicks, c->tx_nokicks);
	check_alive(c, "TX via the CSB");
}

/* 4. The host worker's poll budget: sleeping announced, kicks avoided. */
static void test_tx_poll(struct t *c)
{
	uint32_t k;
	unsigned long kicks_before;

	/* csb-poll-us=0: purely event driven, sleeps after each batch */
	qemu_up(c, "csb-poll-us=0");
	need_csb(c, CSB_F_TX);
	rings_setup(c, 16, 8, 0);
	csb_on(c, CSB_F_TX, 0, 0);
	c->tx_seq = 1;
	for (unsigned int i = 0; i < 6; i++) {
		if (!csb_tx_batch(c, 1 + i % 3))
			bail(c);
		CHECK(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | c->tx_tail, 5000, &k),
		      "csb-poll-us=0: after a batch tx_kick = 0x%x, expected NOTIFY|%u",
		      k, c->tx_tail);
	}
	note(c, "poll 0: %lu kicks, %lu without", c->tx_kicks, c->tx_nokicks);
	qemu_stop(c);

	/* a 100 ms budget (our device's maximum): right after a batch the
	 * worker is still polling
	 */
	qemu_up(c, "csb-poll-us=100000");
	rings_setup(c, 16, 8, 0);
	csb_on(c, CSB_F_TX, 0, 0);
	c->tx_seq = 1;
	c->tx_kicks = 0;
	c->tx_nokicks = 0;
	if (!csb_tx_batch(c, 1))	/* wakes the worker (kick if it slept) */
		bail(c);
	kicks_before = c->tx_kicks;
	for (unsigned int i = 0; i < 10; i++)
		if (!csb_tx_batch(c, 1))
			bail(c);
	note(c, "poll 100 ms: %lu kicks in 10 back-to-back batches",
	     c->tx_kicks - kicks_before);
	CHECK(c, c->tx_kicks - kicks_before < 10,
	      "csb-poll-us=100000: all 10 back-to-back publishes saw NOTIFY in tx_kick; a polling worker should have left tx_kick clear");
	/* and once the budget is over, it sleeps */
	CHECK(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | c->tx_tail, 10000, &k),
	      "after the poll budget: tx_kick = 0x%x, expected NOTIFY|%u", k, c->tx_tail);
	check_alive(c, "poll budget");
}

/* 5. RX through the CSB only; starvation; the kick request index. */
static void test_rx_csb(struct t *c)
{
	uint32_t k, v;
	uint8_t d[DESC_SIZE];

	qemu_up(c, NULL);
	need_csb(c, CSB_F_RX);
	rings_setup(c, 8, 8, 0);	/* no buffers */
	csb_on(c, CSB_F_RX, 0, 0);
	CHECK(c, csbf(c, CSB_RX_KICK) == 0, "rx_kick set before any frame");
	csb_rx_publish(c, 2);
	w32(c, E1K_RDT, 7);		/* a kick only: must not hand over 2..6 */
	CHECK(c, r32(c, E1K_RDT) == 7, "RDT reads %u: it should keep the value written (7)",
	      r32(c, E1K_RDT));
	inject(c, 1, frame_len(1));
	inject(c, 2, frame_len(2));
	REQUIRE(c, wait_rx(c, 0, 5000) && wait_rx(c, 1, 5000), "2 frames not received");
	check_rx(c, 0, 1, frame_len(1));
	check_rx(c, 1, 2, frame_len(2));
	CHECK(c, wait_csbf(c, CSB_RX_HEAD, ~0u, 2, 5000, &v), "rx_head = %u, expected 2", v);
	CHECK(c, r32(c, E1K_RDH) == 2, "RDH = %u", r32(c, E1K_RDH));

	/* starved: frame 3 waits, rx_kick asks for descriptor 2 */
	inject(c, 3, frame_len(3));
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, CSB_NOTIFY | 2, 5000, &k),
	      "starved with a frame: rx_kick = 0x%x, expected NOTIFY|2", k);
	settle(c, 50);
	CHECK(c, !(rx_status(c, 2) & RXD_STAT_DD),
	      "frame written to descriptor 2, which only RDT (not rx_tail) handed over");
	CHECK(c, csb_rx_publish(c, 5),
	      "rx_kick asked for index 2 but publishing 2..4 did not need a kick");
	CHECK(c, wait_rx(c, 2, 5000), "held frame not delivered after rx_tail grew and a kick");
	check_rx(c, 2, 3, frame_len(3));
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, 0, 5000, &k),
	      "rx_kick = 0x%x after the frame was delivered, expected 0", k);
	CHECK(c, wait_csbf(c, CSB_RX_HEAD, ~0u, 3, 5000, &v), "rx_head = %u, expected 3", v);

	/* frames spanning descriptors: 1000 bytes in 256-byte buffers = 4 */
	set_rctl(c, E1K_RCTL_EN | E1K_RCTL_BAM | E1K_RCTL_SECRC | E1K_RCTL_SZ_256);
	/* RDH = 3, tail = 5: 2 buffers, the frame needs 4 (3,4,5,6) */
	inject(c, 4, 1000);
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, CSB_NOTIFY | 6, 5000, &k),
	      "a 4-buffer frame with 2 buffers: rx_kick = 0x%x, expected NOTIFY|6 (the last descriptor it needs)",
	      k);
	for (unsigned int i = 3; i < 8; i++)
		rx_desc_reset(c, i);
	rx_desc_reset(c, 0);
	CHECK(c, !csb_rx_publish(c, 6),
	      "3 buffers (tail 6) should not need a kick when rx_kick asks for index 6");
	settle(c, 50);
	CHECK(c, !(rx_status(c, 3) & RXD_STAT_DD), "frame delivered with only 3 of 4 buffers");
	CHECK(c, csb_rx_publish(c, 7), "tail 7 covers index 6: a kick is needed");
	if (!wait_rx(c, 6, 5000)) {
		record(c, __LINE__, "4-buffer frame not delivered after tail 7 and a kick");
	} else {
		uint8_t want[1000], got[1000];

		make_frame(want, 4, 1000, true);
		for (unsigned int i = 0; i < 4; i++) {
			qts_memread(c->q, RX_RING + (3 + i) * DESC_SIZE, d, sizeof(d));
			CHECK(c, get_le16(d + RXD_LEN_OFF) == (i < 3 ? 256 : 232) &&
			      (d[RXD_STA_OFF] & RXD_STAT_DD) &&
			      !!(d[RXD_STA_OFF] & RXD_STAT_EOP) == (i == 3),
			      "descriptor %u: length %u status 0x%x", 3 + i,
			      get_le16(d + RXD_LEN_OFF), d[RXD_STA_OFF]);
			qts_memread(c->q, RX_BUF + (3 + i) * BUF_SLOT, got + i * 256,
				    i < 3 ? 256 : 232);
		}
		CHECK(c, !memcmp(want, got, 1000), "4-buffer frame contents differ");
	}

	/* around the ring with single-buffer frames, recycling through rx_tail */
	set_rctl(c, E1K_RCTL_EN | E1K_RCTL_BAM | E1K_RCTL_SECRC | E1K_RCTL_SZ_2048);
	for (unsigned int i = 0; i < 8; i++)
		if (i != 7)
			rx_desc_reset(c, i);
	csb_rx_publish(c, 6);		/* RDH = 7: buffers 7, 0..5 */
	for (unsigned int n = 0; n < 20; n++) {
		unsigned int idx = (7 + n) % 8;

		inject(c, 10 + n, frame_len(10 + n));
		if (!wait_rx(c, idx, 5000)) {
			record(c, 0, "frame #%u not received in descriptor %u (rx_tail %u)", 10 + n,
			       idx, c->rx_tail);
			break;
		}
		check_rx(c, idx, 10 + n, frame_len(10 + n));
		rx_desc_reset(c, (idx + 7) % 8);
		csb_rx_publish(c, (idx + 7 + 1) % 8);
	}
	note(c, "%lu RX kicks, %lu publishes without", c->rx_kicks, c->rx_nokicks);
	check_alive(c, "RX via the CSB");
}

/* 6. TX interrupts on request only. */
static void test_irq_tx(struct t *c)
{
	uint32_t ics, icr, m;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_IRQ);
	rings_setup(c, 16, 8, 0);
	w32(c, E1K_IMS, E1K_ICR_TX_CAUSES | E1K_ICR_RX_CAUSES | E1K_ICR_LSC);
	csb_on(c, CSB_F_TX | CSB_F_IRQ, 0, 0);
	c->tx_seq = 1;

	/* index right, NOTIFY clear: no interrupt, nothing latched */
	csbf_w(c, CSB_TX_IRQ, 0);
	csb_tx_batch(c, 1);
	settle(c, 50);
	CHECK(c, !qts_irq(c->q, c->irq), "TX interrupt with tx_irq = 0 (no NOTIFY)");
	ics = r32(c, E1K_ICS);
	CHECK(c, !(ics & E1K_ICR_TX_CAUSES), "suppressed TX causes latched in ICR (0x%x)", ics);
	csbf_w(c, CSB_TX_IRQ, 1);	/* index 1 = head, NOTIFY clear */
	csb_tx_batch(c, 1);
	settle(c, 50);
	CHECK(c, !qts_irq(c->q, c->irq), "TX interrupt with tx_irq = 1 (index, no NOTIFY)");

	/* NOTIFY | head: the next batch passes it */
	csbf_w(c, CSB_TX_IRQ, CSB_NOTIFY | 2);
	csb_tx_batch(c, 1);
	CHECK(c, wait_irq(c, true, 3000), "no TX interrupt: tx_irq = NOTIFY|2, head 2 -> 3");
	ics = r32(c, E1K_ICS);
	CHECK(c, ics & E1K_ICR_TXDW, "ICR = 0x%x lacks TXDW", ics);
	CHECK(c, wait_csbf(c, CSB_ICR, ~0u, ics, 3000, &m), "icr mirror 0x%x, ICR 0x%x", m, ics);
	icr = r32(c, E1K_ICR);
	CHECK(c, icr & E1K_ICR_TXDW, "ICR read = 0x%x lacks TXDW", icr);
	CHECK(c, !qts_irq(c->q, c->irq), "line high after reading ICR");
	CHECK(c, wait_csbf(c, CSB_ICR, ~0u, 0, 3000, &m),
	      "icr mirror = 0x%x after ICR read cleared ICR", m);
	step_clock(c, 2000000);

	/* NOTIFY | head+3: one frame does not pass it, three more do */
	csbf_w(c, CSB_TX_IRQ, CSB_NOTIFY | 6);
	csb_tx_batch(c, 1);		/* 3 -> 4 */
	settle(c, 50);
	CHECK(c, !qts_irq(c->q, c->irq),
	      "TX interrupt before the requested index (6) was passed (head 3 -> 4)");
	csb_tx_batch(c, 3);		/* 4 -> 7 passes 6 */
	CHECK(c, wait_irq(c, true, 3000), "no TX interrupt when head moved 4 -> 7 past 6");
	(void)r32(c, E1K_ICR);
	step_clock(c, 2000000);

	/* across the wrap: NOTIFY | 1 while head goes 7 -> 2 */
	csbf_w(c, CSB_TX_IRQ, CSB_NOTIFY | 1);
	for (unsigned int i = 0; i < 9; i++)	/* 7 -> 0 */
		csb_tx_batch(c, 1);
	settle(c, 50);
	CHECK(c, !qts_irq(c->q, c->irq), "TX interrupt before index 1 was passed (head at 0)");
	csb_tx_batch(c, 2);		/* 0 -> 2 */
	CHECK(c, wait_irq(c, true, 3000), "no TX interrupt when head wrapped past index 1");
	(void)r32(c, E1K_ICR);

	/* other causes are as in plain mode */
	step_clock(c, 2000000);
	csbf_w(c, CSB_TX_IRQ, 0);
	w32(c, E1K_ICS, E1K_ICR_LSC);
	CHECK(c, wait_irq(c, true, 3000), "no interrupt for LSC set through ICS");
	icr = r32(c, E1K_ICR);
	CHECK(c, icr & E1K_ICR_LSC, "ICR = 0x%x lacks LSC", icr);
	check_alive(c, "TX interrupt requests");
}

/* 6. RX interrupts on request only. */
static void test_irq_rx(struct t *c)
{
	uint32_t ics, icr;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_RX | CSB_F_IRQ);
	rings_setup(c, 8, 16, 15);
	w32(c, E1K_IMS, E1K_ICR_TX_CAUSES | E1K_ICR_RX_CAUSES);
	csb_on(c, CSB_F_RX | CSB_F_IRQ, 0, 0);

	inject(c, 1, 100);
	REQUIRE(c, wait_rx(c, 0, 5000), "frame not received");
	settle(c, 50);
	CHECK(c, !qts_irq(c->q, c->irq), "RX interrupt with rx_irq = 0");
	ics = r32(c, E1K_ICS);
	CHECK(c, !(ics & E1K_ICR_RX_CAUSES), "suppressed RX causes latched in ICR (0x%x)", ics);

	csbf_w(c, CSB_RX_IRQ, CSB_NOTIFY | 1);
	inject(c, 2, 100);
	REQUIRE(c, wait_rx(c, 1, 5000), "frame not received");
	CHECK(c, wait_irq(c, true, 3000), "no RX interrupt: rx_irq = NOTIFY|1, head 1 -> 2");
	icr = r32(c, E1K_ICR);
	CHECK(c, icr & E1K_ICR_RXT0, "ICR = 0x%x lacks RXT0", icr);
	CHECK(c, !qts_irq(c->q, c->irq), "line high after reading ICR");
	step_clock(c, 2000000);

	/* the guest's handler: rx_irq = 0 ... poll done: re-arm at next_to_clean */
	csbf_w(c, CSB_RX_IRQ, 0);
	inject(c, 3, 100);
	REQUIRE(c, wait_rx(c, 2, 5000), "frame not received");
	settle(c, 50);
	CHECK(c, !qts_irq(c->q, c->irq), "RX interrupt with rx_irq = 0");
	csbf_w(c, CSB_RX_IRQ, CSB_NOTIFY | 5);
	inject(c, 4, 100);
	REQUIRE(c, wait_rx(c, 3, 5000), "frame not received");
	settle(c, 50);
	CHECK(c, !qts_irq(c->q, c->irq), "RX interrupt before index 5 was passed");
	inject(c, 5, 100);
	inject(c, 6, 100);
	REQUIRE(c, wait_rx(c, 5, 5000), "frames not received");
	CHECK(c, wait_irq(c, true, 3000), "no RX interrupt when head passed 5");
	(void)r32(c, E1K_ICR);
	check_alive(c, "RX interrupt requests");
}

/* 6. The icr and status mirrors; LSC is not subject to requests. */
static void test_irq_mirrors(struct t *c)
{
	uint32_t m, st, icr;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_IRQ);
	rings_setup(c, 8, 8, 4);
	w32(c, E1K_IMS, E1K_ICR_LSC | E1K_ICR_TX_CAUSES | E1K_ICR_RX_CAUSES);
	csb_on(c, CSB_F_ALL & c->offered, 0, 0);
	st = r32(c, E1K_STATUS);
	CHECK(c, csbf(c, CSB_STATUS_MIRROR) == st, "status mirror 0x%x, STATUS 0x%x",
	      csbf(c, CSB_STATUS_MIRROR), st);
	qts_qmp_ok(c->q,
		   "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"nic0\", \"up\": false}}");
	st = r32(c, E1K_STATUS);
	CHECK(c, !(st & E1K_STATUS_LU), "link down but STATUS.LU set");
	CHECK(c, wait_csbf(c, CSB_STATUS_MIRROR, ~0u, st, 3000, &m),
	      "link down: status mirror 0x%x, STATUS 0x%x", m, st);
	CHECK(c, wait_irq(c, true, 3000), "no LSC interrupt on link down (tx_irq = rx_irq = 0)");
	CHECK(c, wait_csbf(c, CSB_ICR, E1K_ICR_LSC, E1K_ICR_LSC, 3000, &m),
	      "icr mirror 0x%x lacks LSC", m);
	icr = r32(c, E1K_ICR);
	CHECK(c, icr & E1K_ICR_LSC, "ICR 0x%x lacks LSC", icr);
	CHECK(c, wait_csbf(c, CSB_ICR, ~0u, 0, 3000, &m), "icr mirror 0x%x after ICR read", m);
	qts_qmp_ok(c->q,
		   "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"nic0\", \"up\": true}}");
	step_clock(c, 3000000000ull);	/* autonegotiation */
	st = r32(c, E1K_STATUS);
	CHECK(c, st & E1K_STATUS_LU, "link up again but STATUS.LU clear");
	CHECK(c, wait_csbf(c, CSB_STATUS_MIRROR, ~0u, st, 3000, &m),
	      "link up: status mirror 0x%x, STATUS 0x%x", m, st);
	/* ICS writes update ICR, and the mirror */
	(void)r32(c, E1K_ICR);
	w32(c, E1K_IMC, 0xffffffffu);
	w32(c, E1K_ICS, E1K_ICR_RXO);
	CHECK(c, wait_csbf(c, CSB_ICR, ~0u, E1K_ICR_RXO, 3000, &m),
	      "icr mirror 0x%x after ICS = RXO, expected 0x%x", m, E1K_ICR_RXO);
	(void)r32(c, E1K_ICR);
	check_alive(c, "mirrors");
}

/* 3/5/6. Subsets of the features: the others stay plain. */
static void test_features_partial(struct t *c)
{
	uint32_t st, v;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	/* F_RX only: TX is plain, tx_tail garbage is ignored */
	rings_setup(c, 8, 8, 0);
	w32(c, E1K_IMS, E1K_ICR_TXDW);
	csb_prepare(c, CSB_A, 0, 0);
	csbf_w(c, CSB_TX_TAIL, 0xffffffffu);
	csbf_w(c, CSB_TX_KICK, 0x12345678u);	/* F_TX's: left alone, even by enable */
	csbf_w(c, CSB_TX_HEAD, 0xdeadbeefu);	/* written whenever active */
	st = csb_enable_raw(c, CSB_A, CSB_F_RX, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "enable with F_RX only: STATUS 0x%x", st);
	v = csbf(c, CSB_TX_KICK);
	CHECK(c, v == 0x12345678u,
	      "enable with F_RX only wrote tx_kick (F_TX's field): 0x%x (spec 3: left alone)", v);
	csbf_w(c, CSB_TX_KICK, 0x12345678u);
	v = csbf(c, CSB_TX_HEAD);
	CHECK(c, v == 0,
	      "enable with F_RX only: tx_head = 0x%x, expected TDH 0 (spec 3: written whenever active)",
	      v);
	tx_fill(c, 0, 1);
	w32(c, E1K_TDT, 1);
	expect_tx(c, 1, 1, 5000);
	CHECK(c, wait_csbf(c, CSB_TX_HEAD, ~0u, 1, 3000, &v),
	      "F_RX only, plain TX 0 -> 1: tx_head = 0x%x, expected 1 (written whenever active)",
	      v);
	CHECK(c, wait_irq(c, true, 3000), "F_IRQ not accepted, yet no plain TXDW interrupt");
	(void)r32(c, E1K_ICR);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE, "F_RX only, garbage tx_tail: STATUS 0x%x", st);
	settle(c, 20);
	v = csbf(c, CSB_TX_KICK);
	CHECK(c, v == 0x12345678u, "tx_kick (F_TX not accepted) changed by the device: 0x%x", v);
	csb_rx_publish(c, 3);
	inject(c, 2, 300);
	CHECK(c, wait_rx(c, 0, 5000), "RX via rx_tail with F_RX");
	csb_off(c);

	/* F_TX only: RX is plain, rx_tail and rx_kick are left alone */
	step_clock(c, 2000000);
	rings_setup(c, 8, 8, 0);
	csb_prepare(c, CSB_A, 0, 0);
	csbf_w(c, CSB_RX_TAIL, 0xffffffffu);
	csbf_w(c, CSB_RX_KICK, 0x12345678u);	/* F_RX's: left alone, even by enable */
	st = csb_enable_raw(c, CSB_A, CSB_F_TX, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "enable with F_TX only: STATUS 0x%x", st);
	v = csbf(c, CSB_RX_KICK);
	CHECK(c, v == 0x12345678u,
	      "enable with F_TX only wrote rx_kick (F_RX's field): 0x%x (spec 3: left alone)", v);
	csbf_w(c, CSB_RX_KICK, 0x12345678u);
	inject(c, 3, 300);		/* no buffers: waits */
	settle(c, 100);
	CHECK(c, !(rx_status(c, 0) & RXD_STAT_DD), "frame received with RDT = RDH");
	w32(c, E1K_RDT, 4);
	CHECK(c, wait_rx(c, 0, 5000), "plain RX (RDT) with F_TX only: frame not received");
	check_rx(c, 0, 3, 300);
	v = csbf(c, CSB_RX_KICK);
	CHECK(c, v == 0x12345678u, "rx_kick (F_RX not accepted) changed by the device: 0x%x", v);
	CHECK(c, wait_csbf(c, CSB_RX_HEAD, ~0u, 1, 3000, &v),
	      "F_TX only, plain RX 0 -> 1: rx_head = 0x%x, expected 1 (written whenever active)",
	      v);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE, "F_TX only, garbage rx_tail: STATUS 0x%x", st);
	c->tx_seq = 10;
	csb_tx_batch(c, 2);
	csb_off(c);

	/* no features at all: allowed, everything plain */
	rings_setup(c, 8, 8, 4);
	csb_prepare(c, CSB_A, 0, 0);
	st = csb_enable_raw(c, CSB_A, 0, CSB_ENABLE_V1);
	CHECK(c, st == CSB_STATUS_ACTIVE, "enable with no features: STATUS 0x%x", st);
	tx_fill(c, 0, 20);
	w32(c, E1K_TDT, 1);
	expect_tx(c, 20, 1, 5000);
	inject(c, 4, 200);
	CHECK(c, wait_rx(c, 0, 5000), "plain RX with no features accepted");
	check_alive(c, "partial features");
}

/* 7. ITR still applies to requested interrupts: with the virtual clock
 * standing still, a second requested interrupt waits for the interval.
 */
static void test_irq_itr(struct t *c)
{
	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_IRQ);
	rings_setup(c, 16, 8, 0);
	w32(c, E1K_IMS, E1K_ICR_TX_CAUSES);
	w32(c, E1K_ITR, 40000);		/* 40000 * 256 ns = 10.24 ms */
	csb_on(c, CSB_F_TX | CSB_F_IRQ, CSB_NOTIFY | 0, 0);
	c->tx_seq = 1;
	csb_tx_batch(c, 1);
	/* the first one is immediate: no interval running yet */
	CHECK(c, wait32(c, c->csb + CSB_ICR, E1K_ICR_TXDW, E1K_ICR_TXDW, 3000, NULL) &&
	      qts_irq(c->q, c->irq), "requested TX interrupt not raised at once");
	(void)r32(c, E1K_ICR);
	/* the second, requested too, within the interval: held */
	csbf_w(c, CSB_TX_IRQ, CSB_NOTIFY | 1);
	csb_tx_batch(c, 1);
	sleep_ms(100);
	CHECK(c, !qts_irq(c->q, c->irq),
	      "a requested interrupt inside the ITR interval was raised without waiting (spec 7: ITR still applies)");
	qts_clock_step(c->q, 5000000);
	CHECK(c, !qts_irq(c->q, c->irq), "raised after 5 ms of a 10.24 ms interval");
	qts_clock_step(c->q, 6000000);
	CHECK(c, wait_irq(c, true, 3000), "requested interrupt never raised after the interval");
	CHECK(c, r32(c, E1K_ICR) & E1K_ICR_TXDW, "ICR lacks TXDW");
	check_alive(c, "ITR");
}

/* 4. After CTRL = 0 the block is the guest's again, even if the worker
 * was polling it at that moment.
 */
static void test_disable_polling(struct t *c)
{
	uint8_t pattern[CSB_SIZE], after[CSB_SIZE];

	qemu_up(c, "csb-poll-us=100000");
	need_csb(c, CSB_F_ALL);
	rings_setup(c, 16, 8, 4);
	memset(pattern, 0x5a, sizeof(pattern));
	c->tx_seq = 1;
	for (unsigned int round = 0; round < 5; round++) {
		uint32_t st;

		csb_on(c, CSB_F_ALL, CSB_NOTIFY | c->tx_tail, 0);
		csb_tx_batch(c, 2);		/* the worker now polls for 100 ms */
		csb_reg_w(c, CSB_REG_CTRL, 0);
		st = csb_reg_r(c, CSB_REG_STATUS);
		REQUIRE(c, !st_active(st), "CTRL = 0: still active (0x%x)", st);
		/* "free" the memory: anything may be written there now */
		qts_memwrite(c->q, CSB_A, pattern, sizeof(pattern));
		inject(c, 50 + round, 100);	/* RX and interrupts go on, in plain mode */
		w32(c, E1K_ICS, E1K_ICR_LSC);
		sleep_ms(150);
		step_clock(c, 2000000);
		qts_memread(c->q, CSB_A, after, sizeof(after));
		for (size_t i = 0; i < sizeof(after); i++)
			if (after[i] != 0x5a) {
				record(c, __LINE__,
				       "round %u: byte 0x%zx of the block written after disable (0x%02x)",
				       round, i, after[i]);
				break;
			}
		if (c->failures)
			break;
		CHECK(c, r32(c, E1K_TDT) == c->tx_tail, "TDT %u, tail %u", r32(c, E1K_TDT),
		      c->tx_tail);
		/* give the RX buffers back for the next round */
		for (unsigned int i = 0; i < 8; i++)
			rx_desc_reset(c, i);
		w32(c, E1K_RDT, (r32(c, E1K_RDH) + 4) % 8);
		(void)r32(c, E1K_ICR);
	}
	check_alive(c, "disable while polling");
}

/*
 * CTRL = 0 while the TX thread's lock-free poll has found the block mapped
 * and not yet read tx_tail (the test hook x-csb-poll-delay-ms holds it
 * there): once STATUS reads ACTIVE clear the guest may free the block, so
 * the poll must not read it after that (spec 4, 9). The device counts
 * poll reads made through a mapping it had already withdrawn
 * (x-stat-csb-tx-poll-stale): that count must stay 0.
 */
static void test_disable_poll_read(struct t *c)
{
	qemu_up(c, "csb-poll-us=100000,x-csb-poll-delay-ms=200");
	need_csb(c, CSB_F_TX);
	rings_setup(c, 16, 8, 0);
	c->tx_seq = 1;
	for (unsigned int round = 0; round < 3; round++) {
		uint64_t stale = nic_stat(c, "x-stat-csb-tx-poll-stale");
		uint64_t t0, took;
		uint32_t st;

		csb_on(c, CSB_F_TX, 0, 0);
		if (!csb_tx_batch(c, 1))
			bail(c);
		sleep_ms(50);		/* the poll found the map, waits to read */
		t0 = now_ms();
		csb_reg_w(c, CSB_REG_CTRL, 0);
		st = csb_reg_r(c, CSB_REG_STATUS);
		took = now_ms() - t0;
		REQUIRE(c, !st_active(st), "CTRL = 0: still active (0x%x)", st);
		/* "free" the block: the guest may reuse the page now */
		qts_memset(c->q, CSB_A, 0x5a, CSB_SIZE);
		sleep_ms(300);		/* a pending poll read is done by now */
		stale = nic_stat(c, "x-stat-csb-tx-poll-stale") - stale;
		note(c, "round %u: CTRL = 0 and STATUS took %" PRIu64 " ms, %" PRIu64
		     " late poll reads", round, took, stale);
		CHECK(c, stale == 0,
		      "round %u: the TX thread's poll read tx_tail %" PRIu64
		      " time(s) after STATUS read ACTIVE clear", round, stale);
		CHECK(c, r32(c, E1K_TDT) == c->tx_tail, "TDT %u, tail %u", r32(c, E1K_TDT),
		      c->tx_tail);
		if (c->failures)
			break;
	}
	check_alive(c, "disable while the poll reads");
}

/* Descriptors beyond the end of a ring that must never be used. */
static void plant_bait(struct t *c)
{
	uint8_t d[DESC_SIZE];

	qts_memset(c->q, BAIT_BUF, 0xee, 0x10000);
	for (unsigned int i = 0; i < 16; i++) {
		uint8_t f[256];
		size_t len = make_frame(f, 0xbad00000u + i, 128, false);

		qts_memwrite(c->q, BAIT_BUF + i * 256, f, len);
		memset(d, 0, sizeof(d));
		put_le64(d, BAIT_BUF + i * 256);
		put_le16(d + TXD_LEN_OFF, (uint16_t)len);
		d[TXD_CMD_OFF] = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
		qts_memwrite(c->q, TX_RING + (c->tx_n + i) * DESC_SIZE, d, sizeof(d));
		memset(d, 0, sizeof(d));
		put_le64(d, BAIT_BUF + 0x8000 + i * 0x800);
		qts_memwrite(c->q, RX_RING + (c->rx_n + i) * DESC_SIZE, d, sizeof(d));
	}
}

static void check_bait(struct t *c, const char *when)
{
	uint8_t buf[0x8000];

	for (unsigned int i = 0; i < 16; i++) {
		uint8_t ts = qts_readb(c->q, TX_RING + (c->tx_n + i) * DESC_SIZE + TXD_STA_OFF);
		uint8_t rs = qts_readb(c->q, RX_RING + (c->rx_n + i) * DESC_SIZE + RXD_STA_OFF);

		CHECK(c, !ts && !rs,
		      "%s: a descriptor beyond the end of a ring was written (TX %u: status 0x%x, RX %u: status 0x%x)",
		      when, c->tx_n + i, ts, c->rx_n + i, rs);
	}
	qts_memread(c->q, BAIT_BUF + 0x8000, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0xee) {
			record(c, 0, "%s: RX DMA into a buffer beyond the ring (offset 0x%zx)",
			       when, i);
			break;
		}
}

/* 7. Tails >= N: disabled with RING, last valid tails kept, no DMA out
 * of the ring, plain mode continues.
 */
static void test_bad_ring_tail(struct t *c)
{
	const uint32_t bad[] = { 8, 9, 0xffff, 0x10002, 0x80000001u, 0xffffffffu };
	char what[64];
	uint32_t v;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	rings_setup(c, 8, 8, 2);
	plant_bait(c);
	c->tx_seq = 1;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned int good = c->tx_tail;

		csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
		csb_tx_batch(c, 2);
		good = c->tx_tail;
		for (unsigned int j = 0; j < 8; j++)
			if (j != good && j != (good + 7) % 8)
				tx_fill(c, j, 0xbad10000u + j);
		csbf_w(c, CSB_TX_TAIL, bad[i]);
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
		snprintf(what, sizeof(what), "tx_tail = 0x%x with N = 8", bad[i]);
		expect_dropped(c, CSB_ERR_RING, what);
		v = r32(c, E1K_TDT);
		CHECK(c, v == good, "tx_tail = 0x%x: TDT = %u, expected the last valid tail %u",
		      bad[i], v, good);
		CHECK(c, r32(c, E1K_TDH) == good, "tx_tail = 0x%x: TDH moved to %u", bad[i],
		      r32(c, E1K_TDH));
		expect_quiet(c, 200, "invalid tx_tail");
		check_bait(c, "invalid tx_tail");
		/* plain mode continues from the same registers */
		tx_fill(c, good, c->tx_seq);
		w32(c, E1K_TDT, (good + 1) % 8);
		c->tx_tail = (good + 1) % 8;
		expect_tx(c, c->tx_seq, 1, 5000);
		c->tx_seq++;
		check_alive(c, "invalid tx_tail");
		udp_drain(&c->udp);
	}

	/* RX: no buffers in plain terms, then an invalid rx_tail */
	for (size_t i = 0; i < 3; i++) {
		uint32_t bt = bad[i * 2 + 1], seq = 500 + (uint32_t)i;
		unsigned int rdh = r32(c, E1K_RDH);

		for (unsigned int j = 0; j < 8; j++)
			rx_desc_reset(c, j);
		w32(c, E1K_RDT, rdh);
		csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
		csbf_w(c, CSB_RX_TAIL, bt);
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_RX);
		inject(c, seq, 100);
		snprintf(what, sizeof(what), "rx_tail = 0x%x with N = 8", bt);
		expect_dropped(c, CSB_ERR_RING, what);
		v = r32(c, E1K_RDT);
		CHECK(c, v == rdh, "rx_tail = 0x%x: RDT = %u, expected the last valid tail %u", bt,
		      v, rdh);
		settle(c, 50);
		check_bait(c, "invalid rx_tail");
		CHECK(c, !(rx_status(c, rdh) & RXD_STAT_DD),
		      "rx_tail = 0x%x: frame received although no valid tail gave buffers", bt);
		/* plain mode: hand over buffers with RDT, the held frame arrives */
		w32(c, E1K_RDT, (rdh + 4) % 8);
		if (wait_rx(c, rdh, 5000))
			check_rx(c, rdh, seq, 100);
		else
			record(c, __LINE__, "plain RX after RING: frame not in descriptor %u", rdh);
		check_alive(c, "invalid rx_tail");
	}
}

/* 7. Garbage in the request words: treated as NOTIFY | 0. */
static void test_bad_requests(struct t *c)
{
	uint32_t st;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_ALL);
	rings_setup(c, 8, 8, 7);
	w32(c, E1K_IMS, E1K_ICR_TX_CAUSES | E1K_ICR_RX_CAUSES);
	csb_on(c, CSB_F_ALL, 0x7fff0003u, 0);	/* bits 30:16 set, NOTIFY clear */
	c->tx_seq = 1;
	csb_tx_batch(c, 1);		/* 0 -> 1 passes index 0 */
	CHECK(c, wait_irq(c, true, 3000),
	      "tx_irq = 0x7fff0003 (treated as NOTIFY|0): no interrupt when head passed 0");
	(void)r32(c, E1K_ICR);
	step_clock(c, 2000000);
	csbf_w(c, CSB_TX_IRQ, CSB_NOTIFY | 0xffff);	/* index >= N */
	for (unsigned int i = 0; i < 8; i++)			/* 1 -> 1, via 0 -> 1 */
		csb_tx_batch(c, 1);
	CHECK(c, wait_irq(c, true, 3000),
	      "tx_irq = NOTIFY|0xffff (treated as NOTIFY|0): no interrupt when head wrapped past 0");
	(void)r32(c, E1K_ICR);
	csbf_w(c, CSB_TX_IRQ, 0xffffffffu);
	csbf_w(c, CSB_RX_IRQ, 0xffffffffu);
	csbf_w(c, CSB_TX_KICK, 0xffffffffu);	/* device-owned words, scribbled */
	csbf_w(c, CSB_RX_KICK, 0x7fffffffu);
	for (unsigned int i = 0; i < 3; i++) {
		inject(c, 40 + i, 100);
		REQUIRE(c, wait_rx(c, i, 5000), "RX with garbage requests");
		tx_fill(c, c->tx_tail, c->tx_seq);
		csbf_w(c, CSB_TX_TAIL, (c->tx_tail + 1) % 8);
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
		c->tx_tail = (c->tx_tail + 1) % 8;
		expect_tx(c, c->tx_seq++, 1, 5000);
		(void)r32(c, E1K_ICR);
	}
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE, "garbage requests are not errors: STATUS 0x%x",
	      st);
	check_alive(c, "garbage requests");
}

/* 7. Nonzero reserved fields are ignored, and never written. */
static void test_bad_reserved(struct t *c)
{
	uint8_t blk[CSB_SIZE];
	uint32_t st;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	rings_setup(c, 8, 8, 4);
	csb_prepare(c, CSB_A, 0, 0);
	qts_memset(c->q, CSB_A + CSB_GUEST_RSVD, 0xff, CSB_TX_HEAD - CSB_GUEST_RSVD);
	qts_memset(c->q, CSB_A + CSB_HOST_RSVD, 0xff, CSB_RSVD - CSB_HOST_RSVD);
	qts_memset(c->q, CSB_A + CSB_RSVD, 0xff, CSB_SIZE - CSB_RSVD);
	st = csb_enable_raw(c, CSB_A, CSB_F_TX | CSB_F_RX, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "reserved fields nonzero: STATUS 0x%x", st);
	c->tx_seq = 1;
	csb_tx_batch(c, 3);
	inject(c, 1, 100);
	CHECK(c, wait_rx(c, 0, 5000), "RX with reserved fields set");
	qts_memread(c->q, CSB_A, blk, sizeof(blk));
	for (size_t i = CSB_GUEST_RSVD; i < CSB_TX_HEAD; i++)
		if (blk[i] != 0xff) {
			record(c, 0, "the device wrote guest reserved byte 0x%zx", i);
			break;
		}
	for (size_t i = CSB_RSVD; i < CSB_SIZE; i++)
		if (blk[i] != 0xff) {
			record(c, 0, "the device wrote reserved byte 0x%zx (lines 2-3)", i);
			break;
		}
	check_alive(c, "reserved fields");
}

/* 7. Enable toggled while TX is in flight: every frame exactly once. */
static void test_bad_toggle(struct t *c)
{
	uint8_t got[65536];

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX);
	rings_setup(c, 16, 8, 0);
	c->tx_seq = 1;
	for (unsigned int round = 0; round < 3; round++) {
		unsigned int start = c->tx_tail, end = (start + 15) % 16;
		uint32_t seq0 = c->tx_seq;
		uint32_t st;

		csb_on(c, CSB_F_TX, 0, 0);
		for (unsigned int i = 0; i < 15; i++)
			tx_fill(c, (start + i) % 16, seq0 + i);
		c->tx_seq += 15;
		csbf_w(c, CSB_TX_TAIL, end);
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
		for (unsigned int k = 0; k < 4 + round; k++) {
			csb_reg_w(c, CSB_REG_CTRL, 0);
			csb_reg_w(c, CSB_REG_CTRL, CSB_ENABLE_V1);
			csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
		}
		csb_reg_w(c, CSB_REG_CTRL, 0);
		st = csb_reg_r(c, CSB_REG_STATUS);
		CHECK(c, !st_active(st), "still active after CTRL = 0 (0x%x)", st);
		CHECK(c, r32(c, E1K_TDT) == end, "TDT = %u after the toggles, expected tail %u",
		      r32(c, E1K_TDT), end);
		w32(c, E1K_TDT, end);	/* plain mode: send whatever is left */
		c->tx_tail = end;
		for (unsigned int i = 0; i < 15; i++) {
			ssize_t n = recv_frame(c, got, sizeof(got), 5000);

			if (n < 0) {
				record(c, 0, "round %u: frame #%u never sent", round, seq0 + i);
				break;
			}
			if (frame_seq(got, n) != seq0 + i) {
				record(c, 0,
				       "round %u: frame #%u where #%u was expected (lost, duplicated or reordered)",
				       round, frame_seq(got, n), seq0 + i);
				break;
			}
		}
		expect_quiet(c, 200, "after all 15 frames of a round");
		CHECK(c, r32(c, E1K_TDH) == end, "TDH = %u, expected %u", r32(c, E1K_TDH), end);
		check_alive(c, "enable toggled during TX");
	}
}

/* 7. Kicks: while inactive, with unknown bits, TDT/RDT "any value". */
static void test_bad_kick(struct t *c)
{
	uint32_t st;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	rings_setup(c, 8, 8, 4);
	tx_fill(c, 0, 1);
	tx_fill(c, 1, 2);
	csb_reg_w(c, CSB_REG_KICK, 0xffffffffu);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_RX);
	expect_quiet(c, 200, "KICK while inactive");
	CHECK(c, r32(c, E1K_TDH) == 0, "KICK while inactive moved TDH");
	CHECK(c, csb_reg_r(c, CSB_REG_STATUS) == 0, "KICK while inactive changed STATUS");
	CHECK(c, csb_reg_r(c, CSB_REG_KICK) == 0, "KICK reads non-zero");

	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	csb_reg_w(c, CSB_REG_KICK, 0xfffffffcu);	/* unknown bits only */
	expect_quiet(c, 200, "KICK with unknown bits, nothing published");
	csbf_w(c, CSB_TX_TAIL, 2);
	c->tx_tail = 2;
	w32(c, E1K_TDT, 0xffff);	/* "any value" */
	expect_tx(c, 1, 2, 5000);
	w32(c, E1K_RDT, 0xffff);
	w32(c, E1K_TDT, 0xdead);
	settle(c, 50);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE,
	      "TDT/RDT written with out-of-range values as kicks: STATUS 0x%x", st);
	inject(c, 5, 100);
	CHECK(c, wait_rx(c, 0, 5000), "RX after odd kicks");
	check_alive(c, "odd kicks");
}

/* 7. Ring registers changed under an active CSB. */
static void test_bad_ringregs(struct t *c)
{
	uint32_t st;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	c->tx_seq = 1;
	csb_tx_batch(c, 12);
	/* shrink the TX ring below the tail */
	w32(c, E1K_TDLEN, 8 * DESC_SIZE);
	c->tx_n = 8;
	plant_bait(c);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	CHECK(c, wait32(c, c->bar0 + c->regs + CSB_REG_STATUS, ~0u,
			CSB_ERR_RING << CSB_STATUS_ERR_SHIFT, 5000, &st),
	      "TDLEN shrunk to 8 descriptors under tx_tail 12: STATUS 0x%x, expected inactive with RING",
	      st);
	expect_quiet(c, 200, "TDLEN shrunk under the tail");
	check_bait(c, "TDLEN shrunk under the tail");
	check_alive(c, "TDLEN shrunk under the tail");
	/* empty rings */
	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	w32(c, E1K_TDLEN, 0);
	w32(c, E1K_RDLEN, 0);
	csbf_w(c, CSB_TX_TAIL, 1);
	csbf_w(c, CSB_RX_TAIL, 1);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX | CSB_KICK_RX);
	inject(c, 1, 100);
	w32(c, E1K_TDT, 0);
	w32(c, E1K_RDT, 0);
	settle(c, 100);
	check_alive(c, "TDLEN = RDLEN = 0 while active");
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, !st_active(st) && st_err(st) == CSB_ERR_RING,
	      "TDLEN = RDLEN = 0 (N = 0), tails 1, kicked: STATUS 0x%x (%s), expected inactive with RING (a tail >= N)",
	      st, err_name(st_err(st)));
	if (st_active(csb_reg_r(c, CSB_REG_STATUS)))
		csb_off(c);
	/* ring base on MMIO (heads >= N: bad_heads) */
	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	w32(c, E1K_TDBAL, BAR0_ADDR);
	w32(c, E1K_RDBAL, BAR0_ADDR + 0x1000);
	csbf_w(c, CSB_TX_TAIL, 5);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX | CSB_KICK_RX);
	inject(c, 3, 100);
	settle(c, 100);
	check_alive(c, "rings on MMIO while active");
	/* the CSB moved under the device: nothing to do but survive */
	csb_reg_w(c, CSB_REG_CTRL, 0);
	check_alive(c, "disable after all that");
}

/* 8. TDH/RDH >= N while the ring's tail comes from the CSB. A write of
 * such a value is ignored and disables the CSB with RING (as a tail >= N
 * does); a head that is >= N because TDLEN/RDLEN shrank under it is
 * caught (RING) before a descriptor outside the ring is touched, also
 * when a TCTL write or an arriving frame is what would use it. A write
 * below N is taken as in plain mode: processing goes on from there,
 * inside the ring.
 */
static void test_bad_heads(struct t *c)
{
	static const uint32_t bad[] = { 16, 40, 0xffff, 0x10028, 0xffffffffu };
	unsigned int i;
	uint32_t v;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	c->tx_seq = 1;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* TDH written with a value >= 16 */
		rings_setup(c, 16, 16, 8);
		plant_bait(c);
		csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
		if (!csb_tx_batch(c, 2))
			bail(c);
		w32(c, E1K_TDH, bad[i]);
		CHECK(c, r32(c, E1K_TDH) == 2,
		      "TDH = 0x%x written while active (N = 16): TDH reads %u, expected the write ignored (2)",
		      bad[i], r32(c, E1K_TDH));
		expect_dropped(c, CSB_ERR_RING, "TDH >= N written while active");
		CHECK(c, r32(c, E1K_TDT) == 2, "TDT = %u, expected the last valid tail 2",
		      r32(c, E1K_TDT));
		for (unsigned int j = 2; j < 5; j++)
			tx_fill(c, j, 0xbad20000u + j);
		csbf_w(c, CSB_TX_TAIL, 5);
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);	/* inactive: nothing */
		expect_quiet(c, 100, "TDH >= N written, then a tail and a kick");
		check_bait(c, "TDH >= N written");
		/* plain mode goes on from TDH = 2 */
		tx_fill(c, 2, c->tx_seq);
		w32(c, E1K_TDT, 3);
		expect_tx(c, c->tx_seq++, 1, 5000);

		/* RDH written with a value >= 16 */
		rings_setup(c, 16, 16, 8);
		plant_bait(c);
		csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
		w32(c, E1K_RDH, bad[i]);
		CHECK(c, r32(c, E1K_RDH) == 0,
		      "RDH = 0x%x written while active (N = 16): RDH reads %u, expected the write ignored (0)",
		      bad[i], r32(c, E1K_RDH));
		expect_dropped(c, CSB_ERR_RING, "RDH >= N written while active");
		inject(c, 200 + i, 100);	/* plain mode: RDH 0, RDT 8 */
		if (wait_rx(c, 0, 5000))
			check_rx(c, 0, 200 + i, 100);
		else
			record(c, __LINE__, "plain RX after RDH >= N: no frame in descriptor 0");
		settle(c, 20);
		check_bait(c, "RDH >= N written");
		check_alive(c, "heads >= N written");
		udp_drain(&c->udp);
	}

	/* a head below N written while active: taken, TX goes on from it */
	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	if (!csb_tx_batch(c, 3))
		bail(c);
	w32(c, E1K_TDH, 10);
	CHECK(c, r32(c, E1K_TDH) == 10, "TDH = 10 (N = 16) written while active: reads %u",
	      r32(c, E1K_TDH));
	CHECK(c, st_active(csb_reg_r(c, CSB_REG_STATUS)), "TDH = 10 (< N) disabled the CSB");
	for (i = 0; i < 11; i++)
		tx_fill(c, (10 + i) % 16, c->tx_seq + i);
	csb_tx_publish(c, 5);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	expect_tx(c, c->tx_seq, 11, 5000);	/* descriptors 10..15, 0..4 */
	c->tx_seq += 11;
	CHECK(c, wait_csbf(c, CSB_TX_HEAD, ~0u, 5, 5000, &v), "tx_head = %u, expected 5", v);
	csb_off(c);

	/* TDH = 12, TDT = 3, then TDLEN shrunk under TDH (12 >= 8): a kick,
	 * or a TCTL write (which in plain mode runs the TX engine at once)
	 */
	for (i = 0; i < 2; i++) {
		rings_setup(c, 16, 16, 8);
		csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
		if (!csb_tx_batch(c, 3))
			bail(c);
		w32(c, E1K_TDH, 12);
		w32(c, E1K_TDLEN, 8 * DESC_SIZE);
		c->tx_n = 8;
		plant_bait(c);			/* descriptors 8..23, TDH's 12 among them */
		for (unsigned int j = 0; j < 3; j++)
			tx_fill(c, j, 0xbad30000u + j);
		if (!i)
			csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
		else
			w32(c, E1K_TCTL, r32(c, E1K_TCTL));
		expect_dropped(c, CSB_ERR_RING, i ? "TDLEN shrunk under TDH, TCTL written" :
				  "TDLEN shrunk under TDH, kicked");
		expect_quiet(c, 100, "TDLEN shrunk under TDH");
		check_bait(c, "TDLEN shrunk under TDH");
		CHECK(c, r32(c, E1K_TDH) == 12, "TDH moved to %u (N = 8, TDH was 12)",
		      r32(c, E1K_TDH));
		udp_drain(&c->udp);
	}

	/* RDLEN shrunk under RDH (12 >= 8), then a frame */
	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	csb_rx_publish(c, 13);
	for (i = 0; i < 12; i++)
		inject(c, 300 + i, 100);
	REQUIRE(c, wait_csbf(c, CSB_RX_HEAD, ~0u, 12, 5000, &v), "rx_head = %u, expected 12", v);
	w32(c, E1K_RDLEN, 8 * DESC_SIZE);
	c->rx_n = 8;
	csbf_w(c, CSB_RX_TAIL, 3);
	plant_bait(c);				/* descriptors 8..23, RDH's 12 among them */
	inject(c, 400, 100);
	expect_dropped(c, CSB_ERR_RING, "RDLEN shrunk under RDH, a frame arrives");
	settle(c, 20);
	check_bait(c, "RDLEN shrunk under RDH");
	CHECK(c, r32(c, E1K_RDH) == 12, "RDH moved to %u (N = 8, RDH was 12)", r32(c, E1K_RDH));
	check_alive(c, "heads >= N after the ring shrank");
}

/* i440FX PAM: 0xE0000-0xE3FFF is the low nibble of config byte 0x5e;
 * 0 = not RAM (PCI/ROM), 1 = reads RAM, 3 = RAM read/write.
 */
#define PAM_E0000	0x5e
#define CSB_PAM		UINT64_C(0xe0000)

static void pam_e0000(struct t *c, uint8_t mode)
{
	cfg_w8(c, 0, PAM_E0000, mode);
}

/* 3/8. ADDR for memory that is not writable RAM, and RAM that goes away
 * under an active CSB (spec 8: "CSB memory unmapped ... disabled with
 * ADDR"), using the chipset's PAM registers.
 */
static void test_csb_unmapped(struct t *c)
{
	uint32_t st;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	rings_setup(c, 8, 8, 4);
	pam_e0000(c, 0);
	st = csb_enable_raw(c, CSB_PAM, CSB_F_TX | CSB_F_RX, CSB_ENABLE_V1);
	CHECK(c, !st_active(st) && st_err(st) == CSB_ERR_ADDR,
	      "CSB at 0xe0000 with PAM off (BIOS ROM / PCI): STATUS 0x%x, expected ADDR", st);
	/* PAM read-only: QEMU's DMA writes go through read-only aliases to the
	 * RAM behind them (for any device), so either answer is defensible
	 */
	pam_e0000(c, 1);
	st = csb_enable_raw(c, CSB_PAM, CSB_F_TX | CSB_F_RX, CSB_ENABLE_V1);
	note(c, "CSB at 0xe0000 with PAM read-only: STATUS 0x%x", st);
	if (st_active(st))
		csb_off(c);
	pam_e0000(c, 3);
	csb_prepare(c, CSB_PAM, 0, 0);
	st = csb_enable_raw(c, CSB_PAM, CSB_F_TX | CSB_F_RX, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE,
		"CSB at 0xe0000 with PAM read/write (RAM): STATUS 0x%x, expected ACTIVE", st);
	c->tx_seq = 1;
	csb_tx_batch(c, 2);
	/* the RAM goes away */
	pam_e0000(c, 0);
	st = csb_reg_r(c, CSB_REG_STATUS);
	if (st_active(st)) {
		/* maybe only noticed on the next use */
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX | CSB_KICK_RX);
		inject(c, 1, 100);
		settle(c, 100);
		st = csb_reg_r(c, CSB_REG_STATUS);
	}
	CHECK(c, !st_active(st) && st_err(st) == CSB_ERR_ADDR,
	      "the CSB's RAM unmapped (PAM off): STATUS 0x%x, expected inactive with ADDR", st);
	CHECK(c, r32(c, E1K_TDT) == 2, "TDT = %u, expected the last tail 2", r32(c, E1K_TDT));
	if (!st_active(st))
		check_enable_cleared(c, "the CSB's memory unmapped");
	check_alive(c, "the CSB's memory unmapped");
	/* and back: a fresh enable works, plain mode in between */
	pam_e0000(c, 3);
	if (st_active(csb_reg_r(c, CSB_REG_STATUS)))
		csb_off(c);
	tx_fill(c, 2, 3);
	w32(c, E1K_TDT, 3);
	expect_tx(c, 3, 1, 5000);
	c->tx_seq = 4;
	csb_prepare(c, CSB_PAM, 0, 0);
	st = csb_enable_raw(c, CSB_PAM, CSB_F_TX, CSB_ENABLE_V1);
	CHECK(c, st == CSB_STATUS_ACTIVE, "re-enable at 0xe0000: STATUS 0x%x", st);
	if (st_active(st))
		csb_tx_batch(c, 1);
	check_alive(c, "PAM games");
}

/* ACPI PCI hotplug of the PIIX4 PM (-M pc): the guest acknowledges an
 * unplug request by writing the slot's bit to the eject register.
 */
#define ACPI_PCIHP_EJ	(0xae00 + 0x0008)

static bool nic_present(struct t *c, int dev)
{
	uint32_t id = cfg_r32(c, dev, PCI_VENDOR_ID);

	return (id & 0xffff) == INTEL_VENDOR && is_e1000_id((uint16_t)(id >> 16));
}

/* Unplug the NIC (device_del + the guest's eject), with the CSB active. */
static void unplug_nic(struct t *c, const char *id)
{
	uint64_t end = now_ms() + 10000;

	qts_qmp_ok(c->q, "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"%s\"}}",
		   id);
	qts_outl(c->q, ACPI_PCIHP_EJ, 1u << c->dev);
	while (nic_present(c, c->dev) && now_ms() < end)
		sleep_ms(5);
	REQUIRE(c, !nic_present(c, c->dev), "the NIC did not go away after device_del and eject");
}

/* 8. The NIC hot-unplugged with the CSB active and its TX worker busy;
 * a new one plugged in takes over the netdev and works.
 */
static void test_hotunplug(struct t *c)
{
	static const unsigned int polls[] = { 0, 100000 };
	char dev[256];

	qemu_up(c, NULL);
	need_csb(c, CSB_F_ALL);
	for (unsigned int round = 0; round < 2; round++) {
		const char *id = "nic0";	/* round 0 ends with a nic0 again */

		rings_setup(c, 16, 8, 4);
		csb_on(c, CSB_F_ALL, 0, 0);
		c->tx_seq = 1;
		csb_tx_batch(c, 2);
		/* 13 frames published, kicked, and the NIC pulled right away */
		for (unsigned int i = 0; i < 13; i++)
			tx_fill(c, (2 + i) % 16, 100 + i);
		csbf_w(c, CSB_TX_TAIL, 15);
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
		csbf_w(c, CSB_RX_TAIL, 7);
		inject(c, 1, 100);
		unplug_nic(c, id);
		check_alive(c, "unplugging the NIC with the CSB active");
		udp_drain(&c->udp);
		/* a new one on the same netdev */
		snprintf(dev, sizeof(dev),
			 "\"driver\": \"%s\", \"id\": \"nic1\", \"netdev\": \"n0\", \"romfile\": \"\", \"mac\": \"%s\", \"csb\": true, \"csb-poll-us\": %u, \"addr\": \"0x%x\"",
			 opt.model, NIC_MAC, polls[round], c->dev);
		qts_qmp_ok(c->q, "{\"execute\": \"device_add\", \"arguments\": {%s}}", dev);
		REQUIRE(c, nic_present(c, c->dev), "device_add: no NIC at 00:%02x.0", c->dev);
		pci_setup(c);
		cap_find(c);
		REQUIRE(c, c->has_cap, "the new NIC has no capability");
		rings_setup(c, 16, 8, 4);
		csb_on(c, CSB_F_ALL, 0, 0);
		c->tx_seq = 200;
		csb_tx_batch(c, 3);
		inject(c, 2, 100);
		CHECK(c, wait_rx(c, 0, 5000), "RX on the new NIC");
		check_alive(c, "the new NIC");
		if (!round) {
			/* and the new one goes too, with its worker asleep or polling */
			unplug_nic(c, "nic1");
			check_alive(c, "unplugging the second NIC");
			snprintf(dev, sizeof(dev),
				 "\"driver\": \"%s\", \"id\": \"nic0\", \"netdev\": \"n0\", \"romfile\": \"\", \"mac\": \"%s\", \"addr\": \"0x%x\"",
				 opt.model, NIC_MAC, c->dev);
			qts_qmp_ok(c->q, "{\"execute\": \"device_add\", \"arguments\": {%s}}",
				   dev);
			REQUIRE(c, nic_present(c, c->dev), "device_add: no NIC at 00:%02x.0",
				c->dev);
			pci_setup(c);
			cap_find(c);
		}
	}
}

/* 8. Migration with the CSB active. */
static void migrate_to_file(struct t *c, const char *path)
{
	char status[64] = "";
	uint64_t end = now_ms() + 60000;

	qts_qmp_ok(c->q, "{\"execute\": \"stop\"}");
	qts_qmp_ok(c->q, "{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"file:%s\"}}", path);
	while (now_ms() < end) {
		char *r = qts_qmp(c->q, "{\"execute\": \"query-migrate\"}");

		json_get_str(r, "status", status, sizeof(status));
		if (!strcmp(status, "failed")) {
			record(c, 0, "migration to %s failed: %s", path, r);
			free(r);
			bail(c);
		}
		free(r);
		if (!strcmp(status, "completed"))
			return;
		sleep_ms(20);
	}
	REQUIRE(c, false, "migration to %s not completed within 60 s (status '%s')", path, status);
}

static void incoming_from_file(struct t *c, const char *extra_props, const char *path)
{
	static const char *const inc[] = { "-incoming", "defer", NULL };
	char status[64] = "";
	uint64_t end = now_ms() + 60000;

	c->udp.qemu_port = udp_free_port();
	qemu_start(c, extra_props, inc);
	qts_qmp_ok(c->q,
		   "{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"file:%s\"}}",
		   path);
	while (now_ms() < end) {
		char *r = qts_qmp(c->q, "{\"execute\": \"query-status\"}");

		json_get_str(r, "status", status, sizeof(status));
		free(r);
		if (!strcmp(status, "running"))
			break;
		if (!strcmp(status, "paused") || !strcmp(status, "postmigrate")) {
			qts_qmp_ok(c->q, "{\"execute\": \"cont\"}");
			continue;
		}
		if (strcmp(status, "inmigrate") && strcmp(status, "prelaunch"))
			REQUIRE(c, false, "incoming migration: VM status '%s'", status);
		sleep_ms(20);
	}
	REQUIRE(c, !strcmp(status, "running"), "incoming migration: VM status '%s' after 60 s",
		status);
	qts_irq_intercept_in(c->q, "ioapic");
	REQUIRE(c, cfg_r32(c, c->dev, PCI_BAR0) == BAR0_ADDR, "BAR0 not migrated");
	c->bar0 = BAR0_ADDR;
	cap_find(c);
}

static void test_migration(struct t *c)
{
	char path[PATH_MAX];
	uint32_t st, v;
	unsigned int tx_tail, rx_tail = 6;
	bool sent_before;

	if (snprintf(path, sizeof(path), "%s/%s.migration", opt.logdir, c->name) >=
	    (int)sizeof(path))
		qts_fatal("log directory path too long");
	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	rings_setup(c, 16, 8, 4);
	w32(c, E1K_IMS, E1K_ICR_TXDW | E1K_ICR_RXT0);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	c->tx_seq = 1;
	csb_tx_batch(c, 3);
	inject(c, 1, 100);
	REQUIRE(c, wait_rx(c, 0, 5000), "RX before migration");
	csb_rx_publish(c, 6);
	/* published but not kicked: must survive the move */
	tx_fill(c, 3, c->tx_seq);
	csbf_w(c, CSB_TX_TAIL, 4);
	tx_tail = c->tx_tail;
	CHECK(c, rx_tail == 6, "bookkeeping");
	note(c, "before stop: TDH %u, tx_head %u, tx_kick 0x%x", r32(c, E1K_TDH),
	     csbf(c, CSB_TX_HEAD), csbf(c, CSB_TX_KICK));
	migrate_to_file(c, path);
	note(c, "source after migration: TDH %u, tx_head %u, tx_kick 0x%x, desc 3 status 0x%x",
	     r32(c, E1K_TDH), csbf(c, CSB_TX_HEAD), csbf(c, CSB_TX_KICK), tx_status(c, 3));
	/* the source may have sent it while stopping (finishing its batch) */
	{
		uint8_t got[65536];
		ssize_t n = recv_frame(c, got, sizeof(got), 300);

		sent_before = n > 0 && frame_seq(got, n) == c->tx_seq;
		CHECK(c, n < 0 || sent_before, "unexpected frame #%u from the source",
		      frame_seq(got, n));
	}
	qemu_stop(c);

	incoming_from_file(c, NULL, path);
	REQUIRE(c, c->has_cap, "capability missing on the destination");
	st = csb_reg_r(c, CSB_REG_STATUS);
	REQUIRE(c, st_active(st), "CSB not active after migration: STATUS 0x%x", st);
	v = csb_reg_r(c, CSB_REG_ADDR_LO);
	CHECK(c, v == (uint32_t)CSB_A, "ADDR_LO = 0x%x after migration", v);
	v = csb_reg_r(c, CSB_REG_FEATURES);
	CHECK(c, v == (CSB_F_TX | CSB_F_RX), "FEATURES = 0x%x after migration", v);
	if (sent_before) {
		note(c, "the frame published before the migration left from the source");
		CHECK(c, r32(c, E1K_TDH) == 4 && csbf(c, CSB_TX_HEAD) == 4,
		      "the source sent descriptor 3, but on the destination TDH = %u, tx_head = %u",
		      r32(c, E1K_TDH), csbf(c, CSB_TX_HEAD));
		expect_quiet(c, 300, "a frame the source had sent, sent again");
	} else {
		/* tx_tail = 4 was published before the migration; look at tx_kick
		 * (the destination may already have resumed and sent it)
		 */
		v = csbf(c, CSB_TX_KICK);
		if ((v & CSB_NOTIFY) &&
		    csb_need_notify(request_index(c, "tx_kick", v, 16), tx_tail, 4, 16))
			csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
		expect_tx(c, c->tx_seq, 1, 5000);
		expect_quiet(c, 200, "the frame published before the migration, twice");
	}
	c->tx_tail = 4;
	c->tx_seq++;
	CHECK(c, wait_csbf(c, CSB_TX_HEAD, ~0u, 4, 5000, &v),
	      "tx_head = %u after migration, expected 4", v);
	csb_tx_batch(c, 3);
	inject(c, 2, 100);
	CHECK(c, wait_rx(c, 1, 5000), "RX via the CSB after migration");
	check_rx(c, 1, 2, 100);
	check_alive(c, "migration");

	/* and with the CSB disabled, the destination is plain */
	csb_off(c);
	migrate_to_file(c, path);
	qemu_stop(c);
	incoming_from_file(c, NULL, path);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, !st_active(st), "CSB active after migrating a disabled one: 0x%x", st);
	tx_fill(c, c->tx_tail, c->tx_seq);
	w32(c, E1K_TDT, (c->tx_tail + 1) % 16);
	expect_tx(c, c->tx_seq, 1, 5000);
	check_alive(c, "migration of a disabled CSB");
	unlink(path);
}

/* Incoming migration that may fail: true if it completed. */
static bool incoming_try(struct t *c, const char *extra_props, const char *path, char *err,
			 size_t errlen)
{
	static const char *const inc[] = { "-incoming", "defer", NULL };
	char status[64] = "";
	uint64_t end = now_ms() + 60000;

	c->udp.qemu_port = udp_free_port();
	qemu_start(c, extra_props, inc);
	qts_qmp_ok(c->q,
		   "{\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"file:%s\", \"exit-on-error\": false}}",
		   path);
	err[0] = 0;
	while (now_ms() < end) {
		char *r = qts_qmp(c->q, "{\"execute\": \"query-migrate\"}");

		json_get_str(r, "status", status, sizeof(status));
		if (!strcmp(status, "failed")) {
			if (!json_get_str(r, "error-desc", err, errlen))
				snprintf(err, errlen, "%.200s", r);
			free(r);
			return false;
		}
		free(r);
		if (!strcmp(status, "completed"))
			return true;
		sleep_ms(20);
	}
	snprintf(err, errlen, "not completed within 60 s (status '%s')", status);
	return false;
}

/* How many times needle occurs in the file. */
static unsigned int file_count(const char *path, const char *needle)
{
	size_t n = strlen(needle), len = 0, cap = 0;
	char *data = NULL;
	unsigned int count = 0;
	FILE *f = fopen(path, "rb");

	if (!f)
		return 0;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 1 << 20;
			data = realloc(data, cap);
			if (!data)
				qts_fatal("out of memory");
		}
		size_t r = fread(data + len, 1, cap - len, f);

		if (!r)
			break;
		len += r;
	}
	fclose(f);
	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(data + i, needle, n))
			count++;
	free(data);
	return count;
}

/* The destination after an incoming migration that completed: running,
 * then a plain frame through TDT.
 */
static void dest_plain_tx(struct t *c)
{
	char status[64] = "";
	char *r = qts_qmp(c->q, "{\"execute\": \"query-status\"}");

	json_get_str(r, "status", status, sizeof(status));
	free(r);
	if (strcmp(status, "running"))
		qts_qmp_ok(c->q, "{\"execute\": \"cont\"}");
	qts_irq_intercept_in(c->q, "ioapic");
	tx_fill(c, c->tx_tail, c->tx_seq);
	c->tx_tail = (c->tx_tail + 1) % c->tx_n;
	w32(c, E1K_TDT, c->tx_tail);
	expect_tx(c, c->tx_seq++, 1, 5000);
}

/* 10. Compatibility of migration streams: the capability is part of the
 * PCI configuration space, so a device offering it migrates only to one
 * offering it too, active or not; an inactive CSB adds nothing to the
 * stream; csb=off is the unmodified e1000 both ways.
 */
static void test_migration_compat(struct t *c)
{
	char path[PATH_MAX], err[512], why[512];
	unsigned int n;
	bool ok;

	if (snprintf(path, sizeof(path), "%s/%s.migration", opt.logdir, c->name) >=
	    (int)sizeof(path))
		qts_fatal("log directory path too long");
	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX);
	rings_setup(c, 8, 8, 4);
	c->tx_seq = 1;
	tx_fill(c, 0, c->tx_seq);
	c->tx_tail = 1;
	w32(c, E1K_TDT, 1);
	expect_tx(c, c->tx_seq++, 1, 5000);

	/* 1. the CSB never enabled: a capable destination takes it */
	migrate_to_file(c, path);
	qemu_stop(c);
	n = file_count(path, "csb");
	CHECK(c, n == 0,
	      "CSB never enabled, yet the stream holds 'csb' %u times (spec 10: nothing is added while inactive)",
	      n);
	ok = incoming_try(c, NULL, path, err, sizeof(err));
	CHECK(c, ok, "CSB never enabled: a destination with the CSB refused the stream: %s: %s",
	      err, qemu_error_line(c->log_path, why, sizeof(why)));
	if (ok) {
		cap_find(c);
		CHECK(c, c->has_cap && csb_reg_r(c, CSB_REG_STATUS) == 0,
		      "destination: capability %d, STATUS 0x%x", c->has_cap,
		      c->has_cap ? csb_reg_r(c, CSB_REG_STATUS) : 0);
		dest_plain_tx(c);
	}
	qemu_stop(c);

	/* 2. the same stream to a destination without the capability: refused */
	ok = incoming_try(c, "csb=off", path, err, sizeof(err));
	CHECK(c, !ok,
	      "a stream from a device with the capability loaded into one without (csb=off) (spec 10: it migrates only to one that offers it too)");
	note(c, "csb=on -> csb=off refused: %s: %s", err,
	     qemu_error_line(c->log_path, why, sizeof(why)));
	qemu_stop(c);

	/* 3. csb=off is the plain e1000, both ways */
	c->udp.qemu_port = udp_free_port();
	qemu_up(c, "csb=off");
	CHECK(c, !c->has_cap, "csb=off, yet the capability is there");
	rings_setup(c, 8, 8, 4);
	c->tx_tail = 0;
	migrate_to_file(c, path);
	qemu_stop(c);
	ok = incoming_try(c, "csb=off", path, err, sizeof(err));
	CHECK(c, ok, "csb=off to csb=off refused: %s: %s", err,
	      qemu_error_line(c->log_path, why, sizeof(why)));
	if (ok)
		dest_plain_tx(c);
	qemu_stop(c);
	ok = incoming_try(c, NULL, path, err, sizeof(err));
	CHECK(c, !ok, "a stream from csb=off loaded into a device with the capability");
	qemu_stop(c);

	/* 4. active: a destination without the CSB refuses */
	c->udp.qemu_port = udp_free_port();
	qemu_up(c, NULL);
	rings_setup(c, 8, 8, 4);
	csb_on(c, CSB_F_TX, 0, 0);
	migrate_to_file(c, path);
	qemu_stop(c);
	n = file_count(path, "csb");
	note(c, "stream with the CSB active holds 'csb' %u times", n);
	ok = incoming_try(c, "csb=off", path, err, sizeof(err));
	CHECK(c, !ok,
	      "CSB active: a destination with csb=off accepted the stream (spec 10: it must refuse)");
	REQUIRE(c, qts_alive(c->q), "destination died after refusing the stream");
	{
		char *r = qts_qmp(c->q, "{\"execute\": \"query-status\"}");

		CHECK(c, !strncmp(r, "{\"return\"", 9), "query-status after a refused stream: %s",
		      r);
		free(r);
	}
	unlink(path);
}

/* ---- the CSB behind an IOMMU (spec 2: the address is an IOVA) ---- */

/* Fill a 4 KiB page with a byte; does it still hold only that byte? */
static void page_fill(struct t *c, uint64_t gpa, uint8_t v)
{
	qts_memset(c->q, gpa, v, VTD_PAGE);
}

static bool page_intact(struct t *c, uint64_t gpa, uint8_t v, size_t *where)
{
	uint8_t buf[VTD_PAGE];

	qts_memread(c->q, gpa, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != v) {
			*where = i;
			return false;
		}
	return true;
}

/* 2, 3, 5, 6, 7. Everything the device reads and writes goes through VT-d:
 * rings and buffers at IOVAs 2 GiB above their guest-physical address,
 * the CSB at an IOVA beyond RAM (untranslated, it would be refused with
 * ADDR), then at an IOVA that is also a RAM address (which must stay
 * untouched: the device uses the page the IOVA maps to).
 */
static void test_iommu_dma(struct t *c)
{
	uint32_t st, v, k;
	size_t where;

	iommu_up(c, NULL, true);
	vtd_map(c, CSB_IOVA, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	rings_setup(c, 16, 16, 8);
	w32(c, E1K_IMS, E1K_ICR_TX_CAUSES | E1K_ICR_RX_CAUSES);
	csb_prepare(c, CSB_A, 0, 0);
	csbf_w(c, CSB_STATUS_MIRROR, 0xdeadbeef);
	st = csb_enable_raw(c, CSB_IOVA, CSB_F_ALL, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "enable at IOVA 0x%" PRIx64 " (mapped to 0x%"
		PRIx64 "): STATUS 0x%x (error %s)", CSB_IOVA, CSB_A, st, err_name(st_err(st)));
	v = csbf(c, CSB_STATUS_MIRROR);
	CHECK(c, v == r32(c, E1K_STATUS), "status mirror at guest-physical 0x%" PRIx64
	      " is 0x%x, STATUS 0x%x: the device did not write the page the IOVA maps to",
	      CSB_A, v, r32(c, E1K_STATUS));

	/* TX: tails read, heads written through the translation */
	c->tx_seq = 1;
	for (unsigned int i = 0; i < 6; i++)
		if (!csb_tx_batch(c, 1 + i % 4))
			bail(c);
	/* a requested TX interrupt: tx_irq read through the translation */
	csbf_w(c, CSB_TX_IRQ, CSB_NOTIFY | c->tx_tail);
	csb_tx_batch(c, 2);
	CHECK(c, wait_irq(c, true, 3000), "no TX interrupt: tx_irq = NOTIFY|head behind VT-d");
	(void)r32(c, E1K_ICR);
	csbf_w(c, CSB_TX_IRQ, 0);
	csb_tx_batch(c, 1);
	settle(c, 50);
	CHECK(c, !qts_irq(c->q, c->irq), "TX interrupt with tx_irq = 0 behind VT-d");

	/* RX: buffers handed over in rx_tail, frames DMAed into them */
	csbf_w(c, CSB_RX_IRQ, CSB_NOTIFY | 0);
	for (unsigned int i = 0; i < 4; i++)
		inject(c, 100 + i, frame_len(100 + i));
	for (unsigned int i = 0; i < 4; i++)
		if (wait_rx(c, i, 5000))
			check_rx(c, i, 100 + i, frame_len(100 + i));
		else
			record(c, __LINE__, "RX descriptor %u: no frame behind VT-d", i);
	CHECK(c, wait_csbf(c, CSB_RX_HEAD, ~0u, 4, 5000, &v), "rx_head = %u, expected 4", v);
	CHECK(c, wait_irq(c, true, 3000), "no RX interrupt: rx_irq = NOTIFY|0 behind VT-d");
	(void)r32(c, E1K_ICR);
	/* 4 more fill the buffers up to rx_tail 8; the 5th starves:
	 * rx_kick written through the translation, then a kick
	 */
	for (unsigned int i = 4; i < 9; i++)
		inject(c, 100 + i, frame_len(100 + i));
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, CSB_NOTIFY | 8, 5000, &k),
	      "starved: rx_kick = 0x%x, expected NOTIFY|8", k);
	CHECK(c, csb_rx_publish(c, 15), "rx_kick asked for index 8: publishing 8..14 needs a kick");
	for (unsigned int i = 4; i < 9; i++)
		if (wait_rx(c, i, 5000))
			check_rx(c, i, 100 + i, frame_len(100 + i));
		else
			record(c, __LINE__, "no frame in RX descriptor %u behind VT-d", i);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE, "STATUS 0x%x after TX and RX behind VT-d", st);
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	csb_off(c);
	CHECK(c, r32(c, E1K_TDT) == c->tx_tail, "TDT = %u after disable, expected tx_tail %u",
	      r32(c, E1K_TDT), c->tx_tail);

	/* an IOVA that is also a RAM address: the device uses CSB_B, which
	 * the IOVA maps to, never the page at the IOVA's own address
	 */
	page_fill(c, CSB_DECOY, 0x5a);
	vtd_map(c, CSB_DECOY, CSB_B, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	csb_prepare(c, CSB_B, 0, 0);
	st = csb_enable_raw(c, CSB_DECOY, CSB_F_ALL, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "enable at IOVA 0x%" PRIx64 " (mapped to 0x%"
		PRIx64 "): STATUS 0x%x", CSB_DECOY, CSB_B, st);
	if (!csb_tx_batch(c, 3))
		bail(c);
	csb_rx_publish(c, (c->rx_tail + 4) % c->rx_n);
	csb_off(c);
	CHECK(c, page_intact(c, CSB_DECOY, 0x5a, &where), "the page at guest-physical 0x%"
	      PRIx64 " (also the CSB's IOVA) was written at offset 0x%zx", CSB_DECOY, where);
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	check_alive(c, "the CSB behind VT-d");
}

/* 2, 8. Refusals with ADDR for IOVAs the device cannot read and write, a
 * fault recorded with our requester id; the mapping removed (and the
 * IOTLB invalidated) under an active CSB: ADDR, never touched again;
 * the mapping moved to another page: the device follows it.
 */
static void test_iommu_faults(struct t *c)
{
	static const struct {
		uint64_t iova, gpa, perm;
		const char *what;
		bool fault;
	} bad[] = {
		{ CSB_IOVA + 0x10000, 0, 0, "not mapped", true },
		/* the read succeeds and fills VT-d's IOTLB, whose entry then
		 * denies the write: QEMU's VT-d records no fault for that
		 */
		{ CSB_IOVA + 0x20000, CSB_B, VTD_PTE_R, "mapped read-only", false },
		{ CSB_IOVA + 0x30000, CSB_B, VTD_PTE_W, "mapped write-only", true },
		{ UINT64_C(0x8000000000), 0, 0, "beyond the 39-bit address width", true },
		{ UINT64_C(0xfee00000), 0, 0, "in the interrupt window", false },
	};
	uint32_t st, v, k;
	size_t where;

	iommu_up(c, NULL, true);
	rings_setup(c, 16, 16, 8);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bad[i].perm)
			vtd_map(c, bad[i].iova, bad[i].gpa, VTD_PAGE, bad[i].perm);
		vtd_flush(c);
		page_fill(c, CSB_B, 0x5a);
		st = csb_enable_raw(c, bad[i].iova, CSB_F_ALL, CSB_ENABLE_V1);
		CHECK(c, !st_active(st) && st_err(st) == CSB_ERR_ADDR,
		      "CSB at IOVA 0x%" PRIx64 " (%s): STATUS 0x%x (%s), expected ADDR",
		      bad[i].iova, bad[i].what, st, err_name(st_err(st)));
		check_enable_cleared(c, bad[i].what);
		CHECK(c, page_intact(c, CSB_B, 0x5a, &where),
		      "refused CSB (%s): the page behind the IOVA was written at offset 0x%zx",
		      bad[i].what, where);
		if (bad[i].fault)
			CHECK(c, vtd_fault_seen(c, bad[i].iova), "CSB at IOVA 0x%" PRIx64
			      " (%s): no VT-d fault recorded for 00:%02x.0 at that page",
			      bad[i].iova, bad[i].what, c->dev);
		else
			(void)vtd_fault_seen(c, bad[i].iova);
	}

	/* active, then the IOVA unmapped and the IOTLB invalidated */
	vtd_map(c, CSB_IOVA, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	csb_prepare(c, CSB_A, 0, 0);
	st = csb_enable_raw(c, CSB_IOVA, CSB_F_ALL, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "enable at a mapped IOVA: STATUS 0x%x", st);
	c->tx_seq = 1;
	if (!csb_tx_batch(c, 2))
		bail(c);
	vtd_map(c, CSB_IOVA, 0, VTD_PAGE, 0);
	vtd_flush(c);
	/* the guest keeps its side of the page; the device must not write it */
	csbf_w(c, CSB_TX_HEAD, 0xa5a5a5a5u);
	csbf_w(c, CSB_RX_HEAD, 0xa5a5a5a5u);
	csbf_w(c, CSB_ICR, 0xa5a5a5a5u);
	csbf_w(c, CSB_STATUS_MIRROR, 0xa5a5a5a5u);
	tx_fill(c, 2, c->tx_seq);
	csbf_w(c, CSB_TX_TAIL, 3);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	expect_dropped(c, CSB_ERR_ADDR, "the CSB's IOVA unmapped under it, then a kick");
	CHECK(c, vtd_fault_seen(c, CSB_IOVA), "no VT-d fault recorded for the unmapped CSB");
	CHECK(c, r32(c, E1K_TDT) == 2, "TDT = %u, expected the last valid tail 2",
	      r32(c, E1K_TDT));
	expect_quiet(c, 100, "kick with the CSB unmapped");
	inject(c, 1, 100);		/* RX sees the CSB gone too */
	w32(c, E1K_ICS, E1K_ICR_LSC);	/* an ICR change: the icr mirror */
	settle(c, 50);
	(void)r32(c, E1K_ICR);
	v = csbf(c, CSB_TX_HEAD) & csbf(c, CSB_RX_HEAD) & csbf(c, CSB_ICR) &
	    csbf(c, CSB_STATUS_MIRROR);
	CHECK(c, v == 0xa5a5a5a5u,
	      "the device wrote the CSB's page after its IOVA was unmapped (tx_head 0x%x rx_head 0x%x icr 0x%x status 0x%x)",
	      csbf(c, CSB_TX_HEAD), csbf(c, CSB_RX_HEAD), csbf(c, CSB_ICR),
	      csbf(c, CSB_STATUS_MIRROR));
	/* plain mode goes on from the registers, through the rings' mapping */
	w32(c, E1K_TDT, 3);
	expect_tx(c, c->tx_seq, 1, 5000);
	c->tx_seq++;
	c->tx_tail = 3;

	/* active again; the IOVA moved to another page (as a guest may do
	 * between an unmap and a map): the device follows the new mapping
	 * and leaves the old page alone
	 */
	vtd_map(c, CSB_IOVA, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	csb_prepare(c, CSB_A, 0, 0);
	st = csb_enable_raw(c, CSB_IOVA, CSB_F_ALL, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "re-enable at the IOVA: STATUS 0x%x", st);
	if (!csb_tx_batch(c, 2))
		bail(c);
	/* the guest moves the block while the device leaves it alone: once
	 * the TX thread has asked for a kick (after its csb-poll-us), so
	 * that no write of tx_kick to the old page, nor a poll read of it,
	 * races with the copy
	 */
	CHECK(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | c->tx_tail, 5000, &k),
	      "before the move: tx_kick = 0x%x, expected NOTIFY|%u", k, c->tx_tail);
	{
		uint8_t blk[CSB_SIZE];

		qts_memread(c->q, CSB_A, blk, sizeof(blk));
		qts_memwrite(c->q, CSB_B, blk, sizeof(blk));
	}
	page_fill(c, CSB_A, 0x5a);
	vtd_map(c, CSB_IOVA, CSB_B, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	c->csb = CSB_B;
	for (unsigned int i = 0; i < 3; i++)
		if (!csb_tx_batch(c, 2))
			bail(c);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE, "STATUS 0x%x after the IOVA moved", st);
	CHECK(c, page_intact(c, CSB_A, 0x5a, &where),
	      "the CSB's old page was written at offset 0x%zx after its IOVA was mapped elsewhere and the IOTLB invalidated",
	      where);
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	csb_off(c);
	check_alive(c, "IOVAs unmapped and moved");
}

/* 2, 9. Translation turned on and off under an active CSB (the NIC's
 * address space switches between RAM and VT-d), and the TX thread
 * polling through the translation, also while the CSB's IOVA goes away.
 */
static void test_iommu_switch(struct t *c)
{
	unsigned long kicks;
	uint64_t spins;
	uint32_t st;

	/* VT-d present, translation off: the address is guest-physical */
	iommu_up(c, "csb-poll-us=100000", false);
	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_ALL, 0, 0);
	c->tx_seq = 1;
	for (unsigned int i = 0; i < 4; i++)
		if (!csb_tx_batch(c, 1))
			bail(c);
	note(c, "translation off: %" PRIu64 " TX spin hits",
	     nic_stat(c, "x-stat-csb-tx-spin-hits"));

	/* translation on, the CSB's address not mapped as an IOVA: ADDR at
	 * once (the rings are not mapped either: nothing else must move)
	 */
	vtd_translate(c, true);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, !st_active(st) && st_err(st) == CSB_ERR_ADDR,
	      "translation on, the CSB's address unmapped: STATUS 0x%x (%s), expected ADDR",
	      st, err_name(st_err(st)));
	check_enable_cleared(c, "translation turned on");
	(void)vtd_fault_seen(c, CSB_A);
	vtd_translate(c, false);

	/* identity-mapped: stays active when translation goes on and off */
	vtd_map(c, CSB_A, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_map(c, DMA_REGION, DMA_REGION, DMA_REGION_LEN, VTD_PTE_RW);
	vtd_flush(c);
	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_ALL, 0, 0);
	if (!csb_tx_batch(c, 2))
		bail(c);
	vtd_translate(c, true);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE,
	      "translation on, the CSB identity-mapped: STATUS 0x%x", st);
	/* behind VT-d the TX thread polls too (one translated read at a
	 * time, with the BQL): 10 back-to-back publishes inside its 100 ms
	 * budget are found by polling, without kicks
	 */
	if (!csb_tx_batch(c, 1))
		bail(c);
	spins = nic_stat(c, "x-stat-csb-tx-spin-hits");
	kicks = c->tx_kicks;
	for (unsigned int i = 0; i < 10; i++)
		if (!csb_tx_batch(c, 1))
			bail(c);
	spins = nic_stat(c, "x-stat-csb-tx-spin-hits") - spins;
	note(c, "translation on: %" PRIu64 " of 10 publishes found by polling, %lu kicks",
	     spins, c->tx_kicks - kicks);
	CHECK(c, spins > 0 && c->tx_kicks - kicks < 10,
	      "csb-poll-us=100000 behind VT-d: %" PRIu64
	      " spin hits and %lu kicks in 10 back-to-back publishes: the TX thread did not poll the translated CSB",
	      spins, c->tx_kicks - kicks);
	CHECK(c, !vtd_faults_pending(c),
	      "VT-d recorded faults while the TX thread polled (FSTS 0x%x)", vtd_r32(c, VTD_FSTS));

	/* the CSB's IOVA unmapped while the thread polls through it: one
	 * fault, the CSB disabled with ADDR, its page never written again
	 */
	if (!csb_tx_batch(c, 1))
		bail(c);
	vtd_map(c, CSB_A, 0, VTD_PAGE, 0);
	vtd_flush(c);
	csbf_w(c, CSB_TX_HEAD, 0xa5a5a5a5u);
	/* a host too slow to unmap within the 100 ms budget: the thread
	 * asked for a kick before the unmap (after it, that write fails)
	 */
	if (csbf(c, CSB_TX_KICK) & CSB_NOTIFY) {
		note(c, "the TX thread slept before the unmap: kicking it");
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	}
	expect_dropped(c, CSB_ERR_ADDR,
		       "the CSB's IOVA unmapped under the polling TX thread");
	CHECK(c, vtd_fault_seen(c, CSB_A),
	      "no VT-d fault recorded for the CSB unmapped under the polling thread");
	settle(c, 50);
	CHECK(c, csbf(c, CSB_TX_HEAD) == 0xa5a5a5a5u,
	      "the device wrote the CSB's page after its IOVA was unmapped (tx_head 0x%x)",
	      csbf(c, CSB_TX_HEAD));
	CHECK(c, r32(c, E1K_TDT) == c->tx_tail, "TDT = %u, expected the last valid tail %u",
	      r32(c, E1K_TDT), c->tx_tail);
	vtd_map(c, CSB_A, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	csb_prepare(c, CSB_A, 0, 0);
	st = csb_enable_raw(c, CSB_A, CSB_F_ALL, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "re-enable behind VT-d: STATUS 0x%x", st);
	vtd_translate(c, false);
	st = csb_reg_r(c, CSB_REG_STATUS);
	CHECK(c, st == CSB_STATUS_ACTIVE, "translation off again: STATUS 0x%x", st);
	for (unsigned int i = 0; i < 3; i++)
		if (!csb_tx_batch(c, 1))
			bail(c);
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	csb_off(c);
	check_alive(c, "translation switched under the CSB");
}

/* Enable the CSB at CSB_IOVA, mapped to CSB_A, with F_TX and F_RX. */
static void iommu_csb_on(struct t *c)
{
	uint32_t st;

	vtd_map(c, CSB_IOVA, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	csb_prepare(c, CSB_A, 0, 0);
	st = csb_enable_raw(c, CSB_IOVA, CSB_F_TX | CSB_F_RX, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE, "enable at IOVA 0x%" PRIx64
		" (mapped to 0x%" PRIx64 "): STATUS 0x%x", CSB_IOVA, CSB_A, st);
}

/* The TX thread has asked for a kick: it does not touch the block. */
static void tx_thread_asleep(struct t *c)
{
	uint32_t k;

	CHECK(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | c->tx_tail, 5000, &k),
	      "idle TX thread: tx_kick = 0x%x, expected NOTIFY|%u", k, c->tx_tail);
}

/* 4, 5, 6, 8. A kick that finds the CSB gone (its IOVA unmapped: ADDR)
 * was a TDT or RDT write with the guest's new tail: TDT or RDT takes that
 * value, which is newer than the last tail read from the CSB, and the
 * device goes on as a plain e1000 given that doorbell: the frame held
 * for RX buffers is received, the TX frames go out.
 */
static void test_iommu_drop_flush(struct t *c)
{
	uint32_t k;

	iommu_up(c, "csb-poll-us=0", true);
	rings_setup(c, 16, 16, 0);
	iommu_csb_on(c);
	c->tx_seq = 1;
	if (!csb_tx_batch(c, 2))
		bail(c);
	tx_thread_asleep(c);

	/* RX: a frame waits, the IOVA goes, the guest gives 4 buffers and
	 * kicks with RDT = 4
	 */
	inject(c, 100, 200);
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, CSB_NOTIFY | 0, 5000, &k),
	      "a frame and no RX buffers: rx_kick = 0x%x, expected NOTIFY|0", k);
	vtd_map(c, CSB_IOVA, 0, VTD_PAGE, 0);
	vtd_flush(c);
	csbf_w(c, CSB_RX_TAIL, 4);
	w32(c, E1K_RDT, 4);
	expect_dropped(c, CSB_ERR_ADDR, "the CSB's IOVA unmapped, then RDT = 4");
	(void)vtd_fault_seen(c, CSB_IOVA);
	CHECK(c, r32(c, E1K_RDT) == 4, "RDT = %u after the drop, expected the 4 written",
	      r32(c, E1K_RDT));
	expect_held_rx(c, __LINE__, "RDT = 4 dropped the CSB");

	/* TX: the same with TDT = 5 */
	iommu_csb_on(c);
	tx_thread_asleep(c);
	vtd_map(c, CSB_IOVA, 0, VTD_PAGE, 0);
	vtd_flush(c);
	for (unsigned int i = 2; i < 5; i++)
		tx_fill(c, i, c->tx_seq + i - 2);
	csbf_w(c, CSB_TX_TAIL, 5);
	w32(c, E1K_TDT, 5);
	expect_dropped(c, CSB_ERR_ADDR, "the CSB's IOVA unmapped, then TDT = 5");
	(void)vtd_fault_seen(c, CSB_IOVA);
	if (!expect_tx(c, c->tx_seq, 3, 1000))
		record(c, __LINE__,
		       "the 3 frames of TDT = 5 were not sent after it dropped the CSB (TDH %u, TDT %u)",
		       r32(c, E1K_TDH), r32(c, E1K_TDT));
	c->tx_seq += 3;
	CHECK(c, r32(c, E1K_TDT) == 5 && r32(c, E1K_TDH) == 5, "TDT %u, TDH %u, expected 5 and 5",
	      r32(c, E1K_TDT), r32(c, E1K_TDH));
	check_alive(c, "drops at a doorbell");
}

/* Wait, with QMP only (no MMIO), until QOM counter prop exceeds than. */
static bool wait_stat_above(struct t *c, const char *prop, uint64_t than, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	while (nic_stat(c, prop) <= than) {
		if (now_ms() >= end)
			return false;
		sleep_ms(2);
	}
	return true;
}

/*
 * Make the device touch the CSB by what(c) with its IOVA mapped onto the
 * MMIO page at gpa: it must drop the CSB with ADDR, and make no access
 * to its own registers meanwhile (the QOM counters count those, whoever
 * makes them; we make none until the drop is seen, through QMP).
 */
static void csb_on_mmio(struct t *c, uint64_t gpa, void (*what)(struct t *c),
			const char *why)
{
	uint64_t errors = nic_stat(c, "x-stat-csb-errors");
	uint64_t other = nic_stat(c, "x-stat-other-accesses");
	uint64_t irq = nic_stat(c, "x-stat-irq-reg-accesses");

	/* VT-d's registers and guest memory: not the NIC's counters */
	vtd_map(c, CSB_IOVA, gpa, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	what(c);
	CHECK(c, wait_stat_above(c, "x-stat-csb-errors", errors, 3000),
	      "%s, the CSB's IOVA mapped onto MMIO at 0x%" PRIx64 ": the CSB was not dropped",
	      why, gpa);
	other = nic_stat(c, "x-stat-other-accesses") - other;
	irq = nic_stat(c, "x-stat-irq-reg-accesses") - irq;
	CHECK(c, !other && !irq, "%s: the device made %" PRIu64 " + %" PRIu64
	      " accesses to its own registers (the CSB's IOVA mapped onto its BAR0)",
	      why, other, irq);
	expect_dropped(c, CSB_ERR_ADDR, why);
	if (st_active(csb_reg_r(c, CSB_REG_STATUS)))
		csb_reg_w(c, CSB_REG_CTRL, 0);	/* for the next round */
}

static void link_down(struct t *c)
{
	qts_qmp_ok(c->q,
		   "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"nic0\", \"up\": false}}");
}

static void vm_cont(struct t *c)
{
	vm_run(c, true);
}

static void kick_tx(struct t *c)
{
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
}

/* The TX thread polls (its next read finds the remap), or it slept
 * already (on a slow host): then a kick reads the block.
 */
static void poll_or_kick(struct t *c)
{
	if (csbf(c, CSB_TX_KICK) & CSB_NOTIFY) {
		note(c, "the TX thread slept before the remap: a kick instead");
		kick_tx(c);
	}
}

#define VTD_FEADDR	0x40

/* 2, 8. The CSB's IOVA remapped onto MMIO under an active CSB (the NIC's
 * own registers, the VT-d unit's): every access to the block reaches RAM
 * or drops the CSB with ADDR, whatever path makes it (a QMP command on
 * the main loop, the TX thread, a register write of the guest).
 */
static void test_iommu_mmio(struct t *c)
{
	uint32_t st, fe[2];

	iommu_up(c, "csb-poll-us=0", true);
	rings_setup(c, 16, 16, 8);
	vtd_map(c, CSB_IOVA + 0x10000, c->bar0, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	st = csb_enable_raw(c, CSB_IOVA + 0x10000, CSB_F_ALL, CSB_ENABLE_V1);
	CHECK(c, !st_active(st) && st_err(st) == CSB_ERR_ADDR,
	      "enable at an IOVA mapped onto BAR0: STATUS 0x%x (%s), expected ADDR", st,
	      err_name(st_err(st)));

	/* own BAR0, from a QMP command (link down: ICR and STATUS change) */
	iommu_csb_on(c);
	c->tx_seq = 1;
	if (!csb_tx_batch(c, 2))
		bail(c);
	tx_thread_asleep(c);
	csb_on_mmio(c, c->bar0, link_down, "link down");
	qts_qmp_ok(c->q,
		   "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"nic0\", \"up\": true}}");
	step_clock(c, 3000000000ull);	/* autonegotiation */

	/* own BAR0, from the TX thread: a kick while the VM is stopped, the
	 * IOVA moved, the VM continued
	 */
	iommu_csb_on(c);
	if (!csb_tx_batch(c, 1))
		bail(c);
	tx_kicked_unsent(c, 2);
	csb_on_mmio(c, c->bar0, vm_cont, "the TX thread woken by cont");
	if (!expect_tx(c, c->tx_seq, 2, 1000)) {
		record(c, __LINE__, "the 2 frames kicked before the drop were not sent");
		w32(c, E1K_TDT, c->tx_tail);	/* plain mode: send them now */
		settle(c, 50);
		udp_drain(&c->udp);
	}
	c->tx_seq += 2;

	/* another device's registers (VT-d's own), from a kick: VER, CAP,
	 * ... are not a tail; the fault event address registers (at 0x40,
	 * 0x44 as tx_head and rx_head) must not be written
	 */
	iommu_csb_on(c);
	if (!csb_tx_batch(c, 1))
		bail(c);
	tx_thread_asleep(c);
	fe[0] = vtd_r32(c, VTD_FEADDR);
	fe[1] = vtd_r32(c, VTD_FEADDR + 4);
	csb_on_mmio(c, VTD_BASE, kick_tx, "a kick");
	CHECK(c, vtd_r32(c, VTD_FEADDR) == fe[0] && vtd_r32(c, VTD_FEADDR + 4) == fe[1],
	      "VT-d FEADDR/FEUADDR changed from 0x%x/0x%x to 0x%x/0x%x: the device wrote the CSB into VT-d's registers",
	      fe[0], fe[1], vtd_r32(c, VTD_FEADDR), vtd_r32(c, VTD_FEADDR + 4));
	vtd_map(c, CSB_IOVA, CSB_A, VTD_PAGE, VTD_PTE_RW);
	vtd_flush(c);
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	w32(c, E1K_TDT, c->tx_tail);	/* plain mode goes on */
	check_alive(c, "the CSB's IOVA on MMIO");

	/* own BAR0, from the TX thread's poll read behind VT-d (100 ms
	 * budget after each batch)
	 */
	qemu_stop(c);
	iommu_up(c, "csb-poll-us=100000", true);
	rings_setup(c, 16, 16, 8);
	iommu_csb_on(c);
	c->tx_seq = 1;
	if (!csb_tx_batch(c, 1))
		bail(c);
	csb_on_mmio(c, c->bar0, poll_or_kick, "the polling TX thread");
	CHECK(c, !vtd_faults_pending(c), "VT-d recorded faults (FSTS 0x%x)",
	      vtd_r32(c, VTD_FSTS));
	check_alive(c, "the CSB's IOVA on MMIO under the polling thread");
}

/* A request word the x-csb-chaos hook wrote: 0, valid, or malformed. */
static void chaos_count(uint32_t r, unsigned int n, unsigned int *good, unsigned int *bad)
{
	if (!r)
		return;
	if ((r & CSB_NOTIFY) && !(r & 0x7fff0000u) && (r & CSB_INDEX_MASK) < n)
		(*good)++;
	else
		(*bad)++;
}

/* The test hook x-csb-chaos=<ms> (qemu-csb/README.md): while the CSB is
 * active, every period of virtual time, random tx_kick/rx_kick requests
 * (valid and malformed) and DD with a random length on random RX
 * descriptors, also those not handed over; nothing once inactive.
 */
static void test_chaos(struct t *c)
{
	unsigned int tx_good = 0, tx_bad = 0, rx_good = 0, rx_bad = 0, past_rdt = 0;
	unsigned int hits = 0, ticks;
	bool lens_differ = false, written = false;
	uint16_t first_len = 0;

	qemu_up(c, "x-csb-chaos=10,csb-poll-us=0");
	need_csb(c, CSB_F_TX | CSB_F_RX);
	rings_setup(c, 16, 16, 4);	/* RDH 0, RDT 4: 4..15 not handed over */
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	tx_thread_asleep(c);
	for (ticks = 0; ticks < 400; ticks++) {
		if (tx_good > 1 && tx_bad > 1 && rx_good > 1 && rx_bad > 1 && past_rdt > 1 &&
		    lens_differ)
			break;
		step_clock(c, 10000000);
		chaos_count(csbf(c, CSB_TX_KICK), 16, &tx_good, &tx_bad);
		chaos_count(csbf(c, CSB_RX_KICK), 16, &rx_good, &rx_bad);
		for (unsigned int i = 0; i < 16; i++) {
			uint8_t d[DESC_SIZE];
			uint16_t len;

			qts_memread(c->q, RX_RING + i * DESC_SIZE, d, sizeof(d));
			if (!(d[RXD_STA_OFF] & RXD_STAT_DD))
				continue;
			past_rdt += i >= 4;
			len = get_le16(d + RXD_LEN_OFF);
			if (!hits++)
				first_len = len;
			lens_differ |= len != first_len;
			rx_desc_reset(c, i);
		}
	}
	note(c,
	     "%u ticks: tx_kick %u valid, %u malformed; rx_kick %u valid, %u malformed; DD %u times past RDT",
	     ticks, tx_good, tx_bad, rx_good, rx_bad, past_rdt);
	CHECK(c, tx_good && tx_bad && rx_good && rx_bad,
	      "x-csb-chaos=10, %u ticks of 10 ms: tx_kick %u valid %u malformed, rx_kick %u valid %u malformed requests seen",
	      ticks, tx_good, tx_bad, rx_good, rx_bad);
	CHECK(c, past_rdt && lens_differ,
	      "x-csb-chaos=10, %u ticks: DD set %u times on RX descriptors past RDT, %s",
	      ticks, past_rdt, lens_differ ? "random lengths" : "always the same length");
	CHECK(c, st_active(csb_reg_r(c, CSB_REG_STATUS)), "the hook disabled the CSB");

	/* inactive: the hook leaves the block and the ring alone */
	csb_off(c);
	csbf_w(c, CSB_TX_KICK, 0x5a5a5a5au);
	csbf_w(c, CSB_RX_KICK, 0x5a5a5a5au);
	for (unsigned int i = 0; i < 16; i++)
		rx_desc_reset(c, i);
	for (ticks = 0; ticks < 20; ticks++)
		step_clock(c, 10000000);
	for (unsigned int i = 0; i < 16; i++)
		written |= rx_status(c, i) & RXD_STAT_DD;
	CHECK(c, csbf(c, CSB_TX_KICK) == 0x5a5a5a5au && csbf(c, CSB_RX_KICK) == 0x5a5a5a5au &&
	      !written, "x-csb-chaos wrote the block or the ring after CTRL = 0");
	check_alive(c, "x-csb-chaos");
}

/* ================= fuzz ================= */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t rnd_below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return rnd_below(100) < percent;
}

/* A value a ring index field might be given. */
static uint32_t rnd_index(unsigned int n)
{
	/* draws in a fixed order (an initializer list's order is unspecified) */
	uint32_t r1 = rnd_below(n + 1), r2 = rnd_below(n + 2), r3 = (uint32_t)rnd();
	const uint32_t pick[] = {
		0, n ? n - 1 : 0, n, n + 1, 0xffff, 0x10000 + r1, 0x80000000u | r2, r3,
	};
	uint32_t k = rnd_below(10);

	return k < 8 ? pick[k] : rnd_below(n ? n : 1);
}

static uint64_t rnd_csb_addr(void)
{
	static const uint64_t addrs[] = { CSB_A, CSB_B, CSB_A + 0x80, CSB_A + 4, 0x10000000ull,
		BAR0_ADDR, BAR0_ADDR + CSB_REGS_DEFAULT, 0xfec00000ull, RAM_SIZE,
		RAM_SIZE - 0x100, 0xffffffffffffff00ull, 0x100000000ull };

	return addrs[rnd_below(sizeof(addrs) / sizeof(addrs[0]))];
}

#define FUZZ_HISTORY 40

struct fuzz {
	struct t *c;
	char hist[FUZZ_HISTORY][160];
	unsigned long step;
	unsigned int tx_n, rx_n;	/* what the ring registers say */
	uint32_t rctl;
	bool csb_ok;			/* the capability exists */
	unsigned int tx_pub, rx_pub;	/* tails the publish action last wrote */
	unsigned long master_on_at;	/* step that ends bus mastering off, or 0 */
	/* what happened, for the summary */
	unsigned long frames_out, frames_in, actives, irqs;
};

static void fz_log(struct fuzz *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fz_log(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;
	char *h = f->hist[f->step % FUZZ_HISTORY];
	int n = snprintf(h, 160, "%lu: ", f->step);

	va_start(ap, fmt);
	vsnprintf(h + n, (size_t)(160 - n), fmt, ap);
	va_end(ap);
	if (opt.verbose)
		printf("  %s\n", h);
}

static void fz_dump(struct fuzz *f)
{
	unsigned long first = f->step >= FUZZ_HISTORY ? f->step - FUZZ_HISTORY + 1 : 0;

	printf("  last steps:\n");
	for (unsigned long s = first; s <= f->step; s++)
		printf("    %s\n", f->hist[s % FUZZ_HISTORY]);
}

static void fz_fill_tx(struct fuzz *f, unsigned int idx)
{
	struct t *c = f->c;
	uint8_t d[DESC_SIZE] = { 0 };
	uint32_t len = chance(80) ? 14 + rnd_below(1500) : rnd_below(4096);
	uint64_t buf = TX_BUF + (uint64_t)rnd_below(0x3f000);

	put_le64(d, chance(95) ? buf : (uint64_t)rnd());
	put_le16(d + TXD_LEN_OFF, (uint16_t)len);
	d[TXD_CMD_OFF] = chance(80) ? TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS :
		(uint8_t)(rnd() & ~TXD_CMD_DEXT);
	qts_memwrite(c->q, TX_RING + (uint64_t)(idx % 256) * DESC_SIZE, d, sizeof(d));
}

static void fz_fill_rx(struct fuzz *f, unsigned int idx)
{
	struct t *c = f->c;
	uint8_t d[DESC_SIZE] = { 0 };

	/* buffers stay inside RX_BUF .. RX_BUF + 0x80000 even at 16 KiB */
	put_le64(d, RX_BUF + (uint64_t)rnd_below(0x70000));
	if (chance(5))
		put_le64(d, 0);
	qts_memwrite(c->q, RX_RING + (uint64_t)(idx % 256) * DESC_SIZE, d, sizeof(d));
}

static void fz_setup(struct fuzz *f)
{
	struct t *c = f->c;

	rings_setup(c, 16, 16, 8);
	for (unsigned int i = 0; i < 256; i++) {
		fz_fill_tx(f, i);
		fz_fill_rx(f, i);
	}
	f->tx_n = 16;
	f->rx_n = 16;
	f->rctl = E1K_RCTL_EN | E1K_RCTL_BAM | E1K_RCTL_SECRC;
	w32(c, E1K_IMS, (uint32_t)rnd());
	if (f->csb_ok) {
		csb_prepare(c, CSB_A, 0, 0);
		(void)csb_enable_raw(c, CSB_A, (uint32_t)rnd_below(8), CSB_ENABLE_V1);
	}
}

static void fz_step(struct fuzz *f)
{
	struct t *c = f->c;
	uint32_t v, reg;
	uint64_t a;

	/* spend most steps with the CSB active: enable it often (while it is
	 * active, that is the BUSY / "no effect" path). Nothing here depends
	 * on the device's state, so a seed always gives the same inputs.
	 */
	bool try_enable = chance(20), from_regs = chance(30);
	uint32_t feats = chance(80) ? CSB_F_ALL : 0;

	feats |= rnd_below(8);
	if (f->master_on_at && f->step >= f->master_on_at) {
		/* bus mastering stays off for a bounded time (case 18), so
		 * that the share of steps with the CSB active does not hang
		 * on a few coin tosses: the scenario asserts a minimum
		 */
		fz_log(f, "bus master on (end of the off period)");
		bus_master(c, true);
		f->master_on_at = 0;
		return;
	}
	if (f->csb_ok && try_enable) {
		fz_log(f, "(re-)enable at 0x%" PRIx64 ", features 0x%x", c->csb, feats);
		if (from_regs) {
			/* the way a driver does it: tails from the registers */
			csbf_w(c, CSB_TX_TAIL, r32(c, E1K_TDT));
			csbf_w(c, CSB_RX_TAIL, r32(c, E1K_RDT));
		}
		csb_reg_w(c, CSB_REG_ADDR_HI, (uint32_t)(c->csb >> 32));
		csb_reg_w(c, CSB_REG_ADDR_LO, (uint32_t)c->csb);
		csb_reg_w(c, CSB_REG_FEATURES, feats);
		csb_reg_w(c, CSB_REG_CTRL, CSB_ENABLE_V1);
		return;
	}

	switch (rnd_below(24)) {
	case 0: case 1: case 2: {	/* a guest-line CSB field */
		static const size_t fields[] = { CSB_TX_TAIL, CSB_RX_TAIL, CSB_TX_IRQ, CSB_RX_IRQ };
		size_t fld = fields[rnd_below(4)];
		unsigned int n = fld == CSB_RX_TAIL || fld == CSB_RX_IRQ ? f->rx_n : f->tx_n;

		v = rnd_index(n);
		a = chance(90) ? CSB_A : CSB_B;
		fz_log(f, "csb@%" PRIx64 "+0x%zx = 0x%x", a, fld, v);
		mem_w32(c, a + fld, v);
		break;
	}
	case 3:				/* anywhere in a CSB */
		a = (chance(80) ? CSB_A : CSB_B) + rnd_below(64) * 4;
		v = (uint32_t)rnd();
		fz_log(f, "mem 0x%" PRIx64 " = 0x%x", a, v);
		mem_w32(c, a, v);
		break;
	case 4: case 5:			/* a CSB register */
		if (!f->csb_ok)
			goto ring;
		switch (rnd_below(6)) {
		case 0:
			a = rnd_csb_addr();
			fz_log(f, "ADDR = 0x%" PRIx64, a);
			csb_reg_w(c, CSB_REG_ADDR_HI, (uint32_t)(a >> 32));
			csb_reg_w(c, CSB_REG_ADDR_LO, (uint32_t)a);
			break;
		case 1:
			v = chance(80) ? rnd_below(8) : (uint32_t)rnd();
			fz_log(f, "FEATURES = 0x%x", v);
			csb_reg_w(c, CSB_REG_FEATURES, v);
			break;
		case 2: case 3:
			v = chance(70) ? (chance(70) ? CSB_ENABLE_V1 : 0) : (uint32_t)rnd();
			fz_log(f, "CTRL = 0x%x", v);
			csb_reg_w(c, CSB_REG_CTRL, v);
			break;
		case 4:
			v = chance(70) ? rnd_below(4) : (uint32_t)rnd();
			fz_log(f, "KICK = 0x%x", v);
			csb_reg_w(c, CSB_REG_KICK, v);
			break;
		default:
			reg = rnd_below(CSB_REGS_SIZE + 8);
			v = (uint32_t)rnd();
			switch (rnd_below(3)) {
			case 0:
				fz_log(f, "csb reg 0x%x = 0x%x (32-bit)", reg & ~3u, v);
				csb_reg_w(c, reg & ~3u, v);
				break;
			case 1:
				fz_log(f, "csb reg 0x%x = 0x%x (16-bit)", reg & ~1u, v & 0xffff);
				qts_writew(c->q, c->bar0 + c->regs + (reg & ~1u), (uint16_t)v);
				break;
			default:
				fz_log(f, "csb reg 0x%x = 0x%x (8-bit), read back 0x%x", reg,
				       v & 0xff, qts_readb(c->q, c->bar0 + c->regs + reg));
				qts_writeb(c->q, c->bar0 + c->regs + reg, (uint8_t)v);
				break;
			}
			break;
		}
		break;
	case 6: case 7:			/* doorbells */
		reg = chance(50) ? E1K_TDT : E1K_RDT;
		v = rnd_index(reg == E1K_TDT ? f->tx_n : f->rx_n);
		fz_log(f, "%s = 0x%x", reg == E1K_TDT ? "TDT" : "RDT", v);
		w32(c, reg, v);
		break;
	case 8: case 9: {		/* a proper guest publish, with the protocol */
		bool tx = chance(50);
		unsigned int n = tx ? f->tx_n : f->rx_n;

		if (!n)
			break;
		v = tx ? f->tx_pub : f->rx_pub;
		v = ((v < n ? v : 0) + 1 + rnd_below(n - 1 ? n - 1 : 1)) % n;
		if (tx)
			f->tx_pub = v;
		else
			f->rx_pub = v;
		fz_log(f, "publish %s_tail = %u", tx ? "tx" : "rx", v);
		for (unsigned int i = 0; i < 4; i++) {
			if (tx)
				fz_fill_tx(f, (v + n - 1 - i) % n);
			else
				fz_fill_rx(f, (v + n - 1 - i) % n);
		}
		mem_w32(c, CSB_A + (tx ? CSB_TX_TAIL : CSB_RX_TAIL), v);
		if (mem_r32(c, CSB_A + (tx ? CSB_TX_KICK : CSB_RX_KICK)) & CSB_NOTIFY)
			csb_reg_w(c, CSB_REG_KICK, tx ? CSB_KICK_TX : CSB_KICK_RX);
		break;
	}
	case 10: case 11: ring:		/* ring registers */
		switch (rnd_below(6)) {
		case 0: case 1: {
			static const uint32_t lens[] = {
				0, 128, 256, 512, 1024, 4096, 0x80, 0x380
			};

			v = lens[rnd_below(8)];
			reg = chance(50) ? E1K_TDLEN : E1K_RDLEN;
			fz_log(f, "%s = 0x%x", reg == E1K_TDLEN ? "TDLEN" : "RDLEN", v);
			w32(c, reg, v);
			if (reg == E1K_TDLEN)
				f->tx_n = v / DESC_SIZE;
			else
				f->rx_n = v / DESC_SIZE;
			break;
		}
		case 2:
			reg = chance(50) ? E1K_TDBAL : E1K_RDBAL;
			v = reg == E1K_TDBAL ? (uint32_t)(chance(50) ? TX_RING : TX_RING2) :
				(uint32_t)(chance(50) ? RX_RING : RX_RING2);
			if (chance(10))
				v += 8;
			fz_log(f, "%s = 0x%x", reg == E1K_TDBAL ? "TDBAL" : "RDBAL", v);
			w32(c, reg, v);
			break;
		case 3:
			reg = chance(50) ? E1K_TDH : E1K_RDH;
			v = rnd_index(reg == E1K_TDH ? f->tx_n : f->rx_n);
			fz_log(f, "%s = 0x%x", reg == E1K_TDH ? "TDH" : "RDH", v);
			w32(c, reg, v);
			break;
		case 4:
			v = (uint32_t)rnd();
			fz_log(f, "ITR = 0x%x", v & 0xffff);
			w32(c, E1K_ITR, v & 0xffff);
			break;
		default:
			fz_log(f, "TCTL toggle");
			v = r32(c, E1K_TCTL);
			w32(c, E1K_TCTL, v ^ E1K_TCTL_EN);
			break;
		}
		break;
	case 12:
		if (!chance(30))
			break;
		fz_log(f, "CTRL.RST");
		w32(c, E1K_CTRL, r32(c, E1K_CTRL) | E1K_CTRL_RST);
		if (chance(50)) {
			fz_log(f, "  + fresh rings and CSB");
			fz_setup(f);
		}
		break;
	case 13: {			/* RCTL */
		static const uint32_t sizes[] = { E1K_RCTL_SZ_2048, E1K_RCTL_SZ_1024,
			E1K_RCTL_SZ_512, E1K_RCTL_SZ_256, E1K_RCTL_BSEX | E1K_RCTL_SZ_1024,
			E1K_RCTL_BSEX | E1K_RCTL_SZ_512 };

		f->rctl = E1K_RCTL_BAM | sizes[rnd_below(6)] |
			(chance(90) ? E1K_RCTL_EN : 0) | (chance(50) ? E1K_RCTL_SECRC : 0) |
			(chance(20) ? E1K_RCTL_UPE | E1K_RCTL_MPE : 0) |
			(chance(20) ? E1K_RCTL_LPE : 0);
		fz_log(f, "RCTL = 0x%x", f->rctl);
		w32(c, E1K_RCTL, f->rctl);
		if (chance(70))
			step_clock(c, 1100000000ull);
		break;
	}
	case 14: case 15: case 16: {	/* frames */
		uint8_t fr[2048];
		size_t len = chance(85) ? 60 + rnd_below(1455) : rnd_below(2048);

		make_frame(fr, (uint32_t)f->step, len < 22 ? 22 : len, true);
		if (chance(10))
			memset(fr, 0xff, 6);
		else if (chance(10))
			for (unsigned int i = 0; i < 6; i++)
				fr[i] = (uint8_t)rnd();
		fz_log(f, "inject %zu bytes", len);
		udp_send(&c->udp, fr, len);
		f->frames_in++;
		break;
	}
	case 17:
		fz_log(f, "fill TX/RX descriptors");
		for (unsigned int i = 0; i < 4; i++) {
			fz_fill_tx(f, rnd_below(64));
			fz_fill_rx(f, rnd_below(64));
		}
		break;
	case 18:
		if (!chance(20))
			break;
		v = chance(50);
		fz_log(f, "bus master %s", v ? "on" : "off");
		bus_master(c, v);
		f->master_on_at = v ? 0 : f->step + 1 + rnd_below(300);
		break;
	case 19:
		v = chance(80) ? rnd_below(3000000) : 1100000000u;
		fz_log(f, "clock_step %u", v);
		step_clock(c, v);
		break;
	case 20:
		switch (rnd_below(3)) {
		case 0:
			v = (uint32_t)rnd();
			fz_log(f, "IMS = 0x%x", v);
			w32(c, E1K_IMS, v);
			break;
		case 1:
			v = (uint32_t)rnd();
			fz_log(f, "IMC = 0x%x", v);
			w32(c, E1K_IMC, v);
			break;
		default:
			fz_log(f, "read ICR");
			(void)r32(c, E1K_ICR);
			break;
		}
		break;
	case 21:
		if (!chance(5))
			break;
		v = chance(50);
		fz_log(f, "set_link %s", v ? "up" : "down");
		qts_qmp_ok(c->q,
			   "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"nic0\", \"up\": %s}}",
			   v ? "true" : "false");
		break;
	case 22:
		if (!f->csb_ok)
			break;
		fz_log(f, "fresh CSB, enable");
		csb_prepare(c, chance(80) ? CSB_A : CSB_B, (uint32_t)rnd(), (uint32_t)rnd());
		(void)csb_enable_raw(c, c->csb, (uint32_t)rnd_below(8), CSB_ENABLE_V1);
		break;
	default:
		if (!chance(2))
			break;
		fz_log(f, "system_reset");
		qts_qmp_ok(c->q, "{\"execute\": \"system_reset\"}");
		{
			uint64_t end = now_ms() + 5000;

			while (cfg_r32(c, c->dev, PCI_BAR0) == BAR0_ADDR && now_ms() < end)
				sleep_ms(2);
		}
		pci_setup(c);
		fz_setup(f);
		break;
	}
}

static bool canary_intact(struct t *c, uint64_t *where)
{
	static uint8_t buf[CANARY_LEN];

	qts_memread(c->q, CANARY, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != CANARY_BYTE) {
			*where = CANARY + i;
			return false;
		}
	return true;
}

/* After each step: alive, answering, STATUS sane, memory outside the
 * areas the device may use untouched.
 */
static void fz_after_step(struct fuzz *f)
{
	struct t *c = f->c;
	uint64_t where;
	uint32_t st;

	if (!qts_alive(c->q))
		REQUIRE(c, false, "QEMU died at step %lu", f->step);
	if (f->csb_ok) {
		st = csb_reg_r(c, CSB_REG_STATUS);
		CHECK(c, st_err(st) <= CSB_ERR_RING && !(st & ~0xff01u),
		      "step %lu: STATUS 0x%x malformed", f->step, st);
		CHECK(c, !st_active(st) || st_err(st) == CSB_ERR_NONE ||
		      st_err(st) == CSB_ERR_BUSY,
		      "step %lu: STATUS 0x%x: active with error %s", f->step, st,
		      err_name(st_err(st)));
		if (st_active(st))
			f->actives++;
	} else {
		(void)r32(c, E1K_STATUS);
	}
	if (f->step % 100 == 99) {
		check_alive(c, "a fuzz step");
		f->frames_out += (unsigned long)udp_drain(&c->udp);
	}
	if (f->step % 500 == 499 && !canary_intact(c, &where))
		REQUIRE(c, false, "step %lu: guest memory at 0x%" PRIx64
			" (outside rings, buffers and CSB) was written", f->step, where);
}

static int run_fuzz(uint64_t seed, unsigned long iterations)
{
	static struct t ctx;
	static struct fuzz f;
	struct t *c = &ctx;
	uint64_t start = now_ms(), where;

	memset(c, 0, sizeof(*c));
	memset(&f, 0, sizeof(f));
	c->name = "fuzz";
	f.c = c;
	cur = c;
	rng_state = seed;
	opt.guest_errors = false;
	if (setjmp(c->jmp) == 0) {
		c->armed = true;
		qemu_up(c, NULL);
		f.csb_ok = c->has_cap;
		if (!f.csb_ok)
			fprintf(stdout,
				"  fuzz: no CSB capability: fuzzing the plain device and the unused register range only\n");
		qts_memset(c->q, CANARY, CANARY_BYTE, CANARY_LEN);
		fz_setup(&f);
		for (f.step = 0; f.step < iterations; f.step++) {
			fz_step(&f);
			fz_after_step(&f);
			if (c->failures)
				break;
		}
		if (!canary_intact(c, &where))
			record(c, 0, "guest memory at 0x%" PRIx64
			       " (outside rings, buffers and CSB) was written", where);
		check_alive(c, "the last fuzz step");
	}
	c->armed = false;
	if (c->q)
		f.irqs = c->q->irq_raises[c->irq];
	if (c->failures)
		fz_dump(&f);
	qemu_stop(c);
	udp_wire_close(&c->udp);
	if (c->failures) {
		printf("FAIL fuzz: %s (seed %" PRIu64
		       ", step %lu of %lu; reproduce with: csb-qtest --qemu %s%s%s fuzz --seed %"
		       PRIu64 " --iterations %lu)\n",
		       c->first_failure, seed, f.step, iterations, opt.qemu,
		       opt.props[0] ? " --props " : "", opt.props, seed, f.step + 1);
		return 1;
	}
	/* the share is what tests/scenarios/qemu_csb_fuzz.py asserts */
	printf("PASS fuzz (seed %" PRIu64
	       ", %lu steps, %.1f s; CSB active after %lu steps (%.1f%%), %lu frames injected, %lu sent, %lu interrupts)\n",
	       seed, iterations, (double)(now_ms() - start) / 1000.0, f.actives,
	       iterations ? 100.0 * (double)f.actives / (double)iterations : 0.0, f.frames_in,
	       f.frames_out, f.irqs);
	return 0;
}

/* ================= main ================= */

struct test {
	const char *name;
	void (*fn)(struct t *c);
	const char *what;
};

static const struct test tests[] = {
	{ "plain_tx", test_plain_tx, "plain mode: TX through TDT" },
	{ "plain_rx", test_plain_rx, "plain mode: RX through RDT" },
	{ "plain_irq", test_plain_irq, "plain mode: TXDW/RXT0 interrupts, ICR read" },
	{ "capability", test_capability, "the PCI capability and register reset values" },
	{ "negotiate_ok", test_negotiate_ok, "enable accepted; block initialised" },
	{ "negotiate_errors", test_negotiate_errors, "each refusal, its code, their order" },
	{ "negotiate_busy", test_negotiate_busy, "BUSY: ADDR/FEATURES frozen while active" },
	{ "disable", test_disable, "disable copies tails, stops using the block" },
	{ "reset", test_reset, "CTRL.RST and system reset disable and clear" },
	{ "busmaster_off", test_busmaster_off, "bus mastering off while active" },
	{ "drop_flush", test_drop_flush, "a drop sends kicked TX, receives held frames" },
	{ "disable_polling", test_disable_polling,
	  "block untouched after disable, worker polling" },
	{ "disable_poll_read", test_disable_poll_read,
	  "no poll read of the block once STATUS reads inactive" },
	{ "tx_csb", test_tx_csb, "TX published through tx_tail only, kicks, tx_head" },
	{ "tx_poll", test_tx_poll, "csb-poll-us: sleeping announced, kicks avoided" },
	{ "rx_csb", test_rx_csb, "RX through rx_tail only; starvation and rx_kick" },
	{ "irq_tx", test_irq_tx, "F_IRQ: TX interrupts only on request" },
	{ "irq_rx", test_irq_rx, "F_IRQ: RX interrupts only on request" },
	{ "irq_mirrors", test_irq_mirrors, "icr/status mirrors; LSC as in plain mode" },
	{ "irq_itr", test_irq_itr, "ITR still applies to requested interrupts" },
	{ "features_partial", test_features_partial, "features not accepted stay plain" },
	{ "bad_ring_tail", test_bad_ring_tail, "tails >= N: RING, no DMA outside the ring" },
	{ "bad_requests", test_bad_requests, "garbage request words" },
	{ "bad_reserved", test_bad_reserved, "nonzero reserved fields" },
	{ "bad_toggle", test_bad_toggle, "enable toggled while TX in flight" },
	{ "bad_kick", test_bad_kick, "kicks while inactive, unknown bits, odd TDT/RDT" },
	{ "bad_ringregs", test_bad_ringregs, "ring registers changed while active" },
	{ "bad_heads", test_bad_heads, "TDH/RDH >= N: writes ignored, RING, no DMA outside" },
	{ "csb_unmapped", test_csb_unmapped, "the CSB's RAM unmapped under it (PAM)" },
	{ "hotunplug", test_hotunplug, "NIC hot-unplugged with the CSB active, a new one" },
	{ "iommu_dma", test_iommu_dma, "Q35 + VT-d: CSB, rings, buffers at IOVAs" },
	{ "iommu_faults", test_iommu_faults, "VT-d: unmapped/read-only IOVAs, unmap, remap" },
	{ "iommu_switch", test_iommu_switch, "VT-d on/off under the CSB; polling through it" },
	{ "iommu_drop_flush", test_iommu_drop_flush,
	  "VT-d: a doorbell that finds the CSB gone is taken as the tail" },
	{ "iommu_mmio", test_iommu_mmio, "VT-d: the CSB's IOVA remapped onto MMIO: ADDR" },
	{ "chaos", test_chaos, "x-csb-chaos: random kick requests and RX write-backs" },
	{ "migration", test_migration, "migration with the CSB active (and inactive)" },
	{ "migration_compat", test_migration_compat,
	  "streams and the capability: csb=on/off sources and destinations" },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

static int run_test(const struct test *tt)
{
	static struct t ctx;
	struct t *c = &ctx;
	uint64_t start = now_ms();

	memset(c, 0, sizeof(*c));
	c->name = tt->name;
	cur = c;
	if (setjmp(c->jmp) == 0) {
		c->armed = true;
		tt->fn(c);
	}
	c->armed = false;
	if (c->q) {
		if (!qts_alive(c->q))
			record(c, 0, "QEMU is gone");
		qemu_stop(c);
	}
	udp_wire_close(&c->udp);
	if (c->failures) {
		printf("FAIL %s: %s%s\n", tt->name, c->first_failure,
		       c->failures > 1 ? " (and more, above)" : "");
		fflush(stdout);
		return 1;
	}
	if (c->skipped[0])
		printf("SKIP %s: %s\n", tt->name, c->skipped);
	else
		printf("PASS %s (%.1f s)\n", tt->name, (double)(now_ms() - start) / 1000.0);
	fflush(stdout);
	return 0;
}

static bool selected(const char *name, char **sel, int nsel)
{
	if (!nsel)
		return true;
	for (int i = 0; i < nsel; i++) {
		size_t n = strlen(sel[i]);

		if (!strcmp(sel[i], name) || !strcmp(sel[i], "all") ||
		    (!strncmp(sel[i], name, n) && name[n] == '_'))
			return true;
	}
	return false;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: csb-qtest [--qemu PATH] [--csb on|off|auto] [--props P] [--model M]\n"
		"                 [--expect-no-csb] [--logdir DIR] [--timeout S] [-v]\n"
		"                 [--list | TEST... | fuzz [--seed S] [--iterations N]]\n"
		"TEST: a name from --list, or a prefix before '_' (plain, negotiate, bad, ...)\n");
}

static int rm_tree_logs(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(int argc, char **argv)
{
	static char self_qemu[PATH_MAX];
	char *sel[64];
	int nsel = 0, failed = 0, i;
	bool list = false, fuzz = false, tmp_logs = false;
	uint64_t seed = 1;
	unsigned long iterations = 3000;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	qts_set_fatal_handler(on_fatal);
	opt.qemu = getenv("QEMU");

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--qemu") && next) {
			opt.qemu = next;
			i++;
		} else if (!strcmp(a, "--props") && next) {
			snprintf(opt.props + strlen(opt.props),
				 sizeof(opt.props) - strlen(opt.props), "%s%s",
				 opt.props[0] ? "," : "", next);
			i++;
		} else if (!strcmp(a, "--csb") && next) {
			opt.csb = next;
			i++;
		} else if (!strcmp(a, "--model") && next) {
			opt.model = next;
			i++;
		} else if (!strcmp(a, "--expect-no-csb")) {
			opt.expect_no_csb = true;
		} else if (!strcmp(a, "--logdir") && next) {
			snprintf(opt.logdir, sizeof(opt.logdir), "%s", next);
			opt.logdir_given = true;
			i++;
		} else if (!strcmp(a, "--timeout") && next) {
			opt.timeout_ms = atoi(next) * 1000;
			i++;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			opt.verbose = true;
		} else if (!strcmp(a, "--list")) {
			list = true;
		} else if (!strcmp(a, "--seed") && next) {
			seed = strtoull(next, NULL, 0);
			i++;
		} else if (!strcmp(a, "--iterations") && next) {
			iterations = strtoul(next, NULL, 0);
			i++;
		} else if (!strcmp(a, "fuzz")) {
			fuzz = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_usage(stdout);
			return 0;
		} else if (a[0] == '-') {
			print_usage(stderr);
			return 2;
		} else if (nsel < 64) {
			sel[nsel++] = argv[i];
		}
	}
	if (list) {
		for (size_t t = 0; t < NTESTS; t++)
			printf("%-18s %s\n", tests[t].name, tests[t].what);
		printf("%-18s %s\n", "fuzz", "random campaign: fuzz --seed S --iterations N");
		return 0;
	}
	for (i = 0; i < nsel; i++) {
		bool any = false;

		for (size_t t = 0; t < NTESTS; t++)
			any |= selected(tests[t].name, &sel[i], 1);
		if (!any) {
			fprintf(stderr, "csb-qtest: no test named '%s' (see --list)\n", sel[i]);
			return 2;
		}
	}
	if (!opt.qemu) {
		char exe[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (n > 0) {
			exe[n] = 0;
			*strrchr(exe, '/') = 0;
			if (snprintf(self_qemu, sizeof(self_qemu), "%s/../qemu/qemu-system-x86_64",
				     exe) < (int)sizeof(self_qemu))
				opt.qemu = self_qemu;
		}
	}
	if (!opt.qemu || access(opt.qemu, X_OK)) {
		fprintf(stderr, "csb-qtest: no QEMU binary (%s): use --qemu or $QEMU\n",
			opt.qemu ? opt.qemu : "none");
		return 2;
	}
	if (opt.csb) {
		const char *prop = NULL;

		if (!strcmp(opt.csb, "on") || !strcmp(opt.csb, "off")) {
			prop = !strcmp(opt.csb, "on") ? "csb=on" : "csb=off";
		} else if (!strcmp(opt.csb, "auto")) {
			const char *help = probe_help(opt.qemu, opt.model);

			if (help && strstr(help, "  csb="))
				prop = "csb=on";
			else
				printf("note: %s has no '%s.csb' property: running without it\n",
				       opt.qemu, opt.model);
		} else {
			print_usage(stderr);
			return 2;
		}
		if (prop)
			snprintf(opt.props + strlen(opt.props),
				 sizeof(opt.props) - strlen(opt.props), "%s%s",
				 opt.props[0] ? "," : "", prop);
	}
	{
		const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

		snprintf(opt.sockdir, sizeof(opt.sockdir), "%s/csbqt.XXXXXX", tmp);
		if (!mkdtemp(opt.sockdir)) {
			perror("mkdtemp");
			return 2;
		}
		if (!opt.logdir_given) {
			snprintf(opt.logdir, sizeof(opt.logdir), "%s", opt.sockdir);
			tmp_logs = true;
		} else if (mkdir(opt.logdir, 0755) && errno != EEXIST) {
			perror(opt.logdir);
			return 2;
		}
	}
	if (!probe_qtest_accel(opt.qemu)) {
		opt.tcg = true;
		snprintf(opt.halt_bios, sizeof(opt.halt_bios), "%.4000s/halt.bin", opt.sockdir);
		make_halt_bios(opt.halt_bios);
		fprintf(stdout,
			"note: %s has no qtest accelerator: using TCG with a halting BIOS, virtual time follows real time\n",
			opt.qemu);
	}
	if (opt.verbose)
		printf("qemu %s, device props '%s', logs in %s\n", opt.qemu, opt.props, opt.logdir);

	if (fuzz) {
		failed = run_fuzz(seed, iterations);
	} else {
		for (size_t t = 0; t < NTESTS; t++)
			if (selected(tests[t].name, sel, nsel))
				failed += run_test(&tests[t]);
	}
	if (failed && tmp_logs)
		printf("logs kept in %s\n", opt.logdir);
	if (!failed || !tmp_logs)
		rm_tree_logs(opt.sockdir);
	return failed ? 1 : 0;
}
