// SPDX-License-Identifier: GPL-2.0
/*
 * e1000_csb: paravirtual (CSB) mode, the guest side of
 * Documentation/csb-spec.md.  Discovery of the host's capability, enabling
 * and disabling the Communication Status Block (also with traffic running),
 * the doorbell handshakes TX-G and RX-G, interrupt requests with the IRQ-G
 * handshake, the TX reclaim timer, and the fallback to plain mode when the
 * host refuses the CSB or writes values that make no sense.
 *
 * Concurrency: csb->block and csb->active change only with the data path
 * quiesced (no xmit, NAPI disabled, the ISR unable to schedule NAPI), under
 * RTNL.  Guest-written CSB fields have these writers: tx_tail and tx_irq
 * requests for a stopped queue, the TX queue lock holder (xmit, and NAPI's
 * TX cleaning, which takes the same lock); rx_tail, the NAPI context;
 * rx_irq and the clearing of both requests, the NAPI owner (the ISR that
 * wins napi_schedule_prep(), then the poll).
 */

#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>

#include "e1000_csb.h"

static bool csb_default;
module_param_named(csb, csb_default, bool, 0444);
MODULE_PARM_DESC(csb,
		 "Use the paravirtual CSB mode on hosts that offer it, from the first open (default: off; ethtool --set-priv-flags IF csb on|off switches at any time)");

/*
 * TX completions are reclaimed by xmit and by NAPI; when traffic stops
 * with descriptors still in flight and no TX interrupt requested, this
 * timer schedules NAPI to reclaim them (socket memory, BQL).
 */
#define E1000_CSB_MODE_RECLAIM_NS		(1000 * NSEC_PER_USEC)

/* bits in csb->broken */
#define E1000_CSB_MODE_BROKEN		0	/* fallback scheduled */
#define E1000_CSB_MODE_RESET		1	/* ... then a reset */

static const char * const e1000_csb_mode_errors[] = {
	[CSB_ERR_NONE]	  = "no reason given",
	[CSB_ERR_ALIGN]	  = "CSB address not 256-byte aligned",
	[CSB_ERR_ADDR]	  = "CSB address is not guest RAM the device can reach",
	[CSB_ERR_VERSION]	  = "ABI major version not implemented by the host",
	[CSB_ERR_FEATURES]  = "accepted features the host does not offer",
	[CSB_ERR_BUSMASTER] = "PCI bus mastering is off",
	[CSB_ERR_BUSY]	  = "CSB registers written while active",
	[CSB_ERR_RING]	  = "a ring index in the CSB was out of range",
};

static const char *e1000_csb_mode_strerror(u8 err)
{
	if (err < ARRAY_SIZE(e1000_csb_mode_errors))
		return e1000_csb_mode_errors[err];
	return "unknown error code";
}

static u32 e1000_csb_mode_rd(struct e1000_csb_adapter *adapter, u32 off)
{
	return e1000_csb_rd32(adapter, adapter->csb.regs + off);
}

static void e1000_csb_mode_wr(struct e1000_csb_adapter *adapter, u32 off,
			      u32 val)
{
	e1000_csb_wr32(adapter, adapter->csb.regs + off, val);
}

/* ---------------- the two directions ---------------- */

/* What the doorbell handshakes TX-G and RX-G need of one direction */
struct e1000_csb_mode_side {
	struct e1000_csb_ring_csb *rc;
	struct u64_stats_sync *syncp;
	const u32 *next_to_use;		/* the tail to publish */
	u32 count;			/* ring size */
	__le32 *tail;			/* tx_tail / rx_tail: ours */
	__le32 *kick_req;		/* tx_kick / rx_kick: the host's */
	const char *kick_name;
};

static void e1000_csb_mode_side(struct e1000_csb_adapter *adapter,
				enum e1000_csb_dir dir,
				struct e1000_csb_mode_side *side)
{
	struct csb_block *block = adapter->csb.block;
	struct e1000_csb_tx_ring *tx = &adapter->tx_ring;
	struct e1000_csb_rx_ring *rx = &adapter->rx_ring;

	if (dir == E1000_CSB_DIR_TX)
		*side = (struct e1000_csb_mode_side) {
			.rc = &tx->csb, .syncp = &tx->syncp,
			.next_to_use = &tx->next_to_use, .count = tx->count,
			.tail = &block->tx_tail, .kick_req = &block->tx_kick,
			.kick_name = "tx_kick",
		};
	else
		*side = (struct e1000_csb_mode_side) {
			.rc = &rx->csb, .syncp = &rx->syncp,
			.next_to_use = &rx->next_to_use, .count = rx->count,
			.tail = &block->rx_tail, .kick_req = &block->rx_kick,
			.kick_name = "rx_kick",
		};
}

/*
 * A kick request the host set (NOTIFY) but malformed (spec section 8):
 * report it as a host error and return true.
 */
