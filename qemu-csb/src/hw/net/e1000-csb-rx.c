/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: RX (Documentation/csb-spec.md, 6)
 *
 * rx_tail is taken whenever the e1000 code looks for RX buffers; when
 * there are not enough, the RX-H handshake asks for a kick and the frame
 * stays queued in the net layer until the guest's RX kick.
 */

#include "qemu/osdep.h"
#include "e1000-csb-internal.h"
#include "trace.h"

/* Clear our RX kick request, if any: false if that dropped the CSB. */
static bool e1000_csb_rx_kick_disarm(E1000Csb *csb)
{
    if (!csb->rx_kick_armed) {
        return true;
    }
    csb->rx_kick_armed = false;
    return e1000_csb_put(csb, CSB_OFF(rx_kick), 0);
}

void e1000_csb_rx_kick(E1000Csb *csb)
{
    uint32_t tail;

    e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_RX_KICKS);
    trace_e1000_csb_kick_rx();
    if (e1000_csb_take_tail(csb, false, &tail) &&
        e1000_csb_rx_kick_disarm(csb)) {
        e1000_csb_dev_flush_rx(csb->dev);
    }
}

/* Free descriptors from @head (included) to @tail (excluded). */
static uint32_t e1000_csb_ring_avail(uint32_t head, uint32_t tail, uint32_t n)
{
    return head <= tail ? tail - head : n - head + tail;
}

/*
 * RX-H, out of buffers for a frame that needs @need descriptors from
 * @head on: announce starvation, then look (pairs with the guest's RX-G).
 * False if that dropped the CSB; else true, with the new tail in *@tail.
 *
 * The kick is asked for half a ring ahead, or for the last descriptor the
 * frame needs if that is further (spec 6): a guest that starves the ring
 * refills it a NAPI poll at a time, so asking for the next descriptor cost
 * a kick for about every 70 frames of a flood; now the guest has handed
 * over half the ring when it kicks, and the rest of the ring still holds
 * frames for it to take meanwhile.  Every descriptor from @head on is the
 * guest's to take and refill, so it reaches that index.
 */
static bool e1000_csb_rx_starve(E1000Csb *csb, uint32_t head, uint32_t need,
                                uint32_t n, uint32_t *tail)
{
    uint32_t req = CSB_NOTIFY | ((head + MAX(need, n / 2) - 1) % n);

    if (!csb->rx_kick_armed || csb->rx_kick_req != req) {
        csb->rx_kick_armed = true;
        csb->rx_kick_req = req;
        e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_RX_STARVED);
        trace_e1000_csb_rx_starved(head, *tail, req);
        if (!e1000_csb_put(csb, CSB_OFF(rx_kick), req)) {
            return false;
        }
    }
    smp_mb();                   /* RX-H: rx_kick, then rx_tail */
    return e1000_csb_take_tail(csb, false, tail);
}

bool e1000_csb_rx_check(E1000Csb *csb, size_t total_size,
                        uint32_t rxbuf_size, bool *has_bufs)
{
    uint32_t n, head, tail, need;

    csb->rx_waiting = false;
    if (!(csb->mode & CSB_F_RX)) {
        return false;
    }
    n = e1000_csb_ring_size(csb, false);
    head = e1000_csb_head(csb, false);
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
    if (e1000_csb_ring_avail(head, tail, n) < need) {
        if (need >= n) {
            return false;       /* never fits: the plain device drops it */
        }
        if (!e1000_csb_rx_starve(csb, head, need, n, &tail)) {
            return false;
        }
        if (e1000_csb_ring_avail(head, tail, n) < need) {
            csb->rx_waiting = true;
            *has_bufs = false;
            return true;
        }
    }
    if (!e1000_csb_rx_kick_disarm(csb)) {
        return false;
    }
    *has_bufs = true;
    return true;
}

bool e1000_csb_rx_wait(E1000Csb *csb)
{
    return csb->rx_waiting;
}
