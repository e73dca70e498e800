/* SPDX-License-Identifier: GPL-2.0 */
/*
 * e1000_csb: when the transmit queue stops and wakes.
 *
 * Pure functions of their arguments, so that tests/unit builds this header
 * in userspace as well and checks them for every ring size and for kernels
 * built with any MAX_SKB_FRAGS.
 */
#ifndef E1000_CSB_TXQ_H
#define E1000_CSB_TXQ_H

/* Transmit: largest chunk of data put into a single descriptor */
#define E1000_CSB_TX_MAX_DATA	8192
/* Largest skb the stack hands over: 64 KiB (GSO limit) */
#define E1000_CSB_TX_MAX_BYTES	65536

/*
 * Worst case descriptors for one skb with @max_frags page fragments: one
 * context descriptor, plus for each of the (max_frags + 1) buffers one
 * descriptor per started 8 KiB chunk; the sum of all buffer bytes is at
 * most 64 KiB.  The queue stops when fewer descriptors than this are free.
 */
static inline u32 e1000_csb_tx_desc_needed(u32 max_frags)
{
	return 1 + (max_frags + 1) + E1000_CSB_TX_MAX_BYTES / E1000_CSB_TX_MAX_DATA;
}

/*
 * Free descriptors at which the cleaner wakes a stopped queue on a ring of
 * @count descriptors: two worst-case skbs, so that a woken queue does not
 * stop again at once, but never more than half the ring, which a ring
 * always frees (at most count - 1 descriptors are ever free).  Never below
 * @needed: a woken queue takes at least one worst-case skb.
 */
static inline u32 e1000_csb_tx_wake_thresh(u32 count, u32 needed)
{
	u32 thresh = 2 * needed;

	if (thresh > count / 2)
		thresh = count / 2;
	return thresh > needed ? thresh : needed;
}

#endif /* E1000_CSB_TXQ_H */
