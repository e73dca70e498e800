/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: TX (Documentation/csb-spec.md, 5) and host polling (9)
 *
 * A thread per device, started at the first enable with F_TX and joined
 * at unrealize, runs the e1000 TX engine under the BQL, polls tx_tail
 * without the BQL for a window that adapts to what polling finds, at most
 * csb-poll-us (where an IOMMU translates the block, taking the BQL for
 * each read), then sleeps with the TX-H handshake until a kick.  While
 * the window has adapted down to 0 (packets further apart than
 * csb-poll-us, or too few for the time it takes to find them), a kick is
 * served in the kick's own register write instead, as a TDT write is in
 * plain mode, and the thread sleeps on.
 * Nothing runs while the VM is stopped.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/processor.h"
#include "qemu/rcu.h"
#include "qemu/timer.h"
#include "e1000-csb-internal.h"
#include "trace.h"

/*
 * Behind an IOMMU the TX thread polls with the BQL, one read at a time,
 * and leaves it free this long between two reads.
 */
#define CSB_IOMMU_POLL_GAP_NS   5000

static void e1000_csb_tx_thread_create(E1000Csb *csb);
static bool e1000_csb_tx_may_run(E1000Csb *csb);
static bool e1000_csb_tx_inline(E1000Csb *csb);

void e1000_csb_wake_tx(E1000Csb *csb)
{
    if (!csb->tx_thread_started) {
        if (qatomic_read(&csb->tx_stop)) {
            return;
        }
        e1000_csb_tx_thread_create(csb);
    }
    qemu_event_set(&csb->tx_event);
}

void e1000_csb_tx_kick(E1000Csb *csb)
{
    uint32_t tail;

    e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_TX_KICKS);
    trace_e1000_csb_kick_tx();
    csb->kicked_at = get_clock();
    if (e1000_csb_take_tail(csb, true, &tail) && !e1000_csb_tx_inline(csb)) {
        e1000_csb_wake_tx(csb);
    }
}

/*
 * TCTL written: with F_TX, what set_tctl() does comes after taking and
 * checking the tail as a kick would: with a head outside the ring, the
 * CSB is disabled and the TX engine does not run.
 */
bool e1000_csb_tx_start(E1000Csb *csb)
{
    uint32_t tail;

    if (!(csb->mode & CSB_F_TX)) {
        return true;
    }
    if (!e1000_csb_take_tail(csb, true, &tail)) {
        return false;
    }
    e1000_csb_wake_tx(csb);
    return true;
}

/* For plain and CSB mode alike: see e1000-csb.h. */
bool e1000_csb_tx_frame_ok(E1000Csb *csb, int size)
{
    if (size > 0) {
        return true;
    }
    e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_TX_EMPTY_FRAMES);
    qemu_log_mask(LOG_GUEST_ERROR, "e1000: zero-length frame not sent\n");
    return false;
}

static bool e1000_csb_tx_may_run(E1000Csb *csb)
{
    return (csb->mode & CSB_F_TX) && csb->vm_running &&
           !qatomic_read(&csb->tx_stop);
}

/*
 * With the BQL: take tx_tail and run the e1000 TX engine up to it; say in
 * @descs how many descriptors it took.
 */
static bool e1000_csb_tx_batch(E1000Csb *csb, uint32_t *seen, uint32_t *descs)
{
    uint32_t n = e1000_csb_ring_size(csb, true);
    uint32_t tail, head;
    bool engaged;

    if (csb->tx_kick_armed) {
        csb->tx_kick_armed = false;
        if (!e1000_csb_put(csb, CSB_OFF(tx_kick), 0)) {
            return false;
        }
    }
    if (!e1000_csb_take_tail(csb, true, &tail)) {
        return false;
    }
    *seen = tail;
    head = e1000_csb_head(csb, true);
    trace_e1000_csb_tx_batch(head, tail);
    /* As if from an MMIO write: DMA must not re-enter the device. */
    engaged = e1000_csb_guard_enter(csb);
    e1000_csb_dev_start_tx(csb->dev);
    e1000_csb_guard_leave(csb, engaged);
    *descs = n ? (e1000_csb_head(csb, true) + n - head) % n : 0;
    e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_TX_BATCHES);
    return true;
}

/*
 * x-csb-poll-delay-ms (a test hook): wait between finding the block
 * mapped and reading it, so that a test can disable the CSB meanwhile.
 */
static void e1000_csb_poll_delay(E1000Csb *csb)
{
    uint32_t ms = qatomic_read(&csb->poll_delay_ms);

    if (ms) {
        g_usleep((gulong)ms * 1000);
    }
}

/*
 * After a poll read through @map: count it (x-stat-csb-tx-poll-stale) if
 * @map is no longer the published one, i.e. the read may have happened
 * after the map was unpublished (spec 4: after STATUS read ACTIVE clear).
 */
