#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftest.sh - host-only checks of udpblast and l2peer (no VM needed).
#
#   tests/tools/selftest.sh [BINDIR]
#
# BINDIR holds udpblast and l2peer; default: $O if set (the Makefile's
# output directory variable), else ../../build/tools next to this script.
#
# udpblast send -> udpblast recv over loopback (60 and 1514 byte frames,
# IPv6 when available, flow separation, corruption detection, timeouts),
# and l2peer send -> l2peer recv, two instances acting as each other's
# "QEMU": exercises ARP resolution, hand-built Ethernet/IPv4/UDP framing
# and checksums, jumbo frames and corruption detection.
#
# Prints one line per check, "PASS name", "FAIL name" (with details on
# the following lines) or "SKIP name", and exits non-zero on any FAIL.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
WANT=${1:-${O:-$HERE/../../build/tools}}
BIN=$(cd "$WANT" 2>/dev/null && pwd) || {
	echo "FAIL setup ($WANT missing; run make)"
	exit 2
}
UB=$BIN/udpblast
L2=$BIN/l2peer
for b in "$UB" "$L2"; do
	[ -x "$b" ] || { echo "FAIL setup ($b missing; run make)"; exit 2; }
done

TMP=$(mktemp -d)
BGPID=
READY=
cleanup() {
	[ -n "$BGPID" ] && kill "$BGPID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

FAILS=0
pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1"
	shift
	for f in "$@"; do sed 's/^/    /' "$f" 2>/dev/null; done
	FAILS=$((FAILS + 1))
}

# field FILE KEY: value of KEY= in the RESULT line of FILE
field() {
	awk -v k="$2" '/^RESULT / {
		for (i = 2; i <= NF; i++) {
			n = index($i, "=")
			if (substr($i, 1, n - 1) == k) print substr($i, n + 1)
		}
	}' "$1"
}

# expect FILE key=value...: every pair must match the RESULT line
expect() {
	local file=$1 kv
	shift
	for kv in "$@"; do
		[ "$(field "$file" "${kv%%=*}")" = "${kv#*=}" ] || return 1
	done
}

# start_bg NAME CMD...: run CMD in the background (stdout NAME.out,
# stderr NAME.err), wait for its READY line and store it in $READY.
# Not to be called in $(...): BGPID must be set in this shell.
start_bg() {
	local name=$1
	shift
	timeout 60 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	BGPID=$!
	for _ in $(seq 200); do
		grep -qs '^READY ' "$TMP/$name.out" && break
		sleep 0.05
	done
	READY=$(grep -s '^READY ' "$TMP/$name.out")
}

# wait_bg: exit status of the background command
wait_bg() {
	local rc
	wait "$BGPID"
	rc=$?
	BGPID=
	return $rc
}

