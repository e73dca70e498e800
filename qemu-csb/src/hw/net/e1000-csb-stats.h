/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: host-side statistics of the e1000 device
 *
 * Counters of guest MMIO accesses and of CSB events, for the tests and
 * the benchmark of the e1000-csb project.  They are read-only uint64 QOM
 * properties (x-stat-*, listed in e1000-csb-stats.c), cumulative from the
 * moment the device object is created: device reset does not clear them,
 * and they are not migrated.
 *
 * Cost: one atomic increment of a counter of the device per event, among
 * them every MMIO access (also with csb=off), next to the trap itself,
 * which costs microseconds.  Nothing else of the device reads them.
 */

#ifndef HW_NET_E1000_CSB_STATS_H
#define HW_NET_E1000_CSB_STATS_H

#include "qemu/atomic.h"
#include "qom/object.h"

typedef enum E1000CsbStat {
    E1000_CSB_STAT_TDT_WRITES,          /* TX doorbells: writes to TDT */
    E1000_CSB_STAT_RDT_WRITES,          /* RX doorbells: writes to RDT */
    E1000_CSB_STAT_KICK_WRITES,         /* writes to the CSB KICK register */
    E1000_CSB_STAT_IRQ_REG_ACCESSES,    /* ICR, ICS, IMS, IMC */
    E1000_CSB_STAT_OTHER_ACCESSES,      /* every other MMIO access */
    E1000_CSB_STAT_INTERRUPTS,          /* INTx transitions to asserted */
    E1000_CSB_STAT_CSB_TX_KICKS,        /* TX kicks while F_TX is active */
    E1000_CSB_STAT_CSB_RX_KICKS,        /* RX kicks while F_RX is active */
    E1000_CSB_STAT_CSB_TX_WAKEUPS,      /* TX thread woken up */
    E1000_CSB_STAT_CSB_TX_SLEEPS,       /* TX thread went to sleep (TX-H) */
    E1000_CSB_STAT_CSB_TX_BATCHES,      /* TX batches run by the TX thread */
    E1000_CSB_STAT_CSB_TX_SPIN_HITS,    /* TX work found while polling */
    E1000_CSB_STAT_CSB_RX_STARVED,      /* RX kick requests (RX-H) */
    E1000_CSB_STAT_CSB_IRQ_SUPPRESSED,  /* TX/RX causes not raised */
    E1000_CSB_STAT_CSB_ENABLES,         /* successful enables */
    E1000_CSB_STAT_CSB_REFUSALS,        /* refused enables */
    E1000_CSB_STAT_CSB_ERRORS,          /* CSB disabled by the device */
    E1000_CSB_STAT_CSB_TX_POLL_STALE,   /* poll reads via an unpublished map */
    E1000_CSB_STAT_CSB_EARLY_DD,        /* x-csb-early-dd write-backs */
    E1000_CSB_STAT_CSB_TX_POLL_NS,      /* time the TX thread polled */
    E1000_CSB_STAT_CSB_TX_POLL_MISSES,  /* polls that found no work */
    E1000_CSB_STAT_CSB_TX_INLINE,       /* kicks served in the vCPU's write */
    E1000_CSB_STAT_TX_EMPTY_FRAMES,     /* zero-length frames not sent */
    E1000_CSB_STAT__MAX,
} E1000CsbStat;

typedef struct E1000CsbStats {
    uint64_t count[E1000_CSB_STAT__MAX];
} E1000CsbStats;

/*
 * Count one event: the only way a counter changes.  Atomic, as the TX
 * thread counts without the BQL (every other path holds it).
 */
static inline void e1000_csb_stat_inc(E1000CsbStats *stats, E1000CsbStat stat)
{
    qatomic_inc(&stats->count[stat]);
}

/* At instance init: add the x-stat-* properties of @obj. */
void e1000_csb_stats_init(Object *obj, E1000CsbStats *stats);

/*
 * Count a guest access to the e1000 register @index (BAR0 offset / 4);
 * @is_kick: a write to the CSB KICK register.
 */
void e1000_csb_stats_mmio(E1000CsbStats *stats, unsigned int index,
                          bool is_write, bool is_kick);

#endif /* HW_NET_E1000_CSB_STATS_H */
