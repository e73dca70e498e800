// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: RX (spec 6).
 * RX only into buffers handed over in rx_tail; starvation, rx_kick and
 * frames that need several buffers.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csb-qtest.h"

/*
 * Starved: frame 3 waits, rx_kick asks for descriptor 5, half the ring
 * (8) ahead of RDH = 2; until the guest hands that one over, with a kick,
 * the frame waits, even once there are buffers for it.
 */
static void rx_starved(struct t *c)
{
	uint32_t k, v;

	inject(c, 3, frame_len(3));
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, CSB_NOTIFY | 5, 5000, &k),
	      "starved with a frame: rx_kick = 0x%x, expected NOTIFY|5 (half the ring ahead of RDH 2)",
	      k);
	settle(c, 50);
	CHECK(c, !(rx_status(c, 2) & RXD_STAT_DD),
	      "frame written to descriptor 2, which only RDT (not rx_tail) handed over");
	CHECK(c, !csb_rx_publish(c, 5),
	      "rx_kick asked for index 5 but publishing 2..4 needed a kick");
	settle(c, 50);
	CHECK(c, !(rx_status(c, 2) & RXD_STAT_DD),
	      "frame received before the descriptor rx_kick asked for was handed over");
	CHECK(c, csb_rx_publish(c, 6),
	      "rx_kick asked for index 5 but publishing it did not need a kick");
	CHECK(c, wait_rx(c, 2, 5000), "held frame not delivered after rx_tail grew and a kick");
	check_rx(c, 2, 3, frame_len(3));
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, 0, 5000, &k),
	      "rx_kick = 0x%x after the frame was delivered, expected 0", k);
	CHECK(c, wait_csbf(c, CSB_RX_HEAD, ~0u, 3, 5000, &v), "rx_head = %u, expected 3", v);
}

/* Frames spanning descriptors: 1000 bytes in 256-byte buffers = 4. */
static void rx_multi_buffer(struct t *c)
{
	uint32_t k;
	uint8_t d[DESC_SIZE];

	set_rctl(c, E1K_RCTL_EN | E1K_RCTL_BAM | E1K_RCTL_SECRC | E1K_RCTL_SZ_256);
	/* RDH = 3, tail = 6: 3 buffers, the frame needs 4 (3,4,5,6) */
	inject(c, 4, 1000);
	CHECK(c, wait_csbf(c, CSB_RX_KICK, ~0u, CSB_NOTIFY | 6, 5000, &k),
	      "a 4-buffer frame with 2 buffers: rx_kick = 0x%x, expected NOTIFY|6 (the last descriptor it needs)",
	      k);
	for (unsigned int i = 3; i < 8; i++)
		rx_desc_reset(c, i);
	rx_desc_reset(c, 0);
	CHECK(c, !csb_rx_publish(c, 6),
	      "3 buffers (tail 6) should not need a kick when rx_kick asks for index 6");
	settle(c, 50);
	CHECK(c, !(rx_status(c, 3) & RXD_STAT_DD), "frame delivered with only 3 of 4 buffers");
	CHECK(c, csb_rx_publish(c, 7), "tail 7 covers index 6: a kick is needed");
	if (!wait_rx(c, 6, 5000)) {
		record(c, __LINE__, "4-buffer frame not delivered after tail 7 and a kick");
	} else {
		uint8_t want[1000], got[1000];

		make_frame(want, 4, 1000, true);
		for (unsigned int i = 0; i < 4; i++) {
			qts_memread(c->q, RX_RING + (3 + i) * DESC_SIZE, d, sizeof(d));
			CHECK(c, get_le16(d + RXD_LEN_OFF) == (i < 3 ? 256 : 232) &&
			      (d[RXD_STA_OFF] & RXD_STAT_DD) &&
			      !!(d[RXD_STA_OFF] & RXD_STAT_EOP) == (i == 3),
			      "descriptor %u: length %u status 0x%x", 3 + i,
			      get_le16(d + RXD_LEN_OFF), d[RXD_STA_OFF]);
			qts_memread(c->q, RX_BUF + (3 + i) * BUF_SLOT, got + i * 256,
				    i < 3 ? 256 : 232);
		}
		CHECK(c, !memcmp(want, got, 1000), "4-buffer frame contents differ");
	}
}

/* Around the ring with single-buffer frames, recycling through rx_tail. */
static void rx_around_ring(struct t *c)
{
	set_rctl(c, E1K_RCTL_EN | E1K_RCTL_BAM | E1K_RCTL_SECRC | E1K_RCTL_SZ_2048);
	for (unsigned int i = 0; i < 8; i++)
		if (i != 7)
			rx_desc_reset(c, i);
	csb_rx_publish(c, 6);		/* RDH = 7: buffers 7, 0..5 */
	for (unsigned int n = 0; n < 20; n++) {
		unsigned int idx = (7 + n) % 8;

		inject(c, 10 + n, frame_len(10 + n));
		if (!wait_rx(c, idx, 5000)) {
			record(c, 0, "frame #%u not received in descriptor %u (rx_tail %u)", 10 + n,
			       idx, c->rx_tail);
			break;
		}
		check_rx(c, idx, 10 + n, frame_len(10 + n));
		rx_desc_reset(c, (idx + 7) % 8);
		csb_rx_publish(c, (idx + 7 + 1) % 8);
	}
}

/* 5. RX through the CSB only; starvation; the kick request index. */
void test_rx_csb(struct t *c)
{
	uint32_t v;

	qemu_up(c, NULL);
	need_csb(c, CSB_F_RX);
	rings_setup(c, 8, 8, 0);	/* no buffers */
	csb_on(c, CSB_F_RX, 0, 0);
	CHECK(c, csbf(c, CSB_RX_KICK) == 0, "rx_kick set before any frame");
	csb_rx_publish(c, 2);
	w32(c, E1K_RDT, 7);		/* a kick only: must not hand over 2..6 */
	CHECK(c, r32(c, E1K_RDT) == 7, "RDT reads %u: it should keep the value written (7)",
	      r32(c, E1K_RDT));
	inject(c, 1, frame_len(1));
	inject(c, 2, frame_len(2));
	REQUIRE(c, wait_rx(c, 0, 5000) && wait_rx(c, 1, 5000), "2 frames not received");
	check_rx(c, 0, 1, frame_len(1));
	check_rx(c, 1, 2, frame_len(2));
	CHECK(c, wait_csbf(c, CSB_RX_HEAD, ~0u, 2, 5000, &v), "rx_head = %u, expected 2", v);
	CHECK(c, r32(c, E1K_RDH) == 2, "RDH = %u", r32(c, E1K_RDH));
	rx_starved(c);
	rx_multi_buffer(c);
	rx_around_ring(c);
	note(c, "%lu RX kicks, %lu publishes without", c->rx_kicks, c->rx_nokicks);
	check_alive(c, "RX via the CSB");
}
