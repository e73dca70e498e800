/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * e1000 Communication Status Block (CSB): the ABI between a guest driver
 * and a host device model. Used unchanged by driver/ (Linux) and by
 * qemu-csb/ (QEMU); Documentation/csb-spec.md is the normative text, and
 * every rule below is explained there.
 *
 * All multi-byte fields are little-endian. Ring indices are descriptor
 * indices (0 .. ring size - 1), as in the TDH/TDT/RDH/RDT registers.
 */
#ifndef E1000_CSB_ABI_H
#define E1000_CSB_ABI_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/types.h>
#define csb_le32 __le32
#else
#include <assert.h>
#define csb_le32 unsigned int	/* 32 bits wherever QEMU builds */
#ifndef BIT
#define BIT(nr) (1UL << (nr))	/* as in the kernel and QEMU */
#endif
#endif

/* ---- Discovery: PCI vendor-specific capability (PCI_CAP_ID_VNDR) ---- */

/*
 * Offsets inside the capability, from its first byte (the capability ID).
 * All fields are read-only.
 */
#define CSB_CAP_LEN		0x02	/* u8: length of the capability */
#define CSB_CAP_MAGIC		0x04	/* le32: CSB_MAGIC */
#define CSB_CAP_VERSION		0x08	/* le16 minor, le16 major (at 0x0a) */
#define CSB_CAP_FEATURES		0x0c	/* le32: CSB_F_* the host offers */
#define CSB_CAP_REGS		0x10	/* le32: BAR0 offset of the CSB registers */
#define CSB_CAP_SIZE		0x14	/* total length of the capability */

#define CSB_MAGIC			0x31425343	/* "CSB1" in memory order */
#define CSB_VERSION_MAJOR		1
#define CSB_VERSION_MINOR		0

/* The capability's VERSION dword (le16 minor, then le16 major). */
#define CSB_CAP_VERSION_VAL(major, minor) \
	((((major) & 0xffffu) << 16) | ((minor) & 0xffffu))
#define CSB_CAP_VERSION_MAJOR(val)	(((val) >> 16) & 0xffffu)
#define CSB_CAP_VERSION_MINOR(val)	((val) & 0xffffu)

/* Feature bits (capability: offered; CSB_FEATURES register: accepted). */
#define CSB_F_TX			BIT(0) /* TX tail and kicks via the CSB */
#define CSB_F_RX			BIT(1) /* RX tail and kicks via the CSB */
#define CSB_F_IRQ			BIT(2) /* TX/RX interrupts on request only */
#define CSB_F_ALL			(CSB_F_TX | CSB_F_RX | \
					 CSB_F_IRQ)

/* ---- Registers, at BAR0 + the offset in CSB_CAP_REGS ---- */

#define CSB_REGS_DEFAULT		0x07000	/* unused by the 8254x */
#define CSB_REGS_SIZE		0x20

#define CSB_REG_ADDR_LO		0x00	/* RW: CSB guest address, bits 31:0 */
#define CSB_REG_ADDR_HI		0x04	/* RW: CSB guest address, bits 63:32 */
#define CSB_REG_FEATURES		0x08	/* RW: features the guest accepts */
#define CSB_REG_CTRL			0x0c	/* RW: enable, guest ABI major */
#define CSB_REG_STATUS		0x10	/* RO: active, refusal reason */
#define CSB_REG_KICK			0x14	/* WO: CSB_KICK_* doorbells */

#define CSB_CTRL_ENABLE		BIT(0)
#define CSB_CTRL_MAJOR_SHIFT	8	/* bits 15:8: guest's ABI major */
#define CSB_CTRL_MAJOR_MASK	(0xffu << CSB_CTRL_MAJOR_SHIFT)
/* CTRL's major field: put @major in, take it out of @ctrl. */
#define CSB_CTRL_MAJOR(major) \
	(((major) << CSB_CTRL_MAJOR_SHIFT) & CSB_CTRL_MAJOR_MASK)
