/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: host-side additions to QEMU's e1000 device
 *
 * The device side of the e1000 Communication Status Block (CSB), as
 * specified by Documentation/csb-spec.md of the e1000-csb project (ABI in
 * hw/net/e1000_csb_abi.h): a 256-byte block of guest memory through which
 * a driver publishes ring tails and interrupt requests, so that doorbells
 * and interrupts trap only when the other side said it is asleep.
 *
 * This file: discovery, a vendor-specific PCI capability (section 1);
 * the registers at BAR0 + CSB_REGS_DEFAULT (section 2), decoded here
 * before the e1000 register file; enable, disable and reset (section 4);
 * the tails, and the drops of section 8; the properties and the life
 * cycle.  e1000-csb-internal.h lists the other files.
 *
 * With the property csb=off none of this exists: no capability, the
 * register block reads 0 and ignores writes, nothing is migrated, and the
 * device is the stock e1000 (only the counters remain).
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "hw/pci/pci.h"
#include "e1000_common.h"
#include "e1000-csb-internal.h"
#include "trace.h"

/* ---- The rings ---- */

uint32_t e1000_csb_ring_size(E1000Csb *csb, bool tx)
{
    return e1000_csb_dev_reg(csb->dev, tx ? TDLEN : RDLEN) / CSB_DESC_SIZE;
}

uint32_t e1000_csb_head(E1000Csb *csb, bool tx)
{
    return e1000_csb_dev_reg(csb->dev, tx ? TDH : RDH);
}

static uint32_t e1000_csb_tail_reg(E1000Csb *csb, bool tx)
{
    return e1000_csb_dev_reg(csb->dev, tx ? TDT : RDT);
}

/* Take @tail from the CSB (or a kick) into TDT (@tx) or RDT. */
static void e1000_csb_set_tail(E1000Csb *csb, bool tx, uint32_t tail)
{
    e1000_csb_dev_set_tail(csb->dev, tx, tail);
    if (tx) {
        csb->tdt_reg_new = false;
    } else {
        csb->rdt_reg_new = false;
    }
}

static void e1000_csb_trace_disable(E1000Csb *csb, enum csb_err err)
{
    trace_e1000_csb_disable(err, e1000_csb_tail_reg(csb, true),
                            e1000_csb_tail_reg(csb, false));
}

/* ---- Activation ---- */

static void e1000_csb_set_error(E1000Csb *csb, enum csb_err err)
{
    csb->status = (csb->status & CSB_STATUS_ACTIVE) |
                  (err << CSB_STATUS_ERR_SHIFT);
}

void e1000_csb_start(E1000Csb *csb, E1000CsbMap *map, uint32_t features)
{
    e1000_csb_set_map(csb, map);
    csb->mode = E1000_CSB_MODE_ACTIVE | features;
    csb->gen++;
    csb->status |= CSB_STATUS_ACTIVE;
    csb->tx_kick_armed = false;
    csb->rx_kick_armed = false;
    csb->rx_waiting = false;
    csb->copies_valid = false;
    csb->logged = 0;
    csb->tdt_reg_new = false;
    csb->rdt_reg_new = false;
    e1000_csb_chaos_arm(csb);
}

/*
 * Stop using the block: plain mode from now on, with TDT and RDT holding
 * the last valid tails (they are kept there all along; a drop may take
 * newer ones first, see e1000_csb_drop_tail()).  A TX thread
 * still polling sees the block go away and touches it no more; it writes
 * it only with the BQL held, after checking that the CSB is active.
 */
static void e1000_csb_stop(E1000Csb *csb)
{
    csb->mode = 0;
    csb->status &= ~CSB_STATUS_ACTIVE;
    csb->ctrl &= ~CSB_CTRL_ENABLE;
    csb->tx_kick_armed = false;
    csb->rx_kick_armed = false;
    csb->rx_waiting = false;
    csb->copies_valid = false;
    e1000_csb_set_map(csb, NULL);
    if (csb->chaos_timer) {
        timer_del(csb->chaos_timer);
    }
}

