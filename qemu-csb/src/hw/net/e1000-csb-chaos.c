/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: a misbehaving host, the test hook x-csb-chaos
 *
 * x-csb-chaos=<period-ms>, a test hook for guest drivers (default 0, off;
 * not for production): every period of virtual time while the CSB is
 * active, from the main loop with the BQL, play a misbehaving host.  It
 * writes random notification requests into the host-written tx_kick
 * (with F_TX) and rx_kick (with F_RX), through the same accessors as
 * every other access to the block, and with F_RX sets DD on a random RX
 * descriptor.  A driver must survive it (Documentation/csb-spec.md, 8:
 * the guest trusts nothing the device writes); the device itself does not
 * change its own state (it still believes what it wrote).
 *
 * x-csb-early-dd=<period-ms>, its narrower sibling: every period while the
 * CSB is active, write back DD on the RX descriptor the device fills next
 * and nothing else, as a device that completes a descriptor before its
 * frame is there.  The frame still comes, into that descriptor's buffer,
 * and rx_head only then passes it: a driver that waits for rx_head (spec
 * section 7) loses nothing, one that believes DD alone hands the stack a
 * buffer the device then writes into.
 */

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "hw/pci/pci_device.h"
#include "e1000_common.h"
#include "e1000-csb-internal.h"

/*
 * A notification request for a ring of @n descriptors, as a careless or
 * hostile device might write it: none, a valid one, an index outside the
 * ring, or any word at all (bits 30:16 set, mostly).
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
 * Write back RX descriptor @index as if a frame of @len bytes had landed
 * there: length, DD and EOP.  Through the device's DMA, as the e1000 code
 * writes descriptors back.
 */
static void e1000_csb_chaos_write_back(E1000Csb *csb, uint32_t index,
                                       uint16_t len)
{
    dma_addr_t desc = e1000_csb_dev_rx_desc_base(csb->dev) +
                      (uint64_t)index * CSB_DESC_SIZE;
    uint16_t le_len = cpu_to_le16(len);
    uint8_t status = E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP;
    bool engaged = e1000_csb_guard_enter(csb);

    pci_dma_write(csb->pdev, desc + offsetof(struct e1000_rx_desc, length),
                  &le_len, sizeof(le_len));
    pci_dma_write(csb->pdev, desc + offsetof(struct e1000_rx_desc, status),
                  &status, sizeof(status));
    e1000_csb_guard_leave(csb, engaged);
}

/*
 * A random RX descriptor of the ring (any of them: handed over or not,
 * past RDT too), a random length: x-csb-chaos.
 */
static void e1000_csb_chaos_rx_desc(E1000Csb *csb)
{
    uint32_t n = e1000_csb_ring_size(csb, false);

    if (n) {
        e1000_csb_chaos_write_back(csb, g_random_int_range(0, n),
                                   g_random_int_range(0, 0x10000));
    }
}

/*
 * Descriptor RDH if the guest gave it (RDH != RDT), a whole buffer's
 * length, before the frame: x-csb-early-dd.
 */
static void e1000_csb_chaos_early_dd(E1000Csb *csb)
{
    uint32_t head = e1000_csb_head(csb, false);

    if (head == e1000_csb_dev_reg(csb->dev, RDT) ||
        head >= e1000_csb_ring_size(csb, false)) {
        return;
    }
    e1000_csb_chaos_write_back(csb, head, 2048);
    e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_EARLY_DD);
}

static void e1000_csb_chaos_tick(void *opaque)
{
    E1000Csb *csb = opaque;
    uint32_t tx_req = e1000_csb_chaos_request(e1000_csb_ring_size(csb, true));
    uint32_t rx_req = e1000_csb_chaos_request(e1000_csb_ring_size(csb, false));

    if (!csb->mode) {
        return;
    }
    if (csb->early_dd_ms) {
        e1000_csb_chaos_early_dd(csb);
        e1000_csb_chaos_arm(csb);
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

void e1000_csb_chaos_arm(E1000Csb *csb)
{
    uint32_t period = csb->early_dd_ms ?: csb->chaos_ms;

    if (period && csb->chaos_timer) {
        timer_mod(csb->chaos_timer,
                  qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + period);
    }
}

/* At realize. */
void e1000_csb_chaos_init(E1000Csb *csb)
{
    csb->chaos_timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, e1000_csb_chaos_tick,
                                    csb);
}
