// SPDX-License-Identifier: GPL-2.0
/*
 * e1000_csb: ethtool operations.
 */

#include <linux/ethtool.h>
#include <linux/linkmode.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "e1000_csb.h"

/* ---------------- statistics ---------------- */

enum e1000_csb_sw_stat_src {
	E1000_CSB_SRC_TX,	/* u64_stats_t in the tx ring */
	E1000_CSB_SRC_RX,	/* u64_stats_t in the rx ring */
	E1000_CSB_SRC_ADAPTER,	/* plain u64 in the adapter */
};

struct e1000_csb_sw_stat {
	char name[ETH_GSTRING_LEN];
	enum e1000_csb_sw_stat_src src;
	size_t offset;
};

#define E1000_CSB_TX_STAT(_n, _f) \
	{ _n, E1000_CSB_SRC_TX, offsetof(struct e1000_csb_tx_ring, _f) }
#define E1000_CSB_RX_STAT(_n, _f) \
	{ _n, E1000_CSB_SRC_RX, offsetof(struct e1000_csb_rx_ring, _f) }
#define E1000_CSB_AD_STAT(_n, _f) \
	{ _n, E1000_CSB_SRC_ADAPTER, offsetof(struct e1000_csb_adapter, _f) }

static const struct e1000_csb_sw_stat e1000_csb_sw_stats[] = {
	E1000_CSB_TX_STAT("tx_packets", packets),
	E1000_CSB_TX_STAT("tx_bytes", bytes),
	E1000_CSB_TX_STAT("tx_queue_stops", stops),
	E1000_CSB_TX_STAT("tx_restart_queue", restarts),
	E1000_CSB_TX_STAT("tx_busy", busy),
	E1000_CSB_TX_STAT("tx_tso", tso),
	E1000_CSB_TX_STAT("tx_csum_offload", csum),
	E1000_CSB_TX_STAT("tx_ctx_desc", ctx_desc),
	E1000_CSB_TX_STAT("tx_doorbells", doorbells),
	E1000_CSB_TX_STAT("tx_dma_errors", dma_err),
	E1000_CSB_TX_STAT("tx_dropped", dropped),
	E1000_CSB_RX_STAT("rx_packets", packets),
	E1000_CSB_RX_STAT("rx_bytes", bytes),
	E1000_CSB_RX_STAT("alloc_rx_buff_failed", alloc_fail),
	E1000_CSB_RX_STAT("rx_csum_offload_good", csum_good),
	E1000_CSB_RX_STAT("rx_csum_offload_errors", csum_err),
	E1000_CSB_RX_STAT("rx_dropped_errors", frame_err),
	E1000_CSB_RX_STAT("rx_dropped_nomem", dropped),
	E1000_CSB_RX_STAT("rx_copybreak", copybreak),
	E1000_CSB_RX_STAT("rx_multi_desc", multi_desc),
	E1000_CSB_RX_STAT("rx_doorbells", doorbells),
	E1000_CSB_RX_STAT("rx_host_errors", host_errors),
	E1000_CSB_AD_STAT("irq_handled", irq_count),
	E1000_CSB_AD_STAT("irq_not_ours", irq_none),
	E1000_CSB_AD_STAT("tx_timeout_count", tx_timeouts),
	E1000_CSB_AD_STAT("resets", resets),
	/* CSB mode */
	E1000_CSB_AD_STAT("csb_active", csb.enabled),
	E1000_CSB_AD_STAT("csb_mode_switches", csb.switches),
	E1000_CSB_AD_STAT("csb_fallbacks", csb.fallbacks),
	E1000_CSB_AD_STAT("csb_host_errors", csb.host_errors),
	E1000_CSB_AD_STAT("csb_blocks_leaked", csb.blocks_leaked),
	E1000_CSB_AD_STAT("csb_rescues", csb.rescues),
	E1000_CSB_TX_STAT("csb_tx_kicks", csb.kicks),
	E1000_CSB_TX_STAT("csb_tx_kicks_avoided", csb.kicks_avoided),
	E1000_CSB_TX_STAT("csb_tx_host_asleep", csb.kick_requests),
	E1000_CSB_TX_STAT("csb_tx_irq_requests", csb.irq_requests),
	E1000_CSB_TX_STAT("csb_tx_xmit_reclaims", csb_xmit_reclaims),
	E1000_CSB_AD_STAT("csb_tx_reclaim_timer", csb.reclaim_timer_runs),
	E1000_CSB_RX_STAT("csb_rx_kicks", csb.kicks),
	E1000_CSB_RX_STAT("csb_rx_kicks_avoided", csb.kicks_avoided),
	E1000_CSB_RX_STAT("csb_rx_host_starved", csb.kick_requests),
	E1000_CSB_RX_STAT("csb_rx_irq_requests", csb.irq_requests),
	E1000_CSB_RX_STAT("csb_rx_dd_ahead", dd_ahead),
};

