/*
 * SPDX-License-Identifier: GPL-2.0
 *
 * enable.pml: enabling and disabling the CSB with traffic running, and the
 * host-initiated drop (csb-spec.md sections 4 and 8), on the TX ring.
 *
 * Guest (driver/e1000_csb_mode.c): e1000_csb_mode_start() (a fresh block,
 * tx_tail = next_to_use, then the register writes, whose writel() orders
 * the block before them, then STATUS), e1000_csb_mode_stop() (active = 0,
 * CTRL = 0, STATUS until inactive, TDT = next_to_use written by the driver
 * itself, the block freed), both between a quiesced data path
 * (e1000_csb_mode_switch()); the transmit path of tx.pml in CSB mode
 * (e1000_csb_mode_publish(), whose kick writes TDT with the tail) and
 * in plain mode (a TDT write); the watchdog (e1000_csb_mode_watchdog():
 * STATUS inactive while active -> e1000_csb_mode_fallback_task() ->
 * e1000_csb_mode_switch(false)).
 * Host (qemu-csb/src/hw/net/e1000-csb.c): e1000_csb_enable() (tx_head and
 * tx_kick written, the TX thread woken), e1000_csb_disable() (the last
 * tx_tail into TDT, e1000_csb_stop(), the plain TX engine), e1000_csb_fail()
 * (the drop: e1000_csb_stop() at any moment the BQL is free, for any of
 * the reasons of section 8), e1000_csb_mmio_write() for TDT in both modes,
 * and the TX thread of tx.pml with what it does when the mode changes
 * under it: e1000_csb_tx_may_run(), the generation check, and
 * e1000_csb_tx_poll_tail(), which reads the block without the BQL, holding
 * the device's map_lock from its check that the map is still published to
 * the end of its read; e1000_csb_set_map() takes the same lock to publish
 * or withdraw the map (enable, e1000_csb_stop()), so that once the disable
 * or the drop has returned no poll read of the block is in progress.
 *
 * The guest's script: CSB mode from the start; after one packet, off;
 * after the second, on again (with a tail that is not 0, the zeroed
 * block's); four packets in all, so that the ring wraps. The host may
 * drop the CSB once, anywhere.
 *
 * Properties:
 *  - no_lost_wakeup (LTL): every descriptor handed over (by a tail in the
 *    CSB or a TDT write) is eventually sent, whatever the mode changes;
 *    and no invalid end state;
 *  - disable leaves nothing in flight: once the driver has disabled and
 *    written TDT, TDT is the guest's tail;
 *  - the device never reads or writes the block after the guest freed
 *    it, the TX thread's poll (without the BQL) included: polled_freed;
 *  - descriptors and indices as in tx.pml.
 *
 * Mutations: NO_START_ORDER (the block's tail not ordered before ENABLE),
 * NO_STOP_TDT (the driver does not write TDT after disabling),
 * NO_GEN_CHECK (the TX thread sleeps on a tail it took before a disable
 * and enable), NO_POLL_LOCK (no map_lock: the poll checks the map and
 * reads the block with nothing holding the map in between, as before the
 * fix), NO_STOP_LOCK (the poll takes the lock, e1000_csb_set_map() does
 * not).
 */

#ifndef N
#define N		3
#endif
#ifndef PKTS
#define PKTS		4
#endif

#define TX_TAIL		0
#define TX_KICK		1
#define TX_HEAD		2
#define DESC(i)		(3 + (i))
#define NWORDS		(3 + N)

#include "memory.pml"

#define FILLED	1
#define DONE	2

/* guest */
byte ntu, ntc, published;	/* counts */
bit mode_active;			/* csb->active */
bit freed;			/* the block was given back (dma_free_coherent) */
byte phase;			/* the script: 0 on, 1 off, 2 on again */

/* host */
bit mode;			/* csb->mode: active (F_TX) */
bit map;			/* csb->map: the block is mapped */
byte gen;			/* csb->gen */
byte tdh, tdt;
bit bql, tx_event, kick_armed;
byte consumed;

/* ghosts */
bit stale_desc;			/* the device read a descriptor not handed over */
bit touched_freed;		/* the device accessed a freed block */
bit polled_freed;		/* the TX thread's poll read a freed block */

inline bql_lock()
{
	atomic { bql == 0 && MB(HOST) -> bql = 1 }
}

inline bql_unlock()
{
	atomic { MB(HOST) -> bql = 0 }
}

/*
 * csb->map_lock (a QemuMutex: taking and releasing it are locked
 * instructions, which drain the host's buffer as the BQL's do), held by
 * the poll around its map check and its read (POLL_*), and by
 * e1000_csb_set_map() around the store of the map (MAP_*).
 */
