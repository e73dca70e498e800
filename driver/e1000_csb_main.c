// SPDX-License-Identifier: GPL-2.0
/*
 * e1000_csb: PCI glue, net_device operations, interrupt handling, NAPI,
 * watchdog/reset work and power management.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/interrupt.h>
#include <linux/etherdevice.h>
#include <linux/dma-mapping.h>
#include <linux/rtnetlink.h>
#include <linux/pm.h>
#include <linux/vmalloc.h>

#include "e1000_csb.h"

#define E1000_CSB_DEFAULT_MSG_ENABLE \
	(NETIF_MSG_DRV | NETIF_MSG_PROBE | NETIF_MSG_LINK)

static int debug = -1;
module_param(debug, int, 0444);
MODULE_PARM_DESC(debug, "netif message level (-1 = driver default)");

static unsigned int rx_usecs;
module_param(rx_usecs, uint, 0444);
MODULE_PARM_DESC(rx_usecs,
		 "Initial interrupt throttling interval in microseconds (ITR, 82540/82545 only; 0 = off)");

/*
 * Only QEMU's 8254x models, recognised by the PCI subsystem ids QEMU gives
 * every device that does not set its own (hw/pci/pci.c).  Any other 8254x
 * (another hypervisor's, a real board) stays with the in-kernel e1000
 * unless the administrator hands it over (new_id, driver_override).
 */
#define E1000_CSB_QEMU_DEVICE(dev)					\
	PCI_DEVICE_SUB(PCI_VENDOR_ID_INTEL, (dev),			\
		       PCI_SUBVENDOR_ID_REDHAT_QUMRANET, PCI_SUBDEVICE_ID_QEMU)

static const struct pci_device_id e1000_csb_pci_tbl[] = {
	{ E1000_CSB_QEMU_DEVICE(E1000_DEV_ID_82540EM) },
	{ E1000_CSB_QEMU_DEVICE(E1000_DEV_ID_82545EM_COPPER) },
	{ E1000_CSB_QEMU_DEVICE(E1000_DEV_ID_82544GC_COPPER) },
	{ }
};
MODULE_DEVICE_TABLE(pci, e1000_csb_pci_tbl);

/* ---------------- interrupt and NAPI ---------------- */

/*
 * Legacy INTx, level triggered and possibly shared.  Reading ICR
 * acknowledges (clears) all causes and so deasserts the line; an ICR of
 * zero means the interrupt was not ours.  ICR is read even while the
 * interface is going down: returning without acknowledging a cause would
 * leave the line asserted and the handler re-entered forever.
 */
irqreturn_t e1000_csb_intr(int irq, void *data)
{
	struct e1000_csb_adapter *adapter = data;
	bool mine;
	u32 icr;

	icr = e1000_csb_irq_read_cause(adapter);
	if (!icr) {
		adapter->irq_none++;
		return IRQ_NONE;
	}
	if (unlikely(icr == ~0U)) {
		/* e1000_csb_rd32() already ran the removal check */
		return IRQ_NONE;
	}
	/*
	 * Spec section 7: only icr & IMS makes the interrupt ours.  Causes
	 * that NAPI masked while it polls still mean work for that poll
	 * (napi_schedule_prep() below asks it to run again).
	 */
	mine = icr & READ_ONCE(adapter->ims_live);
	if (mine)
		adapter->irq_count++;
	else
		adapter->irq_none++;
	if (!(icr & adapter->ims))
		return IRQ_NONE;

	if (unlikely(test_bit(E1000_CSB_STATE_DOWN, &adapter->state)))
		return mine ? IRQ_HANDLED : IRQ_NONE;

	if (icr & (E1000_INT_LSC | E1000_INT_RXSEQ))
		mod_delayed_work(system_wq, &adapter->watchdog, 0);

	if (napi_schedule_prep(&adapter->napi)) {
		/* CSB mode: withdraw the interrupt requests, no IMC trap */
		if (e1000_csb_mode_on(adapter, CSB_F_IRQ))
			e1000_csb_mode_irq_off(adapter);
		else
			e1000_csb_irq_disable(adapter);
		__napi_schedule(&adapter->napi);
	}
	return mine ? IRQ_HANDLED : IRQ_NONE;
}

