// SPDX-License-Identifier: GPL-2.0
/*
 * payload.c - build and verify the e1000-csb test payload (see payload.h),
 * plus the per-flow receiver statistics shared by udpblast and l2peer.
 */
#include "payload.h"

#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* CRC32C                                                              */
/* ------------------------------------------------------------------ */

#define CRC32C_POLY 0x82F63B78u	/* Castagnoli, bit-reflected */

static uint32_t crc_tab[8][256];
static int crc_ready;

static void crc32c_init(void)
{
	for (unsigned int i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int b = 0; b < 8; b++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc_tab[0][i] = c;
	}
	/* tab[k][i]: CRC of byte i followed by k zero bytes */
	for (unsigned int i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++)
			crc_tab[k][i] = (crc_tab[k - 1][i] >> 8) ^
					crc_tab[0][crc_tab[k - 1][i] & 0xff];
	crc_ready = 1;
}

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!crc_ready)
		crc32c_init();
	crc = ~crc;
	/* slicing-by-8: fold eight input bytes per step */
	while (len >= 8) {
		uint32_t lo = le32(p) ^ crc, hi = le32(p + 4);

		crc = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
		      crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^
		      crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
		      crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

/* ------------------------------------------------------------------ */
/* Header encoding                                                     */
/* ------------------------------------------------------------------ */

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* CRC over everything except the CRC field itself (bytes 14..17). */
static uint32_t pl_crc(const uint8_t *buf, size_t len)
{
	return crc32c(crc32c(0, buf, 14), buf + PL_HDR_LEN, len - PL_HDR_LEN);
}

/* ------------------------------------------------------------------ */
/* Deterministic body                                                  */
/* ------------------------------------------------------------------ */

/* splitmix64 stream seeded from (flow, seq): cheap, well mixed, and the
 * same on every host because words are serialized little-endian.
 */
static uint64_t body_seed(uint32_t flow, uint64_t seq)
{
	return (uint64_t)flow * UINT64_C(0xD1B54A32D192ED03) ^ seq;
}

static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static void body_fill(uint8_t *p, size_t n, uint32_t flow, uint64_t seq)
{
	uint64_t st = body_seed(flow, seq), w;

	for (; n >= 8; p += 8, n -= 8) {
		w = htole64(splitmix64(&st));
		memcpy(p, &w, 8);
	}
	for (w = splitmix64(&st); n; n--, w >>= 8)	/* tail: low bytes */
		*p++ = (uint8_t)w;
}

/* Returns 1 when p[0..n) equals the body for (flow, seq). */
static int body_equal(const uint8_t *p, size_t n, uint32_t flow, uint64_t seq)
{
	uint64_t st = body_seed(flow, seq), w, got;

	for (; n >= 8; p += 8, n -= 8) {
		w = htole64(splitmix64(&st));
		memcpy(&got, p, 8);
		if (got != w)
			return 0;
	}
	for (w = splitmix64(&st); n; n--, w >>= 8)
		if (*p++ != (uint8_t)w)
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Build / check                                                       */
/* ------------------------------------------------------------------ */

void pl_build(uint8_t *buf, size_t len, uint32_t flow, uint64_t seq)
{
	buf[0] = PL_MAGIC;
	buf[1] = PL_VERSION;
	put_be(buf + 2, flow, 4);
	put_be(buf + 6, seq & PL_MAX_SEQ, 6);
	put_be(buf + 12, len, 2);
	body_fill(buf + PL_HDR_LEN, len - PL_HDR_LEN, flow, seq);
	put_be(buf + 14, pl_crc(buf, len), 4);
}

enum pl_status pl_check(const uint8_t *buf, size_t len, enum pl_verify level,
			struct pl_hdr *h)
{
	if (len < PL_HDR_LEN)
		return PL_SHORT;
	if (buf[0] != PL_MAGIC || buf[1] != PL_VERSION)
		return PL_BAD_MAGIC;
	h->flow = (uint32_t)get_be(buf + 2, 4);
	h->seq = get_be(buf + 6, 6);
	h->len = (uint16_t)get_be(buf + 12, 2);
	h->crc = (uint32_t)get_be(buf + 14, 4);
	if (h->len != len)
		return PL_BAD_LEN;
	if (level >= PL_VERIFY_CRC && pl_crc(buf, len) != h->crc)
		return PL_BAD_CRC;
	if (level >= PL_VERIFY_FULL &&
	    !body_equal(buf + PL_HDR_LEN, len - PL_HDR_LEN, h->flow, h->seq))
		return PL_BAD_BODY;
	return PL_OK;
}

const char *pl_status_name(enum pl_status st)
{
	static const char *const names[] = {
		[PL_OK] = "ok", [PL_SHORT] = "short",
		[PL_BAD_MAGIC] = "magic", [PL_BAD_LEN] = "length",
		[PL_BAD_CRC] = "crc", [PL_BAD_BODY] = "body",
	};

	return st < PL_STATUS_MAX ? names[st] : "?";
}

void pl_corrupt(uint8_t *buf, size_t len, uint64_t seq)
{
	/* Prefer a body byte; a minimum-size payload has none, so hit the
	 * CRC field instead.  Either way the CRC check must fail.
	 */
	size_t i = len > PL_HDR_LEN ? PL_HDR_LEN + seq % (len - PL_HDR_LEN)
				    : 14 + seq % 4;
	buf[i] ^= 0xff;
}

long pl_payload_for_frame(long frame_len, int ipv6)
{
	long pl;

	if (frame_len < FRAME_MIN || frame_len > FRAME_MAX)
		return -1;
	pl = frame_len - ETH_HDR_LEN - (ipv6 ? IP6_HDR_LEN : IP4_HDR_LEN) -
	     UDP_HDR_LEN;
	return pl < PL_HDR_LEN ? -1 : pl;
}

int pl_parse_verify(const char *s)
{
	if (!strcmp(s, "full"))
		return PL_VERIFY_FULL;
	if (!strcmp(s, "crc"))
		return PL_VERIFY_CRC;
	if (!strcmp(s, "header"))
		return PL_VERIFY_HEADER;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Receiver statistics                                                 */
/* ------------------------------------------------------------------ */

/* extra corrupt reasons beyond enum pl_status */
#define WHY_SIZE	PL_STATUS_MAX		/* != --size */
#define WHY_RANGE	(PL_STATUS_MAX + 1)	/* seq >= --count */

int pl_stats_init(struct pl_stats *s, uint32_t flow, uint64_t expect,
		  uint64_t expect_len, enum pl_verify level)
{
	memset(s, 0, sizeof(*s));
	s->flow = flow;
	s->expect = expect;
	s->expect_len = expect_len;
	s->level = level;
	if (expect > PL_TRACK_MAX)
		return -1;
	if (expect) {
		s->seen_bits = (expect + 7) & ~UINT64_C(7);
		s->seen = calloc(s->seen_bits / 8, 1);
		if (!s->seen)
			return -1;
	}
	return 0;
}

/* Make the bitmap cover seq; 0 on success. */
static int track_grow(struct pl_stats *s, uint64_t seq)
{
	uint64_t bits = s->seen_bits ? s->seen_bits : 1 << 16;
	uint8_t *n;

	if (seq < s->seen_bits)
		return 0;
	if (s->expect || seq >= PL_TRACK_MAX)
		return -1;
	while (bits <= seq)
		bits *= 2;
	n = realloc(s->seen, bits / 8);
	if (!n)
		return -1;
	memset(n + s->seen_bits / 8, 0, (bits - s->seen_bits) / 8);
	s->seen = n;
	s->seen_bits = bits;
	return 0;
}

static enum pl_class count_corrupt(struct pl_stats *s, int why)
{
	s->corrupt++;
	s->why[why]++;
	return PL_C_CORRUPT;
}

enum pl_class pl_stats_account(struct pl_stats *s, const uint8_t *buf,
			       size_t len, uint64_t now_ns)
{
	struct pl_hdr h;
	enum pl_status st;
	uint8_t bit;

	s->received++;
	st = pl_check(buf, len, s->level, &h);
	if (st != PL_OK)
		return count_corrupt(s, st);
	if (h.flow != s->flow) {
		s->other++;
		return PL_C_OTHER;
	}
	if (s->expect_len && len != s->expect_len)
		return count_corrupt(s, WHY_SIZE);
	if ((s->expect && h.seq >= s->expect) || track_grow(s, h.seq))
		return count_corrupt(s, WHY_RANGE);

	bit = (uint8_t)(1u << (h.seq & 7));
	if (s->seen[h.seq >> 3] & bit) {
		s->duplicate++;
		return PL_C_DUP;
	}
	s->seen[h.seq >> 3] |= bit;
	s->valid++;
	s->bytes += len;
	if (!s->have_seq) {
		s->have_seq = 1;
		s->first_seq = h.seq;
		s->highest_seq = h.seq;
		s->first_ns = now_ns;
	} else if (h.seq < s->highest_seq) {
		s->reordered++;
	} else {
		s->highest_seq = h.seq;
	}
	s->last_seq = h.seq;
	s->last_ns = now_ns;
	return PL_C_VALID;
}

void pl_stats_finish(struct pl_stats *s)
{
	uint64_t expected = s->expect;

	/* Without --count we can only see gaps below the highest seq. */
	if (!expected && s->have_seq)
		expected = s->highest_seq + 1;
	s->lost = expected > s->valid ? expected - s->valid : 0;
}

static void print_seq(const char *key, int have, uint64_t v)
{
	if (have)
		printf(" %s=%" PRIu64, key, v);
	else
		printf(" %s=-1", key);
}

void pl_stats_print(const struct pl_stats *s)
{
	printf("received=%" PRIu64 " valid=%" PRIu64 " corrupt=%" PRIu64
	       " duplicate=%" PRIu64 " reordered=%" PRIu64 " lost=%" PRIu64
	       " other=%" PRIu64 " bytes=%" PRIu64,
	       s->received, s->valid, s->corrupt, s->duplicate, s->reordered,
	       s->lost, s->other, s->bytes);
	print_seq("first_seq", s->have_seq, s->first_seq);
	print_seq("last_seq", s->have_seq, s->last_seq);
	print_seq("highest_seq", s->have_seq, s->highest_seq);
}

void pl_stats_explain(const struct pl_stats *s, const char *who)
{
	if (!s->corrupt)
		return;
	fprintf(stderr, "%s: corrupt breakdown:", who);
	for (int i = 1; i < PL_STATUS_MAX + 2; i++) {
		const char *name = i == WHY_SIZE ? "size" :
				   i == WHY_RANGE ? "seq-range" :
				   pl_status_name(i);
		if (s->why[i])
			fprintf(stderr, " %s=%" PRIu64, name, s->why[i]);
	}
	fputc('\n', stderr);
}

void pl_stats_free(struct pl_stats *s)
{
	free(s->seen);
	s->seen = NULL;
}

/* ------------------------------------------------------------------ */
/* Unit tests                                                          */
/* ------------------------------------------------------------------ */

static int fails;

static void expect(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "pl_selftest: FAILED: %s\n", what);
		fails++;
	}
}

/* bit-at-a-time reference CRC32C to cross-check the sliced version */
static uint32_t crc32c_ref(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	while (n--) {
		c ^= *p++;
		for (int b = 0; b < 8; b++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
	}
	return ~c;
}

static void test_crc(void)
{
	uint8_t buf[300], zero[32] = { 0 };
	uint64_t st = 42;

	expect(crc32c(0, "123456789", 9) == 0xE3069283u, "crc32c check value");
	expect(crc32c(0, zero, 32) == 0x8A9136AAu, "crc32c 32 zero bytes");
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)splitmix64(&st);
	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n + off <= sizeof(buf); n += 7)
			if (crc32c(0, buf + off, n) != crc32c_ref(buf + off, n)) {
				expect(0, "crc32c sliced == reference");
				return;
			}
	expect(crc32c(crc32c(0, buf, 100), buf + 100, 200) ==
	       crc32c(0, buf, 300), "crc32c chaining");
}

