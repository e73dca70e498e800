#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian kernels our guests run.
#
#   guest-kernels.sh list            print the supported guest kernel
#                                    releases, default (bookworm 6.1) first
#   guest-kernels.sh fetch KVER DIR  download Debian's linux-image-KVER and
#                                    unpack it into DIR/KVER (vmlinuz and
#                                    lib/modules/KVER); nothing if present
#
# The releases are the newest 6.1 and 6.12 whose headers are installed
# (scripts/deps.sh installs them), so module and image always match.
set -euo pipefail

newest_headers() {
	local d
	for d in /usr/src/linux-headers-"$1"*-amd64; do
		[ -e "$d/.config" ] && basename "$d"
	done | sed 's/^linux-headers-//' | sort -V | tail -n 1
}

list() {
	local k
	for k in "6.1." "6.12."; do
		newest_headers "$k"
	done
}

fetch() {
	local kver=$1 dir=$2/$1
	[ -e "$dir/vmlinuz" ] && [ -d "$dir/lib/modules/$kver" ] && return 0
	local tmp
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	echo "guest-kernels: fetching linux-image-$kver"
	(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "linux-image-$kver" >/dev/null)
	dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/root"
	rm -rf "$dir"
	mkdir -p "$dir/lib/modules"
	cp "$tmp/root/boot/vmlinuz-$kver" "$dir/vmlinuz"
	mv "$tmp/root/lib/modules/$kver" "$dir/lib/modules/$kver"
}

case "${1:-}" in
list) list ;;
fetch) fetch "$2" "$3" ;;
*) echo "usage: $0 list | fetch KVER DIR" >&2; exit 2 ;;
esac
