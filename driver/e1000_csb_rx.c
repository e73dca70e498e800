// SPDX-License-Identifier: GPL-2.0
/*
 * e1000_csb: receive path - page-per-descriptor buffers from a page pool
 * (recycled through the skbs that carry them), batched refill,
 * frames spanning several descriptors, checksum status, GRO, and the
 * receive filters (RCTL, unicast RAR entries, multicast table).
 */

#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/skbuff.h>

#include "e1000_csb.h"

/* refill once this many slots are empty (one RDT write per batch) */
#define E1000_CSB_RX_REFILL_BATCH	32

/* Release all receive buffers (device receive unit must be stopped). */
void e1000_csb_rx_clean_all(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;
	u32 i;

	if (ring->skb) {
		dev_kfree_skb_any(ring->skb);
		ring->skb = NULL;
	}
	ring->discard = false;
	if (!ring->buffers)
		return;
	for (i = 0; i < ring->count; i++) {
		struct e1000_csb_rx_buffer *buf = &ring->buffers[i];

		if (!buf->page)
			continue;
		page_pool_put_full_page(ring->page_pool, buf->page, false);
		buf->page = NULL;
	}
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
}

static bool e1000_csb_rx_alloc_buf(struct e1000_csb_rx_ring *ring,
				   struct e1000_csb_rx_buffer *buf, gfp_t gfp)
{
	struct page *page;

	if (buf->page)		/* recycled in place */
		return true;

	/* mapped by the pool, and synced for the device */
	page = page_pool_alloc_pages(ring->page_pool, gfp | __GFP_NOWARN);
	if (unlikely(!page))
		return false;
	buf->page = page;
	buf->dma = page_pool_get_dma_addr(page);
	return true;
}

/**
 * e1000_csb_rx_refill - give empty slots new buffers, one doorbell per call
 * @adapter: board private structure
 * @gfp: allocation context
 *
 * Returns false if an allocation failed (the watchdog retries).
 */
static bool e1000_csb_rx_refill(struct e1000_csb_adapter *adapter, gfp_t gfp)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;
	u32 n = e1000_csb_rx_unused(ring);
	u32 i = ring->next_to_use;
	bool ok = true;

	while (n--) {
		struct e1000_csb_rx_buffer *buf = &ring->buffers[i];
		struct e1000_csb_rx_desc *desc = E1000_CSB_RX_DESC(ring, i);

		if (!e1000_csb_rx_alloc_buf(ring, buf, gfp)) {
			e1000_csb_stat_inc(&ring->syncp, &ring->alloc_fail);
			ok = false;
			break;
		}
		desc->addr = cpu_to_le64(buf->dma);
		desc->length = 0;
		desc->csum = 0;
		desc->status = 0;
		desc->errors = 0;
		desc->special = 0;
		if (++i == ring->count)
			i = 0;
	}

	if (i != ring->next_to_use) {
		ring->next_to_use = i;
		/* writel() orders the descriptor stores before the doorbell */
		e1000_csb_rx_doorbell(adapter, ring);
		e1000_csb_stat_inc(&ring->syncp, &ring->doorbells);
	}
	return ok;
}

/* Keep the page in its slot for the next refill. */
static void e1000_csb_rx_recycle(struct e1000_csb_rx_ring *ring,
				 struct e1000_csb_rx_buffer *buf, u32 len)
{
	dma_sync_single_range_for_device(ring->dev, buf->dma, 0, len,
					 DMA_FROM_DEVICE);
}

/*
 * Hand the page to the skb (marked for recycling, so the page goes back
 * to the pool, mapped, when the skb is freed); the slot gets a page from
 * the pool on refill.
 */
static void e1000_csb_rx_take_page(struct e1000_csb_rx_ring *ring,
				   struct e1000_csb_rx_buffer *buf)
{
	buf->page = NULL;
}

