// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: the helpers every test uses (declared in csb-qtest.h).
 * Results (CHECK, REQUIRE, skip), one QEMU per test, PCI configuration,
 * MMIO and guest memory, frames on the UDP wire, the rings as a plain
 * e1000 driver sets them up, and the guest's side of the CSB: prepare,
 * enable, publish and kick as Documentation/csb-spec.md says.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "csb-qtest.h"

static const uint8_t nic_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0xc5, 0xfe, 0x02 };

struct t *cur;

/* ---- results ---- */

/* The file name without its directory. */
static const char *base_name(const char *file)
{
	const char *slash = strrchr(file, '/');

	return slash ? slash + 1 : file;
}

static void vrecord(struct t *c, const char *file, int line, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!c->failures++) {
		if (line)
			snprintf(c->first_failure, sizeof(c->first_failure), "%.900s (%s:%d)",
				 msg, base_name(file), line);
		else
			snprintf(c->first_failure, sizeof(c->first_failure), "%s", msg);
	}
	printf("  %s: check failed: %s", c->name, msg);
	if (line)
		printf(" [%s:%d]", base_name(file), line);
	printf("\n");
	fflush(stdout);
}

void record_at(struct t *c, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrecord(c, file, line, fmt, ap);
	va_end(ap);
}

void __attribute__((noreturn)) bail(struct t *c)
{
	if (c->armed)
		longjmp(c->jmp, 1);
	fprintf(stderr, "csb-qtest: fatal outside a test: %s\n", c->first_failure);
	exit(2);
}

/* record(), then bail(): the failure of a REQUIRE. */
void __attribute__((noreturn, format(printf, 4, 5)))
record_bail_at(struct t *c, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrecord(c, file, line, fmt, ap);
	va_end(ap);
	bail(c);
}

void note(struct t *c, const char *fmt, ...)
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

void __attribute__((noreturn, format(printf, 2, 3))) skip(struct t *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->skipped, sizeof(c->skipped), fmt, ap);
	va_end(ap);
	bail(c);
}

void on_fatal(const char *msg)
{
	if (cur && cur->armed) {
		record(cur, 0, "%s", msg);
		longjmp(cur->jmp, 1);
	}
	fprintf(stderr, "csb-qtest: %s\n", msg);
	exit(2);
}

/* ---- QEMU lifecycle ---- */

/* What a shell command prints (at most len - 1 bytes, in out); NULL if
 * it could not be started.
 */
static const char *command_output(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (!p)
		return NULL;
	n = fread(out, 1, len - 1, p);
	out[n] = 0;
	pclose(p);
	return out;
}

char *probe_help(const char *qemu, const char *model)
{
	char cmd[PATH_MAX + 128];
	static char out[65536];

	snprintf(cmd, sizeof(cmd), "'%s' -nodefaults -device '%s,help' 2>&1", qemu, model);
	return command_output(cmd, out, sizeof(out)) ? out : NULL;
}

/* Does this QEMU have the qtest accelerator? (Debian's 7.2 does not.) */
bool probe_qtest_accel(const char *qemu)
{
	char cmd[PATH_MAX + 256], out[4096];

	snprintf(cmd, sizeof(cmd),
		 "printf '{\"execute\": \"qmp_capabilities\"}\\n{\"execute\": \"quit\"}\\n' | '%s' -M none -accel qtest -display none -nodefaults -qtest null -qtest-log none -qmp stdio 2>&1",
		 qemu);
	if (!command_output(cmd, out, sizeof(out)))
		return true;
	return !strstr(out, "invalid accelerator");
}

/* A 64 KiB BIOS whose reset vector is "cli; hlt; jmp back to hlt". */
void make_halt_bios(const char *path)
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
void qemu_start(struct t *c, const char *extra_props, const char *const *extra_args)
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
const char *qemu_error_line(const char *path, char *line, size_t len)
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
void qemu_stop(struct t *c)
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
void check_alive(struct t *c, const char *after)
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

uint32_t cfg_r32(struct t *c, int dev, int off)
{
	qts_outl(c->q, PCI_CFG_ADDR, cfg_addr(dev, off));
	return qts_inl(c->q, PCI_CFG_DATA);
}

uint8_t cfg_r8(struct t *c, int dev, int off)
{
	return (uint8_t)(cfg_r32(c, dev, off) >> ((off & 3) * 8));
}

static uint16_t cfg_r16(struct t *c, int dev, int off)
{
	return (uint16_t)(cfg_r32(c, dev, off) >> ((off & 2) * 8));
}

void cfg_w32(struct t *c, int dev, int off, uint32_t v)
{
	qts_outl(c->q, PCI_CFG_ADDR, cfg_addr(dev, off));
	qts_outl(c->q, PCI_CFG_DATA, v);
}