/*
 * The device drops the CSB (@err) while TX (@tx) or RX takes its tail
 * from it: have TDT (RDT) hold the newest tail the guest published, as
 * the register of a plain e1000 would (spec 8).  That is tx_tail
 * (rx_tail) if the block can still be read (RING: only an index was bad)
 * and the value is inside the ring; else the value of a TDT (RDT) write
 * made since the tail was last taken from the block (a kick with the
 * tail as its value), if inside the ring; else the last valid tail,
 * which the register holds already.
 */
static void e1000_csb_drop_tail(E1000Csb *csb, bool tx,
                                enum csb_err err)
{
    uint32_t written = tx ? csb->tdt_reg : csb->rdt_reg;
    bool written_new = tx ? csb->tdt_reg_new : csb->rdt_reg_new;
    uint32_t n = e1000_csb_ring_size(csb, tx);
    uint32_t val;

    if (!(csb->mode & (tx ? CSB_F_TX : CSB_F_RX))) {
        return;
    }
    if (err == CSB_ERR_RING &&
        e1000_csb_load(csb, tx ? CSB_OFF(tx_tail) : CSB_OFF(rx_tail), &val) &&
        val < n) {
        e1000_csb_dev_set_tail(csb->dev, tx, val);
    } else if (written_new && written < n) {
        e1000_csb_dev_set_tail(csb->dev, tx, written);
    }
}

/*
 * TDT and RDT take the newest tails, and drop_bh soon does what a plain
 * e1000 given those tails would (e1000_csb_drop_bh()).
 */
void e1000_csb_fail(E1000Csb *csb, enum csb_err err, const char *fmt, ...)
{
    g_autofree char *why = NULL;
    va_list ap;

    if (!csb->mode) {
        return;
    }
    va_start(ap, fmt);
    why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qemu_log_mask(LOG_GUEST_ERROR, "e1000-csb: %s: CSB disabled (error %d)\n",
                  why, err);
    e1000_csb_drop_tail(csb, true, err);
    e1000_csb_drop_tail(csb, false, err);
    e1000_csb_trace_disable(csb, err);
    csb->drop_owed |= csb->mode & (CSB_F_TX | CSB_F_RX);
    e1000_csb_stop(csb);
    e1000_csb_set_error(csb, err);
    e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_ERRORS);
    qemu_bh_schedule(csb->drop_bh);
}

/*
 * From the main loop, after a drop (e1000_csb_fail()): what a plain e1000
 * does when its guest writes the tails that TDT and RDT now hold, which
 * a kick or the CSB handed over before the drop: transmit up to TDT,
 * retry the frames held for RX buffers.  Never from a head outside the
 * ring (spec 8: RING leaves such a ring alone), and not while bus
 * mastering is off: e1000_csb_listener_commit() calls us again once it
 * is back on.
 */
static void e1000_csb_drop_bh(void *opaque)
{
    E1000Csb *csb = opaque;
    uint32_t owed = csb->drop_owed;

    if (csb->mode) {
        csb->drop_owed = 0;     /* enabled again, which does all this */
        return;
    }
    if (!owed || !(csb->pdev->config[PCI_COMMAND] & PCI_COMMAND_MASTER)) {
        return;
    }
    csb->drop_owed = 0;
    if ((owed & CSB_F_TX) &&
        e1000_csb_head(csb, true) < e1000_csb_ring_size(csb, true) &&
        e1000_csb_head(csb, true) != e1000_csb_tail_reg(csb, true)) {
        e1000_csb_dev_start_tx(csb->dev);
    }
    if ((owed & CSB_F_RX) &&
        e1000_csb_head(csb, false) < e1000_csb_ring_size(csb, false) &&
        e1000_csb_dev_can_receive(csb->dev)) {
        e1000_csb_dev_flush_rx(csb->dev);
    }
}

/*
 * Is the head register TDH (@tx) or RDH inside the ring?  If not (the
 * guest made TDLEN/RDLEN smaller under it, or wrote it before enabling),
 * the CSB is disabled (RING) before the e1000 code uses a descriptor
 * there.
 */
