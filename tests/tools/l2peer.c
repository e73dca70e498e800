// SPDX-License-Identifier: GPL-2.0
/*
 * l2peer - the far end of a QEMU guest NIC, speaking raw Ethernet over
 * QEMU's "-netdev dgram" backend.
 *
 * With
 *   -netdev dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=A,
 *           remote.type=inet,remote.host=127.0.0.1,remote.port=B
 * every UDP datagram between 127.0.0.1:A (QEMU) and 127.0.0.1:B (l2peer)
 * carries exactly one Ethernet frame: no FCS, no length prefix.  l2peer
 * binds B (--listen) and sends to A (--qemu), and behaves like a minimal
 * IPv4 host with one MAC and one IP address:
 *
 *  - answers ARP requests for its IP, and ICMP echo requests (handy when
 *    debugging a guest by hand);
 *  - learns the guest's MAC from ARP and IPv4 traffic, or resolves
 *    --peer-ip by sending ARP requests itself;
 *  - receives ("recv") or sends ("send") UDP datagrams carrying the
 *    payload of payload.h, with Ethernet/IPv4/UDP headers built and
 *    checked by hand (IPv4 header checksum and full UDP checksum, so the
 *    guest's checksum offload paths are exercised in both directions).
 *
 * Everything else (IPv6 ND, DHCP, LLDP...) is tolerated and counted as
 * other=.  Frames may be any size up to 9014 bytes (jumbo).
 *
 * Pacing: QEMU's dgram backend reads one datagram per main-loop pass into
 * a socket buffer of net.core.rmem_default (~208 KB), so an unpaced sender
 * overflows it and frames are lost before the guest ever sees them.  The
 * default is therefore --rate 20000, and bursts are kept to ~64 KB.
 *
 * Output and exit codes follow util.h; see print_usage() for the fields.
 */
#define _GNU_SOURCE
#include "payload.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ETH_P_IPV4	0x0800
#define ETH_P_ARP	0x0806
#define IPPROTO_ICMP_	1
#define IPPROTO_UDP_	17
#define ARP_LEN		28

#define RX_BATCH	64
#define RX_BUF		65536
#define MAX_BATCH	1024
#define SOCK_BUF	(4 << 20)
#define ARP_INTERVAL_NS	250000000u	/* ARP retry every 250 ms */
#define BURST_BYTES	65536		/* keep bursts well below QEMU's rcvbuf */

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage:\n"
		"  l2peer recv [--listen IP:B] [--qemu IP:A] [--port P] [--count N]\n"
		"              [--timeout S] [--idle S] [--flow F] [--size FRAME]\n"
		"              [--verify full|crc|header] [--ready-file PATH] [common]\n"
		"  l2peer send --qemu IP:A [--listen IP:B] [--port P] [--count N]\n"
		"              [--seconds S] [--size FRAME] [--rate PPS] [--batch B]\n"
		"              [--flow F] [--src-port P] [--timeout S] [--corrupt-every K]\n"
		"              [common]\n"
		"  common: [--mac MAC] [--ip IP] [--peer-ip IP] [--peer-mac MAC]\n"
		"defaults: --mac 52:54:00:99:00:02 --ip 10.0.0.2 --port 5001 --timeout 30\n"
		"  (send without --timeout: 30 s for ARP, then as long as the run needs)\n"
		"  --listen 127.0.0.1:0; send: --peer-ip 10.0.0.1 --rate 20000 (0 = unpaced)\n"
		"  --count 1000 --size 1514 --src-port 40000 --batch ~64KB/frame (1..32);\n"
		"  recv: --idle 5 (0 = off); without --qemu replies go to the last sender.\n"
		"FRAME = Ethernet frame length without FCS, 60..9014.\n"
		"stdout: READY port=P listen=IP:B (recv, after bind)\n"
		"  RESULT role=send status=ok|fail|error sent= bytes= seconds= pps= mbps=\n"
		"    retries= arp_tries= arp_rx= other= peer_mac= flow= size= payload=\n"
		"  RESULT role=recv status=.. stop=count|timeout|idle|signal received=\n"
		"    valid= corrupt= duplicate= reordered= lost= other= bytes= first_seq=\n"
		"    last_seq= highest_seq= seconds= pps= mbps= elapsed= frames= arp_rx=\n"
		"    arp_tx= peer_mac=\n"
		"exit: 0 ok, 1 expectations not met, 2 usage/setup error\n");
}

/* ------------------------------------------------------------------ */
/* Byte helpers and Internet checksum                                  */
/* ------------------------------------------------------------------ */

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One's complement sum of big-endian 16-bit words (odd byte padded). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += rd16(p);
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

/* Fold and complement; a block that includes its checksum folds to 0. */
static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* UDP checksum over pseudo header (src, dst, proto, length) + datagram.
 * ip pointers are the 4-byte addresses as they appear in the packet.
 */