static void cfg_w16(struct t *c, int dev, int off, uint16_t v)
{
	qts_outl(c->q, PCI_CFG_ADDR, cfg_addr(dev, off));
	qts_outw(c->q, (uint16_t)(PCI_CFG_DATA + (off & 2)), v);
}

void cfg_w8(struct t *c, int dev, int off, uint8_t v)
{
	qts_outl(c->q, PCI_CFG_ADDR, cfg_addr(dev, off));
	qts_outb(c->q, (uint16_t)(PCI_CFG_DATA + (off & 3)), v);
}

bool is_e1000_id(uint16_t id)
{
	return id == 0x100e || id == 0x100f || id == 0x100c;
}

void bus_master(struct t *c, bool on)
{
	cfg_w16(c, c->dev, PCI_COMMAND,
		(uint16_t)(PCI_COMMAND_MEMORY | (on ? PCI_COMMAND_MASTER : 0)));
}

/* Program BAR0 and COMMAND, route the PCI interrupts to GSI 11 (-M pc). */
void pci_setup(struct t *c)
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

uint32_t r32(struct t *c, uint32_t reg)
{
	return qts_readl(c->q, c->bar0 + reg);
}

void w32(struct t *c, uint32_t reg, uint32_t v)
{
	qts_writel(c->q, c->bar0 + reg, v);
}

uint32_t csb_reg_r(struct t *c, uint32_t reg)
{
	return qts_readl(c->q, c->bar0 + c->regs + reg);
}

void csb_reg_w(struct t *c, uint32_t reg, uint32_t v)
{
	qts_writel(c->q, c->bar0 + c->regs + reg, v);
}

uint32_t mem_r32(struct t *c, uint64_t addr)
{
	return qts_readl(c->q, addr);
}

void mem_w32(struct t *c, uint64_t addr, uint32_t v)
{
	qts_writel(c->q, addr, v);
}

/* Advance virtual time by ns. Without the qtest accelerator the virtual
 * clock follows real time (the VM runs, its CPU halted): just wait.
 */
void step_clock(struct t *c, uint64_t ns)
{
	if (!opt.tcg)
		qts_clock_step(c->q, ns);
	else
		sleep_ms((unsigned int)(ns / 1000000 + 1));
}

uint32_t csbf(struct t *c, size_t field)
{
	return mem_r32(c, c->csb + field);
}

void csbf_w(struct t *c, size_t field, uint32_t v)
{
	mem_w32(c, c->csb + field, v);
}

void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t get_le32(const uint8_t *p)
{
	return get_le16(p) | (uint32_t)get_le16(p + 2) << 16;
}

/* Poll a 32-bit location (guest memory, or MMIO when mmio) until
 * (value & mask) == want, for at most ms milliseconds.
 */
