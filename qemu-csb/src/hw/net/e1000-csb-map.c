/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: access to the block (Documentation/csb-spec.md, 2, 4, 9)
 *
 * The block is accessed through a MemoryRegionCache on the device's bus
 * master address space (so through an IOMMU if there is one), replaced
 * with the BQL and a small lock, map_lock, which the TX thread's poll
 * takes (instead of the BQL) for each read of the block.  It is
 * re-created whenever the memory map changes and dropped when the address
 * stops being RAM (for good once the change is complete) or bus mastering
 * is turned off.
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "hw/pci/pci.h"
#include "e1000-csb-internal.h"

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
bool e1000_csb_reachable(E1000Csb *csb)
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
E1000CsbMap *e1000_csb_map_new(E1000Csb *csb)
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
void e1000_csb_set_map(E1000Csb *csb, E1000CsbMap *map)
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
bool e1000_csb_guard_enter(E1000Csb *csb)
{
    MemReentrancyGuard *guard = &csb->pdev->qdev.mem_reentrancy_guard;
    bool engaged = guard->engaged_in_io;

    guard->engaged_in_io = true;
    return engaged;
}

void e1000_csb_guard_leave(E1000Csb *csb, bool engaged)
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

bool e1000_csb_load(E1000Csb *csb, hwaddr off, uint32_t *val)
{
    return e1000_csb_access(csb, off, val, false);
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

/*
 * Read or write a field with the BQL held, mapping the block again if
 * needed; failure disables the CSB (ADDR).  A write marks the field
 * dirty.
 */
static bool e1000_csb_get_put(E1000Csb *csb, hwaddr off, uint32_t *val,
                              bool is_write)
{
    if (e1000_csb_remap(csb) && e1000_csb_access(csb, off, val, is_write)) {
        return true;
    }
    e1000_csb_fail(csb, CSB_ERR_ADDR, "cannot %s the CSB at 0x%" PRIx64,
                   is_write ? "write" : "read", csb->addr + off);
    return false;
}

bool e1000_csb_get(E1000Csb *csb, hwaddr off, uint32_t *val)
{
    return e1000_csb_get_put(csb, off, val, false);
}

bool e1000_csb_put(E1000Csb *csb, hwaddr off, uint32_t val)
{
    return e1000_csb_get_put(csb, off, &val, true);
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

/* At realize. */
void e1000_csb_map_init(E1000Csb *csb)
{
    DeviceState *dev = DEVICE(csb->pdev);

    qemu_mutex_init(&csb->map_lock);
    csb->remap_bh = qemu_bh_new_guarded(e1000_csb_remap_bh, csb,
                                        &dev->mem_reentrancy_guard);
    csb->listener = (MemoryListener) {
        .name = "e1000-csb",
        .commit = e1000_csb_listener_commit,
    };
    memory_listener_register(&csb->listener,
                             pci_get_address_space(csb->pdev));
}

/* At unrealize, once the CSB is stopped and the TX thread joined. */
void e1000_csb_map_cleanup(E1000Csb *csb)
{
    memory_listener_unregister(&csb->listener);
    qemu_bh_delete(csb->remap_bh);
    qemu_mutex_destroy(&csb->map_lock);
}
