/* SPDX-License-Identifier: GPL-2.0 */
/*
 * e1000_csb: driver for the Intel 8254x gigabit controllers as emulated by
 * QEMU (82540EM, 82544GC, 82545EM), with a paravirtual Communication Status
 * Block (CSB) mode on hosts that offer it (Documentation/csb-spec.md).
 */
#ifndef _E1000_CSB_H_
#define _E1000_CSB_H_

#include <linux/types.h>
#include <linux/io.h>
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/sizes.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
/* the page pool API moved to net/page_pool/ in Linux 6.6 (see Kbuild) */
#ifdef E1000_CSB_PAGE_POOL_HELPERS
#include <net/page_pool/helpers.h>
#else
#include <net/page_pool.h>
#endif
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/hrtimer.h>

#include "e1000_csb_regs.h"
#include "e1000_csb_abi.h"
#include "e1000_csb_watch.h"
#include "e1000_csb_txq.h"

#define E1000_CSB_DRV_NAME	"e1000_csb"
/* E1000_CSB_DRV_VERSION: PACKAGE_VERSION in dkms.conf, passed by driver/Kbuild */

/* Ring size limits: RDLEN/TDLEN must be a multiple of 128 bytes (8 descs) */
#define E1000_CSB_MIN_RING	80
#define E1000_CSB_MAX_RING	4096
#define E1000_CSB_RING_ALIGN	8
/*
 * 128 TX descriptors hold about as many small packets as the in-kernel
 * e1000's 256: it writes a checksum context descriptor before every such
 * packet, this driver only when the context changes.  A TX queue that stops
 * sooner lets the qdisc batch the next doorbell (Documentation/
 * performance.md, "Session 13").
 */
#define E1000_CSB_DEFAULT_TXD	128
#define E1000_CSB_DEFAULT_RXD	256

/* MTU limits (frame = MTU + 14 + 4 VLAN + 4 FCS) */
#define E1000_CSB_MAX_MTU	9000

/* Receive buffers: one page each, 4096 bytes handed to the device */
#define E1000_CSB_RX_BUF_LEN	4096
#define E1000_CSB_RX_HDR_LEN	256	/* linear part / copybreak size */

/* Worst case descriptors for one skb of this kernel (e1000_csb_txq.h) */
#define E1000_CSB_TX_DESC_NEEDED	e1000_csb_tx_desc_needed(MAX_SKB_FRAGS)

/* ITR register unit is 256 ns */
#define E1000_CSB_ITR_MAX_USECS		10000

#define E1000_CSB_WATCHDOG_PERIOD	(2 * HZ)

/* Private flags (ethtool --show-priv-flags) */
#define E1000_CSB_PFLAG_CSB		BIT(0)
#define E1000_CSB_NUM_PFLAGS		1

/* adapter->state bits */
enum e1000_csb_state_bits {
	E1000_CSB_STATE_DOWN,		/* interface not running */
	E1000_CSB_STATE_REMOVED,	/* device vanished (reads all-ones) */
};

enum e1000_csb_mac_type {
	E1000_CSB_MAC_82544,
	E1000_CSB_MAC_82540,
	E1000_CSB_MAC_82545,
};

/* ---------------- descriptors (little endian, 16 bytes) ---------------- */

struct e1000_csb_tx_desc {
	__le64 addr;
	__le32 lower;	/* length | CSO or DTYP | CMD */
	__le32 upper;	/* STA | CSS or POPTS | special */
};

struct e1000_csb_tx_ctx_desc {
	__le32 ip_setup;	/* IPCSS | IPCSO << 8 | IPCSE << 16 */
	__le32 tu_setup;	/* TUCSS | TUCSO << 8 | TUCSE << 16 */
	__le32 cmd_len;		/* PAYLEN | DTYP << 20 | TUCMD << 24 */
	__le32 seg_setup;	/* STA | HDRLEN << 8 | MSS << 16 */
};

struct e1000_csb_rx_desc {
	__le64 addr;
	__le16 length;
	__le16 csum;
	u8 status;
	u8 errors;
	__le16 special;
};

/* ---------------- software ring state ---------------- */

/* The two directions of the CSB's handshakes (e1000_csb_mode.c). */
enum e1000_csb_dir {
	E1000_CSB_DIR_TX,
	E1000_CSB_DIR_RX,
};

