// SPDX-License-Identifier: GPL-2.0
/*
 * udpblast - UDP traffic generator and verifying sink for e1000-csb tests.
 *
 * Runs inside the test guests (static binary, busybox userland) and on the
 * host for the self-test.  Every datagram carries the self-checking payload
 * from payload.h, so the receiver can prove that each datagram arrived
 * exactly once and byte-for-byte intact.
 *
 *   udpblast send --dst IP --port P [--count N] [--seconds S] [--size FRAME]
 *                 [--flow F] [--rate PPS] [--batch B] [--src-port P]
 *                 [--timeout S] [--corrupt-every K]
 *   udpblast recv [--port P] [--bind IP] [--count N] [--timeout S]
 *                 [--idle S] [--flow F] [--size FRAME] [--batch B]
 *                 [--verify full|crc|header] [--ready-file PATH]
 *   udpblast unittest
 *
 * --size is an Ethernet frame length without FCS (60..9014); the UDP
 * payload is FRAME-42 bytes over IPv4 and FRAME-62 over IPv6 (so IPv6
 * needs FRAME >= 80).  Output: see util.h; the RESULT fields are listed
 * in print_usage().
 */
#define _GNU_SOURCE
#include "payload.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEF_BATCH	32
#define MAX_BATCH	1024		/* UIO_MAXIOV limit of [send|recv]mmsg */
#define DEF_SIZE	1514
#define DEF_COUNT	1000
#define SOCK_BUF	(4 << 20)
#define RX_BUF		65536		/* > any UDP payload: no truncation */

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage:\n"
		"  udpblast send --dst IP --port P [--count N] [--seconds S] [--size FRAME]\n"
		"                [--flow F] [--rate PPS] [--batch B] [--src-port P]\n"
		"                [--timeout S] [--corrupt-every K]\n"
		"  udpblast recv [--port P] [--bind IP] [--count N] [--timeout S] [--idle S]\n"
		"                [--flow F] [--size FRAME] [--batch B]\n"
		"                [--verify full|crc|header] [--ready-file PATH]\n"
		"  udpblast unittest\n"
		"FRAME = Ethernet frame length without FCS, 60..9014 (default %d).\n"
		"send: default --count %d unless --seconds is given; --rate 0 (default) =\n"
		"      unpaced; --timeout default max(600, planned duration + 30).\n"
		"recv: default --timeout 60, --idle 5 (0 = off); prints 'READY port=P'.\n"
		"stdout: RESULT role=send status=ok|fail|error sent= bytes= seconds= pps=\n"
		"        mbps= retries= flow= size= payload=\n"
		"        RESULT role=recv status=.. stop=count|timeout|idle|signal received=\n"
		"        valid= corrupt= duplicate= reordered= lost= other= bytes= first_seq=\n"
		"        last_seq= highest_seq= seconds= pps= mbps= elapsed=\n"
		"exit: 0 ok, 1 expectations not met, 2 usage/setup error\n",
		DEF_SIZE, DEF_COUNT);
}

/* ------------------------------------------------------------------ */
/* Address helpers                                                     */
/* ------------------------------------------------------------------ */

/* Numeric IPv4/IPv6 literal (+ optional "%scope" for link-local IPv6)
 * and port -> sockaddr; fatal on error.  inet_pton rather than
 * getaddrinfo keeps the static binary free of NSS dependencies.
 */
static void resolve(const char *host, uint16_t port,
		    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	char h[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], *pct;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*len = sizeof(*a4);
		return;
	}
	snprintf(h, sizeof(h), "%s", host);
	pct = strchr(h, '%');
	if (pct) {
		*pct++ = 0;
		a6->sin6_scope_id = if_nametoindex(pct);
		if (!a6->sin6_scope_id)
			a6->sin6_scope_id = (uint32_t)strtoul(pct, NULL, 10);
	}
	if (inet_pton(AF_INET6, h, &a6->sin6_addr) != 1 ||
	    (pct && !a6->sin6_scope_id))
		fatal("usage", "bad address '%s' (numeric IPv4/IPv6 only)", host);
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(port);
	*len = sizeof(*a6);
}

/* Does this peer address mean the datagram travelled over IPv4? */
static int addr_is_v4(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *a = (const void *)ss;

	return ss->ss_family == AF_INET ||
	       (ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a->sin6_addr));
}

/* Ask for synchronous error reporting: without IP_RECVERR Linux UDP
 * swallows ENOBUFS from a full qdisc, silently losing the datagram.
 */
