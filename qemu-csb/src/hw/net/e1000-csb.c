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
 *  - Discovery: a vendor-specific PCI capability (section 1).
 *  - Registers at BAR0 + CSB_REGS_DEFAULT (section 2), decoded here
 *    before the e1000 register file.
 *  - The block is accessed through a MemoryRegionCache on the device's
 *    bus master address space (so through an IOMMU if there is one),
 *    replaced with the BQL and a small lock, which the TX thread's poll
 *    takes (instead of the BQL) for each read of the block.  It is
 *    re-created whenever the memory map changes and dropped when the
 *    address stops being RAM (for good once the change is complete) or
 *    bus mastering is turned off.
 *  - TX (F_TX): a thread per device, started at the first enable and
 *    joined at unrealize, runs the e1000 TX engine under the BQL, polls
 *    tx_tail for csb-poll-us without the BQL (where an IOMMU translates
 *    the block, taking it for each read), then sleeps with the TX-H
 *    handshake until a kick.
 *  - RX (F_RX): rx_tail is taken whenever the e1000 code looks for RX
 *    buffers; when there are not enough, the RX-H handshake asks for a
 *    kick and the frame stays queued in the net layer.
 *  - Interrupts (F_IRQ): TX and RX causes only when requested (IRQ-H).
 *  - ICR and STATUS are copied to the CSB whenever they change.
 *  - Migration: a subsection of the e1000 state while active.
 *
 * Host-side counters are read-only uint64 QOM properties, e.g.
 * "qom-get /machine/peripheral/nic0 x-stat-tdt-writes" in the HMP (see
 * e1000_csb_instance_init() for the list).
 *
 * With the property csb=off none of this exists: no capability, the
 * register block reads 0 and ignores writes, nothing is migrated, and the
 * device is the stock e1000 (only the counters remain).
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/processor.h"
#include "qemu/rcu.h"
#include "qemu/timer.h"
#include "qom/object.h"
#include "hw/pci/pci.h"
#include "e1000_common.h"
#include "e1000-csb.h"
#include "trace.h"

#define CSB_OFF(field)          offsetof(struct csb_block, field)
#define CSB_DESC_SIZE           16      /* TX and RX descriptors alike */

#define CSB_TX_CAUSES           (E1000_ICR_TXDW | E1000_ICR_TXQE)
#define CSB_RX_CAUSES           (E1000_ICS_RXT0 | E1000_ICS_RXDMT0)

/*
 * Behind an IOMMU the TX thread polls with the BQL, one read at a time,
 * and leaves it free this long between two reads.
 */
#define CSB_IOMMU_POLL_GAP_NS   5000

/* A kick request whose value in the CSB is not known: clear it. */
#define CSB_KICK_UNKNOWN        UINT32_MAX

/* E1000Csb.logged: kinds of repeated guest errors logged once. */
#define CSB_LOGGED_TX_IRQ       BIT(0)
#define CSB_LOGGED_RX_IRQ       BIT(1)

struct E1000CsbMap {
    struct rcu_head rcu;        /* first, for call_rcu() */
    MemoryRegionCache cache;
    hwaddr addr;                /* the block's DMA address (csb->addr) */
    bool direct;                /* the cache points at RAM (no IOMMU) */
};

/* ---- Access to the block ---- */

static void e1000_csb_map_free(E1000CsbMap *map)
{
    address_space_cache_destroy(&map->cache);
    g_free(map);
}

/* Is [addr, addr + CSB_SIZE) guest RAM in @as, for reads or writes? */
static bool e1000_csb_is_ram(AddressSpace *as, hwaddr addr, bool is_write)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;
    hwaddr xlat, len = CSB_SIZE;
    MemoryRegion *mr;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(as, addr, &xlat, &len, is_write, attrs);
    return len >= CSB_SIZE && memory_access_is_direct(mr, is_write,
                                                            attrs);
}

/*
 * Is the block at csb->addr RAM the device can read and write through
 * its DMA address space (with an IOMMU: the IOVA is mapped read-write)?
 * Asked whether bus mastering is on or not.
 */
static bool e1000_csb_reachable(E1000Csb *csb)
{
    AddressSpace *as = pci_device_iommu_address_space(csb->pdev);

    return e1000_csb_is_ram(as, csb->addr, false) &&
           e1000_csb_is_ram(as, csb->addr, true);
}

/*
 * Map the block at csb->addr through the device's bus master address
 * space (so through the IOMMU, if any, and only while bus mastering is
 * on); NULL if it is not reachable RAM.  Without an IOMMU translating
 * for the device the cache points straight at the RAM (direct); with
 * one, nothing is cached: every access translates the IOVA again.
 */
static E1000CsbMap *e1000_csb_map_new(E1000Csb *csb)
{
    AddressSpace *as = pci_get_address_space(csb->pdev);
    E1000CsbMap *map;
    int64_t len;

    if (!e1000_csb_reachable(csb)) {
        return NULL;
    }
    map = g_new0(E1000CsbMap, 1);
    len = address_space_cache_init(&map->cache, as, csb->addr,
                                   CSB_SIZE, true);
    if (len < CSB_SIZE) {
        e1000_csb_map_free(map);
        return NULL;
    }
    map->addr = csb->addr;
    map->direct = map->cache.ptr != NULL;
    return map;
}

/*
 * With the BQL: publish @map (or none); the old one is freed once no
 * reader has it.  Under map_lock, which the TX thread's poll holds for
 * each read of the block (e1000_csb_tx_poll_tail()): when this returns,
 * no read through the old map is in progress, and none starts after, so
 * once STATUS reads ACTIVE clear the block is not read again (spec 4).
 */
static void e1000_csb_set_map(E1000Csb *csb, E1000CsbMap *map)
{
    E1000CsbMap *old = csb->map;

    qemu_mutex_lock(&csb->map_lock);
    qatomic_rcu_set(&csb->map, map);
    qemu_mutex_unlock(&csb->map_lock);
    if (old) {
        call_rcu(old, e1000_csb_map_free, rcu);
    }
}

