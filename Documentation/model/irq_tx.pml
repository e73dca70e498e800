/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * irq_tx.pml: the TX interrupt request handshake, IRQ-G / IRQ-H
 * (csb-spec.md section 7), with the stopped transmit queue, NAPI, the
 * interrupt handler and the reclaim timer.
 *
 * Guest (driver/e1000_csb_tx.c, e1000_csb_main.c, e1000_csb_mode.c):
 * e1000_csb_xmit_frame() under the TX queue lock: e1000_csb_tx_reclaim(),
 * e1000_csb_maybe_stop_tx() before and after filling (a stop calls
 * e1000_csb_mode_tx_stopped() -> e1000_csb_mode_tx_request(): tx_irq =
 * NOTIFY | a packet's last descriptor, three quarters into what is in
 * flight (here: any in flight), full barrier, DD of it re-checked),
 * then the doorbell, which arms the reclaim timer
 * (e1000_csb_mode_arm_reclaim()); e1000_csb_tx_clean() wakes a stopped
 * queue once e1000_csb_tx_wake_at() descriptors are free;
 * e1000_csb_intr() withdraws the requests (e1000_csb_mode_irq_off()) when it
 * schedules NAPI; e1000_csb_poll_tx() cleans under the queue lock, then
 * e1000_csb_mode_tx_poll_done() requests again if the queue is still
 * stopped, else arms the timer while descriptors are in flight (both
 * stop and poll through e1000_csb_mode_tx_wait(), which requests again
 * while a request is already met);
 * e1000_csb_mode_reclaim(), the timer, schedules NAPI.
 * Host: the TX engine writes the descriptors back (DD), then
 * e1000_csb_tx_done() -> e1000_csb_ring_done() (IRQ-H: smp_wmb, tx_head,
 * smp_mb, tx_irq loaded, e1000_csb_notify_wanted()) and set_ics().
 *
 * Abstractions: one descriptor per packet, E1000_CSB_TX_DESC_NEEDED = 1,
 * wake threshold 2; the device sees each published tail (TX-G / TX-H are
 * tx.pml's subject); BQL (byte queue limits) stops are not modelled, only
 * a full ring; the guest's contexts share one vCPU (one store buffer);
 * locks and NAPI state changes are atomic read-modify-writes (full
 * barriers); the line as in irq_rx.pml.
 *
 * Properties:
 *  - no_lost_wakeup (LTL): a stopped queue is eventually woken:
 *    [] (stopped -> <> !stopped); and no invalid end state (the guest's
 *    last packets never reclaimed);
 *  - the device sends only filled descriptors; request indices inside
 *    the ring.
 *
 * Mutations: NO_IRQG_MB, NO_IRQH_MB, SWAP_IRQG, SWAP_IRQH, ONE_RECLAIM;
 * NO_DMA_MB (write-backs visible out of order) passes.
 */

#ifndef N
#define N		3
#endif
#ifndef PKTS
#define PKTS		4
#endif
#define WAKE_THRESH	2	/* two worst-case skbs; the driver's rule
				 * (e1000_csb_tx_wake_thresh()) caps it at half
				 * a ring, 1 here: 2 is the harder case, still
				 * reachable (N - 1 free) */

#define TX_TAIL		0	/* guest-written */
#define TX_IRQ		1	/* guest-written */
#define TX_HEAD		2	/* host-written */
#define DESC(i)		(3 + (i))
#define NWORDS		(3 + N)

#include "memory.pml"

#define FILLED	1
#define DONE	2

/* e1000_csb_tx_unused() */
#define UNUSED		(N - 1 - (ntu - ntc))
/* the last descriptor in use */
#define LAST		((ntu % N == 0 -> N : ntu % N) - 1)

/* guest */
byte ntu, ntc;			/* next_to_use, next_to_clean (counts) */
bit stopped;			/* the transmit queue is stopped */
bit txlock;			/* the TX queue lock */
bit napi_sched, napi_listed;	/* NAPI_STATE_SCHED, on the poll list */
bit napi_missed;		/* NAPI_STATE_MISSED */
bit timer;			/* the reclaim timer is queued */

/* host */
byte tdh;			/* TDH */
byte sent;			/* descriptors sent (count) */
bit bql;
bit line;			/* INTx asserted */

/* ghost */
bit stale_desc;			/* the device read a descriptor not handed over */

inline bql_lock()
{
	atomic { bql == 0 && MB(HOST) -> bql = 1 }
}

inline bql_unlock()
{
	atomic { MB(HOST) -> bql = 0 }
}

inline tx_lock()
{
	atomic { MB(GUEST) && !txlock -> txlock = 1 }
}

inline tx_unlock()
{
	WMB(GUEST);
	txlock = 0
}

/*
 * napi_schedule_prep(), an atomic RMW: true if it set SCHED; if SCHED was
 * set, it sets MISSED instead (the poll will run once more).
 */
inline napi_schedule_prep(won)
{
	atomic {
		MB(GUEST) ->
		if
		:: !napi_sched -> napi_sched = 1; won = 1
		:: else -> napi_missed = 1; won = 0
		fi
	}
}

/* napi_schedule(): napi_schedule_prep(), then __napi_schedule() */
inline napi_schedule()
{
	atomic {
		MB(GUEST) ->
		if
		:: !napi_sched -> napi_sched = 1; napi_listed = 1
		:: else -> napi_missed = 1
		fi
	}
}

/*
 * napi_complete_done(), an atomic RMW: clears SCHED and says true, unless
 * MISSED was set: then the poll is listed again and it says false.
 */
inline napi_complete_done(completed)
{
	atomic {
		MB(GUEST) ->
		if
		:: napi_missed -> napi_missed = 0; napi_listed = 1; completed = 0
		:: else -> napi_sched = 0; completed = 1
		fi
	}
}

/* e1000_csb_tx_clean(): reclaim what has DD, wake the queue */
inline tx_clean()
{
	do
	:: ntc < ntu && SEES(GUEST, DESC(ntc % N)) == DONE -> ntc++
	:: else -> break
	od;
	if
	:: stopped && UNUSED >= WAKE_THRESH ->
		printf("@ queue woken\n");
		stopped = 0
	:: else
	fi
}

/*
 * e1000_csb_mode_tx_irq_point(): the end of the packet three quarters into
 * what is in flight.  Here any descriptor in flight, chosen freely (each
 * packet is one descriptor): the handshake must hold for every packet
 * end, not only the last in use.
 */
inline irq_point(p)
{
	if
	:: p = LAST
	:: ntu - ntc > 1 -> p = ntc % N
	fi
}

/* e1000_csb_mode_tx_request(): IRQ-G; done = the requested one is done */
inline tx_request(done)
{
	done = 0;
	if
	:: ntc != ntu ->
		irq_point(pt);
#ifdef SWAP_IRQG
		LOAD(GUEST, DESC(pt), d);
#endif
		STORE(GUEST, TX_IRQ, NOTIFY | pt);
#ifndef NO_IRQG_MB
		MB(GUEST);		/* IRQ-G: request, then the descriptor */
#endif
#ifndef SWAP_IRQG
		LOAD(GUEST, DESC(pt), d);
#endif
		if
		:: d == DONE ->
			STORE(GUEST, TX_IRQ, 0);
			done = 1
		:: else
		fi;
		d = 0;
		pt = 0
	:: else
	fi
}

/*
 * e1000_csb_mode_tx_wait(): while the queue is stopped, request; while the
 * request is already met, reclaim and request again; a met request that
 * let it reclaim nothing (DD seen at the point before the descriptors
 * ahead of it) arms the reclaim timer and stops there.  Once the queue
 * runs, the timer covers what is in flight, and is cancelled when nothing
 * is.  ONE_RECLAIM: reclaim once
 * and stop, as the driver did when it still requested the last
 * descriptor: a request short of the last leaves the rest uncovered.
 */
inline tx_wait()
{
	do
	:: stopped ->
		tx_request(done);
		if
		:: done ->
			was = ntc;
			tx_clean();
			done = 0;
			if
			:: ntc == was -> timer = 1; break
			:: else
			fi;
			was = 0;
#ifdef ONE_RECLAIM
			break
#else
			skip
#endif
		:: else -> break
		fi
	:: else -> break
	od;
	was = 0;
	if
	:: !stopped && ntc != ntu -> timer = 1
	:: !stopped && ntc == ntu -> timer = 0	/* nothing to cover: cancelled */
	:: else
	fi
}

/* e1000_csb_maybe_stop_tx(ring, 1): busy = the queue stays stopped */
inline maybe_stop_tx(busy)
{
	busy = 0;
	if
	:: UNUSED < 1 ->
		stopped = 1;
		printf("@ queue stopped\n");
		/* e1000_csb_mode_tx_stopped() */
		tx_wait();
		MB(GUEST);
		if
		:: UNUSED < 1 -> busy = 1
		:: else -> stopped = 0	/* the cleaner freed space meanwhile */
		fi
	:: else
	fi
}

/* e1000_csb_xmit_frame() */
active proctype xmit()
{
	bit busy, done;
	byte d, pt, was;

	do
	:: ntu < PKTS && !stopped ->
		tx_lock();
		/* e1000_csb_tx_reclaim() */
		if
		:: ntc < ntu && SEES(GUEST, DESC(ntc % N)) == DONE -> tx_clean()
		:: else
		fi;
		maybe_stop_tx(busy);
		if
		:: !busy ->
			STORE(GUEST, DESC(ntu % N), FILLED);
			ntu++;
			maybe_stop_tx(busy);
			/* doorbell: e1000_csb_mode_publish(), then the timer */
			WMB(GUEST);
			STORE(GUEST, TX_TAIL, ntu % N);
			timer = 1
		:: else		/* NETDEV_TX_BUSY: retried once woken */
		fi;
		busy = 0;
		tx_unlock()
	:: ntu == PKTS -> break
	od
}

/*
 * The guest's asynchronous events: the interrupt handler, e1000_csb_intr(),
 * and the reclaim timer, e1000_csb_mode_reclaim(), which schedules NAPI.
 */
active proctype events()
{
	bit won;

end_idle:
	do
	:: line ->
		atomic { MB(GUEST) -> line = 0 };	/* ICR read */
		napi_schedule_prep(won);
		if
		:: won ->
			/* e1000_csb_mode_irq_off() (rx_irq: irq_rx.pml) */
			STORE(GUEST, TX_IRQ, 0);
			napi_listed = 1
		:: else
		fi;
		won = 0
	:: atomic { timer -> timer = 0 } ->
		printf("@ reclaim timer\n");
		napi_schedule()
	od
}

/* e1000_csb_poll(): its TX part, e1000_csb_poll_tx() */
active proctype napi()
{
	bit done, completed;
	byte d, pt, was;

end_idle:
	do
	:: napi_listed ->
		napi_listed = 0;
		tx_lock();
		tx_clean();
		/* e1000_csb_mode_tx_poll_done() */
		tx_wait();
		tx_unlock();
		/* (the RX part: irq_rx.pml) */
		napi_complete_done(completed);
		completed = 0
	od
}

/* the TX engine up to the tail, e1000_csb_tx_done(), set_ics() */
active proctype device()
{
	byte old, req, tail, d;

end_idle:
	do
	:: SEES(HOST, TX_TAIL) != tdh ->
		bql_lock();
		LOAD(HOST, TX_TAIL, tail);
		assert(tail < N);
		old = tdh;
		do
		:: tdh != tail ->
			DMA_LOAD(DESC(tdh), d);		/* the descriptor */
			d_step { stale_desc = d != FILLED; assert(!stale_desc) }
			DMA_STORE(DESC(tdh), DONE);	/* its write-back */
			d = 0;
			tdh = (tdh + 1) % N;
			sent++
		:: else -> break
		od;
		/* e1000_csb_ring_done() */
		WMB(HOST);
#ifdef SWAP_IRQH
		LOAD(HOST, TX_IRQ, req);
#endif
		STORE(HOST, TX_HEAD, tdh);
#ifndef NO_IRQH_MB
		MB(HOST);		/* IRQ-H: publish the head, then look */
#endif
#ifndef SWAP_IRQH
		LOAD(HOST, TX_IRQ, req);
#endif
		assert(!(req & NOTIFY) || IDX(req) < N);
		if
		:: (req & NOTIFY) && NEED_NOTIFY(IDX(req), old, tdh, N) ->
			printf("@ interrupt\n");
			line = 1
		:: else ->
			printf("@ interrupt suppressed\n")
		fi;
		old = 0;
		req = 0;
		tail = 0;
		bql_unlock()
	od
}

/* Safety form of no_lost_wakeup: the system may not stop before this. */
active proctype all_reclaimed()
{
	ntu == PKTS && ntc == PKTS
}

init
{
	atomic {
		run drainer(GUEST);
		run drainer(HOST)
	}
}

/* A stopped transmit queue is eventually woken. */
ltl no_lost_wakeup { [] (stopped -> <> !stopped) }