#define E1000_CSB_NUM_SW_STATS	ARRAY_SIZE(e1000_csb_sw_stats)

/* register access counters: trapping MMIO accesses by class */
static const char e1000_csb_reg_stat_names[][ETH_GSTRING_LEN] = {
	"reg_doorbell_reads",
	"reg_doorbell_writes",
	"reg_irq_reads",
	"reg_irq_writes",
	"reg_other_reads",
	"reg_other_writes",
	"reg_total",
};

#define E1000_CSB_NUM_REG_STATS	ARRAY_SIZE(e1000_csb_reg_stat_names)

static const char e1000_csb_priv_flag_names[][ETH_GSTRING_LEN] = {
	"csb",
};

static_assert(ARRAY_SIZE(e1000_csb_priv_flag_names) == E1000_CSB_NUM_PFLAGS);

static int e1000_csb_get_sset_count(struct net_device *netdev, int sset)
{
	switch (sset) {
	case ETH_SS_STATS:
		return E1000_CSB_NUM_SW_STATS + E1000_CSB_NUM_REG_STATS +
		       E1000_CSB_NUM_HW_STATS;
	case ETH_SS_PRIV_FLAGS:
		return E1000_CSB_NUM_PFLAGS;
	default:
		return -EOPNOTSUPP;
	}
}

static void e1000_csb_get_strings(struct net_device *netdev, u32 sset,
				  u8 *data)
{
	unsigned int i;

	switch (sset) {
	case ETH_SS_STATS:
		for (i = 0; i < E1000_CSB_NUM_SW_STATS; i++)
			ethtool_sprintf(&data, "%s", e1000_csb_sw_stats[i].name);
		for (i = 0; i < E1000_CSB_NUM_REG_STATS; i++)
			ethtool_sprintf(&data, "%s",
					e1000_csb_reg_stat_names[i]);
		for (i = 0; i < E1000_CSB_NUM_HW_STATS; i++)
			ethtool_sprintf(&data, "%s", e1000_csb_hw_stats[i].name);
		break;
	case ETH_SS_PRIV_FLAGS:
		for (i = 0; i < E1000_CSB_NUM_PFLAGS; i++)
			ethtool_sprintf(&data, "%s",
					e1000_csb_priv_flag_names[i]);
		break;
	}
}

/* Bring the statistics register totals up to date (an open device only). */
static void e1000_csb_stats_refresh(struct net_device *netdev)
{
	if (netif_running(netdev))
		e1000_csb_hw_update_stats(netdev_priv(netdev));
}

