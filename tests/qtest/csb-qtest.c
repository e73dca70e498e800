// SPDX-License-Identifier: GPL-2.0
/*
 * csb-qtest: device-level tests of the e1000 CSB extension
 * (Documentation/csb-spec.md), without a guest OS. Starts QEMU with
 * -accel qtest and plays the guest driver through the qtest protocol:
 * PCI configuration via 0xcf8/0xcfc, MMIO, guest memory, the interrupt
 * line as seen by the IOAPIC, the virtual clock. The NIC's netdev is a
 * UDP pair on 127.0.0.1: we hold the remote end, so every frame the NIC
 * sends arrives at our socket and every datagram we send is a frame the
 * NIC receives.
 *
 *   csb-qtest [OPTIONS] [TEST...]              run tests (default: all)
 *   csb-qtest --list                           list the tests
 *   csb-qtest [OPTIONS] fuzz --seed S --iterations N
 *
 * Options:
 *   --qemu PATH       QEMU binary (default: $QEMU, else ../qemu/ next to us)
 *   --csb on|off|auto add csb=on / csb=off to the device; auto: csb=on if
 *                     the device has a "csb" property, nothing otherwise
 *   --props P         more device properties, verbatim ("a=b,c=d")
 *   --model M         NIC model (default e1000)
 *   --expect-no-csb   the capability is expected to be absent: the
 *                     capability test checks absence, CSB tests SKIP
 *   --logdir DIR      QEMU logs (default: a new directory in $TMPDIR,
 *                     removed when everything passed)
 *   --timeout S       seconds QEMU may take to answer one command (30)
 *   -v                more output
 *
 * Prints "PASS name", "FAIL name: why" or "SKIP name: why" per test, and
 * exits 1 if anything failed. Each test starts its own QEMU (one at a
 * time) and quits it at the end; a QEMU that exits non-zero, or whose
 * log shows an AddressSanitizer or UBSan report, fails the test.
 *
 * This file: the table of tests, the options, main(). The tests are in
 * a file per section of the spec, their helpers in common.c (README.md
 * has the map).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csb-qtest.h"

struct options opt = { .model = "e1000", .timeout_ms = 30000, .guest_errors = true };

struct test {
	const char *name;
	void (*fn)(struct t *c);
	const char *what;
};

static const struct test tests[] = {
	{ "plain_tx", test_plain_tx, "plain mode: TX through TDT" },
	{ "plain_rx", test_plain_rx, "plain mode: RX through RDT" },
	{ "plain_irq", test_plain_irq, "plain mode: TXDW/RXT0 interrupts, ICR read" },
	{ "capability", test_capability, "the PCI capability and register reset values" },
	{ "negotiate_ok", test_negotiate_ok, "enable accepted; block initialised" },
	{ "negotiate_errors", test_negotiate_errors, "each refusal, its code, their order" },
	{ "negotiate_busy", test_negotiate_busy, "BUSY: ADDR/FEATURES frozen while active" },
	{ "disable", test_disable, "disable copies tails, stops using the block" },
	{ "reset", test_reset, "CTRL.RST and system reset disable and clear" },
	{ "busmaster_off", test_busmaster_off, "bus mastering off while active" },
	{ "drop_flush", test_drop_flush, "a drop sends kicked TX, receives held frames" },
	{ "disable_polling", test_disable_polling,
	  "block untouched after disable, worker polling" },
	{ "disable_poll_read", test_disable_poll_read,
	  "no poll read of the block once STATUS reads inactive" },
	{ "tx_csb", test_tx_csb, "TX published through tx_tail only, kicks, tx_head" },
	{ "tx_poll", test_tx_poll, "csb-poll-us: sleeping announced, kicks avoided" },
	{ "tx_poll_adapt", test_tx_poll_adapt,
	  "the polling window shrinks to 0 for sparse packets" },
	{ "tx_poll_bursts", test_tx_poll_bursts,
	  "adaptive polling: a sender in bursts is polled about as long as a burst takes" },
	{ "tx_poll_pingpong", test_tx_poll_pingpong,
	  "adaptive polling: request-response packets are served inline, not polled" },
	{ "tx_zero_len", test_tx_zero_len,
	  "a zero-length frame does not stop TX (plain and CSB mode)" },
	{ "rx_csb", test_rx_csb, "RX through rx_tail only; starvation and rx_kick" },
	{ "irq_tx", test_irq_tx, "F_IRQ: TX interrupts only on request" },
	{ "irq_rx", test_irq_rx, "F_IRQ: RX interrupts only on request" },
	{ "irq_mirrors", test_irq_mirrors, "icr/status mirrors; LSC as in plain mode" },
	{ "irq_itr", test_irq_itr, "ITR still applies to requested interrupts" },
	{ "features_partial", test_features_partial, "features not accepted stay plain" },
	{ "bad_ring_tail", test_bad_ring_tail, "tails >= N: RING, no DMA outside the ring" },
	{ "bad_requests", test_bad_requests, "garbage request words" },
	{ "bad_reserved", test_bad_reserved, "nonzero reserved fields" },
	{ "bad_toggle", test_bad_toggle, "enable toggled while TX in flight" },
	{ "bad_kick", test_bad_kick, "kicks while inactive, unknown bits, odd TDT/RDT" },
	{ "bad_ringregs", test_bad_ringregs, "ring registers changed while active" },
	{ "bad_heads", test_bad_heads, "TDH/RDH >= N: writes ignored, RING, no DMA outside" },
	{ "csb_unmapped", test_csb_unmapped, "the CSB's RAM unmapped under it (PAM)" },
	{ "hotunplug", test_hotunplug, "NIC hot-unplugged with the CSB active, a new one" },
	{ "iommu_dma", test_iommu_dma, "Q35 + VT-d: CSB, rings, buffers at IOVAs" },
	{ "iommu_faults", test_iommu_faults, "VT-d: unmapped/read-only IOVAs, unmap, remap" },
	{ "iommu_switch", test_iommu_switch, "VT-d on/off under the CSB; polling through it" },
	{ "iommu_drop_flush", test_iommu_drop_flush,
	  "VT-d: a doorbell that finds the CSB gone is taken as the tail" },
	{ "iommu_mmio", test_iommu_mmio, "VT-d: the CSB's IOVA remapped onto MMIO: ADDR" },
	{ "chaos", test_chaos, "x-csb-chaos: random kick requests and RX write-backs" },
	{ "migration", test_migration, "migration with the CSB active (and inactive)" },
	{ "migration_compat", test_migration_compat,
	  "streams and the capability: csb=on/off sources and destinations" },
};

#define NTESTS (sizeof(tests) / sizeof(tests[0]))

static int run_test(const struct test *tt)
{
	static struct t ctx;
	struct t *c = &ctx;
	uint64_t start = now_ms();

	memset(c, 0, sizeof(*c));
	c->name = tt->name;
	cur = c;
	if (setjmp(c->jmp) == 0) {
		c->armed = true;
		tt->fn(c);
	}
	c->armed = false;
	if (c->q) {
		if (!qts_alive(c->q))
			record(c, 0, "QEMU is gone");
		qemu_stop(c);
	}
	udp_wire_close(&c->udp);
	if (c->failures) {
		printf("FAIL %s: %s%s\n", tt->name, c->first_failure,
		       c->failures > 1 ? " (and more, above)" : "");
		fflush(stdout);
		return 1;
	}
	if (c->skipped[0])
		printf("SKIP %s: %s\n", tt->name, c->skipped);
	else
		printf("PASS %s (%.1f s)\n", tt->name, (double)(now_ms() - start) / 1000.0);
	fflush(stdout);
	return 0;
}

static bool selected(const char *name, char *const *sel, int nsel)
{
	if (!nsel)
		return true;
	for (int i = 0; i < nsel; i++) {
		size_t n = strlen(sel[i]);

		if (!strcmp(sel[i], name) || !strcmp(sel[i], "all") ||
		    (!strncmp(sel[i], name, n) && name[n] == '_'))
			return true;
	}
	return false;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: csb-qtest [--qemu PATH] [--csb on|off|auto] [--props P] [--model M]\n"
		"                 [--expect-no-csb] [--logdir DIR] [--timeout S] [-v]\n"
		"                 [--list | TEST... | fuzz [--seed S] [--iterations N]]\n"
		"TEST: a name from --list, or a prefix before '_' (plain, negotiate, bad, ...)\n");
}

static int rm_tree_logs(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* What the command line asks for, besides the options in opt. */
struct args {
	char *sel[64];		/* the tests named (none: all) */
	int nsel;
	bool list, fuzz;
	uint64_t seed;
	unsigned long iterations;
};

