/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * irq_rx.pml: the RX interrupt request handshake, IRQ-G / IRQ-H
 * (csb-spec.md section 7), with NAPI and the interrupt handler.
 *
 * Guest: e1000_csb_intr() in driver/e1000_csb_main.c (reads ICR; the
 * winner of napi_schedule_prep() withdraws the requests,
 * e1000_csb_pv_irq_off(), and schedules NAPI); e1000_csb_poll() (takes
 * the received descriptors, refills, napi_complete_done(), then
 * e1000_csb_pv_irq_rearm(): rx_irq = NOTIFY | next_to_clean, full
 * barrier, DD of that descriptor re-checked, NAPI rescheduled if set).
 * Host: e1000_receive_iov() writes the descriptors back (DD), then
 * e1000_csb_rx_done() -> e1000_csb_ring_done() in
 * qemu-csb/src/hw/net/e1000-csb.c (IRQ-H: smp_wmb, rx_head, smp_mb,
 * rx_irq loaded, e1000_csb_notify_wanted()), then set_ics(): the cause,
 * if kept, asserts the INTx line.
 *
 * Abstractions: frames of one buffer; buffers come from rx_tail, which
 * the device waits for (the RX-G / RX-H handshake that brings it is
 * rx.pml's subject); ICR is reduced to the line (raised by a requested
 * cause, lowered by the ICR read in the handler); NAPI polls with an
 * unlimited budget; the guest runs the handler and NAPI on one vCPU (one
 * store buffer) and napi_schedule_prep() / napi_complete_done() are
 * atomic read-modify-writes (full barriers). rx_head holds a count here
 * rather than an index, for the head reader below.
 *
 * Properties:
 *  - no_lost_wakeup (LTL): a received frame is eventually taken by the
 *    guest: [] (used != ntc -> <> used == ntc); and no invalid end state;
 *  - a guest that reads rx_head (the spec allows it; ours does not) finds
 *    DD set on the descriptor before it (the head reader process);
 *  - request indices inside the ring.
 *
 * Mutations: NO_IRQG_MB, NO_IRQH_MB, SWAP_IRQG (DD checked before the
 * request is stored), SWAP_IRQH (rx_irq loaded before the write-back is
 * published), NO_IRQH_WMB (rx_head may pass the write-back).
 */

#ifndef N
#define N		3
#endif
#ifndef FRAMES
#define FRAMES		4
#endif

#define RX_TAIL		0	/* guest-written */
#define RX_IRQ		1	/* guest-written */
#define RX_HEAD		2	/* host-written */
#define DESC(i)		(3 + (i))
#define NWORDS		(3 + N)

#include "memory.pml"

#define RCVD	2		/* written back by the device, DD set */

#define AVAIL(h, t)	((h) <= (t) -> (t) - (h) : N - (h) + (t))

/* guest */
byte ntc;			/* next_to_clean (count) */
byte ntu;			/* next_to_use: buffers given (count) */
bit napi_sched = 1;		/* NAPI_STATE_SCHED; e1000_csb_pv_switch()
				   schedules NAPI after the enable */
bit napi_listed = 1;		/* on the poll list: the poll will run */
bit napi_missed;		/* NAPI_STATE_MISSED */

/* host */
byte rdh;			/* RDH */
byte used;			/* descriptors written back (count) */
bit bql;
bit line;			/* INTx asserted */

inline bql_lock()
{
	atomic { bql == 0 && MB(HOST) -> bql = 1 }
}