/* CSB mode's share of a ring, the same for TX and RX (e1000_csb_mode.c) */
struct e1000_csb_ring_csb {
	u32 published;			/* tail last written to the CSB */
	u64_stats_t kicks;		/* traps: TX thread asleep, RX starved */
	u64_stats_t kicks_avoided;	/* tails published without a trap */
	u64_stats_t kick_requests;	/* tx_kick / rx_kick requests seen */
	u64_stats_t irq_requests;	/* TX: queue stopped; RX: re-arms */
};

enum e1000_csb_map_type {
	E1000_CSB_MAP_NONE,
	E1000_CSB_MAP_SINGLE,
	E1000_CSB_MAP_PAGE,
};

struct e1000_csb_tx_buffer {
	/* valid on the first descriptor of a packet */
	struct sk_buff *skb;
	u32 eop;		/* index of the packet's last descriptor */
	u32 bytecount;		/* bytes on the wire (incl. replicated hdrs) */
	u16 segs;		/* packets on the wire */
	/* valid on any descriptor that owns a DMA mapping */
	u8 map_type;		/* enum e1000_csb_map_type */
	u32 map_len;
	dma_addr_t dma;
};

struct e1000_csb_rx_buffer {
	struct page *page;
	dma_addr_t dma;
};

/* the last offload context loaded into the device */
struct e1000_csb_tx_ctx {
	u32 ip_setup;
	u32 tu_setup;
	u32 cmd_len;
	u32 seg_setup;
	bool valid;
};

struct e1000_csb_tx_ring {
	struct e1000_csb_adapter *adapter;
	struct net_device *netdev;
	struct device *dev;		/* for DMA */
	void *desc;			/* descriptor ring (coherent) */
	dma_addr_t desc_dma;
	u32 size;			/* ring size in bytes */
	u32 count;			/* number of descriptors */
	u32 next_to_use;		/* producer index (TDT) */
	u32 next_to_clean;		/* consumer index */
	struct e1000_csb_tx_buffer *buffers;
	struct e1000_csb_tx_ctx ctx;

	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t stops;		/* queue stopped: ring full */
	u64_stats_t restarts;		/* queue woken after a stop */
	u64_stats_t tso;		/* TSO packets handed to device */
	u64_stats_t csum;		/* checksum offloaded packets */
	u64_stats_t ctx_desc;		/* context descriptors written */
	u64_stats_t doorbells;		/* TDT writes */
	u64_stats_t dma_err;
	u64_stats_t dropped;
	u64_stats_t busy;

	struct e1000_csb_ring_csb csb;	/* CSB mode: kicks are TDT writes */
	u64_stats_t csb_xmit_reclaims;	/* completions reclaimed by xmit */
};

struct e1000_csb_rx_ring {
	struct e1000_csb_adapter *adapter;
	struct net_device *netdev;
	struct device *dev;
	void *desc;
	dma_addr_t desc_dma;
	u32 size;
	u32 count;
	u32 next_to_use;		/* next slot to refill (RDT) */
	u32 next_to_clean;		/* next slot the device completes */
	struct e1000_csb_rx_buffer *buffers;
	struct page_pool *page_pool;	/* the buffers' pages, DMA-mapped */
	struct sk_buff *skb;		/* frame spanning descriptors */
	bool discard;			/* drop rest of the current frame */

	struct u64_stats_sync syncp;
	u64_stats_t packets;
	u64_stats_t bytes;
	u64_stats_t alloc_fail;
	u64_stats_t csum_good;
	u64_stats_t csum_err;
	u64_stats_t frame_err;		/* dropped: descriptor error bits */
	u64_stats_t dropped;		/* dropped: no memory */
	u64_stats_t copybreak;		/* copied, page recycled */
	u64_stats_t multi_desc;		/* frames spanning > 1 descriptor */
	u64_stats_t doorbells;		/* RDT writes */
	u64_stats_t host_errors;	/* DD on a slot not given */
	u64_stats_t dd_ahead;		/* CSB mode: DD past rx_head */

	struct e1000_csb_ring_csb csb;	/* CSB mode: kicks are KICK writes */
};

/*
 * Register access accounting.  Every MMIO access is a trap to the
 * hypervisor under emulation, so the driver counts them per class.
 * The counters are per-CPU (this_cpu_inc is a single instruction on x86
 * and safe from any context), and are summed when ethtool -S asks.
 */
enum e1000_csb_reg_class {
	E1000_CSB_RCLASS_DOORBELL,	/* TDT, RDT */
	E1000_CSB_RCLASS_IRQ,		/* ICR, ICS, IMS, IMC */
	E1000_CSB_RCLASS_OTHER,
	E1000_CSB_RCLASS_NCLASS,
};