/*
 * TX completions are reclaimed under the TX queue lock, because in CSB mode
 * the xmit path reclaims too.  netpoll (budget 0) may run while this CPU
 * holds that lock in xmit: it only tries.
 *
 * netpoll needs no ndo_poll_controller: netpoll_poll_dev() calls this poll
 * with budget 0 whether or not NAPI is scheduled, which reclaims the TX
 * ring with interrupts off; receive work waits for the next real poll.
 */
static bool e1000_csb_poll_tx(struct e1000_csb_adapter *adapter, int budget)
{
	struct netdev_queue *txq = netdev_get_tx_queue(adapter->netdev, 0);
	bool done;

	if (!budget) {
		if (!__netif_tx_trylock(txq))
			return true;
	} else {
		__netif_tx_lock(txq, smp_processor_id());
	}
	done = e1000_csb_tx_clean(adapter, budget);
	if (done && e1000_csb_mode_on(adapter, CSB_F_IRQ))
		e1000_csb_mode_tx_poll_done(adapter, &adapter->tx_ring);
	__netif_tx_unlock(txq);
	return done;
}

static int e1000_csb_poll(struct napi_struct *napi, int budget)
{
	struct e1000_csb_adapter *adapter =
		container_of(napi, struct e1000_csb_adapter, napi);
	bool csb_irq = e1000_csb_mode_on(adapter, CSB_F_IRQ);
	int work;

	if (!e1000_csb_poll_tx(adapter, budget))
		return budget;
	work = e1000_csb_rx_clean(adapter, budget);
	if (work >= budget)
		return budget;

	/*
	 * CSB mode: re-arm the RX interrupt request and re-check (IRQ-G)
	 * while this poll still owns NAPI, so that no other poll (an
	 * interrupt or the reclaim timer on another CPU) can store a newer
	 * request that ours would then overwrite with a stale index.  An
	 * interrupt that comes between here and napi_complete_done() finds
	 * NAPI busy and makes napi_complete_done() poll again.
	 */
	if (csb_irq && !test_bit(E1000_CSB_STATE_DOWN, &adapter->state) &&
	    e1000_csb_mode_irq_rearm(adapter))
		return budget;

	if (napi_complete_done(napi, work) && !csb_irq &&
	    !test_bit(E1000_CSB_STATE_DOWN, &adapter->state))
		e1000_csb_irq_enable(adapter);
	return work;
}

/* ---------------- link / watchdog ---------------- */

static void e1000_csb_update_link(struct e1000_csb_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;
	u32 speed = 0;
	u8 duplex = 0;
	bool up;

	up = e1000_csb_hw_link_status(adapter, &speed, &duplex);
	if (up == adapter->link_up && (!up || (speed == adapter->link_speed &&
					       duplex == adapter->link_duplex)))
		return;

	adapter->link_up = up;
	adapter->link_speed = up ? speed : SPEED_UNKNOWN;
	adapter->link_duplex = up ? duplex : DUPLEX_UNKNOWN;
	if (up) {
		netif_info(adapter, link, netdev, "Link is Up %u Mbps %s Duplex\n",
			   speed, duplex == DUPLEX_FULL ? "Full" : "Half");
		netif_carrier_on(netdev);
	} else {
		netif_info(adapter, link, netdev, "Link is Down\n");
		netif_carrier_off(netdev);
	}
}

static void e1000_csb_watchdog_task(struct work_struct *work)
{
	struct e1000_csb_adapter *adapter =
		container_of(to_delayed_work(work), struct e1000_csb_adapter,
			     watchdog);
	struct e1000_csb_rx_ring *rx = &adapter->rx_ring;

	if (test_bit(E1000_CSB_STATE_DOWN, &adapter->state) ||
	    e1000_csb_removed(adapter))
		return;

	e1000_csb_update_link(adapter);
	e1000_csb_hw_update_stats(adapter);
	e1000_csb_mode_watchdog(adapter);

	/* receive ring starved by allocation failures: let NAPI refill */
	if (e1000_csb_rx_unused(rx) > rx->count / 2)
		e1000_csb_napi_kick(adapter);

	if (!test_bit(E1000_CSB_STATE_DOWN, &adapter->state) &&
	    !e1000_csb_removed(adapter))
		schedule_delayed_work(&adapter->watchdog,
				      E1000_CSB_WATCHDOG_PERIOD);
}

