#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run csb-qtest's tests against the ThreadSanitizer QEMU (make tsan).
#
#   scripts/tsan-qtest.sh              the tests that run the TX thread
#                                      (below), and a short fuzz campaign
#   scripts/tsan-qtest.sh TEST...      these tests (names or group
#                                      prefixes, as csb-qtest takes them)
#   make tsan [TSAN_TESTS="TEST..."]   the same through make
#
# Needs build/qemu-tsan (make qemu-tsan: scripts/build-qemu.sh --tsan)
# and build/qtest/csb-qtest (make qtest).  Each test runs in its own
# csb-qtest, with TSAN_OPTIONS log_path=build/tsan/<test>: every QEMU
# process that reports writes build/tsan/<test>.<pid>, and the QEMU logs
# are in build/tsan/logs/.  build/tsan/ is emptied at the start.
#
# TSan's exit code is 0 in QEMU (exitcode=0): a race does not fail the
# test, which keeps csb-qtest's verdict about the device alone; the
# reports are counted here instead.  Suppressions: QEMU's own
# (tests/tsan/suppressions.tsan of the unpacked tree) followed by ours,
# tests/qtest/tsan-suppressions.txt (reports about QEMU's core, and the
# one race of ours that is by design, the TX thread's lock-free poll of
# tx_tail; each with its reason).  Set TSAN_OPTIONS to add options.
#
# Exit status: 0 if every test passed and TSan reported nothing, 1 if
# TSan reported anything (a summary of the reports, by their SUMMARY
# line, is printed), 2 if only tests failed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QEMU=${QEMU_TSAN:-$ROOT/build/qemu-tsan/qemu-system-x86_64}
QTEST=$ROOT/build/qtest/csb-qtest
OUT=$ROOT/build/tsan
QEMU_SUPP=$ROOT/build/qemu-src/tree/tests/tsan/suppressions.tsan
OUR_SUPP=$ROOT/tests/qtest/tsan-suppressions.txt

# The tests in which the TX thread e1000-csb-tx runs: every test of
# csb-qtest --list that enables the CSB with F_TX (nearly all of them
# do: tests/qtest/README.md).  Left out: plain mode and the capability
# (no CSB), rx_csb and irq_rx (F_RX or F_IRQ only), migration and
# migration_compat (below), and fuzz, which runs after the others as a
# short campaign of TSAN_FUZZ_ITERATIONS steps (0: none) with seed
# TSAN_FUZZ_SEED.
#
# Why not migration: TSan runs each coroutine as a fiber with its own
# mutex ownership, and the incoming migration coroutine unlocks and
# relocks the BQL that the main loop holds (qemu_loadvm_thread_pool_wait
# in migration/savevm.c).  TSan reports "unlock of an unlocked mutex"
# and from then on sees no ordering through the BQL at all, so every
# later report of the destination QEMU, about anything done with the
# BQL, is spurious.  Run them by name to see; such processes are
# counted below.
TSAN_SKIP=(plain_tx plain_rx plain_irq capability rx_csb irq_rx
	migration migration_compat fuzz)
TSAN_FUZZ_ITERATIONS=${TSAN_FUZZ_ITERATIONS:-2000}
TSAN_FUZZ_SEED=${TSAN_FUZZ_SEED:-1}

die() {
	echo "tsan-qtest: $*" >&2
	exit 2
}

[ -x "$QEMU" ] || die "no $QEMU: make qemu-tsan"
[ -x "$QTEST" ] || die "no $QTEST: make qtest"
[ -f "$QEMU_SUPP" ] || die "no $QEMU_SUPP (the unpacked QEMU tree): make qemu-tsan"

# csb-qtest runs every test whose name starts with "NAME_" too (the
# group prefix): one run per selector, skipping names an earlier one
# covers (disable covers disable_polling, tx_poll tx_poll_adapt, ...).
covered() {
	local s
	for s in "${runs[@]}"; do
		case $1 in "$s" | "$s"_*) return 0 ;; esac
	done
	return 1
}
runs=()
if [ $# -gt 0 ]; then
	runs=("$@")
else
	for t in $("$QTEST" --list | awk '{ print $1 }'); do
		case " ${TSAN_SKIP[*]} " in *" $t "*) continue ;; esac
		covered "$t" || runs+=("$t")
	done
	if [ "$TSAN_FUZZ_ITERATIONS" != 0 ]; then
		runs+=(fuzz)
	fi
fi

rm -rf "$OUT"
mkdir -p "$OUT/logs"
cat "$QEMU_SUPP" "$OUR_SUPP" >"$OUT/suppressions.tsan"

base_opts="suppressions=$OUT/suppressions.tsan exitcode=0 history_size=7"
base_opts="$base_opts second_deadlock_stack=1"

failed=()
start=$(date +%s)
for t in "${runs[@]}"; do
	args=("$t")
	if [ "$t" = fuzz ]; then
		args=(fuzz --seed "$TSAN_FUZZ_SEED" --iterations "$TSAN_FUZZ_ITERATIONS")
	fi
	t0=$(date +%s)
	rc=0
	TSAN_OPTIONS="$base_opts log_path=$OUT/$t ${TSAN_OPTIONS:-}" \
		"$QTEST" --qemu "$QEMU" --csb on --timeout 120 \
		--logdir "$OUT/logs" "${args[@]}" >"$OUT/logs/$t.out" 2>&1 || rc=$?
	n=$(cat "$OUT/$t".[0-9]* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer' || true)
	sed -n 's/^\(PASS\|FAIL\|SKIP\) /&/p' "$OUT/logs/$t.out"
	echo "  [$t: $(($(date +%s) - t0)) s, exit $rc, $n TSan reports]"
	if [ "$rc" != 0 ]; then
		failed+=("$t")
	fi
done

reports=$(cat "$OUT"/*.[0-9]* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer' || true)
lost=$(cat "$OUT"/*.[0-9]* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer: unlock of an unlocked mutex' || true)
if [ "$lost" != 0 ]; then
	echo "tsan-qtest: TSan lost track of the BQL $lost times (a coroutine" \
		"unlocked it): later reports of those QEMU processes are not meaningful"
fi
cases=$(cat "$OUT"/logs/*.out | grep -c '^\(PASS\|FAIL\|SKIP\) ' || true)
echo "tsan-qtest: $cases tests in ${#runs[@]} csb-qtest runs, $(($(date +%s) - start)) s," \
	"${#failed[@]} runs failed, $reports TSan reports (in $OUT)"
if [ "$reports" != 0 ]; then
	echo "tsan-qtest: reports by SUMMARY line (count, then the line):"
	cat "$OUT"/*.[0-9]* | sed -n 's/^SUMMARY: ThreadSanitizer: //p' |
		sort | uniq -c | sort -rn
	exit 1
fi
if [ ${#failed[@]} != 0 ]; then
	echo "tsan-qtest: failed: ${failed[*]} (output in $OUT/logs/<test>.out)"
	exit 2
fi
exit 0