bool wait32(struct t *c, uint64_t addr, uint32_t mask, uint32_t want, int ms,
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

bool wait_csbf(struct t *c, size_t field, uint32_t mask, uint32_t want, int ms,
	       uint32_t *last)
{
	return wait32(c, c->csb + field, mask, want, ms, last);
}

/* Wait for the NIC's interrupt line to reach level, stepping the virtual
 * clock so that interrupt mitigation (ITR, at least 128 us) can fire.
 */
bool wait_irq(struct t *c, bool level, int ms)
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
void settle(struct t *c, int ms)
{
	sleep_ms((unsigned int)ms);
	step_clock(c, 2000000);
	(void)qts_irq(c->q, c->irq);
}

/* ---- frames ---- */

size_t frame_len(uint32_t seq)
{
	return 60 + (seq * 97u) % 1455u;	/* 60 .. 1514 */
}

size_t make_frame(uint8_t *f, uint32_t seq, size_t len, bool to_nic)
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

uint32_t frame_seq(const uint8_t *f, ssize_t n)
{
	return n >= 22 ? get_le32(f + 18) : 0xffffffffu;
}

/* The next frame of ours from the wire (ethertype 0x88b5), skipping
 * anything QEMU sends by itself (the RARP self-announce after an incoming
 * migration); length or -1.
 */
ssize_t recv_frame(struct t *c, uint8_t *buf, size_t cap, int ms)
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
bool expect_tx(struct t *c, uint32_t seq, unsigned int count, int ms)
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
bool expect_quiet(struct t *c, int ms, const char *why)
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

void tx_fill(struct t *c, unsigned int idx, uint32_t seq)
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

uint8_t tx_status(struct t *c, unsigned int idx)
{
	return qts_readb(c->q, TX_RING + (uint64_t)idx * DESC_SIZE + TXD_STA_OFF);
}

void rx_desc_reset(struct t *c, unsigned int idx)
{
	uint8_t d[DESC_SIZE] = { 0 };

	put_le64(d, RX_BUF + (uint64_t)idx * BUF_SLOT + c->dma_off);
	qts_memwrite(c->q, RX_RING + (uint64_t)idx * DESC_SIZE, d, sizeof(d));
}

uint8_t rx_status(struct t *c, unsigned int idx)
{
	return qts_readb(c->q, RX_RING + (uint64_t)idx * DESC_SIZE + RXD_STA_OFF);
}

void set_rctl(struct t *c, uint32_t v)
{
	w32(c, E1K_RCTL, v);
	/* QEMU's e1000 holds RX for 1 s of virtual time after an RCTL write */
	step_clock(c, 1100000000ull);
}

void inject(struct t *c, uint32_t seq, size_t len)
{
	uint8_t f[16384];

	make_frame(f, seq, len, true);
	udp_send(&c->udp, f, len);
}

/* The frame seq of length len is in RX descriptor idx (single buffer). */
bool check_rx(struct t *c, unsigned int idx, uint32_t seq, size_t len)
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
bool wait_rx(struct t *c, unsigned int idx, int ms)
{
	/* a 32-bit read at the status byte: status is its low byte */
	return wait32(c, RX_RING + (uint64_t)idx * DESC_SIZE + RXD_STA_OFF, RXD_STAT_DD,
		      RXD_STAT_DD, ms, NULL);
}

/* The frame (#100, 200 bytes) held for RX buffers arrives in descriptor 0. */
void expect_held_rx_at(struct t *c, const char *file, int line, const char *after)
{
	if (wait_rx(c, 0, 1000))
		check_rx(c, 0, 100, 200);
	else
		record_at(c, file, line,
			  "the frame held for RX buffers was not received after %s (RDH %u, RDT %u)",
			  after, r32(c, E1K_RDH), r32(c, E1K_RDT));
}

/* Plain-mode rings: tx_n TX descriptors (TDH = TDT = 0), rx_n RX
 * descriptors with buffers, RDH = 0, RDT = rx_tail; TX and RX enabled,
 * all interrupts masked and ICR clear.
 */
void rings_setup(struct t *c, unsigned int tx_n, unsigned int rx_n, unsigned int rx_tail)
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

void cap_find(struct t *c)
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
void qemu_up(struct t *c, const char *extra_props)
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
void need_csb(struct t *c, uint32_t features)
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

const char *err_name(unsigned int e)
{
	static const char *const names[] = { "NONE", "ALIGN", "ADDR", "VERSION", "FEATURES",
		"BUSMASTER", "BUSY", "RING" };

	return e < 8 ? names[e] : "?";
}

unsigned int st_err(uint32_t st)
{
	return (st & CSB_STATUS_ERR_MASK) >> CSB_STATUS_ERR_SHIFT;
}

bool st_active(uint32_t st)
{
	return st & CSB_STATUS_ACTIVE;
}

/* Spec 2: the device clears CTRL.ENABLE when it refuses or drops the CSB. */
void check_enable_cleared(struct t *c, const char *when)
{
	uint32_t v = csb_reg_r(c, CSB_REG_CTRL);

	CHECK(c, !(v & CSB_CTRL_ENABLE),
	      "%s: CTRL = 0x%x still has ENABLE (spec 2: cleared when the device refuses or drops the CSB)",
	      when, v);
}

/* Wait for STATUS = inactive with @err; ENABLE must be cleared too. */
void expect_dropped(struct t *c, enum csb_err err, const char *what)
{
	uint32_t st = 0;

	CHECK(c, wait32(c, c->bar0 + c->regs + CSB_REG_STATUS, ~0u,
			(uint32_t)err << CSB_STATUS_ERR_SHIFT, 5000, &st),
	      "%s: STATUS 0x%x (%s), expected inactive with %s", what, st,
	      err_name(st_err(st)), err_name(err));
	check_enable_cleared(c, what);
}

/* Write a fresh CSB at addr as spec 4 steps 1-2 say. */
void csb_prepare(struct t *c, uint64_t addr, uint32_t tx_irq, uint32_t rx_irq)
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
uint32_t csb_enable_raw(struct t *c, uint64_t addr, uint32_t features, uint32_t ctrl)
{
	csb_reg_w(c, CSB_REG_ADDR_HI, (uint32_t)(addr >> 32));
	csb_reg_w(c, CSB_REG_ADDR_LO, (uint32_t)addr);
	csb_reg_w(c, CSB_REG_FEATURES, features);
	csb_reg_w(c, CSB_REG_CTRL, ctrl);
	return csb_reg_r(c, CSB_REG_STATUS);
}

/* Prepare the CSB at CSB_A and enable it with features; must succeed. */
void csb_on(struct t *c, uint32_t features, uint32_t tx_irq, uint32_t rx_irq)
{
	uint32_t st;

	csb_prepare(c, CSB_A, tx_irq, rx_irq);
	st = csb_enable_raw(c, CSB_A, features, CSB_ENABLE_V1);
	REQUIRE(c, st_active(st) && st_err(st) == CSB_ERR_NONE,
		"enable with features 0x%x at 0x%" PRIx64 " refused: STATUS 0x%x (error %s)",
		features, CSB_A, st, err_name(st_err(st)));
}

void csb_off(struct t *c)
{
	uint32_t st;

	csb_reg_w(c, CSB_REG_CTRL, 0);
	st = csb_reg_r(c, CSB_REG_STATUS);
	REQUIRE(c, !st_active(st), "CTRL = 0 did not disable: STATUS 0x%x", st);
}

/* A request word the device wrote must be well-formed (spec 3). */
unsigned int request_index(struct t *c, const char *what, uint32_t r, unsigned int n)
{
	CHECK(c, !(r & 0x7fff0000u) && (r & CSB_INDEX_MASK) < n,
	      "%s = 0x%08x written by the device is malformed (bits 30:16 set or index >= %u)",
	      what, r, n);
	return (r & CSB_INDEX_MASK) < n ? r & CSB_INDEX_MASK : 0;
}

/* Spec 5 and 6, guest side: write the tail field, then read the kick
 * request; true if it asks for a kick for the descriptors published.
 */
static bool publish_needs_kick(struct t *c, size_t tail_field, size_t kick_field,
			       const char *kick_name, unsigned int *tail,
			       unsigned int new_tail, unsigned int n)
{
	unsigned int old = *tail;
	uint32_t r;

	csbf_w(c, tail_field, new_tail);
	r = csbf(c, kick_field);
	*tail = new_tail;
	return (r & CSB_NOTIFY) &&
	       csb_need_notify(request_index(c, kick_name, r, n), old, new_tail, n);
}

/* Spec 5, guest side: publish tx_tail = new, then kick if asked to. */
bool csb_tx_publish(struct t *c, unsigned int new_tail)
{
	if (!publish_needs_kick(c, CSB_TX_TAIL, CSB_TX_KICK, "tx_kick", &c->tx_tail, new_tail,
				c->tx_n)) {
		c->tx_nokicks++;
		return false;
	}
	/* "write TDT (any value) or write KICK = KICK_TX" */
	if (c->kick_with_tdt)
		w32(c, E1K_TDT, (uint32_t)c->tx_kicks & 0xffff);
	else
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	c->kick_with_tdt = !c->kick_with_tdt;
	c->tx_kicks++;
	return true;
}

/* Spec 6, guest side. */
bool csb_rx_publish(struct t *c, unsigned int new_tail)
{
	if (!publish_needs_kick(c, CSB_RX_TAIL, CSB_RX_KICK, "rx_kick", &c->rx_tail, new_tail,
				c->rx_n)) {
		c->rx_nokicks++;
		return false;
	}
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_RX);
	c->rx_kicks++;
	return true;
}