static void enable_recverr(int fd, int family)
{
	int one = 1;

	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
	else
		setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
}

/* Discard queued ICMP errors (IP_RECVERR keeps them on an error queue). */
static void drain_errqueue(int fd)
{
	char buf[256], ctl[512];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m;

	for (int i = 0; i < 64; i++) {
		memset(&m, 0, sizeof(m));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl;
		m.msg_controllen = sizeof(ctl);
		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
	}
}

/* ------------------------------------------------------------------ */
/* send                                                                */
/* ------------------------------------------------------------------ */

struct send_opts {
	const char *dst;
	uint16_t port, src_port;
	uint64_t count;			/* 0 = unlimited (with --seconds) */
	double seconds, rate, timeout;
	long size;
	uint32_t flow;
	unsigned int batch;
	uint64_t corrupt_every;
};

struct sender {
	struct send_opts o;
	int fd;
	size_t plen;			/* UDP payload length */
	uint8_t *bufs;			/* batch slots of plen bytes */
	struct iovec *iov;
	struct mmsghdr *msgs;
	uint64_t seq;			/* next sequence number to send */
	uint64_t built;			/* payloads [seq, built) are ready */
	uint64_t retries, bytes;
	uint64_t t_first, t_last;	/* loop start, last successful send */
};

static void send_parse(int argc, char **argv, struct send_opts *o)
{
	enum { O_DST = 1, O_PORT, O_COUNT, O_SECONDS, O_SIZE, O_FLOW, O_RATE,
	       O_BATCH, O_SRCPORT, O_TIMEOUT, O_CORRUPT };
	static const struct option opts[] = {
		{ "dst", 1, 0, O_DST }, { "port", 1, 0, O_PORT },
		{ "count", 1, 0, O_COUNT }, { "seconds", 1, 0, O_SECONDS },
		{ "size", 1, 0, O_SIZE }, { "flow", 1, 0, O_FLOW },
		{ "rate", 1, 0, O_RATE }, { "batch", 1, 0, O_BATCH },
		{ "src-port", 1, 0, O_SRCPORT }, { "timeout", 1, 0, O_TIMEOUT },
		{ "corrupt-every", 1, 0, O_CORRUPT }, { 0, 0, 0, 0 }
	};
	int c, have_count = 0, have_timeout = 0;

	*o = (struct send_opts){ .size = DEF_SIZE, .batch = DEF_BATCH,
				 .timeout = 600 };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_DST:
			o->dst = optarg;
			break;
		case O_PORT:
			o->port = opt_u64("port", optarg, 1, 65535);
			break;
		case O_COUNT:
			o->count = opt_u64("count", optarg, 1, PL_MAX_SEQ);
			have_count = 1;
			break;
		case O_SECONDS:
			o->seconds = opt_double("seconds", optarg, 0.001, 1e6);
			break;
		case O_SIZE:
			o->size = opt_u64("size", optarg, FRAME_MIN, FRAME_MAX);
			break;
		case O_FLOW:
			o->flow = opt_u64("flow", optarg, 0, UINT32_MAX);
			break;
		case O_RATE:
			o->rate = opt_double("rate", optarg, 0, 1e9);
			break;
		case O_BATCH:
			o->batch = opt_u64("batch", optarg, 1, MAX_BATCH);
			break;
		case O_SRCPORT:
			o->src_port = opt_u64("src-port", optarg, 1, 65535);
			break;
		case O_TIMEOUT:
			o->timeout = opt_double("timeout", optarg, 0.001, 1e7);
			have_timeout = 1;
			break;
		case O_CORRUPT:
			o->corrupt_every = opt_u64("corrupt-every", optarg, 1,
						   UINT64_MAX);
			break;
		default:
			print_usage(stderr);
			fatal("usage", "bad option");
		}
	}
	if (optind != argc)
		fatal("usage", "unexpected argument '%s'", argv[optind]);
	if (!o->dst || !o->port)
		fatal("usage", "send needs --dst and --port");
	if (!have_count && !o->seconds)
		o->count = DEF_COUNT;
	if (!have_timeout)
		o->timeout = planned_timeout(o->timeout, o->seconds, o->count,
					     o->rate);
}

