// SPDX-License-Identifier: GPL-2.0
/*
 * e1000_csb: debugfs test hooks, one directory per device under
 * /sys/kernel/debug/e1000_csb/<pci address>/:
 *
 *   reset            write 1: run the reset work (as a transmit timeout does)
 *   surprise_remove  write 1: from now on the device's registers read
 *                    all-ones, as after a surprise removal; the driver must
 *                    notice, detach and never touch the hardware again
 *   csb_bad_host     write 1: in CSB mode, overwrite the host's tx_kick
 *                    with an out-of-range request, as a broken host might;
 *                    the next transmit must make the driver fall back
 *   csb_bad_guest    write 1: in CSB mode, publish a TX tail beyond the
 *                    ring, as a broken driver might; the host drops the CSB
 *                    and the watchdog must notice and fall back
 *   rx_bad_done      write 1: mark every RX descriptor from next_to_clean
 *                    through next_to_use done, as a broken host might: the
 *                    ones given to the device (as one frame), and the first
 *                    one never given, possibly without a buffer; then poll.
 *                    The driver must stop at the one never given, count it
 *                    and reset; in CSB mode it stops already at rx_head
 *                    (DD ahead of the head is no completion).  Write 2, in
 *                    CSB mode: the same, and rx_head = next_to_use in the
 *                    block, as a host that claims it filled them all; the
 *                    driver must stop at the one never given and fall back
 *   shared_irq       write 1: latch a cause the driver never enables (TXQE,
 *                    through ICS) and run the interrupt handler, as a
 *                    neighbour on a shared line would; the handler must
 *                    answer "not mine"
 *
 * The removal is simulated without any cost on the register access path:
 * the MMIO base pointer is swapped for a buffer of all-ones bytes.
 */

#include <linux/debugfs.h>
#include <linux/rtnetlink.h>
#include <linux/vmalloc.h>

#include "e1000_csb.h"

static struct dentry *e1000_csb_dbg_root;

