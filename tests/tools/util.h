/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - small helpers shared by udpblast and l2peer: clocks, option
 * parsing, stop signals, socket buffer sizing, send pacing, address
 * parsing and the error-reporting convention.
 *
 * Output convention of the tools: human text goes to stderr; stdout holds
 * only machine-readable lines ("READY ..." and one final "RESULT ...").
 * Exit status: 0 = expectations met, 1 = run completed but expectations not
 * met, 2 = usage or setup error (a "RESULT ... status=error" line is still
 * printed so a harness reading only the console sees why).
 */
#ifndef E1000CSB_UTIL_H
#define E1000CSB_UTIL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define EXIT_FAIL	1
#define EXIT_SETUP	2

/* Program name and role, used in messages and error RESULT lines. */
extern const char *g_prog;
extern const char *g_role;

/* Set by SIGINT/SIGTERM/SIGHUP; main loops poll it and wind down. */
extern volatile sig_atomic_t g_stop;
void install_stop_signals(void);

uint64_t now_ns(void);
double ns_to_s(uint64_t ns);
/* Sleep until the absolute CLOCK_MONOTONIC time t (ns); early on signal. */
void sleep_until_ns(uint64_t t);

/* Print "RESULT role=<role> status=error reason=<reason>", message on
 * stderr, exit 2.
 */
__attribute__((noreturn, format(printf, 2, 3)))
void fatal(const char *reason, const char *fmt, ...);

__attribute__((format(printf, 1, 2)))
void note(const char *fmt, ...);

/* Strict number parsing for option values; call fatal() when invalid. */
uint64_t opt_u64(const char *opt, const char *s, uint64_t min, uint64_t max);
double opt_double(const char *opt, const char *s, double min, double max);

/* Grow a socket buffer (SO_RCVBUF/SO_SNDBUF) to bytes, using the *FORCE
 * variant when privileged; returns the size the kernel reports.
 */
int sock_buf(int fd, int rcv, int bytes);

/*
 * Pacer: packet k (counting from 0) is due at t0 + k / rate.  Falling far
 * behind does not earn a big catch-up burst: the schedule is slid so that
 * at most `burst` packets are ever released at once.  rate 0 = unpaced.
 */
struct pacer {
	double rate;		/* packets per second, 0 = no pacing */
	unsigned int burst;
	uint64_t t0;		/* ns */
	uint64_t done;		/* packets accounted so far */
};

void pacer_init(struct pacer *p, double rate, unsigned int burst);
/* Wait (bounded by deadline ns, 0 = none) until up to `want` packets may
 * go; returns how many may be sent now (0 if the deadline hit first).
 */
unsigned int pacer_wait(struct pacer *p, unsigned int want, uint64_t deadline);
void pacer_done(struct pacer *p, unsigned int n);

/* Parse "a.b.c.d:port" or "[v6]:port" into ss; -1 on error. */
int parse_hostport(const char *s, struct sockaddr_storage *ss, socklen_t *len);
/* Format an address as "host:port" / "[host]:port". */
const char *fmt_sockaddr(const struct sockaddr *sa, char *buf, size_t n);
int sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);

/* Default hard timeout of a sender: base, but never shorter than the
 * planned run (--seconds, or --count at --rate) plus 30 s of slack.
 */
double planned_timeout(double base, double seconds, uint64_t count,
		       double rate);

/* Transient send errors that mean "this datagram did not go, try again". */
int send_err_transient(int err);
/* Back off after a transient send error: try number n (0-based). */
void send_backoff(unsigned int n);

#endif