static bool e1000_csb_mode_req_bad(struct e1000_csb_adapter *adapter,
				   const struct e1000_csb_mode_side *side,
				   u32 req)
{
	if (!(req & CSB_NOTIFY) || csb_notify_valid(req, side->count))
		return false;
	e1000_csb_mode_host_error(adapter, side->kick_name, req, side->count);
	return true;
}

/* ---------------- discovery ---------------- */

/**
 * e1000_csb_mode_probe - look for the host's CSB capability (spec section 1)
 * @adapter: board private structure
 *
 * Takes the first vendor-specific capability with the CSB magic; any other
 * vendor capability is ignored.  A capability whose register block lies
 * outside BAR0 is reported and ignored.
 */
void e1000_csb_mode_probe(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_mode *csb = &adapter->csb;
	struct pci_dev *pdev = adapter->pdev;
	u32 magic = 0, version, features, regs;
	u8 pos, len;

	for (pos = pci_find_capability(pdev, PCI_CAP_ID_VNDR); pos;
	     pos = pci_find_next_capability(pdev, pos, PCI_CAP_ID_VNDR)) {
		pci_read_config_byte(pdev, pos + CSB_CAP_LEN, &len);
		if (len < CSB_CAP_SIZE)
			continue;
		pci_read_config_dword(pdev, pos + CSB_CAP_MAGIC, &magic);
		if (magic == CSB_MAGIC)
			break;
	}
	if (!pos)
		return;

	pci_read_config_dword(pdev, pos + CSB_CAP_VERSION, &version);
	pci_read_config_dword(pdev, pos + CSB_CAP_FEATURES, &features);
	pci_read_config_dword(pdev, pos + CSB_CAP_REGS, &regs);

	if ((regs & 3) || regs > pci_resource_len(pdev, 0) ||
	    pci_resource_len(pdev, 0) - regs < CSB_REGS_SIZE) {
		dev_warn(&pdev->dev,
			 "CSB capability names registers at %#x, outside BAR 0: ignored\n",
			 regs);
		return;
	}
	csb->offered = true;
	csb->minor = CSB_CAP_VERSION_MINOR(version);
	csb->major = CSB_CAP_VERSION_MAJOR(version);
	csb->features = features;
	csb->regs = regs;
}

/* ---------------- enabling and disabling (spec section 4) ---------------- */

static void e1000_csb_mode_free(struct e1000_csb_adapter *adapter);

/*
 * Enable the CSB with the device running or freshly configured and the
 * data path quiesced: the tails in the block are the ones the registers
 * already hold.  Returns 0, or -EOPNOTSUPP with csb->host_err set when the
 * host refuses, or -ENOMEM/-ENODEV.
 */
static int e1000_csb_mode_start(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_mode *csb = &adapter->csb;
	struct device *dev = &adapter->pdev->dev;
	u32 features = csb->features & CSB_F_ALL;
	struct csb_block *block;
	u32 status;

	if (e1000_csb_removed(adapter))
		return -ENODEV;

	/* coherent memory is page aligned: at least CSB_ALIGN */
	block = dma_alloc_coherent(dev, CSB_SIZE, &csb->block_dma,
				   GFP_KERNEL);
	if (!block)
		return -ENOMEM;

	block->tx_tail = cpu_to_le32(adapter->tx_ring.next_to_use);
	block->rx_tail = cpu_to_le32(adapter->rx_ring.next_to_use);
	/*
	 * Spec section 4 step 2: the RX interrupt request is armed from the
	 * start, so that a guest that only receives hears of its first frame
	 * (the caller polls once after enabling, for frames already there).
	 * No TX interrupt until the queue stops (section 7).
	 */
	block->rx_irq = cpu_to_le32(CSB_NOTIFY |
				    adapter->rx_ring.next_to_clean);
	adapter->tx_ring.csb.published = adapter->tx_ring.next_to_use;
	adapter->rx_ring.csb.published = adapter->rx_ring.next_to_use;

	/* writel() orders the block's contents before the registers */
	e1000_csb_mode_wr(adapter, CSB_REG_ADDR_HI, upper_32_bits(csb->block_dma));
	e1000_csb_mode_wr(adapter, CSB_REG_ADDR_LO, lower_32_bits(csb->block_dma));
	e1000_csb_mode_wr(adapter, CSB_REG_FEATURES, features);
	e1000_csb_mode_wr(adapter, CSB_REG_CTRL, CSB_CTRL_ENABLE |
			CSB_CTRL_MAJOR(CSB_VERSION_MAJOR));
	status = e1000_csb_mode_rd(adapter, CSB_REG_STATUS);

	csb->block = block;
	if (status == ~0U || !(status & CSB_STATUS_ACTIVE)) {
		csb->host_err = status == ~0U ? 0 :
			(status & CSB_STATUS_ERR_MASK) >>
			CSB_STATUS_ERR_SHIFT;
		e1000_csb_mode_free(adapter);
		return status == ~0U ? -ENODEV : -EOPNOTSUPP;
	}

	csb->host_err = 0;
	e1000_csb_mark_clear(&csb->tx_mark);
	e1000_csb_mark_clear(&csb->rx_mark);
	e1000_csb_mark_clear(&csb->irq_mark);
	csb->enabled = 1;
	WRITE_ONCE(csb->active, features);
	return 0;
}