static void sender_open(struct sender *s)
{
	struct sockaddr_storage dst, src;
	socklen_t dlen, slen;
	long plen;

	resolve(s->o.dst, s->o.port, &dst, &dlen);
	plen = pl_payload_for_frame(s->o.size, !addr_is_v4(&dst));
	if (plen < 0)
		fatal("usage", "--size %ld too small for this address family",
		      s->o.size);
	s->plen = (size_t)plen;

	s->fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (s->fd < 0)
		fatal("socket", "socket: %s", strerror(errno));
	enable_recverr(s->fd, dst.ss_family);
	note("sndbuf %d bytes", sock_buf(s->fd, 0, SOCK_BUF));
	if (s->o.src_port) {
		memset(&src, 0, sizeof(src));
		src.ss_family = dst.ss_family;
		/* port sits at the same offset in sockaddr_in and _in6 */
		((struct sockaddr_in *)&src)->sin_port = htons(s->o.src_port);
		slen = dst.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
		if (bind(s->fd, (struct sockaddr *)&src, slen) < 0)
			fatal("bind", "bind src-port %u: %s", s->o.src_port,
			      strerror(errno));
	}
	/* connected socket: route looked up once, cheaper per datagram */
	if (connect(s->fd, (struct sockaddr *)&dst, dlen) < 0)
		fatal("connect", "connect %s: %s", s->o.dst, strerror(errno));
}

static void sender_alloc(struct sender *s)
{
	unsigned int b = s->o.batch;

	s->bufs = malloc((size_t)b * s->plen);
	s->iov = calloc(b, sizeof(*s->iov));
	s->msgs = calloc(b, sizeof(*s->msgs));
	if (!s->bufs || !s->iov || !s->msgs)
		fatal("nomem", "out of memory");
	for (unsigned int i = 0; i < b; i++) {
		s->iov[i].iov_base = s->bufs + (size_t)i * s->plen;
		s->iov[i].iov_len = s->plen;
	}
}

static void sender_free(struct sender *s)
{
	close(s->fd);
	free(s->bufs);
	free(s->iov);
	free(s->msgs);
}

/* Prepare payloads seq..seq+k-1 (slot = seq % batch) and the mmsghdrs.
 * Payloads left over from a partial send are kept, not rebuilt.
 */
static void sender_prepare(struct sender *s, unsigned int k)
{
	unsigned int b = s->o.batch;

	for (uint64_t q = s->built > s->seq ? s->built : s->seq;
	     q < s->seq + k; q++) {
		uint8_t *p = s->iov[q % b].iov_base;

		pl_build(p, s->plen, s->o.flow, q);
		if (s->o.corrupt_every && (q + 1) % s->o.corrupt_every == 0)
			pl_corrupt(p, s->plen, q);
		s->built = q + 1;
	}
	for (unsigned int i = 0; i < k; i++) {
		memset(&s->msgs[i], 0, sizeof(s->msgs[i]));
		s->msgs[i].msg_hdr.msg_iov = &s->iov[(s->seq + i) % b];
		s->msgs[i].msg_hdr.msg_iovlen = 1;
	}
}

/* One sendmmsg attempt of k datagrams; returns how many went out, or -1
 * on a fatal error (errno set).  Transient errors return 0.
 */
static int sender_xmit(struct sender *s, unsigned int k, unsigned int *fails)
{
	int r = sendmmsg(s->fd, s->msgs, k, 0);

	if (r > 0) {
		s->t_last = now_ns();
		s->seq += (unsigned int)r;
		s->bytes += (uint64_t)r * s->plen;
		*fails = 0;
		return r;
	}
	if (r < 0 && !send_err_transient(errno))
		return -1;
	/* the datagram at s->seq was not sent: retry it, never skip it */
	s->retries++;
	drain_errqueue(s->fd);
	send_backoff((*fails)++);
	return 0;
}

