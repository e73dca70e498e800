// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: the seeded random campaign (spec 8).
 * csb-qtest fuzz --seed S --iterations N: one random action per step,
 * drawn from the seed alone (a seed replays the same inputs), then
 * checks that QEMU answers, STATUS is well formed and guest memory
 * outside the rings, buffers and CSBs is untouched.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csb-qtest.h"

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

/*
 * The actions of a step. Each draws its random numbers in the order the
 * campaign has always drawn them, so that a seed keeps replaying the same
 * inputs; none of them draws depending on the device's state.
 */

/* A guest-line CSB field (tails, interrupt requests) of either block. */
static void fz_csb_field(struct fuzz *f)
{
	static const size_t fields[] = { CSB_TX_TAIL, CSB_RX_TAIL, CSB_TX_IRQ, CSB_RX_IRQ };
	size_t fld = fields[rnd_below(4)];
	unsigned int n = fld == CSB_RX_TAIL || fld == CSB_RX_IRQ ? f->rx_n : f->tx_n;
	uint32_t v = rnd_index(n);
	uint64_t a = chance(90) ? CSB_A : CSB_B;

	fz_log(f, "csb@%" PRIx64 "+0x%zx = 0x%x", a, fld, v);
	mem_w32(f->c, a + fld, v);
}

/* Any word of either block. */
static void fz_csb_word(struct fuzz *f)
{
	uint64_t a = (chance(80) ? CSB_A : CSB_B) + rnd_below(64) * 4;
	uint32_t v = (uint32_t)rnd();

	fz_log(f, "mem 0x%" PRIx64 " = 0x%x", a, v);
	mem_w32(f->c, a, v);
}

/* TDLEN or RDLEN: good lengths, 0, and lengths that are not a whole
 * number of 128-byte units.
 */
static void fz_ring_len(struct fuzz *f)
{
	static const uint32_t lens[] = { 0, 128, 256, 512, 1024, 4096, 0x80, 0x380 };
	uint32_t v = lens[rnd_below(8)];
	uint32_t reg = chance(50) ? E1K_TDLEN : E1K_RDLEN;

	fz_log(f, "%s = 0x%x", reg == E1K_TDLEN ? "TDLEN" : "RDLEN", v);
	w32(f->c, reg, v);
	if (reg == E1K_TDLEN)
		f->tx_n = v / DESC_SIZE;
	else
		f->rx_n = v / DESC_SIZE;
}

/* TDBAL or RDBAL: one of two rings, sometimes misaligned. */
static void fz_ring_base(struct fuzz *f)
{
	uint32_t reg = chance(50) ? E1K_TDBAL : E1K_RDBAL;
	uint32_t v = reg == E1K_TDBAL ? (uint32_t)(chance(50) ? TX_RING : TX_RING2) :
		(uint32_t)(chance(50) ? RX_RING : RX_RING2);

	if (chance(10))
		v += 8;
	fz_log(f, "%s = 0x%x", reg == E1K_TDBAL ? "TDBAL" : "RDBAL", v);
	w32(f->c, reg, v);
}

/* Ring registers: lengths, bases, heads, ITR, TCTL.EN. */
static void fz_ring_reg(struct fuzz *f)
{
	struct t *c = f->c;
	uint32_t v, reg;

	switch (rnd_below(6)) {
	case 0: case 1:
		fz_ring_len(f);
		break;
	case 2:
		fz_ring_base(f);
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
}

/* Any offset of the CSB register block (and 8 bytes past it), written
 * 32, 16 or 8 bits wide.
 */
static void fz_csb_reg_any(struct fuzz *f)
{
	struct t *c = f->c;
	uint32_t reg = rnd_below(CSB_REGS_SIZE + 8);
	uint32_t v = (uint32_t)rnd();

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
}

/* A CSB register: ADDR from good and bad addresses, FEATURES, CTRL,
 * KICK, or any offset; a ring register if the device has no CSB.
 */
static void fz_csb_reg(struct fuzz *f)
{
	struct t *c = f->c;
	uint64_t a;
	uint32_t v;

	if (!f->csb_ok) {
		fz_ring_reg(f);
		return;
	}
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
		fz_csb_reg_any(f);
		break;
	}
}