inline bql_unlock()
{
	atomic { MB(HOST) -> bql = 0 }
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

/* e1000_csb_intr() */
active proctype isr()
{
	bit won;

end_idle:
	do
	:: line ->
		/* the ICR read traps and lowers the line */
		atomic { MB(GUEST) -> line = 0 };
		napi_schedule_prep(won);
		if
		:: won ->
			/* won napi_schedule_prep(): e1000_csb_pv_irq_off() */
			STORE(GUEST, RX_IRQ, 0);
			napi_listed = 1		/* __napi_schedule() */
		:: else
		fi;
		won = 0
	od
}

/* e1000_csb_poll(), RX part */
active proctype napi()
{
	byte d;
	bit completed;

end_idle:
	do
	:: napi_listed ->
		napi_listed = 0;
		/* e1000_csb_rx_clean(): every descriptor with DD */
		do
		:: atomic {
			SEES(GUEST, DESC(ntc % N)) == RCVD ->
			STORE(GUEST, DESC(ntc % N), 0);
			ntc++
		   }
		:: else -> break
		od;
		/* e1000_csb_rx_refill() and the tail (RX-G: rx.pml) */
		if
		:: ntu - ntc < N - 1 ->
			ntu = ntc + N - 1;
			WMB(GUEST);
			STORE(GUEST, RX_TAIL, ntu % N)
		:: else
		fi;
		napi_complete_done(completed);
		if
		:: completed ->
			/* e1000_csb_pv_irq_rearm(): IRQ-G */
#ifdef SWAP_IRQG
			LOAD(GUEST, DESC(ntc % N), d);
#endif
			STORE(GUEST, RX_IRQ, NOTIFY | (ntc % N));
#ifndef NO_IRQG_MB
			MB(GUEST);	/* IRQ-G: request, then the descriptor */
#endif
#ifndef SWAP_IRQG
			LOAD(GUEST, DESC(ntc % N), d);
#endif
			if
			:: d == RCVD ->
				STORE(GUEST, RX_IRQ, 0);
				napi_schedule()
			:: else
			fi
		:: else			/* MISSED: polled again */
		fi;
		d = 0;
		completed = 0
	od
}

/* a frame arrives: e1000_receive_iov(), e1000_csb_rx_done(), set_ics() */
active proctype device()
{
	byte old, req, tail, d;

end_idle:
	do
	:: used < FRAMES && AVAIL(rdh, SEES(HOST, RX_TAIL)) >= 1 ->
		bql_lock();
		LOAD(HOST, RX_TAIL, tail);
		assert(tail < N && AVAIL(rdh, tail) >= 1);
		old = rdh;
		DMA_LOAD(DESC(rdh), d);		/* the descriptor */
		DMA_STORE(DESC(rdh), RCVD);	/* data, then DD */
		d = 0;
		rdh = (rdh + 1) % N;
		used++;
		printf("@ frame %d received\n", used);
		/* e1000_csb_ring_done() */
#ifndef NO_IRQH_WMB
		WMB(HOST);		/* the descriptors' write-back, then the head */
#endif
#ifdef SWAP_IRQH
		LOAD(HOST, RX_IRQ, req);
#endif
		STORE(HOST, RX_HEAD, used);
#ifndef NO_IRQH_MB
		MB(HOST);		/* IRQ-H: publish the head, then look */
#endif
#ifndef SWAP_IRQH
		LOAD(HOST, RX_IRQ, req);
#endif
		assert(!(req & NOTIFY) || IDX(req) < N);
		if
		:: (req & NOTIFY) && NEED_NOTIFY(IDX(req), old, rdh, N) ->
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

/*
 * A guest that reads rx_head (spec 3: it may): every descriptor before
 * the head it sees has DD set, unless the guest took it already.
 */
active proctype head_reader()
{
	byte h;
	bit head_passed_dd;

	d_step {
		h = SEES(GUEST, RX_HEAD);
		head_passed_dd = h > 0 && ntc < h &&
				 SEES(GUEST, DESC((h + N - 1) % N)) != RCVD;
		assert(!head_passed_dd);
		h = 0
	}
}

/* Safety form of no_lost_wakeup: the system may not stop before this. */
active proctype all_taken()
{
	used == FRAMES && ntc == FRAMES
}

init
{
	atomic {
		ntu = N - 1;		/* the ring was full when enabled */
		mem[RX_TAIL] = N - 1;
		run drainer(GUEST);
		run drainer(HOST)
	}
}

/* Every frame the device received is eventually taken by the guest. */
ltl no_lost_wakeup { [] ((used != ntc) -> <> (used == ntc)) }