static int cmd_send(int argc, char **argv)
{
	struct sender s = { 0 };
	struct pacer pc;
	uint64_t start, end = 0, hard;
	const char *status = "ok", *reason = NULL;
	unsigned int fails = 0;

	send_parse(argc, argv, &s.o);
	sender_open(&s);
	sender_alloc(&s);
	pacer_init(&pc, s.o.rate, s.o.batch);
	note("sending %" PRIu64
	     " datagrams (0 = no limit) for up to %g s, %zu bytes each (frame %ld), to %s port %u, flow %u, rate %g",
	     s.o.count, s.o.seconds ? s.o.seconds : s.o.timeout, s.plen,
	     s.o.size, s.o.dst, s.o.port, s.o.flow, s.o.rate);

	start = now_ns();
	s.t_first = start;
	s.t_last = start;
	hard = start + (uint64_t)(s.o.timeout * 1e9);
	if (s.o.seconds)
		end = start + (uint64_t)(s.o.seconds * 1e9);
	for (;;) {
		uint64_t now = now_ns(), left = PL_MAX_SEQ + 1 - s.seq;
		unsigned int want, k;
		int r;

		if (s.o.count)
			left = s.o.count - s.seq;
		if (!left || (end && now >= end))
			break;
		if (g_stop) {
			status = "fail";
			reason = "interrupted";
			break;
		}
		if (now >= hard) {
			status = "fail";
			reason = "timeout";
			break;
		}
		want = left < s.o.batch ? (unsigned int)left : s.o.batch;
		k = pacer_wait(&pc, want, end && end < hard ? end : hard);
		if (!k)
			continue;
		sender_prepare(&s, k);
		r = sender_xmit(&s, k, &fails);
		if (r < 0) {
			note("sendmmsg: %s", strerror(errno));
			status = "error";
			reason = "send";
			break;
		}
		pacer_done(&pc, (unsigned int)r);
	}

	double secs = s.t_last > s.t_first ? ns_to_s(s.t_last - s.t_first) : 0;
	double pps = secs > 0 ? (double)s.seq / secs : 0;

	note("sent %" PRIu64 " datagrams, %" PRIu64 " retries, %.3f s, %.0f pps",
	     s.seq, s.retries, secs, pps);
	printf("RESULT role=send status=%s", status);
	if (reason)
		printf(" reason=%s", reason);
	printf(" sent=%" PRIu64 " bytes=%" PRIu64
	       " seconds=%.6f pps=%.1f mbps=%.3f retries=%" PRIu64
	       " flow=%u size=%ld payload=%zu\n",
	       s.seq, s.bytes, secs, pps,
	       secs > 0 ? (double)s.bytes * 8 / secs / 1e6 : 0.0,
	       s.retries, s.o.flow, s.o.size, s.plen);
	fflush(stdout);
	sender_free(&s);
	return !strcmp(status, "ok") ? 0 : !strcmp(status, "error") ? EXIT_SETUP
								    : EXIT_FAIL;
}

/* ------------------------------------------------------------------ */
/* recv                                                                */
/* ------------------------------------------------------------------ */

struct recv_opts {
	const char *bind_ip, *ready_file;
	uint16_t port;
	uint64_t count;
	double timeout, idle;
	long size;			/* 0 = any */
	uint32_t flow;
	unsigned int batch;
	enum pl_verify verify;
};

static void recv_parse(int argc, char **argv, struct recv_opts *o)
{
	enum { O_PORT = 1, O_BIND, O_COUNT, O_TIMEOUT, O_IDLE, O_FLOW, O_SIZE,
	       O_BATCH, O_VERIFY, O_READY };
	static const struct option opts[] = {
		{ "port", 1, 0, O_PORT }, { "bind", 1, 0, O_BIND },
		{ "count", 1, 0, O_COUNT }, { "timeout", 1, 0, O_TIMEOUT },
		{ "idle", 1, 0, O_IDLE }, { "flow", 1, 0, O_FLOW },
		{ "size", 1, 0, O_SIZE }, { "batch", 1, 0, O_BATCH },
		{ "verify", 1, 0, O_VERIFY }, { "ready-file", 1, 0, O_READY },
		{ 0, 0, 0, 0 }
	};
	int c, v;

	*o = (struct recv_opts){ .timeout = 60, .idle = 5, .batch = 64,
				 .verify = PL_VERIFY_FULL };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_PORT:
			o->port = opt_u64("port", optarg, 0, 65535);
			break;
		case O_BIND:
			o->bind_ip = optarg;
			break;
		case O_COUNT:
			o->count = opt_u64("count", optarg, 1, PL_TRACK_MAX);
			break;
		case O_TIMEOUT:
			o->timeout = opt_double("timeout", optarg, 0.001, 1e7);
			break;
		case O_IDLE:
			o->idle = opt_double("idle", optarg, 0, 1e7);
			break;
		case O_FLOW:
			o->flow = opt_u64("flow", optarg, 0, UINT32_MAX);
			break;
		case O_SIZE:
			o->size = opt_u64("size", optarg, FRAME_MIN, FRAME_MAX);
			break;
		case O_BATCH:
			o->batch = opt_u64("batch", optarg, 1, MAX_BATCH);
			break;
		case O_VERIFY:
			v = pl_parse_verify(optarg);
			if (v < 0)
				fatal("usage", "--verify full|crc|header");
			o->verify = v;
			break;
		case O_READY:
			o->ready_file = optarg;
			break;
		default:
			print_usage(stderr);
			fatal("usage", "bad option");
		}
	}
	if (optind != argc)
		fatal("usage", "unexpected argument '%s'", argv[optind]);
}

