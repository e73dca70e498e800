/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * e1000-csb: host-side additions to QEMU's e1000 device
 *
 * The Communication Status Block (CSB) of Documentation/csb-spec.md in
 * the e1000-csb project: discovery capability, register block, TX host
 * thread, RX tails, interrupt suppression and migration, plus host-side
 * statistics exposed as read-only QOM properties (e1000-csb-stats.h).
 *
 * Calls go one way each: hw/net/e1000.c keeps one E1000Csb in its state
 * and calls the hooks below; the CSB code (e1000-csb*.c) reads and
 * changes the e1000's state only through the functions e1000.c provides
 * for it (at the end of this header).  With the property csb=off every
 * hook is a no-op (but for the statistics) and the device is the stock
 * e1000.
 */

#ifndef HW_NET_E1000_CSB_H
#define HW_NET_E1000_CSB_H

#include "exec/memory.h"
#include "hw/pci/pci_device.h"
#include "migration/vmstate.h"
#include "qemu/thread.h"
#include "system/runstate.h"
#include "hw/net/e1000_csb_abi.h"
#include "e1000-csb-stats.h"

struct E1000State_st;

typedef struct E1000CsbMap E1000CsbMap;

/* E1000Csb.mode: the CSB is active; the low bits are accepted features. */
#define E1000_CSB_MODE_ACTIVE       BIT(31)

#define E1000_CSB_POLL_US_DEFAULT   200
#define E1000_CSB_POLL_US_MAX       100000
#define E1000_CSB_POLL_DESCS_DEFAULT 4
#define E1000_CSB_POLL_DESCS_MAX    64

/* BAR0 offset of the CSB register CSB_REG_@r (for e1000_mmio_setup()) */
#define E1000_CSB_REG(r)            (CSB_REGS_DEFAULT + CSB_REG_##r)

typedef struct E1000Csb {
    /* Properties */
    bool on;                    /* "csb" */
    uint32_t poll_us;           /* "csb-poll-us" */
    uint32_t poll_descs;        /* "x-csb-poll-descs" */
    uint32_t chaos_ms;          /* "x-csb-chaos": a test hook, 0 = off */
    uint32_t early_dd_ms;       /* "x-csb-early-dd": a test hook, 0 = off */
    uint32_t poll_delay_ms;     /* "x-csb-poll-delay-ms": a test hook */
    uint32_t sub_vendor_id;     /* "x-pci-sub-vendor-id": 0 = QEMU's */
    uint32_t sub_device_id;     /* "x-pci-sub-device-id": 0 = QEMU's */

    /* The device, set at instance init */
    PCIDevice *pdev;
    struct E1000State_st *dev;

    /* The register block (spec section 2) */
    uint64_t addr;              /* ADDR_HI:ADDR_LO */
    uint32_t features;          /* FEATURES */
    uint32_t ctrl;              /* CTRL */
    uint32_t status;            /* STATUS */
    uint32_t tdt_reg;           /* TDT as the guest last wrote it (F_TX) */
    uint32_t rdt_reg;           /* RDT as the guest last wrote it (F_RX) */
    bool tdt_reg_new;           /* tdt_reg written since tx_tail was taken */
    bool rdt_reg_new;           /* rdt_reg written since rx_tail was taken */

    /* While active; changed with the BQL held */
    uint32_t mode;              /* 0 or E1000_CSB_MODE_ACTIVE | features */
    uint32_t gen;               /* incremented at each activation */
    E1000CsbMap *map;           /* the 256 bytes (see map_lock) */
    bool tx_kick_armed;         /* tx_kick holds a request */
    bool rx_kick_armed;         /* rx_kick holds a request... */
    uint32_t rx_kick_req;       /* ...this one */
    bool rx_waiting;            /* a frame waits for an RX kick */
    bool copies_valid;          /* icr_copy/status_copy are in the CSB */
    uint32_t icr_copy;
    uint32_t status_copy;
    uint32_t logged;            /* guest errors already logged */
    uint32_t mig_mode;          /* mode, in the migration stream */

    /*
     * Held to replace map (with the BQL too) and by the TX thread's
     * lock-free poll for each read of the block: once the map is
     * withdrawn, no poll read of the old block is in progress.
     */
    QemuMutex map_lock;

    /* TX thread */
    QemuThread tx_thread;
    QemuEvent tx_event;
    bool tx_thread_started;
    bool tx_stop;
    bool vm_running;
    int64_t poll_ns;            /* polling window now (BQL to change) */
    int64_t slept_at;           /* when it last went to sleep, or 0 (BQL) */
    int64_t kicked_at;          /* when the last TX kick came (BQL) */
    int64_t idle_at;            /* when the last batch ended */
    int64_t poll_cost;          /* idle ns per descriptor, averaged (BQL) */

    MemoryListener listener;
    QEMUBH *remap_bh;           /* the block became unreachable: judge */
    QEMUBH *drop_bh;            /* after a drop: TX and RX as plain mode */
    uint32_t drop_owed;         /* CSB_F_TX/F_RX work drop_bh owes */
    VMChangeStateEntry *vm_state;
    QEMUTimer *chaos_timer;     /* x-csb-chaos/-early-dd, while active */

    E1000CsbStats stats;
} E1000Csb;