static void e1000_csb_get_ethtool_stats(struct net_device *netdev,
					struct ethtool_stats *stats, u64 *data)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	struct e1000_csb_tx_ring *tx = &adapter->tx_ring;
	struct e1000_csb_rx_ring *rx = &adapter->rx_ring;
	struct e1000_csb_reg_counters regs;
	unsigned int i, start, c;
	unsigned long flags;
	u64 total = 0;
	u64 *p;

	/*
	 * Snapshot the register counters first so that the statistics
	 * register reads done below for this very request are not included.
	 */
	e1000_csb_reg_counters_sum(adapter, &regs);

	do {
		start = u64_stats_fetch_begin(&tx->syncp);
		for (i = 0, p = data; i < E1000_CSB_NUM_SW_STATS; i++, p++)
			if (e1000_csb_sw_stats[i].src == E1000_CSB_SRC_TX)
				*p = u64_stats_read((u64_stats_t *)((u8 *)tx +
					e1000_csb_sw_stats[i].offset));
	} while (u64_stats_fetch_retry(&tx->syncp, start));

	do {
		start = u64_stats_fetch_begin(&rx->syncp);
		for (i = 0, p = data; i < E1000_CSB_NUM_SW_STATS; i++, p++)
			if (e1000_csb_sw_stats[i].src == E1000_CSB_SRC_RX)
				*p = u64_stats_read((u64_stats_t *)((u8 *)rx +
					e1000_csb_sw_stats[i].offset));
	} while (u64_stats_fetch_retry(&rx->syncp, start));

	for (i = 0, p = data; i < E1000_CSB_NUM_SW_STATS; i++, p++)
		if (e1000_csb_sw_stats[i].src == E1000_CSB_SRC_ADAPTER)
			*p = READ_ONCE(*(u64 *)((u8 *)adapter +
						e1000_csb_sw_stats[i].offset));
	data += E1000_CSB_NUM_SW_STATS;

	for (c = 0; c < E1000_CSB_RCLASS_NCLASS; c++) {
		*data++ = regs.rd[c];
		*data++ = regs.wr[c];
		total += regs.rd[c] + regs.wr[c];
	}
	*data++ = total;

	e1000_csb_stats_refresh(netdev);
	spin_lock_irqsave(&adapter->stats_lock, flags);
	for (i = 0; i < E1000_CSB_NUM_HW_STATS; i++)
		*data++ = adapter->hw_stats[i];
	spin_unlock_irqrestore(&adapter->stats_lock, flags);
}

/* ---------------- standard statistics groups ---------------- */

/*
 * The IEEE 802.3 and RMON counters the 8254x keeps, from its statistics
 * registers (ethtool -S --groups eth-mac eth-ctrl rmon).  The octet
 * counters include the FCS, as the registers do.
 */
static void e1000_csb_get_eth_mac_stats(struct net_device *netdev,
					struct ethtool_eth_mac_stats *mac)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	e1000_csb_stats_refresh(netdev);
	mac->FramesTransmittedOK = e1000_csb_hw_stat_get(adapter, E1000_GPTC);
	mac->SingleCollisionFrames = e1000_csb_hw_stat_get(adapter, E1000_SCC);
	mac->MultipleCollisionFrames = e1000_csb_hw_stat_get(adapter, E1000_MCC);
	mac->FramesReceivedOK = e1000_csb_hw_stat_get(adapter, E1000_GPRC);
	mac->FrameCheckSequenceErrors = e1000_csb_hw_stat_get(adapter, E1000_CRCERRS);
	mac->AlignmentErrors = e1000_csb_hw_stat_get(adapter, E1000_ALGNERRC);
	mac->OctetsTransmittedOK = e1000_csb_hw_stat_get(adapter, E1000_GOTCL);
	mac->FramesWithDeferredXmissions = e1000_csb_hw_stat_get(adapter, E1000_DC);
	mac->LateCollisions = e1000_csb_hw_stat_get(adapter, E1000_LATECOL);
	mac->FramesAbortedDueToXSColls = e1000_csb_hw_stat_get(adapter, E1000_ECOL);
	mac->CarrierSenseErrors = e1000_csb_hw_stat_get(adapter, E1000_TNCRS);
	mac->OctetsReceivedOK = e1000_csb_hw_stat_get(adapter, E1000_GORCL);
	mac->MulticastFramesXmittedOK = e1000_csb_hw_stat_get(adapter, E1000_MPTC);
	mac->BroadcastFramesXmittedOK = e1000_csb_hw_stat_get(adapter, E1000_BPTC);
	mac->MulticastFramesReceivedOK = e1000_csb_hw_stat_get(adapter, E1000_MPRC);
	mac->BroadcastFramesReceivedOK = e1000_csb_hw_stat_get(adapter, E1000_BPRC);
	mac->FrameTooLongErrors = e1000_csb_hw_stat_get(adapter, E1000_ROC);
}