/* ---------------- bring-up / tear-down ---------------- */

/**
 * e1000_csb_up - program the device and start traffic
 * @adapter: board private structure
 *
 * Rings must be allocated and the IRQ requested.  Called under RTNL.
 */
int e1000_csb_up(struct e1000_csb_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;
	int err;

	err = e1000_csb_hw_reset(adapter);
	if (err)
		return err;
	if (e1000_csb_hw_init_link(adapter) && !e1000_csb_removed(adapter))
		netdev_warn(netdev, "cannot program the PHY, keeping its settings\n");
	e1000_csb_hw_set_rar(adapter, 0, netdev->dev_addr);

	e1000_csb_tx_configure(adapter);
	e1000_csb_rx_configure(adapter);
	e1000_csb_mode_up(adapter);

	adapter->link_up = false;
	clear_bit(E1000_CSB_STATE_DOWN, &adapter->state);
	napi_enable(&adapter->napi);
	e1000_csb_irq_enable(adapter);
	netif_start_queue(netdev);
	/*
	 * In CSB mode, frames that arrived before the RX request was armed
	 * raised no interrupt: one poll finds them and re-arms (IRQ-G).
	 */
	if (e1000_csb_mode_on(adapter, CSB_F_IRQ))
		e1000_csb_napi_kick(adapter);

	/* report the link state right away */
	mod_delayed_work(system_wq, &adapter->watchdog, 0);
	return 0;
}

/**
 * e1000_csb_down - stop traffic and quiesce the device
 * @adapter: board private structure
 *
 * Frees all buffers still on the rings.  Called under RTNL.
 */
void e1000_csb_down(struct e1000_csb_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;

	if (test_and_set_bit(E1000_CSB_STATE_DOWN, &adapter->state))
		return;

	netif_carrier_off(netdev);
	adapter->link_up = false;

	/* stop the sources of new work: receive and interrupts */
	e1000_csb_wr32(adapter, E1000_RCTL, 0);
	adapter->rctl = 0;
	e1000_csb_irq_disable(adapter);
	e1000_csb_flush(adapter);
	synchronize_irq(adapter->pdev->irq);

	/*
	 * NAPI before the queue: a poll that checked STATE_DOWN before we set
	 * it may still restart the queue (see e1000_csb_mode_switch()).
	 */
	napi_disable(&adapter->napi);
	netif_tx_disable(netdev);
	cancel_delayed_work_sync(&adapter->watchdog);

	/* collect the last statistics (a real 8254x reset would clear them) */
	e1000_csb_hw_update_stats(adapter);
	e1000_csb_hw_reset(adapter);
	/* the reset dropped the CSB: the block can go */
	e1000_csb_mode_down(adapter);

	e1000_csb_tx_clean_all(adapter);
	e1000_csb_rx_clean_all(adapter);
}

static int e1000_csb_open(struct net_device *netdev)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	int err;

	if (e1000_csb_removed(adapter))
		return -ENODEV;

	netif_carrier_off(netdev);

	err = e1000_csb_rings_alloc(adapter);
	if (err)
		return err;

	err = request_irq(adapter->pdev->irq, e1000_csb_intr, IRQF_SHARED,
			  netdev->name, adapter);
	if (err) {
		netdev_err(netdev, "cannot request IRQ %d: %d\n",
			   adapter->pdev->irq, err);
		goto err_free_rings;
	}

	err = e1000_csb_up(adapter);
	if (err)
		goto err_free_irq;
	return 0;

err_free_irq:
	free_irq(adapter->pdev->irq, adapter);
err_free_rings:
	e1000_csb_tx_clean_all(adapter);
	e1000_csb_rx_clean_all(adapter);
	e1000_csb_rings_free(adapter);
	return err;
}

static int e1000_csb_close(struct net_device *netdev)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	e1000_csb_down(adapter);
	free_irq(adapter->pdev->irq, adapter);
	e1000_csb_rings_free(adapter);
	return 0;
}

