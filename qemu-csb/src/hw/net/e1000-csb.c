/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: host-side additions to QEMU's e1000 device
 *
 * Counts the guest's trapping MMIO accesses by register class (doorbells,
 * interrupt registers, everything else) and the interrupts the device
 * raises, and exposes the counts as read-only uint64 QOM properties:
 *
 *   x-stat-tdt-writes        writes to TDT (TX doorbells)
 *   x-stat-rdt-writes        writes to RDT (RX doorbells)
 *   x-stat-doorbell-writes   the sum of the two above
 *   x-stat-irq-reg-accesses  reads and writes of ICR, ICS, IMS and IMC
 *   x-stat-other-accesses    every other MMIO register access
 *   x-stat-interrupts        transitions of INTx to asserted
 *
 * e.g. "qom-get /machine/peripheral/nic0 x-stat-tdt-writes" in the HMP.
 * The device stays exactly the stock e1000 as seen by the guest.
 */

#include "qemu/osdep.h"
#include "qapi/visitor.h"
#include "qom/object.h"
#include "e1000_common.h"
#include "e1000-csb.h"

void e1000_csb_mmio_access(E1000CsbStats *stats, unsigned int index,
                           bool is_write)
{
    switch (index) {
    case TDT:
        if (is_write) {
            stats->tdt_writes++;
            return;
        }
        break;
    case RDT:
        if (is_write) {
            stats->rdt_writes++;
            return;
        }
        break;
    case ICR:
    case ICS:
    case IMS:
    case IMC:
        stats->irq_reg_accesses++;
        return;
    default:
        break;
    }
    stats->other_accesses++;
}

void e1000_csb_irq_update(E1000CsbStats *stats, bool old_level,
                          bool new_level)
{
    if (!old_level && new_level) {
        stats->interrupts++;
    }
}

static void e1000_csb_get_doorbell_writes(Object *obj, Visitor *v,
                                          const char *name, void *opaque,
                                          Error **errp)
{
    E1000CsbStats *stats = opaque;
    uint64_t value = stats->tdt_writes + stats->rdt_writes;

    visit_type_uint64(v, name, &value, errp);
}

static void e1000_csb_add_counter(Object *obj, const char *name,
                                  const uint64_t *counter,
                                  const char *description)
{
    object_property_add_uint64_ptr(obj, name, counter, OBJ_PROP_FLAG_READ);
    object_property_set_description(obj, name, description);
}

void e1000_csb_stats_init(Object *obj, E1000CsbStats *stats)
{
    e1000_csb_add_counter(obj, "x-stat-tdt-writes", &stats->tdt_writes,
                          "Guest writes to TDT (TX doorbells)");
    e1000_csb_add_counter(obj, "x-stat-rdt-writes", &stats->rdt_writes,
                          "Guest writes to RDT (RX doorbells)");
    e1000_csb_add_counter(obj, "x-stat-irq-reg-accesses",
                          &stats->irq_reg_accesses,
                          "Guest accesses to ICR, ICS, IMS and IMC");
    e1000_csb_add_counter(obj, "x-stat-other-accesses",
                          &stats->other_accesses,
                          "Guest accesses to other MMIO registers");
    e1000_csb_add_counter(obj, "x-stat-interrupts", &stats->interrupts,
                          "Interrupt line transitions to asserted");

    object_property_add(obj, "x-stat-doorbell-writes", "uint64",
                        e1000_csb_get_doorbell_writes, NULL, NULL, stats);
    object_property_set_description(obj, "x-stat-doorbell-writes",
                                    "Guest writes to TDT and RDT");
}
