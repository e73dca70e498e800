// SPDX-License-Identifier: GPL-2.0
/*
 * e1000_csb: hardware access - the register access counters and the
 * removal check behind e1000_csb_rd32(), reset, EEPROM, PHY (MDIC), link,
 * receive address registers and the statistics registers.
 */

#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/linkmode.h>
#include <linux/mii.h>

#include "e1000_csb.h"

#define E1000_CSB_STAT(_name, _reg) \
	{ .name = _name, .reg = E1000_##_reg }
#define E1000_CSB_STAT64(_name, _reg) \
	{ .name = _name, .reg = E1000_##_reg, .wide = true }
/* a register QEMU's e1000 keeps counting when read (see below) */
#define E1000_CSB_STAT_KEPT(_name, _reg) \
	{ .name = _name, .reg = E1000_##_reg, .kept = true }

/*
 * Device statistics registers, in the order ethtool -S shows them.  The
 * 64-bit octet counters are read low then high (reading the high half
 * clears the pair).  The 8254x clears every statistics register on
 * read; QEMU's e1000 (every version since 2.x, to 10.0) clears most of
 * them but reads the ones marked kept with its plain register accessor
 * (macreg_readops: CRCERRS to MPC, SCC to FCRUC, RNBC, RFC, RJC, MGTP*,
 * TSCTFC), so they keep counting; of those it increments MPC and RNBC.
 * The driver binds only to QEMU's NICs (e1000_csb_main.c).
 */
const struct e1000_csb_hw_stat e1000_csb_hw_stats[] = {
	E1000_CSB_STAT_KEPT("rx_crc_errors", CRCERRS),
	E1000_CSB_STAT_KEPT("rx_align_errors", ALGNERRC),
	E1000_CSB_STAT_KEPT("hw_symbol_errors", SYMERRS),
	E1000_CSB_STAT_KEPT("hw_rx_errors", RXERRC),
	E1000_CSB_STAT_KEPT("rx_missed_errors", MPC),
	E1000_CSB_STAT_KEPT("tx_single_coll_ok", SCC),
	E1000_CSB_STAT_KEPT("tx_aborted_errors", ECOL),
	E1000_CSB_STAT_KEPT("tx_multi_coll_ok", MCC),
	E1000_CSB_STAT_KEPT("tx_abort_late_coll", LATECOL),
	E1000_CSB_STAT_KEPT("collisions", COLC),
	E1000_CSB_STAT_KEPT("tx_deferred_ok", DC),
	E1000_CSB_STAT_KEPT("tx_carrier_errors", TNCRS),
	E1000_CSB_STAT_KEPT("hw_sequence_errors", SEC),
	E1000_CSB_STAT_KEPT("hw_carrier_ext_errors", CEXTERR),
	E1000_CSB_STAT_KEPT("hw_rx_length_errors", RLEC),
	E1000_CSB_STAT_KEPT("rx_flow_control_xon", XONRXC),
	E1000_CSB_STAT_KEPT("tx_flow_control_xon", XONTXC),
	E1000_CSB_STAT_KEPT("rx_flow_control_xoff", XOFFRXC),
	E1000_CSB_STAT_KEPT("tx_flow_control_xoff", XOFFTXC),
	E1000_CSB_STAT_KEPT("hw_fc_unsupported", FCRUC),
	E1000_CSB_STAT("hw_rx_64", PRC64),
	E1000_CSB_STAT("hw_rx_65_127", PRC127),
	E1000_CSB_STAT("hw_rx_128_255", PRC255),
	E1000_CSB_STAT("hw_rx_256_511", PRC511),
	E1000_CSB_STAT("hw_rx_512_1023", PRC1023),
	E1000_CSB_STAT("hw_rx_1024_max", PRC1522),
	E1000_CSB_STAT("hw_rx_good_packets", GPRC),
	E1000_CSB_STAT("rx_broadcast", BPRC),
	E1000_CSB_STAT("rx_multicast", MPRC),
	E1000_CSB_STAT("hw_tx_good_packets", GPTC),
	E1000_CSB_STAT64("rx_long_byte_count", GORCL),
	E1000_CSB_STAT64("hw_tx_good_octets", GOTCL),
	E1000_CSB_STAT_KEPT("rx_no_buffer_count", RNBC),
	E1000_CSB_STAT("rx_short_length_errors", RUC),
	E1000_CSB_STAT_KEPT("hw_rx_fragment", RFC),
	E1000_CSB_STAT("rx_long_length_errors", ROC),
	E1000_CSB_STAT_KEPT("hw_rx_jabber", RJC),
	E1000_CSB_STAT_KEPT("rx_smbus", MGTPRC),
	E1000_CSB_STAT_KEPT("dropped_smbus", MGTPDC),
	E1000_CSB_STAT_KEPT("tx_smbus", MGTPTC),
	E1000_CSB_STAT64("hw_rx_total_octets", TORL),
	E1000_CSB_STAT64("hw_tx_total_octets", TOTL),
	E1000_CSB_STAT("hw_rx_total_packets", TPR),
	E1000_CSB_STAT("hw_tx_total_packets", TPT),
	E1000_CSB_STAT("hw_tx_64", PTC64),
	E1000_CSB_STAT("hw_tx_65_127", PTC127),
	E1000_CSB_STAT("hw_tx_128_255", PTC255),
	E1000_CSB_STAT("hw_tx_256_511", PTC511),
	E1000_CSB_STAT("hw_tx_512_1023", PTC1023),
	E1000_CSB_STAT("hw_tx_1024_max", PTC1522),
	E1000_CSB_STAT("tx_multicast", MPTC),
	E1000_CSB_STAT("tx_broadcast", BPTC),
	E1000_CSB_STAT("tx_tcp_seg_good", TSCTC),
	E1000_CSB_STAT_KEPT("tx_tcp_seg_failed", TSCTFC),
};

static_assert(ARRAY_SIZE(e1000_csb_hw_stats) == E1000_CSB_NUM_HW_STATS);

int e1000_csb_hw_identify(struct e1000_csb_adapter *adapter)
{
	struct pci_dev *pdev = adapter->pdev;

	adapter->device_id = pdev->device;
	adapter->revision = pdev->revision;

	switch (pdev->device) {
	case E1000_DEV_ID_82544GC_COPPER:
		adapter->mac_type = E1000_CSB_MAC_82544;
		break;
	case E1000_DEV_ID_82540EM:
		adapter->mac_type = E1000_CSB_MAC_82540;
		break;
	case E1000_DEV_ID_82545EM_COPPER:
		adapter->mac_type = E1000_CSB_MAC_82545;
		break;
	default:
		return -ENODEV;
	}
	return 0;
}

/* ITR, RADV and TADV appeared with the 82540 generation. */
bool e1000_csb_hw_has_itr(const struct e1000_csb_adapter *adapter)
{
	return adapter->mac_type != E1000_CSB_MAC_82544;
}

void e1000_csb_hw_set_itr(struct e1000_csb_adapter *adapter)
{
	u32 itr;

	if (!e1000_csb_hw_has_itr(adapter))
		return;
	/* interval in 256 ns units: usecs * 1000 / 256 */
	itr = DIV_ROUND_UP(adapter->rx_usecs * 1000, 256);
	e1000_csb_wr32(adapter, E1000_ITR, min_t(u32, itr, 0xFFFF));
}

/**
 * e1000_csb_hw_reset - put the MAC into a known, quiescent state
 * @adapter: board private structure
 *
 * Stops both DMA engines, issues a global reset and then explicitly
 * re-initialises the ring registers (an emulated device may not clear
 * them on CTRL.RST).  Interrupts are left masked.
 */
int e1000_csb_hw_reset(struct e1000_csb_adapter *adapter)
{
	u32 ctrl;
	int i;

	e1000_csb_irq_disable(adapter);
	e1000_csb_wr32(adapter, E1000_RCTL, 0);
	e1000_csb_wr32(adapter, E1000_TCTL, E1000_TCTL_PSP);
	e1000_csb_flush(adapter);

	/* let in-flight DMA drain */
	usleep_range(10000, 12000);

	ctrl = e1000_csb_rd32(adapter, E1000_CTRL);
	e1000_csb_wr32(adapter, E1000_CTRL, ctrl | E1000_CTRL_RST);
	/* the reset reloads the EEPROM; wait for RST to self-clear */
	usleep_range(5000, 6000);
	for (i = 0; i < 100; i++) {
		if (e1000_csb_removed(adapter))
			return -ENODEV;
		ctrl = e1000_csb_rd32(adapter, E1000_CTRL);
		if (!(ctrl & E1000_CTRL_RST))
			break;
		usleep_range(1000, 2000);
	}
	if (ctrl & E1000_CTRL_RST) {
		netdev_err(adapter->netdev, "device reset did not complete\n");
		return -EIO;
	}

	e1000_csb_irq_disable(adapter);
	e1000_csb_irq_read_cause(adapter);	/* discard stale causes */

	/* quiesced ring state */
	e1000_csb_wr32(adapter, E1000_RCTL, 0);
	e1000_csb_wr32(adapter, E1000_TCTL, E1000_TCTL_PSP);
	e1000_csb_wr32(adapter, E1000_TDH, 0);
	e1000_csb_wr32(adapter, E1000_TDT, 0);
	e1000_csb_wr32(adapter, E1000_RDH, 0);
	e1000_csb_wr32(adapter, E1000_RDT, 0);
	adapter->rctl = 0;
	adapter->tx_ring.ctx.valid = false;

	/* no VLAN filtering, no flow control */
	e1000_csb_wr32(adapter, E1000_FCAL, 0);
	e1000_csb_wr32(adapter, E1000_FCAH, 0);
	e1000_csb_wr32(adapter, E1000_FCT, 0);
	e1000_csb_wr32(adapter, E1000_FCTTV, 0);
	e1000_csb_flush(adapter);

	return e1000_csb_removed(adapter) ? -ENODEV : 0;
}

/* ---------------- register access ---------------- */

void e1000_csb_reg_counters_sum(struct e1000_csb_adapter *adapter,
				struct e1000_csb_reg_counters *sum)
{
	int cpu, c;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct e1000_csb_reg_counters *pc =
			per_cpu_ptr(adapter->regcnt, cpu);

		for (c = 0; c < E1000_CSB_RCLASS_NCLASS; c++) {
			sum->rd[c] += READ_ONCE(pc->rd[c]);
			sum->wr[c] += READ_ONCE(pc->wr[c]);
		}
	}
}

/*
 * Called from the register read path when a read returned all-ones.  If
 * STATUS reads all-ones too, the device is gone (surprise removal, or a
 * dead emulated device): stop touching it from now on.
 */
void e1000_csb_check_removed(struct e1000_csb_adapter *adapter)
{
	u8 __iomem *hw = READ_ONCE(adapter->hw_addr);

	if (!hw)
		return;
	this_cpu_inc(adapter->regcnt->rd[E1000_CSB_RCLASS_OTHER]);
	if (readl(hw + E1000_STATUS) != ~0U)
		return;

	WRITE_ONCE(adapter->hw_addr, NULL);
	if (test_and_set_bit(E1000_CSB_STATE_REMOVED, &adapter->state))
		return;
	netdev_err(adapter->netdev,
		   "device reads all-ones, assuming it was removed; no further register access\n");
	netif_carrier_off(adapter->netdev);
	netif_device_detach(adapter->netdev);
}

/* ---------------- EEPROM ---------------- */

static int e1000_csb_eerd_read(struct e1000_csb_adapter *adapter, u16 offset,
			       u16 *data)
{
	u32 val;
	int i;

	e1000_csb_wr32(adapter, E1000_EERD,
		       ((u32)offset << E1000_EERD_ADDR_SHIFT) |
		       E1000_EERD_START);
	for (i = 0; i < 1000; i++) {
		val = e1000_csb_rd32(adapter, E1000_EERD);
		if (e1000_csb_removed(adapter))
			return -ENODEV;
		if (val & E1000_EERD_DONE) {
			*data = val >> E1000_EERD_DATA_SHIFT;
			return 0;
		}
		udelay(5);
	}
	return -ETIMEDOUT;
}

/* Microwire bit-bang helpers (82544 has no EERD register). */
static void e1000_csb_eecd_clock(struct e1000_csb_adapter *adapter, u32 *eecd,
				 bool high)
{
	if (high)
		*eecd |= E1000_EECD_SK;
	else
		*eecd &= ~E1000_EECD_SK;
	e1000_csb_wr32(adapter, E1000_EECD, *eecd);
	e1000_csb_flush(adapter);
	udelay(2);
}

static void e1000_csb_eecd_shift_out(struct e1000_csb_adapter *adapter,
				     u32 *eecd, u32 bits, int count)
{
	while (count--) {
		if (bits & BIT(count))
			*eecd |= E1000_EECD_DI;
		else
			*eecd &= ~E1000_EECD_DI;
		e1000_csb_wr32(adapter, E1000_EECD, *eecd);
		e1000_csb_flush(adapter);
		udelay(2);
		e1000_csb_eecd_clock(adapter, eecd, true);
		e1000_csb_eecd_clock(adapter, eecd, false);
	}
	*eecd &= ~E1000_EECD_DI;
	e1000_csb_wr32(adapter, E1000_EECD, *eecd);
}

static int e1000_csb_microwire_read(struct e1000_csb_adapter *adapter,
				    u16 offset, u16 *data)
{
	u32 eecd, addr_bits;
	u16 word = 0;
	int i;

	eecd = e1000_csb_rd32(adapter, E1000_EECD);
	if (e1000_csb_removed(adapter))
		return -ENODEV;
	addr_bits = (eecd & E1000_EECD_SIZE) ? 8 : 6;
	if (offset >= BIT(addr_bits))
		return -EINVAL;

	/* select the part with the clock and data-in low */
	eecd &= ~(E1000_EECD_SK | E1000_EECD_DI | E1000_EECD_CS);
	e1000_csb_wr32(adapter, E1000_EECD, eecd);
	eecd |= E1000_EECD_CS;
	e1000_csb_wr32(adapter, E1000_EECD, eecd);
	e1000_csb_flush(adapter);
	udelay(2);

	/* start bit + READ opcode (1 10b), then the word address */
	e1000_csb_eecd_shift_out(adapter, &eecd, 0x6, 3);
	e1000_csb_eecd_shift_out(adapter, &eecd, offset, addr_bits);

	/* 16 data bits, most significant first, valid while SK is high */
	for (i = 0; i < 16; i++) {
		e1000_csb_eecd_clock(adapter, &eecd, true);
		word <<= 1;
		if (e1000_csb_rd32(adapter, E1000_EECD) & E1000_EECD_DO)
			word |= 1;
		e1000_csb_eecd_clock(adapter, &eecd, false);
	}

	/* deselect */
	eecd &= ~(E1000_EECD_CS | E1000_EECD_DI);
	e1000_csb_wr32(adapter, E1000_EECD, eecd);
	e1000_csb_eecd_clock(adapter, &eecd, true);
	e1000_csb_eecd_clock(adapter, &eecd, false);

	if (e1000_csb_removed(adapter))
		return -ENODEV;
	*data = word;
	return 0;
}

static int e1000_csb_eeprom_read(struct e1000_csb_adapter *adapter, u16 offset,
				 u16 *data)
{
	if (adapter->mac_type == E1000_CSB_MAC_82544)
		return e1000_csb_microwire_read(adapter, offset, data);
	return e1000_csb_eerd_read(adapter, offset, data);
}

/**
 * e1000_csb_read_mac_addr - fetch the permanent MAC address from EEPROM
 * @adapter: board private structure
 *
 * Verifies the EEPROM checksum (words 0..0x3F must sum to 0xBABA).  On a
 * bad checksum or unreadable EEPROM, a random address is used instead.
 */
int e1000_csb_read_mac_addr(struct e1000_csb_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;
	u16 words[E1000_EEPROM_WORDS];
	u16 sum = 0;
	int i, err;

	for (i = 0; i < E1000_EEPROM_WORDS; i++) {
		err = e1000_csb_eeprom_read(adapter, i, &words[i]);
		if (err) {
			if (err == -ENODEV)
				return err;
			break;
		}
		sum += words[i];
	}

	adapter->eeprom_ok = !err && sum == E1000_EEPROM_CSUM;
	if (adapter->eeprom_ok) {
		for (i = 0; i < ETH_ALEN / 2; i++) {
			adapter->perm_addr[2 * i] = words[i] & 0xff;
			adapter->perm_addr[2 * i + 1] = words[i] >> 8;
		}
	}

	if (!adapter->eeprom_ok || !is_valid_ether_addr(adapter->perm_addr)) {
		if (err)
			dev_warn(&adapter->pdev->dev,
				 "EEPROM read failed (%d), using a random MAC address\n",
				 err);
		else if (sum != E1000_EEPROM_CSUM)
			dev_warn(&adapter->pdev->dev,
				 "EEPROM checksum 0x%04x is invalid (expected 0x%04x), using a random MAC address\n",
				 sum, E1000_EEPROM_CSUM);
		else
			dev_warn(&adapter->pdev->dev,
				 "EEPROM MAC address %pM is invalid, using a random MAC address\n",
				 adapter->perm_addr);
		eth_hw_addr_random(netdev);
		ether_addr_copy(adapter->perm_addr, netdev->dev_addr);
		return 0;
	}

	eth_hw_addr_set(netdev, adapter->perm_addr);
	return 0;
}

/* ---------------- receive address registers ---------------- */

void e1000_csb_hw_set_rar(struct e1000_csb_adapter *adapter, u32 index,
			  const u8 *addr)
{
	u32 lo = 0, hi = 0;

	if (addr) {
		lo = addr[0] | (addr[1] << 8) | (addr[2] << 16) |
		     ((u32)addr[3] << 24);
		hi = addr[4] | (addr[5] << 8) | E1000_RAH_AV;
	}
	/* clear AV first so a half-written entry never matches */
	e1000_csb_wr32(adapter, E1000_RAH(index), 0);
	e1000_csb_wr32(adapter, E1000_RAL(index), lo);
	e1000_csb_wr32(adapter, E1000_RAH(index), hi);
}

/* ---------------- PHY via MDIC ---------------- */

static int e1000_csb_mdic_wait(struct e1000_csb_adapter *adapter, u32 *mdic)
{
	int i;

	for (i = 0; i < 640; i++) {
		udelay(5);
		*mdic = e1000_csb_rd32(adapter, E1000_MDIC);
		if (e1000_csb_removed(adapter))
			return -ENODEV;
		if (*mdic & E1000_MDIC_READY)
			return (*mdic & E1000_MDIC_ERROR) ? -EIO : 0;
	}
	return -ETIMEDOUT;
}

/* One MDIC transaction with the internal PHY: a read (into *val) or a write. */
static int e1000_csb_mdic(struct e1000_csb_adapter *adapter, u32 op, u32 reg,
			  u16 data, u16 *val)
{
	u32 mdic;
	int err;

	e1000_csb_wr32(adapter, E1000_MDIC,
		       (reg << E1000_MDIC_REG_SHIFT) |
		       (E1000_PHY_ADDR << E1000_MDIC_PHY_SHIFT) | op | data);
	err = e1000_csb_mdic_wait(adapter, &mdic);
	if (!err && val)
		*val = mdic & E1000_MDIC_DATA_MASK;
	return err;
}

static int e1000_csb_phy_read(struct e1000_csb_adapter *adapter, u32 reg,
			      u16 *val)
{
	return e1000_csb_mdic(adapter, E1000_MDIC_OP_READ, reg, 0, val);
}

static int e1000_csb_phy_write(struct e1000_csb_adapter *adapter, u32 reg,
			       u16 val)
{
	return e1000_csb_mdic(adapter, E1000_MDIC_OP_WRITE, reg, val, NULL);
}

/* ---------------- link ---------------- */

/*
 * The modes the internal copper PHY can use, as the in-kernel e1000 reports
 * them: 10/100 Mb/s half and full duplex, 1000 Mb/s full duplex (only with
 * autonegotiation), on twisted pair.
 */
void e1000_csb_hw_link_modes(unsigned long *modes)
{
	linkmode_zero(modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_10baseT_Half_BIT, modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_10baseT_Full_BIT, modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_100baseT_Half_BIT, modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_100baseT_Full_BIT, modes);
	linkmode_set_bit(ETHTOOL_LINK_MODE_1000baseT_Full_BIT, modes);
}

/* Power-on configuration: autonegotiation advertising every mode. */
void e1000_csb_hw_link_defaults(struct e1000_csb_adapter *adapter)
{
	adapter->autoneg = AUTONEG_ENABLE;
	e1000_csb_hw_link_modes(adapter->advertising);
	adapter->forced_speed = SPEED_100;
	adapter->forced_duplex = DUPLEX_FULL;
}

/*
 * Autonegotiation: advertise the configured modes (ANAR for 10/100,
 * 1000BASE-T control for 1000) and restart it if that changes what the PHY
 * advertises or it was off.  A device reset brings the PHY back to its
 * power-on state (every mode, autonegotiation done), so an unchanged
 * default configuration costs no renegotiation.
 */
static int e1000_csb_phy_autoneg(struct e1000_csb_adapter *adapter)
{
	u16 anar, ctrl1000, bmcr, new_anar, new_1000;
	int err;

	err = e1000_csb_phy_read(adapter, MII_ADVERTISE, &anar) ?:
	      e1000_csb_phy_read(adapter, MII_CTRL1000, &ctrl1000) ?:
	      e1000_csb_phy_read(adapter, MII_BMCR, &bmcr);
	if (err)
		return err;
	new_anar = (anar & ~ADVERTISE_ALL) |
		   linkmode_adv_to_mii_adv_t(adapter->advertising);
	new_1000 = (ctrl1000 & ~(ADVERTISE_1000FULL | ADVERTISE_1000HALF)) |
		   linkmode_adv_to_mii_ctrl1000_t(adapter->advertising);
	if (new_anar == anar && new_1000 == ctrl1000 && (bmcr & BMCR_ANENABLE))
		return 0;
	return e1000_csb_phy_write(adapter, MII_ADVERTISE, new_anar) ?:
	       e1000_csb_phy_write(adapter, MII_CTRL1000, new_1000) ?:
	       e1000_csb_phy_write(adapter, MII_BMCR,
				   BMCR_ANENABLE | BMCR_ANRESTART);
}

/* Forced speed and duplex: the PHY without autonegotiation, then reset. */
static int e1000_csb_phy_force(struct e1000_csb_adapter *adapter)
{
	u16 bmcr = BMCR_RESET;

	if (adapter->forced_speed == SPEED_100)
		bmcr |= BMCR_SPEED100;
	if (adapter->forced_duplex == DUPLEX_FULL)
		bmcr |= BMCR_FULLDPLX;
	return e1000_csb_phy_write(adapter, MII_BMCR, bmcr);
}

/**
 * e1000_csb_hw_init_link - program MAC and PHY for the configured link
 * @adapter: board private structure
 *
 * Copper parts with the internal PHY.  With autonegotiation the MAC
 * follows the PHY's resolved speed and duplex (ASDE, FRCSPD and FRCDPLX
 * clear); forced, CTRL carries speed and duplex (FRCSPD, FRCDPLX, SPEED,
 * FD) and the PHY's autonegotiation is off, as the 8254x developer's
 * manual describes for the internal PHY.  SLU forces the link-up
 * indication in both.
 */
int e1000_csb_hw_init_link(struct e1000_csb_adapter *adapter)
{
	u32 ctrl;
	u16 id1 = 0, id2 = 0;

	ctrl = e1000_csb_rd32(adapter, E1000_CTRL);
	ctrl &= ~(E1000_CTRL_FRCSPD | E1000_CTRL_FRCDPLX | E1000_CTRL_ASDE |
		  E1000_CTRL_SPEED_MASK | E1000_CTRL_FD |
		  E1000_CTRL_LRST | E1000_CTRL_ILOS |
		  E1000_CTRL_PHY_RST | E1000_CTRL_RFCE |
		  E1000_CTRL_TFCE | E1000_CTRL_VME);
	ctrl |= E1000_CTRL_SLU;
	if (adapter->autoneg == AUTONEG_ENABLE) {
		ctrl |= E1000_CTRL_ASDE;
	} else {
		ctrl |= E1000_CTRL_FRCSPD | E1000_CTRL_FRCDPLX |
			FIELD_PREP(E1000_CTRL_SPEED_MASK,
				   adapter->forced_speed == SPEED_100 ?
				   E1000_CTRL_SPEED_100 : E1000_CTRL_SPEED_10);
		if (adapter->forced_duplex == DUPLEX_FULL)
			ctrl |= E1000_CTRL_FD;
	}
	e1000_csb_wr32(adapter, E1000_CTRL, ctrl);

	if (!adapter->phy_id &&
	    !e1000_csb_phy_read(adapter, E1000_PHY_ID1, &id1) &&
	    !e1000_csb_phy_read(adapter, E1000_PHY_ID2, &id2))
		adapter->phy_id = ((u32)id1 << 16) | id2;

	if (adapter->autoneg == AUTONEG_ENABLE)
		return e1000_csb_phy_autoneg(adapter);
	return e1000_csb_phy_force(adapter);
}

bool e1000_csb_hw_link_status(struct e1000_csb_adapter *adapter, u32 *speed,
			      u8 *duplex)
{
	u32 status = e1000_csb_rd32(adapter, E1000_STATUS);

	if (status == ~0U || !(status & E1000_STATUS_LU))
		return false;

	switch (FIELD_GET(E1000_STATUS_SPEED_MASK, status)) {
	case E1000_STATUS_SPEED_10:
		*speed = SPEED_10;
		break;
	case E1000_STATUS_SPEED_100:
		*speed = SPEED_100;
		break;
	default:
		*speed = SPEED_1000;
		break;
	}
	*duplex = (status & E1000_STATUS_FD) ? DUPLEX_FULL : DUPLEX_HALF;
	return true;
}

/* ---------------- statistics ---------------- */

/*
 * What register @i counted since the last read, which returned @val: all
 * of it for a register that clears on read; for a kept one the growth
 * since the last value read, or all of it if it went down (the device
 * was reset: QEMU clears its registers at a system reset, not at
 * CTRL.RST).  Under stats_mutex.
 */
static u64 e1000_csb_hw_stat_delta(struct e1000_csb_adapter *adapter,
				   int i, u64 val)
{
	u32 last = adapter->hw_stats_raw[i];

	if (!e1000_csb_hw_stats[i].kept)
		return val;
	adapter->hw_stats_raw[i] = val;
	return val >= last ? val - last : val;
}

/*
 * At probe: what the kept registers hold already (counted before this
 * driver had the device, by an earlier load or another driver) is not
 * ours to count.
 */
void e1000_csb_hw_stats_init(struct e1000_csb_adapter *adapter)
{
	int i;

	mutex_lock(&adapter->stats_mutex);
	for (i = 0; i < E1000_CSB_NUM_HW_STATS; i++)
		if (e1000_csb_hw_stats[i].kept)
			adapter->hw_stats_raw[i] =
				e1000_csb_rd32(adapter, e1000_csb_hw_stats[i].reg);
	mutex_unlock(&adapter->stats_mutex);
}

/*
 * Read every statistics register once and add what it counted since the
 * last read to the totals.  Process context only: the mutex keeps two
 * readers from splitting a 64-bit low/high pair (reading the high half
 * clears both).
 */
void e1000_csb_hw_update_stats(struct e1000_csb_adapter *adapter)
{
	u64 vals[E1000_CSB_NUM_HW_STATS];
	unsigned long flags;
	int i;

	if (e1000_csb_removed(adapter))
		return;

	mutex_lock(&adapter->stats_mutex);
	for (i = 0; i < E1000_CSB_NUM_HW_STATS; i++) {
		const struct e1000_csb_hw_stat *st = &e1000_csb_hw_stats[i];

		vals[i] = e1000_csb_rd32(adapter, st->reg);
		if (st->wide)
			vals[i] |= (u64)e1000_csb_rd32(adapter, st->reg + 4) << 32;
		if (e1000_csb_removed(adapter))
			break;
		vals[i] = e1000_csb_hw_stat_delta(adapter, i, vals[i]);
	}
	/* a vanished device reads all-ones: do not add garbage */
	if (!e1000_csb_removed(adapter)) {
		spin_lock_irqsave(&adapter->stats_lock, flags);
		for (i = 0; i < E1000_CSB_NUM_HW_STATS; i++)
			adapter->hw_stats[i] += vals[i];
		spin_unlock_irqrestore(&adapter->stats_lock, flags);
	}
	mutex_unlock(&adapter->stats_mutex);
}

/* Accumulated value of one statistics register (by its offset). */
u64 e1000_csb_hw_stat_get(struct e1000_csb_adapter *adapter, u32 reg)
{
	unsigned long flags;
	u64 val = 0;
	int i;

	spin_lock_irqsave(&adapter->stats_lock, flags);
	for (i = 0; i < E1000_CSB_NUM_HW_STATS; i++) {
		if (e1000_csb_hw_stats[i].reg == reg) {
			val = adapter->hw_stats[i];
			break;
		}
	}
	spin_unlock_irqrestore(&adapter->stats_lock, flags);
	return val;
}