/* The command line into opt and a: -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--qemu") && next) {
			opt.qemu = next;
			i++;
		} else if (!strcmp(o, "--props") && next) {
			snprintf(opt.props + strlen(opt.props),
				 sizeof(opt.props) - strlen(opt.props), "%s%s",
				 opt.props[0] ? "," : "", next);
			i++;
		} else if (!strcmp(o, "--csb") && next) {
			opt.csb = next;
			i++;
		} else if (!strcmp(o, "--model") && next) {
			opt.model = next;
			i++;
		} else if (!strcmp(o, "--expect-no-csb")) {
			opt.expect_no_csb = true;
		} else if (!strcmp(o, "--logdir") && next) {
			snprintf(opt.logdir, sizeof(opt.logdir), "%s", next);
			opt.logdir_given = true;
			i++;
		} else if (!strcmp(o, "--timeout") && next) {
			opt.timeout_ms = atoi(next) * 1000;
			i++;
		} else if (!strcmp(o, "-v") || !strcmp(o, "--verbose")) {
			opt.verbose = true;
		} else if (!strcmp(o, "--list")) {
			a->list = true;
		} else if (!strcmp(o, "--seed") && next) {
			a->seed = strtoull(next, NULL, 0);
			i++;
		} else if (!strcmp(o, "--iterations") && next) {
			a->iterations = strtoul(next, NULL, 0);
			i++;
		} else if (!strcmp(o, "fuzz")) {
			a->fuzz = true;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			print_usage(stdout);
			return 0;
		} else if (o[0] == '-') {
			print_usage(stderr);
			return 2;
		} else if (a->nsel < 64) {
			a->sel[a->nsel++] = argv[i];
		}
	}
	return -1;
}

static void list_tests(void)
{
	for (size_t t = 0; t < NTESTS; t++)
		printf("%-18s %s\n", tests[t].name, tests[t].what);
	printf("%-18s %s\n", "fuzz", "random campaign: fuzz --seed S --iterations N");
}

/* Does every name given select a test? */
static bool known_tests(const struct args *a)
{
	for (int i = 0; i < a->nsel; i++) {
		bool any = false;

		for (size_t t = 0; t < NTESTS; t++)
			any |= selected(tests[t].name, &a->sel[i], 1);
		if (!any) {
			fprintf(stderr, "csb-qtest: no test named '%s' (see --list)\n", a->sel[i]);
			return false;
		}
	}
	return true;
}

