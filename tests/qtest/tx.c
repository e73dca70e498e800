// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: TX (spec 5) and host polling (spec 9).
 * TX published only through tx_tail, kicks exactly when tx_kick asks
 * for one, tx_head; the host worker's poll budget (csb-poll-us).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csb-qtest.h"

/* 4. TX through the CSB only. */
void test_tx_csb(struct t *c)
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
void test_tx_poll(struct t *c)
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

/*
 * The polling window adapts (spec 9): packets further apart than
 * csb-poll-us each find a poll that misses; from the fourth miss in a row
 * on, each halves the window, and 1 ms halved 9 times is below the 2 us
 * minimum: 0 after 12 misses, the poll after the enable's and 11
 * packets' (the 12th is not polled for).  From then on the
 * thread sleeps right after each batch, polls not at all
 * (x-stat-csb-tx-poll-ns holds still) and every packet is kicked, where
 * a fixed window would have spun 1 ms for each.
 */
void test_tx_poll_adapt(struct t *c)
{
	uint64_t misses, polled;
	unsigned long kicks;
	uint32_t k;

	qemu_up(c, "csb-poll-us=1000");
	need_csb(c, CSB_F_TX);
	rings_setup(c, 16, 8, 0);
	csb_on(c, CSB_F_TX, 0, 0);
	sleep_ms(5);	/* the poll after the enable misses: 1 of the 12 */
	c->tx_seq = 1;
	for (unsigned int i = 0; i < 12; i++) {
		if (!csb_tx_batch(c, 1))
			bail(c);
		REQUIRE(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | c->tx_tail, 5000, &k),
			"packet %u: the TX thread did not ask for a kick (tx_kick 0x%x, expected NOTIFY|%u)",
			i, k, c->tx_tail);
		sleep_ms(5);
	}
	misses = nic_stat(c, "x-stat-csb-tx-poll-misses");
	note(c, "12 packets 5 ms apart: %" PRIu64 " polls missed, %" PRIu64 " us polled",
	     misses, nic_stat(c, "x-stat-csb-tx-poll-ns") / 1000);
	CHECK(c, misses == 12,
	      "12 packets 5 ms apart with csb-poll-us=1000: %" PRIu64
	      " polls missed, expected 12 (1 ms halved from the fourth down to 0)",
	      misses);

	polled = nic_stat(c, "x-stat-csb-tx-poll-ns");
	kicks = c->tx_kicks;
	for (unsigned int i = 0; i < 5; i++) {
		if (!csb_tx_batch(c, 1))
			bail(c);
		CHECK(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | c->tx_tail, 5000, &k),
		      "window 0: after a batch tx_kick = 0x%x, expected NOTIFY|%u",
		      k, c->tx_tail);
		sleep_ms(5);
	}
	CHECK(c, nic_stat(c, "x-stat-csb-tx-poll-ns") == polled,
	      "window 0: the thread polled %" PRIu64 " ns more",
	      nic_stat(c, "x-stat-csb-tx-poll-ns") - polled);
	CHECK(c, c->tx_kicks - kicks == 5, "window 0: %lu kicks for 5 packets",
	      c->tx_kicks - kicks);
	check_alive(c, "adaptive polling");
}
