// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: interrupts (spec 7).
 * TX and RX interrupts only on request (tx_irq, rx_irq), also across
 * the ring's wrap; the icr and status copies; ITR still applies.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csb-qtest.h"

/* 6. TX interrupts on request only. */
void test_irq_tx(struct t *c)
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
void test_irq_rx(struct t *c)
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
void test_irq_mirrors(struct t *c)
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

/* 7. ITR still applies to requested interrupts: with the virtual clock
 * standing still, a second requested interrupt waits for the interval.
 */
void test_irq_itr(struct t *c)
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
