#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check qemu-csb/ with QEMU's own scripts/checkpatch.pl, taken from the
# Debian QEMU tree that scripts/build-qemu.sh unpacks (fetched and unpacked
# here first if it is missing):
#  - every patch listed in qemu-csb/patches/series, as a patch;
#  - every file of qemu-csb/src/, as the patch that adds it to QEMU (its
#    path inside QEMU's tree), so the new-file rules apply too; and, since
#    checkpatch.pl misses a missing SPDX tag in the last new file of a
#    patch, we check ourselves that each has
#    "SPDX-License-Identifier: GPL-2.0-or-later" in its first 3 lines.
# Exits non-zero if checkpatch reports any error or warning, except the
# "does MAINTAINERS need updating?" warning that every new file draws (we
# don't patch MAINTAINERS).  Prints checkpatch's report only for the
# inputs that have problems, plus one summary line.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CSB=$ROOT/qemu-csb
TREE=$ROOT/build/qemu-src/tree
CHECKPATCH=$TREE/scripts/checkpatch.pl

if [ ! -f "$CHECKPATCH" ]; then
	"$ROOT/scripts/build-qemu.sh" --source
fi
[ -f "$CHECKPATCH" ] || { echo "qemu-checkpatch: no $CHECKPATCH" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

checked=0
bad=0

# check NAME PATCHFILE: run checkpatch, count real problems.
check() {
	local name=$1 patch=$2 out problems
	checked=$((checked + 1))
	out=$(cd "$TREE" && perl "$CHECKPATCH" --no-signoff --color=never "$patch" 2>&1) || true
	problems=$(printf '%s\n' "$out" |
		grep -E '^(ERROR|WARNING):' |
		grep -vc 'does MAINTAINERS need updating' || true)
	if ! printf '%s\n' "$out" | grep -q '^total: '; then
		problems=$((problems + 1))   # checkpatch itself failed
	fi
	if [ "$problems" -gt 0 ]; then
		bad=$((bad + 1))
		echo "== $name"
		printf '%s\n' "$out"
	fi
}

if [ -f "$CSB/patches/series" ]; then
	while read -r p; do
		case $p in '' | '#'*) continue ;; esac
		check "qemu-csb/patches/$p" "$CSB/patches/$p"
	done <"$CSB/patches/series"
fi

if [ -d "$CSB/src" ]; then
	while IFS= read -r f; do
		# "new file" patch, paths as in QEMU's tree
		(cd "$CSB/src" &&
			git diff --no-index --no-color --no-ext-diff /dev/null "$f") \
			>"$tmp/new.patch" || true
		[ -s "$tmp/new.patch" ] || { echo "qemu-checkpatch: cannot diff $f" >&2; exit 1; }
		check "qemu-csb/src/$f" "$tmp/new.patch"
		if ! head -n 3 "$CSB/src/$f" |
			grep -q 'SPDX-License-Identifier: GPL-2.0-or-later'; then
			bad=$((bad + 1))
			echo "== qemu-csb/src/$f"
			echo "ERROR: no 'SPDX-License-Identifier: GPL-2.0-or-later' in the first 3 lines"
		fi
	done < <(cd "$CSB/src" && find . -type f | sed 's|^\./||' | sort)
fi

if [ "$bad" -gt 0 ]; then
	echo "qemu-checkpatch: $bad of $checked inputs have style problems" >&2
	exit 1
fi
echo "qemu-checkpatch: $checked inputs clean"