bit poll_lock;

#define LOCK_TAKE	atomic { !poll_lock && MB(HOST) -> poll_lock = 1 };
#define LOCK_GIVE	atomic { MB(HOST) -> poll_lock = 0 };

#ifndef NO_POLL_LOCK
#define POLL_LOCK_TAKE	LOCK_TAKE
#define POLL_LOCK_GIVE	LOCK_GIVE
#else
#define POLL_LOCK_TAKE
#define POLL_LOCK_GIVE
#endif

#if !defined(NO_POLL_LOCK) && !defined(NO_STOP_LOCK)
#define MAP_LOCK_TAKE	LOCK_TAKE
#define MAP_LOCK_GIVE	LOCK_GIVE
#else
#define MAP_LOCK_TAKE
#define MAP_LOCK_GIVE
#endif

/* every access of the device to the block, with the BQL */
inline block_access()
{
	d_step { touched_freed = freed; assert(!touched_freed) }
}

/* csb->xmit() / start_xmit(): the e1000 TX engine, TDH up to TDT */
inline xmit()
{
	do
	:: tdh != tdt ->
		DMA_LOAD(DESC(tdh), d);
		d_step { stale_desc = d != FILLED; assert(!stale_desc) }
		DMA_STORE(DESC(tdh), DONE);
		d = 0;
		tdh = (tdh + 1) % N;
		consumed++
	:: else -> break
	od
}

/* e1000_csb_take_tail(): tx_tail into TDT (the CSB is active) */
inline take_tail(tail)
{
	block_access();
	LOAD(HOST, TX_TAIL, tail);
	assert(tail < N);
	tdt = tail
}

/* a TDT write from the guest: e1000_csb_mmio_write(), then e1000.c */
inline mmio_tdt(val)
{
	MB(GUEST);			/* writel() */
	bql_lock();
	if
	:: mode ->			/* a kick: e1000_csb_tx_kick() */
		take_tail(t);
		tx_event = 1
	:: else ->			/* plain: set_tdt(), start_xmit() */
		tdt = val;
		xmit()
	fi;
	bql_unlock()
}

/* e1000_csb_mode_start() and the device's e1000_csb_enable() */
inline mode_start()
{
	d_step {		/* dma_alloc_coherent(): a zeroed block */
		freed = 0;
		mem[TX_TAIL] = 0;
		mem[TX_KICK] = 0;
		mem[TX_HEAD] = 0
	}
	STORE(GUEST, TX_TAIL, ntu % N);
	published = ntu;
#ifndef NO_START_ORDER
	MB(GUEST);		/* writel(): the block before the registers */
#endif
	bql_lock();
	MAP_LOCK_TAKE		/* e1000_csb_start(): e1000_csb_set_map() */
	map = 1;
	MAP_LOCK_GIVE
	d_step {
		mode = 1;
		gen++;
		kick_armed = 0;
		printf("@ device: CSB enabled\n")
	}
	block_access();
	STORE(HOST, TX_HEAD, tdh);
	STORE(HOST, TX_KICK, 0);
	tx_event = 1;		/* e1000_csb_wake_tx() */
	bql_unlock();
	mode_active = 1		/* STATUS read: ACTIVE */
}

/* e1000_csb_mode_stop() and the device's e1000_csb_disable() */
inline mode_stop()
{
	mode_active = 0;
	MB(GUEST);		/* CTRL = 0, a writel() */
	bql_lock();
	if
	:: mode ->
		take_tail(t);
		d_step {	/* e1000_csb_stop() */
			mode = 0;
			kick_armed = 0;
			printf("@ device: CSB disabled\n")
		}
		MAP_LOCK_TAKE	/* e1000_csb_set_map(NULL) */
		map = 0;
		MAP_LOCK_GIVE
		xmit()
	:: else		/* dropped already: CTRL = 0 does nothing */
	fi;
	bql_unlock();
	/* STATUS reads inactive at once (the disable is synchronous) */
#ifndef NO_STOP_TDT
	mmio_tdt(ntu % N);	/* TDT = next_to_use */
	assert(tdt == ntu % N);	/* nothing left in flight in the block */
#endif
	d_step {		/* e1000_csb_mode_free() */
		freed = 1;
		printf("@ guest: block freed\n")
	}
}

/* e1000_csb_mode_publish(), as in tx.pml */
inline tx_publish()
{
	old = published % N;
	new = ntu % N;
	WMB(GUEST);
	STORE(GUEST, TX_TAIL, new);
	published = ntu;
	MB(GUEST);		/* TX-G */
	LOAD(GUEST, TX_KICK, req);
	assert(!(req & NOTIFY) || IDX(req) < N);
	if
	:: (req & NOTIFY) && NEED_NOTIFY(IDX(req), old, new, N) ->
		printf("@ kick (TDT write)\n");
		mmio_tdt(new)
	:: else
	fi;
	req = 0
}