static uint16_t udp_csum(const uint8_t *src, const uint8_t *dst,
			 const uint8_t *udp, size_t len)
{
	uint32_t sum = csum_add(0, src, 4);

	sum = csum_add(sum, dst, 4);
	sum += IPPROTO_UDP_ + (uint32_t)len;
	return csum_fold(csum_add(sum, udp, len));
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int v[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static const char *fmt_mac(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* ------------------------------------------------------------------ */
/* State                                                               */
/* ------------------------------------------------------------------ */

struct l2opts {
	struct sockaddr_storage listen, qemu;
	socklen_t listen_len, qemu_len;
	int have_qemu;
	uint8_t mac[6], peer_mac[6];
	int have_peer_mac, have_peer_ip;
	uint8_t ip[4], peer_ip[4];	/* network order, as on the wire */
	uint16_t port, src_port;
	uint64_t count, corrupt_every;
	double seconds, timeout, idle, rate;
	double send_timeout;		/* send phase limit, 0 = use timeout */
	long size;			/* frame length, 0 = any (recv) */
	uint32_t flow;
	unsigned int batch;
	enum pl_verify verify;
	const char *ready_file;
};

struct l2 {
	struct l2opts o;
	int fd, recv_mode;
	int peer_known, qemu_known;
	uint8_t peer_mac[6];
	struct sockaddr_storage qemu;
	socklen_t qemu_len;

	/* receive ring */
	uint8_t *rxbuf;
	struct iovec rxiov[RX_BATCH];
	struct mmsghdr rxmsg[RX_BATCH];
	struct sockaddr_storage rxfrom[RX_BATCH];

	struct pl_stats st;		/* UDP payload accounting (recv) */
	uint64_t frames, stray, arp_rx, arp_tx, other, frag;
	uint64_t bad_ip, bad_udp;	/* L3/L4 corruption, also in corrupt */
	uint64_t last_udp;		/* time of last datagram to --port */
	uint16_t ip_id;
};

/* ------------------------------------------------------------------ */
/* Transmit                                                            */
/* ------------------------------------------------------------------ */

/* Send one frame to QEMU (ARP/ICMP replies); retried on transient errors.
 * Loopback delivery: a full QEMU buffer drops silently, nothing to do.
 */
static void l2_send1(struct l2 *l, const uint8_t *f, size_t n)
{
	if (!l->qemu_known)
		return;
	for (unsigned int i = 0; i < 20; i++) {
		if (sendto(l->fd, f, n, 0, (struct sockaddr *)&l->qemu,
			   l->qemu_len) >= 0 || !send_err_transient(errno))
			return;
		send_backoff(i);
	}
}

static size_t eth_hdr(uint8_t *f, const uint8_t *dst, const uint8_t *src,
		      uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	wr16(f + 12, type);
	return ETH_HDR_LEN;
}

/* ARP packet for IPv4 over Ethernet; frame padded to 60 bytes. */
static void arp_send(struct l2 *l, uint16_t op, const uint8_t *eth_dst,
		     const uint8_t *tha, const uint8_t *tpa)
{
	uint8_t f[FRAME_MIN] = { 0 };
	uint8_t *a = f + eth_hdr(f, eth_dst, l->o.mac, ETH_P_ARP);

	wr16(a, 1);			/* hardware: Ethernet */
	wr16(a + 2, ETH_P_IPV4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, op);
	memcpy(a + 8, l->o.mac, 6);
	memcpy(a + 14, l->o.ip, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tpa, 4);
	l2_send1(l, f, sizeof(f));
	l->arp_tx++;
}

/* Fill a 20-byte IPv4 header (DF set, no options) and its checksum. */
static void ip_hdr(struct l2 *l, uint8_t *p, uint8_t proto, size_t tot,
		   const uint8_t *dst)
{
	p[0] = 0x45;
	p[1] = 0;
	wr16(p + 2, (uint16_t)tot);
	wr16(p + 4, l->ip_id++);
	wr16(p + 6, 0x4000);		/* DF, offset 0 */
	p[8] = 64;
	p[9] = proto;
	wr16(p + 10, 0);
	memcpy(p + 12, l->o.ip, 4);
	memcpy(p + 16, dst, 4);
	wr16(p + 10, csum_fold(csum_add(0, p, IP4_HDR_LEN)));
}

/* Build the complete UDP frame for seq into f (o.size bytes). */
static void udp_frame(struct l2 *l, uint8_t *f, uint64_t seq)
{
	size_t plen = (size_t)l->o.size - ETH_HDR_LEN - IP4_HDR_LEN -
		      UDP_HDR_LEN;
	uint8_t *ip = f + ETH_HDR_LEN, *udp = ip + IP4_HDR_LEN;
	uint16_t sum;

	eth_hdr(f, l->peer_mac, l->o.mac, ETH_P_IPV4);
	ip_hdr(l, ip, IPPROTO_UDP_, IP4_HDR_LEN + UDP_HDR_LEN + plen,
	       l->o.peer_ip);
	wr16(udp, l->o.src_port);
	wr16(udp + 2, l->o.port);
	wr16(udp + 4, (uint16_t)(UDP_HDR_LEN + plen));
	wr16(udp + 6, 0);
	pl_build(udp + UDP_HDR_LEN, plen, l->o.flow, seq);
	/* corrupt before the UDP checksum: the frame stays valid at L4, so
	 * the damage reaches the guest application's payload check
	 */
	if (l->o.corrupt_every && (seq + 1) % l->o.corrupt_every == 0)
		pl_corrupt(udp + UDP_HDR_LEN, plen, seq);
	sum = udp_csum(ip + 12, ip + 16, udp, UDP_HDR_LEN + plen);
	wr16(udp + 6, sum ? sum : 0xffff);	/* 0 means "no checksum" */
}

/* ------------------------------------------------------------------ */
/* Receive                                                             */
/* ------------------------------------------------------------------ */

static void learn_peer(struct l2 *l, const uint8_t *mac, const uint8_t *ip)
{
	char b[18];

	if (!memcmp(ip, "\0\0\0\0", 4) || (mac[0] & 1))
		return;				/* ARP probe / multicast */
	if (l->o.have_peer_ip && memcmp(ip, l->o.peer_ip, 4))
		return;
	if (l->peer_known && !memcmp(l->peer_mac, mac, 6))
		return;
	if (l->o.have_peer_mac)
		return;				/* fixed on the command line */
	memcpy(l->peer_mac, mac, 6);
	if (!l->o.have_peer_ip) {		/* recv: adopt first talker */
		memcpy(l->o.peer_ip, ip, 4);
		l->o.have_peer_ip = 1;
	}
	l->peer_known = 1;
	note("peer %u.%u.%u.%u is at %s", ip[0], ip[1], ip[2], ip[3],
	     fmt_mac(mac, b));
}

static void arp_input(struct l2 *l, const uint8_t *a, size_t n)
{
	const uint8_t *sha = a + 8, *spa = a + 14, *tpa = a + 24;
	uint16_t op;

	if (n < ARP_LEN || rd16(a) != 1 || rd16(a + 2) != ETH_P_IPV4 ||
	    a[4] != 6 || a[5] != 4) {
		l->other++;
		return;
	}
	l->arp_rx++;
	op = rd16(a + 6);
	learn_peer(l, sha, spa);
	if (op == 1 && !memcmp(tpa, l->o.ip, 4))
		arp_send(l, 2, sha, sha, spa);	/* reply to the asker */
}

/* Answer an ICMP echo request (ip points at a checked IPv4 header). */
static void icmp_input(struct l2 *l, const uint8_t *eth_src, const uint8_t *ip,
		       size_t ihl, size_t tot)
{
	static uint8_t f[FRAME_MAX];
	size_t ilen = tot - ihl;
	uint8_t *icmp = f + ETH_HDR_LEN + IP4_HDR_LEN;

	if (ilen < 8 || ip[ihl] != 8 || ip[ihl + 1] != 0 ||
	    ETH_HDR_LEN + IP4_HDR_LEN + ilen > sizeof(f) ||
	    csum_fold(csum_add(0, ip + ihl, ilen)))
		return;
	eth_hdr(f, eth_src, l->o.mac, ETH_P_IPV4);
	ip_hdr(l, f + ETH_HDR_LEN, IPPROTO_ICMP_, IP4_HDR_LEN + ilen, ip + 12);
	memcpy(icmp, ip + ihl, ilen);
	icmp[0] = 0;				/* echo reply */
	wr16(icmp + 2, 0);
	wr16(icmp + 2, csum_fold(csum_add(0, icmp, ilen)));
	l2_send1(l, f, ETH_HDR_LEN + IP4_HDR_LEN + ilen);
}

/* A frame addressed to us that is broken at L3/L4: corruption. */
static void bad_frame(struct l2 *l, uint64_t *ctr)
{
	(*ctr)++;
	l->st.received++;
	l->st.corrupt++;
}

/* UDP datagram (checked IPv4 header, to our IP); u = UDP header. */
static void udp_input(struct l2 *l, const uint8_t *ip, const uint8_t *u,
		      size_t avail, uint64_t t)
{
	size_t ulen;

	if (avail < UDP_HDR_LEN) {
		bad_frame(l, &l->bad_udp);
		return;
	}
	ulen = rd16(u + 4);
	if (rd16(u + 2) != l->o.port || !l->recv_mode) {
		l->other++;
		return;
	}
	l->last_udp = t;
	if (ulen < UDP_HDR_LEN || ulen > avail ||
	    (rd16(u + 6) && udp_csum(ip + 12, ip + 16, u, ulen))) {
		bad_frame(l, &l->bad_udp);
		return;
	}
	pl_stats_account(&l->st, u + UDP_HDR_LEN, ulen - UDP_HDR_LEN, t);
}

static void ip_input(struct l2 *l, const uint8_t *eth_src, const uint8_t *ip,
		     size_t n, uint64_t t)
{
	size_t ihl = n ? (ip[0] & 15) * 4u : 0, tot = n >= 4 ? rd16(ip + 2) : 0;

	/* header sane and checksummed; n may exceed tot (frame padding) */
	if (n < IP4_HDR_LEN || ip[0] >> 4 != 4 || ihl < IP4_HDR_LEN ||
	    ihl > n || csum_fold(csum_add(0, ip, ihl)) ||
	    tot < ihl || tot > n) {
		bad_frame(l, &l->bad_ip);
		return;
	}
	if (memcmp(ip + 16, l->o.ip, 4)) {	/* not for us */
		l->other++;
		return;
	}
	learn_peer(l, eth_src, ip + 12);
	if (rd16(ip + 6) & 0x3fff) {		/* MF or fragment offset */
		if (!l->frag++)
			note("IPv4 fragments received (guest MTU < frame size?)");
		l->other++;
		return;
	}
	if (ip[9] == IPPROTO_UDP_) {
		udp_input(l, ip, ip + ihl, tot - ihl, t);
		return;
	}
	if (ip[9] == IPPROTO_ICMP_)
		icmp_input(l, eth_src, ip, ihl, tot);
	l->other++;
}

static void frame_input(struct l2 *l, const uint8_t *f, size_t n, uint64_t t)
{
	uint16_t type;

	l->frames++;
	if (n < ETH_HDR_LEN ||
	    (memcmp(f, l->o.mac, 6) && memcmp(f, bcast_mac, 6))) {
		l->other++;			/* runt, multicast, not ours */
		return;
	}
	type = rd16(f + 12);
	if (type == ETH_P_ARP)
		arp_input(l, f + ETH_HDR_LEN, n - ETH_HDR_LEN);
	else if (type == ETH_P_IPV4)
		ip_input(l, f + 6, f + ETH_HDR_LEN, n - ETH_HDR_LEN, t);
	else
		l->other++;			/* IPv6 ND, VLAN, LLDP ... */
}

/* Accept a datagram only from QEMU; without --qemu, the last sender is
 * taken to be QEMU (used by the two-l2peer self-test).
 */
static int from_qemu(struct l2 *l, const struct sockaddr_storage *from,
		     socklen_t len)
{
	char b[64];

	if (l->o.have_qemu)
		return sockaddr_equal((const void *)from, (const void *)&l->qemu);
	if (!l->qemu_known || !sockaddr_equal((const void *)from,
					      (const void *)&l->qemu)) {
		memcpy(&l->qemu, from, len);
		l->qemu_len = len;
		l->qemu_known = 1;
		note("frames come from %s", fmt_sockaddr((const void *)from, b,
							 sizeof(b)));
	}
	return 1;
}

/* Read and process whatever is queued (no waiting); returns frames read. */
static int l2_rx(struct l2 *l)
{
	int n;
	uint64_t t;

	for (int i = 0; i < RX_BATCH; i++) {
		struct msghdr *h = &l->rxmsg[i].msg_hdr;

		memset(h, 0, sizeof(*h));
		h->msg_iov = &l->rxiov[i];
		h->msg_iovlen = 1;
		h->msg_name = &l->rxfrom[i];
		h->msg_namelen = sizeof(l->rxfrom[i]);
	}
	n = recvmmsg(l->fd, l->rxmsg, RX_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0) {
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNREFUSED)
			fatal("recv", "recvmmsg: %s", strerror(errno));
		return 0;
	}
	t = now_ns();
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &l->rxmsg[i].msg_hdr;

		if (!from_qemu(l, &l->rxfrom[i], h->msg_namelen)) {
			if (!l->stray++)
				note("ignoring datagrams not from --qemu");
			continue;
		}
		frame_input(l, l->rxiov[i].iov_base,
			    (h->msg_flags & MSG_TRUNC) ? 0 : l->rxmsg[i].msg_len,
			    t);
	}
	return n;
}

/* Wait for frames until the absolute time `until` (ns) or one batch. */
static void l2_rx_wait(struct l2 *l, uint64_t until)
{
	struct pollfd pfd = { .fd = l->fd, .events = POLLIN };
	uint64_t now = now_ns();

	if (until > now && !g_stop)
		poll(&pfd, 1, (int)((until - now) / 1000000) + 1);
	while (l2_rx(l) == RX_BATCH)
		;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */
/* ------------------------------------------------------------------ */

static void parse_ip(const char *opt, const char *s, uint8_t ip[4])
{
	if (inet_pton(AF_INET, s, ip) != 1)
		fatal("usage", "--%s: bad IPv4 address '%s'", opt, s);
}

enum {
	O_LISTEN = 1, O_QEMU, O_MAC, O_IP, O_PEER_IP, O_PEER_MAC, O_PORT,
	O_COUNT, O_SECONDS, O_TIMEOUT, O_IDLE, O_SIZE, O_FLOW, O_RATE,
	O_BATCH, O_SRCPORT, O_VERIFY, O_READY, O_CORRUPT
};

/* Options that only make sense in one mode are rejected in the other. */
static int opt_allowed(int c, int recv)
{
	switch (c) {
	case O_IDLE: case O_VERIFY: case O_READY:
		return recv;
	case O_SECONDS: case O_RATE: case O_BATCH: case O_SRCPORT:
	case O_CORRUPT:
		return !recv;
	default:
		return 1;
	}
}

static void parse_one(struct l2opts *o, int c, const char *arg)
{
	int v;

	switch (c) {
	case O_LISTEN:
		if (parse_hostport(arg, &o->listen, &o->listen_len))
			fatal("usage", "--listen: want IP:PORT, got '%s'", arg);
		break;
	case O_QEMU:
		if (parse_hostport(arg, &o->qemu, &o->qemu_len))
			fatal("usage", "--qemu: want IP:PORT, got '%s'", arg);
		o->have_qemu = 1;
		break;
	case O_MAC:
		if (parse_mac(arg, o->mac) || (o->mac[0] & 1))
			fatal("usage", "--mac: bad unicast MAC '%s'", arg);
		break;
	case O_PEER_MAC:
		if (parse_mac(arg, o->peer_mac))
			fatal("usage", "--peer-mac: bad MAC '%s'", arg);
		o->have_peer_mac = 1;
		break;
	case O_IP:
		parse_ip("ip", arg, o->ip);
		break;
	case O_PEER_IP:
		parse_ip("peer-ip", arg, o->peer_ip);
		o->have_peer_ip = 1;
		break;
	case O_PORT:
		o->port = opt_u64("port", arg, 1, 65535);
		break;
	case O_SRCPORT:
		o->src_port = opt_u64("src-port", arg, 1, 65535);
		break;
	case O_COUNT:
		o->count = opt_u64("count", arg, 1, PL_TRACK_MAX);
		break;
	case O_SECONDS:
		o->seconds = opt_double("seconds", arg, 0.001, 1e6);
		break;
	case O_TIMEOUT:
		o->timeout = opt_double("timeout", arg, 0.001, 1e7);
		break;
	case O_IDLE:
		o->idle = opt_double("idle", arg, 0, 1e7);
		break;
	case O_SIZE:
		o->size = opt_u64("size", arg, FRAME_MIN, FRAME_MAX);
		break;
	case O_FLOW:
		o->flow = opt_u64("flow", arg, 0, UINT32_MAX);
		break;
	case O_RATE:
		o->rate = opt_double("rate", arg, 0, 1e9);
		break;
	case O_BATCH:
		o->batch = opt_u64("batch", arg, 1, MAX_BATCH);
		break;
	case O_CORRUPT:
		o->corrupt_every = opt_u64("corrupt-every", arg, 1, UINT64_MAX);
		break;
	case O_VERIFY:
		v = pl_parse_verify(arg);
		if (v < 0)
			fatal("usage", "--verify full|crc|header");
		o->verify = v;
		break;
	case O_READY:
		o->ready_file = arg;
		break;
	}
}

static void l2_parse(int argc, char **argv, struct l2opts *o, int recv)
{
	static const struct option opts[] = {
		{ "listen", 1, 0, O_LISTEN }, { "qemu", 1, 0, O_QEMU },
		{ "mac", 1, 0, O_MAC }, { "ip", 1, 0, O_IP },
		{ "peer-ip", 1, 0, O_PEER_IP }, { "peer-mac", 1, 0, O_PEER_MAC },
		{ "port", 1, 0, O_PORT }, { "count", 1, 0, O_COUNT },
		{ "seconds", 1, 0, O_SECONDS }, { "timeout", 1, 0, O_TIMEOUT },
		{ "idle", 1, 0, O_IDLE }, { "size", 1, 0, O_SIZE },
		{ "flow", 1, 0, O_FLOW }, { "rate", 1, 0, O_RATE },
		{ "batch", 1, 0, O_BATCH }, { "src-port", 1, 0, O_SRCPORT },
		{ "verify", 1, 0, O_VERIFY }, { "ready-file", 1, 0, O_READY },
		{ "corrupt-every", 1, 0, O_CORRUPT }, { 0, 0, 0, 0 }
	};
	int c, have_count = 0, have_timeout = 0;

	*o = (struct l2opts){
		.mac = { 0x52, 0x54, 0x00, 0x99, 0x00, 0x02 },
		.ip = { 10, 0, 0, 2 }, .peer_ip = { 10, 0, 0, 1 },
		.port = 5001, .src_port = 40000, .timeout = 30, .idle = 5,
		.rate = 20000, .size = recv ? 0 : 1514,
		.verify = PL_VERIFY_FULL,
	};
	parse_hostport("127.0.0.1:0", &o->listen, &o->listen_len);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == '?' || !opt_allowed(c, recv)) {
			print_usage(stderr);
			fatal("usage", "option not valid for %s", g_role);
		}
		parse_one(o, c, optarg);
		have_count |= c == O_COUNT;
		have_timeout |= c == O_TIMEOUT;
	}
	if (optind != argc)
		fatal("usage", "unexpected argument '%s'", argv[optind]);
	if (!recv) {
		if (!o->have_qemu)
			fatal("usage", "send needs --qemu IP:PORT");
		o->have_peer_ip = 1;		/* default 10.0.0.1 */
		if (!have_count && !o->seconds)
			o->count = 1000;
		if (!o->batch) {		/* ~64 KB per burst */
			long b = BURST_BYTES / (o->size + 600);

			o->batch = b < 1 ? 1 : b > 32 ? 32 : (unsigned int)b;
		}
		/* an explicit --timeout bounds the whole run; by default
		 * ARP gets 30 s and the sending phase as long as planned
		 */
		o->send_timeout = have_timeout ? 0 :
			planned_timeout(o->timeout, o->seconds, o->count,
					o->rate);
	}
}