static bool e1000_csb_head_ok(E1000Csb *csb, bool tx)
{
    uint32_t n = e1000_csb_ring_size(csb, tx);
    uint32_t head = e1000_csb_head(csb, tx);

    if (head < n) {
        return true;
    }
    e1000_csb_fail(csb, CSB_ERR_RING,
                   "%s %u outside the ring of %u descriptors",
                   tx ? "TDH" : "RDH", head, n);
    return false;
}

bool e1000_csb_take_tail(E1000Csb *csb, bool tx, uint32_t *tail)
{
    uint32_t n = e1000_csb_ring_size(csb, tx);
    uint32_t val;

    if (!e1000_csb_head_ok(csb, tx) ||
        !e1000_csb_get(csb, tx ? CSB_OFF(tx_tail) : CSB_OFF(rx_tail),
                       &val)) {
        return false;
    }
    if (val >= n) {
        e1000_csb_fail(csb, CSB_ERR_RING,
                       "%s_tail %u outside the ring of %u descriptors",
                       tx ? "tx" : "rx", val, n);
        return false;
    }
    e1000_csb_set_tail(csb, tx, val);
    *tail = val;
    return true;
}

/* Spec section 2: the first error of an enable, in the order 1 to 5. */
static enum csb_err e1000_csb_enable_check(E1000Csb *csb, E1000CsbMap **map)
{
    if (csb->addr & (CSB_ALIGN - 1)) {
        return CSB_ERR_ALIGN;
    }
    if (!e1000_csb_reachable(csb)) {
        return CSB_ERR_ADDR;
    }
    if (CSB_CTRL_MAJOR_OF(csb->ctrl) != CSB_VERSION_MAJOR) {
        return CSB_ERR_VERSION;
    }
    if (csb->features & ~CSB_F_ALL) {
        return CSB_ERR_FEATURES;
    }
    if (!(csb->pdev->config[PCI_COMMAND] & PCI_COMMAND_MASTER)) {
        return CSB_ERR_BUSMASTER;
    }
    *map = e1000_csb_map_new(csb);
    return *map ? CSB_ERR_NONE : CSB_ERR_ADDR;
}

static void e1000_csb_refuse(E1000Csb *csb, enum csb_err err)
{
    uint32_t major = CSB_CTRL_MAJOR_OF(csb->ctrl);

    qemu_log_mask(LOG_GUEST_ERROR,
                  "e1000-csb: enable refused, error %d (address 0x%"
                  PRIx64 ", features 0x%x, major %u)\n",
                  err, csb->addr, csb->features, major);
    trace_e1000_csb_refuse(err, csb->addr, csb->features, major);
    csb->ctrl &= ~CSB_CTRL_ENABLE;
    csb->status = err << CSB_STATUS_ERR_SHIFT;
    e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_REFUSALS);
}

/* The host-written fields at an enable (spec section 4). */
static bool e1000_csb_enable_init_block(E1000Csb *csb, uint32_t features)
{
    return e1000_csb_put(csb, CSB_OFF(tx_head),
                         e1000_csb_head(csb, true) & CSB_INDEX_MASK) &&
           e1000_csb_put(csb, CSB_OFF(rx_head),
                         e1000_csb_head(csb, false) & CSB_INDEX_MASK) &&
           (!(features & CSB_F_TX) ||
            e1000_csb_put(csb, CSB_OFF(tx_kick), 0)) &&
           (!(features & CSB_F_RX) ||
            e1000_csb_put(csb, CSB_OFF(rx_kick), 0));
}