struct e1000_csb_reg_counters {
	u64 rd[E1000_CSB_RCLASS_NCLASS];
	u64 wr[E1000_CSB_RCLASS_NCLASS];
};

/*
 * Paravirtual (CSB) mode state.  @block and @active change only with the data
 * path quiesced (e1000_csb_mode_switch(), up, down), so the hot paths read
 * them without locks.
 */
struct e1000_csb_mode {
	/* what the host offers, from its PCI capability; fixed after probe */
	bool offered;			/* a well-formed capability exists */
	u16 major;
	u16 minor;
	u32 features;			/* CSB_F_* offered */
	u32 regs;			/* BAR0 offset of the CSB registers */

	struct csb_block *block;	/* the block, NULL in plain mode */
	dma_addr_t block_dma;
	u32 active;			/* features accepted while active */
	u8 host_err;			/* last refusal code from the host */

	unsigned long broken;		/* bit 0: fallback scheduled */
	char broken_why[80];
	struct work_struct fallback_task;
	struct hrtimer reclaim_timer;	/* TX completions when no IRQ comes */

	u64 switches;
	u64 fallbacks;
	u64 host_errors;
	u64 reclaim_timer_runs;
	u64 blocks_leaked;		/* blocks the device did not release */
	u64 rescues;			/* lost wake-ups mended (self-healing) */
	/* self-healing: what the last watchdog check found suspicious */
	struct e1000_csb_mark tx_mark;
	struct e1000_csb_mark rx_mark;
	struct e1000_csb_mark irq_mark;
	u64 enabled;			/* 1 while active (for ethtool -S) */
};

/*
 * device statistics registers, accumulated: the 8254x clears them on read,
 * QEMU's e1000 keeps some counting (e1000_csb_hw.c)
 */
struct e1000_csb_hw_stat {
	const char *name;
	u32 reg;
	bool wide;		/* reg is the low half of a 64-bit pair */
	bool kept;		/* QEMU does not clear it on read */
};

#define E1000_CSB_NUM_HW_STATS	54
extern const struct e1000_csb_hw_stat e1000_csb_hw_stats[];

struct e1000_csb_adapter {
	struct net_device *netdev;
	struct pci_dev *pdev;
	/* MMIO base; set to NULL once the device is found gone */
	u8 __iomem *hw_addr;
	u8 __iomem *io_base;		/* the mapping itself, for iounmap */
	void *fake_regs;		/* debugfs: simulated dead device */
	struct dentry *dbg_dir;
	struct e1000_csb_reg_counters __percpu *regcnt;

	unsigned long state;
	u32 msg_enable;
	u32 priv_flags;

	enum e1000_csb_mac_type mac_type;
	u16 device_id;
	u8 revision;
	bool eeprom_ok;
	u8 perm_addr[ETH_ALEN];
	u32 phy_id;

	struct napi_struct napi;
	struct e1000_csb_mode csb;
	struct e1000_csb_tx_ring tx_ring;
	struct e1000_csb_rx_ring rx_ring;
	u32 tx_ring_count;		/* requested sizes */
	u32 rx_ring_count;

	u32 ims;			/* causes we enable in IMS */
	u32 ims_live;			/* what IMS holds now: ims or 0 */
	u32 rx_usecs;			/* coalescing, mapped to ITR */
	u32 rctl;			/* last value written to RCTL */
	u32 mta[E1000_MTA_REGS];	/* shadow of the multicast table */
	bool mta_valid;			/* shadow matches the device */
	u32 rar_used;			/* RAR entries that may be valid */

	/* link configuration (ethtool -s): autonegotiation or forced */
	u8 autoneg;			/* AUTONEG_ENABLE or AUTONEG_DISABLE */
	__ETHTOOL_DECLARE_LINK_MODE_MASK(advertising);	/* with autoneg */
	u32 forced_speed;		/* without: SPEED_10 or SPEED_100 */
	u8 forced_duplex;		/* and DUPLEX_HALF or DUPLEX_FULL */

	/* link state as last reported to the stack */
	bool link_up;
	u32 link_speed;
	u8 link_duplex;

	struct delayed_work watchdog;
	struct work_struct reset_task;