static void l2_open(struct l2 *l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char b[64];

	l->fd = socket(l->o.listen.ss_family, SOCK_DGRAM, 0);
	if (l->fd < 0)
		fatal("socket", "socket: %s", strerror(errno));
	sock_buf(l->fd, 1, SOCK_BUF);
	sock_buf(l->fd, 0, SOCK_BUF);
	if (bind(l->fd, (struct sockaddr *)&l->o.listen, l->o.listen_len) < 0)
		fatal("bind", "bind %s: %s",
		      fmt_sockaddr((void *)&l->o.listen, b, sizeof(b)),
		      strerror(errno));
	getsockname(l->fd, (struct sockaddr *)&ss, &len);
	l->o.listen = ss;
	if (l->o.have_qemu) {
		l->qemu = l->o.qemu;
		l->qemu_len = l->o.qemu_len;
		l->qemu_known = 1;
	}
	if (l->o.have_peer_mac) {
		memcpy(l->peer_mac, l->o.peer_mac, 6);
		l->peer_known = 1;
	}
	l->rxbuf = malloc((size_t)RX_BATCH * RX_BUF);
	if (!l->rxbuf)
		fatal("nomem", "out of memory");
	for (int i = 0; i < RX_BATCH; i++) {
		l->rxiov[i].iov_base = l->rxbuf + (size_t)i * RX_BUF;
		l->rxiov[i].iov_len = RX_BUF;
	}
	l->ip_id = (uint16_t)getpid();
}

