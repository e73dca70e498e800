/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * tx.pml: the TX doorbell handshake, TX-G / TX-H (csb-spec.md section 5).
 *
 * Guest: the transmit path of driver/e1000_csb_tx.c (xmit fills one
 * descriptor per packet; with xmit_more several before one doorbell) and
 * e1000_csb_mode_publish() in driver/e1000_csb_mode.c (TX-G).
 * Host: the TX thread of qemu-csb/src/hw/net/e1000-csb.c,
 * e1000_csb_tx_thread() / e1000_csb_tx_run() with e1000_csb_tx_batch(),
 * e1000_csb_tx_poll() and the sleep handshake TX-H, and the TX kick,
 * e1000_csb_tx_kick(), run by the vCPU that writes TDT.
 *
 * Abstractions: one descriptor per packet, descriptors are a state (FILLED
 * by the guest, DONE when the device wrote DD back); the guest reclaims a
 * descriptor once it sees DD (in the driver: xmit, NAPI after a TX
 * interrupt, or the reclaim timer; interrupts are irq_tx.pml's subject);
 * the TX thread's poll budget is POLLS reads of tx_tail; qemu_event is a
 * flag (set, reset, wait until set); the BQL is a lock whose acquisition
 * and release are full barriers on the host (glibc's mutex on x86).
 *
 * Properties:
 *  - no_lost_wakeup (LTL): every tail the guest publishes is eventually
 *    consumed: [] (published != consumed -> <> published == consumed);
 *  - the same as a safety property: no invalid end state (the guest waits
 *    for its last descriptors while the thread sleeps);
 *  - no kick storm: kicks <= sleep announcements (each tx_kick request
 *    brings at most one kick);
 *  - the device processes only descriptors the guest filled, at indices
 *    inside the ring; tails and request indices stay inside the ring.
 *
 * Mutations (each must yield a counterexample): NO_TXG_MB, NO_TXH_MB
 * (remove a full barrier), SWAP_TXG, SWAP_TXH (load the other side's word
 * before storing one's own), NO_TXG_WMB (descriptors and tail unordered).
 */

#ifndef N
#define N	3		/* descriptors in the ring */
#endif
#ifndef PKTS
#define PKTS	4		/* packets the guest sends: more than N wraps */
#endif
#ifndef POLLS
#define POLLS	1		/* tail reads of the TX thread's poll budget */
#endif

#define TX_TAIL		0	/* guest-written */
#define TX_KICK		1	/* host-written */
#define TX_HEAD		2	/* host-written */
#define DESC(i)		(3 + (i))
#define NWORDS		(3 + N)

#include "memory.pml"

#define FILLED	1		/* written by the guest, DD clear */
#define DONE	2		/* written back by the device, DD set */

/* guest (absolute counts; the ring index is the count mod N) */
byte ntu;			/* next_to_use */
byte ntc;			/* next_to_clean */
byte published;			/* csb.published */

/* host */
byte tdh, tdt;			/* TDH, TDT registers (indices) */
bit bql;			/* the BQL */
bit tx_event = 1;		/* csb->tx_event: set by the enable */
bit kick_armed;			/* csb->tx_kick_armed */
byte consumed;			/* descriptors the device processed (count) */

/* ghosts for the properties */
byte kicks, announces;
bit stale_desc;			/* the device read a descriptor not handed over */

inline bql_lock()
{
	atomic { bql == 0 && MB(HOST) -> bql = 1 }
}

inline bql_unlock()
{
	atomic { MB(HOST) -> bql = 0 }
}

/* e1000_csb_mode_publish(): TX-G */
inline tx_publish()
{
	old = published % N;
	new = ntu % N;
#ifndef NO_TXG_WMB
	WMB(GUEST);		/* the descriptors before the tail */
#endif
#ifdef SWAP_TXG
	LOAD(GUEST, TX_KICK, req);
#endif
	STORE(GUEST, TX_TAIL, new);
	published = ntu;
#ifndef NO_TXG_MB
	MB(GUEST);		/* TX-G: tail stored, full barrier, ... */
#endif
#ifndef SWAP_TXG
	LOAD(GUEST, TX_KICK, req);	/* ... then tx_kick loaded */
#endif
	/* csb_notify_valid(): the host's index is inside the ring */
	assert(!(req & NOTIFY) || IDX(req) < N);
	if
	:: (req & NOTIFY) && NEED_NOTIFY(IDX(req), old, new, N) ->
		/*
		 * Kick: a TDT write traps; the vCPU runs e1000_csb_tx_kick()
		 * under the BQL: take the tail (TDT), wake the thread.
		 */
		MB(GUEST);
		atomic {
			bql == 0 && MB(HOST) ->
			kicks++;
			printf("@ kick (TDT write)\n");
			assert(kicks <= announces);
			assert(SEES(HOST, TX_TAIL) < N);
			tdt = SEES(HOST, TX_TAIL);
			tx_event = 1
		}
	:: else
	fi
}

active proctype guest()
{
	byte old, new, req;

	do
	:: ntu < PKTS && ntu - ntc < N - 1 ->
		/* xmit: fill a descriptor; with xmit_more, no doorbell yet */
		STORE(GUEST, DESC(ntu % N), FILLED);
		ntu++
	:: ntu > published ->
		/* the last packet of a batch: doorbell */
		tx_publish()
	:: ntc < published && SEES(GUEST, DESC(ntc % N)) == DONE ->
		/* reclaim (e1000_csb_tx_clean()) */
		ntc++
	:: ntc == PKTS ->
		break
	od
}

/* e1000_csb_tx_thread(): wait for the event, then e1000_csb_tx_run() */
active proctype tx_thread()
{
	byte tail, seen, polls, d;
	bit moved;

end_sleep:
	do
	:: tx_event == 1 ->
		bql_lock();
		tx_event = 0;			/* qemu_event_reset() */
batch:
		/* e1000_csb_tx_batch() */
		if
		:: kick_armed ->
			kick_armed = 0;
			STORE(HOST, TX_KICK, 0)
		:: else
		fi;
		LOAD(HOST, TX_TAIL, tail);	/* e1000_csb_take_tail() */
		assert(tail < N);
		tdt = tail;
		seen = tail;
		/* csb->xmit(): the e1000 TX engine, TDH up to TDT */
		do
		:: tdh != tdt ->
			assert(tdh < N);
			DMA_LOAD(DESC(tdh), d);	/* the descriptor */
			d_step { stale_desc = d != FILLED; assert(!stale_desc) }
			DMA_STORE(DESC(tdh), DONE);	/* its write-back */
			d = 0;
			tdh = (tdh + 1) % N;
			consumed++
		:: else -> break
		od;
		/* e1000_csb_tx_done() -> e1000_csb_ring_done(), F_IRQ on */
		WMB(HOST);
		STORE(HOST, TX_HEAD, tdh);
		MB(HOST);			/* IRQ-H (tx_irq: irq_tx.pml) */
		bql_unlock();

		/* e1000_csb_tx_poll(): without the BQL */
		moved = 0;
		polls = 0;
		do
		:: polls < POLLS ->
			polls++;
			LOAD(HOST, TX_TAIL, tail);
			if
			:: tail != seen -> moved = 1; break
			:: else
			fi
		:: else -> break
		od;

		bql_lock();
		if
		:: moved -> goto batch		/* spin hit */
		:: else
		fi;

		/* TX-H: announce sleep, then look */
		tx_event = 0;			/* qemu_event_reset() */
		kick_armed = 1;
#ifdef SWAP_TXH
		LOAD(HOST, TX_TAIL, tail);
#endif
		STORE(HOST, TX_KICK, NOTIFY | tdh);
		announces++;
#ifndef NO_TXH_MB
		MB(HOST);			/* TX-H: tx_kick, then tx_tail */
#endif
#ifndef SWAP_TXH
		LOAD(HOST, TX_TAIL, tail);
#endif
		if
		:: tail != seen -> goto batch	/* work arrived: stay up */
		:: else
		fi;
		printf("@ TX thread sleeps\n");
		bql_unlock()			/* sleep until a kick */
	od
}

init
{
	atomic {
		run drainer(GUEST);
		run drainer(HOST)
	}
}

/* Every published tail is eventually consumed. */
ltl no_lost_wakeup { [] ((published != consumed) -> <> (published == consumed)) }
