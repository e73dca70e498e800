// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: plain mode and discovery (spec 1, 2).
 * Plain mode first (TDT, RDT, TXDW/RXT0 and the ICR read: what any e1000
 * does, also on a QEMU without the CSB), then the vendor capability and
 * the CSB registers' reset values (spec 1 and 2).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csb-qtest.h"

/* 1. Plain mode: TX through TDT. */
void test_plain_tx(struct t *c)
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
void test_plain_rx(struct t *c)
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
void test_plain_irq(struct t *c)
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
void test_capability(struct t *c)
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