/* ---- Hooks, called by hw/net/e1000.c ---- */

extern const VMStateDescription vmstate_e1000_csb;

/* At instance init: link @csb to its device @dev, add the QOM props. */
void e1000_csb_instance_init(Object *obj, E1000Csb *csb,
                             struct E1000State_st *dev);

/* At realize, before anything else; false with @errp set on failure. */
bool e1000_csb_realize(E1000Csb *csb, Error **errp);

/* At unrealize, before anything else. */
void e1000_csb_unrealize(E1000Csb *csb);

/* Device reset, or CTRL.RST: disable the CSB and clear its registers. */
void e1000_csb_reset(E1000Csb *csb);

/*
 * MMIO hooks, called first for every access to the e1000 register
 * @index (BAR0 offset / 4).  They account the access; they return true
 * if they handled it (with the value read in *@val), false to let the
 * e1000 code handle it.
 */
bool e1000_csb_mmio_read(E1000Csb *csb, unsigned int index, uint64_t *val);
bool e1000_csb_mmio_write(E1000Csb *csb, unsigned int index, uint64_t val);

/* ICR or STATUS may have changed: refresh their copies in the CSB. */
void e1000_csb_regs_changed(E1000Csb *csb);

/* Account an update of the interrupt line from @old_level to @new_level. */
void e1000_csb_irq_update(E1000Csb *csb, bool old_level, bool new_level);

/*
 * TCTL was written and the TX engine is about to run: with F_TX, take
 * tx_tail first, as a kick does.  False if it must not run (the CSB was
 * dropped because TDH is outside the ring).
 */
bool e1000_csb_tx_start(E1000Csb *csb);

/*
 * The e1000 code is about to send a frame of @size bytes: false for an
 * empty one (a descriptor of length 0 with EOP), which it must not pass
 * on: a backend whose send() returns 0 for it (dgram, socket) makes the
 * net layer queue everything after it for good.  Counted and logged.
 */
bool e1000_csb_tx_frame_ok(E1000Csb *csb, int size);

/*
 * TX (RX) descriptors were written back and TDH (RDH) moved from @old:
 * publish the head and return the interrupt causes @cause, without the
 * TX (RX) ones if the guest did not ask for them.
 */
uint32_t e1000_csb_tx_done(E1000Csb *csb, uint32_t old, uint32_t cause);
uint32_t e1000_csb_rx_done(E1000Csb *csb, uint32_t old, uint32_t cause);

/*
 * Are there RX descriptors for @total_size bytes?  Returns false if the
 * e1000 code must decide (plain mode), else true with the answer in
 * *@has_bufs.
 */
bool e1000_csb_rx_check(E1000Csb *csb, size_t total_size,
                        uint32_t rxbuf_size, bool *has_bufs);

/*
 * After a "no" from e1000_csb_rx_check(): true if the frame must stay
 * queued until the guest's RX kick rather than be dropped.
 */
bool e1000_csb_rx_wait(E1000Csb *csb);

/* Whether the migration stream needs the CSB subsection. */
bool e1000_csb_vmstate_needed(E1000Csb *csb);

/*
 * ---- Provided by hw/net/e1000.c, for the CSB code ----
 * All with the BQL held.  Register indices as in e1000_common.h.
 */

/* The value of the e1000 register @index (TDH, RDH, TDLEN, ICR...). */
uint32_t e1000_csb_dev_reg(struct E1000State_st *s, int index);

/* Hand the TX (@tx) or RX engine the tail @tail (TDT or RDT), no more. */
void e1000_csb_dev_set_tail(struct E1000State_st *s, bool tx, uint32_t tail);

/* Run the TX engine: transmit from TDH up to TDT. */
void e1000_csb_dev_start_tx(struct E1000State_st *s);

/* Can the e1000 receive a frame now (RX enabled, buffers)? */
bool e1000_csb_dev_can_receive(struct E1000State_st *s);

/* Deliver the frames the net layer queued for the e1000. */
void e1000_csb_dev_flush_rx(struct E1000State_st *s);

/* The guest-physical address of the RX descriptor ring. */
uint64_t e1000_csb_dev_rx_desc_base(struct E1000State_st *s);

#endif /* HW_NET_E1000_CSB_H */