/* TDT or RDT: a doorbell with a ring index value. */
static void fz_doorbell(struct fuzz *f)
{
	uint32_t reg = chance(50) ? E1K_TDT : E1K_RDT;
	uint32_t v = rnd_index(reg == E1K_TDT ? f->tx_n : f->rx_n);

	fz_log(f, "%s = 0x%x", reg == E1K_TDT ? "TDT" : "RDT", v);
	w32(f->c, reg, v);
}

/* A proper guest publish, with the spec's kick protocol. */
static void fz_publish(struct fuzz *f)
{
	struct t *c = f->c;
	bool tx = chance(50);
	unsigned int n = tx ? f->tx_n : f->rx_n;
	uint32_t v;

	if (!n)
		return;
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
}

/* CTRL.RST, sometimes followed by fresh rings and CSB. */
static void fz_ctrl_rst(struct fuzz *f)
{
	struct t *c = f->c;

	if (!chance(30))
		return;
	fz_log(f, "CTRL.RST");
	w32(c, E1K_CTRL, r32(c, E1K_CTRL) | E1K_CTRL_RST);
	if (chance(50)) {
		fz_log(f, "  + fresh rings and CSB");
		fz_setup(f);
	}
}

/* RCTL: buffer sizes, enable, CRC stripping, promiscuous, long frames. */
static void fz_rctl(struct fuzz *f)
{
	static const uint32_t sizes[] = { E1K_RCTL_SZ_2048, E1K_RCTL_SZ_1024,
		E1K_RCTL_SZ_512, E1K_RCTL_SZ_256, E1K_RCTL_BSEX | E1K_RCTL_SZ_1024,
		E1K_RCTL_BSEX | E1K_RCTL_SZ_512 };

	f->rctl = E1K_RCTL_BAM | sizes[rnd_below(6)] |
		(chance(90) ? E1K_RCTL_EN : 0) | (chance(50) ? E1K_RCTL_SECRC : 0) |
		(chance(20) ? E1K_RCTL_UPE | E1K_RCTL_MPE : 0) |
		(chance(20) ? E1K_RCTL_LPE : 0);
	fz_log(f, "RCTL = 0x%x", f->rctl);
	w32(f->c, E1K_RCTL, f->rctl);
	if (chance(70))
		step_clock(f->c, 1100000000ull);
}

/* A frame from the wire: any length, sometimes not addressed to us. */
static void fz_frame(struct fuzz *f)
{
	uint8_t fr[2048];
	size_t len = chance(85) ? 60 + rnd_below(1455) : rnd_below(2048);

	make_frame(fr, (uint32_t)f->step, len < 22 ? 22 : len, true);
	if (chance(10))
		memset(fr, 0xff, 6);
	else if (chance(10))
		for (unsigned int i = 0; i < 6; i++)
			fr[i] = (uint8_t)rnd();
	if (!len)
		len = 1;
	fz_log(f, "inject %zu bytes", len);
	/*
	 * Never an empty datagram: QEMU's dgram backend takes recv() = 0 for
	 * the end of a connection and stops reading its socket for good (an
	 * upstream defect of net/dgram.c, qemu-csb/README.md), which tests
	 * the backend, not the device.
	 */
	udp_send(&f->c->udp, fr, len);
	f->frames_in++;
}

/* Random TX and RX descriptors among the first 64. */
static void fz_fill(struct fuzz *f)
{
	fz_log(f, "fill TX/RX descriptors");
	for (unsigned int i = 0; i < 4; i++) {
		fz_fill_tx(f, rnd_below(64));
		fz_fill_rx(f, rnd_below(64));
	}
}

