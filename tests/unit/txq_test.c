// SPDX-License-Identifier: GPL-2.0
/*
 * When the driver's transmit queue stops and wakes (driver/e1000_csb_txq.h),
 * built in userspace: on every ring size ethtool accepts and for a kernel
 * built with any MAX_SKB_FRAGS (16 before 6.4 with pages of 16 KiB or more,
 * CONFIG_MAX_SKB_FRAGS 17-45 since), a stopped queue can always
 * be woken (the threshold is at most the count - 1 descriptors a ring ever
 * has free), a woken queue takes a worst-case skb, and where the ring is
 * large enough the threshold stays at two worst-case skbs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef uint32_t u32;

#include "../../driver/e1000_csb_txq.h"

#define MIN_RING	80	/* E1000_CSB_MIN_RING */
#define MAX_RING	4096	/* E1000_CSB_MAX_RING */
#define RING_ALIGN	8	/* E1000_CSB_RING_ALIGN */

static unsigned int failures, checks;

static void expect(bool ok, const char *what, u32 frags, u32 count, u32 thresh)
{
	checks++;
	if (ok)
		return;
	if (failures++ < 10)
		printf("FAIL %s: MAX_SKB_FRAGS %u, ring %u, needed %u, wake at %u\n",
		       what, frags, count, e1000_csb_tx_desc_needed(frags), thresh);
}

static void check_ring(u32 frags, u32 count)
{
	u32 needed = e1000_csb_tx_desc_needed(frags);
	u32 thresh = e1000_csb_tx_wake_thresh(count, needed);

	expect(needed < count, "a worst-case skb does not fit", frags, count, thresh);
	/* all in flight completed: count - 1 free, the most there ever is */
	expect(thresh <= count - 1, "a stopped queue never wakes", frags, count, thresh);
	expect(thresh >= needed, "a woken queue cannot take an skb", frags, count, thresh);
	if (count >= 4 * needed)
		expect(thresh == 2 * needed, "not two skbs on a large ring",
		       frags, count, thresh);
}

int main(void)
{
	/* Debian's kernels: 17 fragments, 27 descriptors, wake at 54 */
	expect(e1000_csb_tx_desc_needed(17) == 27, "descriptors for 17 fragments",
	       17, 128, e1000_csb_tx_wake_thresh(128, 27));
	expect(e1000_csb_tx_wake_thresh(128, 27) == 54, "default ring's threshold",
	       17, 128, e1000_csb_tx_wake_thresh(128, 27));
	for (u32 frags = 16; frags <= 45; frags++)
		for (u32 count = MIN_RING; count <= MAX_RING; count += RING_ALIGN)
			check_ring(frags, count);
	printf("%s %u checks, %u failed\n", failures ? "FAIL" : "PASS", checks, failures);
	return failures ? 1 : 0;
}
