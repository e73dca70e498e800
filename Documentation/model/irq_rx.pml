/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * irq_rx.pml: the RX interrupt request handshake, IRQ-G / IRQ-H
 * (csb-spec.md section 7), with NAPI on two vCPUs, the interrupt handler,
 * the TX reclaim timer, and the RX side of the enable (section 4).
 *
 * Guest (driver/e1000_csb_main.c, e1000_csb_mode.c), on two vCPUs, CPU0
 * (agent GUEST) and CPU1 (agent CPU1), each with its own store buffer:
 *  - e1000_csb_intr() on either CPU: reads ICR (lowering the line); the
 *    winner of napi_schedule_prep() withdraws the requests
 *    (e1000_csb_mode_irq_off()) and lists NAPI on its own CPU; a loser
 *    sets MISSED;
 *  - e1000_csb_mode_reclaim(), the TX reclaim hrtimer, on either CPU:
 *    napi_schedule(), nothing else; it fires while TX descriptors are in
 *    flight (irq_tx.pml), here up to TIMERS times, and never in a guest
 *    that only receives;
 *  - e1000_csb_poll(), RX part, run by the CPU whose poll list holds
 *    NAPI: e1000_csb_rx_clean() (every descriptor with DD before the
 *    rx_head it loaded, e1000_csb_mode_rx_end(); at that head with DD
 *    set it loads rx_head once more and stops if the head has not moved,
 *    e1000_csb_rx_done_here()), the refill and rx_tail (RX-G: rx.pml),
 *    then, while it still owns NAPI, e1000_csb_mode_irq_rearm(): rx_irq =
 *    NOTIFY | next_to_clean, e1000_csb_handshake_mb() (IRQ-G), rx_head
 *    re-checked; if it passed next_to_clean, the request is withdrawn and
 *    the poll returns its budget (polled again); only then
 *    napi_complete_done(), which polls again if MISSED was set;
 *  - the enable: e1000_csb_mode_start() arms rx_irq = NOTIFY |
 *    next_to_clean in the fresh block, and e1000_csb_up() (like
 *    e1000_csb_mode_switch()) schedules one poll after enabling, on CPU0.
 *    A frame may have been written back before the enable, with no CSB
 *    interrupt for it (its cause may or may not raise the line when IMS
 *    is written).
 * Host: e1000_receive_iov() writes the descriptors back (DD), then
 * e1000_csb_rx_done() -> e1000_csb_ring_done() in
 * qemu-csb/src/hw/net/e1000-csb.c (IRQ-H: smp_wmb, rx_head, smp_mb,
 * rx_irq loaded, e1000_csb_notify_wanted()), then set_ics(): the cause,
 * if kept, asserts the INTx line.  The device may also misbehave EARLY
 * times (default 1): write DD on the descriptor it fills next before the
 * frame is there (our QEMU's test hook x-csb-early-dd); the frame, its
 * DD and the head come later as usual.
 *
 * Abstractions: frames of one buffer; buffers come from rx_tail, which
 * the device waits for (the RX-G / RX-H handshake that brings it is
 * rx.pml's subject); ICR is reduced to the line (raised by a requested
 * cause, lowered by the ICR read in the handler; the handler's icr & IMS
 * test decides only what it returns, never whether it schedules NAPI for
 * an RX cause, so it is not modelled); NAPI polls with an unlimited
 * budget; napi_schedule_prep() / napi_complete_done() are atomic
 * read-modify-writes (full barriers of the CPU that runs them), and
 * NAPI_STATE_SCHED, MISSED and the per-CPU poll lists are modelled as the
 * kernel has them: one poll at a time per CPU, a poll runs on the CPU
 * that listed NAPI; the ring indices are private to the NAPI owner
 * (ghost variables). rx_head holds a count here rather than an index. The watchdog's e1000_csb_mode_rescue() is not
 * modelled: the handshake must be right without it.
 *
 * Properties:
 *  - no_lost_wakeup (LTL): a received frame is eventually taken by the
 *    guest: [] (used != ntc -> <> used == ntc); and no invalid end state;
 *    both also in runs where the timer never fires (a guest that only
 *    receives gets its frames with no TX of its own);
 *  - a guest that reads rx_head finds DD set on the descriptor before it
 *    (head_check());
 *  - the guest takes only descriptors whose frame is there (filled
 *    counts them), even from a device that writes DD early; it never finds DD at next_to_use; request indices inside the
 *    ring.
 *
 * Mutations: NO_IRQG_MB, NO_IRQH_MB, SWAP_IRQG (DD checked before the
 * request is stored), SWAP_IRQH (rx_irq loaded before the write-back is
 * published), NO_IRQH_WMB (rx_head may pass the write-back);
 * OLD_COMPLETE_THEN_REARM (the order before commit 75cd359:
 * napi_complete_done() first, then the re-arm, and napi_schedule() if the
 * re-check finds DD); NO_UP_POLL (no poll after enabling); NO_ENABLE_ARM
 * (rx_irq left 0 by e1000_csb_mode_start(): alone it passes, the poll after
 * enabling arms it); NO_ENABLE_ARM with NO_UP_POLL (the code before
 * commit 75cd359 on open); DD_ONLY (cleaning and the re-check believe DD
 * alone, as before rx_head bounded them: fails with an early DD, passes
 * with EARLY=0).
 */

#ifndef N
#define N		3
#endif
#ifndef FRAMES
#define FRAMES		4
#endif
#ifndef TIMERS
#define TIMERS		1	/* reclaim timer expiries */
#endif
#ifndef EARLY
#define EARLY		1	/* DD written before the frame (misbehaving) */
#endif

#define NAGENTS		3	/* GUEST (CPU0), HOST, CPU1 */

#define RX_TAIL		0	/* guest-written */
#define RX_IRQ		1	/* guest-written */
#define RX_HEAD		2	/* host-written */
#define DESC(i)		(3 + (i))
#define NWORDS		(3 + N)

#include "memory.pml"

#define RCVD	2		/* written back by the device, DD set */

#define AVAIL(h, t)	((h) <= (t) -> (t) - (h) : N - (h) + (t))

/* may RX cleaning take next_to_clean, with rx_head seen as h? */
#ifndef DD_ONLY
#define TAKE(h)		(ntc < (h))
#else
#define TAKE(h)		1
#endif

/* the agent (store buffer) of guest vCPU c: GUEST for 0, CPU1 for 1 */
#define AG(c)		((c) * CPU1)

/* guest */
byte ntc;			/* next_to_clean (count) */
byte ntu;			/* next_to_use: buffers given (count) */
#ifndef NO_UP_POLL
bit napi_sched = 1;		/* NAPI_STATE_SCHED: e1000_csb_up() schedules */
byte listed = 1;		/* 1 + the CPU whose poll list holds NAPI, or 0 */
#else
bit napi_sched;
byte listed;
#endif
bit napi_missed;		/* NAPI_STATE_MISSED */
bit head_passed_dd;		/* ghost: see head_check() */

/* host */
byte rdh;			/* RDH */
byte used;			/* descriptors written back (count) */
byte early;			/* DD written before the frame (count) */
byte filled;			/* ghost: frames whose data is there (count) */
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
 * napi_schedule_prep() on CPU c, an atomic RMW: true if it set SCHED; if
 * SCHED was set, it sets MISSED instead (the poll will run once more).
 */
inline napi_schedule_prep(c, won)
{
	atomic {
		MB(AG(c)) ->
		if
		:: !napi_sched -> napi_sched = 1; won = 1
		:: else -> napi_missed = 1; won = 0
		fi
	}
}

/* napi_schedule() on CPU c: napi_schedule_prep(), then __napi_schedule() */
inline napi_schedule(c)
{
	atomic {
		MB(AG(c)) ->
		if
		:: !napi_sched -> napi_sched = 1; listed = c + 1;
			printf("@ NAPI scheduled on CPU%d\n", c)
		:: else -> napi_missed = 1;
			printf("@ NAPI busy: MISSED set\n")
		fi
	}
}

/*
 * napi_complete_done() on CPU c, an atomic RMW: clears SCHED and says
 * true, unless MISSED was set: then NAPI is listed again on this CPU and
 * it says false.
 */
inline napi_complete_done(c, completed)
{
	atomic {
		MB(AG(c)) ->
		if
		:: napi_missed -> napi_missed = 0; completed = 0;
			printf("@ NAPI on CPU%d: MISSED, polls again\n", c)
		:: else -> napi_sched = 0; completed = 1;
			printf("@ NAPI on CPU%d completes\n", c)
		fi
	}
}

/*
 * The look of e1000_csb_mode_irq_rearm() by agent a, h its view of
 * rx_head: d says whether a frame came before the device could see the
 * request (RCVD: the head passed next_to_clean; DD_ONLY: DD set there).
 */
inline rearm_look(a, d, h)
{
#ifndef DD_ONLY
	LOAD(a, RX_HEAD, h);
	d = (h > ntc -> RCVD : 0)
#else
	if
	:: ntc == ntu -> d = 0	/* no buffer given: nothing to look at */
	:: else -> LOAD(a, DESC(ntc % N), d)
	fi
#endif
}

/* e1000_csb_mode_irq_rearm() by agent a: IRQ-G */
inline irq_rearm(a, d, h)
{
#ifdef SWAP_IRQG
	rearm_look(a, d, h);
#endif
	STORE(a, RX_IRQ, NOTIFY | (ntc % N));
#ifndef NO_IRQG_MB
	MB(a);		/* IRQ-G: e1000_csb_handshake_mb(), request then head */
#endif
#ifndef SWAP_IRQG
	rearm_look(a, d, h)
#endif
}

/*
 * The guest's asynchronous events: e1000_csb_intr(), on the CPU the
 * interrupt is delivered to, and e1000_csb_mode_reclaim(), the TX reclaim
 * timer, on either CPU while TX traffic lasts (at most TIMERS expiries,
 * and possibly none). (One process for both: the timer's only step,
 * napi_schedule(), has the same effect between the handler's steps as
 * after them.)
 */
active proctype events()
{
	byte c, fires;
	bit won;

end_idle:
	do
	:: atomic { line && MB(GUEST) -> line = 0; c = 0 } -> goto isr
#ifndef ONE_CPU
	:: atomic { line && MB(CPU1) -> line = 0; c = 1 } -> goto isr
#endif
	:: fires < TIMERS ->
		fires++;
		napi_schedule(0)	/* the timer, on CPU0 */
#ifndef ONE_CPU
	:: fires < TIMERS ->
		fires++;
		napi_schedule(1)	/* on CPU1 */
#endif
	:: fires < TIMERS ->
		fires = TIMERS		/* no TX in flight: no (more) timer */
	od;
isr:	/* the ICR read trapped (a full barrier) and lowered the line */
	napi_schedule_prep(c, won);
	if
	:: won ->
		/* e1000_csb_mode_irq_off() */
		STORE(AG(c), RX_IRQ, 0);
		d_step { listed = c + 1; won = 0; c = 0 } /* __napi_schedule() */
	:: else -> c = 0
	fi;
	goto end_idle
}

/*
 * A guest that reads rx_head (spec 3: it may), here when its poll
 * starts: every descriptor before the head it sees has DD set, unless
 * the guest took it already.
 */
inline head_check(a)
{
	head_passed_dd = SEES(a, RX_HEAD) > 0 && ntc < SEES(a, RX_HEAD) &&
			 SEES(a, DESC((SEES(a, RX_HEAD) + N - 1) % N)) != RCVD;
	assert(!head_passed_dd)
}

/* e1000_csb_poll(), RX part, by the softirq of CPU c */
proctype napi(bit c)
{
	byte d, h;
	bit completed;

end_idle:
	do
	:: atomic { listed == c + 1 -> listed = 0;
		    printf("@ NAPI polls on CPU%d\n", c);
		    head_check(AG(c)) } ->
poll:
		/* e1000_csb_rx_clean(): descriptors with DD before rx_head */
		LOAD(AG(c), RX_HEAD, h);
		do
		:: atomic {
			SEES(AG(c), DESC(ntc % N)) == RCVD && TAKE(h) ->
			assert(ntc < ntu);	/* never DD at next_to_use */
			assert(ntc < filled);	/* never before its frame */
			STORE(AG(c), DESC(ntc % N), 0);
			ntc++
		   }
		:: SEES(AG(c), DESC(ntc % N)) == RCVD && !TAKE(h) ->
			/* e1000_csb_rx_done_here(): DD at the head */
			LOAD(AG(c), RX_HEAD, h);
			if
			:: h > ntc
			:: else -> break	/* ahead of the head: wait */
			fi
		:: else -> break
		od;
		/* e1000_csb_rx_refill() and the tail (RX-G: rx.pml) */
		if
		:: ntu - ntc < N - 1 ->
			ntu = ntc + N - 1;
			WMB(AG(c));
			STORE(AG(c), RX_TAIL, ntu % N)
		:: else
		fi;
#ifndef OLD_COMPLETE_THEN_REARM
		/* today: re-arm while this poll still owns NAPI */
		irq_rearm(AG(c), d, h);
		if
		:: d == RCVD ->
			STORE(AG(c), RX_IRQ, 0);
			d = 0;			/* return budget: polled again */
			goto poll
		:: else
		fi;
		napi_complete_done(c, completed);
		if
		:: !completed -> goto poll	/* MISSED: listed again here */
		:: else
		fi;
#else
		/* before 75cd359: complete first, then re-arm */
		napi_complete_done(c, completed);
		if
		:: !completed -> goto poll
		:: else
		fi;
		irq_rearm(AG(c), d, h);
		if
		:: d == RCVD ->
			STORE(AG(c), RX_IRQ, 0);
			napi_schedule(c)
		:: else
		fi;
#endif
		d_step { d = 0; h = 0; completed = 0 }
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
		filled++;			/* the data, */
		DMA_STORE(DESC(rdh), RCVD);	/* then DD */
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
	:: early < EARLY && used < FRAMES &&
	   AVAIL(rdh, SEES(HOST, RX_TAIL)) >= 1 ->
		/* x-csb-early-dd: DD on the next descriptor, no frame yet */
		bql_lock();
		DMA_STORE(DESC(rdh), RCVD);
		early++;
		printf("@ DD written early on descriptor %d\n", rdh);
		bql_unlock()
	od
}

/* Safety form of no_lost_wakeup: the system may not stop before this. */
active proctype all_taken()
{
	used == FRAMES && ntc == FRAMES
}

init
{
	atomic {
		/* the ring was full when enabled: e1000_csb_mode_start() */
		ntu = N - 1;
		mem[RX_TAIL] = N - 1;
#ifndef NO_ENABLE_ARM
		mem[RX_IRQ] = NOTIFY | 0;	/* armed at next_to_clean */
#endif
		if
		:: skip
		:: /* a frame written back before the enable (plain mode) */
			mem[DESC(0)] = RCVD;
			rdh = 1;
			used = 1;
			filled = 1;
			mem[RX_HEAD] = 1;	/* e1000_csb_enable(): RDH */
			printf("@ frame 1 received before the enable\n");
			if
			:: skip
			:: line = 1		/* its cause, when IMS is written */
			fi
		fi;
		run drainer(GUEST);
		run drainer(HOST);
		run drainer(CPU1);
		run napi(0);
		run napi(1)
	}
}

/* Every frame the device received is eventually taken by the guest. */
ltl no_lost_wakeup { [] ((used != ntc) -> <> (used == ntc)) }