static void l2_close(struct l2 *l)
{
	close(l->fd);
	free(l->rxbuf);
}

static const char *peer_mac_str(const struct l2 *l, char b[18])
{
	return l->peer_known ? fmt_mac(l->peer_mac, b) : "none";
}

/* ------------------------------------------------------------------ */
/* recv                                                                */
/* ------------------------------------------------------------------ */

static const char *recv_step(struct l2 *l, uint64_t deadline)
{
	uint64_t now = now_ns(), until = deadline;

	if (g_stop)
		return "signal";
	if (l->o.count && l->st.valid >= l->o.count)
		return "count";
	if (now >= deadline)
		return "timeout";
	/* idle counts from the last datagram to --port, not from ARP or
	 * IPv6 noise a booting guest emits
	 */
	if (l->o.idle > 0 && l->last_udp) {
		uint64_t idle_end = l->last_udp + (uint64_t)(l->o.idle * 1e9);

		if (now >= idle_end)
			return "idle";
		if (idle_end < until)
			until = idle_end;
	}
	l2_rx_wait(l, until);
	return NULL;
}

static void announce_ready(struct l2 *l)
{
	char b[64];

	fmt_sockaddr((void *)&l->o.listen, b, sizeof(b));
	printf("READY port=%u listen=%s\n", l->o.port, b);
	fflush(stdout);
	if (l->o.ready_file) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", l->o.ready_file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "port=%u listen=%s\n", l->o.port, b) < 0 ||
		    fclose(f) || rename(tmp, l->o.ready_file))
			fatal("ready-file", "cannot write %s", l->o.ready_file);
	}
}