static int e1000_csb_dbg_reset_set(void *data, u64 val)
{
	struct e1000_csb_adapter *adapter = data;

	if (val != 1)
		return -EINVAL;
	e1000_csb_schedule_reset(adapter);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(e1000_csb_dbg_reset_fops, NULL,
			 e1000_csb_dbg_reset_set, "%llu\n");

static int e1000_csb_dbg_remove_set(void *data, u64 val)
{
	struct e1000_csb_adapter *adapter = data;
	size_t len = pci_resource_len(adapter->pdev, 0);
	bool running;
	void *ones;

	if (val != 1)
		return -EINVAL;

	ones = vmalloc(len);
	if (!ones)
		return -ENOMEM;
	memset(ones, 0xff, len);

	rtnl_lock();
	if (adapter->fake_regs || e1000_csb_removed(adapter)) {
		rtnl_unlock();
		vfree(ones);
		return -EBUSY;
	}
	netdev_warn(adapter->netdev,
		    "debugfs: simulating a surprise removal (registers read all-ones)\n");

	/*
	 * A removed device neither interrupts nor does DMA; the emulated one
	 * is still there, so silence it first (NAPI is parked so that it
	 * cannot unmask interrupts again), then swap the register window.
	 */
	running = !test_bit(E1000_CSB_STATE_DOWN, &adapter->state);
	if (running)
		napi_disable(&adapter->napi);
	e1000_csb_irq_disable(adapter);
	e1000_csb_wr32(adapter, E1000_RCTL, 0);
	e1000_csb_wr32(adapter, E1000_TCTL, 0);
	e1000_csb_flush(adapter);
	synchronize_irq(adapter->pdev->irq);
	pci_clear_master(adapter->pdev);

	adapter->fake_regs = ones;
	WRITE_ONCE(adapter->hw_addr, (u8 __iomem __force *)ones);
	if (running)
		napi_enable(&adapter->napi);
	rtnl_unlock();
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(e1000_csb_dbg_remove_fops, NULL,
			 e1000_csb_dbg_remove_set, "%llu\n");

/* Scribble on one CSB field, with mode switches held off by RTNL. */
static int e1000_csb_dbg_csb_poke(struct e1000_csb_adapter *adapter,
				  bool host_line)
{
	struct csb_block *block;
	int err = 0;

	rtnl_lock();
	block = adapter->csb.block;
	if (!block) {
		err = -ENODEV;
	} else if (host_line) {
		netdev_warn(adapter->netdev,
			    "debugfs: writing an out-of-range tx_kick into the CSB\n");
		WRITE_ONCE(block->tx_kick,
			   cpu_to_le32(CSB_NOTIFY | CSB_INDEX_MASK));
	} else {
		netdev_warn(adapter->netdev,
			    "debugfs: publishing an out-of-range tx_tail in the CSB\n");
		WRITE_ONCE(block->tx_tail, cpu_to_le32(CSB_INDEX_MASK));
		/* make sure the host looks at it */
		e1000_csb_wr32(adapter, E1000_TDT, 0);
	}
	rtnl_unlock();
	return err;
}

static int e1000_csb_dbg_bad_host_set(void *data, u64 val)
{
	return val == 1 ? e1000_csb_dbg_csb_poke(data, true) : -EINVAL;
}

DEFINE_DEBUGFS_ATTRIBUTE(e1000_csb_dbg_bad_host_fops, NULL,
			 e1000_csb_dbg_bad_host_set, "%llu\n");

static int e1000_csb_dbg_bad_guest_set(void *data, u64 val)
{
	return val == 1 ? e1000_csb_dbg_csb_poke(data, false) : -EINVAL;
}

DEFINE_DEBUGFS_ATTRIBUTE(e1000_csb_dbg_bad_guest_fops, NULL,
			 e1000_csb_dbg_bad_guest_set, "%llu\n");

/*
 * The @given descriptors from @ntc on look like one received frame of 1000
 * bytes each (EOP on the last), and so does the first one never given, at
 * @ntc + @given: all of it within one poll, whatever the NAPI budget.
 */
static void e1000_csb_dbg_rx_mark_done(struct e1000_csb_rx_ring *ring,
				       u32 ntc, u32 given)
{
	struct e1000_csb_rx_desc *desc;
	u32 n;

	for (n = 0; n <= given; n++) {
		desc = E1000_CSB_RX_DESC(ring, (ntc + n) % ring->count);
		desc->length = cpu_to_le16(1000);
		desc->errors = 0;
		WRITE_ONCE(desc->status, E1000_RXD_STAT_DD |
			   (n + 1 >= given ? E1000_RXD_STAT_EOP : 0));
	}
}

static int e1000_csb_dbg_rx_bad_done_set(void *data, u64 val)
{
	struct e1000_csb_adapter *adapter = data;
	struct e1000_csb_rx_ring *ring = &adapter->rx_ring;
	int err = 0;
	u32 ntc, ntu;

	if (val != 1 && val != 2)
		return -EINVAL;
	rtnl_lock();
	if (test_bit(E1000_CSB_STATE_DOWN, &adapter->state)) {
		err = -ENETDOWN;
		goto out;
	}
	if (val == 2 && !adapter->csb.active) {
		err = -EINVAL;
		goto out;
	}
	/* NAPI off: the ring indices hold still while we write */
	napi_disable(&adapter->napi);
	ntc = ring->next_to_clean;
	ntu = ring->next_to_use;
	netdev_warn(adapter->netdev,
		    "debugfs: marking RX descriptors %u..%u done: %u given to the device (one frame), then %u never given\n",
		    ntc, ntu, (ntu - ntc + ring->count) % ring->count, ntu);
	e1000_csb_dbg_rx_mark_done(ring, ntc,
				   (ntu - ntc + ring->count) % ring->count);
	if (val == 2)
		WRITE_ONCE(adapter->csb.block->rx_head, cpu_to_le32(ntu));
	napi_enable(&adapter->napi);
	e1000_csb_napi_kick(adapter);
out:
	rtnl_unlock();
	return err;
}

DEFINE_DEBUGFS_ATTRIBUTE(e1000_csb_dbg_rx_bad_done_fops, NULL,
			 e1000_csb_dbg_rx_bad_done_set, "%llu\n");

static int e1000_csb_dbg_shared_irq_set(void *data, u64 val)
{
	struct e1000_csb_adapter *adapter = data;
	int irq = adapter->pdev->irq;
	int err = 0;

	if (val != 1)
		return -EINVAL;
	rtnl_lock();
	if (test_bit(E1000_CSB_STATE_DOWN, &adapter->state)) {
		err = -ENETDOWN;
	} else {
		e1000_csb_wr32(adapter, E1000_ICS, E1000_INT_TXQE);
		/* the handler with the line masked, as for a shared line */
		disable_irq(irq);
		e1000_csb_intr(irq, adapter);
		enable_irq(irq);
	}
	rtnl_unlock();
	return err;
}

DEFINE_DEBUGFS_ATTRIBUTE(e1000_csb_dbg_shared_irq_fops, NULL,
			 e1000_csb_dbg_shared_irq_set, "%llu\n");

void e1000_csb_debugfs_add(struct e1000_csb_adapter *adapter)
{
	adapter->dbg_dir = debugfs_create_dir(pci_name(adapter->pdev),
					      e1000_csb_dbg_root);
	debugfs_create_file_unsafe("reset", 0200, adapter->dbg_dir, adapter,
				   &e1000_csb_dbg_reset_fops);
	debugfs_create_file_unsafe("surprise_remove", 0200, adapter->dbg_dir,
				   adapter, &e1000_csb_dbg_remove_fops);
	debugfs_create_file_unsafe("csb_bad_host", 0200, adapter->dbg_dir,
				   adapter, &e1000_csb_dbg_bad_host_fops);
	debugfs_create_file_unsafe("csb_bad_guest", 0200, adapter->dbg_dir,
				   adapter, &e1000_csb_dbg_bad_guest_fops);
	debugfs_create_file_unsafe("rx_bad_done", 0200, adapter->dbg_dir,
				   adapter, &e1000_csb_dbg_rx_bad_done_fops);
	debugfs_create_file_unsafe("shared_irq", 0200, adapter->dbg_dir,
				   adapter, &e1000_csb_dbg_shared_irq_fops);
}

/* First thing on device removal: no test hook can run after this. */
void e1000_csb_debugfs_remove(struct e1000_csb_adapter *adapter)
{
	debugfs_remove_recursive(adapter->dbg_dir);
	adapter->dbg_dir = NULL;
}

void e1000_csb_debugfs_init(void)
{
	e1000_csb_dbg_root = debugfs_create_dir(E1000_CSB_DRV_NAME, NULL);
}

void e1000_csb_debugfs_exit(void)
{
	debugfs_remove_recursive(e1000_csb_dbg_root);
	e1000_csb_dbg_root = NULL;
}
