#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything e1000-csb needs to build and test, with apt-get.
#
# Extra apt entries (bookworm-backports for meson and the 6.12 kernel,
# deb-src for trixie's QEMU 10.0) are derived from the Debian mirror the
# machine is already configured with; no host name is written here.
# Idempotent: a second run with everything present does nothing and says
# one line. "deps.sh --mirror" only prints the mirror it derives.
set -euo pipefail

LIST=/etc/apt/sources.list.d/e1000-csb.sources
STAMP_DIR=${STAMP_DIR:-/var/lib/e1000-csb}

# Packages from the default suites (bookworm).
PKGS=(
	build-essential bc flex bison libelf-dev libssl-dev kmod cpio
	busybox-static ethtool iproute2 sparse
	qemu-system-x86 qemu-system-data seabios ipxe-qemu
	ninja-build pkg-config ccache libglib2.0-dev libpixman-1-dev
	libslirp-dev libfdt-dev zlib1g-dev python3 python3-venv dpkg-dev
	linux-source-6.1
	libc6-dev xz-utils zstd
	spin
	debhelper dh-dkms dkms lintian debootstrap
	gnuplot-nox linux-perf
)
# Packages from bookworm-backports.
BPO_PKGS=(meson)

log() { echo "deps: $*"; }

# Print the URI of the Debian mirror serving bookworm main.
debian_mirror() {
	local f
	# deb822 .sources files
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk '
			BEGIN { RS = ""; FS = "\n" }
			{
				uri = ""; suites = ""; types = ""
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^URIs:/) { uri = $i; sub(/^URIs:[ \t]*/, "", uri) }
					if ($i ~ /^Suites:/) suites = $i
					if ($i ~ /^Types:/) types = $i
				}
				split(uri, u, /[ \t]+/)
				if (types ~ /deb/ && suites ~ /[ \t]bookworm([ \t]|$)/ && u[1] != "") {
					print u[1]; exit
				}
			}' "$f"
	done
	# one-line format
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		awk '$1 == "deb" && $0 ~ /[ \t]bookworm[ \t]/ {
			for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { print $i; exit }
		}' "$f"
	done
}

write_sources() {
	local mirror
	mirror=$(debian_mirror | head -n 1)
	if [ -z "$mirror" ]; then
		echo "deps: no Debian bookworm entry found in /etc/apt; cannot derive a mirror" >&2
		exit 1
	fi
	local want
	want=$(cat <<EOT
# Written by e1000-csb scripts/deps.sh, derived from this machine's sources.
Types: deb deb-src
URIs: $mirror
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: $mirror
Suites: bookworm trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
)
	if [ ! -e "$LIST" ] || [ "$(cat "$LIST")" != "$want" ]; then
		log "adding bookworm-backports and deb-src entries for $mirror"
		printf '%s\n' "$want" >"$LIST"
		return 0
	fi
	return 1
}

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
	done
}

main() {
	if [ "$(id -u)" != 0 ]; then
		echo "deps: must run as root (apt-get)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	local updated=0
	if write_sources || [ ! -e "$STAMP_DIR/apt-updated" ]; then
		apt-get update -qq
		mkdir -p "$STAMP_DIR"
		touch "$STAMP_DIR/apt-updated"
		updated=1
	fi
	local miss bpo_miss
	miss=$(missing_pkgs "${PKGS[@]}")
	bpo_miss=$(missing_pkgs "${BPO_PKGS[@]}")
	# Guest kernel headers: Debian's newest 6.1 (bookworm) and 6.12
	# (bookworm-backports), by their versioned package names.
	local hdr61 hdr612
	hdr61=$(headers_pkg 6.1.)
	hdr612=$(headers_pkg 6.12.)
	if [ -z "$hdr61" ] || [ -z "$hdr612" ]; then
		apt-get update -qq
		hdr61=$(headers_pkg 6.1.)
		hdr612=$(headers_pkg 6.12.)
	fi
	miss="$miss $(missing_pkgs "$hdr61")"
	bpo_miss="$bpo_miss $(missing_pkgs "$hdr612")"
	miss=${miss# }
	if [ -z "${miss// /}" ] && [ -z "${bpo_miss// /}" ]; then
		log "all dependencies present"
		return 0
	fi
	[ "$updated" = 1 ] || apt-get update -qq
	if [ -n "${miss// /}" ]; then
		log "installing:" $miss
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $miss >/dev/null
	fi
	if [ -n "${bpo_miss// /}" ]; then
		log "installing from bookworm-backports:" $bpo_miss
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends -t bookworm-backports $bpo_miss >/dev/null
	fi
	log "done"
}

# Versioned headers package that the newest linux-headers-amd64 of the
# given upstream series ("6.1." or "6.12.") depends on.
headers_pkg() {
	apt-cache show linux-headers-amd64 2>/dev/null | awk -v series="$1" '
		BEGIN { RS = ""; FS = "\n" }
		{
			v = ""; d = ""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^Version:/) { v = $i; sub(/^Version: */, "", v) }
				if ($i ~ /^Depends:/) d = $i
			}
			if (index(v, series) == 1 && match(d, /linux-headers-[0-9][^ ,]*/))
				print v, substr(d, RSTART, RLENGTH)
		}' | sort -V | tail -n 1 | cut -d" " -f2
}

# --mirror: print the mirror and stop (for scripts that need one too).
if [ "${1:-}" = --mirror ]; then
	debian_mirror | sed -n 1p   # reads it all: no SIGPIPE under pipefail
	exit 0
fi
main "$@"