static void recv_report(struct l2 *l, const char *stop, const char *why,
			uint64_t start)
{
	const struct pl_stats *s = &l->st;
	double secs = s->last_ns > s->first_ns ? ns_to_s(s->last_ns - s->first_ns)
					       : 0;
	char b[18];

	pl_stats_explain(s, "l2peer recv");
	if (l->bad_ip || l->bad_udp)
		note("bad IPv4 headers %" PRIu64 ", bad UDP %" PRIu64,
		     l->bad_ip, l->bad_udp);
	note("stop=%s valid %" PRIu64 "/%" PRIu64 " corrupt %" PRIu64
	     " dup %" PRIu64 " lost %" PRIu64 " frames %" PRIu64, stop,
	     s->valid, l->o.count, s->corrupt, s->duplicate, s->lost,
	     l->frames);
	printf("RESULT role=recv status=%s", why ? "fail" : "ok");
	if (why)
		printf(" reason=%s", why);
	printf(" stop=%s ", stop);
	pl_stats_print(s);
	printf(" seconds=%.6f pps=%.1f mbps=%.3f elapsed=%.3f frames=%" PRIu64
	       " arp_rx=%" PRIu64 " arp_tx=%" PRIu64 " peer_mac=%s\n", secs,
	       secs > 0 ? (double)s->valid / secs : 0.0,
	       secs > 0 ? (double)s->bytes * 8 / secs / 1e6 : 0.0,
	       ns_to_s(now_ns() - start), l->frames, l->arp_rx, l->arp_tx,
	       peer_mac_str(l, b));
	fflush(stdout);
}