/* The guest set CTRL.ENABLE while inactive: spec section 4. */
static void e1000_csb_enable(E1000Csb *csb)
{
    uint32_t features = csb->features;
    E1000CsbMap *map = NULL;
    enum csb_err err;

    err = e1000_csb_enable_check(csb, &map);
    if (err != CSB_ERR_NONE) {
        e1000_csb_refuse(csb, err);
        return;
    }
    csb->status = 0;
    e1000_csb_start(csb, map, features);
    csb->tdt_reg = e1000_csb_tail_reg(csb, true);
    csb->rdt_reg = e1000_csb_tail_reg(csb, false);
    if (!e1000_csb_enable_init_block(csb, features)) {
        return;
    }
    e1000_csb_regs_changed(csb);
    if (!csb->mode) {
        return;
    }
    e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_ENABLES);
    trace_e1000_csb_enable(csb->addr, features);

    if (features & CSB_F_TX) {
        e1000_csb_wake_tx(csb);
    }
    if (features & CSB_F_RX) {
        e1000_csb_dev_flush_rx(csb->dev);
    }
}

/*
 * The guest cleared CTRL.ENABLE while active: take the tails it published
 * last into TDT and RDT, then go on as a plain e1000 (which transmits up
 * to TDT and looks at RDT again).
 */
static void e1000_csb_disable(E1000Csb *csb)
{
    uint32_t mode = csb->mode;
    uint32_t tail;

    if ((mode & CSB_F_TX) && !e1000_csb_take_tail(csb, true, &tail)) {
        return;
    }
    if ((mode & CSB_F_RX) && !e1000_csb_take_tail(csb, false, &tail)) {
        return;
    }
    e1000_csb_trace_disable(csb, CSB_ERR_NONE);
    e1000_csb_stop(csb);
    if (mode & CSB_F_TX) {
        e1000_csb_dev_start_tx(csb->dev);
    }
    if (mode & CSB_F_RX) {
        e1000_csb_dev_flush_rx(csb->dev);
    }
}

void e1000_csb_reset(E1000Csb *csb)
{
    if (!csb->on) {
        return;
    }
    if (csb->mode) {
        e1000_csb_trace_disable(csb, CSB_ERR_NONE);
    }
    e1000_csb_stop(csb);
    csb->drop_owed = 0;
    csb->addr = 0;
    csb->features = 0;
    csb->ctrl = 0;
    csb->status = 0;
}

/* ---- Registers ---- */

/* Is register @index in the register block?  Its offset in *@reg. */
static bool e1000_csb_in_block(unsigned int index, hwaddr *reg)
{
    hwaddr off = ((hwaddr)index << 2) - CSB_REGS_DEFAULT;

    if (off >= CSB_REGS_SIZE) {
        return false;
    }
    *reg = off;
    return true;
}

static uint32_t e1000_csb_reg_read(E1000Csb *csb, hwaddr reg)
{
    switch (reg) {
    case CSB_REG_ADDR_LO:
        return extract64(csb->addr, 0, 32);
    case CSB_REG_ADDR_HI:
        return extract64(csb->addr, 32, 32);
    case CSB_REG_FEATURES:
        return csb->features;
    case CSB_REG_CTRL:
        return csb->ctrl;
    case CSB_REG_STATUS:
        return csb->status;
    default:                    /* KICK, reserved */
        return 0;
    }
}

/* ADDR_LO, ADDR_HI or FEATURES: only while inactive. */
static void e1000_csb_setup_write(E1000Csb *csb, hwaddr reg, uint32_t val)
{
    if (csb->mode) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "e1000-csb: register 0x%" HWADDR_PRIx
                      " written while active, ignored\n", reg);
        e1000_csb_set_error(csb, CSB_ERR_BUSY);
    } else if (reg == CSB_REG_ADDR_LO) {
        csb->addr = deposit64(csb->addr, 0, 32, val);
    } else if (reg == CSB_REG_ADDR_HI) {
        csb->addr = deposit64(csb->addr, 32, 32, val);
    } else {
        csb->features = val;
    }
}

static void e1000_csb_ctrl_write(E1000Csb *csb, uint32_t val)
{
    if (!(val & CSB_CTRL_ENABLE)) {
        csb->ctrl = val & CSB_CTRL_MAJOR_MASK;
        if (csb->mode) {
            e1000_csb_disable(csb);
        }
    } else if (!csb->mode) {
        csb->ctrl = val & (CSB_CTRL_ENABLE | CSB_CTRL_MAJOR_MASK);
        e1000_csb_enable(csb);
    }
    /* ENABLE again while active: no effect */
}

