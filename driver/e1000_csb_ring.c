// SPDX-License-Identifier: GPL-2.0
/*
 * e1000_csb: ring memory - the descriptor rings (coherent DMA memory) and
 * the driver's bookkeeping array beside each, allocated at open and at a
 * ring resize, freed at close.
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
 * @size: returns the bytes of descriptors
 * @dma: returns their bus address
 * @buf_size: bytes of driver bookkeeping per descriptor
 * @buffers: returns the zeroed bookkeeping array
 *
 * Coherent allocations are page aligned, which satisfies the device's
 * 16-byte (TX) and 128-byte length rules.  Returns the descriptors or NULL.
 */
static void *e1000_csb_ring_mem_alloc(struct device *dev, u32 count,
				      size_t desc_size, u32 *size,
				      dma_addr_t *dma, size_t buf_size,
				      void **buffers)
{
	void *desc;

	*size = count * desc_size;
	*buffers = kvcalloc(count, buf_size, GFP_KERNEL);
	if (!*buffers)
		return NULL;
	desc = dma_alloc_coherent(dev, *size, dma, GFP_KERNEL);
	if (!desc) {
		kvfree(*buffers);
		*buffers = NULL;
	}
	return desc;
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

static int e1000_csb_ring_tx_alloc(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_tx_ring *ring = &adapter->tx_ring;

	ring->count = adapter->tx_ring_count;
	ring->desc = e1000_csb_ring_mem_alloc(ring->dev, ring->count,
					      sizeof(struct e1000_csb_tx_desc),
					      &ring->size, &ring->desc_dma,
					      sizeof(*ring->buffers),
					      (void **)&ring->buffers);
	if (!ring->desc)
		return -ENOMEM;
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
	ring->ctx.valid = false;
	return 0;
}

static int e1000_csb_ring_rx_alloc(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;

	ring->count = adapter->rx_ring_count;
	ring->desc = e1000_csb_ring_mem_alloc(ring->dev, ring->count,
					      sizeof(struct e1000_csb_rx_desc),
					      &ring->size, &ring->desc_dma,
					      sizeof(*ring->buffers),
					      (void **)&ring->buffers);
	if (!ring->desc)
		return -ENOMEM;
	ring->next_to_use = 0;
	ring->next_to_clean = 0;
	ring->skb = NULL;
	ring->discard = false;
	return 0;
}

static void e1000_csb_ring_tx_free(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_tx_ring *ring = &adapter->tx_ring;

	e1000_csb_ring_mem_free(ring->dev, ring->size, &ring->desc,
				ring->desc_dma, (void **)&ring->buffers);
}

static void e1000_csb_ring_rx_free(struct e1000_csb_adapter *adapter)
{
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;

	e1000_csb_ring_mem_free(ring->dev, ring->size, &ring->desc,
				ring->desc_dma, (void **)&ring->buffers);
}

/* Both rings at the requested sizes; on failure neither is left. */
int e1000_csb_rings_alloc(struct e1000_csb_adapter *adapter)
{
	int err;

	err = e1000_csb_ring_tx_alloc(adapter);
	if (err)
		return err;
	err = e1000_csb_ring_rx_alloc(adapter);
	if (err) {
		e1000_csb_ring_tx_free(adapter);
		return err;
	}
	return 0;
}

/* The rings must hold no buffers any more (e1000_csb_*_clean_all()). */
void e1000_csb_rings_free(struct e1000_csb_adapter *adapter)
{
	e1000_csb_ring_rx_free(adapter);
	e1000_csb_ring_tx_free(adapter);
}