static void e1000_csb_poll_check(E1000Csb *csb, E1000CsbMap *map)
{
    smp_rmb();      /* the read, then the map */
    if (qatomic_read(&csb->map) != map) {
        e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_TX_POLL_STALE);
    }
}

/*
 * For the polling TX thread, which does not hold the BQL: read tx_tail,
 * and say in @translated whether an IOMMU translated the read.  False if
 * there is no block any more or the read failed.
 *
 * Where no IOMMU translates the block, a load from the RAM the cache
 * points at (it cannot reach MMIO, so it needs no re-entrancy guard,
 * which is BQL state), with map_lock held from the check that the map is
 * still published to the end of the load: e1000_csb_set_map() cannot
 * withdraw the map (CTRL = 0, a drop) in between, nor free it.  One
 * uncontended lock per read, never the BQL.  Behind an IOMMU the read
 * takes the BQL, as every other access to the block does
 * (e1000_csb_access(): re-entrancy guard, RAM only): a translation that
 * fails reports a fault (fault recording registers, an MSI), which must
 * happen with the BQL held, and the failure disables the CSB with ADDR
 * at once (one fault, as for a read by the e1000 code).  The caller
 * leaves the BQL free between two such reads (CSB_IOMMU_POLL_GAP_NS), so
 * vCPUs and the main loop get it.
 */
static bool e1000_csb_tx_poll_tail(E1000Csb *csb, uint32_t *tail,
                                   bool *translated)
{
    MemTxResult res = MEMTX_OK;
    E1000CsbMap *map;
    bool direct, ok;

    qemu_mutex_lock(&csb->map_lock);
    map = qatomic_read(&csb->map);
    direct = map && map->direct;
    if (direct) {
        e1000_csb_poll_delay(csb);
        *tail = address_space_ldl_le_cached(&map->cache, CSB_OFF(tx_tail),
                                            MEMTXATTRS_UNSPECIFIED, &res);
        e1000_csb_poll_check(csb, map);
    }
    qemu_mutex_unlock(&csb->map_lock);
    if (!map) {
        return false;
    }
    *translated = !direct;
    if (direct) {
        return res == MEMTX_OK;
    }
    bql_lock();
    ok = e1000_csb_tx_may_run(csb) &&
         e1000_csb_get(csb, CSB_OFF(tx_tail), tail);
    bql_unlock();
    return ok;
}

/*
 * The polling window adapts to how long the guest leaves the ring idle
 * and to how much work ends the idle time (spec 9), in the way of KVM's
 * halt polling for idle vCPUs.  It starts at csb-poll-us, the most it
 * may be.  What decides is each batch that ends idle time: after a kick
 * (idle from the end of the batch before, where the poll that missed
 * started, to the kick) or after a poll that found work (idle while it
 * polled).  Idle longer than csb-poll-us: no window would have caught
 * that work, so the window is halved, to 0 below CSB_POLL_MIN_NS.  The
 * idle time per descriptor of the batch, capped at csb-poll-us, goes into
 * an average over about the last CSB_POLL_COST_WEIGHT batches (poll_cost).
 * Above csb-poll-us / x-csb-poll-descs, polling does not find enough to
 * pay for itself: the window is halved.  At or below it, a kick doubles
 * the window (from CSB_POLL_MIN_NS), since a longer one would have caught
 * the kick's work, and a poll's find leaves it as it is.  A TX-H re-check
 * that finds work doubles it too, whatever the average.  So a guest that
 * keeps the ring busy is polled and does not kick, whatever a loaded host
 * does to its vCPU now and then; one whose packets come further apart
 * than csb-poll-us, that waits for the answer to each packet (a
 * request-response exchange) or that sends a few packets at a time far
 * apart soon costs a kick per packet, served inline
 * (e1000_csb_tx_inline()), instead of a window of spinning and a thread
 * wake-up each; and one whose bursts hold enough descriptors for the idle
 * time around them is polled for about as long as a burst takes.  Changed
 * with the BQL, by the thread or by a kick served inline; the thread's
 * poll reads the window without.
 */
#define CSB_POLL_MIN_NS         2000
#define CSB_POLL_COST_WEIGHT    8       /* a new batch's share: 1/8 */

static void e1000_csb_tx_poll_grow(E1000Csb *csb)
{
    int64_t max = (int64_t)csb->poll_us * SCALE_US;

    csb->poll_ns = MIN(max, MAX(csb->poll_ns * 2, CSB_POLL_MIN_NS));
}

static void e1000_csb_tx_poll_shrink(E1000Csb *csb)
{
    csb->poll_ns /= 2;
    if (csb->poll_ns < CSB_POLL_MIN_NS) {
        csb->poll_ns = 0;
    }
}