static void e1000_csb_reset_task(struct work_struct *work)
{
	struct e1000_csb_adapter *adapter =
		container_of(work, struct e1000_csb_adapter, reset_task);
	struct net_device *netdev = adapter->netdev;
	int err;

	rtnl_lock();
	if (!netif_running(netdev) || e1000_csb_removed(adapter))
		goto out;

	netif_info(adapter, drv, netdev, "resetting the device\n");
	adapter->resets++;
	e1000_csb_down(adapter);
	err = e1000_csb_up(adapter);
	if (err) {
		netdev_err(netdev, "reset failed (%d), closing the interface\n",
			   err);
		dev_close(netdev);
	}
out:
	rtnl_unlock();
}

static void e1000_csb_tx_timeout(struct net_device *netdev,
				 unsigned int txqueue)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	struct e1000_csb_tx_ring *ring = &adapter->tx_ring;

	adapter->tx_timeouts++;
	netdev_warn(netdev,
		    "transmit timeout: next_to_use %u next_to_clean %u TDH %u TDT %u\n",
		    ring->next_to_use, ring->next_to_clean,
		    e1000_csb_rd32(adapter, E1000_TDH),
		    e1000_csb_rd32(adapter, E1000_TDT));
	e1000_csb_schedule_reset(adapter);
}

/* ---------------- other net_device operations ---------------- */

static void e1000_csb_get_stats64(struct net_device *netdev,
				  struct rtnl_link_stats64 *stats)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	struct e1000_csb_tx_ring *tx = &adapter->tx_ring;
	struct e1000_csb_rx_ring *rx = &adapter->rx_ring;
	u64 crc, align, rxerr, rlec, ruc, roc, frame_err;
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&tx->syncp);
		stats->tx_packets = u64_stats_read(&tx->packets);
		stats->tx_bytes = u64_stats_read(&tx->bytes);
		stats->tx_dropped = u64_stats_read(&tx->dropped);
	} while (u64_stats_fetch_retry(&tx->syncp, start));

	do {
		start = u64_stats_fetch_begin(&rx->syncp);
		stats->rx_packets = u64_stats_read(&rx->packets);
		stats->rx_bytes = u64_stats_read(&rx->bytes);
		stats->rx_dropped = u64_stats_read(&rx->dropped);
		frame_err = u64_stats_read(&rx->frame_err);
	} while (u64_stats_fetch_retry(&rx->syncp, start));

	crc = e1000_csb_hw_stat_get(adapter, E1000_CRCERRS);
	align = e1000_csb_hw_stat_get(adapter, E1000_ALGNERRC);
	rxerr = e1000_csb_hw_stat_get(adapter, E1000_RXERRC);
	rlec = e1000_csb_hw_stat_get(adapter, E1000_RLEC);
	ruc = e1000_csb_hw_stat_get(adapter, E1000_RUC);
	roc = e1000_csb_hw_stat_get(adapter, E1000_ROC);

	stats->rx_crc_errors = crc;
	stats->rx_frame_errors = align;
	stats->rx_length_errors = rlec + ruc + roc;
	stats->rx_missed_errors = e1000_csb_hw_stat_get(adapter, E1000_MPC);
	stats->rx_errors = crc + align + rxerr + rlec + ruc + roc + frame_err;
	stats->multicast = e1000_csb_hw_stat_get(adapter, E1000_MPRC);
	stats->collisions = e1000_csb_hw_stat_get(adapter, E1000_COLC);
	stats->tx_aborted_errors = e1000_csb_hw_stat_get(adapter,
							 E1000_ECOL);
	stats->tx_window_errors = e1000_csb_hw_stat_get(adapter,
							E1000_LATECOL);
	stats->tx_carrier_errors = e1000_csb_hw_stat_get(adapter,
							 E1000_TNCRS);
	stats->tx_errors = stats->tx_aborted_errors + stats->tx_window_errors +
			   stats->tx_carrier_errors;
}

static int e1000_csb_set_mac(struct net_device *netdev, void *p)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	struct sockaddr *addr = p;

	if (!is_valid_ether_addr(addr->sa_data))
		return -EADDRNOTAVAIL;

	eth_hw_addr_set(netdev, addr->sa_data);
	/* RAR0 is the station address; also (re)written on every up */
	e1000_csb_hw_set_rar(adapter, 0, netdev->dev_addr);
	return 0;
}