static int cmd_recv(int argc, char **argv)
{
	static struct l2 l;
	const char *stop, *why = NULL;
	uint64_t start, deadline, plen = 0;

	l2_parse(argc, argv, &l.o, 1);
	l.recv_mode = 1;
	if (l.o.size)
		plen = (uint64_t)pl_payload_for_frame(l.o.size, 0);
	if (pl_stats_init(&l.st, l.o.flow, l.o.count, plen, l.o.verify))
		fatal("nomem", "cannot allocate sequence bitmap");
	l2_open(&l);
	announce_ready(&l);

	start = now_ns();
	deadline = start + (uint64_t)(l.o.timeout * 1e9);
	while (!(stop = recv_step(&l, deadline)))
		;
	/* frames not about our UDP stream are reported as other= */
	l.st.other += l.other;
	pl_stats_finish(&l.st);
	if (l.st.corrupt)
		why = "corrupt";
	else if (l.st.duplicate)
		why = "duplicate";
	else if (l.o.count ? l.st.valid != l.o.count : l.st.valid == 0)
		why = !strcmp(stop, "signal") ? "interrupted" :
		      l.st.valid ? "incomplete" : "nothing";
	recv_report(&l, stop, why, start);
	pl_stats_free(&l.st);
	l2_close(&l);
	return why ? EXIT_FAIL : 0;
}

