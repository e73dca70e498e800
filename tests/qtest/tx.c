// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: TX (spec 5) and host polling (spec 9).
 * TX published only through tx_tail, kicks exactly when tx_kick asks
 * for one, tx_head; the host worker's poll budget (csb-poll-us).
 */
#define _GNU_SOURCE
#include <inttypes.h>
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

/*
 * QEMU with the device properties @props, 16 TX and 8 RX descriptors, the
 * CSB enabled with F_TX, then @settle_ms for the TX thread's first poll
 * (the enable's wake-up) to end; the first packet's sequence number 1.
 */
static void tx_poll_up(struct t *c, const char *props, unsigned int settle_ms)
{
	qemu_up(c, props);
	need_csb(c, CSB_F_TX);
	rings_setup(c, 16, 8, 0);
	csb_on(c, CSB_F_TX, 0, 0);
	if (settle_ms)
		sleep_ms(settle_ms);
	c->tx_seq = 1;
}

/* 4. The host worker's poll budget: sleeping announced, kicks avoided. */
void test_tx_poll(struct t *c)
{
	uint32_t k;
	unsigned long kicks_before;

	/* csb-poll-us=0: purely event driven, sleeps after each batch */
	tx_poll_up(c, "csb-poll-us=0", 0);
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
 * One packet, then its frame and its head, watched without sleeping:
 * the next packet follows within a fraction of a millisecond.
 */
static bool tx_one_quick(struct t *c)
{
	unsigned int end = (c->tx_tail + 1) % c->tx_n;
	uint32_t seq = c->tx_seq++;
	uint64_t deadline = now_ms() + 5000;

	tx_fill(c, c->tx_tail, seq);
	csb_tx_publish(c, end);
	if (!expect_tx(c, seq, 1, 5000))
		return false;
	while (csbf(c, CSB_TX_HEAD) != end) {
		if (now_ms() >= deadline) {
			record(c, 0, "tx_head is %u, expected %u after a packet",
			       csbf(c, CSB_TX_HEAD), end);
			return false;
		}
	}
	return true;
}

/*
 * @warmup packets close together, then 20 more, of which at most 10 may
 * be kicked: the window grew back (after @what).
 */
static void tx_poll_grows_back(struct t *c, unsigned int warmup, const char *what)
{
	unsigned long kicks;

	for (unsigned int i = 0; i < warmup; i++)
		if (!tx_one_quick(c))
			bail(c);
	kicks = c->tx_kicks;
	for (unsigned int i = 0; i < 20; i++)
		if (!tx_one_quick(c))
			bail(c);
	note(c, "packets close together again: %lu kicks in the last 20 of %u",
	     c->tx_kicks - kicks, warmup + 20);
	CHECK(c, c->tx_kicks - kicks <= 10,
	      "packets close together after %s: %lu kicks in the last 20 of %u, expected the window to grow back",
	      what, c->tx_kicks - kicks, warmup + 20);
}

/*
 * The polling window adapts (spec 9): packets further apart than
 * csb-poll-us each find a poll that misses, and each kick that comes
 * after more than csb-poll-us of idle ring halves the window; 10 ms
 * halved 13 times is below the 2 us minimum.  So 13 polls miss, at 10 ms
 * down to 2.4 us (14 if the enable's wake-up polled and the first
 * packet's kick could not judge it: the thread had not gone to sleep
 * yet), and by the 14th packet the window is 0.  From then on the
 * thread sleeps right after each batch, polls not at all
 * (x-stat-csb-tx-poll-ns holds still) and every packet is kicked, where
 * a fixed window would have spun 10 ms for each; and each kick is served
 * in its own register write (x-stat-csb-tx-inline), the thread not woken.  (10 ms, so that a
 * loaded host's stalls do not make packets meant to be close together
 * look far apart.)
 */
void test_tx_poll_adapt(struct t *c)
{
	uint64_t misses, polled, served = 0, woken = 0;
	unsigned long kicks;
	uint32_t k;

	tx_poll_up(c, "csb-poll-us=10000", 30);
	for (unsigned int i = 0; i < 16; i++) {
		if (!csb_tx_batch(c, 1))
			bail(c);
		REQUIRE(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | c->tx_tail, 5000, &k),
			"packet %u: the TX thread did not ask for a kick (tx_kick 0x%x, expected NOTIFY|%u)",
			i, k, c->tx_tail);
		sleep_ms(30);
	}
	misses = nic_stat(c, "x-stat-csb-tx-poll-misses");
	note(c, "16 packets 30 ms apart: %" PRIu64 " polls missed, %" PRIu64 " us polled",
	     misses, nic_stat(c, "x-stat-csb-tx-poll-ns") / 1000);
	CHECK(c, misses == 13 || misses == 14,
	      "16 packets 30 ms apart with csb-poll-us=10000: %" PRIu64
	      " polls missed, expected 13 or 14 (10 ms halved by each kick after 30 ms idle, down to 0)",
	      misses);

	polled = nic_stat(c, "x-stat-csb-tx-poll-ns");
	served = nic_stat(c, "x-stat-csb-tx-inline");
	woken = nic_stat(c, "x-stat-csb-tx-wakeups");
	kicks = c->tx_kicks;
	for (unsigned int i = 0; i < 5; i++) {
		if (!csb_tx_batch(c, 1))
			bail(c);
		CHECK(c, wait_csbf(c, CSB_TX_KICK, ~0u, CSB_NOTIFY | c->tx_tail, 5000, &k),
		      "window 0: after a batch tx_kick = 0x%x, expected NOTIFY|%u",
		      k, c->tx_tail);
		sleep_ms(30);
	}
	CHECK(c, nic_stat(c, "x-stat-csb-tx-poll-ns") == polled,
	      "window 0: the thread polled %" PRIu64 " ns more",
	      nic_stat(c, "x-stat-csb-tx-poll-ns") - polled);
	CHECK(c, c->tx_kicks - kicks == 5, "window 0: %lu kicks for 5 packets",
	      c->tx_kicks - kicks);
	served = nic_stat(c, "x-stat-csb-tx-inline") - served;
	woken = nic_stat(c, "x-stat-csb-tx-wakeups") - woken;
	CHECK(c, served == 5 && woken == 0,
	      "window 0: %" PRIu64 " of 5 kicks served in the kick's write, the thread woken %"
	      PRIu64 " times (expected 5 and 0)", served, woken);

	/*
	 * Packets a millisecond or so apart: the average idle time per
	 * descriptor, 10 ms after the sparse packets, falls below csb-poll-us
	 * / x-csb-poll-descs (2.5 ms) within about 15 of them (an eighth of
	 * the way each), then every kick comes soon after the thread went to
	 * sleep and doubles the window from 2 us, until polls find the
	 * packets and nobody kicks (2 us doubled 10 times exceeds any gap
	 * under 2 ms).  Half of the last 20 of 60 is a bound that a loaded
	 * host's stalls of over 10 ms here and there do not break.
	 */
	tx_poll_grows_back(c, 40, "window 0");
	check_alive(c, "adaptive polling");
}