static int e1000_csb_change_mtu(struct net_device *netdev, int new_mtu)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	netif_info(adapter, drv, netdev, "changing MTU from %u to %d\n",
		   netdev->mtu, new_mtu);
	WRITE_ONCE(netdev->mtu, new_mtu);

	/*
	 * Receive buffers are 4 KiB and frames may span descriptors, so only
	 * the long-packet enable bit depends on the MTU.
	 */
	if (netif_running(netdev)) {
		netif_addr_lock_bh(netdev);
		e1000_csb_rx_set_lpe(adapter);
		netif_addr_unlock_bh(netdev);
	}
	return 0;
}

static netdev_features_t e1000_csb_fix_features(struct net_device *netdev,
						netdev_features_t features)
{
	/* segmentation offload needs the checksum engine and gather DMA */
	if (!(features & NETIF_F_HW_CSUM) || !(features & NETIF_F_SG))
		features &= ~NETIF_F_TSO;
	return features;
}

static int e1000_csb_set_features(struct net_device *netdev,
				  netdev_features_t features)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	netdev_features_t changed = netdev->features ^ features;

	netdev->features = features;

	if (!netif_running(netdev) || e1000_csb_removed(adapter))
		return 1;

	if (changed & NETIF_F_RXCSUM)
		e1000_csb_wr32(adapter, E1000_RXCSUM,
			       (features & NETIF_F_RXCSUM) ?
			       E1000_RXCSUM_IPOFL | E1000_RXCSUM_TUOFL :
			       0);
	if (changed & NETIF_F_RXALL) {
		netif_addr_lock_bh(netdev);
		e1000_csb_rx_set_lpe(adapter);
		netif_addr_unlock_bh(netdev);
	}
	return 1;
}

static const struct net_device_ops e1000_csb_netdev_ops = {
	.ndo_open		= e1000_csb_open,
	.ndo_stop		= e1000_csb_close,
	.ndo_start_xmit		= e1000_csb_xmit_frame,
	.ndo_features_check	= e1000_csb_features_check,
	.ndo_get_stats64	= e1000_csb_get_stats64,
	.ndo_set_rx_mode	= e1000_csb_set_rx_mode,
	.ndo_set_mac_address	= e1000_csb_set_mac,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_change_mtu		= e1000_csb_change_mtu,
	.ndo_tx_timeout		= e1000_csb_tx_timeout,
	.ndo_fix_features	= e1000_csb_fix_features,
	.ndo_set_features	= e1000_csb_set_features,
};

/* ---------------- PCI probe / remove ---------------- */

static const char *e1000_csb_model(const struct e1000_csb_adapter *adapter)
{
	switch (adapter->mac_type) {
	case E1000_CSB_MAC_82544:
		return "82544GC";
	case E1000_CSB_MAC_82540:
		return "82540EM";
	case E1000_CSB_MAC_82545:
		return "82545EM";
	}
	return "8254x";
}

/* Enable the PCI function: memory decoding, DMA mask, BAR 0, mastering. */
static int e1000_csb_pci_init(struct pci_dev *pdev)
{
	int err;

	err = pci_enable_device_mem(pdev);
	if (err)
		return err;

	/* the 8254x does 64-bit (dual address cycle) DMA */
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (err) {
		dev_err(&pdev->dev, "no usable DMA configuration\n");
		goto err_disable;
	}

	err = pci_request_mem_regions(pdev, E1000_CSB_DRV_NAME);
	if (err)
		goto err_disable;
	pci_set_master(pdev);
	return 0;

err_disable:
	pci_disable_device(pdev);
	return err;
}