# ready_val KEY: value of KEY= in $READY
ready_val() { echo "$READY" | sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p"; }

# ---------------------------------------------------------------------
# udpblast
# ---------------------------------------------------------------------

check_unittest() {
	if "$UB" unittest >"$TMP/ut.out" 2>"$TMP/ut.err" &&
	   expect "$TMP/ut.out" status=ok; then
		pass unittest
	else
		fail unittest "$TMP/ut.out" "$TMP/ut.err"
	fi
}

# udp_pair NAME DST SIZE [extra send args]: 1000 datagrams, all must arrive
udp_pair() {
	local name=$1 dst=$2 size=$3 port src=0 rcv=0
	shift 3
	start_bg "$name-r" "$UB" recv --port 0 --count 1000 \
		--size "$size" --idle 3 --timeout 30
	port=$(ready_val port)
	if [ -z "$port" ]; then
		wait_bg
		fail "$name" "$TMP/$name-r.out" "$TMP/$name-r.err"
		return
	fi
	timeout 60 "$UB" send --dst "$dst" --port "$port" --count 1000 \
		--size "$size" --rate 20000 "$@" \
		>"$TMP/$name-s.out" 2>"$TMP/$name-s.err" || src=$?
	wait_bg || rcv=$?
	if [ $src = 0 ] && [ $rcv = 0 ] &&
	   expect "$TMP/$name-s.out" status=ok sent=1000 &&
	   expect "$TMP/$name-r.out" status=ok stop=count received=1000 \
		valid=1000 corrupt=0 duplicate=0 lost=0 other=0 \
		bytes=$((1000 * (size - ${PAYLOAD_OVERHEAD:-42}))); then
		pass "$name"
	else
		fail "$name" "$TMP/$name-s.out" "$TMP/$name-r.out" \
			"$TMP/$name-r.err"
	fi
}

check_udp_ipv6() {
	if ! "$UB" send --dst ::1 --port 9 --count 1 --size 80 \
		>/dev/null 2>&1; then
		echo "SKIP udp-ipv6-1514 (no IPv6 loopback)"
		return
	fi
	PAYLOAD_OVERHEAD=62 udp_pair udp-ipv6-1514 ::1 1514
}

# two flows into one receiver: the other flow is counted, not accepted
check_udp_flows() {
	local port rc=0
	start_bg flows-r "$UB" recv --port 0 --flow 7 --count 500 \
		--size 100 --idle 3 --timeout 30
	port=$(ready_val port)
	timeout 60 "$UB" send --dst 127.0.0.1 --port "$port" --flow 8 \
		--count 200 --size 100 --rate 20000 >"$TMP/flows-s8.out" 2>&1
	timeout 60 "$UB" send --dst 127.0.0.1 --port "$port" --flow 7 \
		--count 500 --size 100 --rate 20000 >"$TMP/flows-s7.out" 2>&1
	wait_bg || rc=$?
	if [ $rc = 0 ] && expect "$TMP/flows-r.out" status=ok valid=500 \
		other=200 received=700 corrupt=0; then
		pass udp-flows
	else
		fail udp-flows "$TMP/flows-r.out" "$TMP/flows-r.err"
	fi
}

# --corrupt-every must be caught and make the receiver fail
check_udp_corrupt() {
	local port rc=0 corrupt
	start_bg corrupt-r "$UB" recv --port 0 --count 1000 \
		--size 1514 --idle 1 --timeout 30
	port=$(ready_val port)
	timeout 60 "$UB" send --dst 127.0.0.1 --port "$port" --count 1000 \
		--size 1514 --rate 20000 --corrupt-every 10 \
		>"$TMP/corrupt-s.out" 2>&1
	wait_bg || rc=$?
	corrupt=$(field "$TMP/corrupt-r.out" corrupt)
	if [ $rc = 1 ] && [ "${corrupt:-0}" -gt 0 ] &&
	   expect "$TMP/corrupt-r.out" status=fail reason=corrupt \
		valid=900; then
		pass udp-corrupt-detected
	else
		fail udp-corrupt-detected "$TMP/corrupt-r.out" "$TMP/corrupt-r.err"
	fi
}

# minimum-size frames: corruption lands in the CRC field itself
check_udp_corrupt_min() {
	local port rc=0
	start_bg corrmin-r "$UB" recv --port 0 --count 100 \
		--size 60 --idle 1 --timeout 30
	port=$(ready_val port)
	timeout 60 "$UB" send --dst 127.0.0.1 --port "$port" --count 100 \
		--size 60 --rate 20000 --corrupt-every 1 >/dev/null 2>&1
	wait_bg || rc=$?
	if [ $rc = 1 ] && expect "$TMP/corrmin-r.out" corrupt=100 valid=0; then
		pass udp-corrupt-detected-60
	else
		fail udp-corrupt-detected-60 "$TMP/corrmin-r.out"
	fi
}

# a receiver with no sender must give up at --timeout and fail
check_udp_timeout() {
	local rc=0 t0 t1
	t0=$(date +%s)
	timeout 20 "$UB" recv --port 0 --count 10 --timeout 1 \
		>"$TMP/to.out" 2>"$TMP/to.err" || rc=$?
	t1=$(date +%s)
	if [ $rc = 1 ] && [ $((t1 - t0)) -le 3 ] &&
	   expect "$TMP/to.out" status=fail stop=timeout valid=0; then
		pass udp-recv-timeout
	else
		fail udp-recv-timeout "$TMP/to.out" "$TMP/to.err"
	fi
}

check_usage_error() {
	local rc=0
	"$UB" send --port 1 >"$TMP/use.out" 2>/dev/null || rc=$?
	if [ $rc = 2 ] && expect "$TMP/use.out" status=error reason=usage; then
		pass usage-error
	else
		fail usage-error "$TMP/use.out"
	fi
}

# ---------------------------------------------------------------------
# l2peer: two instances, each the other's "QEMU"
# ---------------------------------------------------------------------

# l2_pair NAME SIZE COUNT [extra send args]
l2_pair() {
	local name=$1 size=$2 count=$3 listen src=0 rcv=0
	shift 3
	start_bg "$name-r" "$L2" recv --listen 127.0.0.1:0 \
		--ip 10.0.0.1 --mac 52:54:00:99:00:01 --port 5001 \
		--count "$count" --size "$size" --idle 3 --timeout 30
	listen=$(ready_val listen)
	if [ -z "$listen" ]; then
		wait_bg
		fail "$name" "$TMP/$name-r.out" "$TMP/$name-r.err"
		return
	fi
	timeout 60 "$L2" send --listen 127.0.0.1:0 --qemu "$listen" \
		--ip 10.0.0.2 --peer-ip 10.0.0.1 --port 5001 --count "$count" \
		--size "$size" "$@" >"$TMP/$name-s.out" 2>"$TMP/$name-s.err" ||
		src=$?
	wait_bg || rcv=$?
	if [ $src = 0 ] && [ $rcv = 0 ] &&
	   expect "$TMP/$name-s.out" status=ok sent="$count" arp_rx=1 \
		peer_mac=52:54:00:99:00:01 &&
	   expect "$TMP/$name-r.out" status=ok stop=count valid="$count" \
		corrupt=0 duplicate=0 lost=0 arp_rx=1 arp_tx=1 \
		peer_mac=52:54:00:99:00:02 \
		bytes=$((count * (size - 42))); then
		pass "$name"
	else
		fail "$name" "$TMP/$name-s.out" "$TMP/$name-s.err" \
			"$TMP/$name-r.out" "$TMP/$name-r.err"
	fi
}

check_l2_corrupt() {
	local listen rc=0 corrupt
	start_bg l2c-r "$L2" recv --ip 10.0.0.1 \
		--mac 52:54:00:99:00:01 --count 1000 --size 1514 --idle 1 \
		--timeout 30
	listen=$(ready_val listen)
	timeout 60 "$L2" send --qemu "$listen" --peer-ip 10.0.0.1 \
		--count 1000 --size 1514 --corrupt-every 7 \
		>"$TMP/l2c-s.out" 2>&1
	wait_bg || rc=$?
	corrupt=$(field "$TMP/l2c-r.out" corrupt)
	if [ $rc = 1 ] && [ "${corrupt:-0}" -gt 0 ] &&
	   expect "$TMP/l2c-r.out" status=fail reason=corrupt; then
		pass l2-corrupt-detected
	else
		fail l2-corrupt-detected "$TMP/l2c-r.out" "$TMP/l2c-r.err"
	fi
}

# nobody answers ARP: send must give up at --timeout with reason=arp
check_l2_arp_timeout() {
	local rc=0 port
	# a bound but silent socket plays a dead QEMU
	start_bg dead "$UB" recv --port 0 --bind 127.0.0.1 \
		--timeout 5
	port=$(ready_val port)
	timeout 20 "$L2" send --qemu "127.0.0.1:$port" --count 10 \
		--timeout 1 >"$TMP/arp.out" 2>"$TMP/arp.err" || rc=$?
	kill "$BGPID" 2>/dev/null
	wait_bg
	if [ $rc = 1 ] && expect "$TMP/arp.out" status=fail reason=arp \
		sent=0 && [ "$(field "$TMP/arp.out" arp_tries)" -ge 3 ]; then
		pass l2-arp-timeout
	else
		fail l2-arp-timeout "$TMP/arp.out" "$TMP/arp.err"
	fi
}

check_unittest
udp_pair udp-ipv4-60 127.0.0.1 60
udp_pair udp-ipv4-1514 127.0.0.1 1514
udp_pair udp-ipv4-9014-batch1 127.0.0.1 9014 --batch 1
check_udp_ipv6
check_udp_flows
check_udp_corrupt
check_udp_corrupt_min
check_udp_timeout
check_usage_error
l2_pair l2-arp-udp-60 60 1000
l2_pair l2-arp-udp-1514 1514 1000
l2_pair l2-arp-udp-9014 9014 300 --rate 5000
l2_pair l2-arp-udp-unpaced 1514 1000 --rate 0 --batch 8
check_l2_corrupt
check_l2_arp_timeout

if [ $FAILS = 0 ]; then
	echo "selftest: all checks passed"
else
	echo "selftest: $FAILS check(s) failed"
fi
[ $FAILS = 0 ]
