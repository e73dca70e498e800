/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: migration (Documentation/csb-spec.md, 10)
 *
 * The subsection "e1000/csb" of the e1000 state (hw/net/e1000.c), sent
 * only while the CSB is active: the registers, the accepted features and
 * the TDT/RDT values the guest wrote; the tails are TDT/RDT themselves.
 * The destination maps the block again (or fails the migration) and the
 * TX thread resumes when the VM runs.
 *
 * With csb=on the device also has a section of its own, "e1000,csb=on"
 * (no fields), registered at realize, so before the e1000's section: a
 * destination whose device lacks it (csb=off, or a QEMU without this
 * code, which cannot be changed) stops at it with
 *   Unknown savevm section or instance '0000:00:02.0/e1000,csb=on' 0.
 *   Make sure that your current VM setup matches your saved VM setup,
 *   including any hotplugged devices
 * which names the property, instead of at the capability's bytes in PCI
 * config space ("Bad config data: i=0x6 ...").
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "hw/qdev-core.h"
#include "e1000-csb-internal.h"

bool e1000_csb_vmstate_needed(E1000Csb *csb)
{
    return csb->mode != 0;
}

static int e1000_csb_pre_save(void *opaque)
{
    E1000Csb *csb = opaque;

    csb->mig_mode = csb->mode;
    return 0;
}

static int e1000_csb_post_load(void *opaque, int version_id)
{
    E1000Csb *csb = opaque;
    uint32_t features = csb->mig_mode & ~E1000_CSB_MODE_ACTIVE;
    E1000CsbMap *map;

    if (!csb->on) {
        error_report("e1000-csb: the CSB is active in the migration stream, "
                     "but this device has csb=off");
        return -EINVAL;
    }
    e1000_csb_set_map(csb, NULL);
    csb->mode = 0;
    if (!(csb->mig_mode & E1000_CSB_MODE_ACTIVE) ||
        (features & ~CSB_F_ALL) ||
        (csb->addr & (CSB_ALIGN - 1))) {
        error_report("e1000-csb: invalid CSB state in the migration stream");
        return -EINVAL;
    }
    map = e1000_csb_map_new(csb);
    if (!map) {
        error_report("e1000-csb: cannot map the CSB at 0x%" PRIx64,
                     csb->addr);
        return -EINVAL;
    }
    e1000_csb_start(csb, map, features);
    /* What the source left in the kick requests is not known: clear them */
    csb->tx_kick_armed = true;
    csb->rx_kick_armed = true;
    csb->rx_kick_req = CSB_KICK_UNKNOWN;
    if (features & CSB_F_TX) {
        e1000_csb_wake_tx(csb);
    }
    return 0;
}

const VMStateDescription vmstate_e1000_csb = {
    .name = "e1000-csb",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = e1000_csb_pre_save,
    .post_load = e1000_csb_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(addr, E1000Csb),
        VMSTATE_UINT32(features, E1000Csb),
        VMSTATE_UINT32(ctrl, E1000Csb),
        VMSTATE_UINT32(status, E1000Csb),
        VMSTATE_UINT32(mig_mode, E1000Csb),
        VMSTATE_UINT32(tdt_reg, E1000Csb),
        VMSTATE_UINT32(rdt_reg, E1000Csb),
        VMSTATE_END_OF_LIST()
    }
};

/*
 * No fields: its presence is the message.  The name appears in the
 * destination's error (see above); keep it naming the property.
 */
static const VMStateDescription vmstate_e1000_csb_on = {
    .name = "e1000,csb=on",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_END_OF_LIST()
    }
};

void e1000_csb_migration_realize(E1000Csb *csb)
{
    vmstate_register_any(VMSTATE_IF(csb->pdev), &vmstate_e1000_csb_on, csb);
}

void e1000_csb_migration_unrealize(E1000Csb *csb)
{
    vmstate_unregister(VMSTATE_IF(csb->pdev), &vmstate_e1000_csb_on, csb);
}