/* MAC control frames: the 8254x knows only PAUSE (XON and XOFF) */
static void e1000_csb_get_eth_ctrl_stats(struct net_device *netdev,
					 struct ethtool_eth_ctrl_stats *ctrl)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	u64 unsupported;

	e1000_csb_stats_refresh(netdev);
	unsupported = e1000_csb_hw_stat_get(adapter, E1000_FCRUC);
	ctrl->MACControlFramesTransmitted = e1000_csb_hw_stat_get(adapter, E1000_XONTXC) +
					    e1000_csb_hw_stat_get(adapter, E1000_XOFFTXC);
	ctrl->MACControlFramesReceived = e1000_csb_hw_stat_get(adapter, E1000_XONRXC) +
					 e1000_csb_hw_stat_get(adapter, E1000_XOFFRXC) +
					 unsupported;
	ctrl->UnsupportedOpcodesReceived = unsupported;
}

/*
 * Frame sizes with the FCS, as the PRC and PTC registers bucket them; the
 * last bucket goes up to the longest frame the driver allows (MTU 9000).
 */
static const struct ethtool_rmon_hist_range e1000_csb_rmon_ranges[] = {
	{ 64, 64 },
	{ 65, 127 },
	{ 128, 255 },
	{ 256, 511 },
	{ 512, 1023 },
	{ 1024, E1000_CSB_MAX_MTU + ETH_HLEN + ETH_FCS_LEN },
	{}
};

static const u32 e1000_csb_rmon_rx_regs[] = {
	E1000_PRC64, E1000_PRC127, E1000_PRC255,
	E1000_PRC511, E1000_PRC1023, E1000_PRC1522,
};

static const u32 e1000_csb_rmon_tx_regs[] = {
	E1000_PTC64, E1000_PTC127, E1000_PTC255,
	E1000_PTC511, E1000_PTC1023, E1000_PTC1522,
};

static_assert(ARRAY_SIZE(e1000_csb_rmon_rx_regs) ==
	      ARRAY_SIZE(e1000_csb_rmon_ranges) - 1);
static_assert(ARRAY_SIZE(e1000_csb_rmon_tx_regs) ==
	      ARRAY_SIZE(e1000_csb_rmon_ranges) - 1);

static void e1000_csb_get_rmon_stats(struct net_device *netdev,
				     struct ethtool_rmon_stats *rmon,
				     const struct ethtool_rmon_hist_range **ranges)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	unsigned int i;

	e1000_csb_stats_refresh(netdev);
	rmon->undersize_pkts = e1000_csb_hw_stat_get(adapter, E1000_RUC);
	rmon->oversize_pkts = e1000_csb_hw_stat_get(adapter, E1000_ROC);
	rmon->fragments = e1000_csb_hw_stat_get(adapter, E1000_RFC);
	rmon->jabbers = e1000_csb_hw_stat_get(adapter, E1000_RJC);
	for (i = 0; i < ARRAY_SIZE(e1000_csb_rmon_rx_regs); i++) {
		rmon->hist[i] = e1000_csb_hw_stat_get(adapter,      e1000_csb_rmon_rx_regs[i]);
		rmon->hist_tx[i] = e1000_csb_hw_stat_get(adapter, e1000_csb_rmon_tx_regs[i]);
	}
	*ranges = e1000_csb_rmon_ranges;
}

/* ---------------- private flags ---------------- */

static u32 e1000_csb_get_priv_flags(struct net_device *netdev)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	return adapter->priv_flags;
}

static int e1000_csb_set_priv_flags(struct net_device *netdev, u32 flags)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	bool on = flags & E1000_CSB_PFLAG_CSB;
	int err;

	if (flags & ~E1000_CSB_PFLAG_CSB)
		return -EINVAL;

	/*
	 * The ethtool API passes no extack to this operation: the reason for
	 * a refusal goes to the kernel log (e1000_csb_mode_set()).
	 */
	err = e1000_csb_mode_set(adapter, on);
	if (err)
		return err;
	adapter->priv_flags = flags;
	return 0;
}

/* ---------------- basic information ---------------- */

static void e1000_csb_get_drvinfo(struct net_device *netdev,
				  struct ethtool_drvinfo *info)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	strscpy(info->driver, E1000_CSB_DRV_NAME, sizeof(info->driver));
	strscpy(info->version, E1000_CSB_DRV_VERSION, sizeof(info->version));
	strscpy(info->bus_info, pci_name(adapter->pdev),
		sizeof(info->bus_info));
}