/* The adapter's software state before the device is touched. */
static void e1000_csb_adapter_init(struct e1000_csb_adapter *adapter,
				   struct net_device *netdev,
				   struct pci_dev *pdev)
{
	adapter->netdev = netdev;
	adapter->pdev = pdev;
	adapter->msg_enable = netif_msg_init(debug,
					     E1000_CSB_DEFAULT_MSG_ENABLE);
	adapter->tx_ring_count = E1000_CSB_DEFAULT_TXD;
	adapter->rx_ring_count = E1000_CSB_DEFAULT_RXD;
	adapter->link_speed = SPEED_UNKNOWN;
	adapter->link_duplex = DUPLEX_UNKNOWN;
	adapter->ims = E1000_INT_TXDW | E1000_INT_LSC |
		       E1000_INT_RXSEQ | E1000_INT_RXDMT0 |
		       E1000_INT_RXO | E1000_INT_RXT0;
	spin_lock_init(&adapter->stats_lock);
	mutex_init(&adapter->stats_mutex);
	e1000_csb_rings_init(adapter);
	INIT_DELAYED_WORK(&adapter->watchdog, e1000_csb_watchdog_task);
	INIT_WORK(&adapter->reset_task, e1000_csb_reset_task);
	set_bit(E1000_CSB_STATE_DOWN, &adapter->state);
	e1000_csb_hw_link_defaults(adapter);
}

/* Operations, NAPI, features and MTU range of the net_device. */
static void e1000_csb_netdev_init(struct e1000_csb_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;

	netdev->netdev_ops = &e1000_csb_netdev_ops;
	e1000_csb_set_ethtool_ops(netdev);
	netdev->watchdog_timeo = 5 * HZ;
	netif_napi_add(netdev, &adapter->napi, e1000_csb_poll);

	netdev->hw_features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO |
			      NETIF_F_RXCSUM | NETIF_F_RXALL;
	netdev->features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO |
			   NETIF_F_RXCSUM | NETIF_F_HIGHDMA;
	netdev->vlan_features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO |
				NETIF_F_HIGHDMA;
	netdev->priv_flags |= IFF_UNICAST_FLT;
	netdev->min_mtu = ETH_MIN_MTU;
	netdev->max_mtu = E1000_CSB_MAX_MTU;
}

/* What was found, in the log. */
static void e1000_csb_probe_report(struct e1000_csb_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;
	struct pci_dev *pdev = adapter->pdev;

	netif_info(adapter, probe, netdev,
		   "Intel %s (rev %u) at %s, MAC %pM, IRQ %d%s\n",
		   e1000_csb_model(adapter), adapter->revision,
		   pci_name(pdev), netdev->dev_addr, pdev->irq,
		   adapter->eeprom_ok ? "" : " (EEPROM invalid)");
	if (adapter->csb.offered)
		netif_info(adapter, probe, netdev,
			   "host offers the CSB extension %u.%u (features %#x)%s\n",
			   adapter->csb.major, adapter->csb.minor,
			   adapter->csb.features,
			   (adapter->priv_flags & E1000_CSB_PFLAG_CSB) ?
			   ", enabled at open" : "");
}

static int e1000_csb_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct e1000_csb_adapter *adapter;
	struct net_device *netdev;
	int err;

	err = e1000_csb_pci_init(pdev);
	if (err)
		return err;

	netdev = alloc_etherdev(sizeof(*adapter));
	if (!netdev) {
		err = -ENOMEM;
		goto err_release;
	}
	SET_NETDEV_DEV(netdev, &pdev->dev);
	pci_set_drvdata(pdev, netdev);
	adapter = netdev_priv(netdev);
	e1000_csb_adapter_init(adapter, netdev, pdev);

	adapter->regcnt = alloc_percpu(struct e1000_csb_reg_counters);
	if (!adapter->regcnt) {
		err = -ENOMEM;
		goto err_free_netdev;
	}

	adapter->io_base = pci_ioremap_bar(pdev, 0);
	if (!adapter->io_base) {
		dev_err(&pdev->dev, "cannot map BAR 0\n");
		err = -EIO;
		goto err_free_percpu;
	}
	adapter->hw_addr = adapter->io_base;

	err = e1000_csb_hw_identify(adapter);
	if (err)
		goto err_unmap;
	e1000_csb_mode_probe(adapter);
	e1000_csb_mode_init(adapter);

	adapter->rx_usecs = e1000_csb_hw_has_itr(adapter) ?
			    min_t(u32, rx_usecs, E1000_CSB_ITR_MAX_USECS) : 0;

	e1000_csb_netdev_init(adapter);

	err = e1000_csb_hw_reset(adapter);
	if (err) {
		dev_err(&pdev->dev, "device reset failed: %d\n", err);
		goto err_napi;
	}
	err = e1000_csb_read_mac_addr(adapter);
	if (err)
		goto err_napi;
	e1000_csb_hw_stats_init(adapter);

	netif_carrier_off(netdev);
	err = register_netdev(netdev);
	if (err)
		goto err_napi;

	e1000_csb_debugfs_add(adapter);
	e1000_csb_probe_report(adapter);
	return 0;