	/* hardware statistics and ISR counters */
	struct mutex stats_mutex;	/* serialises statistics reads */
	spinlock_t stats_lock;		/* protects hw_stats */
	u64 hw_stats[E1000_CSB_NUM_HW_STATS];
	u32 hw_stats_raw[E1000_CSB_NUM_HW_STATS];	/* kept: last read */
	u64 irq_count;			/* ISR invocations that were ours */
	u64 irq_none;			/* ISR invocations not for us */
	u64 tx_timeouts;
	u64 resets;
};

/*
 * Count one event in a ring's u64_stats (the ring's writers are serialised:
 * TX by the queue lock, RX by NAPI).
 */
static inline void e1000_csb_stat_inc(struct u64_stats_sync *syncp,
				      u64_stats_t *stat)
{
	u64_stats_update_begin(syncp);
	u64_stats_inc(stat);
	u64_stats_update_end(syncp);
}

/* ---------------- register access ---------------- */

static __always_inline enum e1000_csb_reg_class e1000_csb_reg_class(u32 reg)
{
	switch (reg) {
	case E1000_TDT:
	case E1000_RDT:
		return E1000_CSB_RCLASS_DOORBELL;
	case E1000_ICR:
	case E1000_ICS:
	case E1000_IMS:
	case E1000_IMC:
		return E1000_CSB_RCLASS_IRQ;
	default:
		return E1000_CSB_RCLASS_OTHER;
	}
}

void e1000_csb_check_removed(struct e1000_csb_adapter *adapter);

/**
 * e1000_csb_rd32 - read a device register (the only MMIO read path)
 * @adapter: board private structure
 * @reg: register offset
 *
 * Returns all-ones without touching the bus once the device is gone.
 */
static __always_inline u32 e1000_csb_rd32(struct e1000_csb_adapter *adapter,
					  u32 reg)
{
	u8 __iomem *hw = READ_ONCE(adapter->hw_addr);
	u32 val;

	if (unlikely(!hw))
		return ~0U;
	this_cpu_inc(adapter->regcnt->rd[e1000_csb_reg_class(reg)]);
	val = readl(hw + reg);
	if (unlikely(val == ~0U))
		e1000_csb_check_removed(adapter);
	return val;
}

/* Write a register, counted in class @cls (the CSB KICK register). */
static __always_inline void __e1000_csb_wr32(struct e1000_csb_adapter *adapter,
					     u32 reg, u32 val,
					     enum e1000_csb_reg_class cls)
{
	u8 __iomem *hw = READ_ONCE(adapter->hw_addr);

	if (unlikely(!hw))
		return;
	this_cpu_inc(adapter->regcnt->wr[cls]);
	writel(val, hw + reg);
}

/**
 * e1000_csb_wr32 - write a device register (the only MMIO write path)
 * @adapter: board private structure
 * @reg: register offset
 * @val: value
 *
 * writel() orders all earlier stores to coherent memory (descriptors)
 * before the register write, so doorbells need no extra barrier.
 */
static __always_inline void e1000_csb_wr32(struct e1000_csb_adapter *adapter,
					   u32 reg, u32 val)
{
	__e1000_csb_wr32(adapter, reg, val, e1000_csb_reg_class(reg));
}

static inline void e1000_csb_flush(struct e1000_csb_adapter *adapter)
{
	e1000_csb_rd32(adapter, E1000_STATUS);
}

static inline bool e1000_csb_removed(struct e1000_csb_adapter *adapter)
{
	return test_bit(E1000_CSB_STATE_REMOVED, &adapter->state);
}

/* Reset the device from process context (e1000_csb_reset_task()). */
static inline void e1000_csb_schedule_reset(struct e1000_csb_adapter *adapter)
{
	if (!e1000_csb_removed(adapter))
		schedule_work(&adapter->reset_task);
}

/*
 * ---------------- notification hooks ----------------
 * Doorbells, interrupt mask/unmask and the interrupt cause read are each
 * done in exactly one function below; nothing else in the driver touches
 * TDT, RDT, ICR, IMS or IMC on the data path.  In CSB mode the doorbells
 * become shared-memory updates (e1000_csb_mode.c), and NAPI uses interrupt
 * requests in the CSB instead of IMC/IMS (e1000_csb_mode_irq_*).
 */

/*
 * The full barrier of the handshakes TX-G, RX-G and IRQ-G (spec sections
 * 5-7).  virt_mb() is a lock-prefixed add on x86, which QEMU's TCG turns
 * into a plain load and store without any host barrier when the VM cannot
 * have a second vCPU (no parallel mode); MFENCE, x86's mb(), it always
 * turns into a host full barrier.  A few cycles dearer under hardware
 * virtualization, right on every accelerator.
 */
