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
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
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
