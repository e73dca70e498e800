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
#                              default: tests/tools/*.[ch], tests/qtest/*.[ch]
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

# For both: the kernel's own CamelCase names (the IEEE 802.3 counters of
# struct ethtool_eth_mac_stats and ethtool_eth_ctrl_stats) are only known
# to checkpatch inside a kernel tree (it learns them from include/), and
# --no-tree cannot; in-tree, the same code passes this rule.
ignore=FILE_PATH_CHANGES,CAMELCASE
userspace=
if [ "${1-}" = --userspace ]; then
	userspace=1
	shift
	ignore=$ignore$(printf ',%s' "${USERSPACE_IGNORE[@]}")
fi

cd "$top"
if [ $# -eq 0 ]; then
	if [ -n "$userspace" ]; then
		set -- tests/tools/*.[ch] tests/qtest/*.[ch]
	else
		# only our sources, not what an in-tree "make modules" generates
		set -- $(ls driver/*.[ch] include/*.h 2>/dev/null | grep -v "\.mod\.c$")
	fi
fi
exec "$dir/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
	--ignore "$ignore" -f "$@"
