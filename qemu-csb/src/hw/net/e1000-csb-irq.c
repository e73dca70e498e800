/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: interrupts (Documentation/csb-spec.md, 7)
 *
 * After each TX batch and each received frame the head is published,
 * then (IRQ-H, with F_IRQ) the guest's request is read: TXDW/TXQE and
 * RXT0/RXDMT0 are raised only when it asks for them.  ICR and STATUS are
 * copied to the CSB whenever they change.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "e1000_common.h"
#include "e1000-csb-internal.h"
#include "trace.h"

#define CSB_TX_CAUSES           (E1000_ICR_TXDW | E1000_ICR_TXQE)
#define CSB_RX_CAUSES           (E1000_ICS_RXT0 | E1000_ICS_RXDMT0)

/* E1000Csb.logged: kinds of repeated guest errors logged once. */
#define CSB_LOGGED_TX_IRQ       BIT(0)
#define CSB_LOGGED_RX_IRQ       BIT(1)

/*
 * Does the notification request @req ask to be told that the index moved
 * from @old to @new on a ring of @n?  A malformed request (spec 8: index
 * outside the ring, or bits 30:16 set; NOTIFY clear or not) counts as
 * NOTIFY with index 0; with indices the device cannot judge (the guest's
 * own TDH or RDH outside the ring), it notifies.
 */
static bool e1000_csb_notify_wanted(E1000Csb *csb, bool tx, uint32_t req,
                                    uint32_t old, uint32_t new, uint32_t n)
{
    uint32_t log_bit = tx ? CSB_LOGGED_TX_IRQ : CSB_LOGGED_RX_IRQ;

    if (old >= n || new >= n) {
        return true;
    }
    if (!csb_notify_valid(req | CSB_NOTIFY, n)) {
        if (!(csb->logged & log_bit)) {
            csb->logged |= log_bit;
            qemu_log_mask(LOG_GUEST_ERROR,
                          "e1000-csb: malformed %s 0x%x (ring of %u), "
                          "taken as NOTIFY with index 0\n",
                          tx ? "tx_irq" : "rx_irq", req, n);
        }
        req = CSB_NOTIFY;
    }
    return (req & CSB_NOTIFY) &&
           csb_need_notify(req & CSB_INDEX_MASK, old, new, n);
}

void e1000_csb_regs_changed(E1000Csb *csb)
{
    uint32_t icr, status;

    if (!csb->mode) {
        return;
    }
    icr = e1000_csb_dev_reg(csb->dev, ICR);
    status = e1000_csb_dev_reg(csb->dev, STATUS);
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

/*
 * The device moved a ring's head from @old to the head register's value:
 * publish the head and, with F_IRQ, keep the ring's interrupt causes in
 * @cause only if the guest's request asks for them (spec 7).
 */
static uint32_t e1000_csb_ring_done(E1000Csb *csb, bool tx, uint32_t old,
                                    uint32_t cause)
{
    uint32_t head = e1000_csb_head(csb, tx);
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
        e1000_csb_notify_wanted(csb, tx, req, old, head,
                                e1000_csb_ring_size(csb, tx))) {
        return cause;
    }
    if (cause & causes) {
        e1000_csb_stat_inc(&csb->stats, E1000_CSB_STAT_CSB_IRQ_SUPPRESSED);
        trace_e1000_csb_irq_suppressed(cause & causes, req, old, head);
    }
    return cause & ~causes;
}

uint32_t e1000_csb_tx_done(E1000Csb *csb, uint32_t old, uint32_t cause)
{
    return e1000_csb_ring_done(csb, true, old, cause);
}

uint32_t e1000_csb_rx_done(E1000Csb *csb, uint32_t old, uint32_t cause)
{
    return e1000_csb_ring_done(csb, false, old, cause);
}
