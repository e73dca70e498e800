/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: host-side additions to QEMU's e1000 device
 *
 * This first step only keeps host-side statistics: the guest's trapping
 * MMIO accesses, counted by register class, and the interrupts that the
 * device raises.  They are exposed as read-only QOM properties.  Nothing
 * here is visible to the guest, and nothing is added to the migration
 * stream.
 */

#ifndef HW_NET_E1000_CSB_H
#define HW_NET_E1000_CSB_H

/*
 * The counters are cumulative from the moment the device object is
 * created: device reset does not clear them, and they are not migrated
 * (a migrated device starts again from zero on the destination).
 */
typedef struct E1000CsbStats {
    uint64_t tdt_writes;        /* TX doorbells: writes to TDT */
    uint64_t rdt_writes;        /* RX doorbells: writes to RDT */
    uint64_t irq_reg_accesses;  /* reads and writes of ICR, ICS, IMS, IMC */
    uint64_t other_accesses;    /* every other MMIO register access */
    uint64_t interrupts;        /* INTx transitions to asserted */
} E1000CsbStats;

/* Register the x-stat-* properties of @obj, backed by @stats. */
void e1000_csb_stats_init(Object *obj, E1000CsbStats *stats);

/* Account one MMIO access of the register at dword @index. */
void e1000_csb_mmio_access(E1000CsbStats *stats, unsigned int index,
                           bool is_write);

/* Account an update of the interrupt line from @old_level to @new_level. */
void e1000_csb_irq_update(E1000CsbStats *stats, bool old_level,
                          bool new_level);

#endif /* HW_NET_E1000_CSB_H */
