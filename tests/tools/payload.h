/* SPDX-License-Identifier: GPL-2.0 */
/*
 * payload.h - self-checking datagram payload shared by udpblast and l2peer.
 *
 * Every UDP payload produced by the e1000-csb test tools starts with an
 * 18-byte header, all fields in network byte order:
 *
 *   offset size field
 *        0    1 magic    0xE1 ("e1000")
 *        1    1 version  PL_VERSION
 *        2    4 flow     stream id chosen by the sender (--flow)
 *        6    6 seq      48-bit sequence number, 0,1,2,... per flow
 *       12    2 length   total payload length in bytes, header included
 *       14    4 crc      CRC32C over bytes [0,14) followed by [18,length)
 *       18  ... body     deterministic pseudo-random bytes, see below
 *
 * Why 18 bytes: the smallest Ethernet frame (60 bytes without FCS) carrying
 * IPv4+UDP leaves exactly 60 - 14 - 20 - 8 = 18 bytes of UDP payload, and
 * minimum-size frames are the interesting case for packets-per-second
 * tests.  A 48-bit sequence number is plenty (2^48 datagrams), and a
 * 16-bit length covers every UDP payload.
 *
 * The body is generated from (flow, seq) with a splitmix64 stream written
 * little-endian, so a receiver can regenerate it and compare byte for byte
 * in addition to checking the CRC.  The CRC catches any corruption of the
 * datagram; the body comparison additionally catches a datagram whose
 * header and body come from different sends (stale or mixed buffers).
 *
 * Sizes on the command line are Ethernet frame lengths without FCS
 * (60..9014); pl_payload_for_frame() converts them to UDP payload sizes.
 */
#ifndef E1000CSB_PAYLOAD_H
#define E1000CSB_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define PL_MAGIC	0xE1
#define PL_VERSION	1
#define PL_HDR_LEN	18
#define PL_MAX_LEN	65507		/* largest IPv4 UDP payload */
#define PL_MAX_SEQ	((UINT64_C(1) << 48) - 1)

#define FRAME_MIN	60		/* Ethernet, no FCS */
#define FRAME_MAX	9014		/* jumbo: 9000-byte MTU + 14 */
#define ETH_HDR_LEN	14
#define IP4_HDR_LEN	20
#define IP6_HDR_LEN	40
#define UDP_HDR_LEN	8

/* How much of a payload the receiver checks. */
enum pl_verify {
	PL_VERIFY_HEADER,	/* magic, version, length field only */
	PL_VERIFY_CRC,		/* + CRC32C */
	PL_VERIFY_FULL,		/* + regenerate body and compare (default) */
};

/* Outcome of pl_check(). */
enum pl_status {
	PL_OK,
	PL_SHORT,		/* shorter than the header */
	PL_BAD_MAGIC,		/* magic or version mismatch */
	PL_BAD_LEN,		/* length field != datagram length */
	PL_BAD_CRC,
	PL_BAD_BODY,		/* CRC fine, body differs from (flow, seq) */
	PL_STATUS_MAX
};

struct pl_hdr {
	uint32_t flow;
	uint64_t seq;
	uint16_t len;
	uint32_t crc;
};

/* CRC32C (Castagnoli, reflected 0x82F63B78), slicing-by-8 in software.
 * Start with crc = 0; chaining calls continue a running CRC.
 */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

/* Fill buf[0..len) with the payload for (flow, seq); len >= PL_HDR_LEN. */
void pl_build(uint8_t *buf, size_t len, uint32_t flow, uint64_t seq);

/* Verify buf[0..len) at the given level; fills *h when the header parsed. */
enum pl_status pl_check(const uint8_t *buf, size_t len, enum pl_verify level,
			struct pl_hdr *h);

const char *pl_status_name(enum pl_status st);

/* Flip one byte of an already built payload (debug: --corrupt-every). */
void pl_corrupt(uint8_t *buf, size_t len, uint64_t seq);

/* UDP payload bytes in an Ethernet frame of frame_len bytes (no FCS)
 * carrying IPv4 (ipv6 == 0) or IPv6 (ipv6 != 0); -1 if the frame length is
 * outside 60..9014 or too small to hold the header.
 */
long pl_payload_for_frame(long frame_len, int ipv6);

/* Parse "full", "crc" or "header"; -1 on error. */
int pl_parse_verify(const char *s);

/*
 * Receiver bookkeeping for one flow.  Sequence numbers are tracked in a
 * bitmap: sized to --count when the expected count is known (seq >= count
 * is then an error), otherwise grown on demand up to PL_TRACK_MAX.
 */
#define PL_TRACK_MAX	(UINT64_C(1) << 30)

struct pl_stats {
	uint32_t flow;		/* flow we accept */
	uint64_t expect;	/* --count, 0 = unknown */
	uint64_t expect_len;	/* exact payload length required, 0 = any */
	enum pl_verify level;

	uint64_t received;	/* datagrams handed to pl_stats_account() */
	uint64_t valid;		/* new, verified datagrams of our flow */
	uint64_t corrupt;	/* failed verification / size / range */
	uint64_t duplicate;	/* verified but seq seen before */
	uint64_t reordered;	/* new but seq < highest seen so far */
	uint64_t other;		/* verified, but another flow */
	uint64_t bytes;		/* payload bytes of valid datagrams */
	uint64_t lost;		/* set by pl_stats_finish() */
	uint64_t why[PL_STATUS_MAX + 2]; /* corrupt breakdown (+size, +range) */

	int have_seq;
	uint64_t first_seq, last_seq, highest_seq;
	uint64_t first_ns, last_ns;	/* arrival time of first/last valid */

	uint8_t *seen;		/* bitmap of seen sequence numbers */
	uint64_t seen_bits;
};

/* Classification returned by pl_stats_account(). */
enum pl_class { PL_C_VALID, PL_C_CORRUPT, PL_C_DUP, PL_C_OTHER };

int pl_stats_init(struct pl_stats *s, uint32_t flow, uint64_t expect,
		  uint64_t expect_len, enum pl_verify level);
enum pl_class pl_stats_account(struct pl_stats *s, const uint8_t *buf,
			       size_t len, uint64_t now_ns);
void pl_stats_finish(struct pl_stats *s);
/* Print "received=.. valid=.. ..." (no newline) to stdout. */
void pl_stats_print(const struct pl_stats *s);
/* One human-readable line on stderr with the corrupt breakdown. */
void pl_stats_explain(const struct pl_stats *s, const char *who);
void pl_stats_free(struct pl_stats *s);

/* Built-in unit tests for the payload code; returns number of failures. */
int pl_selftest(void);

#endif
