// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - helpers shared by the e1000-csb test tools (see util.h).
 */
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *g_prog = "tool";
const char *g_role = "none";
volatile sig_atomic_t g_stop;

/* ------------------------------------------------------------------ */
/* Signals and time                                                    */
/* ------------------------------------------------------------------ */

static void on_stop(int sig)
{
	(void)sig;
	g_stop = 1;
}

void install_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: wake poll/sleep */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

void sleep_until_ns(uint64_t t)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t / 1000000000u),
		.tv_nsec = (long)(t % 1000000000u),
	};

	while (!g_stop &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

void fatal(const char *reason, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: error: ", g_prog, g_role);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	printf("RESULT role=%s status=error reason=%s\n", g_role, reason);
	fflush(stdout);
	exit(EXIT_SETUP);
}

void note(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", g_prog, g_role);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------------ */
/* Option values                                                       */
/* ------------------------------------------------------------------ */

uint64_t opt_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);	/* base 0: 0x.. accepted for ids */
	if (errno || end == s || *end || *s == '-' || v < min || v > max)
		fatal("usage", "--%s: '%s' is not an integer in %llu..%llu",
		      opt, s, (unsigned long long)min, (unsigned long long)max);
	return v;
}

double opt_double(const char *opt, const char *s, double min, double max)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		fatal("usage", "--%s: '%s' is not a number in %g..%g",
		      opt, s, min, max);
	return v;
}

/* ------------------------------------------------------------------ */
/* Sockets                                                             */
/* ------------------------------------------------------------------ */

int sock_buf(int fd, int rcv, int bytes)
{
	int force = rcv ? SO_RCVBUFFORCE : SO_SNDBUFFORCE;
	int plain = rcv ? SO_RCVBUF : SO_SNDBUF;
	int got = 0;
	socklen_t len = sizeof(got);

	/* FORCE ignores net.core.[rw]mem_max but needs CAP_NET_ADMIN. */
	if (setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof(bytes)) < 0)
		setsockopt(fd, SOL_SOCKET, plain, &bytes, sizeof(bytes));
	getsockopt(fd, SOL_SOCKET, plain, &got, &len);
	return got;
}

double planned_timeout(double base, double seconds, uint64_t count,
		       double rate)
{
	double plan = seconds;

	if (!plan && count && rate > 0)
		plan = (double)count / rate;
	return plan + 30 > base ? plan + 30 : base;
}

int send_err_transient(int err)
{
	switch (err) {
	case EAGAIN:
#if EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
	case ENOBUFS:		/* qdisc/device queue full (IP_RECVERR) */
	case ENOMEM:
	case EINTR:
	/* With IP_RECVERR, an ICMP error caused by an EARLIER datagram is
	 * reported by the next send, which is then not transmitted.
	 */
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case EHOSTDOWN:
		return 1;
	default:
		return 0;
	}
}

void send_backoff(unsigned int n)
{
	/* 20us doubling up to ~1.3ms: long enough for a TX ring to drain,
	 * short enough not to distort a rate measurement much.
	 */
	uint64_t us = 20u << (n < 6 ? n : 6);

	sleep_until_ns(now_ns() + us * 1000);
}

int parse_hostport(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *hs = s;
	size_t hl;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (*s == '[') {			/* [v6]:port */
		colon = strstr(s, "]:");
		if (!colon)
			return -1;
		hs = s + 1;
		hl = (size_t)(colon - hs);
		colon++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, hs, hl);
	host[hl] = 0;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port > 65535)
		return -1;

	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

const char *fmt_sockaddr(const struct sockaddr *sa, char *buf, size_t n)
{
	char h[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)sa;

		inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
		snprintf(buf, n, "%s:%u", h, ntohs(a->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)sa;

		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof(h));
		snprintf(buf, n, "[%s]:%u", h, ntohs(a->sin6_port));
	} else {
		snprintf(buf, n, "?");
	}
	return buf;
}

int sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Pacing                                                              */
/* ------------------------------------------------------------------ */

void pacer_init(struct pacer *p, double rate, unsigned int burst)
{
	/* Never hold packets back for more than ~1 ms worth of traffic, so
	 * low rates are smooth and high rates still use whole batches.
	 */
	double per_ms = rate / 1000.0;

	p->rate = rate;
	p->burst = burst ? burst : 1;
	if (rate > 0 && per_ms < p->burst)
		p->burst = per_ms < 1 ? 1 : (unsigned int)per_ms;
	p->t0 = 0;
	p->done = 0;
}

/* Packets due by time t: packet k is due at t0 + k/rate. */
static uint64_t pacer_due(const struct pacer *p, uint64_t t)
{
	return (uint64_t)((double)(t - p->t0) * p->rate / 1e9) + 1;
}

unsigned int pacer_wait(struct pacer *p, unsigned int want, uint64_t deadline)
{
	uint64_t now, due, target;
	unsigned int n = want < p->burst ? want : p->burst;

	if (p->rate <= 0 || want == 0)
		return want;
	now = now_ns();
	if (!p->t0)
		p->t0 = now;
	due = pacer_due(p, now);
	if (due > p->done + p->burst) {
		/* fell behind (stall, retries): slide the schedule */
		p->t0 = now - (uint64_t)((double)(p->done + p->burst - 1) *
					 1e9 / p->rate);
		due = pacer_due(p, now);
	}
	if (due < p->done + n) {
		target = p->t0 + (uint64_t)((double)(p->done + n - 1) *
					    1e9 / p->rate);
		if (deadline && target > deadline)
			target = deadline;
		sleep_until_ns(target);
		due = pacer_due(p, now_ns());
	}
	if (due <= p->done)
		return 0;
	return due - p->done < n ? (unsigned int)(due - p->done) : n;
}

void pacer_done(struct pacer *p, unsigned int n)
{
	p->done += n;
}
