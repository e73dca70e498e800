// SPDX-License-Identifier: GPL-2.0
/*
 * e1000_csb: transmit path - ring setup, descriptor posting (legacy, and
 * context + extended data descriptors for checksum offload and TSO),
 * completion, BQL and queue flow control.
 */

#include <linux/dma-mapping.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>

#include "e1000_csb.h"

/* largest header the offload context can describe (8-bit fields) */
#define E1000_CSB_TX_MAX_OFFSET	255
/* packets reclaimed per NAPI poll before yielding */
#define E1000_CSB_TX_CLEAN_BUDGET	256

/* Program the transmit unit; the ring must be empty. */
void e1000_csb_tx_configure(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_tx_ring *ring = &adapter->tx_ring;
	u32 tctl;

	memset(ring->desc, 0, ring->size);
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
	ring->ctx.valid = false;

	e1000_csb_wr32(adapter, E1000_TDBAL, lower_32_bits(ring->desc_dma));
	e1000_csb_wr32(adapter, E1000_TDBAH, upper_32_bits(ring->desc_dma));
	e1000_csb_wr32(adapter, E1000_TDLEN, ring->size);
	e1000_csb_wr32(adapter, E1000_TDH, 0);
	e1000_csb_wr32(adapter, E1000_TDT, 0);

	e1000_csb_wr32(adapter, E1000_TIPG, E1000_TIPG_IPGT |
		       (E1000_TIPG_IPGR1 << E1000_TIPG_IPGR1_SHIFT) |
		       (E1000_TIPG_IPGR2 << E1000_TIPG_IPGR2_SHIFT));
	/* no transmit interrupt delay: descriptors never set IDE */
	e1000_csb_wr32(adapter, E1000_TIDV, 0);
	if (e1000_csb_hw_has_itr(adapter))
		e1000_csb_wr32(adapter, E1000_TADV, 0);

	tctl = E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_RTLC |
	       (E1000_TCTL_CT_DEFAULT << E1000_TCTL_CT_SHIFT) |
	       (E1000_TCTL_COLD_FD << E1000_TCTL_COLD_SHIFT);
	e1000_csb_wr32(adapter, E1000_TCTL, tctl);
}

static void e1000_csb_tx_unmap(struct e1000_csb_tx_ring *ring,
			       struct e1000_csb_tx_buffer *buf)
{
	switch (buf->map_type) {
	case E1000_CSB_MAP_SINGLE:
		dma_unmap_single(ring->dev, buf->dma, buf->map_len,
				 DMA_TO_DEVICE);
		break;
	case E1000_CSB_MAP_PAGE:
		dma_unmap_page(ring->dev, buf->dma, buf->map_len,
			       DMA_TO_DEVICE);
		break;
	default:
		break;
	}
	buf->map_type = E1000_CSB_MAP_NONE;
	buf->map_len = 0;
}

/* Release everything still on the ring (interface going down). */
void e1000_csb_tx_clean_all(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_tx_ring *ring = &adapter->tx_ring;
	u32 i;

	if (!ring->buffers)
		return;
	/* all mappings first: a packet's buffers may span the ring's end */
	for (i = 0; i < ring->count; i++)
		e1000_csb_tx_unmap(ring, &ring->buffers[i]);
	for (i = 0; i < ring->count; i++) {
		struct e1000_csb_tx_buffer *buf = &ring->buffers[i];

		if (buf->skb) {
			dev_kfree_skb_any(buf->skb);
			buf->skb = NULL;
		}
	}
	netdev_reset_queue(adapter->netdev);
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
	ring->ctx.valid = false;
}

/* Free descriptors at which the cleaner wakes a stopped queue */
static u32 e1000_csb_tx_wake_at(const struct e1000_csb_tx_ring *ring)
{
	/* a worst-case skb fits the smallest ring, whatever MAX_SKB_FRAGS */
	BUILD_BUG_ON(E1000_CSB_TX_DESC_NEEDED >= E1000_CSB_MIN_RING);
	return e1000_csb_tx_wake_thresh(ring->count, E1000_CSB_TX_DESC_NEEDED);
}