static void e1000_csb_kick_write(E1000Csb *csb, uint32_t val)
{
    if (val & ~(CSB_KICK_TX | CSB_KICK_RX)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "e1000-csb: unknown KICK bits 0x%x ignored\n", val);
    }
    if (!csb->mode) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "e1000-csb: KICK while inactive ignored\n");
        return;
    }
    if ((val & CSB_KICK_TX) && (csb->mode & CSB_F_TX)) {
        e1000_csb_tx_kick(csb);
    }
    if ((val & CSB_KICK_RX) && (csb->mode & CSB_F_RX)) {
        e1000_csb_rx_kick(csb);
    }
}

static void e1000_csb_reg_write(E1000Csb *csb, hwaddr reg, uint32_t val)
{
    switch (reg) {
    case CSB_REG_ADDR_LO:
    case CSB_REG_ADDR_HI:
    case CSB_REG_FEATURES:
        e1000_csb_setup_write(csb, reg, val);
        break;
    case CSB_REG_CTRL:
        e1000_csb_ctrl_write(csb, val);
        break;
    case CSB_REG_KICK:
        e1000_csb_kick_write(csb, val);
        break;
    default:                    /* STATUS, reserved */
        qemu_log_mask(LOG_GUEST_ERROR,
                      "e1000-csb: write to read-only or reserved register "
                      "0x%" HWADDR_PRIx " ignored\n", reg);
        break;
    }
}

/* ---- Hooks into the e1000 MMIO paths ---- */

/*
 * A write to TDH (@tx) or RDH while the ring's tail comes from the CSB: a
 * value outside the ring is ignored, and disables the CSB (RING) as a
 * tail outside the ring would (spec 8).  True if the write was handled.
 */
static bool e1000_csb_head_write(E1000Csb *csb, bool tx, uint64_t val)
{
    uint32_t n, head = val & 0xffff;  /* what the e1000 code would store */

    if (!(csb->mode & (tx ? CSB_F_TX : CSB_F_RX))) {
        return false;
    }
    n = e1000_csb_ring_size(csb, tx);
    if (head < n) {
        return false;
    }
    e1000_csb_fail(csb, CSB_ERR_RING,
                   "%s written with %u, outside the ring of %u descriptors; "
                   "ignored", tx ? "TDH" : "RDH", head, n);
    return true;
}

/*
 * A write to TDT (@tx) or RDT while the ring's tail comes from the CSB: a
 * kick, with the tail as its value.  True if the write was handled.
 */
static bool e1000_csb_tail_write(E1000Csb *csb, bool tx, uint64_t val)
{
    if (!(csb->mode & (tx ? CSB_F_TX : CSB_F_RX))) {
        return false;
    }
    if (tx) {
        csb->tdt_reg = val & 0xffff;
        csb->tdt_reg_new = true;
        e1000_csb_tx_kick(csb);
    } else {
        csb->rdt_reg = val & 0xffff;
        csb->rdt_reg_new = true;
        e1000_csb_rx_kick(csb);
    }
    return true;
}

bool e1000_csb_mmio_read(E1000Csb *csb, unsigned int index, uint64_t *val)
{
    hwaddr reg;

    e1000_csb_stats_mmio(&csb->stats, index, false, false);
    if (!csb->on) {
        return false;
    }
    if (e1000_csb_in_block(index, &reg)) {
        *val = e1000_csb_reg_read(csb, reg);
        return true;
    }
    if (index == TDT && (csb->mode & CSB_F_TX)) {
        *val = csb->tdt_reg;
        return true;
    }
    if (index == RDT && (csb->mode & CSB_F_RX)) {
        *val = csb->rdt_reg;
        return true;
    }
    return false;
}