/*
 * Has the device let go of the block?  Spec section 4: the guest may free
 * it once STATUS reads ACTIVE clear.  A device that reads all-ones (gone,
 * or hung) cannot say so.  Waits up to about 100 STATUS reads.
 */
static bool e1000_csb_mode_released(struct e1000_csb_adapter *adapter)
{
	u32 status;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		status = e1000_csb_mode_rd(adapter, CSB_REG_STATUS);
		if (status == ~0U)
			return false;
		if (!(status & CSB_STATUS_ACTIVE))
			return true;
		usleep_range(10, 20);
	}
	return false;
}

/*
 * Leave CSB mode in software and release the block.  Memory the device
 * may still write is never freed: if the device does not confirm that it
 * stopped using the block, the block is left allocated, counted and
 * logged (a leak of one page beats a host scribbling on a reused one).
 * Process context.
 */
static void e1000_csb_mode_free(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_mode *csb = &adapter->csb;

	WRITE_ONCE(csb->active, 0);
	csb->enabled = 0;
	if (!csb->block)
		return;
	if (e1000_csb_mode_released(adapter)) {
		dma_free_coherent(&adapter->pdev->dev, CSB_SIZE, csb->block,
				  csb->block_dma);
	} else {
		csb->blocks_leaked++;
		netdev_warn(adapter->netdev,
			    "csb: the device did not confirm it stopped using the CSB at %pad; leaving that memory allocated (%llu so far)\n",
			    &csb->block_dma, csb->blocks_leaked);
	}
	csb->block = NULL;
}

/*
 * Disable the CSB with the device running and the data path quiesced: the
 * device copies the last tails into TDT/RDT; the driver writes them again
 * itself (they are its own indices, and a host that dropped the CSB on its
 * own may have missed the last ones).  The block is freed only once the
 * device confirms it is done with it (e1000_csb_mode_free()).
 */
static void e1000_csb_mode_stop(struct e1000_csb_adapter *adapter)
{
	WRITE_ONCE(adapter->csb.active, 0);
	e1000_csb_mode_wr(adapter, CSB_REG_CTRL, 0);
	/* the device's copy of the tails first, then ours over it */
	e1000_csb_mode_released(adapter);
	e1000_csb_wr32(adapter, E1000_TDT,
		       adapter->tx_ring.next_to_use);
	e1000_csb_wr32(adapter, E1000_RDT,
		       adapter->rx_ring.next_to_use);
	e1000_csb_mode_free(adapter);
}

static void e1000_csb_mode_refused(struct e1000_csb_adapter *adapter, int err)
{
	if (err == -EOPNOTSUPP)
		netdev_err(adapter->netdev,
			   "csb: the host refused the CSB (%s); staying in plain mode\n",
			   e1000_csb_mode_strerror(adapter->csb.host_err));
	else
		netdev_err(adapter->netdev,
			   "csb: cannot enable the CSB (%d); staying in plain mode\n",
			   err);
}

/*
 * Switch modes on a running interface: quiesce (NAPI off, then no xmit,
 * the reclaim timer stopped), switch, resume.  Descriptors in flight
 * stay on the rings and complete in the new mode.  Under RTNL.
 */
static int e1000_csb_mode_switch(struct e1000_csb_adapter *adapter, bool on)
{
	struct net_device *netdev = adapter->netdev;
	int err = 0;

	/*
	 * NAPI before the queue: a poll still running cleans TX and restarts
	 * a stopped queue, netif_tx_disable()'s included, and a transmit on
	 * another CPU would then race the switch (a TDT written between the
	 * tail copied into the block and the enable made the device send
	 * the whole ring again).  The reclaim timer, which transmits arm,
	 * last: it only schedules NAPI.
	 */
	napi_disable(&adapter->napi);
	/* an ISR that lost napi_schedule_prep() touches nothing; wait anyway */
	synchronize_irq(adapter->pdev->irq);
	netif_tx_disable(netdev);
	hrtimer_cancel(&adapter->csb.reclaim_timer);

	if (on)
		err = e1000_csb_mode_start(adapter);
	else
		e1000_csb_mode_stop(adapter);
	if (!err)
		adapter->csb.switches++;

	napi_enable(&adapter->napi);
	/* NAPI may have been stopped with the causes masked (plain mode) */
	e1000_csb_irq_enable(adapter);
	e1000_csb_napi_kick(adapter);
	/* as in e1000_csb_up(): with the carrier off the qdisc holds back */
	netif_tx_wake_all_queues(netdev);
	return err;
}

/**
 * e1000_csb_mode_set - the csb private flag: switch modes
 * @adapter: board private structure
 * @on: wanted mode
 *
 * Under RTNL.  On a closed interface the flag only records the wish, and
 * the next open applies it.
 */