/*
 * With the BQL: engage the device's DMA re-entrancy guard for an access
 * to the block, as the device's MMIO handlers and bottom halves have it,
 * whatever path makes the access (the TX thread, a timer, a QMP command):
 * an access that reached one of the device's own MemoryRegions would be
 * refused rather than run.  Returns the state to restore.
 */
static bool e1000_csb_guard_enter(E1000Csb *csb)
{
    MemReentrancyGuard *guard = &csb->pdev->qdev.mem_reentrancy_guard;
    bool engaged = guard->engaged_in_io;

    guard->engaged_in_io = true;
    return engaged;
}

static void e1000_csb_guard_leave(E1000Csb *csb, bool engaged)
{
    csb->pdev->qdev.mem_reentrancy_guard.engaged_in_io = engaged;
}

/*
 * With the BQL, in an RCU critical section, for a block an IOMMU
 * translates: translate the 4 bytes at @addr now (one IOMMU lookup), and
 * read or write them only if the translation leads to RAM.  An IOVA the
 * guest remapped onto MMIO (its own BAR, another device's, the IOMMU's
 * registers) fails as an IOMMU fault does, so the device never performs
 * MMIO through the CSB (spec 2: ADDR).
 */
static MemTxResult e1000_csb_access_translated(E1000Csb *csb, hwaddr addr,
                                               uint32_t *val, bool is_write)
{
    AddressSpace *as = pci_get_address_space(csb->pdev);
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;
    MemTxResult res = MEMTX_OK;
    hwaddr pa, xlat, len = sizeof(*val);
    IOMMUTLBEntry tlb;
    MemoryRegion *mr;

    tlb = address_space_get_iotlb_entry(as, addr, is_write, attrs);
    if (!(tlb.perm & (is_write ? IOMMU_WO : IOMMU_RO))) {
        return MEMTX_DECODE_ERROR;
    }
    pa = tlb.translated_addr | (addr & tlb.addr_mask);
    mr = address_space_translate(tlb.target_as, pa, &xlat, &len, is_write,
                                 attrs);
    if (len < sizeof(*val) || !memory_access_is_direct(mr, is_write, attrs)) {
        return MEMTX_DECODE_ERROR;
    }
    if (is_write) {
        address_space_stl_le(tlb.target_as, pa, *val, attrs, &res);
    } else {
        *val = address_space_ldl_le(tlb.target_as, pa, attrs, &res);
    }
    return res;
}

/*
 * Read (@is_write false) or write the 32-bit field at @off, with the BQL:
 * false if there is no block or the access failed (an IOMMU fault, or
 * not RAM).  The device's re-entrancy guard is engaged meanwhile.
 * (e1000_csb_tx_poll_tail() reads a direct block without the BQL.)
 */
static bool e1000_csb_access(E1000Csb *csb, hwaddr off, uint32_t *val,
                             bool is_write)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;
    MemTxResult res = MEMTX_OK;
    E1000CsbMap *map;
    bool engaged;

    RCU_READ_LOCK_GUARD();
    map = qatomic_rcu_read(&csb->map);
    if (!map) {
        return false;
    }
    engaged = e1000_csb_guard_enter(csb);
    if (!map->direct) {
        res = e1000_csb_access_translated(csb, map->addr + off, val,
                                          is_write);
    } else if (is_write) {
        address_space_stl_le_cached(&map->cache, off, *val, attrs, &res);
        address_space_cache_invalidate(&map->cache, off, sizeof(*val));
    } else {
        *val = address_space_ldl_le_cached(&map->cache, off, attrs, &res);
    }
    e1000_csb_guard_leave(csb, engaged);
    return res == MEMTX_OK;
}

static bool e1000_csb_load(E1000Csb *csb, hwaddr off, uint32_t *val)
{
    return e1000_csb_access(csb, off, val, false);
}

/* Marks the field dirty. */
static bool e1000_csb_store(E1000Csb *csb, hwaddr off, uint32_t val)
{
    return e1000_csb_access(csb, off, &val, true);
}

/* ---- Activation ---- */

static uint32_t e1000_csb_ring_size(E1000Csb *csb, bool tx)
{
    return csb->mac_reg[tx ? TDLEN : RDLEN] / CSB_DESC_SIZE;
}

static void e1000_csb_set_error(E1000Csb *csb, enum csb_err err)
{
    csb->status = (csb->status & CSB_STATUS_ACTIVE) |
                  (err << CSB_STATUS_ERR_SHIFT);
}

/*
 * x-csb-chaos (a test hook, see e1000_csb_chaos_tick()): have the next
 * tick in chaos_ms of virtual time, if the hook is on.
 */
static void e1000_csb_chaos_arm(E1000Csb *csb)
{
    if (csb->chaos_ms && csb->chaos_timer) {
        timer_mod(csb->chaos_timer,
                  qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + csb->chaos_ms);
    }
}

/* Start using @map with @features; the caller has checked everything. */
static void e1000_csb_start(E1000Csb *csb, E1000CsbMap *map,
                            uint32_t features)
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
    uint32_t *reg = &csb->mac_reg[tx ? TDT : RDT];
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
        *reg = val;
    } else if (written_new && written < n) {
        *reg = written;
    }
}

/*
 * The device gives up the CSB because of @err; logged as a guest error.
 * TDT and RDT take the newest tails, and drop_bh soon does what a plain
 * e1000 given those tails would (e1000_csb_drop_bh()).
 */