/**
 * e1000_csb_tx_clean - reclaim completed transmit descriptors
 * @adapter: board private structure
 * @napi_budget: NAPI budget (0 from netpoll or xmit), for napi_consume_skb
 *
 * Called under the TX queue lock (NAPI and netpoll take it; xmit holds it).
 * Returns true when all completed work was done.
 */
bool e1000_csb_tx_clean(struct e1000_csb_adapter *adapter, int napi_budget)
{
	struct e1000_csb_tx_ring *ring = &adapter->tx_ring;
	struct netdev_queue *txq = netdev_get_tx_queue(ring->netdev, 0);
	unsigned int pkts = 0, bytes = 0, segs = 0;
	unsigned int budget = E1000_CSB_TX_CLEAN_BUDGET;
	u32 i = ring->next_to_clean;

	for (; budget; budget--) {
		struct e1000_csb_tx_buffer *first = &ring->buffers[i];
		struct sk_buff *skb = READ_ONCE(first->skb);
		struct e1000_csb_tx_desc *eop_desc;
		u32 eop;

		if (!skb)
			break;
		/* pairs with smp_wmb() in e1000_csb_xmit_frame() */
		smp_rmb();
		eop = first->eop;
		eop_desc = E1000_CSB_TX_DESC(ring, eop);
		if (!(le32_to_cpu(READ_ONCE(eop_desc->upper)) &
		      E1000_TXD_STAT_DD))
			break;

		pkts++;
		segs += first->segs;
		bytes += first->bytecount;
		first->skb = NULL;

		/* unmap every descriptor of the packet, then free it */
		for (;;) {
			e1000_csb_tx_unmap(ring, &ring->buffers[i]);
			if (i == eop)
				break;
			if (++i == ring->count)
				i = 0;
		}
		if (++i == ring->count)
			i = 0;
		napi_consume_skb(skb, napi_budget);
	}

	if (!pkts)
		return true;

	WRITE_ONCE(ring->next_to_clean, i);

	u64_stats_update_begin(&ring->syncp);
	u64_stats_add(&ring->packets, segs);
	u64_stats_add(&ring->bytes, bytes);
	u64_stats_update_end(&ring->syncp);

	netdev_tx_completed_queue(txq, pkts, bytes);

	/* make next_to_clean visible before looking at the queue state;
	 * pairs with the barrier in e1000_csb_maybe_stop_tx()
	 */
	smp_mb();
	if (unlikely(netif_tx_queue_stopped(txq) &&
		     e1000_csb_tx_unused(ring) >= e1000_csb_tx_wake_at(ring) &&
		     !test_bit(E1000_CSB_STATE_DOWN, &adapter->state))) {
		netif_tx_wake_queue(txq);
		e1000_csb_stat_inc(&ring->syncp, &ring->restarts);
	}

	return budget != 0;
}

/* xmit in CSB mode: reclaim what the device finished, without waiting */
static void e1000_csb_tx_reclaim(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_tx_ring *ring = &adapter->tx_ring;
	struct e1000_csb_tx_buffer *first = &ring->buffers[ring->next_to_clean];

	if (!first->skb ||
	    !(le32_to_cpu(READ_ONCE(E1000_CSB_TX_DESC(ring, first->eop)->upper)) &
	      E1000_TXD_STAT_DD))
		return;
	e1000_csb_tx_clean(adapter, 0);
	e1000_csb_stat_inc(&ring->syncp, &ring->csb_xmit_reclaims);
}

