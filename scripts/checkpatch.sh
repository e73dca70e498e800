#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kernel's checkpatch.pl --strict on our kernel-side sources, or
# on our userspace C test programs.
# checkpatch ships in Debian's linux-source package (scripts/deps.sh
# installs it); the script and its data files are unpacked once into
# build/checkpatch/.
#
#   checkpatch.sh [FILE...]    default: driver/*.[ch] and include/*.h
#   checkpatch.sh --userspace [FILE...]
#                              default: tests/tools/*.[ch], tests/qtest/*.[ch],
#                              tests/unit/*.[ch]
#
# --userspace: the same check for programs built against libc, which are
# written in kernel style too; only the rules that ask for kernel-only
# headers, types and macros are ignored (see USERSPACE_IGNORE below).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$top/build/checkpatch
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)

if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	[ -n "$tarball" ] || { echo "checkpatch.sh: no /usr/src/linux-source-*.tar.xz (make deps)" >&2; exit 1; }
	src=$(basename "$tarball" .tar.xz)
	mkdir -p "$dir"
	tar -xJf "$tarball" -C "$dir" --strip-components=1 \
		"$src/scripts/checkpatch.pl" "$src/scripts/spelling.txt" \
		"$src/scripts/const_structs.checkpatch"
fi

# Rules that only make sense inside the kernel, one per line with why.
USERSPACE_IGNORE=(
	# u8/u16/u32/u64 are kernel typedefs; userspace has <stdint.h>
	PREFER_KERNEL_TYPES
	# BIT() is <linux/bits.h>, not available to userspace
	BIT_MACRO
	# ARRAY_SIZE() is <linux/kernel.h>; userspace defines its own or uses sizeof
	ARRAY_SIZE
	# __packed, __aligned(), __printf() etc. are <linux/compiler_attributes.h>
	PREFER_DEFINED_ATTRIBUTE_MACRO
	# a signal handler may only set a "volatile sig_atomic_t" (C11 7.14.1.1)
	VOLATILE
	# C99's PRIu64/PRIx64 (<inttypes.h>, needed for uint64_t); checkpatch
	# can only learn identifiers that are not CamelCase from a kernel tree
	CAMELCASE
)

ignore=FILE_PATH_CHANGES
userspace=
if [ "${1-}" = --userspace ]; then
	userspace=1
	shift
	ignore=$ignore$(printf ',%s' "${USERSPACE_IGNORE[@]}")
fi

cd "$top"
if [ $# -eq 0 ]; then
	if [ -n "$userspace" ]; then
		set -- tests/tools/*.[ch] tests/qtest/*.[ch] tests/unit/*.[ch]
	else
		# only our sources, not what an in-tree "make modules" generates
		set -- $(ls driver/*.[ch] include/*.h 2>/dev/null | grep -v "\.mod\.c$")
	fi
fi
checkpatch=("$dir/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types
	    --ignore "$ignore" -f "$@")
[ -z "$userspace" ] || exec "${checkpatch[@]}"

# Kernel side: CAMELCASE stays on for our own names, but the kernel's
# ethtool API has CamelCase names that a driver must spell as the kernel
# does: the IEEE 802.3 counters (struct ethtool_eth_mac_stats,
# ethtool_eth_ctrl_stats: FramesTransmittedOK, ...) and the link modes
# (ETHTOOL_LINK_MODE_1000baseT_Full_BIT, and the bare Autoneg that
# ethtool_link_ksettings_add_link_mode() pastes into one). Inside a kernel
# tree checkpatch learns declared names from include/; with --no-tree it
# cannot, so its CAMELCASE reports of exactly these names, taken from the
# guest kernels' ethtool headers, are dropped here. Everything else is
# reported, and fails, as checkpatch says.
kernel_names() {
	local k h
	for k in $(scripts/guest-kernels.sh list); do
		for h in /lib/modules/"$k"/{source,build}/include/{,uapi/}linux/ethtool.h; do
			if [ -f "$h" ]; then cat "$h"; fi
		done
	done | sed -nE -e 's/^[[:space:]]*u64[[:space:]]+([A-Za-z0-9_]+);.*/\1/p' \
		-e 's/^[[:space:]]*(ETHTOOL_LINK_MODE_([A-Za-z0-9_]+)_BIT)\b.*/\1\n\2/p' |
		sort -u
}
names=$(kernel_names)
[ -n "$names" ] || { echo "checkpatch.sh: no guest kernel's linux/ethtool.h (make deps)" >&2; exit 1; }

rc=0
out=$("${checkpatch[@]}") || rc=$?
# 0: clean, 1: something reported; anything else is checkpatch failing
[ "$rc" -le 1 ] || { printf '%s\n' "$out"; exit "$rc"; }
# reports are paragraphs; checkpatch's per-file "total:" counts would
# include the dropped ones, so they go too
printf '%s\n' "$out" | awk -v names="$names" '
	BEGIN { n = split(names, list, "\n"); for (i = 1; i <= n; i++) kernel[list[i]] = 1 }
	function flush() {
		if (block != "" && !(block ~ /^CHECK:CAMELCASE: Avoid CamelCase: </ &&
		    kernel[word])) {
			printf "%s\n", block
			left = 1
		}
		block = ""
	}
	/^total: / { flush(); next }
	/^$/ { flush(); next }
	{
		if (block == "") {
			word = $0
			sub(/^CHECK:CAMELCASE: Avoid CamelCase: </, "", word)
			sub(/>$/, "", word)
		}
		block = block $0 "\n"
	}
	END { flush(); exit left }'
