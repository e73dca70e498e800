/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: host-side statistics of the e1000 device
 *
 * The x-stat-* read-only QOM properties, e.g.
 * "qom-get /machine/peripheral/nic0 x-stat-tdt-writes" in the HMP, and
 * the accounting of MMIO accesses and interrupts behind them.  Every
 * other counter is incremented where its event happens, with
 * e1000_csb_stat_inc().
 */

#include "qemu/osdep.h"
#include "qapi/visitor.h"
#include "e1000_common.h"
#include "e1000-csb.h"

static const struct {
    const char *name;
    const char *description;
} e1000_csb_stat_props[E1000_CSB_STAT__MAX] = {
    [E1000_CSB_STAT_TDT_WRITES] = {
        "x-stat-tdt-writes", "Guest writes to TDT (TX doorbells)" },
    [E1000_CSB_STAT_RDT_WRITES] = {
        "x-stat-rdt-writes", "Guest writes to RDT (RX doorbells)" },
    [E1000_CSB_STAT_KICK_WRITES] = {
        "x-stat-kick-writes", "Guest writes to the CSB KICK register" },
    [E1000_CSB_STAT_IRQ_REG_ACCESSES] = {
        "x-stat-irq-reg-accesses", "Guest accesses to ICR, ICS, IMS and IMC" },
    [E1000_CSB_STAT_OTHER_ACCESSES] = {
        "x-stat-other-accesses", "Guest accesses to other MMIO registers" },
    [E1000_CSB_STAT_INTERRUPTS] = {
        "x-stat-interrupts", "Interrupt line transitions to asserted" },
    [E1000_CSB_STAT_CSB_TX_KICKS] = {
        "x-stat-csb-tx-kicks", "TX kicks received in CSB mode" },
    [E1000_CSB_STAT_CSB_RX_KICKS] = {
        "x-stat-csb-rx-kicks", "RX kicks received in CSB mode" },
    [E1000_CSB_STAT_CSB_TX_WAKEUPS] = {
        "x-stat-csb-tx-wakeups", "Wake-ups of the CSB TX thread" },
    [E1000_CSB_STAT_CSB_TX_SLEEPS] = {
        "x-stat-csb-tx-sleeps",
        "CSB TX thread went to sleep asking for a kick" },
    [E1000_CSB_STAT_CSB_TX_BATCHES] = {
        "x-stat-csb-tx-batches",
        "TX batches run, by the CSB TX thread or in a kick's own write" },
    [E1000_CSB_STAT_CSB_TX_SPIN_HITS] = {
        "x-stat-csb-tx-spin-hits", "TX work found by polling the CSB" },
    [E1000_CSB_STAT_CSB_RX_STARVED] = {
        "x-stat-csb-rx-starved", "RX kick requests (out of RX buffers)" },
    [E1000_CSB_STAT_CSB_IRQ_SUPPRESSED] = {
        "x-stat-csb-irq-suppressed",
        "TX/RX interrupt causes not raised (not asked)" },
    [E1000_CSB_STAT_CSB_ENABLES] = {
        "x-stat-csb-enables", "CSB enables" },
    [E1000_CSB_STAT_CSB_REFUSALS] = {
        "x-stat-csb-refusals", "CSB enables refused" },
    [E1000_CSB_STAT_CSB_ERRORS] = {
        "x-stat-csb-errors", "CSB disabled by the device on an error" },
    [E1000_CSB_STAT_CSB_TX_POLL_STALE] = {
        "x-stat-csb-tx-poll-stale",
        "TX poll reads of tx_tail through a mapping already withdrawn "
        "(0 unless broken)" },
    [E1000_CSB_STAT_CSB_EARLY_DD] = {
        "x-stat-csb-early-dd",
        "Test hook x-csb-early-dd: DD written back before the frame" },
    [E1000_CSB_STAT_CSB_TX_POLL_NS] = {
        "x-stat-csb-tx-poll-ns",
        "Nanoseconds the CSB TX thread spent polling tx_tail" },
    [E1000_CSB_STAT_CSB_TX_POLL_MISSES] = {
        "x-stat-csb-tx-poll-misses",
        "Polls of tx_tail that found no work in their window" },
    [E1000_CSB_STAT_CSB_TX_INLINE] = {
        "x-stat-csb-tx-inline",
        "TX kicks whose batch ran in the kick's own write (polling window "
        "0); the thread is woken after it only if polling pays again" },
    [E1000_CSB_STAT_TX_EMPTY_FRAMES] = {
        "x-stat-tx-empty-frames",
        "Zero-length frames the guest asked to send, not sent" },
};

/*
 * One counter: read atomically, as the TX thread adds to some of them
 * without the BQL (a plain 64-bit load would be a data race).
 */
static void e1000_csb_get_stat(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    uint64_t value = qatomic_read((uint64_t *)opaque);

    visit_type_uint64(v, name, &value, errp);
}

static void e1000_csb_get_doorbell_writes(Object *obj, Visitor *v,
                                          const char *name, void *opaque,
                                          Error **errp)
{
    E1000CsbStats *stats = opaque;
    uint64_t value = qatomic_read(&stats->count[E1000_CSB_STAT_TDT_WRITES]) +
                     qatomic_read(&stats->count[E1000_CSB_STAT_RDT_WRITES]) +
                     qatomic_read(&stats->count[E1000_CSB_STAT_KICK_WRITES]);

    visit_type_uint64(v, name, &value, errp);
}

void e1000_csb_stats_init(Object *obj, E1000CsbStats *stats)
{
    const char *name;
    int i;

    for (i = 0; i < E1000_CSB_STAT__MAX; i++) {
        name = e1000_csb_stat_props[i].name;
        object_property_add(obj, name, "uint64", e1000_csb_get_stat, NULL,
                            NULL, &stats->count[i]);
        object_property_set_description(obj, name,
                                        e1000_csb_stat_props[i].description);
    }
    object_property_add(obj, "x-stat-doorbell-writes", "uint64",
                        e1000_csb_get_doorbell_writes, NULL, NULL, stats);
    object_property_set_description(obj, "x-stat-doorbell-writes",
                                    "Guest writes to TDT, RDT and CSB KICK");
}

static E1000CsbStat e1000_csb_mmio_stat(unsigned int index, bool is_write,
                                        bool is_kick)
{
    if (is_write && index == TDT) {
        return E1000_CSB_STAT_TDT_WRITES;
    }
    if (is_write && index == RDT) {
        return E1000_CSB_STAT_RDT_WRITES;
    }
    if (is_write && is_kick) {
        return E1000_CSB_STAT_KICK_WRITES;
    }
    switch (index) {
    case ICR:
    case ICS:
    case IMS:
    case IMC:
        return E1000_CSB_STAT_IRQ_REG_ACCESSES;
    default:
        return E1000_CSB_STAT_OTHER_ACCESSES;
    }
}

void e1000_csb_stats_mmio(E1000CsbStats *stats, unsigned int index,
                          bool is_write, bool is_kick)
{
    e1000_csb_stat_inc(stats, e1000_csb_mmio_stat(index, is_write, is_kick));
}

void e1000_csb_irq_update(E1000Csb *csb, bool old_level, bool new_level)
{
    if (!old_level && new_level) {
        e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_INTERRUPTS);
    }
}
