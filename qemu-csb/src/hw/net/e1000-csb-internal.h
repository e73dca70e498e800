/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: what the files of the CSB device model share
 *
 * Not for hw/net/e1000.c, which uses e1000-csb.h only.  Each section
 * below is one file, one part of Documentation/csb-spec.md:
 *
 *  e1000-csb.c            discovery (1), registers (2), enable, disable
 *                         and reset (4), tails and drops (8), life cycle
 *  e1000-csb-map.c        access to the block (2, 4, 9): the mapping,
 *                         map_lock, the memory listener, reachability
 *  e1000-csb-tx.c         TX (5) and host polling (9): the TX thread
 *  e1000-csb-rx.c         RX (6)
 *  e1000-csb-irq.c        interrupts (7), the ICR and STATUS copies
 *  e1000-csb-chaos.c      the x-csb-chaos and x-csb-early-dd test hooks (7, 8)
 *  e1000-csb-migration.c  migration (10)
 *  e1000-csb-stats.c      the x-stat-* counters (e1000-csb-stats.h)
 */

#ifndef HW_NET_E1000_CSB_INTERNAL_H
#define HW_NET_E1000_CSB_INTERNAL_H

#include "e1000-csb.h"

#define CSB_OFF(field)          offsetof(struct csb_block, field)
#define CSB_DESC_SIZE           16      /* TX and RX descriptors alike */

/* A kick request whose value in the CSB is not known: clear it. */
#define CSB_KICK_UNKNOWN        UINT32_MAX

/* ---- e1000-csb.c ---- */

/* The number of descriptors of the TX (@tx) or RX ring. */
uint32_t e1000_csb_ring_size(E1000Csb *csb, bool tx);

/* TDH (@tx) or RDH. */
uint32_t e1000_csb_head(E1000Csb *csb, bool tx);

/* Start using @map with @features; the caller has checked everything. */
void e1000_csb_start(E1000Csb *csb, E1000CsbMap *map, uint32_t features);

/*
 * The device gives up the CSB because of @err; logged as a guest error.
 * TDT and RDT take the newest tails, and the TX and RX engines then run
 * as in plain mode.
 */
void G_GNUC_PRINTF(3, 4)
e1000_csb_fail(E1000Csb *csb, enum csb_err err, const char *fmt, ...);

/*
 * Take tx_tail (@tx) or rx_tail from the CSB into TDT or RDT.  An index
 * outside the ring disables the CSB (RING); the register keeps the last
 * valid tail.  So does a head outside the ring: true means that the e1000
 * code may process the ring from the head to the tail.
 */
bool e1000_csb_take_tail(E1000Csb *csb, bool tx, uint32_t *tail);

/* ---- e1000-csb-map.c ---- */

struct E1000CsbMap {
    struct rcu_head rcu;        /* first, for call_rcu() */
    MemoryRegionCache cache;
    hwaddr addr;                /* the block's DMA address (csb->addr) */
    bool direct;                /* the cache points at RAM (no IOMMU) */
};

void e1000_csb_map_init(E1000Csb *csb);
void e1000_csb_map_cleanup(E1000Csb *csb);

/* Is the block at csb->addr RAM the device can read and write? */
bool e1000_csb_reachable(E1000Csb *csb);

/* Map the block at csb->addr; NULL if it is not reachable RAM. */
E1000CsbMap *e1000_csb_map_new(E1000Csb *csb);

/* With the BQL: publish @map (or none), under map_lock. */
void e1000_csb_set_map(E1000Csb *csb, E1000CsbMap *map);

/*
 * With the BQL: engage the device's DMA re-entrancy guard; returns the
 * state to restore with e1000_csb_guard_leave().
 */
bool e1000_csb_guard_enter(E1000Csb *csb);
void e1000_csb_guard_leave(E1000Csb *csb, bool engaged);

/* Read the field at @off with the BQL: false if it cannot be read. */
bool e1000_csb_load(E1000Csb *csb, hwaddr off, uint32_t *val);

/*
 * Read (write) the field at @off with the BQL, mapping the block again if
 * needed; failure disables the CSB (ADDR).
 */
bool e1000_csb_get(E1000Csb *csb, hwaddr off, uint32_t *val);
bool e1000_csb_put(E1000Csb *csb, hwaddr off, uint32_t val);

/* ---- e1000-csb-tx.c ---- */

void e1000_csb_tx_init(E1000Csb *csb);

/* Stop and join the TX thread, free what e1000_csb_tx_init() made. */
void e1000_csb_tx_cleanup(E1000Csb *csb);

/* A TX kick: check the tail now (errors show at once), then wake up. */
void e1000_csb_tx_kick(E1000Csb *csb);

/* Wake the TX thread up (creating it the first time). */
void e1000_csb_wake_tx(E1000Csb *csb);

/* ---- e1000-csb-rx.c ---- */

/* An RX kick: check the tail, clear our request, retry queued frames. */
void e1000_csb_rx_kick(E1000Csb *csb);

/* ---- e1000-csb-chaos.c ---- */

void e1000_csb_chaos_init(E1000Csb *csb);

/* Have the next tick in chaos_ms of virtual time, if the hook is on. */
void e1000_csb_chaos_arm(E1000Csb *csb);

/* ---- e1000-csb-migration.c ---- */

/*
 * With csb=on, at realize and unrealize: the section "e1000,csb=on" of
 * the device, which makes a destination without it (csb=off, or a QEMU
 * without the extension) refuse the stream naming the property.
 */
void e1000_csb_migration_realize(E1000Csb *csb);
void e1000_csb_migration_unrealize(E1000Csb *csb);

#endif /* HW_NET_E1000_CSB_INTERNAL_H */
