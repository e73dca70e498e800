// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: bad values (spec 8).
 * What a guest or the platform can get wrong: tails and heads >= N,
 * garbage requests and reserved fields, enable toggled under TX, odd
 * kicks and ring registers, the CSB's RAM unmapped, the NIC hot-unplugged,
 * and a misbehaving host (the x-csb-chaos test hook).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csb-qtest.h"

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
void test_bad_ring_tail(struct t *c)
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
void test_bad_requests(struct t *c)
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
void test_bad_reserved(struct t *c)
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
void test_bad_toggle(struct t *c)
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
void test_bad_kick(struct t *c)
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
void test_bad_ringregs(struct t *c)
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

/* TDH written with a value >= 16 while active: ignored, RING, nothing
 * sent or touched outside the ring; plain mode goes on from TDH = 2.
 */
static void bad_tdh_written(struct t *c, uint32_t bad)
{
	rings_setup(c, 16, 16, 8);
	plant_bait(c);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	if (!csb_tx_batch(c, 2))
		bail(c);
	w32(c, E1K_TDH, bad);
	CHECK(c, r32(c, E1K_TDH) == 2,
	      "TDH = 0x%x written while active (N = 16): TDH reads %u, expected the write ignored (2)",
	      bad, r32(c, E1K_TDH));
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
}

/* RDH written with a value >= 16 while active: ignored, RING; plain RX
 * goes on (frame #seq into descriptor 0).
 */
static void bad_rdh_written(struct t *c, uint32_t bad, uint32_t seq)
{
	rings_setup(c, 16, 16, 8);
	plant_bait(c);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	w32(c, E1K_RDH, bad);
	CHECK(c, r32(c, E1K_RDH) == 0,
	      "RDH = 0x%x written while active (N = 16): RDH reads %u, expected the write ignored (0)",
	      bad, r32(c, E1K_RDH));
	expect_dropped(c, CSB_ERR_RING, "RDH >= N written while active");
	inject(c, seq, 100);	/* plain mode: RDH 0, RDT 8 */
	if (wait_rx(c, 0, 5000))
		check_rx(c, 0, seq, 100);
	else
		record(c, __LINE__, "plain RX after RDH >= N: no frame in descriptor 0");
	settle(c, 20);
	check_bait(c, "RDH >= N written");
}

/* A head below N written while active: taken, TX goes on from it. */
static void bad_head_below_n(struct t *c)
{
	uint32_t v;

	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	if (!csb_tx_batch(c, 3))
		bail(c);
	w32(c, E1K_TDH, 10);
	CHECK(c, r32(c, E1K_TDH) == 10, "TDH = 10 (N = 16) written while active: reads %u",
	      r32(c, E1K_TDH));
	CHECK(c, st_active(csb_reg_r(c, CSB_REG_STATUS)), "TDH = 10 (< N) disabled the CSB");
	for (unsigned int i = 0; i < 11; i++)
		tx_fill(c, (10 + i) % 16, c->tx_seq + i);
	csb_tx_publish(c, 5);
	csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	expect_tx(c, c->tx_seq, 11, 5000);	/* descriptors 10..15, 0..4 */
	c->tx_seq += 11;
	CHECK(c, wait_csbf(c, CSB_TX_HEAD, ~0u, 5, 5000, &v), "tx_head = %u, expected 5", v);
	csb_off(c);
}

/* TDH = 12, TDT = 3, then TDLEN shrunk under TDH (12 >= 8): a kick, or
 * (tctl) a TCTL write, which in plain mode runs the TX engine at once.
 */
static void bad_tdh_shrunk(struct t *c, bool tctl)
{
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
	if (!tctl)
		csb_reg_w(c, CSB_REG_KICK, CSB_KICK_TX);
	else
		w32(c, E1K_TCTL, r32(c, E1K_TCTL));
	expect_dropped(c, CSB_ERR_RING, tctl ? "TDLEN shrunk under TDH, TCTL written" :
			  "TDLEN shrunk under TDH, kicked");
	expect_quiet(c, 100, "TDLEN shrunk under TDH");
	check_bait(c, "TDLEN shrunk under TDH");
	CHECK(c, r32(c, E1K_TDH) == 12, "TDH moved to %u (N = 8, TDH was 12)",
	      r32(c, E1K_TDH));
	udp_drain(&c->udp);
}

/* RDLEN shrunk under RDH (12 >= 8), then a frame. */
static void bad_rdh_shrunk(struct t *c)
{
	uint32_t v;

	rings_setup(c, 16, 16, 8);
	csb_on(c, CSB_F_TX | CSB_F_RX, 0, 0);
	csb_rx_publish(c, 13);
	for (unsigned int i = 0; i < 12; i++)
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
}

/* 8. TDH/RDH >= N while the ring's tail comes from the CSB. A write of
 * such a value is ignored and disables the CSB with RING (as a tail >= N
 * does); a head that is >= N because TDLEN/RDLEN shrank under it is
 * caught (RING) before a descriptor outside the ring is touched, also
 * when a TCTL write or an arriving frame is what would use it. A write
 * below N is taken as in plain mode: processing goes on from there,
 * inside the ring.
 */
void test_bad_heads(struct t *c)
{
	static const uint32_t bad[] = { 16, 40, 0xffff, 0x10028, 0xffffffffu };

	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	c->tx_seq = 1;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bad_tdh_written(c, bad[i]);
		bad_rdh_written(c, bad[i], 200 + i);
		check_alive(c, "heads >= N written");
		udp_drain(&c->udp);
	}
	bad_head_below_n(c);
	bad_tdh_shrunk(c, false);
	bad_tdh_shrunk(c, true);
	bad_rdh_shrunk(c);
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
void test_csb_unmapped(struct t *c)
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
void test_hotunplug(struct t *c)
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
				 "\"driver\": \"%s\", \"id\": \"nic0\", \"netdev\": \"n0\", \"romfile\": \"\", \"mac\": \"%s\", \"csb\": true, \"addr\": \"0x%x\"",
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
void test_chaos(struct t *c)
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
