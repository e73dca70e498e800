// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: enabling and disabling (spec 2, 3, 4).
 * Negotiation: enable accepted, each refusal and its code, BUSY; disable,
 * resets, bus mastering off, the device's own drops with work pending;
 * disable while the host polls; the features accepted in part (spec 3).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csb-qtest.h"

/* 3. Negotiation accepted: STATUS, register read-back, the block written. */
void test_negotiate_ok(struct t *c)
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
	CHECK(c, !nic_csb_active(c), "csb-active reads true before the enable");
	st = csb_enable_raw(c, CSB_A, c->offered, CSB_ENABLE_V1);
	REQUIRE(c, st == CSB_STATUS_ACTIVE,
		"enable with everything right: STATUS 0x%x (active %d, error %s), expected 0x1",
		st, st_active(st), err_name(st_err(st)));
	CHECK(c, nic_csb_active(c), "csb-active reads false with the CSB active");
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
	csb_off(c);
	CHECK(c, !nic_csb_active(c), "csb-active reads true after the disable");
}

struct refusal {
	const char *what;
	uint64_t addr;
	uint32_t features;	/* ~0: all offered */
	unsigned int major;
	bool busmaster;
	unsigned int err;
};

/* Enable with each of these: refused, with err. */
static const struct refusal refusals[] = {
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

/* One refusal: the code, nothing written near CSB_A, ENABLE cleared, the
 * error kept across CTRL = 0.
 */
static void try_refusal(struct t *c, const struct refusal *r)
{
	uint32_t features = r->features == ~0u ? c->offered : r->features;
	uint8_t pattern[512], after[512];
	uint32_t st;

	/* a recognisable pattern around CSB_A: a refusal writes nothing */
	memset(pattern, 0x5c, sizeof(pattern));
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

/* 3. Each refusal, its error code, the order of the checks. */
void test_negotiate_errors(struct t *c)
{
	uint32_t st;

	qemu_up(c, NULL);
	need_csb(c, 0);
	rings_setup(c, 8, 8, 4);
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		try_refusal(c, &refusals[i]);
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
void test_negotiate_busy(struct t *c)
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
void test_disable(struct t *c)
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
void test_reset(struct t *c)
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
void test_busmaster_off(struct t *c)
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

/* 4, 8. The device drops the CSB on its own (RING, BUSMASTER) while a
 * kick's tail is not transmitted yet, or a frame waits for RX buffers:
 * it goes on at once as a plain e1000 whose guest wrote the newest tails
 * (not at the guest's next doorbell or watchdog).
 */
void test_drop_flush(struct t *c)
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
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, CSB_NOTIFY | 7, 5000, &k),
	      "a frame and no RX buffers: rx_kick = 0x%x, expected NOTIFY|7", k);
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

/* F_RX only: TX is plain, tx_tail garbage is ignored. */
static void features_rx_only(struct t *c)
{
	uint32_t st, v;

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
}

/* F_TX only: RX is plain, rx_tail and rx_kick are left alone. */
static void features_tx_only(struct t *c)
{
	uint32_t st, v;

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
}

/* No features at all: allowed, everything plain. */
static void features_none(struct t *c)
{
	uint32_t st;

	rings_setup(c, 8, 8, 4);
	csb_prepare(c, CSB_A, 0, 0);
	st = csb_enable_raw(c, CSB_A, 0, CSB_ENABLE_V1);
	CHECK(c, st == CSB_STATUS_ACTIVE, "enable with no features: STATUS 0x%x", st);
	tx_fill(c, 0, 20);
	w32(c, E1K_TDT, 1);
	expect_tx(c, 20, 1, 5000);
	inject(c, 4, 200);
	CHECK(c, wait_rx(c, 0, 5000), "plain RX with no features accepted");
}

/* 3/5/6. Subsets of the features: the others stay plain. */
void test_features_partial(struct t *c)
{
	qemu_up(c, NULL);
	need_csb(c, CSB_F_TX | CSB_F_RX);
	features_rx_only(c);
	csb_off(c);
	features_tx_only(c);
	csb_off(c);
	features_none(c);
	check_alive(c, "partial features");
}

/* 4. After CTRL = 0 the block is the guest's again, even if the worker
 * was polling it at that moment.
 */
void test_disable_polling(struct t *c)
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
void test_disable_poll_read(struct t *c)
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