#define e1000_csb_handshake_mb()	mb()

static inline bool e1000_csb_mode_on(const struct e1000_csb_adapter *adapter,
				     u32 feature)
{
	return READ_ONCE(adapter->csb.active) & feature;
}

void e1000_csb_mode_publish(struct e1000_csb_adapter *adapter,
			    enum e1000_csb_dir dir);

/* Tell the device about new transmit descriptors up to next_to_use. */
static inline void e1000_csb_tx_doorbell(struct e1000_csb_adapter *adapter,
					 struct e1000_csb_tx_ring *ring)
{
	if (e1000_csb_mode_on(adapter, CSB_F_TX))
		e1000_csb_mode_publish(adapter, E1000_CSB_DIR_TX);
	else
		e1000_csb_wr32(adapter, E1000_TDT, ring->next_to_use);
}

/* Hand refilled receive descriptors (up to next_to_use) to the device. */
static inline void e1000_csb_rx_doorbell(struct e1000_csb_adapter *adapter,
					 struct e1000_csb_rx_ring *ring)
{
	if (e1000_csb_mode_on(adapter, CSB_F_RX))
		e1000_csb_mode_publish(adapter, E1000_CSB_DIR_RX);
	else
		e1000_csb_wr32(adapter, E1000_RDT, ring->next_to_use);
}

/* Unmask the interrupt causes the driver uses. */
static inline void e1000_csb_irq_enable(struct e1000_csb_adapter *adapter)
{
	WRITE_ONCE(adapter->ims_live, adapter->ims);
	e1000_csb_wr32(adapter, E1000_IMS, adapter->ims);
}

/*
 * Schedule NAPI from process context (the softirq runs when bottom halves
 * are enabled again, not at the next interrupt).
 */
static inline void e1000_csb_napi_kick(struct e1000_csb_adapter *adapter)
{
	local_bh_disable();
	napi_schedule(&adapter->napi);
	local_bh_enable();
}

/* Mask all interrupt causes (no flush; callers flush if needed). */
static inline void e1000_csb_irq_disable(struct e1000_csb_adapter *adapter)
{
	e1000_csb_wr32(adapter, E1000_IMC, E1000_INT_ALL);
	WRITE_ONCE(adapter->ims_live, 0);
}

/*
 * Read (and thereby acknowledge) the pending interrupt causes.  In CSB
 * mode too: with legacy INTx the ICR read is what lowers the line.
 */
static inline u32 e1000_csb_irq_read_cause(struct e1000_csb_adapter *adapter)
{
	return e1000_csb_rd32(adapter, E1000_ICR);
}

/* ring helpers */
static inline u32 e1000_csb_tx_unused(const struct e1000_csb_tx_ring *ring)
{
	u32 ntc = READ_ONCE(ring->next_to_clean);
	u32 ntu = ring->next_to_use;

	return ((ntc > ntu) ? 0 : ring->count) + ntc - ntu - 1;
}

static inline u32 e1000_csb_rx_unused(const struct e1000_csb_rx_ring *ring)
{
	u32 ntc = ring->next_to_clean;
	u32 ntu = ring->next_to_use;

	return ((ntc > ntu) ? 0 : ring->count) + ntc - ntu - 1;
}

#define E1000_CSB_TX_DESC(r, i)	(&((struct e1000_csb_tx_desc *)(r)->desc)[i])
#define E1000_CSB_TX_CTX(r, i) \
	(&((struct e1000_csb_tx_ctx_desc *)(r)->desc)[i])
#define E1000_CSB_RX_DESC(r, i)	(&((struct e1000_csb_rx_desc *)(r)->desc)[i])

/* ---------------- e1000_csb_hw.c ---------------- */
void e1000_csb_reg_counters_sum(struct e1000_csb_adapter *adapter,
				struct e1000_csb_reg_counters *sum);
int e1000_csb_hw_identify(struct e1000_csb_adapter *adapter);
int e1000_csb_hw_reset(struct e1000_csb_adapter *adapter);
int e1000_csb_read_mac_addr(struct e1000_csb_adapter *adapter);
int e1000_csb_hw_init_link(struct e1000_csb_adapter *adapter);
void e1000_csb_hw_link_modes(unsigned long *modes);
void e1000_csb_hw_link_defaults(struct e1000_csb_adapter *adapter);
bool e1000_csb_hw_link_status(struct e1000_csb_adapter *adapter, u32 *speed,
			      u8 *duplex);
