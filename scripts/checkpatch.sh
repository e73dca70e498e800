#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the kernel's checkpatch.pl --strict on our kernel-side sources.
# checkpatch ships in Debian's linux-source package (scripts/deps.sh
# installs it); the script and its data files are unpacked once into
# build/checkpatch/.
#
#   checkpatch.sh [FILE...]    default: driver/*.[ch] and include/*.h
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

cd "$top"
if [ $# -eq 0 ]; then
	# only our sources, not what an in-tree "make modules" generates
	set -- $(ls driver/*.[ch] include/*.h 2>/dev/null | grep -v "\.mod\.c$")
fi
exec "$dir/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
	--ignore FILE_PATH_CHANGES -f "$@"