/*
 * The idle-time half of the rule on its own (x-csb-poll-descs=1: a window
 * need not find more than one descriptor per csb-poll-us; with the
 * default, bursts of two this far apart are not polled at all, every
 * packet kicked and served inline, as tx_poll_pingpong checks for single
 * packets).  A sender that sends in bursts (here two packets a
 * millisecond or so apart, bursts 60 ms apart) leaves the ring idle for
 * longer than csb-poll-us after each burst: the kick that starts the
 * next burst halves the window, the burst's second packet caught by a
 * poll leaves it as it is, and one that a poll misses (a kick soon after
 * the thread slept) doubles it.  So the window settles near the gap within a burst
 * instead of spinning csb-poll-us (20 ms) after every burst: over the
 * last 10 of 30 bursts the thread polls far less than 10 x 20 ms (half
 * of that is the bound, for a loaded host that spreads the bursts'
 * packets).  Every packet goes out, and every burst's first needs a kick.
 */
void test_tx_poll_bursts(struct t *c)
{
	uint64_t polled, spent;
	unsigned long kicks;

	tx_poll_up(c, "csb-poll-us=20000,x-csb-poll-descs=1", 60);
	polled = 0;
	kicks = 0;
	for (unsigned int i = 0; i < 30; i++) {
		if (i == 20) {
			polled = nic_stat(c, "x-stat-csb-tx-poll-ns");
			kicks = c->tx_kicks;
		}
		for (unsigned int j = 0; j < 2; j++)
			if (!tx_one_quick(c))
				bail(c);
		sleep_ms(60);
	}
	spent = nic_stat(c, "x-stat-csb-tx-poll-ns") - polled;
	note(c, "bursts of 2, 60 ms apart, csb-poll-us=20000: the last 10 bursts polled %" PRIu64
	     " us and kicked %lu times", spent / 1000, c->tx_kicks - kicks);
	CHECK(c, spent < 10 * 20000000ull / 2,
	      "bursts of 2 packets 60 ms apart: the last 10 bursts polled %" PRIu64
	      " us, expected well under 10 x csb-poll-us (200000 us): the window did not adapt to the bursts",
	      spent / 1000);
	CHECK(c, c->tx_kicks - kicks >= 10,
	      "bursts 60 ms apart: %lu kicks for the last 10 bursts, expected at least one each",
	      c->tx_kicks - kicks);
	check_alive(c, "bursts");
}