int e1000_csb_mode_set(struct e1000_csb_adapter *adapter, bool on)
{
	struct e1000_csb_mode *csb = &adapter->csb;
	struct net_device *netdev = adapter->netdev;
	int err;

	if (on && !csb->offered) {
		netdev_err(netdev,
			   "csb: the host does not offer the CSB extension (no CSB capability on %s); staying in plain mode\n",
			   pci_name(adapter->pdev));
		return -EOPNOTSUPP;
	}
	if (on && csb->major != CSB_VERSION_MAJOR) {
		netdev_err(netdev,
			   "csb: the host offers CSB ABI %u.%u, this driver implements %u.x; staying in plain mode\n",
			   csb->major, csb->minor, CSB_VERSION_MAJOR);
		return -EOPNOTSUPP;
	}

	if (!netif_running(netdev) || e1000_csb_removed(adapter) ||
	    on == !!csb->active)
		return 0;

	err = e1000_csb_mode_switch(adapter, on);
	if (err) {
		e1000_csb_mode_refused(adapter, err);
		return err == -ENOMEM ? err : -EOPNOTSUPP;
	}
	netif_info(adapter, drv, netdev, "csb: %s mode\n",
		   on ? "paravirtual (CSB)" : "plain");
	return 0;
}

/* ---------------- life cycle ---------------- */

/* After the device was (re)programmed by e1000_csb_up(): apply the flag. */
void e1000_csb_mode_up(struct e1000_csb_adapter *adapter)
{
	int err;

	if (!(adapter->priv_flags & E1000_CSB_PFLAG_CSB))
		return;
	err = e1000_csb_mode_start(adapter);
	if (err) {
		e1000_csb_mode_refused(adapter, err);
		adapter->priv_flags &= ~E1000_CSB_PFLAG_CSB;
		return;
	}
	adapter->csb.switches++;
}

/* From e1000_csb_down(), after the device reset dropped the CSB. */
void e1000_csb_mode_down(struct e1000_csb_adapter *adapter)
{
	hrtimer_cancel(&adapter->csb.reclaim_timer);
	e1000_csb_mode_free(adapter);
}

static void e1000_csb_mode_fallback_task(struct work_struct *work)
{
	struct e1000_csb_adapter *adapter =
		container_of(work, struct e1000_csb_adapter, csb.fallback_task);
	struct e1000_csb_mode *csb = &adapter->csb;

	rtnl_lock();
	if (netif_running(adapter->netdev) && csb->active &&
	    !e1000_csb_removed(adapter)) {
		e1000_csb_mode_switch(adapter, false);
		adapter->priv_flags &= ~E1000_CSB_PFLAG_CSB;
		csb->fallbacks++;
		if (net_ratelimit())
			netdev_warn(adapter->netdev,
				    "csb: falling back to plain mode: %s\n",
				    csb->broken_why);
		/*
		 * A host that wrote nonsense into the block may have written
		 * nonsense into the rings too: start over from a reset, in
		 * plain mode now.
		 */
		if (test_bit(E1000_CSB_MODE_RESET, &csb->broken))
			e1000_csb_schedule_reset(adapter);
	}
	clear_bit(E1000_CSB_MODE_RESET, &csb->broken);
	clear_bit(E1000_CSB_MODE_BROKEN, &csb->broken);
	rtnl_unlock();
}

/*
 * Any context: the host misbehaved; leave CSB mode from process context,
 * then reset the device.
 */
void e1000_csb_mode_host_error(struct e1000_csb_adapter *adapter,
			       const char *what, u32 val, u32 count)
{
	struct e1000_csb_mode *csb = &adapter->csb;

	if (test_and_set_bit(E1000_CSB_MODE_BROKEN, &csb->broken))
		return;
	set_bit(E1000_CSB_MODE_RESET, &csb->broken);
	csb->host_errors++;
	snprintf(csb->broken_why, sizeof(csb->broken_why),
		 "host wrote %s = %#x for a ring of %u", what, val, count);
	schedule_work(&csb->fallback_task);
}

static void e1000_csb_mode_rescue(struct e1000_csb_adapter *adapter);

/*
 * The host dropped the CSB on its own (spec section 2: RING, BUSMASTER,
 * ADDR): its STATUS register, @status, says why.  Fall back to plain mode
 * from process context.
 */
static void e1000_csb_mode_dropped(struct e1000_csb_adapter *adapter,
				   u32 status)
{
	struct e1000_csb_mode *csb = &adapter->csb;

	if (test_and_set_bit(E1000_CSB_MODE_BROKEN, &csb->broken))
		return;
	snprintf(csb->broken_why, sizeof(csb->broken_why),
		 "the host dropped the CSB (%s)",
		 e1000_csb_mode_strerror((status & CSB_STATUS_ERR_MASK) >>
				       CSB_STATUS_ERR_SHIFT));
	schedule_work(&csb->fallback_task);
}

/*
 * From the watchdog: whether the host dropped the CSB, the registers tell.
 * One read per period.
 */