static void G_GNUC_PRINTF(3, 4)
e1000_csb_fail(E1000Csb *csb, enum csb_err err, const char *fmt, ...)
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
    trace_e1000_csb_disable(err, csb->mac_reg[TDT], csb->mac_reg[RDT]);
    csb->drop_owed |= csb->mode & (CSB_F_TX | CSB_F_RX);
    e1000_csb_stop(csb);
    e1000_csb_set_error(csb, err);
    csb->stats.csb_errors++;
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
    NetClientState *nc = qemu_get_queue(*csb->nic);
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
        csb->mac_reg[TDH] < e1000_csb_ring_size(csb, true) &&
        csb->mac_reg[TDH] != csb->mac_reg[TDT]) {
        csb->xmit(csb->dev);
    }
    if ((owed & CSB_F_RX) &&
        csb->mac_reg[RDH] < e1000_csb_ring_size(csb, false) &&
        nc->info->can_receive(nc)) {
        qemu_flush_queued_packets(nc);
    }
}

/*
 * With the BQL, while active: have the block mapped.  The memory listener
 * drops the mapping when an update of the memory map leaves the block
 * unreachable, which may be only one step of a larger change (VT-d
 * switches a device between its translated and untranslated address
 * spaces in two steps); map it again now that the change is over.
 */
static bool e1000_csb_remap(E1000Csb *csb)
{
    E1000CsbMap *map;

    if (csb->map) {
        return true;
    }
    if (!csb->mode) {
        return false;
    }
    map = e1000_csb_map_new(csb);
    if (!map) {
        return false;
    }
    e1000_csb_set_map(csb, map);
    return true;
}

/* Read a field with the BQL held; failure disables the CSB (ADDR). */
static bool e1000_csb_get(E1000Csb *csb, hwaddr off, uint32_t *val)
{
    if (e1000_csb_remap(csb) && e1000_csb_load(csb, off, val)) {
        return true;
    }
    e1000_csb_fail(csb, CSB_ERR_ADDR,
                   "cannot read the CSB at 0x%" PRIx64, csb->addr + off);
    return false;
}

static bool e1000_csb_put(E1000Csb *csb, hwaddr off, uint32_t val)
{
    if (e1000_csb_remap(csb) && e1000_csb_store(csb, off, val)) {
        return true;
    }
    e1000_csb_fail(csb, CSB_ERR_ADDR,
                   "cannot write the CSB at 0x%" PRIx64, csb->addr + off);
    return false;
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
    uint32_t head = csb->mac_reg[tx ? TDH : RDH];

    if (head < n) {
        return true;
    }
    e1000_csb_fail(csb, CSB_ERR_RING,
                   "%s %u outside the ring of %u descriptors",
                   tx ? "TDH" : "RDH", head, n);
    return false;
}

/*
 * Take tx_tail (@tx) or rx_tail from the CSB into TDT or RDT.  An index
 * outside the ring disables the CSB (RING); the register keeps the last
 * valid tail.  So does a head outside the ring: true means that the e1000
 * code may process the ring from the head to the tail.
 */
static bool e1000_csb_take_tail(E1000Csb *csb, bool tx, uint32_t *tail)
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
    csb->mac_reg[tx ? TDT : RDT] = val;
    if (tx) {
        csb->tdt_reg_new = false;
    } else {
        csb->rdt_reg_new = false;
    }
    *tail = val;
    return true;
}

/*
 * Does the notification request @req ask to be told that the index moved
 * from @old to @new on a ring of @n?  A malformed request counts as
 * NOTIFY with index 0; with indices the device cannot judge (the guest's
 * own TDH or RDH outside the ring), it notifies.
 */
static bool e1000_csb_notify_wanted(E1000Csb *csb, uint32_t req,
                                    uint32_t old, uint32_t new, uint32_t n,
                                    uint32_t log_bit, const char *name)
{
    uint32_t index = req & CSB_INDEX_MASK;

    if (old >= n || new >= n) {
        return true;
    }
    if ((req & ~(CSB_NOTIFY | CSB_INDEX_MASK)) || index >= n) {
        if (!(csb->logged & log_bit)) {
            csb->logged |= log_bit;
            qemu_log_mask(LOG_GUEST_ERROR,
                          "e1000-csb: malformed %s 0x%x (ring of %u), "
                          "taken as NOTIFY with index 0\n", name, req, n);
        }
        req = CSB_NOTIFY;
        index = 0;
    }
    return (req & CSB_NOTIFY) &&
           csb_need_notify(index, old, new, n);
}

/* Refresh the copies of ICR and STATUS in the CSB if they changed. */
void e1000_csb_regs_changed(E1000Csb *csb)
{
    uint32_t icr, status;

    if (!csb->mode) {
        return;
    }
    icr = csb->mac_reg[ICR];
    status = csb->mac_reg[STATUS];
    if (csb->copies_valid && icr == csb->icr_copy &&
        status == csb->status_copy) {
        return;
    }
    csb->copies_valid = true;
    csb->icr_copy = icr;
    csb->status_copy = status;
    smp_wmb();      /* release: after the register change */
    if (e1000_csb_put(csb, CSB_OFF(icr), icr)) {
        e1000_csb_put(csb, CSB_OFF(status), status);
    }
}

static void e1000_csb_tx_thread_create(E1000Csb *csb);

/* Wake the TX thread up (creating it the first time). */
static void e1000_csb_wake_tx(E1000Csb *csb)
{
    if (!csb->tx_thread_started) {
        if (qatomic_read(&csb->tx_stop)) {
            return;
        }
        e1000_csb_tx_thread_create(csb);
    }
    qemu_event_set(&csb->tx_event);
}

static void e1000_csb_flush_rx(E1000Csb *csb)
{
    qemu_flush_queued_packets(qemu_get_queue(*csb->nic));
}