static int e1000_csb_maybe_stop_tx(struct e1000_csb_tx_ring *ring, u32 needed)
{
	struct netdev_queue *txq = netdev_get_tx_queue(ring->netdev, 0);

	if (likely(e1000_csb_tx_unused(ring) >= needed))
		return 0;

	netif_tx_stop_queue(txq);
	e1000_csb_stat_inc(&ring->syncp, &ring->stops);

	/* CSB mode: the one case worth a TX interrupt (spec section 7) */
	if (e1000_csb_mode_on(ring->adapter, CSB_F_IRQ))
		e1000_csb_mode_tx_stopped(ring->adapter, ring);

	/* publish the stop before re-reading next_to_clean; pairs with the
	 * barrier in e1000_csb_tx_clean()
	 */
	smp_mb();
	if (likely(e1000_csb_tx_unused(ring) < needed))
		return -EBUSY;

	/* the cleaner freed space meanwhile */
	netif_tx_start_queue(txq);
	e1000_csb_stat_inc(&ring->syncp, &ring->restarts);
	return 0;
}

static u32 e1000_csb_tx_desc_count(const struct sk_buff *skb)
{
	u32 n = DIV_ROUND_UP(skb_headlen(skb), E1000_CSB_TX_MAX_DATA);
	unsigned int f;

	for (f = 0; f < skb_shinfo(skb)->nr_frags; f++)
		n += DIV_ROUND_UP(skb_frag_size(&skb_shinfo(skb)->frags[f]),
				  E1000_CSB_TX_MAX_DATA);
	return n + 1;	/* possible context descriptor */
}

netdev_features_t e1000_csb_features_check(struct sk_buff *skb,
					   struct net_device *netdev,
					   netdev_features_t features)
{
	if (skb->ip_summed != CHECKSUM_PARTIAL)
		return features;

	/* TUCSS/TUCSO are 8-bit fields */
	if (skb_checksum_start_offset(skb) + skb->csum_offset >
	    E1000_CSB_TX_MAX_OFFSET - 1)
		return features & ~(NETIF_F_CSUM_MASK | NETIF_F_GSO_MASK);

	/* the TSO header length (HDRLEN) is an 8-bit field as well */
	if (skb_is_gso(skb) &&
	    skb_tcp_all_headers(skb) > E1000_CSB_TX_MAX_OFFSET)
		return features & ~NETIF_F_GSO_MASK;

	return features;
}

/* Write a context descriptor unless the device already holds this one. */
static void e1000_csb_tx_load_ctx(struct e1000_csb_tx_ring *ring,
				  const struct e1000_csb_tx_ctx *want,
				  bool tso)
{
	struct e1000_csb_tx_ctx *cur = &ring->ctx;
	struct e1000_csb_tx_ctx_desc *cd;
	u32 i = ring->next_to_use;

	/* TSO contexts carry per-packet PAYLEN, so always reload them */
	if (!tso && cur->valid && cur->ip_setup == want->ip_setup &&
	    cur->tu_setup == want->tu_setup && cur->cmd_len == want->cmd_len &&
	    cur->seg_setup == want->seg_setup)
		return;

	cd = E1000_CSB_TX_CTX(ring, i);
	cd->ip_setup = cpu_to_le32(want->ip_setup);
	cd->tu_setup = cpu_to_le32(want->tu_setup);
	cd->cmd_len = cpu_to_le32(want->cmd_len);
	cd->seg_setup = cpu_to_le32(want->seg_setup);
	*cur = *want;
	cur->valid = true;

	ring->buffers[i].map_type = E1000_CSB_MAP_NONE;
	if (++i == ring->count)
		i = 0;
	ring->next_to_use = i;

	e1000_csb_stat_inc(&ring->syncp, &ring->ctx_desc);
}

/*
 * Set up TSO: the device rewrites the IPv4 total length/ID and the TCP
 * sequence number per segment, and expects the TCP checksum field to hold
 * the pseudo-header sum without the length, and the IP checksum zeroed.
 */