/*
 * A request-response exchange (spec 9): each packet goes out only once
 * the one before has completed, 8 ms later, within csb-poll-us (20 ms)
 * but above csb-poll-us / x-csb-poll-descs (4: 5 ms) per descriptor.
 * A window judged by idle time alone stays wide enough to catch every
 * packet, spinning 8 ms for each; judged by what it finds per descriptor
 * it shrinks to 0 (within about 20 packets: the average passes 5 ms
 * after 6, then 13 halvings), and from then on each kick is served in
 * its own register write: over the last 10 of 40 packets, 10 kicks, 10
 * served inline, no wake-up, no polling.  (Longer gaps, from a loaded
 * host, only make polling pay less.)  Packets close together again then
 * grow the window back, as in tx_poll_adapt.  And the divisor is checked
 * when set: 0 and 65 are refused at run time, 1 taken.
 */
/* qom-set x-csb-poll-descs to @val: taken if @ok, else refused. */
static void poll_descs_set(struct t *c, unsigned int val, bool ok)
{
	char *r = qts_qmp(c->q,
			  "{\"execute\": \"qom-set\", \"arguments\": {\"path\": \"/machine/peripheral/nic0\", \"property\": \"x-csb-poll-descs\", \"value\": %u}}",
			  val);
	bool taken = strstr(r, "\"return\"");

	CHECK(c, taken == ok && (ok || strstr(r, "1 to 64")),
	      "qom-set x-csb-poll-descs %u: %s, expected it %s", val, r,
	      ok ? "taken" : "refused, naming 1 to 64");
	free(r);
	if (ok)
		CHECK(c, nic_stat(c, "x-csb-poll-descs") == val,
		      "x-csb-poll-descs reads %" PRIu64 " after setting %u",
		      nic_stat(c, "x-csb-poll-descs"), val);
}