/*
 * With the BQL, after the batch that ended @idle ns of idle ring (-1:
 * nothing to judge) with @descs descriptors; @kicked: a kick ended it,
 * not a poll.  True if the window grew.
 */
static bool e1000_csb_tx_poll_adapt(E1000Csb *csb, int64_t idle,
                                    bool kicked, uint32_t descs)
{
    int64_t max = (int64_t)csb->poll_us * SCALE_US;
    int64_t sample;

    if (idle < 0) {
        return false;
    }
    sample = MIN(idle, max) / MAX(descs, 1);
    csb->poll_cost += (sample - csb->poll_cost) / CSB_POLL_COST_WEIGHT;
    if (idle > max || csb->poll_cost > max / csb->poll_descs) {
        e1000_csb_tx_poll_shrink(csb);
        return false;
    }
    if (kicked) {
        e1000_csb_tx_poll_grow(csb);
    }
    return kicked;
}

/*
 * With the BQL, when a kick is taken (woken thread, or inline): the idle
 * time before the kick that ended the thread's sleep, timed by the kick,
 * not by the wake-up, which waits for the BQL; -1 if no kick did (such as
 * an enable's wake-up).
 */
static int64_t e1000_csb_tx_kick_idle(E1000Csb *csb)
{
    int64_t idle = -1;

    if (csb->slept_at && csb->kicked_at >= csb->slept_at) {
        idle = csb->kicked_at - csb->idle_at;
    }
    csb->slept_at = 0;
    return idle;
}

/*
 * Without the BQL: poll tx_tail for up to the current window while it is
 * still @seen (the ring idle from now on: idle_at).  The time it polled
 * until it found tx_tail moved, or -1: the time is up or the block could
 * not be read (the caller's TX-H handshake, with the BQL, finds out why).
 * Bounded, and cheap to stop: the spin ends when the block goes away.
 */
static int64_t e1000_csb_tx_poll(E1000Csb *csb, uint32_t seen)
{
    int64_t start, now, gap_end;
    bool translated, hit = false;
    uint32_t tail;

    start = now = csb->idle_at = get_clock();
    if (!csb->poll_ns) {
        return -1;
    }
    do {
        if (!e1000_csb_tx_poll_tail(csb, &tail, &translated)) {
            return -1;
        }
        if (tail != seen) {
            hit = true;
            now = get_clock();  /* a read behind an IOMMU waits for the BQL */
            break;
        }
        /* from the end of the read, which took the BQL behind an IOMMU */
        gap_end = translated ? get_clock() + CSB_IOMMU_POLL_GAP_NS : 0;
        do {
            if (qatomic_read(&csb->tx_stop)) {
                return -1;
            }
            cpu_relax();
            now = get_clock();
        } while (now < gap_end);
    } while (now - start < csb->poll_ns);
    qatomic_add(&csb->stats.count[E1000_CSB_STAT_CSB_TX_POLL_NS],
                now - start);
    if (!hit) {
        e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_TX_POLL_MISSES);
        return -1;
    }
    return now - start;
}

/*
 * With the BQL, after a batch that saw tx_tail at @seen (in activation
 * @gen) and a poll that found no more: TX-H, announce sleep, then look
 * (pairs with the guest's TX-G).  Kicks from now on wake us again;
 * earlier ones are covered by the tail read here.  True if work arrived.
 */
static bool e1000_csb_tx_announce_sleep(E1000Csb *csb, uint32_t seen,
                                        uint32_t gen)
{
    uint32_t tail, req;

    qemu_event_reset(&csb->tx_event);
    req = CSB_NOTIFY | (e1000_csb_head(csb, true) & CSB_INDEX_MASK);
    csb->tx_kick_armed = true;
    if (!e1000_csb_put(csb, CSB_OFF(tx_kick), req)) {
        return false;
    }
    smp_mb();               /* TX-H: tx_kick, then tx_tail */
    if (!e1000_csb_get(csb, CSB_OFF(tx_tail), &tail)) {
        return false;
    }
    if (tail != seen || gen != csb->gen) {
        return true;        /* work arrived: stay up */
    }
    e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_TX_SLEEPS);
    trace_e1000_csb_tx_sleep(req);
    csb->slept_at = get_clock();
    return false;
}