active proctype guest()
{
	byte old, new, req, t, d;

	mode_start();
	do
	:: ntu < PKTS && ntu - ntc < N - 1 &&
	   (phase != 0 || ntu < 1) && (phase != 1 || ntu < 2) ->
		STORE(GUEST, DESC(ntu % N), FILLED);
		ntu++
	:: ntu > published && mode_active ->
		tx_publish()
	:: ntu > published && !mode_active ->
		published = ntu;
		mmio_tdt(ntu % N)	/* plain doorbell */
	:: ntc < published && SEES(GUEST, DESC(ntc % N)) == DONE ->
		ntc++
	:: atomic { mode_active && !mode && ntu == published } ->
		/* the watchdog found STATUS inactive: fall back (the switch
		 * quiesces xmit, which never leaves a filled descriptor
		 * unpublished) */
		printf("@ guest: watchdog finds STATUS inactive\n");
		mode_stop()
	:: phase == 0 && published == 1 && ntu == published ->
		if
		:: mode_active -> mode_stop()
		:: else
		fi;
		phase = 1
	:: phase == 1 && published == 2 && ntu == published ->
		mode_start();
		phase = 2
	:: phase == 2 && ntc == PKTS ->
		break
	od
}

/* the TX thread of tx.pml, with its checks of the mode and the map */
active proctype tx_thread()
{
	byte tail, seen, polls, g, d;
	bit moved, m;

end_sleep:
	do
	:: tx_event == 1 ->
		bql_lock();
		tx_event = 0;
batch:
		if
		:: !mode -> goto out		/* e1000_csb_tx_may_run() */
		:: else
		fi;
		g = gen;
		if
		:: kick_armed ->
			kick_armed = 0;
			block_access();
			STORE(HOST, TX_KICK, 0)
		:: else
		fi;
		take_tail(tail);
		seen = tail;
		xmit();
		WMB(HOST);			/* e1000_csb_ring_done() */
		block_access();
		STORE(HOST, TX_HEAD, tdh);
		MB(HOST);
		bql_unlock();

		/* e1000_csb_tx_poll(): e1000_csb_tx_poll_tail() checks the map,
		 * then reads the block, under map_lock, without the BQL */
		moved = 0;
		polls = 0;
		do
		:: polls < 1 ->
			polls++;
			POLL_LOCK_TAKE
			d_step {
				m = map;
				printf("@ TX thread polls: the map is %d\n", m)
			}
			if
			:: m ->
				/* the block is not freed from before the read
				 * to after it */
				d_step {
					polled_freed = freed;
					assert(!polled_freed)
				}
				LOAD(HOST, TX_TAIL, tail);
				d_step {
					polled_freed = freed;
					assert(!polled_freed)
				}
			:: else
			fi;
			POLL_LOCK_GIVE
			if
			:: !m -> break
			:: m && tail != seen -> moved = 1; break
			:: else
			fi
		:: else -> break
		od;
		m = 0;

		bql_lock();
		if
		:: !mode -> goto out
		:: moved -> goto batch
		:: else
		fi;
		/* TX-H */
		tx_event = 0;
		kick_armed = 1;
		block_access();
		STORE(HOST, TX_KICK, NOTIFY | tdh);
		MB(HOST);
		block_access();
		LOAD(HOST, TX_TAIL, tail);
		if
#ifndef NO_GEN_CHECK
		:: tail != seen || g != gen -> goto batch
#else
		:: tail != seen -> goto batch
#endif
		:: else
		fi;
		printf("@ TX thread sleeps\n");
out:
		g = 0;
		bql_unlock()
	od
}

/* e1000_csb_fail(): the host drops the CSB, once, whenever it likes */
active proctype host_drop()
{
	if
	:: bql_lock();
		if
		:: mode ->
			d_step {	/* e1000_csb_stop() */
				mode = 0;
				kick_armed = 0;
				printf("@ device: drops the CSB\n")
			}
			MAP_LOCK_TAKE	/* e1000_csb_set_map(NULL) */
			map = 0;
			MAP_LOCK_GIVE
			skip
		:: else
		fi;
		bql_unlock()
	:: skip
	fi
}

init
{
	atomic {
		run drainer(GUEST);
		run drainer(HOST)
	}
}

/* Every descriptor handed over is eventually sent. */
ltl no_lost_wakeup { [] ((published != consumed) -> <> (published == consumed)) }