/* Bus mastering on or off (off for at most 300 steps: fz_step()). */
static void fz_bus_master(struct fuzz *f)
{
	uint32_t v;

	if (!chance(20))
		return;
	v = chance(50);
	fz_log(f, "bus master %s", v ? "on" : "off");
	bus_master(f->c, v);
	f->master_on_at = v ? 0 : f->step + 1 + rnd_below(300);
}

/* The virtual clock: a few ms, or past QEMU's RX hold-off. */
static void fz_clock(struct fuzz *f)
{
	uint32_t v = chance(80) ? rnd_below(3000000) : 1100000000u;

	fz_log(f, "clock_step %u", v);
	step_clock(f->c, v);
}

/* IMS, IMC, or an ICR read. */
static void fz_irq_regs(struct fuzz *f)
{
	struct t *c = f->c;
	uint32_t v;

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
}

/* Link up or down (QMP set_link), rarely. */
static void fz_link(struct fuzz *f)
{
	uint32_t v;

	if (!chance(5))
		return;
	v = chance(50);
	fz_log(f, "set_link %s", v ? "up" : "down");
	qts_qmp_ok(f->c->q,
		   "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"nic0\", \"up\": %s}}",
		   v ? "true" : "false");
}

/* A fresh CSB with random interrupt requests, enabled. */
static void fz_fresh_csb(struct fuzz *f)
{
	struct t *c = f->c;

	if (!f->csb_ok)
		return;
	fz_log(f, "fresh CSB, enable");
	csb_prepare(c, chance(80) ? CSB_A : CSB_B, (uint32_t)rnd(), (uint32_t)rnd());
	(void)csb_enable_raw(c, c->csb, (uint32_t)rnd_below(8), CSB_ENABLE_V1);
}

/* QMP system_reset, then the PCI setup again (BAR, bus mastering). */
static void reset_system(struct t *c)
{
	uint64_t end;

	qts_qmp_ok(c->q, "{\"execute\": \"system_reset\"}");
	end = now_ms() + 5000;
	while (cfg_r32(c, c->dev, PCI_BAR0) == BAR0_ADDR && now_ms() < end)
		sleep_ms(2);
	pci_setup(c);
}

/* QMP system_reset, rarely: PCI set up again, fresh rings and CSB. */
static void fz_system_reset(struct fuzz *f)
{
	if (!chance(2))
		return;
	fz_log(f, "system_reset");
	reset_system(f->c);
	fz_setup(f);
}

/* The guest's enable sequence (while active, the BUSY / "no effect"
 * path), tails first from the registers if from_regs.
 */
static void fz_enable(struct fuzz *f, uint32_t feats, bool from_regs)
{
	struct t *c = f->c;

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
}

/* The actions and their weights: one slot in 24 each. */
static void (*const fz_actions[24])(struct fuzz *f) = {
	fz_csb_field, fz_csb_field, fz_csb_field,	/* 0-2 */
	fz_csb_word,					/* 3 */
	fz_csb_reg, fz_csb_reg,				/* 4-5 */
	fz_doorbell, fz_doorbell,			/* 6-7 */
	fz_publish, fz_publish,				/* 8-9 */
	fz_ring_reg, fz_ring_reg,			/* 10-11 */
	fz_ctrl_rst,					/* 12 */
	fz_rctl,					/* 13 */
	fz_frame, fz_frame, fz_frame,			/* 14-16 */
	fz_fill,					/* 17 */
	fz_bus_master,					/* 18 */
	fz_clock,					/* 19 */
	fz_irq_regs,					/* 20 */
	fz_link,					/* 21 */
	fz_fresh_csb,					/* 22 */
	fz_system_reset,				/* 23 */
};