static void e1000_csb_rx_csum(struct e1000_csb_rx_ring *ring,
			      struct sk_buff *skb, u8 status, u8 errors)
{
	skb_checksum_none_assert(skb);

	if (!(ring->netdev->features & NETIF_F_RXCSUM))
		return;
	/* IXSM: the device did not look at the checksums */
	if (status & E1000_RXD_STAT_IXSM)
		return;
	if (errors & (E1000_RXD_ERR_TCPE | E1000_RXD_ERR_IPE)) {
		e1000_csb_stat_inc(&ring->syncp, &ring->csum_err);
		return;
	}
	if (status & E1000_RXD_STAT_TCPCS) {
		skb->ip_summed = CHECKSUM_UNNECESSARY;
		e1000_csb_stat_inc(&ring->syncp, &ring->csum_good);
	}
}

/* Start a frame from its first buffer: headers copied, rest as a frag. */
static struct sk_buff *e1000_csb_rx_first(struct e1000_csb_rx_ring *ring,
					  struct e1000_csb_rx_buffer *buf,
					  u32 len, bool eop, bool *copied)
{
	struct e1000_csb_adapter *adapter = ring->adapter;
	void *va = page_address(buf->page);
	struct sk_buff *skb;
	u32 hlen;

	skb = napi_alloc_skb(&adapter->napi, E1000_CSB_RX_HDR_LEN);
	if (unlikely(!skb))
		return NULL;
	/*
	 * its frags, if any, are pool pages (its head is not: allowed);
	 * marked even when copied whole, so all our RX skbs agree
	 */
	skb_mark_for_recycle(skb);

	if (eop && len <= E1000_CSB_RX_HDR_LEN) {
		/* small frame: copy it whole and keep the page */
		skb_put_data(skb, va, len);
		e1000_csb_rx_recycle(ring, buf, len);
		*copied = true;
		return skb;
	}

	hlen = eth_get_headlen(ring->netdev, va,
			       min_t(u32, len, E1000_CSB_RX_HDR_LEN));
	skb_put_data(skb, va, hlen);
	skb_add_rx_frag(skb, 0, buf->page, hlen, len - hlen, PAGE_SIZE);
	e1000_csb_rx_take_page(ring, buf);
	*copied = false;
	return skb;
}

/*
 * The device wrote back DD on a descriptor the driver never handed over
 * (its slot may hold no buffer): a host error.  Nothing is taken from the
 * slot.  Where the device will write next is anybody's guess now, so the
 * device is reset (in CSB mode after falling back to plain mode).
 */
static void e1000_csb_rx_bad_done(struct e1000_csb_rx_ring *ring, u32 i)
{
	struct e1000_csb_adapter *adapter = ring->adapter;

	e1000_csb_stat_inc(&ring->syncp, &ring->host_errors);
	if (net_ratelimit())
		netdev_warn(ring->netdev,
			    "host marked RX descriptor %u done, which was not given to it: resetting\n",
			    i);
	if (e1000_csb_mode_on(adapter, CSB_F_RX | CSB_F_IRQ))
		e1000_csb_mode_host_error(adapter, "DD on RX descriptor", i,
					  ring->count);
	else
		e1000_csb_schedule_reset(adapter);
}

/*
 * RX cleaning reached @end (next_to_use, or in CSB mode the device's
 * rx_head) and found DD on descriptor @i there.  True if the device has
 * moved on meanwhile and the descriptor may be taken (@end updated).
 */
static bool e1000_csb_rx_done_here(struct e1000_csb_adapter *adapter,
				   struct e1000_csb_rx_ring *ring, u32 i,
				   u32 *end)
{
	if (i == ring->next_to_use) {
		/* every buffer given is cleaned: this one was not given */
		e1000_csb_rx_bad_done(ring, i);
		return false;
	}
	*end = e1000_csb_mode_rx_end(adapter, i);
	if (*end != i)
		return true;
	e1000_csb_mode_rx_ahead(adapter);
	return false;
}