static int e1000_csb_get_link_ksettings(struct net_device *netdev,
					struct ethtool_link_ksettings *cmd)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	unsigned long *supported = cmd->link_modes.supported;
	unsigned long *advertising = cmd->link_modes.advertising;

	e1000_csb_hw_link_modes(supported);
	ethtool_link_ksettings_add_link_mode(cmd, supported, Autoneg);
	ethtool_link_ksettings_add_link_mode(cmd, supported, TP);

	/* as the in-kernel e1000: nothing is advertised when forced */
	linkmode_zero(advertising);
	if (adapter->autoneg == AUTONEG_ENABLE) {
		linkmode_copy(advertising, adapter->advertising);
		ethtool_link_ksettings_add_link_mode(cmd, advertising, Autoneg);
	}
	ethtool_link_ksettings_add_link_mode(cmd, advertising, TP);

	cmd->base.port = PORT_TP;
	cmd->base.phy_address = E1000_PHY_ADDR;
	cmd->base.autoneg = adapter->autoneg;
	cmd->base.mdio_support = ETH_MDIO_SUPPORTS_C22;

	if (netif_running(netdev) && netif_carrier_ok(netdev)) {
		cmd->base.speed = adapter->link_speed;
		cmd->base.duplex = adapter->link_duplex;
	} else {
		cmd->base.speed = SPEED_UNKNOWN;
		cmd->base.duplex = DUPLEX_UNKNOWN;
	}
	return 0;
}

/*
 * What ethtool -s may ask for: autonegotiation advertising any non-empty
 * subset of the PHY's modes, or 10/100 Mb/s half or full duplex forced.
 * 1000BASE-T needs autonegotiation (IEEE 802.3 clause 40) and the PHY has
 * no 1000 Mb/s half duplex.  The ethtool API gives this operation no
 * extack: the reason for a refusal goes to the kernel log.
 */
static int e1000_csb_check_link(struct net_device *netdev,
				const struct ethtool_link_ksettings *cmd)
{
	__ETHTOOL_DECLARE_LINK_MODE_MASK(modes);
	__ETHTOOL_DECLARE_LINK_MODE_MASK(allowed);

	if (cmd->base.port != PORT_TP) {
		netdev_info(netdev, "the only port is twisted pair\n");
		return -EINVAL;
	}
	e1000_csb_hw_link_modes(modes);
	if (cmd->base.autoneg == AUTONEG_ENABLE) {
		linkmode_copy(allowed, modes);
		linkmode_set_bit(ETHTOOL_LINK_MODE_Autoneg_BIT, allowed);
		linkmode_set_bit(ETHTOOL_LINK_MODE_TP_BIT, allowed);
		if (!linkmode_subset(cmd->link_modes.advertising, allowed)) {
			netdev_info(netdev,
				    "can advertise only 10baseT/Half, 10baseT/Full, 100baseT/Half, 100baseT/Full and 1000baseT/Full\n");
			return -EINVAL;
		}
		if (!linkmode_intersects(cmd->link_modes.advertising, modes)) {
			netdev_info(netdev, "advertise at least one link mode\n");
			return -EINVAL;
		}
		return 0;
	}
	if (cmd->base.speed == SPEED_1000) {
		netdev_info(netdev,
			    "1000 Mb/s needs autonegotiation: advertise 1000baseT/Full instead\n");
		return -EINVAL;
	}
	if ((cmd->base.speed != SPEED_10 && cmd->base.speed != SPEED_100) ||
	    (cmd->base.duplex != DUPLEX_HALF &&
	     cmd->base.duplex != DUPLEX_FULL)) {
		netdev_info(netdev,
			    "without autonegotiation, speed must be 10 or 100 and duplex half or full\n");
		return -EINVAL;
	}
	return 0;
}

static int e1000_csb_set_link_ksettings(struct net_device *netdev,
					const struct ethtool_link_ksettings *cmd)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	int err;

	err = e1000_csb_check_link(netdev, cmd);
	if (err)
		return err;

	adapter->autoneg = cmd->base.autoneg;
	if (adapter->autoneg == AUTONEG_ENABLE) {
		e1000_csb_hw_link_modes(adapter->advertising);
		linkmode_and(adapter->advertising, adapter->advertising,
			     cmd->link_modes.advertising);
	} else {
		adapter->forced_speed = cmd->base.speed;
		adapter->forced_duplex = cmd->base.duplex;
	}

	/* closed: the next ip link set up programs it */
	if (!netif_running(netdev) ||
	    test_bit(E1000_CSB_STATE_DOWN, &adapter->state))
		return 0;
	if (e1000_csb_removed(adapter))
		return -ENODEV;
	return e1000_csb_hw_init_link(adapter);
}