/* ------------------------------------------------------------------ */
/* send                                                                */
/* ------------------------------------------------------------------ */

/* ARP for --peer-ip until answered; returns number of requests sent. */
static unsigned int resolve_peer(struct l2 *l, uint64_t deadline)
{
	static const uint8_t zero_mac[6];
	unsigned int tries = 0;
	uint64_t next = 0;

	while (!l->peer_known && !g_stop) {
		uint64_t now = now_ns();

		if (now >= deadline)
			break;
		if (now >= next) {
			arp_send(l, 1, bcast_mac, zero_mac, l->o.peer_ip);
			tries++;
			next = now + ARP_INTERVAL_NS;
		}
		l2_rx_wait(l, next < deadline ? next : deadline);
	}
	return tries;
}

struct l2tx {
	uint8_t *bufs;			/* batch frame slots */
	struct iovec *iov;
	struct mmsghdr *msg;
	uint64_t seq, built, retries;
	uint64_t t_first, t_last;	/* loop start, last successful send */
	unsigned int fails;
};

static void tx_alloc(struct l2 *l, struct l2tx *tx)
{
	unsigned int b = l->o.batch;

	tx->bufs = malloc((size_t)b * (size_t)l->o.size);
	tx->iov = calloc(b, sizeof(*tx->iov));
	tx->msg = calloc(b, sizeof(*tx->msg));
	if (!tx->bufs || !tx->iov || !tx->msg)
		fatal("nomem", "out of memory");
	for (unsigned int i = 0; i < b; i++) {
		tx->iov[i].iov_base = tx->bufs + (size_t)i * (size_t)l->o.size;
		tx->iov[i].iov_len = (size_t)l->o.size;
	}
}

static void tx_free(struct l2tx *tx)
{
	free(tx->bufs);
	free(tx->iov);
	free(tx->msg);
}

/* Build frames seq..seq+k-1 (kept across partial sends) and send them;
 * returns frames sent, 0 after a transient error, -1 on a fatal one.
 */