void e1000_csb_mode_watchdog(struct e1000_csb_adapter *adapter)
{
	u32 status;

	if (!adapter->csb.active)
		return;
	status = e1000_csb_mode_rd(adapter, CSB_REG_STATUS);
	if (status == ~0U)
		return;
	if (status & CSB_STATUS_ACTIVE)
		e1000_csb_mode_rescue(adapter);
	else
		e1000_csb_mode_dropped(adapter, status);
}

/**
 * e1000_csb_mode_rx_end - how far RX cleaning may go
 * @adapter: board private structure
 * @from: the first descriptor not yet cleaned
 *
 * Returns the first RX descriptor the device has not completed by its own
 * word: in CSB mode the rx_head it published (spec section 7, write-back
 * bound), else next_to_use.  A DD bit set past rx_head is not a completion
 * yet: a host that wrote DD early may still write the frame into that
 * buffer, which must not be in the stack's hands by then.  A head outside
 * @from..next_to_use is a host error: nothing is taken.
 */
u32 e1000_csb_mode_rx_end(struct e1000_csb_adapter *adapter, u32 from)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;
	u32 head, n = ring->count, ntu = ring->next_to_use;

	if (!READ_ONCE(adapter->csb.active))
		return ntu;
	head = le32_to_cpu(READ_ONCE(adapter->csb.block->rx_head));
	/* the head, then the descriptors it passed: the device wrote them
	 * in the other order, with a write barrier between
	 */
	dma_rmb();
	if (head >= n || (head + n - from) % n > (ntu + n - from) % n) {
		e1000_csb_mode_host_error(adapter, "rx_head", head, n);
		return from;
	}
	return head;
}

/*
 * RX cleaning found DD on a descriptor given to the device but past the
 * rx_head it published.  The device may be between the write-back and the
 * head (the next head covers it), may have dropped the CSB (then it
 * publishes no head any more: fall back now, not a watchdog period later,
 * so that nothing waits), or is misbehaving (the descriptor is taken once
 * the head passes it, with whatever the device wrote there by then).
 */
void e1000_csb_mode_rx_ahead(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;
	u32 status;

	e1000_csb_stat_inc(&ring->syncp, &ring->dd_ahead);
	status = e1000_csb_mode_rd(adapter, CSB_REG_STATUS);
	if (status != ~0U && !(status & CSB_STATUS_ACTIVE))
		e1000_csb_mode_dropped(adapter, status);
}

/* ---------------- self-healing (spec section 7) ---------------- */

/* Each check below is judged by two strikes: e1000_csb_mark_stuck(). */

/*
 * TX-G/TX-H: descriptors in flight, the oldest not sent, and no progress
 * since the last check: the host sleeps without having been kicked (a
 * lost wake-up, or a host that lost its own request).
 */
static bool e1000_csb_mode_tx_stuck(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_tx_ring *ring = &adapter->tx_ring;
	struct e1000_csb_tx_buffer *first;
	bool waiting, stuck;
	u32 ntc, upper;

	netif_tx_lock_bh(adapter->netdev);
	ntc = ring->next_to_clean;
	first = &ring->buffers[ntc];
	upper = le32_to_cpu(READ_ONCE(E1000_CSB_TX_DESC(ring, first->eop)->upper));
	waiting = first->skb && !(upper & E1000_TXD_STAT_DD);
	stuck = e1000_csb_mark_stuck(&adapter->csb.tx_mark, waiting, ntc,
				     (u32)u64_stats_read(&ring->packets));
	netif_tx_unlock_bh(adapter->netdev);
	return stuck;
}

/*
 * Requests are checked where they are used; an idle guest uses none, so
 * the watchdog checks them as well (spec section 8).
 */
static bool e1000_csb_mode_requests_bad(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_mode_side side;
	enum e1000_csb_dir dir;

	for (dir = E1000_CSB_DIR_TX; dir <= E1000_CSB_DIR_RX; dir++) {
		e1000_csb_mode_side(adapter, dir, &side);
		if (e1000_csb_mode_req_bad(adapter, &side,
					   le32_to_cpu(READ_ONCE(*side.kick_req))))
			return true;
	}
	return false;
}

/* RX-G/RX-H: the host is starved although the buffers it needs are there. */
static bool e1000_csb_mode_rx_stuck(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;
	struct e1000_csb_mode *csb = &adapter->csb;
	u32 req, head, tail = READ_ONCE(ring->csb.published);

	req = le32_to_cpu(READ_ONCE(csb->block->rx_kick));
	head = le32_to_cpu(READ_ONCE(csb->block->rx_head));
	return e1000_csb_mark_stuck(&csb->rx_mark,
				    csb_notify_valid(req, ring->count) &&
				    head < ring->count &&
				    csb_need_notify(req & CSB_INDEX_MASK,
						    head, tail, ring->count),
				    tail, (u32)u64_stats_read(&ring->packets));
}

/* IRQ-G/IRQ-H: a received frame waits and no poll came for it. */
static bool e1000_csb_mode_irq_stuck(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;
	u32 ntc = READ_ONCE(ring->next_to_clean);
	u32 head = le32_to_cpu(READ_ONCE(adapter->csb.block->rx_head));

	return e1000_csb_mark_stuck(&adapter->csb.irq_mark,
				    head < ring->count && head != ntc,
				    ntc, (u32)u64_stats_read(&ring->packets));
}