/* Bind the receive socket.  Without --bind, prefer a dual-stack "::"
 * socket and fall back to IPv4 (guest kernels may lack IPv6).
 */
static int recv_open(const struct recv_opts *o)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = -1, zero = 0;

	if (o->bind_ip) {
		resolve(o->bind_ip, o->port, &ss, &len);
		fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	} else {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

		memset(&ss, 0, sizeof(ss));
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(o->port);
		len = sizeof(*a6);
		fd = socket(AF_INET6, SOCK_DGRAM, 0);
		if (fd >= 0)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				   sizeof(zero));
		if (fd < 0) {
			struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;

			memset(&ss, 0, sizeof(ss));
			a4->sin_family = AF_INET;
			a4->sin_port = htons(o->port);
			len = sizeof(*a4);
			fd = socket(AF_INET, SOCK_DGRAM, 0);
		}
	}
	if (fd < 0)
		fatal("socket", "socket: %s", strerror(errno));
	note("rcvbuf %d bytes", sock_buf(fd, 1, SOCK_BUF));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		fatal("bind", "bind port %u: %s", o->port, strerror(errno));
	return fd;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	getsockname(fd, (struct sockaddr *)&ss, &len);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Announce readiness: stdout line, and optionally a file created
 * atomically (write a temp file, then rename).
 */
static void announce_ready(const char *file, uint16_t port)
{
	printf("READY port=%u\n", port);
	fflush(stdout);
	if (file) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "port=%u\n", port) < 0 || fclose(f) ||
		    rename(tmp, file))
			fatal("ready-file", "cannot write %s", file);
	}
}

struct receiver {
	struct recv_opts o;
	int fd;
	struct pl_stats st;
	uint64_t len4, len6;		/* expected payload per family */
	uint8_t *bufs;
	struct iovec *iov;
	struct mmsghdr *msgs;
	struct sockaddr_storage *from;
	uint64_t start, last_rx;
};

static void receiver_alloc(struct receiver *r)
{
	unsigned int b = r->o.batch;

	r->bufs = malloc((size_t)b * RX_BUF);
	r->iov = calloc(b, sizeof(*r->iov));
	r->msgs = calloc(b, sizeof(*r->msgs));
	r->from = calloc(b, sizeof(*r->from));
	if (!r->bufs || !r->iov || !r->msgs || !r->from)
		fatal("nomem", "out of memory");
	for (unsigned int i = 0; i < b; i++) {
		r->iov[i].iov_base = r->bufs + (size_t)i * RX_BUF;
		r->iov[i].iov_len = RX_BUF;
	}
}

static void receiver_free(struct receiver *r)
{
	close(r->fd);
	free(r->bufs);
	free(r->iov);
	free(r->msgs);
	free(r->from);
	pl_stats_free(&r->st);
}