static int e1000_csb_tx_tso(struct e1000_csb_tx_ring *ring,
			    struct sk_buff *skb, u32 *dcmd, u32 *popts)
{
	struct e1000_csb_tx_ctx ctx = {};
	u32 ipcss, ipcso, ipcse, tucss, tucso, hdr_len;
	struct iphdr *iph;
	int err;

	err = skb_cow_head(skb, 0);
	if (err)
		return err;

	iph = ip_hdr(skb);
	hdr_len = skb_tcp_all_headers(skb);
	ipcss = skb_network_offset(skb);
	ipcso = ipcss + offsetof(struct iphdr, check);
	ipcse = skb_transport_offset(skb) - 1;
	tucss = skb_transport_offset(skb);
	tucso = tucss + offsetof(struct tcphdr, check);

	iph->tot_len = 0;
	iph->check = 0;
	tcp_hdr(skb)->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr, 0,
						 IPPROTO_TCP, 0);

	ctx.ip_setup = ipcss | (ipcso << 8) | (ipcse << 16);
	ctx.tu_setup = tucss | (tucso << 8);
	ctx.cmd_len = ((skb->len - hdr_len) & E1000_TXC_PAYLEN_MASK) |
		      E1000_TXD_DTYP_CTX | E1000_TXC_TUCMD_DEXT |
		      E1000_TXC_TUCMD_TSE | E1000_TXC_TUCMD_IP |
		      E1000_TXC_TUCMD_TCP;
	ctx.seg_setup = (hdr_len << 8) | ((u32)skb_shinfo(skb)->gso_size << 16);
	e1000_csb_tx_load_ctx(ring, &ctx, true);

	*dcmd |= E1000_TXD_CMD_TSE;
	*popts = E1000_TXD_POPTS_IXSM | E1000_TXD_POPTS_TXSM;
	return 0;
}

/* Generic checksum: sum from csum_start to the end, stored at csum_offset */
static void e1000_csb_tx_csum(struct e1000_csb_tx_ring *ring,
			      struct sk_buff *skb, u32 *popts)
{
	struct e1000_csb_tx_ctx ctx = {};
	u32 css = skb_checksum_start_offset(skb);
	u32 cso = css + skb->csum_offset;

	ctx.tu_setup = css | (cso << 8);
	ctx.cmd_len = E1000_TXD_DTYP_CTX | E1000_TXC_TUCMD_DEXT;
	e1000_csb_tx_load_ctx(ring, &ctx, false);
	*popts = E1000_TXD_POPTS_TXSM;
}

/* One packet on its way onto the ring (e1000_csb_xmit_frame()). */
struct e1000_csb_tx_pkt {
	u32 first;		/* its first descriptor (a context one, maybe) */
	u32 next;		/* the descriptor after the last one posted */
	u32 last;		/* the last data descriptor posted */
	u32 lower_flags;	/* CMD and DTYP of its data descriptors */
	u32 upper;		/* POPTS of its data descriptors */
	u32 bytecount;		/* bytes on the wire (incl. replicated hdrs) */
	u16 segs;		/* packets on the wire */
	bool tso;
	bool offload;		/* checksum offload or TSO */
};

/*
 * Checksum offload or TSO: load the context descriptor and choose the data
 * descriptors' flags.  Returns nonzero if the packet must be dropped.
 */
static int e1000_csb_tx_offload(struct e1000_csb_tx_ring *ring,
				struct sk_buff *skb,
				struct e1000_csb_tx_pkt *pkt)
{
	u32 dcmd = 0, popts = 0;