static u32 e1000_csb_get_msglevel(struct net_device *netdev)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	return adapter->msg_enable;
}

static void e1000_csb_set_msglevel(struct net_device *netdev, u32 level)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	adapter->msg_enable = level;
}

/* ---------------- register dump ---------------- */

static const u32 e1000_csb_dump_regs[] = {
	E1000_CTRL, E1000_STATUS, E1000_EECD, E1000_CTRL_EXT,
	E1000_IMS, E1000_ITR,
	E1000_RCTL, E1000_RDBAL, E1000_RDBAH, E1000_RDLEN,
	E1000_RDH, E1000_RDT, E1000_RDTR, E1000_RADV,
	E1000_RXDCTL, E1000_RXCSUM,
	E1000_TCTL, E1000_TIPG, E1000_TDBAL, E1000_TDBAH,
	E1000_TDLEN, E1000_TDH, E1000_TDT, E1000_TIDV,
	E1000_TADV, E1000_TXDCTL,
	E1000_PBA, E1000_LEDCTL, E1000_MANC,
	E1000_RAL(0), E1000_RAH(0),
};

static int e1000_csb_get_regs_len(struct net_device *netdev)
{
	return sizeof(e1000_csb_dump_regs);
}

static void e1000_csb_get_regs(struct net_device *netdev,
			       struct ethtool_regs *regs, void *p)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	u32 *buf = p;
	unsigned int i;

	regs->version = (1u << 24) | ((u32)adapter->revision << 16) |
			adapter->device_id;
	memset(buf, 0, sizeof(e1000_csb_dump_regs));
	for (i = 0; i < ARRAY_SIZE(e1000_csb_dump_regs); i++) {
		u32 reg = e1000_csb_dump_regs[i];

		if (!e1000_csb_hw_has_itr(adapter) &&
		    (reg == E1000_ITR || reg == E1000_RADV ||
		     reg == E1000_TADV))
			continue;
		buf[i] = e1000_csb_rd32(adapter, reg);
	}
}

/* ---------------- rings ---------------- */

static void e1000_csb_get_ringparam(struct net_device *netdev,
				    struct ethtool_ringparam *ring,
				    struct kernel_ethtool_ringparam *kring,
				    struct netlink_ext_ack *extack)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	ring->rx_max_pending = E1000_CSB_MAX_RING;
	ring->tx_max_pending = E1000_CSB_MAX_RING;
	ring->rx_pending = adapter->rx_ring_count;
	ring->tx_pending = adapter->tx_ring_count;
}

static int e1000_csb_check_ring(u32 n, struct netlink_ext_ack *extack)
{
	if (n < E1000_CSB_MIN_RING || n > E1000_CSB_MAX_RING) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ring size must be between 80 and 4096 descriptors");
		return -EINVAL;
	}
	if (n % E1000_CSB_RING_ALIGN) {
		NL_SET_ERR_MSG_MOD(extack,
				   "ring size must be a multiple of 8 descriptors");
		return -EINVAL;
	}
	return 0;
}