void test_tx_poll_pingpong(struct t *c)
{
	uint64_t polled = 0, served = 0, woken = 0;
	unsigned long kicks = 0;

	tx_poll_up(c, "csb-poll-us=20000", 30);
	for (unsigned int i = 0; i < 40; i++) {
		if (i == 30) {
			polled = nic_stat(c, "x-stat-csb-tx-poll-ns");
			served = nic_stat(c, "x-stat-csb-tx-inline");
			woken = nic_stat(c, "x-stat-csb-tx-wakeups");
			kicks = c->tx_kicks;
		}
		if (!tx_one_quick(c))
			bail(c);
		sleep_ms(8);
	}
	polled = nic_stat(c, "x-stat-csb-tx-poll-ns") - polled;
	served = nic_stat(c, "x-stat-csb-tx-inline") - served;
	woken = nic_stat(c, "x-stat-csb-tx-wakeups") - woken;
	note(c, "packets 8 ms apart, one at a time: the last 10 kicked %lu times, %" PRIu64
	     " served inline, %" PRIu64 " wake-ups, %" PRIu64 " us polled",
	     c->tx_kicks - kicks, served, woken, polled / 1000);
	CHECK(c, c->tx_kicks - kicks == 10 && served == 10 && woken == 0 && polled == 0,
	      "request-response 8 ms apart, csb-poll-us=20000, x-csb-poll-descs 4 (the default): the last 10 packets kicked %lu times, %"
	      PRIu64 " served inline, %" PRIu64 " thread wake-ups, %" PRIu64
	      " us polled; expected 10, 10, 0, 0 (5 ms of polling per packet does not pay)",
	      c->tx_kicks - kicks, served, woken, polled / 1000);

	tx_poll_grows_back(c, 20, "request-response");
	poll_descs_set(c, 0, false);
	poll_descs_set(c, 65, false);
	poll_descs_set(c, 1, true);
	check_alive(c, "request-response");
}

/*
 * A zero-length frame (a legacy descriptor of length 0 with EOP) must not
 * stop the NIC's transmit path: QEMU's socket and dgram backends take a
 * 0 returned by send() for "try later" and stop the queue to the peer for
 * good (found by the fuzz campaign).  In plain mode, then in CSB mode.
 */
static void tx_zero_len_once(struct t *c, unsigned int at, uint32_t seq, bool csb)
{
	uint8_t d[DESC_SIZE] = { 0 };

	put_le64(d, TX_BUF + c->dma_off);
	d[TXD_CMD_OFF] = TXD_CMD_EOP | TXD_CMD_IFCS | TXD_CMD_RS;
	qts_memwrite(c->q, TX_RING + (uint64_t)at * DESC_SIZE, d, sizeof(d));
	tx_fill(c, at + 1, seq);
	if (csb)
		csb_tx_publish(c, at + 2);
	else
		w32(c, E1K_TDT, at + 2);
	c->tx_seq = seq;
	CHECK(c, expect_tx(c, seq, 1, 5000),
	      "%s mode: the frame after a zero-length one never left", csb ? "CSB" : "plain");
	CHECK(c, tx_status(c, at) & TXD_STAT_DD, "the zero-length descriptor: no DD");
	tx_fill(c, at + 2, seq + 1);
	if (csb)
		csb_tx_publish(c, at + 3);
	else
		w32(c, E1K_TDT, at + 3);
	CHECK(c, expect_tx(c, seq + 1, 1, 5000),
	      "%s mode: the second frame after a zero-length one never left",
	      csb ? "CSB" : "plain");
}

void test_tx_zero_len(struct t *c)
{
	qemu_up(c, NULL);
	rings_setup(c, 16, 8, 0);
	tx_zero_len_once(c, 0, 1, false);
	if (!c->has_cap)
		return;
	CHECK(c, nic_stat(c, "x-stat-tx-empty-frames") == 1,
	      "x-stat-tx-empty-frames = %" PRIu64 " after one, expected 1",
	      nic_stat(c, "x-stat-tx-empty-frames"));
	need_csb(c, CSB_F_TX);
	csb_on(c, CSB_F_TX, 0, 0);
	tx_zero_len_once(c, 3, 3, true);
	CHECK(c, nic_stat(c, "x-stat-tx-empty-frames") == 2,
	      "x-stat-tx-empty-frames = %" PRIu64 " after two, expected 2",
	      nic_stat(c, "x-stat-tx-empty-frames"));
	check_alive(c, "zero-length frames");
}