	pkt->lower_flags = E1000_TXD_CMD_IFCS;
	if (skb_is_gso(skb)) {
		/* only IPv4 TSO is advertised (see NOTES-qemu-facts.md) */
		if (WARN_ON_ONCE(!(skb_shinfo(skb)->gso_type & SKB_GSO_TCPV4)) ||
		    e1000_csb_tx_tso(ring, skb, &dcmd, &popts))
			return -EINVAL;
		pkt->segs = skb_shinfo(skb)->gso_segs;
		pkt->bytecount += (pkt->segs - 1) * skb_tcp_all_headers(skb);
		pkt->tso = true;
	} else if (skb->ip_summed == CHECKSUM_PARTIAL) {
		if (unlikely(skb_checksum_start_offset(skb) + skb->csum_offset >
			     E1000_CSB_TX_MAX_OFFSET - 1))
			return skb_checksum_help(skb);
		e1000_csb_tx_csum(ring, skb, &popts);
	} else {
		return 0;
	}
	pkt->offload = true;
	pkt->lower_flags |= E1000_TXD_CMD_DEXT | E1000_TXD_DTYP_DATA | dcmd;
	pkt->upper = popts;
	return 0;
}

/*
 * Post one mapped buffer, split into descriptors of at most TX_MAX_DATA
 * bytes; its first slot owns the mapping.
 */
static void e1000_csb_tx_post(struct e1000_csb_tx_ring *ring,
			      struct e1000_csb_tx_pkt *pkt, dma_addr_t dma,
			      u32 len, u8 map_type)
{
	u32 i = pkt->next;

	ring->buffers[i].map_type = map_type;
	ring->buffers[i].map_len = len;
	ring->buffers[i].dma = dma;
	while (len) {
		u32 chunk = min_t(u32, len, E1000_CSB_TX_MAX_DATA);
		struct e1000_csb_tx_desc *d = E1000_CSB_TX_DESC(ring, i);

		d->addr = cpu_to_le64(dma);
		d->lower = cpu_to_le32(chunk | pkt->lower_flags);
		d->upper = cpu_to_le32(pkt->upper);
		pkt->last = i;
		dma += chunk;
		len -= chunk;
		if (++i == ring->count)
			i = 0;
	}
	pkt->next = i;
}

/* Map and post the linear part and every fragment; -ENOMEM: DMA error. */
static int e1000_csb_tx_map(struct e1000_csb_tx_ring *ring,
			    struct sk_buff *skb, struct e1000_csb_tx_pkt *pkt)
{
	unsigned int f;
	dma_addr_t dma;
	u32 len;

	len = skb_headlen(skb);
	if (len) {
		dma = dma_map_single(ring->dev, skb->data, len, DMA_TO_DEVICE);
		if (dma_mapping_error(ring->dev, dma))
			return -ENOMEM;
		e1000_csb_tx_post(ring, pkt, dma, len, E1000_CSB_MAP_SINGLE);
	}

	for (f = 0; f < skb_shinfo(skb)->nr_frags; f++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[f];

		len = skb_frag_size(frag);
		if (!len)
			continue;
		dma = skb_frag_dma_map(ring->dev, frag, 0, len, DMA_TO_DEVICE);
		if (dma_mapping_error(ring->dev, dma))
			return -ENOMEM;
		e1000_csb_tx_post(ring, pkt, dma, len, E1000_CSB_MAP_PAGE);
	}
	return 0;
}

/*
 * Undo the mappings made so far and give back every slot, the context
 * descriptor's included: the device's context is unknown now.
 */
static void e1000_csb_tx_unwind(struct e1000_csb_tx_ring *ring,
				const struct e1000_csb_tx_pkt *pkt)
{
	u32 i;

	for (i = pkt->first; i != pkt->next;) {
		e1000_csb_tx_unmap(ring, &ring->buffers[i]);
		if (++i == ring->count)
			i = 0;
	}
	ring->next_to_use = pkt->first;
	ring->ctx.valid = false;
}

static void e1000_csb_tx_ring_doorbell(struct e1000_csb_adapter *adapter,
				       struct e1000_csb_tx_ring *ring)
{
	e1000_csb_tx_doorbell(adapter, ring);
	e1000_csb_stat_inc(&ring->syncp, &ring->doorbells);
}

