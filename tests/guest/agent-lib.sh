# SPDX-License-Identifier: GPL-2.0
#
# Shell helpers available to every script the harness runs in the guest.

# Debian's busybox sh prefers its own applets to programs on PATH; these
# are the real tools users have (iproute2's ip, kmod), installed in /sbin
# by scripts/mkguest.sh, so call those.
for tool in ip modprobe insmod rmmod lsmod modinfo depmod; do
	eval "$tool() { /sbin/$tool \"\$@\"; }"
done

# bg_start NAME CMD...: run CMD in the background, output to /tmp/NAME.out.
bg_start() {
	name=$1
	shift
	# the output too, before the job starts: a caller waiting for a line in
	# it (READY) must not find the previous job's
	rm -f /tmp/"$name".rc /tmp/"$name".out
	("$@" >/tmp/"$name".out 2>&1; echo $? >/tmp/"$name".rc) &
	echo $! >/tmp/"$name".pid
}

# bg_wait NAME [SECONDS]: wait for a bg_start job, print its output and
# return its exit status (124 and kill it on timeout). Looks every 0.1 s:
# most jobs are receivers that finish a moment after the call.
bg_wait() {
	name=$1
	left=$((${2:-60} * 10))
	while [ ! -e /tmp/"$name".rc ]; do
		if [ "$left" -le 0 ]; then
			kill "$(cat /tmp/"$name".pid)" 2>/dev/null
			cat /tmp/"$name".out
			echo "bg_wait: $name timed out"
			return 124
		fi
		usleep 100000
		left=$((left - 1))
	done
	cat /tmp/"$name".out
	return "$(cat /tmp/"$name".rc)"
}

# wait_for SECONDS CMD...: retry CMD every 0.2 s until it succeeds.
wait_for() {
	tries=$(($1 * 5))
	shift
	while ! "$@" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		usleep 200000
	done
}

# ifname_of DRIVER: name of the first interface bound to DRIVER.
ifname_of() {
	for d in /sys/class/net/*; do
		drv=$(basename "$(readlink "$d"/device/driver 2>/dev/null)")
		if [ "$drv" = "$1" ]; then
			basename "$d"
			return 0
		fi
	done
	return 1
}

# ifname_by_mac MAC: name of the interface with hardware address MAC.
ifname_by_mac() {
	for d in /sys/class/net/*; do
		if [ "$(cat "$d"/address)" = "$1" ]; then
			basename "$d"
			return 0
		fi
	done
	return 1
}