/* What one e1000_csb_rx_clean() counted, added to the ring's stats at its end */
struct e1000_csb_rx_tally {
	u64 bytes;
	u64 copybreak;
	u64 multi;		/* frames spanning > 1 descriptor */
	u64 frame_err;
	u64 nomem;
};

/*
 * Add a completed buffer of @len bytes to the frame being received, @skb
 * (NULL: this buffer starts one).  Returns the frame, or NULL if there is
 * none to go on with: the rest of a frame that could not be kept is
 * discarded (ring->discard).
 */
static struct sk_buff *e1000_csb_rx_add_buf(struct e1000_csb_rx_ring *ring,
					    struct sk_buff *skb,
					    struct e1000_csb_rx_buffer *buf,
					    u32 len, bool eop,
					    struct e1000_csb_rx_tally *t)
{
	bool copied;

	if (unlikely(ring->discard)) {
		e1000_csb_rx_recycle(ring, buf, len);
		if (eop)
			ring->discard = false;
		return NULL;
	}

	if (!skb) {
		skb = e1000_csb_rx_first(ring, buf, len, eop, &copied);
		if (unlikely(!skb)) {
			t->nomem++;
			e1000_csb_rx_recycle(ring, buf, len);
			ring->discard = !eop;
			return NULL;
		}
		if (copied)
			t->copybreak++;
	} else if (!len) {
		/* nothing in this buffer (e.g. only a stripped FCS) */
		e1000_csb_rx_recycle(ring, buf, 0);
	} else if (skb_shinfo(skb)->nr_frags < MAX_SKB_FRAGS) {
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags,
				buf->page, 0, len, PAGE_SIZE);
		e1000_csb_rx_take_page(ring, buf);
	} else {
		/* cannot happen with MTU <= 9000; be safe anyway */
		e1000_csb_rx_recycle(ring, buf, len);
		dev_kfree_skb_any(skb);
		t->frame_err++;
		ring->discard = !eop;
		return NULL;
	}
	return skb;
}

/* A whole frame: to the stack, or dropped for its errors.  True if passed. */
static bool e1000_csb_rx_deliver(struct e1000_csb_rx_ring *ring,
				 struct sk_buff *skb, u8 status, u8 errors,
				 struct e1000_csb_rx_tally *t)
{
	struct net_device *netdev = ring->netdev;

	if (unlikely(((errors & E1000_RXD_ERR_FRAME) &&
		      !(netdev->features & NETIF_F_RXALL)) ||
		     skb->len < ETH_HLEN)) {
		dev_kfree_skb_any(skb);
		t->frame_err++;
		return false;
	}

	e1000_csb_rx_csum(ring, skb, status, errors);
	t->bytes += skb->len;
	skb->protocol = eth_type_trans(skb, netdev);
	napi_gro_receive(&ring->adapter->napi, skb);
	return true;
}

/**
 * e1000_csb_rx_clean - receive up to @budget frames
 * @adapter: board private structure
 * @budget: NAPI budget
 *
 * Returns the number of frames passed to the stack.
 */