bool e1000_csb_mmio_write(E1000Csb *csb, unsigned int index, uint64_t val)
{
    bool in_block;
    hwaddr reg = 0;

    in_block = csb->on && e1000_csb_in_block(index, &reg);
    e1000_csb_stats_mmio(&csb->stats, index, true,
                         in_block && reg == CSB_REG_KICK);
    if (!csb->on) {
        return false;
    }
    if (in_block) {
        e1000_csb_reg_write(csb, reg, val);
        return true;
    }
    switch (index) {
    case TDT:
    case RDT:
        return e1000_csb_tail_write(csb, index == TDT, val);
    case TDH:
    case RDH:
        return e1000_csb_head_write(csb, index == TDH, val);
    default:
        return false;
    }
}

/* ---- Life cycle ---- */

/* Spec section 1: the vendor-specific capability. */
static bool e1000_csb_add_capability(E1000Csb *csb, Error **errp)
{
    uint8_t *cap;
    int off;

    off = pci_add_capability(csb->pdev, PCI_CAP_ID_VNDR, 0,
                             CSB_CAP_SIZE, errp);
    if (off < 0) {
        return false;
    }
    cap = csb->pdev->config + off;
    pci_set_byte(cap + CSB_CAP_LEN, CSB_CAP_SIZE);
    pci_set_long(cap + CSB_CAP_MAGIC, CSB_MAGIC);
    pci_set_long(cap + CSB_CAP_VERSION,
                 CSB_CAP_VERSION_VAL(CSB_VERSION_MAJOR, CSB_VERSION_MINOR));
    pci_set_long(cap + CSB_CAP_FEATURES, CSB_F_ALL);
    pci_set_long(cap + CSB_CAP_REGS, CSB_REGS_DEFAULT);
    return true;
}

/*
 * The test hooks x-pci-sub-vendor-id and x-pci-sub-device-id: the PCI
 * subsystem ids the device shows instead of QEMU's default
 * (PCI_SUBVENDOR_ID_REDHAT_QUMRANET:PCI_SUBDEVICE_ID_QEMU), so that a test
 * can present an 8254x that is not QEMU's to the guest's drivers.
 */
static bool e1000_csb_set_subsystem(E1000Csb *csb, Error **errp)
{
    uint8_t *config = csb->pdev->config;

    if (csb->sub_vendor_id > 0xffff || csb->sub_device_id > 0xffff) {
        error_setg(errp, "x-pci-sub-vendor-id and x-pci-sub-device-id "
                   "must be at most 0xffff");
        return false;
    }
    if (csb->sub_vendor_id) {
        pci_set_word(config + PCI_SUBSYSTEM_VENDOR_ID, csb->sub_vendor_id);
    }
    if (csb->sub_device_id) {
        pci_set_word(config + PCI_SUBSYSTEM_ID, csb->sub_device_id);
    }
    return true;
}

bool e1000_csb_realize(E1000Csb *csb, Error **errp)
{
    DeviceState *dev = DEVICE(csb->pdev);

    if (!e1000_csb_set_subsystem(csb, errp)) {
        return false;
    }
    if (!csb->on) {
        return true;
    }
    if (csb->poll_us > E1000_CSB_POLL_US_MAX) {
        error_setg(errp, "csb-poll-us must be at most %u",
                   E1000_CSB_POLL_US_MAX);
        return false;
    }
    if (!e1000_csb_add_capability(csb, errp)) {
        return false;
    }
    csb->drop_bh = qemu_bh_new_guarded(e1000_csb_drop_bh, csb,
                                       &dev->mem_reentrancy_guard);
    e1000_csb_map_init(csb);
    e1000_csb_tx_init(csb);
    e1000_csb_chaos_init(csb);
    e1000_csb_migration_realize(csb);
    return true;
}

void e1000_csb_unrealize(E1000Csb *csb)
{
    if (!csb->on) {
        return;
    }
    e1000_csb_migration_unrealize(csb);
    e1000_csb_stop(csb);
    e1000_csb_tx_cleanup(csb);
    e1000_csb_stop(csb);        /* in case the guest enabled it meanwhile */
    e1000_csb_map_cleanup(csb);
    qemu_bh_delete(csb->drop_bh);
    timer_free(csb->chaos_timer);
}