/* Without --qemu or $QEMU: ../qemu/qemu-system-x86_64 next to us. */
static void default_qemu(void)
{
	static char self_qemu[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return;
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	if (snprintf(self_qemu, sizeof(self_qemu), "%s/../qemu/qemu-system-x86_64", exe) <
	    (int)sizeof(self_qemu))
		opt.qemu = self_qemu;
}

/* --csb on|off|auto as a device property; false if neither. */
static bool add_csb_prop(void)
{
	const char *prop = NULL;

	if (!opt.csb)
		return true;
	if (!strcmp(opt.csb, "on") || !strcmp(opt.csb, "off")) {
		prop = !strcmp(opt.csb, "on") ? "csb=on" : "csb=off";
	} else if (!strcmp(opt.csb, "auto")) {
		const char *help = probe_help(opt.qemu, opt.model);

		if (help && strstr(help, "  csb="))
			prop = "csb=on";
		else
			printf("note: %s has no '%s.csb' property: running without it\n",
			       opt.qemu, opt.model);
	} else {
		print_usage(stderr);
		return false;
	}
	if (prop)
		snprintf(opt.props + strlen(opt.props), sizeof(opt.props) - strlen(opt.props),
			 "%s%s", opt.props[0] ? "," : "", prop);
	return true;
}

/* The sockets' directory, and the logs' (the same one unless --logdir:
 * *tmp_logs); false on failure.
 */
static bool make_dirs(bool *tmp_logs)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

	snprintf(opt.sockdir, sizeof(opt.sockdir), "%s/csbqt.XXXXXX", tmp);
	if (!mkdtemp(opt.sockdir)) {
		perror("mkdtemp");
		return false;
	}
	if (!opt.logdir_given) {
		snprintf(opt.logdir, sizeof(opt.logdir), "%s", opt.sockdir);
		*tmp_logs = true;
	} else if (mkdir(opt.logdir, 0755) && errno != EEXIST) {
		perror(opt.logdir);
		return false;
	}
	return true;
}

/* A QEMU without the qtest accelerator runs TCG and a halting BIOS. */
static void tcg_if_no_qtest(void)
{
	if (probe_qtest_accel(opt.qemu))
		return;
	opt.tcg = true;
	snprintf(opt.halt_bios, sizeof(opt.halt_bios), "%.4000s/halt.bin", opt.sockdir);
	make_halt_bios(opt.halt_bios);
	fprintf(stdout,
		"note: %s has no qtest accelerator: using TCG with a halting BIOS, virtual time follows real time\n",
		opt.qemu);
}

int main(int argc, char **argv)
{
	struct args a = { .seed = 1, .iterations = 3000 };
	int failed = 0, rc;
	bool tmp_logs = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	qts_set_fatal_handler(on_fatal);
	opt.qemu = getenv("QEMU");

	rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (a.list) {
		list_tests();
		return 0;
	}
	if (!known_tests(&a))
		return 2;
	if (!opt.qemu)
		default_qemu();
	if (!opt.qemu || access(opt.qemu, X_OK)) {
		fprintf(stderr, "csb-qtest: no QEMU binary (%s): use --qemu or $QEMU\n",
			opt.qemu ? opt.qemu : "none");
		return 2;
	}
	if (!add_csb_prop() || !make_dirs(&tmp_logs))
		return 2;
	tcg_if_no_qtest();
	if (opt.verbose)
		printf("qemu %s, device props '%s', logs in %s\n", opt.qemu, opt.props, opt.logdir);

	if (a.fuzz) {
		failed = run_fuzz(a.seed, a.iterations);
	} else {
		for (size_t t = 0; t < NTESTS; t++)
			if (selected(tests[t].name, a.sel, a.nsel))
				failed += run_test(&tests[t]);
	}
	if (failed && tmp_logs)
		printf("logs kept in %s\n", opt.logdir);
	if (!failed || !tmp_logs)
		rm_tree_logs(opt.sockdir);
	return failed ? 1 : 0;
}