int e1000_csb_rx_clean(struct e1000_csb_adapter *adapter, int budget)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;
	struct e1000_csb_rx_tally t = {};
	struct sk_buff *skb = ring->skb;
	u32 i = ring->next_to_clean;
	u32 end = e1000_csb_mode_rx_end(adapter, i);
	int done = 0;

	while (done < budget) {
		struct e1000_csb_rx_desc *desc = E1000_CSB_RX_DESC(ring, i);
		struct e1000_csb_rx_buffer *buf = &ring->buffers[i];
		u8 status, errors;
		bool eop, cont;
		u32 len;

		status = READ_ONCE(desc->status);
		if (!(status & E1000_RXD_STAT_DD))
			break;
		if (unlikely(i == end) &&
		    !e1000_csb_rx_done_here(adapter, ring, i, &end))
			break;
		/* read the rest of the descriptor only after DD */
		dma_rmb();
		len = le16_to_cpu(desc->length);
		errors = desc->errors;
		eop = status & E1000_RXD_STAT_EOP;
		/* consumed: a slot not yet refilled must not look done again */
		desc->status = 0;
		if (++i == ring->count)
			i = 0;

		if (unlikely(len > E1000_CSB_RX_BUF_LEN))
			len = E1000_CSB_RX_BUF_LEN;
		dma_sync_single_range_for_cpu(ring->dev, buf->dma, 0, len,
					      DMA_FROM_DEVICE);

		cont = skb;
		skb = e1000_csb_rx_add_buf(ring, skb, buf, len, eop, &t);
		if (!skb || !eop)
			continue;
		if (cont)
			t.multi++;
		done += e1000_csb_rx_deliver(ring, skb, status, errors, &t);
		skb = NULL;
	}

	ring->skb = skb;
	ring->next_to_clean = i;

	u64_stats_update_begin(&ring->syncp);
	u64_stats_add(&ring->packets, done);
	u64_stats_add(&ring->bytes, t.bytes);
	u64_stats_add(&ring->copybreak, t.copybreak);
	u64_stats_add(&ring->multi_desc, t.multi);
	u64_stats_add(&ring->frame_err, t.frame_err);
	u64_stats_add(&ring->dropped, t.nomem);
	u64_stats_update_end(&ring->syncp);

	if (e1000_csb_rx_unused(ring) >=
	    min_t(u32, E1000_CSB_RX_REFILL_BATCH, ring->count / 4))
		e1000_csb_rx_refill(adapter, GFP_ATOMIC);

	return done;
}

/* ---------------- receive control and filters ---------------- */

static u32 e1000_csb_rctl_base(struct e1000_csb_adapter *adapter)
{
	u32 rctl = E1000_RCTL_EN | E1000_RCTL_BAM |
		   E1000_RCTL_SECRC | E1000_RCTL_SZ_4096 |
		   E1000_RCTL_RDMTS_HALF |
		   (0 << E1000_RCTL_MO_SHIFT);	/* hash: bits 47:36 */

	if (adapter->netdev->mtu > ETH_DATA_LEN)
		rctl |= E1000_RCTL_LPE;
	if (adapter->netdev->features & NETIF_F_RXALL)
		rctl |= E1000_RCTL_SBP;
	return rctl;
}

/*
 * Every RCTL write makes an emulated e1000 hold back receive for a while
 * (see NOTES-qemu-facts.md), so only write it when the value changes.
 */
static void e1000_csb_write_rctl(struct e1000_csb_adapter *adapter, u32 rctl)
{
	if (rctl == adapter->rctl)
		return;
	adapter->rctl = rctl;
	e1000_csb_wr32(adapter, E1000_RCTL, rctl);
}

void e1000_csb_rx_set_lpe(struct e1000_csb_adapter *adapter)
{
	u32 rctl = adapter->rctl;

	if (!(rctl & E1000_RCTL_EN))
		return;		/* applied by the next configure */
	rctl &= ~(E1000_RCTL_LPE | E1000_RCTL_SBP);
	rctl |= e1000_csb_rctl_base(adapter) &
		(E1000_RCTL_LPE | E1000_RCTL_SBP);
	e1000_csb_write_rctl(adapter, rctl);
}

/* 12-bit multicast hash with RCTL.MO = 0: address bits 47:36 */
static u32 e1000_csb_mta_hash(const u8 *addr)
{
	return ((addr[4] >> 4) | ((u32)addr[5] << 4)) & 0xFFF;
}