/* The guest set CTRL.ENABLE while inactive: spec section 4. */
static void e1000_csb_enable(E1000Csb *csb)
{
    uint32_t major = CSB_CTRL_MAJOR_OF(csb->ctrl);
    enum csb_err err = CSB_ERR_NONE;
    E1000CsbMap *map = NULL;
    uint32_t features = csb->features;

    /* Errors 1 to 5 of section 2, in that order */
    if (csb->addr & (CSB_ALIGN - 1)) {
        err = CSB_ERR_ALIGN;
    } else if (!e1000_csb_reachable(csb)) {
        err = CSB_ERR_ADDR;
    } else if (major != CSB_VERSION_MAJOR) {
        err = CSB_ERR_VERSION;
    } else if (features & ~CSB_F_ALL) {
        err = CSB_ERR_FEATURES;
    } else if (!(csb->pdev->config[PCI_COMMAND] & PCI_COMMAND_MASTER)) {
        err = CSB_ERR_BUSMASTER;
    } else {
        map = e1000_csb_map_new(csb);
        if (!map) {
            err = CSB_ERR_ADDR;
        }
    }
    if (err != CSB_ERR_NONE) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "e1000-csb: enable refused, error %d (address 0x%"
                      PRIx64 ", features 0x%x, major %u)\n",
                      err, csb->addr, features, major);
        trace_e1000_csb_refuse(err, csb->addr, features, major);
        csb->ctrl &= ~CSB_CTRL_ENABLE;
        csb->status = err << CSB_STATUS_ERR_SHIFT;
        csb->stats.csb_refusals++;
        return;
    }

    csb->status = 0;
    e1000_csb_start(csb, map, features);
    csb->tdt_reg = csb->mac_reg[TDT];
    csb->rdt_reg = csb->mac_reg[RDT];
    if (!e1000_csb_put(csb, CSB_OFF(tx_head),
                       csb->mac_reg[TDH] & CSB_INDEX_MASK) ||
        !e1000_csb_put(csb, CSB_OFF(rx_head),
                       csb->mac_reg[RDH] & CSB_INDEX_MASK) ||
        ((features & CSB_F_TX) &&
         !e1000_csb_put(csb, CSB_OFF(tx_kick), 0)) ||
        ((features & CSB_F_RX) &&
         !e1000_csb_put(csb, CSB_OFF(rx_kick), 0))) {
        return;
    }
    e1000_csb_regs_changed(csb);
    if (!csb->mode) {
        return;
    }
    csb->stats.csb_enables++;
    trace_e1000_csb_enable(csb->addr, features);

    if (features & CSB_F_TX) {
        e1000_csb_wake_tx(csb);
    }
    if (features & CSB_F_RX) {
        e1000_csb_flush_rx(csb);
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
    trace_e1000_csb_disable(CSB_ERR_NONE, csb->mac_reg[TDT],
                            csb->mac_reg[RDT]);
    e1000_csb_stop(csb);
    if (mode & CSB_F_TX) {
        csb->xmit(csb->dev);
    }
    if (mode & CSB_F_RX) {
        e1000_csb_flush_rx(csb);
    }
}

void e1000_csb_reset(E1000Csb *csb)
{
    if (!csb->on) {
        return;
    }
    if (csb->mode) {
        trace_e1000_csb_disable(CSB_ERR_NONE, csb->mac_reg[TDT],
                                csb->mac_reg[RDT]);
    }
    e1000_csb_stop(csb);
    csb->drop_owed = 0;
    csb->addr = 0;
    csb->features = 0;
    csb->ctrl = 0;
    csb->status = 0;
}

/*
 * The memory map changed: map the block again.  If it is not reachable
 * any more, drop the mapping and judge once the change is over (it may be
 * one step of several: see e1000_csb_remap()), or at the next access.
 */
static void e1000_csb_listener_commit(MemoryListener *listener)
{
    E1000Csb *csb = container_of(listener, E1000Csb, listener);
    bool master = csb->pdev->config[PCI_COMMAND] & PCI_COMMAND_MASTER;
    E1000CsbMap *map;

    if (!csb->mode) {
        if (csb->drop_owed && master) {
            qemu_bh_schedule(csb->drop_bh);     /* bus mastering is back */
        }
        return;
    }
    if (!master) {
        e1000_csb_fail(csb, CSB_ERR_BUSMASTER,
                       "bus mastering turned off");
        return;
    }
    map = e1000_csb_map_new(csb);
    e1000_csb_set_map(csb, map);
    if (!map) {
        qemu_bh_schedule(csb->remap_bh);
    }
}

static void e1000_csb_remap_bh(void *opaque)
{
    E1000Csb *csb = opaque;

    if (csb->mode && !e1000_csb_remap(csb)) {
        e1000_csb_fail(csb, CSB_ERR_ADDR,
                       "the CSB at 0x%" PRIx64 " is no longer guest RAM "
                       "the device can reach", csb->addr);
    }
}

/* ---- TX (F_TX) ---- */

/* A TX kick: check the tail now (errors show at once), then wake up. */
static void e1000_csb_tx_kick(E1000Csb *csb)
{
    uint32_t tail;

    csb->stats.csb_tx_kicks++;
    trace_e1000_csb_kick_tx();
    if (e1000_csb_take_tail(csb, true, &tail)) {
        e1000_csb_wake_tx(csb);
    }
}

/*
 * The device moved a ring's head from @old to the head register's value:
 * publish the head and, with F_IRQ, keep the ring's interrupt causes in
 * @cause only if the guest's request asks for them (spec 7).
 */
static uint32_t e1000_csb_ring_done(E1000Csb *csb, bool tx, uint32_t old,
                                    uint32_t cause)
{
    uint32_t head = csb->mac_reg[tx ? TDH : RDH];
    uint32_t causes = tx ? CSB_TX_CAUSES : CSB_RX_CAUSES;
    uint32_t req;

    if (!csb->mode) {
        return cause;
    }
    smp_wmb();      /* the descriptors' write-back, then the head */
    if (!e1000_csb_put(csb, tx ? CSB_OFF(tx_head) : CSB_OFF(rx_head),
                       head & CSB_INDEX_MASK) ||
        !(csb->mode & CSB_F_IRQ)) {
        return cause;
    }
    smp_mb();       /* IRQ-H: publish the head, then look at the request */
    if (!e1000_csb_get(csb, tx ? CSB_OFF(tx_irq) : CSB_OFF(rx_irq), &req) ||
        e1000_csb_notify_wanted(csb, req, old, head,
                                e1000_csb_ring_size(csb, tx),
                                tx ? CSB_LOGGED_TX_IRQ : CSB_LOGGED_RX_IRQ,
                                tx ? "tx_irq" : "rx_irq")) {
        return cause;
    }
    if (cause & causes) {
        csb->stats.csb_irq_suppressed++;
        trace_e1000_csb_irq_suppressed(cause & causes, req, old, head);
    }
    return cause & ~causes;
}