/* One wake-up of the TX thread: work until the TX-H handshake says sleep. */
static void e1000_csb_tx_run(E1000Csb *csb)
{
    uint32_t seen, gen, descs;
    bool kicked = true;
    int64_t idle;

    bql_lock();
    qemu_event_reset(&csb->tx_event);
    e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_TX_WAKEUPS);
    trace_e1000_csb_tx_wake();
    idle = e1000_csb_tx_kick_idle(csb);
    while (e1000_csb_tx_may_run(csb)) {
        gen = csb->gen;
        if (!e1000_csb_tx_batch(csb, &seen, &descs)) {
            break;
        }
        e1000_csb_tx_poll_adapt(csb, idle, kicked, descs);

        bql_unlock();
        idle = e1000_csb_tx_poll(csb, seen);
        bql_lock();

        if (!e1000_csb_tx_may_run(csb)) {
            break;
        }
        if (idle >= 0) {
            e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_TX_SPIN_HITS);
            kicked = false;
            continue;
        }
        if (!e1000_csb_tx_announce_sleep(csb, seen, gen)) {
            break;
        }
        e1000_csb_tx_poll_grow(csb);    /* work came meanwhile */
    }
    bql_unlock();
}

/*
 * A kick, with the BQL, in the guest's register write: if the thread is
 * asleep with a window that adapted down to 0, polling did not pay and
 * waking the thread costs the host more than the work itself; so run the
 * batch and, unless the window grows again, the TX-H handshake (the
 * thread's) right here, and let the thread sleep on.  Not with
 * csb-poll-us=0, where the window is always 0: there the thread serves
 * every kick, in parallel with the guest (socket TX at saturation 0.97x
 * the in-kernel e1000 served inline, 1.55x by the thread).  True if done;
 * false if the thread is to be woken: its window is not 0, or grows now
 * (polling pays again, or work arrived during the handshake).  The
 * thread may also be on its way to sleep, between its poll and the BQL:
 * it then finds the tail moved, runs an empty batch and sleeps.
 */
static bool e1000_csb_tx_inline(E1000Csb *csb)
{
    uint32_t seen, gen, descs;
    int64_t idle;

    if (!csb->tx_thread_started || !e1000_csb_tx_may_run(csb) ||
        !csb->poll_us || csb->poll_ns || !csb->slept_at) {
        return false;
    }
    idle = e1000_csb_tx_kick_idle(csb);
    gen = csb->gen;
    if (!e1000_csb_tx_batch(csb, &seen, &descs)) {
        return true;            /* the CSB went away: nothing to wake for */
    }
    e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_TX_INLINE);
    csb->idle_at = get_clock();
    if (e1000_csb_tx_poll_adapt(csb, idle, true, descs)) {
        return false;           /* polling pays again: the thread polls */
    }
    if (!e1000_csb_tx_announce_sleep(csb, seen, gen)) {
        return true;
    }
    e1000_csb_tx_poll_grow(csb);        /* work came meanwhile */
    return false;
}

static void *e1000_csb_tx_thread(void *opaque)
{
    E1000Csb *csb = opaque;

    rcu_register_thread();
    while (!qatomic_read(&csb->tx_stop)) {
        qemu_event_wait(&csb->tx_event);
        if (qatomic_read(&csb->tx_stop)) {
            break;
        }
        e1000_csb_tx_run(csb);
    }
    rcu_unregister_thread();
    return NULL;
}

static void e1000_csb_tx_thread_create(E1000Csb *csb)
{
    csb->poll_ns = (int64_t)csb->poll_us * SCALE_US;
    csb->poll_cost = 0;
    qemu_thread_create(&csb->tx_thread, "e1000-csb-tx", e1000_csb_tx_thread,
                       csb, QEMU_THREAD_JOINABLE);
    csb->tx_thread_started = true;
}

/*
 * Stop and join the TX thread.  It may be waiting for the BQL, so let go
 * of it meanwhile, as migration does for its own thread.
 */
static void e1000_csb_tx_thread_join(E1000Csb *csb)
{
    qatomic_set(&csb->tx_stop, true);
    if (!csb->tx_thread_started) {
        return;
    }
    qemu_event_set(&csb->tx_event);
    bql_unlock();
    qemu_thread_join(&csb->tx_thread);
    bql_lock();
    csb->tx_thread_started = false;
}

static void e1000_csb_vm_state_change(void *opaque, bool running,
                                      RunState state)
{
    E1000Csb *csb = opaque;

    csb->vm_running = running;
    if (running && (csb->mode & CSB_F_TX)) {
        e1000_csb_wake_tx(csb);
    }
}

/* At realize: the thread itself starts at the first enable with F_TX. */
void e1000_csb_tx_init(E1000Csb *csb)
{
    qemu_event_init(&csb->tx_event, false);
    csb->vm_state = qemu_add_vm_change_state_handler(
        e1000_csb_vm_state_change, csb);
    csb->vm_running = runstate_is_running();
}

void e1000_csb_tx_cleanup(E1000Csb *csb)
{
    e1000_csb_tx_thread_join(csb);
    qemu_del_vm_change_state_handler(csb->vm_state);
    qemu_event_destroy(&csb->tx_event);
}