/* Receive and account one batch; returns datagrams read (0 if none). */
static int receiver_batch(struct receiver *r)
{
	unsigned int b = r->o.batch;
	uint64_t t;
	int n;

	for (unsigned int i = 0; i < b; i++) {
		struct msghdr *h = &r->msgs[i].msg_hdr;

		memset(h, 0, sizeof(*h));
		h->msg_iov = &r->iov[i];
		h->msg_iovlen = 1;
		h->msg_name = &r->from[i];
		h->msg_namelen = sizeof(r->from[i]);
	}
	n = recvmmsg(r->fd, r->msgs, b, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		fatal("recv", "recvmmsg: %s", strerror(errno));
	}
	t = now_ns();
	r->last_rx = t;
	for (int i = 0; i < n; i++) {
		size_t len = r->msgs[i].msg_len;

		if (r->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
			len = 0;	/* cannot happen with RX_BUF; be safe */
		/* expected size depends on the family this datagram used */
		r->st.expect_len = addr_is_v4(&r->from[i]) ? r->len4 : r->len6;
		pl_stats_account(&r->st, r->iov[i].iov_base, len, t);
		if (r->o.count && r->st.valid >= r->o.count)
			break;
	}
	return n;
}

/* Wait for traffic; returns a stop reason or NULL to keep going. */
static const char *receiver_wait(struct receiver *r, uint64_t deadline)
{
	uint64_t now = now_ns(), until = deadline;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

	if (g_stop)
		return "signal";
	if (r->o.count && r->st.valid >= r->o.count)
		return "count";
	if (now >= deadline)
		return "timeout";
	if (r->o.idle > 0 && r->last_rx) {
		uint64_t idle_end = r->last_rx + (uint64_t)(r->o.idle * 1e9);

		if (now >= idle_end)
			return "idle";
		if (idle_end < until)
			until = idle_end;
	}
	poll(&pfd, 1, (int)((until - now) / 1000000) + 1);
	return NULL;
}

static const char *recv_verdict(const struct receiver *r, const char *stop)
{
	const struct pl_stats *s = &r->st;

	if (s->corrupt)
		return "corrupt";
	if (s->duplicate)
		return "duplicate";
	if (r->o.count ? s->valid != r->o.count : s->valid == 0)
		return !strcmp(stop, "signal") ? "interrupted" :
		       s->valid ? "incomplete" : "nothing";
	return NULL;
}

static void recv_report(struct receiver *r, const char *stop, const char *why)
{
	const struct pl_stats *s = &r->st;
	double secs = s->last_ns > s->first_ns ? ns_to_s(s->last_ns - s->first_ns)
					       : 0;

	pl_stats_explain(s, "udpblast recv");
	note("stop=%s valid %" PRIu64 "/%" PRIu64 " corrupt %" PRIu64
	     " dup %" PRIu64 " lost %" PRIu64, stop, s->valid, r->o.count,
	     s->corrupt, s->duplicate, s->lost);
	printf("RESULT role=recv status=%s", why ? "fail" : "ok");
	if (why)
		printf(" reason=%s", why);
	printf(" stop=%s ", stop);
	pl_stats_print(s);
	printf(" seconds=%.6f pps=%.1f mbps=%.3f elapsed=%.3f\n", secs,
	       secs > 0 ? (double)s->valid / secs : 0.0,
	       secs > 0 ? (double)s->bytes * 8 / secs / 1e6 : 0.0,
	       ns_to_s(now_ns() - r->start));
	fflush(stdout);
}

static int cmd_recv(int argc, char **argv)
{
	struct receiver r = { 0 };
	const char *stop, *why;
	uint64_t deadline;

	recv_parse(argc, argv, &r.o);
	if (r.o.size) {
		long l6 = pl_payload_for_frame(r.o.size, 1);

		r.len4 = (uint64_t)pl_payload_for_frame(r.o.size, 0);
		r.len6 = l6 < 0 ? UINT64_MAX : (uint64_t)l6; /* never matches */
	}
	if (pl_stats_init(&r.st, r.o.flow, r.o.count, 0, r.o.verify))
		fatal("nomem", "cannot allocate sequence bitmap");
	receiver_alloc(&r);
	r.fd = recv_open(&r.o);
	announce_ready(r.o.ready_file, bound_port(r.fd));

	r.start = now_ns();
	deadline = r.start + (uint64_t)(r.o.timeout * 1e9);
	while (!(stop = receiver_wait(&r, deadline)))
		while (receiver_batch(&r) > 0 &&
		       !(r.o.count && r.st.valid >= r.o.count))
			;
	pl_stats_finish(&r.st);
	why = recv_verdict(&r, stop);
	recv_report(&r, stop, why);
	receiver_free(&r);
	return why ? EXIT_FAIL : 0;
}

/* ------------------------------------------------------------------ */

static int cmd_unittest(void)
{
	int fails = pl_selftest();

	printf("RESULT role=unittest status=%s failures=%d\n",
	       fails ? "fail" : "ok", fails);
	return fails ? EXIT_FAIL : 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	g_prog = "udpblast";
	install_stop_signals();
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		print_usage(stdout);
		return 0;
	}
	g_role = cmd;
	if (!strcmp(cmd, "send"))
		return cmd_send(argc - 1, argv + 1);
	if (!strcmp(cmd, "recv"))
		return cmd_recv(argc - 1, argv + 1);
	if (!strcmp(cmd, "unittest"))
		return cmd_unittest();
	print_usage(stderr);
	g_role = "none";
	fatal("usage", "unknown subcommand '%s'", cmd);
}