uint32_t e1000_csb_tx_done(E1000Csb *csb, uint32_t old, uint32_t cause)
{
    return e1000_csb_ring_done(csb, true, old, cause);
}

static bool e1000_csb_tx_may_run(E1000Csb *csb)
{
    return (csb->mode & CSB_F_TX) && csb->vm_running &&
           !qatomic_read(&csb->tx_stop);
}

/* With the BQL: take tx_tail and run the e1000 TX engine up to it. */
static bool e1000_csb_tx_batch(E1000Csb *csb, uint32_t *seen)
{
    bool engaged;
    uint32_t tail;

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
    trace_e1000_csb_tx_batch(csb->mac_reg[TDH], tail);
    /* As if from an MMIO write: DMA must not re-enter the device. */
    engaged = e1000_csb_guard_enter(csb);
    csb->xmit(csb->dev);
    e1000_csb_guard_leave(csb, engaged);
    csb->stats.csb_tx_batches++;
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
        qatomic_inc(&csb->stats.csb_tx_poll_stale);
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
 * Without the BQL: poll tx_tail for up to csb-poll-us while it is still
 * @seen.  True if it moved; false when the time is up or the block could
 * not be read (the caller's TX-H handshake, with the BQL, finds out why).
 * Bounded, and cheap to stop: the spin ends when the block goes away.
 */
static bool e1000_csb_tx_poll(E1000Csb *csb, uint32_t seen)
{
    int64_t deadline, gap_end;
    bool translated;
    uint32_t tail;

    if (!csb->poll_us) {
        return false;
    }
    deadline = get_clock() + (int64_t)csb->poll_us * SCALE_US;
    do {
        if (!e1000_csb_tx_poll_tail(csb, &tail, &translated)) {
            return false;
        }
        if (tail != seen) {
            return true;
        }
        gap_end = translated ? get_clock() + CSB_IOMMU_POLL_GAP_NS : 0;
        do {
            if (qatomic_read(&csb->tx_stop)) {
                return false;
            }
            cpu_relax();
        } while (get_clock() < gap_end);
    } while (get_clock() < deadline);
    return false;
}

/* One wake-up of the TX thread: work until the TX-H handshake says sleep. */
static void e1000_csb_tx_run(E1000Csb *csb)
{
    uint32_t seen, gen, tail, req;
    bool moved;

    bql_lock();
    qemu_event_reset(&csb->tx_event);
    csb->stats.csb_tx_wakeups++;
    trace_e1000_csb_tx_wake();
    while (e1000_csb_tx_may_run(csb)) {
        gen = csb->gen;
        if (!e1000_csb_tx_batch(csb, &seen)) {
            break;
        }

        bql_unlock();
        moved = e1000_csb_tx_poll(csb, seen);
        bql_lock();

        if (!e1000_csb_tx_may_run(csb)) {
            break;
        }
        if (moved) {
            csb->stats.csb_tx_spin_hits++;
            continue;
        }

        /*
         * TX-H: announce sleep, then look (pairs with the guest's TX-G).
         * Kicks from now on wake us again; earlier ones are covered by
         * the tail read below.
         */
        qemu_event_reset(&csb->tx_event);
        req = CSB_NOTIFY | (csb->mac_reg[TDH] & CSB_INDEX_MASK);
        csb->tx_kick_armed = true;
        if (!e1000_csb_put(csb, CSB_OFF(tx_kick), req)) {
            break;
        }
        smp_mb();               /* TX-H: tx_kick, then tx_tail */
        if (!e1000_csb_get(csb, CSB_OFF(tx_tail), &tail)) {
            break;
        }
        if (tail != seen || gen != csb->gen) {
            continue;           /* work arrived: stay up */
        }
        csb->stats.csb_tx_sleeps++;
        trace_e1000_csb_tx_sleep(req);
        break;
    }
    bql_unlock();
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

/* ---- RX (F_RX) ---- */

/* An RX kick: check the tail, clear our request, retry queued frames. */
static void e1000_csb_rx_kick(E1000Csb *csb)
{
    uint32_t tail;

    csb->stats.csb_rx_kicks++;
    trace_e1000_csb_kick_rx();
    if (!e1000_csb_take_tail(csb, false, &tail)) {
        return;
    }
    if (csb->rx_kick_armed) {
        csb->rx_kick_armed = false;
        if (!e1000_csb_put(csb, CSB_OFF(rx_kick), 0)) {
            return;
        }
    }
    e1000_csb_flush_rx(csb);
}

/* Free descriptors from @head (included) to @tail (excluded). */
static uint32_t e1000_csb_ring_avail(uint32_t head, uint32_t tail, uint32_t n)
{
    return head <= tail ? tail - head : n - head + tail;
}

bool e1000_csb_rx_check(E1000Csb *csb, size_t total_size,
                        uint32_t rxbuf_size, bool *has_bufs)
{
    uint32_t n, head, tail, need, req;

    csb->rx_waiting = false;
    if (!(csb->mode & CSB_F_RX)) {
        return false;
    }
    n = e1000_csb_ring_size(csb, false);
    head = csb->mac_reg[RDH];
    if (!e1000_csb_take_tail(csb, false, &tail)) {
        if (head >= n) {
            /* RING for the head: no descriptor outside the ring */
            *has_bufs = false;
            return true;
        }
        return false;           /* plain mode from here on */
    }
    if (!rxbuf_size) {
        return false;           /* nonsense the plain device judges */
    }
    need = total_size <= rxbuf_size ? 1 : DIV_ROUND_UP(total_size,
                                                       rxbuf_size);
    if (e1000_csb_ring_avail(head, tail, n) >= need) {
        goto enough;
    }
    if (need >= n) {
        return false;           /* never fits: the plain device drops it */
    }

    /* RX-H: announce starvation, then look (pairs with the guest's RX-G) */
    req = CSB_NOTIFY | ((head + need - 1) % n);
    if (!csb->rx_kick_armed || csb->rx_kick_req != req) {
        csb->rx_kick_armed = true;
        csb->rx_kick_req = req;
        csb->stats.csb_rx_starved++;
        trace_e1000_csb_rx_starved(head, tail, req);
        if (!e1000_csb_put(csb, CSB_OFF(rx_kick), req)) {
            return false;
        }
    }
    smp_mb();                   /* RX-H: rx_kick, then rx_tail */
    if (!e1000_csb_take_tail(csb, false, &tail)) {
        return false;
    }
    if (e1000_csb_ring_avail(head, tail, n) < need) {
        csb->rx_waiting = true;
        *has_bufs = false;
        return true;
    }

enough:
    if (csb->rx_kick_armed) {
        csb->rx_kick_armed = false;
        if (!e1000_csb_put(csb, CSB_OFF(rx_kick), 0)) {
            return false;
        }
    }
    *has_bufs = true;
    return true;
}

bool e1000_csb_rx_wait(E1000Csb *csb)
{
    return csb->rx_waiting;
}

uint32_t e1000_csb_rx_done(E1000Csb *csb, uint32_t old, uint32_t cause)
{
    return e1000_csb_ring_done(csb, false, old, cause);
}

/* ---- Test hook: a misbehaving host (x-csb-chaos) ---- */

/*
 * A notification request for the TX (@tx) or RX ring of @n descriptors,
 * as a careless or hostile device might write it: none, a valid one, an
 * index outside the ring, or any word at all (bits 30:16 set, mostly).
 */
static uint32_t e1000_csb_chaos_request(uint32_t n)
{
    switch (g_random_int_range(0, 4)) {
    case 0:
        return 0;
    case 1:
        return CSB_NOTIFY | g_random_int_range(0, MAX(n, 1));
    case 2:
        return CSB_NOTIFY |
               g_random_int_range(MIN(n, CSB_INDEX_MASK),
                                  CSB_INDEX_MASK + 1);
    default:
        return g_random_int();
    }
}

/*
 * Write back a random RX descriptor of the ring (any of them: handed
 * over or not, past RDT too) as if a frame of a random length had landed
 * there: length, DD and EOP.  Through the device's DMA, as the e1000
 * code writes descriptors back.
 */
static void e1000_csb_chaos_rx_desc(E1000Csb *csb)
{
    uint32_t n = e1000_csb_ring_size(csb, false);
    uint64_t base = ((uint64_t)csb->mac_reg[RDBAH] << 32) +
                    (csb->mac_reg[RDBAL] & ~0xfu);
    uint16_t len = cpu_to_le16(g_random_int_range(0, 0x10000));
    uint8_t status = E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP;
    dma_addr_t desc;
    bool engaged;

    if (!n) {
        return;
    }
    desc = base + (uint64_t)g_random_int_range(0, n) * CSB_DESC_SIZE;
    engaged = e1000_csb_guard_enter(csb);
    pci_dma_write(csb->pdev, desc + offsetof(struct e1000_rx_desc, length),
                  &len, sizeof(len));
    pci_dma_write(csb->pdev, desc + offsetof(struct e1000_rx_desc, status),
                  &status, sizeof(status));
    e1000_csb_guard_leave(csb, engaged);
}

/*
 * x-csb-chaos=<period-ms>, a test hook for guest drivers (default 0, off;
 * not for production): every period of virtual time while the CSB is
 * active, from the main loop with the BQL, play a misbehaving host.  It
 * writes random notification requests into the host-written tx_kick
 * (with F_TX) and rx_kick (with F_RX), through the same accessors as
 * every other access to the block, and with F_RX sets DD on a random RX
 * descriptor.  A driver must survive it (spec 8: the guest trusts
 * nothing the device writes); the device itself does not change its own
 * state (it still believes what it wrote).
 */
static void e1000_csb_chaos_tick(void *opaque)
{
    E1000Csb *csb = opaque;
    uint32_t tx_req = e1000_csb_chaos_request(e1000_csb_ring_size(csb, true));
    uint32_t rx_req = e1000_csb_chaos_request(e1000_csb_ring_size(csb, false));

    if (!csb->mode) {
        return;
    }
    if ((csb->mode & CSB_F_TX) &&
        !e1000_csb_put(csb, CSB_OFF(tx_kick), tx_req)) {
        return;                 /* dropped with ADDR */
    }
    if (csb->mode & CSB_F_RX) {
        if (!e1000_csb_put(csb, CSB_OFF(rx_kick), rx_req)) {
            return;
        }
        e1000_csb_chaos_rx_desc(csb);
    }
    e1000_csb_chaos_arm(csb);
}

/* ---- Registers ---- */

/* Is BAR0 offset @addr in the register block?  Its register in *@reg. */
static bool e1000_csb_in_block(hwaddr addr, hwaddr *reg)
{
    hwaddr off = (addr & 0x1ffff) - CSB_REGS_DEFAULT;

    if (off >= CSB_REGS_SIZE) {
        return false;
    }
    *reg = off & ~(hwaddr)3;
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

static void e1000_csb_reg_write(E1000Csb *csb, hwaddr reg, uint32_t val)
{
    switch (reg) {
    case CSB_REG_ADDR_LO:
    case CSB_REG_ADDR_HI:
    case CSB_REG_FEATURES:
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
        break;
    case CSB_REG_CTRL:
        if (!(val & CSB_CTRL_ENABLE)) {
            csb->ctrl = val & CSB_CTRL_MAJOR_MASK;
            if (csb->mode) {
                e1000_csb_disable(csb);
            }
        } else if (!csb->mode) {
            csb->ctrl = val & (CSB_CTRL_ENABLE |
                               CSB_CTRL_MAJOR_MASK);
            e1000_csb_enable(csb);
        }
        /* ENABLE again while active: no effect */
        break;
    case CSB_REG_KICK:
        if (val & ~(CSB_KICK_TX | CSB_KICK_RX)) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "e1000-csb: unknown KICK bits 0x%x ignored\n", val);
        }
        if (!csb->mode) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "e1000-csb: KICK while inactive ignored\n");
            break;
        }
        if ((val & CSB_KICK_TX) && (csb->mode & CSB_F_TX)) {
            e1000_csb_tx_kick(csb);
        }
        if ((val & CSB_KICK_RX) && (csb->mode & CSB_F_RX)) {
            e1000_csb_rx_kick(csb);
        }
        break;
    default:                    /* STATUS, reserved */
        qemu_log_mask(LOG_GUEST_ERROR,
                      "e1000-csb: write to read-only or reserved register "
                      "0x%" HWADDR_PRIx " ignored\n", reg);
        break;
    }
}