err_napi:
	netif_napi_del(&adapter->napi);
err_unmap:
	iounmap(adapter->io_base);
err_free_percpu:
	free_percpu(adapter->regcnt);
err_free_netdev:
	free_netdev(netdev);
err_release:
	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);
	return err;
}

static void e1000_csb_remove(struct pci_dev *pdev)
{
	struct net_device *netdev = pci_get_drvdata(pdev);
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	e1000_csb_debugfs_remove(adapter);
	unregister_netdev(netdev);
	/*
	 * Work queued before unregister finds the device closed.  In the
	 * order in which they queue each other: the watchdog the fallback,
	 * the fallback a reset.
	 */
	cancel_delayed_work_sync(&adapter->watchdog);
	e1000_csb_mode_remove(adapter);
	cancel_work_sync(&adapter->reset_task);

	netif_napi_del(&adapter->napi);
	iounmap(adapter->io_base);
	vfree(adapter->fake_regs);
	free_percpu(adapter->regcnt);
	free_netdev(netdev);
	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);
}

static void e1000_csb_quiesce(struct e1000_csb_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;

	rtnl_lock();
	netif_device_detach(netdev);
	if (netif_running(netdev))
		e1000_csb_down(adapter);
	rtnl_unlock();
	cancel_work_sync(&adapter->reset_task);
}

static void e1000_csb_shutdown(struct pci_dev *pdev)
{
	struct net_device *netdev = pci_get_drvdata(pdev);
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	e1000_csb_quiesce(adapter);
	if (system_state == SYSTEM_POWER_OFF) {
		pci_wake_from_d3(pdev, false);
		pci_set_power_state(pdev, PCI_D3hot);
	}
	pci_disable_device(pdev);
}

static int e1000_csb_suspend(struct device *dev)
{
	struct net_device *netdev = dev_get_drvdata(dev);

	/* no wake-up support: the PCI core saves state and powers down */
	e1000_csb_quiesce(netdev_priv(netdev));
	return 0;
}

static int e1000_csb_resume(struct device *dev)
{
	struct net_device *netdev = dev_get_drvdata(dev);
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	int err = 0;

	rtnl_lock();
	if (netif_running(netdev)) {
		err = e1000_csb_up(adapter);
		if (err)
			netdev_err(netdev, "resume failed: %d\n", err);
	}
	if (!err)
		netif_device_attach(netdev);
	rtnl_unlock();
	return err;
}

static DEFINE_SIMPLE_DEV_PM_OPS(e1000_csb_pm_ops, e1000_csb_suspend,
				e1000_csb_resume);

static struct pci_driver e1000_csb_driver = {
	.name		= E1000_CSB_DRV_NAME,
	.id_table	= e1000_csb_pci_tbl,
	.probe		= e1000_csb_probe,
	.remove		= e1000_csb_remove,
	.shutdown	= e1000_csb_shutdown,
	.driver.pm	= pm_sleep_ptr(&e1000_csb_pm_ops),
};

static int __init e1000_csb_init_module(void)
{
	int err;

	e1000_csb_debugfs_init();
	err = pci_register_driver(&e1000_csb_driver);
	if (err)
		e1000_csb_debugfs_exit();
	return err;
}
module_init(e1000_csb_init_module);

static void __exit e1000_csb_exit_module(void)
{
	pci_unregister_driver(&e1000_csb_driver);
	e1000_csb_debugfs_exit();
}
module_exit(e1000_csb_exit_module);

MODULE_AUTHOR("The e1000-csb authors");
MODULE_DESCRIPTION("Intel 8254x (QEMU e1000) driver with a paravirtual CSB mode");
MODULE_LICENSE("GPL");
MODULE_VERSION(E1000_CSB_DRV_VERSION);