static int tx_batch(struct l2 *l, struct l2tx *tx, unsigned int k)
{
	unsigned int b = l->o.batch;
	int r;

	for (uint64_t q = tx->built > tx->seq ? tx->built : tx->seq;
	     q < tx->seq + k; q++) {
		udp_frame(l, tx->iov[q % b].iov_base, q);
		tx->built = q + 1;
	}
	for (unsigned int i = 0; i < k; i++) {
		struct msghdr *h = &tx->msg[i].msg_hdr;

		memset(h, 0, sizeof(*h));
		h->msg_iov = &tx->iov[(tx->seq + i) % b];
		h->msg_iovlen = 1;
		h->msg_name = &l->qemu;
		h->msg_namelen = l->qemu_len;
	}
	r = sendmmsg(l->fd, tx->msg, k, 0);
	if (r > 0) {
		tx->t_last = now_ns();
		tx->seq += (unsigned int)r;
		tx->fails = 0;
		return r;
	}
	if (r < 0 && !send_err_transient(errno))
		return -1;
	tx->retries++;			/* frame tx->seq not sent: retry it */
	send_backoff(tx->fails++);
	return 0;
}

static const char *send_loop(struct l2 *l, struct l2tx *tx, uint64_t end,
			     uint64_t hard)
{
	struct pacer pc;

	pacer_init(&pc, l->o.rate, l->o.batch);
	tx->t_first = now_ns();
	tx->t_last = tx->t_first;
	for (;;) {
		uint64_t now = now_ns(), left = PL_MAX_SEQ + 1 - tx->seq;
		unsigned int want, k;
		int r;

		if (l->o.count)
			left = l->o.count - tx->seq;
		if (!left || (end && now >= end))
			return NULL;
		if (g_stop)
			return "interrupted";
		if (now >= hard)
			return "timeout";
		l2_rx(l);			/* keep answering ARP */
		want = left < l->o.batch ? (unsigned int)left : l->o.batch;
		k = pacer_wait(&pc, want, end && end < hard ? end : hard);
		if (!k)
			continue;
		r = tx_batch(l, tx, k);
		if (r < 0) {
			note("sendmmsg: %s", strerror(errno));
			return "send";
		}
		pacer_done(&pc, (unsigned int)r);
	}
}

static int cmd_send(int argc, char **argv)
{
	static struct l2 l;
	struct l2tx tx = { 0 };
	const char *why = NULL;
	unsigned int arp_tries;
	uint64_t start, end = 0, hard;
	size_t plen;
	char b[18];

	l2_parse(argc, argv, &l.o, 0);
	plen = (size_t)pl_payload_for_frame(l.o.size, 0);
	l2_open(&l);
	tx_alloc(&l, &tx);

	start = now_ns();
	hard = start + (uint64_t)(l.o.timeout * 1e9);
	arp_tries = resolve_peer(&l, hard);
	if (!l.peer_known) {
		why = g_stop ? "interrupted" : "arp";
		note("no ARP reply from %u.%u.%u.%u", l.o.peer_ip[0],
		     l.o.peer_ip[1], l.o.peer_ip[2], l.o.peer_ip[3]);
	} else {
		note("sending %" PRIu64 " frames (0 = no limit) of %ld bytes, rate %g, batch %u",
		     l.o.count, l.o.size, l.o.rate, l.o.batch);
		if (l.o.send_timeout)
			hard = now_ns() + (uint64_t)(l.o.send_timeout * 1e9);
		if (l.o.seconds)
			end = now_ns() + (uint64_t)(l.o.seconds * 1e9);
		why = send_loop(&l, &tx, end, hard);
	}

	double secs = tx.t_last > tx.t_first ? ns_to_s(tx.t_last - tx.t_first) : 0;
	uint64_t bytes = tx.seq * plen;
	int error = why && !strcmp(why, "send");

	note("sent %" PRIu64 " frames, %" PRIu64 " retries, %.3f s", tx.seq,
	     tx.retries, secs);
	printf("RESULT role=send status=%s", error ? "error" : why ? "fail" : "ok");
	if (why)
		printf(" reason=%s", why);
	printf(" sent=%" PRIu64 " bytes=%" PRIu64
	       " seconds=%.6f pps=%.1f mbps=%.3f retries=%" PRIu64
	       " arp_tries=%u arp_rx=%" PRIu64
	       " other=%" PRIu64 " peer_mac=%s flow=%u size=%ld payload=%zu\n",
	       tx.seq, bytes, secs, secs > 0 ? (double)tx.seq / secs : 0.0,
	       secs > 0 ? (double)bytes * 8 / secs / 1e6 : 0.0, tx.retries,
	       arp_tries, l.arp_rx, l.other, peer_mac_str(&l, b), l.o.flow,
	       l.o.size, plen);
	fflush(stdout);
	tx_free(&tx);
	l2_close(&l);
	return error ? EXIT_SETUP : why ? EXIT_FAIL : 0;
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	g_prog = "l2peer";
	install_stop_signals();
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		print_usage(stdout);
		return 0;
	}
	g_role = cmd;
	if (!strcmp(cmd, "recv"))
		return cmd_recv(argc - 1, argv + 1);
	if (!strcmp(cmd, "send"))
		return cmd_send(argc - 1, argv + 1);
	print_usage(stderr);
	g_role = "none";
	fatal("usage", "unknown subcommand '%s'", cmd);
}