void e1000_csb_hw_set_rar(struct e1000_csb_adapter *adapter, u32 index,
			  const u8 *addr);
void e1000_csb_hw_stats_init(struct e1000_csb_adapter *adapter);
void e1000_csb_hw_update_stats(struct e1000_csb_adapter *adapter);
u64 e1000_csb_hw_stat_get(struct e1000_csb_adapter *adapter, u32 reg);
void e1000_csb_hw_set_itr(struct e1000_csb_adapter *adapter);
bool e1000_csb_hw_has_itr(const struct e1000_csb_adapter *adapter);

/* ---------------- e1000_csb_ring.c ---------------- */
void e1000_csb_rings_init(struct e1000_csb_adapter *adapter);
int e1000_csb_rings_alloc(struct e1000_csb_adapter *adapter);
void e1000_csb_rings_free(struct e1000_csb_adapter *adapter);

/* ---------------- e1000_csb_tx.c ---------------- */
void e1000_csb_tx_configure(struct e1000_csb_adapter *adapter);
void e1000_csb_tx_clean_all(struct e1000_csb_adapter *adapter);
bool e1000_csb_tx_clean(struct e1000_csb_adapter *adapter, int napi_budget);
netdev_tx_t e1000_csb_xmit_frame(struct sk_buff *skb,
				 struct net_device *netdev);
netdev_features_t e1000_csb_features_check(struct sk_buff *skb,
					   struct net_device *netdev,
					   netdev_features_t features);

/* ---------------- e1000_csb_rx.c ---------------- */
void e1000_csb_rx_configure(struct e1000_csb_adapter *adapter);
void e1000_csb_rx_clean_all(struct e1000_csb_adapter *adapter);
int e1000_csb_rx_clean(struct e1000_csb_adapter *adapter, int budget);
void e1000_csb_set_rx_mode(struct net_device *netdev);
void e1000_csb_rx_set_lpe(struct e1000_csb_adapter *adapter);

/* ---------------- e1000_csb_mode.c ---------------- */
void e1000_csb_mode_probe(struct e1000_csb_adapter *adapter);
void e1000_csb_mode_init(struct e1000_csb_adapter *adapter);
void e1000_csb_mode_up(struct e1000_csb_adapter *adapter);
void e1000_csb_mode_down(struct e1000_csb_adapter *adapter);
void e1000_csb_mode_remove(struct e1000_csb_adapter *adapter);
int e1000_csb_mode_set(struct e1000_csb_adapter *adapter, bool on);
void e1000_csb_mode_watchdog(struct e1000_csb_adapter *adapter);
void e1000_csb_mode_tx_stopped(struct e1000_csb_adapter *adapter,
			       struct e1000_csb_tx_ring *ring);
void e1000_csb_mode_tx_poll_done(struct e1000_csb_adapter *adapter,
				 struct e1000_csb_tx_ring *ring);
void e1000_csb_mode_irq_off(struct e1000_csb_adapter *adapter);
bool e1000_csb_mode_irq_rearm(struct e1000_csb_adapter *adapter);
u32 e1000_csb_mode_rx_end(struct e1000_csb_adapter *adapter, u32 from);
void e1000_csb_mode_rx_ahead(struct e1000_csb_adapter *adapter);
void e1000_csb_mode_host_error(struct e1000_csb_adapter *adapter,
			       const char *what, u32 val, u32 count);

/* ---------------- e1000_csb_ethtool.c ---------------- */
void e1000_csb_set_ethtool_ops(struct net_device *netdev);

/* ---------------- e1000_csb_debugfs.c ---------------- */
#ifdef CONFIG_DEBUG_FS
void e1000_csb_debugfs_init(void);
void e1000_csb_debugfs_exit(void);
void e1000_csb_debugfs_add(struct e1000_csb_adapter *adapter);
void e1000_csb_debugfs_remove(struct e1000_csb_adapter *adapter);
#else
static inline void e1000_csb_debugfs_init(void) {}
static inline void e1000_csb_debugfs_exit(void) {}
static inline void e1000_csb_debugfs_add(struct e1000_csb_adapter *a) {}
static inline void e1000_csb_debugfs_remove(struct e1000_csb_adapter *a) {}
#endif

/* ---------------- e1000_csb_main.c ---------------- */
int e1000_csb_up(struct e1000_csb_adapter *adapter);
void e1000_csb_down(struct e1000_csb_adapter *adapter);
irqreturn_t e1000_csb_intr(int irq, void *data);

#endif /* _E1000_CSB_H_ */