/* Compute filter bits and program RAR[1..15] and the MTA. */
static u32 e1000_csb_update_filters(struct e1000_csb_adapter *adapter)
{
	struct net_device *netdev = adapter->netdev;
	u32 mta[E1000_MTA_REGS] = {};
	struct netdev_hw_addr *ha;
	u32 filt = 0, idx, n;

	if (netdev->flags & IFF_PROMISC)
		return E1000_RCTL_UPE | E1000_RCTL_MPE;

	/* secondary unicast addresses: exact filters, else promiscuous */
	if (netdev_uc_count(netdev) > E1000_RAR_ENTRIES - 1) {
		filt |= E1000_RCTL_UPE;
	} else {
		idx = 1;
		netdev_for_each_uc_addr(ha, netdev)
			e1000_csb_hw_set_rar(adapter, idx++, ha->addr);
		for (; idx < E1000_RAR_ENTRIES; idx++)
			if (adapter->rar_used & BIT(idx))
				e1000_csb_hw_set_rar(adapter, idx, NULL);
		adapter->rar_used = GENMASK(netdev_uc_count(netdev), 0);
	}

	if (netdev->flags & IFF_ALLMULTI)
		return filt | E1000_RCTL_MPE;

	netdev_for_each_mc_addr(ha, netdev) {
		u32 h = e1000_csb_mta_hash(ha->addr);

		mta[h >> 5] |= BIT(h & 0x1F);
	}
	/* the table is 128 registers: write only what changed */
	for (n = 0; n < E1000_MTA_REGS; n++) {
		if (adapter->mta_valid && adapter->mta[n] == mta[n])
			continue;
		e1000_csb_wr32(adapter, E1000_MTA(n), mta[n]);
		adapter->mta[n] = mta[n];
	}
	adapter->mta_valid = true;
	return filt;
}

static void __e1000_csb_set_rx_mode(struct e1000_csb_adapter *adapter)
{
	u32 rctl;

	rctl = e1000_csb_rctl_base(adapter) | e1000_csb_update_filters(adapter);
	e1000_csb_write_rctl(adapter, rctl);
}

/* ndo_set_rx_mode; called with the address list lock held (atomic). */
void e1000_csb_set_rx_mode(struct net_device *netdev)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);

	if (test_bit(E1000_CSB_STATE_DOWN, &adapter->state) ||
	    e1000_csb_removed(adapter))
		return;
	__e1000_csb_set_rx_mode(adapter);
}

/* Program the receive unit and enable it; the ring must be empty. */
void e1000_csb_rx_configure(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;
	struct net_device *netdev = adapter->netdev;
	u32 rxcsum;

	memset(ring->desc, 0, ring->size);
	ring->next_to_use = 0;
	ring->next_to_clean = 0;

	/* interrupt moderation: only ITR (no packet timers) */
	e1000_csb_wr32(adapter, E1000_RDTR, 0);
	if (e1000_csb_hw_has_itr(adapter))
		e1000_csb_wr32(adapter, E1000_RADV, 0);
	e1000_csb_hw_set_itr(adapter);

	e1000_csb_wr32(adapter, E1000_RDBAL, lower_32_bits(ring->desc_dma));
	e1000_csb_wr32(adapter, E1000_RDBAH, upper_32_bits(ring->desc_dma));
	e1000_csb_wr32(adapter, E1000_RDLEN, ring->size);
	e1000_csb_wr32(adapter, E1000_RDH, 0);
	e1000_csb_wr32(adapter, E1000_RDT, 0);

	rxcsum = 0;
	if (netdev->features & NETIF_F_RXCSUM)
		rxcsum = E1000_RXCSUM_IPOFL | E1000_RXCSUM_TUOFL;
	e1000_csb_wr32(adapter, E1000_RXCSUM, rxcsum);

	/* buffers first, then the single RCTL write that enables receive */
	e1000_csb_rx_refill(adapter, GFP_KERNEL);

	adapter->mta_valid = false;
	adapter->rar_used = GENMASK(E1000_RAR_ENTRIES - 1, 1);
	netif_addr_lock_bh(netdev);
	__e1000_csb_set_rx_mode(adapter);
	netif_addr_unlock_bh(netdev);
}
