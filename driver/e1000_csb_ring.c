// SPDX-License-Identifier: GPL-2.0
/*
 * e1000_csb: ring memory - the descriptor rings (coherent DMA memory), the
 * driver's bookkeeping array beside each and the RX buffers' page pool,
 * allocated at open and at a ring resize, freed at close.
 */

#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include "e1000_csb.h"

/* Fixed for the adapter's lifetime: the rings' back pointers. */
void e1000_csb_rings_init(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_tx_ring *tx = &adapter->tx_ring;
	struct e1000_csb_rx_ring *rx = &adapter->rx_ring;

	tx->adapter = adapter;
	tx->netdev = adapter->netdev;
	tx->dev = &adapter->pdev->dev;
	u64_stats_init(&tx->syncp);
	rx->adapter = adapter;
	rx->netdev = adapter->netdev;
	rx->dev = &adapter->pdev->dev;
	u64_stats_init(&rx->syncp);
}

/**
 * e1000_csb_ring_mem_alloc - memory of one descriptor ring
 * @dev: DMA device
 * @count: number of descriptors
 * @desc_size: bytes per descriptor
 * @buf_size: bytes of driver bookkeeping per descriptor
 * @desc: returns the descriptors
 * @dma: returns their bus address
 * @size: returns their size in bytes
 * @buffers: returns the zeroed bookkeeping array
 *
 * Coherent allocations are page aligned, which satisfies the device's
 * 16-byte (TX) and 128-byte length rules.  Returns 0 or -ENOMEM (and then
 * nothing is left allocated).
 */
static int e1000_csb_ring_mem_alloc(struct device *dev, u32 count,
				    size_t desc_size, size_t buf_size,
				    void **desc, dma_addr_t *dma, u32 *size,
				    void **buffers)
{
	*size = count * desc_size;
	*buffers = kvcalloc(count, buf_size, GFP_KERNEL);
	if (!*buffers)
		return -ENOMEM;
	*desc = dma_alloc_coherent(dev, *size, dma, GFP_KERNEL);
	if (!*desc) {
		kvfree(*buffers);
		*buffers = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Undo e1000_csb_ring_mem_alloc(); either pointer may already be NULL. */
static void e1000_csb_ring_mem_free(struct device *dev, u32 size, void **desc,
				    dma_addr_t dma, void **buffers)
{
	if (*desc)
		dma_free_coherent(dev, size, *desc, dma);
	*desc = NULL;
	kvfree(*buffers);
	*buffers = NULL;
}

/*
 * RX buffers are pages from a page pool, mapped once by the pool: a page
 * that went up the stack in an skb (marked for recycling) comes back to
 * the pool when the skb is freed, and is handed out again without being
 * allocated, zeroed (init_on_alloc) or mapped anew.  The pool keeps up to
 * a ring's worth; pages beyond that (a socket holding many frames) go
 * back to the page allocator.
 */
static int e1000_csb_rx_pool_create(struct e1000_csb_rx_ring *rx)
{
	struct page_pool_params pp = {
		.flags = PP_FLAG_DMA_MAP | PP_FLAG_DMA_SYNC_DEV,
		.order = 0,
		.pool_size = rx->count,
		.nid = dev_to_node(rx->dev),
		.dev = rx->dev,
		.dma_dir = DMA_FROM_DEVICE,
		.max_len = E1000_CSB_RX_BUF_LEN,
		.offset = 0,
	};
	struct page_pool *pool = page_pool_create(&pp);

	if (IS_ERR(pool))
		return PTR_ERR(pool);
	rx->page_pool = pool;
	return 0;
}

/* Both rings, empty, at the requested sizes; on failure neither is left. */
int e1000_csb_rings_alloc(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_tx_ring *tx = &adapter->tx_ring;
	struct e1000_csb_rx_ring *rx = &adapter->rx_ring;
	int err;

	tx->count = adapter->tx_ring_count;
	rx->count = adapter->rx_ring_count;
	err = e1000_csb_ring_mem_alloc(tx->dev, tx->count,
				       sizeof(struct e1000_csb_tx_desc),
				       sizeof(*tx->buffers), &tx->desc,
				       &tx->desc_dma, &tx->size,
				       (void **)&tx->buffers);
	if (!err)
		err = e1000_csb_ring_mem_alloc(rx->dev, rx->count,
					       sizeof(struct e1000_csb_rx_desc),
					       sizeof(*rx->buffers), &rx->desc,
					       &rx->desc_dma, &rx->size,
					       (void **)&rx->buffers);
	if (!err)
		err = e1000_csb_rx_pool_create(rx);
	if (err) {
		e1000_csb_rings_free(adapter);
		return err;
	}

	tx->next_to_use = 0;
	tx->next_to_clean = 0;
	tx->ctx.valid = false;
	rx->next_to_use = 0;
	rx->next_to_clean = 0;
	rx->skb = NULL;
	rx->discard = false;
	return 0;
}

/* The rings must hold no buffers any more (e1000_csb_*_clean_all()). */
void e1000_csb_rings_free(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_tx_ring *tx = &adapter->tx_ring;
	struct e1000_csb_rx_ring *rx = &adapter->rx_ring;

	/* pages still in skbs return to the pool, which goes with the last */
	if (rx->page_pool)
		page_pool_destroy(rx->page_pool);
	rx->page_pool = NULL;
	e1000_csb_ring_mem_free(rx->dev, rx->size, &rx->desc, rx->desc_dma,
				(void **)&rx->buffers);
	e1000_csb_ring_mem_free(tx->dev, tx->size, &tx->desc, tx->desc_dma,
				(void **)&tx->buffers);
}