static void fz_step(struct fuzz *f)
{
	/* spend most steps with the CSB active: enable it often (while it is
	 * active, that is the BUSY / "no effect" path). Nothing here depends
	 * on the device's state, so a seed always gives the same inputs.
	 */
	bool try_enable = chance(20), from_regs = chance(30);
	uint32_t feats = chance(80) ? CSB_F_ALL : 0;

	feats |= rnd_below(8);
	if (f->master_on_at && f->step >= f->master_on_at) {
		/* bus mastering stays off for a bounded time (fz_bus_master()),
		 * so that the share of steps with the CSB active does not hang
		 * on a few coin tosses: the scenario asserts a minimum
		 */
		fz_log(f, "bus master on (end of the off period)");
		bus_master(f->c, true);
		f->master_on_at = 0;
		return;
	}
	if (f->csb_ok && try_enable) {
		fz_enable(f, feats, from_regs);
		return;
	}
	fz_actions[rnd_below(24)](f);
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

/*
 * The frame @seq of @len bytes arrives in the ring of 8 set up with 4
 * descriptors given: frames the campaign left queued in QEMU come first
 * (each descriptor is given back once looked at); at most the net
 * layer's queue of them.
 */
static bool fz_probe_rx(struct fuzz *f, uint32_t seq, size_t len)
{
	struct t *c = f->c;
	uint8_t d[DESC_SIZE], want[2048], got[2048];

	make_frame(want, seq, len, true);
	for (unsigned int i = 0; i <= 10000; i++) {
		unsigned int idx = i % 8;

		if (!wait_rx(c, idx, 5000))
			return false;
		qts_memread(c->q, RX_RING + (uint64_t)idx * DESC_SIZE, d, sizeof(d));
		qts_memread(c->q, RX_BUF + (uint64_t)idx * BUF_SLOT, got, len);
		if ((d[RXD_STA_OFF] & RXD_STAT_EOP) && get_le16(d + RXD_LEN_OFF) == len &&
		    !memcmp(got, want, len))
			return true;
		rx_desc_reset(c, idx);
		w32(c, E1K_RDT, (i + 5) % 8);
	}
	return false;
}

/*
 * After the campaign, whatever state it left the device in: the link up,
 * a system reset (CTRL.RST is not enough: QEMU's e1000 keeps a frame whose
 * descriptors had no EOP yet across it, and the next frame goes out behind
 * that prefix), PCI set up, fresh rings; the device must send a frame and
 * receive one.  A state that no reset leaves is a finding (a zero-length
 * frame once stopped QEMU's queue to the backend for good).
 */
static void fz_probe(struct fuzz *f)
{
	struct t *c = f->c;

	qts_qmp_ok(c->q,
		   "{\"execute\": \"set_link\", \"arguments\": {\"name\": \"nic0\", \"up\": true}}");
	reset_system(c);
	rings_setup(c, 8, 8, 4);	/* past the RX hold-off of its RCTL write */
	settle(c, 100);
	f->frames_out += (unsigned long)udp_drain(&c->udp);
	tx_fill(c, 0, 1);
	w32(c, E1K_TDT, 1);
	REQUIRE(c, expect_tx(c, 1, 1, 5000),
		"after the campaign and a reset, the device sent nothing");
	inject(c, 2, 100);
	REQUIRE(c, fz_probe_rx(f, 2, 100),
		"after the campaign and a reset, the device did not receive a frame");
}

int run_fuzz(uint64_t seed, unsigned long iterations)
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
		if (!c->failures)
			fz_probe(&f);
	}
	c->armed = false;
	if (c->q)
		f.irqs = c->q->irq_raises[c->irq];
	if (c->failures)
		fz_dump(&f);
	qemu_stop(c);
	udp_wire_close(&c->udp);
	if (c->failures) {
		bool probe = f.step >= iterations;	/* the end probe failed */

		printf("FAIL fuzz: %s (seed %" PRIu64
		       ", %s %lu of %lu; reproduce with: csb-qtest --qemu %s%s%s fuzz --seed %"
		       PRIu64 " --iterations %lu)\n",
		       c->first_failure, seed, probe ? "end probe after step" : "step",
		       probe ? iterations : f.step, iterations, opt.qemu,
		       opt.props[0] ? " --props " : "", opt.props, seed,
		       probe ? iterations : f.step + 1);
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