/* The packet is posted: hand it to the completion path and the device. */
static void e1000_csb_tx_commit(struct e1000_csb_adapter *adapter,
				struct sk_buff *skb,
				const struct e1000_csb_tx_pkt *pkt)
{
	struct e1000_csb_tx_ring *ring = &adapter->tx_ring;
	struct e1000_csb_tx_buffer *first = &ring->buffers[pkt->first];
	struct netdev_queue *txq = netdev_get_tx_queue(ring->netdev, 0);

	E1000_CSB_TX_DESC(ring, pkt->last)->lower |=
		cpu_to_le32(E1000_TXD_CMD_EOP | E1000_TXD_CMD_RS);

	if (pkt->tso)
		e1000_csb_stat_inc(&ring->syncp, &ring->tso);
	else if (pkt->offload)
		e1000_csb_stat_inc(&ring->syncp, &ring->csum);

	skb_tx_timestamp(skb);

	first->eop = pkt->last;
	first->bytecount = pkt->bytecount;
	first->segs = pkt->segs;
	/* descriptors and bookkeeping before the skb becomes visible to
	 * the completion path; pairs with smp_rmb() in e1000_csb_tx_clean()
	 */
	smp_wmb();
	WRITE_ONCE(first->skb, skb);
	ring->next_to_use = pkt->next;

	/* stop early so the next packet always fits */
	e1000_csb_maybe_stop_tx(ring, E1000_CSB_TX_DESC_NEEDED);

	if (__netdev_tx_sent_queue(txq, pkt->bytecount, netdev_xmit_more())) {
		e1000_csb_tx_ring_doorbell(adapter, ring);
		/* stopped by BQL: completions must now come by interrupt */
		if (unlikely(netif_xmit_stopped(txq)) &&
		    e1000_csb_mode_on(adapter, CSB_F_IRQ))
			e1000_csb_mode_tx_stopped(adapter, ring);
	}
}

netdev_tx_t e1000_csb_xmit_frame(struct sk_buff *skb,
				 struct net_device *netdev)
{
	struct e1000_csb_adapter *adapter = netdev_priv(netdev);
	struct e1000_csb_tx_ring *ring = &adapter->tx_ring;
	struct e1000_csb_tx_pkt pkt = { .segs = 1 };

	/*
	 * CSB mode: no TX interrupts while traffic flows; completions are
	 * reclaimed here from the descriptors' write-back.
	 */
	if (e1000_csb_mode_on(adapter, CSB_F_TX))
		e1000_csb_tx_reclaim(adapter);

	if (unlikely(e1000_csb_maybe_stop_tx(ring,
					     e1000_csb_tx_desc_count(skb)))) {
		/* never leave earlier (xmit_more) descriptors unannounced */
		e1000_csb_tx_ring_doorbell(adapter, ring);
		e1000_csb_stat_inc(&ring->syncp, &ring->busy);
		return NETDEV_TX_BUSY;
	}

	pkt.first = ring->next_to_use;
	pkt.bytecount = skb->len;
	if (e1000_csb_tx_offload(ring, skb, &pkt))
		goto drop;

	pkt.next = ring->next_to_use;
	if (e1000_csb_tx_map(ring, skb, &pkt)) {
		e1000_csb_stat_inc(&ring->syncp, &ring->dma_err);
		goto unwind;
	}
	if (unlikely(pkt.next == ring->next_to_use))	/* zero-length skb */
		goto unwind;

	e1000_csb_tx_commit(adapter, skb, &pkt);
	return NETDEV_TX_OK;

unwind:
	e1000_csb_tx_unwind(ring, &pkt);
drop:
	dev_kfree_skb_any(skb);
	e1000_csb_stat_inc(&ring->syncp, &ring->dropped);
	if (!netdev_xmit_more())
		e1000_csb_tx_ring_doorbell(adapter, ring);
	return NETDEV_TX_OK;
}
