/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * rx.pml: the RX doorbell handshake, RX-G / RX-H (csb-spec.md section 6).
 *
 * Guest: NAPI's receive side in driver/e1000_csb_rx.c,
 * e1000_csb_rx_clean() (takes descriptors with DD set, clears their
 * status) and e1000_csb_rx_refill() (gives every unused slot a buffer, one
 * doorbell), and e1000_csb_mode_publish() in driver/e1000_csb_mode.c
 * (RX-G), whose kick is a KICK register write.
 * Host: e1000_csb_rx_check() in qemu-csb/src/hw/net/e1000-csb.c (RX-H),
 * called through e1000_has_rxbufs() by e1000_can_receive() (a frame of
 * one buffer) and by e1000_receive_iov() (the real size); a frame without
 * room stays queued in QEMU's net layer (e1000_csb_rx_wait()) until the
 * kick, e1000_csb_rx_kick(), flushes the queue (qemu_flush_queued_packets()
 * delivers straight to e1000_receive_iov()). The receive writes the
 * descriptors back (DD) and e1000_csb_rx_done() -> e1000_csb_ring_done()
 * publishes rx_head.
 *
 * Abstractions: descriptors are a state (GIVEN by the guest, RCVD when the
 * device wrote DD back, 0 once the guest took it); a frame needs 1 or
 * NEED_MAX buffers, chosen by the model checker; the net layer delivers
 * FRAMES frames, one at a time (a queued frame holds back the ones after
 * it); NAPI runs whenever it likes (when it runs is irq_rx.pml's subject);
 * the ring starts empty (rx_tail = RDH = 0), as after an enable with no
 * buffers given yet; the BQL as in tx.pml.
 *
 * Properties:
 *  - no_lost_wakeup (LTL): a frame waiting for buffers is eventually
 *    received: [] (queued -> <> !queued); and no invalid end state (the
 *    guest waits for a frame that stays queued);
 *  - the device writes only descriptors the guest gave (after seeing
 *    their contents), at indices inside the ring; tails and request
 *    indices stay inside the ring;
 *  - no kick storm: kicks <= starvation announcements.
 *
 * Mutations: NO_RXG_MB, NO_RXH_MB, SWAP_RXG, SWAP_RXH, NO_RXG_WMB.
 */

#ifndef N
#define N		3
#endif
#ifndef FRAMES
#define FRAMES		3
#endif
#ifndef NEED_MAX
#define NEED_MAX	2	/* buffers of the largest frame, < N */
#endif

#define RX_TAIL		0	/* guest-written */
#define RX_KICK		1	/* host-written */
#define RX_HEAD		2	/* host-written */
#define DESC(i)		(3 + (i))
#define NWORDS		(3 + N)

#include "memory.pml"

#define GIVEN	1		/* a buffer given by the guest, DD clear */
#define RCVD	2		/* written back by the device, DD set */

/* free descriptors from head (included) to tail: e1000_csb_ring_avail() */
#define AVAIL(h, t)	((h) <= (t) -> (t) - (h) : N - (h) + (t))

/* guest (absolute counts) */
byte ntu;			/* next_to_use: buffers given */
byte ntc;			/* next_to_clean: descriptors taken */
byte published;			/* csb.published */

/* host */
byte rdh;			/* RDH */
bit bql;
bit rx_kick_armed;		/* csb->rx_kick_armed */
byte rx_kick_req;		/* csb->rx_kick_req */
bit rx_waiting;			/* csb->rx_waiting */
byte used;			/* descriptors written back (count) */
byte delivered;			/* frames received */
bit queued;			/* a frame waits in the net layer */
byte qneed;			/* its buffers */

/* ghosts */
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

/* e1000_csb_rx_check(): RX-H; has = are there buffers for need? */
inline rx_check(need, has)
{
	rx_waiting = 0;
	head = rdh;
	LOAD(HOST, RX_TAIL, tail);		/* e1000_csb_take_tail() */
	assert(tail < N);
	assert(need < N);			/* else: dropped as too big */
	if
	:: AVAIL(head, tail) >= need
	:: else ->
		/* RX-H: announce starvation, then look */
		/* the kick asked for half a ring ahead, or the last
		 * descriptor the frame needs if further
		 */
		req = NOTIFY | ((head + (need > N / 2 -> need : N / 2) - 1) % N);
#ifdef SWAP_RXH
		LOAD(HOST, RX_TAIL, tail);
		assert(tail < N);
#endif
		if
		:: !rx_kick_armed || rx_kick_req != req ->
			rx_kick_armed = 1;
			rx_kick_req = req;
			STORE(HOST, RX_KICK, req);
			announces++
		:: else
		fi;
#ifndef NO_RXH_MB
		MB(HOST);			/* RX-H: rx_kick, then rx_tail */
#endif
#ifndef SWAP_RXH
		LOAD(HOST, RX_TAIL, tail);
		assert(tail < N);
#endif
	fi;
	if
	:: AVAIL(head, tail) < need ->
		rx_waiting = 1;
		has = 0
	:: else ->
		if
		:: rx_kick_armed ->
			rx_kick_armed = 0;
			STORE(HOST, RX_KICK, 0)
		:: else
		fi;
		has = 1
	fi
}

/* e1000_receive_iov() past e1000_has_rxbufs(), then e1000_csb_rx_done() */
inline receive(need)
{
	k = 0;
	do
	:: k < need ->
		assert(rdh < N);
		DMA_LOAD(DESC(rdh), d);		/* the descriptor */
		d_step { stale_desc = d != GIVEN; assert(!stale_desc) }
		DMA_STORE(DESC(rdh), RCVD);	/* data, then DD */
		d = 0;
		rdh = (rdh + 1) % N;
		used++;
		k++
	:: else -> break
	od;
	k = 0;
	delivered++;
	printf("@ frame %d received\n", delivered);
	/* e1000_csb_ring_done(), F_IRQ on (rx_irq: irq_rx.pml) */
	WMB(HOST);
	STORE(HOST, RX_HEAD, rdh);
	MB(HOST)
}

/* e1000_csb_mode_publish(): RX-G */
inline rx_publish()
{
	old = published % N;
	new = ntu % N;
#ifndef NO_RXG_WMB
	WMB(GUEST);		/* the refilled descriptors before the tail */
#endif
#ifdef SWAP_RXG
	LOAD(GUEST, RX_KICK, r);
#endif
	STORE(GUEST, RX_TAIL, new);
	published = ntu;
#ifndef NO_RXG_MB
	MB(GUEST);		/* RX-G: tail stored, full barrier, ... */
#endif
#ifndef SWAP_RXG
	LOAD(GUEST, RX_KICK, r);	/* ... then rx_kick loaded */
#endif
	assert(!(r & NOTIFY) || IDX(r) < N);	/* csb_notify_valid() */
	if
	:: (r & NOTIFY) && NEED_NOTIFY(IDX(r), old, new, N) ->
		/* KICK = KICK_RX traps: e1000_csb_rx_kick() on this vCPU */
		MB(GUEST);
		bql_lock();
		kicks++;
		printf("@ kick (KICK_RX)\n");
		assert(kicks <= announces);
		LOAD(HOST, RX_TAIL, tail);
		assert(tail < N);
		if
		:: rx_kick_armed ->
			rx_kick_armed = 0;
			STORE(HOST, RX_KICK, 0)
		:: else
		fi;
		/* e1000_csb_rx_kick() -> e1000_csb_dev_flush_rx(): deliver the queued frame */
		if
		:: queued ->
			rx_check(qneed, has);
			if
			:: has -> receive(qneed); queued = 0; qneed = 0
			:: else
			fi
		:: else
		fi;
		bql_unlock()
	:: else
	fi
}

active proctype guest()
{
	byte old, new, r;
	byte head, tail, req, k, d;	/* for the host code run by the kick */
	bit has;

	do
	:: ntc < ntu && SEES(GUEST, DESC(ntc % N)) == RCVD ->
		/* e1000_csb_rx_clean(): a descriptor with DD; status = 0 */
		STORE(GUEST, DESC(ntc % N), 0);
		ntc++
	:: ntu - ntc < N - 1 ->
		/* e1000_csb_rx_refill(): every unused slot, one doorbell */
		do
		:: ntu - ntc < N - 1 ->
			STORE(GUEST, DESC(ntu % N), GIVEN);
			ntu++
		:: else -> break
		od;
		rx_publish()
	:: delivered == FRAMES && !queued && ntc == used ->
		break
	od
}

/* QEMU's net layer, then e1000_can_receive() / e1000_receive_iov() */
active proctype net()
{
	byte need, head, tail, req, k, d;
	bit has;

end_idle:
	do
	:: delivered < FRAMES && !queued ->
		if
		:: need = 1
		:: need = NEED_MAX
		fi;
		bql_lock();
		rx_check(1, has);		/* e1000_can_receive() */
		if
		:: has ->
			rx_check(need, has);	/* e1000_receive_iov() */
			if
			:: has -> receive(need)
			:: else
			fi
		:: else
		fi;
		if
		:: !has ->
			printf("@ frame queued, %d buffers needed\n", need);
			queued = 1;
			qneed = need
		:: else
		fi;
		need = 0;
		bql_unlock()
	od
}

init
{
	atomic {
		run drainer(GUEST);
		run drainer(HOST)
	}
}

/* A frame waiting for buffers is eventually received. */
ltl no_lost_wakeup { [] (queued -> <> !queued) }