static void test_roundtrip(void)
{
	static uint8_t buf[FRAME_MAX];
	static const size_t sizes[] = { 18, 19, 25, 26, 64, 1472, 8972 };
	struct pl_hdr h;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];

		pl_build(buf, n, 7, 12345 + i);
		expect(pl_check(buf, n, PL_VERIFY_FULL, &h) == PL_OK &&
		       h.flow == 7 && h.seq == 12345 + i && h.len == n,
		       "build/check roundtrip");
		expect(pl_check(buf, n - 1, PL_VERIFY_FULL, &h) != PL_OK,
		       "truncation detected");
		pl_corrupt(buf, n, i);
		expect(pl_check(buf, n, PL_VERIFY_CRC, &h) == PL_BAD_CRC,
		       "pl_corrupt detected by crc");
	}
	/* every single-byte flip of a minimum payload must be caught */
	for (size_t i = 0; i < 18; i++) {
		pl_build(buf, 18, 1, 99);
		buf[i] ^= 0x10;
		expect(pl_check(buf, 18, PL_VERIFY_CRC, &h) != PL_OK,
		       "header byte flip detected");
	}
	/* a body from another seq with a recomputed CRC: body check only */
	pl_build(buf, 100, 1, 5);
	body_fill(buf + PL_HDR_LEN, 100 - PL_HDR_LEN, 1, 6);
	put_be(buf + 14, pl_crc(buf, 100), 4);
	expect(pl_check(buf, 100, PL_VERIFY_CRC, &h) == PL_OK &&
	       pl_check(buf, 100, PL_VERIFY_FULL, &h) == PL_BAD_BODY,
	       "mixed body detected by full verify");
}