/*
 * What a completions rescue found, for whoever reads the log: where the
 * device's head and the driver's cleaning stand, whether a frame really
 * waits there (DD), the RX request, and NAPI's state bits.
 */
static void e1000_csb_mode_irq_stuck_log(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;
	u32 ntc = READ_ONCE(ring->next_to_clean);
	struct e1000_csb_rx_desc *desc = E1000_CSB_RX_DESC(ring, ntc);

	if (net_ratelimit())
		netdev_warn(adapter->netdev,
			    "csb: rescue: rx_head %u, next_to_clean %u (DD %u), rx_irq 0x%08x, tx_irq 0x%08x, napi state 0x%lx\n",
			    le32_to_cpu(READ_ONCE(adapter->csb.block->rx_head)),
			    ntc, !!(READ_ONCE(desc->status) & E1000_RXD_STAT_DD),
			    le32_to_cpu(READ_ONCE(adapter->csb.block->rx_irq)),
			    le32_to_cpu(READ_ONCE(adapter->csb.block->tx_irq)),
			    READ_ONCE(adapter->napi.state));
}

/* Count a rescue and say which handshake stalled (rate-limited). */
static void e1000_csb_mode_rescued(struct e1000_csb_adapter *adapter,
				   const char *what)
{
	adapter->csb.rescues++;
	if (net_ratelimit())
		netdev_warn(adapter->netdev,
			    "csb: rescue: %s made no progress for a watchdog period\n",
			    what);
}

/*
 * The handshakes make a lost wake-up impossible while their barriers are
 * honoured (e1000_csb_handshake_mb()).  Should a platform break that
 * promise anyway, or the host lose its own request, a ring that made no
 * progress over a whole watchdog period gets its kick or its poll here,
 * counted in csb_rescues; a malformed request found here is a host error
 * as anywhere else.  Takes
 * RTNL (the block cannot go away) only if it is free: down() waits for
 * this work under RTNL.
 */
static void e1000_csb_mode_rescue(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_mode *csb = &adapter->csb;

	if (!rtnl_trylock())
		return;
	if (csb->block && csb->active == CSB_F_ALL &&
	    !e1000_csb_mode_requests_bad(adapter)) {
		if (e1000_csb_mode_tx_stuck(adapter)) {
			e1000_csb_mode_rescued(adapter, "TX (TX-G/TX-H, host not kicked)");
			e1000_csb_mode_wr(adapter, CSB_REG_KICK,
					  CSB_KICK_TX);
		}
		if (e1000_csb_mode_rx_stuck(adapter)) {
			e1000_csb_mode_rescued(adapter, "RX (RX-G/RX-H, buffers given)");
			e1000_csb_mode_wr(adapter, CSB_REG_KICK,
					  CSB_KICK_RX);
		}
		if (e1000_csb_mode_irq_stuck(adapter)) {
			e1000_csb_mode_rescued(adapter, "completions (IRQ-G/IRQ-H)");
			e1000_csb_mode_irq_stuck_log(adapter);
			e1000_csb_napi_kick(adapter);
		}
	}
	rtnl_unlock();
}

static enum hrtimer_restart e1000_csb_mode_reclaim(struct hrtimer *timer)
{
	struct e1000_csb_adapter *adapter =
		container_of(timer, struct e1000_csb_adapter, csb.reclaim_timer);

	adapter->csb.reclaim_timer_runs++;
	napi_schedule(&adapter->napi);
	return HRTIMER_NORESTART;
}