#define CSB_CTRL_MAJOR_OF(ctrl) \
	(((ctrl) & CSB_CTRL_MAJOR_MASK) >> CSB_CTRL_MAJOR_SHIFT)

#define CSB_STATUS_ACTIVE		BIT(0)
#define CSB_STATUS_ERR_SHIFT	8	/* bits 15:8: enum csb_err */
#define CSB_STATUS_ERR_MASK	(0xffu << CSB_STATUS_ERR_SHIFT)

/* Why the device refused (or dropped) the CSB; 0 = no error. */
enum csb_err {
	CSB_ERR_NONE		= 0,
	CSB_ERR_ALIGN		= 1,	/* address not CSB_ALIGN aligned */
	CSB_ERR_ADDR		= 2,	/* not guest RAM through the device's DMA */
	CSB_ERR_VERSION		= 3,	/* ABI major not supported */
	CSB_ERR_FEATURES		= 4,	/* accepted a feature not offered */
	CSB_ERR_BUSMASTER		= 5,	/* PCI bus mastering is off */
	CSB_ERR_BUSY		= 6,	/* address/features written while active */
	CSB_ERR_RING		= 7,	/* a CSB ring index was out of range */
};

#define CSB_KICK_TX		BIT(0)
#define CSB_KICK_RX		BIT(1)

/* ---- The CSB itself: 256 bytes in guest memory ---- */

#define CSB_SIZE			256
#define CSB_ALIGN			256

/*
 * Notification requests (tx_irq, rx_irq, tx_kick, rx_kick) share one
 * format: CSB_NOTIFY set means "notify me", and the low 16 bits are
 * a ring index. When the other side moves its index on that ring from OLD
 * to NEW, it notifies iff the request is set and
 *
 *	(index - OLD) mod size  <  (NEW - OLD) mod size
 *
 * i.e. the requested index is among the entries it just moved past.
 * csb_need_notify() below computes exactly this.
 */
#define CSB_NOTIFY		BIT(31)
#define CSB_INDEX_MASK		0xffffu

struct csb_block {
	/* Cache line 0: written by the guest, read by the device. */
	csb_le32 tx_tail;		/* TDT: next TX descriptor the guest fills */
	csb_le32 rx_tail;		/* RDT: one past the last RX buffer given */
	csb_le32 tx_irq;		/* TXDW wanted when TX head passes index */
	csb_le32 rx_irq;		/* RXT0 wanted when RX head passes index */
	csb_le32 guest_reserved[12];

	/* Cache line 1: written by the device, read by the guest. */
	csb_le32 tx_head;		/* TDH after the device's last TX batch */
	csb_le32 rx_head;		/* RDH after the device's last RX batch */
	csb_le32 tx_kick;		/* kick wanted when TX tail passes index */
	csb_le32 rx_kick;		/* kick wanted when RX tail passes index */
	csb_le32 icr;		/* mirror of the ICR register */
	csb_le32 status;		/* mirror of the STATUS register */
	csb_le32 host_reserved[10];

	/* Cache lines 2 and 3: reserved, zero, for later minor versions. */
	csb_le32 reserved[32];
};

static_assert(sizeof(struct csb_block) == CSB_SIZE,
	      "struct csb_block must be CSB_SIZE bytes");

/*
 * Is INDEX among the entries a producer/consumer moved past when it went
 * from OLD to NEW on a ring of SIZE entries? All values < SIZE.
 */
static inline int csb_need_notify(unsigned int index, unsigned int old,
				  unsigned int new, unsigned int size)
{
	return (index + size - old) % size < (new + size - old) % size;
}

/*
 * Is REQ a well-formed request on a ring of SIZE entries: NOTIFY set, bits
 * 30:16 zero, the index below SIZE?  Anything else is the other side's bug
 * (spec section 8).
 */
static inline int csb_notify_valid(unsigned int req, unsigned int size)
{
	return (req & CSB_NOTIFY) &&
	       !(req & ~(CSB_NOTIFY | CSB_INDEX_MASK)) &&
	       (req & CSB_INDEX_MASK) < size;
}

#endif /* E1000_CSB_ABI_H */