static void test_stats(void)
{
	static const uint64_t seqs[] = { 0, 1, 3, 2, 3, 5, 9 };
	uint8_t buf[64];
	struct pl_stats s;

	pl_stats_init(&s, 3, 8, 64, PL_VERIFY_FULL);
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		pl_build(buf, sizeof(buf), 3, seqs[i]);
		pl_stats_account(&s, buf, sizeof(buf), i);
	}
	pl_build(buf, sizeof(buf), 4, 4);		/* other flow */
	pl_stats_account(&s, buf, sizeof(buf), 10);
	pl_build(buf, 40, 3, 4);			/* wrong size */
	pl_stats_account(&s, buf, 40, 11);
	pl_stats_finish(&s);
	expect(s.received == 9 && s.valid == 5 && s.duplicate == 1 &&
	       s.reordered == 1 && s.other == 1 && s.corrupt == 2 &&
	       s.lost == 3 && s.first_seq == 0 && s.highest_seq == 5,
	       "stats accounting");
	pl_stats_free(&s);

	/* unknown count: bitmap grows, lost derived from highest seq */
	pl_stats_init(&s, 0, 0, 0, PL_VERIFY_CRC);
	pl_build(buf, 18, 0, 0);
	pl_stats_account(&s, buf, 18, 0);
	pl_build(buf, 18, 0, 200000);
	pl_stats_account(&s, buf, 18, 1);
	pl_stats_finish(&s);
	expect(s.valid == 2 && s.lost == 199999, "stats with growing bitmap");
	pl_stats_free(&s);
}

int pl_selftest(void)
{
	fails = 0;
	test_crc();
	test_roundtrip();
	test_stats();
	return fails;
}