/* Fill count TX descriptors from the current tail, publish them through
 * the CSB, check they go out in order and that tx_head follows.
 */
bool csb_tx_batch(struct t *c, unsigned int count)
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

/* A QOM counter of our NIC (x-stat-*). */
uint64_t nic_stat(struct t *c, const char *prop)
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

/* Our NIC's read-only QOM property csb-active: is it in CSB mode. */
bool nic_csb_active(struct t *c)
{
	char *r = qts_qmp(c->q,
			  "{\"execute\": \"qom-get\", \"arguments\": {\"path\": \"/machine/peripheral/nic0\", \"property\": \"csb-active\"}}");
	bool active = strstr(r, "\"return\": true");
	bool ok = active || strstr(r, "\"return\": false");

	free(r);
	REQUIRE(c, ok, "qom-get csb-active failed");
	return active;
}

/* QMP stop (false) or cont (true). */
void vm_run(struct t *c, bool run)
{
	qts_qmp_ok(c->q, run ? "{\"execute\": \"cont\"}" : "{\"execute\": \"stop\"}");
}

/*
 * With the VM stopped (the TX thread does not run), publish count more
 * TX frames and kick through KICK: the kick takes the tail into TDT, the
 * thread has transmitted none of them yet.
 */
void tx_kicked_unsent(struct t *c, unsigned int count)
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

/* The TX thread has asked for a kick: it does not touch the block. */
void tx_thread_asleep(struct t *c)
{
	uint32_t k;

	CHECK(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | c->tx_tail, 5000, &k),
	      "idle TX thread: tx_kick = 0x%x, expected NOTIFY|%u", k, c->tx_tail);
}