static int e1000_csb_set_ringparam(struct net_device *netdev,
				   struct ethtool_ringparam *ring,
				   struct kernel_ethtool_ringparam *kring,
				   struct netlink_ext_ack *extack)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	u32 old_tx = adapter->tx_ring_count, old_rx = adapter->rx_ring_count;
	int err;

	if (ring->rx_mini_pending || ring->rx_jumbo_pending) {
		NL_SET_ERR_MSG_MOD(extack, "mini and jumbo rings are not supported");
		return -EINVAL;
	}
	err = e1000_csb_check_ring(ring->tx_pending, extack);
	if (err)
		return err;
	err = e1000_csb_check_ring(ring->rx_pending, extack);
	if (err)
		return err;

	if (ring->tx_pending == old_tx && ring->rx_pending == old_rx)
		return 0;

	if (!netif_running(netdev)) {
		adapter->tx_ring_count = ring->tx_pending;
		adapter->rx_ring_count = ring->rx_pending;
		return 0;
	}
	if (e1000_csb_removed(adapter))
		return -ENODEV;

	e1000_csb_down(adapter);
	e1000_csb_rings_free(adapter);

	adapter->tx_ring_count = ring->tx_pending;
	adapter->rx_ring_count = ring->rx_pending;
	err = e1000_csb_rings_alloc(adapter);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack,
				   "cannot allocate the new rings, keeping the old sizes");
		adapter->tx_ring_count = old_tx;
		adapter->rx_ring_count = old_rx;
		if (e1000_csb_rings_alloc(adapter)) {
			netdev_err(netdev, "cannot reallocate rings, closing\n");
			dev_close(netdev);
			return err;
		}
	}

	if (e1000_csb_up(adapter)) {
		netdev_err(netdev, "cannot restart after ring resize, closing\n");
		dev_close(netdev);
		return -EIO;
	}
	return err;
}

/* ---------------- interrupt coalescing (ITR) ---------------- */

static int e1000_csb_get_coalesce(struct net_device *netdev,
				  struct ethtool_coalesce *ec,
				  struct kernel_ethtool_coalesce *kec,
				  struct netlink_ext_ack *extack)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	ec->rx_coalesce_usecs = adapter->rx_usecs;
	return 0;
}

static int e1000_csb_set_coalesce(struct net_device *netdev,
				  struct ethtool_coalesce *ec,
				  struct kernel_ethtool_coalesce *kec,
				  struct netlink_ext_ack *extack)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	if (ec->rx_coalesce_usecs > E1000_CSB_ITR_MAX_USECS) {
		NL_SET_ERR_MSG_MOD(extack,
				   "rx-usecs must be between 0 and 10000");
		return -EINVAL;
	}
	if (!e1000_csb_hw_has_itr(adapter) && ec->rx_coalesce_usecs) {
		NL_SET_ERR_MSG_MOD(extack,
				   "this controller (82544) has no interrupt throttling register");
		return -EOPNOTSUPP;
	}

	adapter->rx_usecs = ec->rx_coalesce_usecs;
	if (netif_running(netdev) &&
	    !test_bit(E1000_CSB_STATE_DOWN, &adapter->state))
		e1000_csb_hw_set_itr(adapter);
	return 0;
}

static const struct ethtool_ops e1000_csb_ethtool_ops = {
	.supported_coalesce_params = ETHTOOL_COALESCE_RX_USECS,
	.get_drvinfo		= e1000_csb_get_drvinfo,
	.get_regs_len		= e1000_csb_get_regs_len,
	.get_regs		= e1000_csb_get_regs,
	.get_msglevel		= e1000_csb_get_msglevel,
	.set_msglevel		= e1000_csb_set_msglevel,
	.get_link		= ethtool_op_get_link,
	.get_coalesce		= e1000_csb_get_coalesce,
	.set_coalesce		= e1000_csb_set_coalesce,
	.get_ringparam		= e1000_csb_get_ringparam,
	.set_ringparam		= e1000_csb_set_ringparam,
	.get_strings		= e1000_csb_get_strings,
	.get_ethtool_stats	= e1000_csb_get_ethtool_stats,
	.get_sset_count		= e1000_csb_get_sset_count,
	.get_priv_flags		= e1000_csb_get_priv_flags,
	.set_priv_flags		= e1000_csb_set_priv_flags,
	.get_link_ksettings	= e1000_csb_get_link_ksettings,
	.set_link_ksettings	= e1000_csb_set_link_ksettings,
	/* software timestamps: the xmit path calls skb_tx_timestamp() */
	.get_ts_info		= ethtool_op_get_ts_info,
	.get_eth_mac_stats	= e1000_csb_get_eth_mac_stats,
	.get_eth_ctrl_stats	= e1000_csb_get_eth_ctrl_stats,
	.get_rmon_stats		= e1000_csb_get_rmon_stats,
};

void e1000_csb_set_ethtool_ops(struct net_device *netdev)
{
	netdev->ethtool_ops = &e1000_csb_ethtool_ops;
}