/* The read-only property csb-active: is the guest using the CSB now. */
static void e1000_csb_get_active(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    E1000Csb *csb = opaque;
    bool active = csb->mode != 0;

    visit_type_bool(v, name, &active, errp);
}

static void e1000_csb_get_poll_descs(Object *obj, Visitor *v,
                                     const char *name, void *opaque,
                                     Error **errp)
{
    E1000Csb *csb = opaque;

    visit_type_uint32(v, name, &csb->poll_descs, errp);
}

/*
 * x-csb-poll-descs, also at run time (with the BQL, which the TX thread
 * holds to read it): 1 to E1000_CSB_POLL_DESCS_MAX, a divisor.
 */
static void e1000_csb_set_poll_descs(Object *obj, Visitor *v,
                                     const char *name, void *opaque,
                                     Error **errp)
{
    E1000Csb *csb = opaque;
    uint32_t val;

    if (!visit_type_uint32(v, name, &val, errp)) {
        return;
    }
    if (!val || val > E1000_CSB_POLL_DESCS_MAX) {
        error_setg(errp, "x-csb-poll-descs must be 1 to %u",
                   E1000_CSB_POLL_DESCS_MAX);
        return;
    }
    csb->poll_descs = val;
}

void e1000_csb_instance_init(Object *obj, E1000Csb *csb,
                             struct E1000State_st *dev)
{
    csb->pdev = PCI_DEVICE(obj);
    csb->dev = dev;

    e1000_csb_stats_init(obj, &csb->stats);
    object_property_add(obj, "csb-active", "bool", e1000_csb_get_active,
                        NULL, NULL, csb);
    object_property_set_description(obj, "csb-active",
                                    "Read-only: the guest has the CSB "
                                    "enabled and the device runs it (CSB "
                                    "mode); false in plain mode and with "
                                    "csb=off");
    csb->poll_descs = E1000_CSB_POLL_DESCS_DEFAULT;
    object_property_add(obj, "x-csb-poll-descs", "uint32",
                        e1000_csb_get_poll_descs, e1000_csb_set_poll_descs,
                        NULL, csb);
    object_property_set_description(obj, "x-csb-poll-descs",
                                    "The TX thread's polling window grows "
                                    "or keeps only while its idle time per "
                                    "descriptor found, averaged, is at most "
                                    "csb-poll-us / N (1 to 64; 1: idle time "
                                    "alone decides)");
    object_property_add_uint32_ptr(obj, "x-csb-chaos", &csb->chaos_ms,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_set_description(obj, "x-csb-chaos",
                                    "Test hook: every N ms while the CSB is "
                                    "active, random kick requests and RX "
                                    "descriptor write-backs (0: off)");
    object_property_add_uint32_ptr(obj, "x-csb-early-dd", &csb->early_dd_ms,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_set_description(obj, "x-csb-early-dd",
                                    "Test hook: every N ms while the CSB is "
                                    "active, DD on the RX descriptor at RDH "
                                    "before its frame (0: off)");
    object_property_add_uint32_ptr(obj, "x-csb-poll-delay-ms",
                                   &csb->poll_delay_ms,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_set_description(obj, "x-csb-poll-delay-ms",
                                    "Test hook: the TX thread's poll waits "
                                    "N ms between finding the CSB mapped "
                                    "and reading tx_tail (0: off)");
    object_property_add_uint32_ptr(obj, "x-pci-sub-vendor-id",
                                   &csb->sub_vendor_id,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_set_description(obj, "x-pci-sub-vendor-id",
                                    "Test hook: PCI subsystem vendor id "
                                    "(0: QEMU's default)");
    object_property_add_uint32_ptr(obj, "x-pci-sub-device-id",
                                   &csb->sub_device_id,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_set_description(obj, "x-pci-sub-device-id",
                                    "Test hook: PCI subsystem id "
                                    "(0: QEMU's default)");
}