void e1000_csb_mode_init(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_mode *csb = &adapter->csb;

	INIT_WORK(&csb->fallback_task, e1000_csb_mode_fallback_task);
	hrtimer_init(&csb->reclaim_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	csb->reclaim_timer.function = e1000_csb_mode_reclaim;
	if (csb_default && csb->offered)
		adapter->priv_flags |= E1000_CSB_PFLAG_CSB;
}

void e1000_csb_mode_remove(struct e1000_csb_adapter *adapter)
{
	cancel_work_sync(&adapter->csb.fallback_task);
	hrtimer_cancel(&adapter->csb.reclaim_timer);
}

/* ---------------- doorbells (spec sections 5 and 6) ---------------- */

static void e1000_csb_mode_arm_reclaim(struct e1000_csb_adapter *adapter)
{
	struct hrtimer *timer = &adapter->csb.reclaim_timer;

	if (!hrtimer_is_queued(timer))
		hrtimer_start(timer, ns_to_ktime(E1000_CSB_MODE_RECLAIM_NS),
			      HRTIMER_MODE_REL);
}

/* The kick of TX-G or RX-G: a doorbell register write, which traps. */
static void e1000_csb_mode_kick(struct e1000_csb_adapter *adapter,
				enum e1000_csb_dir dir, u32 tail)
{
	if (dir == E1000_CSB_DIR_TX) {
		/* TDT rather than KICK: right in both modes if the host dropped us */
		e1000_csb_wr32(adapter, E1000_TDT, tail);
	} else {
		/* KICK, not RDT: RDT writes are batched under KVM's coalesced MMIO */
		__e1000_csb_wr32(adapter, adapter->csb.regs + CSB_REG_KICK,
				 CSB_KICK_RX, E1000_CSB_RCLASS_DOORBELL);
	}
}

/**
 * e1000_csb_mode_publish - publish a ring's tail in the CSB, kick if needed
 * @adapter: board private structure
 * @dir: which ring; for TX the caller holds the TX queue lock, for RX it
 *	owns NAPI (or the device is quiesced)
 */
void e1000_csb_mode_publish(struct e1000_csb_adapter *adapter,
			    enum e1000_csb_dir dir)
{
	struct e1000_csb_mode_side side;
	u32 old, new, req;
	bool kick;

	e1000_csb_mode_side(adapter, dir, &side);
	old = side.rc->published;
	new = *side.next_to_use;
	if (old == new)
		return;

	/* the (refilled) descriptors before the tail that hands them over */
	virt_wmb();
	WRITE_ONCE(*side.tail, cpu_to_le32(new));
	side.rc->published = new;
	/*
	 * Handshake TX-G (spec section 5) or RX-G (section 6): tail stored,
	 * full barrier, then tx_kick or rx_kick loaded.  TX-G pairs with TX-H
	 * in the device's TX thread, which stores tx_kick, barriers and
	 * re-reads tx_tail before sleeping; RX-G pairs with RX-H in the
	 * device, which stores rx_kick when starved, barriers and re-reads
	 * rx_tail.
	 */
	e1000_csb_handshake_mb();
	req = le32_to_cpu(READ_ONCE(*side.kick_req));

	/* a malformed request is the host's error; kick anyway */
	kick = req & CSB_NOTIFY;
	if (kick && !e1000_csb_mode_req_bad(adapter, &side, req))
		kick = csb_need_notify(req & CSB_INDEX_MASK, old, new,
				       side.count);

	if (req & CSB_NOTIFY)
		e1000_csb_stat_inc(side.syncp, &side.rc->kick_requests);
	e1000_csb_stat_inc(side.syncp, kick ? &side.rc->kicks :
			   &side.rc->kicks_avoided);

	if (kick)
		e1000_csb_mode_kick(adapter, dir, new);
	if (dir == E1000_CSB_DIR_TX)
		e1000_csb_mode_arm_reclaim(adapter);
}

/* ---------------- interrupt requests (spec section 7) ---------------- */

static bool e1000_csb_mode_tx_desc_done(struct e1000_csb_tx_ring *ring, u32 i)
{
	return le32_to_cpu(READ_ONCE(E1000_CSB_TX_DESC(ring, i)->upper)) &
	       E1000_TXD_STAT_DD;
}

/*
 * Where to ask for the TX interrupt: at the end of the packet that
 * completes three quarters of what is in flight.  The guest then refills
 * while the device still has a quarter of the ring to send; asking for
 * the last descriptor instead left the device idle (its thread polling
 * an empty ring) from the last frame until the guest had refilled.  The
 * index must end a packet: only those have RS, so only their DD is
 * written back for the re-check.  Packets lie back to back from
 * next_to_clean, each first buffer knowing its last descriptor.
 */
static u32 e1000_csb_mode_tx_irq_point(struct e1000_csb_tx_ring *ring)
{
	u32 n = ring->count, ntc = ring->next_to_clean;
	u32 in_flight = (ring->next_to_use + n - ntc) % n;
	u32 want = in_flight - in_flight / 4, i = ntc, eop = ntc, hops;

	for (hops = 0; hops < n; hops++) {
		eop = ring->buffers[i].eop;
		if ((eop + n - ntc) % n + 1 >= want)
			break;
		i = eop + 1 == n ? 0 : eop + 1;
	}
	return eop;
}

/*
 * Ask for a TX interrupt once about three quarters of what is queued are
 * sent (e1000_csb_mode_tx_irq_point()); the DD bit of that packet's last
 * descriptor is the re-check.  Returns true if it is already done (no
 * interrupt will come; the caller reclaims).  Under the TX queue lock.
 */
static bool e1000_csb_mode_tx_request(struct e1000_csb_adapter *adapter,
				      struct e1000_csb_tx_ring *ring)
{
	u32 last;

	if (ring->next_to_clean == ring->next_to_use)
		return false;
	last = e1000_csb_mode_tx_irq_point(ring);
	WRITE_ONCE(adapter->csb.block->tx_irq,
		   cpu_to_le32(CSB_NOTIFY | last));
	e1000_csb_stat_inc(&ring->syncp, &ring->csb.irq_requests);
	/*
	 * Handshake IRQ-G (spec section 7): request stored, full barrier,
	 * then the descriptor loaded.  Pairs with IRQ-H in the device, which
	 * stores tx_head, barriers and then loads tx_irq.
	 */
	e1000_csb_handshake_mb();
	if (!e1000_csb_mode_tx_desc_done(ring, last))
		return false;
	WRITE_ONCE(adapter->csb.block->tx_irq, 0);
	return true;
}

/*
 * The queue is stopped: ask for a TX interrupt.  While the device has
 * already passed the requested point, reclaim and ask again: a request
 * names a point three quarters in, so reclaiming up to it may leave the
 * queue stopped with descriptors in flight that no interrupt and no
 * timer would then cover (model/irq_tx.pml found that stall, mutation
 * ONE_RECLAIM).  A met request that let nothing be reclaimed (DD at the
 * point, not yet before it: a device that reorders its write-backs, or
 * lies) leaves it to the reclaim timer, so a host cannot keep us here.
 * Once the queue runs again, the timer covers what is still in flight;
 * with nothing in flight it has nothing to cover and is cancelled (a
 * request-response stream, whose replies' NAPI polls reclaim each
 * request, then takes no timer interrupt per packet).  Transmits, which
 * arm it again, hold the same lock.  Counts each reclaim in @reclaims,
 * if given.  Under the TX queue lock.
 */
static void e1000_csb_mode_tx_wait(struct e1000_csb_adapter *adapter,
				   struct e1000_csb_tx_ring *ring,
				   u64_stats_t *reclaims)
{
	struct netdev_queue *txq = netdev_get_tx_queue(ring->netdev, 0);
	u32 ntc;

	while (netif_xmit_stopped(txq) &&
	       e1000_csb_mode_tx_request(adapter, ring)) {
		ntc = ring->next_to_clean;
		e1000_csb_tx_clean(adapter, 0);
		if (reclaims)
			e1000_csb_stat_inc(&ring->syncp, reclaims);
		if (ring->next_to_clean == ntc) {
			e1000_csb_mode_arm_reclaim(adapter);
			break;
		}
	}
	if (netif_xmit_stopped(txq))
		return;
	if (ring->next_to_clean != ring->next_to_use)
		e1000_csb_mode_arm_reclaim(adapter);
	else
		hrtimer_try_to_cancel(&adapter->csb.reclaim_timer);
}

/**
 * e1000_csb_mode_tx_stopped - the TX queue stopped (ring full or BQL)
 * @adapter: board private structure
 * @ring: the TX ring; caller holds the TX queue lock
 *
 * Only now is a TX interrupt worth its cost: request one, and reclaim right
 * away if the device got that far meanwhile.
 */
void e1000_csb_mode_tx_stopped(struct e1000_csb_adapter *adapter,
			       struct e1000_csb_tx_ring *ring)
{
	e1000_csb_mode_tx_wait(adapter, ring, &ring->csb_xmit_reclaims);
}

/**
 * e1000_csb_mode_tx_poll_done - NAPI finished cleaning TX
 * @adapter: board private structure
 * @ring: the TX ring; caller holds the TX queue lock
 *
 * The ISR withdrew the TX request when it scheduled NAPI: restore it if the
 * queue is still stopped; otherwise let the reclaim timer cover what is
 * still in flight.
 */
void e1000_csb_mode_tx_poll_done(struct e1000_csb_adapter *adapter,
				 struct e1000_csb_tx_ring *ring)
{
	e1000_csb_mode_tx_wait(adapter, ring, NULL);
}

/* ISR, having won napi_schedule_prep(): no TX/RX interrupts while polling. */
void e1000_csb_mode_irq_off(struct e1000_csb_adapter *adapter)
{
	struct csb_block *block = adapter->csb.block;

	WRITE_ONCE(block->rx_irq, 0);
	WRITE_ONCE(block->tx_irq, 0);
}

/**
 * e1000_csb_mode_irq_rearm - NAPI is about to complete: ask for the next RX
 * interrupt
 * @adapter: board private structure
 *
 * Called by the NAPI owner before napi_complete_done().  Returns true if a
 * frame arrived before the device could see the request (the caller polls
 * again).  With no buffer handed to the device there is nothing to look
 * at: a DD there would be the host's error, which RX cleaning reports.
 */
bool e1000_csb_mode_irq_rearm(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;
	struct csb_block *block = adapter->csb.block;

	WRITE_ONCE(block->rx_irq,
		   cpu_to_le32(CSB_NOTIFY | ring->next_to_clean));
	e1000_csb_stat_inc(&ring->syncp, &ring->csb.irq_requests);
	/*
	 * Handshake IRQ-G (spec section 7): request stored, full barrier,
	 * then rx_head loaded.  Pairs with IRQ-H in the device (descriptors
	 * written back with DD, rx_head stored, barrier, rx_irq loaded): the
	 * device sees the request or we see the head past next_to_clean.
	 */
	e1000_csb_handshake_mb();
	if (e1000_csb_mode_rx_end(adapter, ring->next_to_clean) ==
	    ring->next_to_clean)
		return false;
	WRITE_ONCE(block->rx_irq, 0);
	return true;
}