/* ---- Hooks into the e1000 MMIO paths ---- */

static void e1000_csb_account(E1000Csb *csb, unsigned int index,
                              bool is_kick, bool is_write)
{
    E1000CsbStats *stats = &csb->stats;

    if (is_write) {
        if (index == TDT) {
            stats->tdt_writes++;
            return;
        }
        if (index == RDT) {
            stats->rdt_writes++;
            return;
        }
        if (is_kick) {
            stats->kick_writes++;
            return;
        }
    }
    switch (index) {
    case ICR:
    case ICS:
    case IMS:
    case IMC:
        stats->irq_reg_accesses++;
        return;
    default:
        stats->other_accesses++;
        return;
    }
}

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

bool e1000_csb_mmio_read(E1000Csb *csb, hwaddr addr, uint64_t *val)
{
    unsigned int index = (addr & 0x1ffff) >> 2;
    hwaddr reg;

    e1000_csb_account(csb, index, false, false);
    if (!csb->on) {
        return false;
    }
    if (e1000_csb_in_block(addr, &reg)) {
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

bool e1000_csb_mmio_write(E1000Csb *csb, hwaddr addr, uint64_t val)
{
    unsigned int index = (addr & 0x1ffff) >> 2;
    bool in_block;
    hwaddr reg = 0;
    uint32_t tail;

    in_block = csb->on && e1000_csb_in_block(addr, &reg);
    e1000_csb_account(csb, index, in_block && reg == CSB_REG_KICK, true);
    if (!csb->on) {
        return false;
    }
    if (in_block) {
        e1000_csb_reg_write(csb, reg, val);
        return true;
    }
    switch (index) {
    case TDT:
        if (csb->mode & CSB_F_TX) {
            /* A kick: the tail comes from the CSB */
            csb->tdt_reg = val & 0xffff;
            csb->tdt_reg_new = true;
            e1000_csb_tx_kick(csb);
            return true;
        }
        break;
    case RDT:
        if (csb->mode & CSB_F_RX) {
            csb->rdt_reg = val & 0xffff;
            csb->rdt_reg_new = true;
            e1000_csb_rx_kick(csb);
            return true;
        }
        break;
    case TDH:
    case RDH:
        return e1000_csb_head_write(csb, index == TDH, val);
    case TCTL:
        if (csb->mode & CSB_F_TX) {
            /*
             * What set_tctl() does, after taking and checking the tail
             * as a kick would: with a head outside the ring, the CSB is
             * disabled and the TX engine does not run.
             */
            csb->mac_reg[TCTL] = val;
            if (e1000_csb_take_tail(csb, true, &tail)) {
                csb->xmit(csb->dev);
                e1000_csb_wake_tx(csb);
            }
            return true;
        }
        break;
    case CTRL:
        if (val & E1000_CTRL_RST) {
            e1000_csb_reset(csb);
        }
        break;
    default:
        break;
    }
    return false;
}

void e1000_csb_irq_update(E1000Csb *csb, bool old_level, bool new_level)
{
    if (!old_level && new_level) {
        csb->stats.interrupts++;
    }
}

/* ---- Life cycle ---- */

static void e1000_csb_vm_state_change(void *opaque, bool running,
                                      RunState state)
{
    E1000Csb *csb = opaque;

    csb->vm_running = running;
    if (running && (csb->mode & CSB_F_TX)) {
        e1000_csb_wake_tx(csb);
    }
}

bool e1000_csb_realize(E1000Csb *csb, Error **errp)
{
    DeviceState *dev = DEVICE(csb->pdev);
    uint8_t *cap;
    int off;

    if (!csb->on) {
        return true;
    }
    if (csb->poll_us > E1000_CSB_POLL_US_MAX) {
        error_setg(errp, "csb-poll-us must be at most %u",
                   E1000_CSB_POLL_US_MAX);
        return false;
    }
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

    qemu_mutex_init(&csb->map_lock);
    qemu_event_init(&csb->tx_event, false);
    csb->remap_bh = qemu_bh_new_guarded(e1000_csb_remap_bh, csb,
                                        &dev->mem_reentrancy_guard);
    csb->drop_bh = qemu_bh_new_guarded(e1000_csb_drop_bh, csb,
                                       &dev->mem_reentrancy_guard);
    csb->listener = (MemoryListener) {
        .name = "e1000-csb",
        .commit = e1000_csb_listener_commit,
    };
    memory_listener_register(&csb->listener,
                             pci_get_address_space(csb->pdev));
    csb->vm_state = qemu_add_vm_change_state_handler(
        e1000_csb_vm_state_change, csb);
    csb->chaos_timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, e1000_csb_chaos_tick,
                                    csb);
    csb->vm_running = runstate_is_running();
    return true;
}

void e1000_csb_unrealize(E1000Csb *csb)
{
    if (!csb->on) {
        return;
    }
    e1000_csb_stop(csb);
    e1000_csb_tx_thread_join(csb);
    e1000_csb_stop(csb);        /* in case the guest enabled it meanwhile */
    memory_listener_unregister(&csb->listener);
    qemu_bh_delete(csb->remap_bh);
    qemu_bh_delete(csb->drop_bh);
    qemu_del_vm_change_state_handler(csb->vm_state);
    timer_free(csb->chaos_timer);
    qemu_event_destroy(&csb->tx_event);
    qemu_mutex_destroy(&csb->map_lock);
}

/* ---- Migration ---- */

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

/* ---- Statistics ---- */

static void e1000_csb_get_doorbell_writes(Object *obj, Visitor *v,
                                          const char *name, void *opaque,
                                          Error **errp)
{
    E1000CsbStats *stats = opaque;
    uint64_t value = stats->tdt_writes + stats->rdt_writes +
                     stats->kick_writes;

    visit_type_uint64(v, name, &value, errp);
}

static void e1000_csb_add_counter(Object *obj, const char *name,
                                  const uint64_t *counter,
                                  const char *description)
{
    object_property_add_uint64_ptr(obj, name, counter, OBJ_PROP_FLAG_READ);
    object_property_set_description(obj, name, description);
}

void e1000_csb_instance_init(Object *obj, E1000Csb *csb,
                             struct E1000State_st *dev, uint32_t *mac_reg,
                             NICState **nic, E1000CsbXmitFn *xmit)
{
    E1000CsbStats *stats = &csb->stats;
    static const struct {
        const char *name;
        size_t offset;
        const char *description;
    } counters[] = {
#define E1000_CSB_COUNTER(_name, _field, _desc) \
        { _name, offsetof(E1000CsbStats, _field), _desc }
        E1000_CSB_COUNTER("x-stat-tdt-writes", tdt_writes,
                          "Guest writes to TDT (TX doorbells)"),
        E1000_CSB_COUNTER("x-stat-rdt-writes", rdt_writes,
                          "Guest writes to RDT (RX doorbells)"),
        E1000_CSB_COUNTER("x-stat-kick-writes", kick_writes,
                          "Guest writes to the CSB KICK register"),
        E1000_CSB_COUNTER("x-stat-irq-reg-accesses", irq_reg_accesses,
                          "Guest accesses to ICR, ICS, IMS and IMC"),
        E1000_CSB_COUNTER("x-stat-other-accesses", other_accesses,
                          "Guest accesses to other MMIO registers"),
        E1000_CSB_COUNTER("x-stat-interrupts", interrupts,
                          "Interrupt line transitions to asserted"),
        E1000_CSB_COUNTER("x-stat-csb-tx-kicks", csb_tx_kicks,
                          "TX kicks received in CSB mode"),
        E1000_CSB_COUNTER("x-stat-csb-rx-kicks", csb_rx_kicks,
                          "RX kicks received in CSB mode"),
        E1000_CSB_COUNTER("x-stat-csb-tx-wakeups", csb_tx_wakeups,
                          "Wake-ups of the CSB TX thread"),
        E1000_CSB_COUNTER("x-stat-csb-tx-sleeps", csb_tx_sleeps,
                          "CSB TX thread went to sleep asking for a kick"),
        E1000_CSB_COUNTER("x-stat-csb-tx-batches", csb_tx_batches,
                          "TX batches run by the CSB TX thread"),
        E1000_CSB_COUNTER("x-stat-csb-tx-spin-hits", csb_tx_spin_hits,
                          "TX work found by polling the CSB"),
        E1000_CSB_COUNTER("x-stat-csb-rx-starved", csb_rx_starved,
                          "RX kick requests (out of RX buffers)"),
        E1000_CSB_COUNTER("x-stat-csb-irq-suppressed", csb_irq_suppressed,
                          "TX/RX interrupt causes not raised (not asked)"),
        E1000_CSB_COUNTER("x-stat-csb-enables", csb_enables,
                          "CSB enables"),
        E1000_CSB_COUNTER("x-stat-csb-refusals", csb_refusals,
                          "CSB enables refused"),
        E1000_CSB_COUNTER("x-stat-csb-errors", csb_errors,
                          "CSB disabled by the device on an error"),
        E1000_CSB_COUNTER("x-stat-csb-tx-poll-stale", csb_tx_poll_stale,
                          "TX poll reads of tx_tail through a mapping "
                          "already withdrawn (0 unless broken)"),
#undef E1000_CSB_COUNTER
    };
    size_t i;

    csb->pdev = PCI_DEVICE(obj);
    csb->dev = dev;
    csb->mac_reg = mac_reg;
    csb->nic = nic;
    csb->xmit = xmit;

    for (i = 0; i < ARRAY_SIZE(counters); i++) {
        e1000_csb_add_counter(obj, counters[i].name,
                              (const uint64_t *)((char *)stats +
                                                 counters[i].offset),
                              counters[i].description);
    }
    object_property_add_uint32_ptr(obj, "x-csb-chaos", &csb->chaos_ms,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_set_description(obj, "x-csb-chaos",
                                    "Test hook: every N ms while the CSB is "
                                    "active, random kick requests and RX "
                                    "descriptor write-backs (0: off)");
    object_property_add_uint32_ptr(obj, "x-csb-poll-delay-ms",
                                   &csb->poll_delay_ms,
                                   OBJ_PROP_FLAG_READWRITE);
    object_property_set_description(obj, "x-csb-poll-delay-ms",
                                    "Test hook: the TX thread's poll waits "
                                    "N ms between finding the CSB mapped "
                                    "and reading tx_tail (0: off)");
    object_property_add(obj, "x-stat-doorbell-writes", "uint64",
                        e1000_csb_get_doorbell_writes, NULL, NULL, stats);
    object_property_set_description(obj, "x-stat-doorbell-writes",
                                    "Guest writes to TDT, RDT and CSB KICK");
}
