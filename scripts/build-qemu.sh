#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the project's QEMU: Debian's QEMU 10.0 source (from trixie) with
# the e1000-csb additions of qemu-csb/ applied, for x86_64 only.
#
#   scripts/build-qemu.sh              build build/qemu/qemu-system-x86_64
#   scripts/build-qemu.sh --asan       build build/qemu-asan/ instead, with
#                                      --enable-asan --enable-ubsan
#                                      (same as SANITIZE=1)
#   scripts/build-qemu.sh --tsan       build build/qemu-tsan/ instead, with
#                                      --enable-tsan (ThreadSanitizer,
#                                      gcc; TSAN=1 too; see below)
#   scripts/build-qemu.sh --vanilla    build build/qemu-vanilla/ instead:
#                                      the same source and configure
#                                      options without our additions
#                                      (VANILLA=1 too; see below)
#   scripts/build-qemu.sh --all        build qemu and qemu-asan
#   scripts/build-qemu.sh --source     only fetch, unpack and patch the
#                                      tree (build/qemu-src/tree)
#
# The vanilla variant, the unmodified QEMU that the migration tests pair
# with ours, unpacks its own tree, build/qemu-src/tree-vanilla, with
# nothing of ours but the device set
# (qemu-csb/src/configs/devices/x86_64-softmmu/e1000-csb.mak, build
# configuration, no code): no patch, no hw/net file, no ABI header. It is
# rebuilt only when the version, this script or that file change.
#
# The ThreadSanitizer variant (make tsan runs csb-qtest's TX thread tests
# against it, scripts/tsan-qtest.sh) is gcc's -fsanitize=thread on QEMU's
# own code only: Debian's glib is not instrumented, so what glib
# synchronises is invisible to TSan (QEMU's docs build a TSan glib; we
# do not: the threads that matter here synchronise through QEMU's
# mutexes, events and atomics, which are instrumented).  No -Werror, as
# for ASan (QEMU's docs configure TSan with --disable-werror; gcc 12 warns
# about atomic_thread_fence under TSan, which QEMU's -Wno-tsan silences).
#
# Steps, each done only when its inputs changed:
#  1. fetch: `apt-get source --download-only qemu/trixie` into
#     build/qemu-src/, once; the Debian version is recorded in
#     build/qemu-src/VERSION and then kept (set QEMU_DEB_VERSION=... to move
#     to another one, or remove build/qemu-src/VERSION to take trixie's
#     current one).
#  2. unpack: dpkg-source -x (Debian's own patches included) into a fresh
#     build/qemu-src/tree, copy qemu-csb/src/ over it (and
#     include/e1000_csb_abi.h as include/hw/net/e1000_csb_abi.h if the repo
#     has it), then apply qemu-csb/patches/series with patch -p1 --fuzz=0.
#     Redone when the version, the patches, the set of files in
#     qemu-csb/src/ or this script change; changes in the content of
#     qemu-csb/src/ files, and the ABI header, are only copied over.
#  3. configure (fresh meson build dir) when the tree was re-unpacked or
#     the configure options changed; then ninja, through ccache with
#     CCACHE_DIR=~/.cache/e1000-csb/ccache (outside the clone, so that a
#     fresh clone on the same machine, as CI makes, reuses the objects:
#     CCACHE_BASEDIR makes the clone's absolute paths relative and
#     CCACHE_NOHASHDIR keeps the -g build's working directory out of the
#     key, so a clone at another path hits too).
# A stamp in the build dir keys on all of the above: a run with nothing
# changed does nothing and prints nothing.  A run that built prints one
# line; on failure the tail of the failing step's log (build/logs/) is
# printed.  VERBOSE=1 shows every step's output; QEMU_JOBS=N limits
# ninja to N jobs.
#
# The binary runs from the build dir: firmware comes from Debian's seabios,
# ipxe-qemu and qemu-system-data packages through --firmwarepath (made
# visible inside the build dir's qemu-bundle/, which QEMU searches instead
# of absolute paths when it runs uninstalled), so no -L is needed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF=$ROOT/scripts/build-qemu.sh
BUILD=$ROOT/build
SRCDIR=$BUILD/qemu-src
TREE=$SRCDIR/tree
DEVICES_MAK=configs/devices/x86_64-softmmu/e1000-csb.mak
LOGDIR=$BUILD/logs
CSB=$ROOT/qemu-csb
ABI_REL=include/e1000_csb_abi.h
ABI_DEST=include/hw/net/e1000_csb_abi.h
SUITE=${QEMU_DEB_SUITE:-trixie}
PYTHON=/usr/bin/python3
FW_PATH=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
DEVICES=e1000-csb   # qemu-csb/src/configs/devices/x86_64-softmmu/e1000-csb.mak

export CCACHE_DIR=${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/e1000-csb/ccache}
export CCACHE_BASEDIR=$ROOT
export CCACHE_NOHASHDIR=true
export LC_ALL=C

die() {
	echo "build-qemu: $*" >&2
	exit 1
}

usage() {
	sed -n '4,20p' "$SELF" | sed 's/^# \{0,1\}//'
}

# run_logged NAME CMD...: run CMD with its output in $LOGDIR/NAME.log;
# on failure show the log's tail and exit.
run_logged() {
	local name=$1 log=$LOGDIR/$1.log
	shift
	mkdir -p "$LOGDIR"
	if [ "${VERBOSE:-0}" = 1 ]; then
		if "$@" 2>&1 | tee "$log"; then
			return 0
		fi
	elif "$@" >"$log" 2>&1; then
		return 0
	fi
	echo "build-qemu: $name failed: $*" >&2
	echo "build-qemu: last lines of $log:" >&2
	tail -n 40 "$log" >&2
	exit 1
}

hash_stdin() {
	sha256sum | cut -d' ' -f1
}

# Names and contents of every file under qemu-csb/, plus the ABI header.
csb_content() {
	(
		cd "$ROOT"
		find qemu-csb -type f -print0 | sort -z | xargs -0 -r sha256sum
		if [ -f "$ABI_REL" ]; then
			sha256sum "$ABI_REL"
		fi
	)
}

# Files of qemu-csb/src/, relative to it (the vanilla tree: only the
# device set).
src_files() {
	if [ "$TREE" = "$SRCDIR/tree-vanilla" ]; then
		echo "$DEVICES_MAK"
	elif [ -d "$CSB/src" ]; then
		(cd "$CSB/src" && find . -type f | sed 's|^\./||' | sort)
	fi
}

# The Debian source version to use (empty if not fetched yet): the one
# asked for, else the one recorded, else the newest .dsc already here.
known_version() {
	local dsc
	if [ -n "${QEMU_DEB_VERSION:-}" ]; then
		echo "$QEMU_DEB_VERSION"
	elif [ -f "$SRCDIR/VERSION" ]; then
		cat "$SRCDIR/VERSION"
	elif [ -d "$SRCDIR" ]; then
		dsc=$(find "$SRCDIR" -maxdepth 1 -name 'qemu_*.dsc' |
			sort -V | tail -n 1)
		if [ -n "$dsc" ]; then
			sed -n 's/^Version: *//p' "$dsc" | head -n 1
		fi
	fi
}

dsc_of() {
	echo "$SRCDIR/qemu_${1#*:}.dsc"
}

# Step 1: make sure the Debian source package is in $SRCDIR; set VERSION.
fetch_source() {
	VERSION=$(known_version)
	if [ -n "$VERSION" ] && [ -f "$(dsc_of "$VERSION")" ]; then
		echo "$VERSION" >"$SRCDIR/VERSION.new"
		mv "$SRCDIR/VERSION.new" "$SRCDIR/VERSION"
		return 0
	fi
	local what=qemu/$SUITE
	[ -n "$VERSION" ] && what=qemu=$VERSION
	local apt_opts=(-q --download-only)
	[ "$(id -u)" = 0 ] && apt_opts+=(-o APT::Sandbox::User=root)
	local dl=$SRCDIR/download.tmp
	rm -rf "$dl"
	mkdir -p "$dl"
	if ! (cd "$dl" && run_logged fetch apt-get source "${apt_opts[@]}" "$what"); then
		die "cannot fetch $what (deb-src for $SUITE missing? run scripts/deps.sh)"
	fi
	local dsc
	dsc=$(find "$dl" -maxdepth 1 -name 'qemu_*.dsc' | head -n 1)
	[ -n "$dsc" ] || die "apt-get source $what gave no .dsc"
	VERSION=$(sed -n 's/^Version: *//p' "$dsc" | head -n 1)
	[ -n "$VERSION" ] || die "no Version in $dsc"
	mv "$dl"/* "$SRCDIR"/
	rmdir "$dl"
	echo "$VERSION" >"$SRCDIR/VERSION"
}

tree_key() {
	{
		echo "version $VERSION"
		sha256sum "$SELF" | cut -d' ' -f1
		src_files
		if [ "$TREE" = "$SRCDIR/tree-vanilla" ]; then
			echo vanilla
		elif [ -f "$CSB/patches/series" ]; then
			(cd "$ROOT" && sha256sum qemu-csb/patches/series &&
				grep -v '^\s*\(#\|$\)' qemu-csb/patches/series |
				sed 's|^|qemu-csb/patches/|' | xargs -r sha256sum)
		fi
	} | hash_stdin
}

# Copy qemu-csb/src/ (and the ABI header) into tree $1 where they differ;
# files left untouched keep their mtimes, so ninja rebuilds only what
# changed.
sync_src() {
	local tree=$1 f
	while IFS= read -r f; do
		if ! cmp -s "$CSB/src/$f" "$tree/$f"; then
			mkdir -p "$(dirname "$tree/$f")"
			cp "$CSB/src/$f" "$tree/$f"
		fi
	done < <(src_files)
	if [ "$TREE" = "$SRCDIR/tree-vanilla" ]; then
		return 0
	elif [ ! -f "$ROOT/$ABI_REL" ]; then
		rm -f "$tree/$ABI_DEST"
	elif ! cmp -s "$ROOT/$ABI_REL" "$tree/$ABI_DEST"; then
		cp "$ROOT/$ABI_REL" "$tree/$ABI_DEST"
	fi
}

apply_patches() {
	local tree=$1 p
	[ -f "$CSB/patches/series" ] || return 0
	[ "$TREE" != "$SRCDIR/tree-vanilla" ] || return 0
	while read -r p; do
		case $p in '' | '#'*) continue ;; esac
		[ -f "$CSB/patches/$p" ] || die "qemu-csb/patches/series names missing $p"
		run_logged "patch-$p" patch -d "$tree" -p1 --fuzz=0 --no-backup-if-mismatch \
			-i "$CSB/patches/$p"
	done <"$CSB/patches/series"
}

# Step 2: have $TREE unpacked and patched for the current inputs.
prepare_tree() {
	mkdir -p "$SRCDIR"
	fetch_source
	local key
	key=$(tree_key)
	if [ "$(cat "$TREE/.e1000-csb-tree-key" 2>/dev/null)" != "$key" ]; then
		local new=$TREE.new
		rm -rf "$new"
		run_logged unpack dpkg-source -x "$(dsc_of "$VERSION")" "$new"
		sync_src "$new"
		apply_patches "$new"
		# Unique id of this unpacking: build dirs made from an older
		# tree are not reused (its files' mtimes can't be trusted).
		echo "$key $(date +%s.%N) $$" | hash_stdin >"$new/.e1000-csb-tree-id"
		echo "$key" >"$new/.e1000-csb-tree-key"
		rm -rf "$TREE"
		mv "$new" "$TREE"
	fi
	sync_src "$TREE"
}

configure_opts() {
	local variant=$1
	local pkg="Debian $VERSION, e1000-csb"
	[ "$variant" != qemu-vanilla ] || pkg="Debian $VERSION, vanilla"
	local opts=(
		--python="$PYTHON"
		--cc="ccache gcc"
		--with-pkgversion="$pkg"
		--firmwarepath="$FW_PATH"
		--without-default-features
		--without-default-devices
		--with-devices-x86_64="$DEVICES"
		--target-list=x86_64-softmmu
		--enable-tcg
		--enable-slirp
		--enable-fdt=system
		--disable-install-blobs
		--disable-download
	)
	case $variant in
	qemu | qemu-vanilla) opts+=(--enable-werror) ;;
	qemu-asan) opts+=(--enable-asan --enable-ubsan) ;;
	qemu-tsan) opts+=(--enable-tsan) ;;
	esac
	printf '%s\n' "${opts[@]}"
}

# Make Debian's firmware directories visible where the uninstalled binary
# looks for them: it prefixes every search path with <builddir>/qemu-bundle.
firmware_links() {
	local bdir=$1 d
	local IFS=:
	for d in $FW_PATH; do
		if [ -d "$bdir/qemu-bundle$d" ] && [ ! -L "$bdir/qemu-bundle$d" ]; then
			die "$bdir/qemu-bundle$d is a directory (prefix clash)"
		fi
		if [ "$(readlink "$bdir/qemu-bundle$d" 2>/dev/null)" != "$d" ]; then
			mkdir -p "$(dirname "$bdir/qemu-bundle$d")"
			ln -sfn "$d" "$bdir/qemu-bundle$d"
		fi
	done
}

# Everything a build depends on: version, this script, qemu-csb/, the ABI
# header, configure options ($1).
variant_stamp() {
	{
		echo "version $VERSION suite $SUITE"
		sha256sum "$SELF" | cut -d' ' -f1
		if [ "$TREE" = "$SRCDIR/tree-vanilla" ]; then
			sha256sum "$CSB/src/$DEVICES_MAK" | cut -d' ' -f1
		else
			csb_content
		fi
		echo "$1"
	} | hash_stdin
}

# Step 3 for one variant (qemu, qemu-asan, qemu-tsan or qemu-vanilla).
build_variant() {
	local variant=$1
	TREE=$SRCDIR/tree
	[ "$variant" != qemu-vanilla ] || TREE=$SRCDIR/tree-vanilla
	local bdir=$BUILD/$variant
	local bin=$bdir/qemu-system-x86_64
	local opts stamp
	VERSION=$(known_version)
	opts=$(configure_opts "$variant")
	stamp=$(variant_stamp "$opts")
	if [ -n "$VERSION" ] && [ -x "$bin" ] &&
		[ "$(cat "$bdir/.e1000-csb-stamp" 2>/dev/null)" = "$stamp" ]; then
		firmware_links "$bdir"
		return 0
	fi

	prepare_tree
	# fetch_source may have set VERSION: recompute what depends on it.
	opts=$(configure_opts "$variant")
	stamp=$(variant_stamp "$opts")

	local conf_key
	conf_key=$({ cat "$TREE/.e1000-csb-tree-id"; echo "$opts"; } | hash_stdin)
	if [ "$(cat "$bdir/.e1000-csb-configured" 2>/dev/null)" != "$conf_key" ]; then
		rm -rf "$bdir"
		mkdir -p "$bdir"
		local -a args
		mapfile -t args <<<"$opts"
		(cd "$bdir" && run_logged "configure-$variant" "$TREE/configure" "${args[@]}")
		echo "$conf_key" >"$bdir/.e1000-csb-configured"
	fi
	rm -f "$bdir/.e1000-csb-stamp"
	run_logged "ninja-$variant" ninja -C "$bdir" ${QEMU_JOBS:+-j "$QEMU_JOBS"} \
		qemu-system-x86_64
	[ -x "$bin" ] || die "ninja did not produce $bin"
	firmware_links "$bdir"
	echo "$stamp" >"$bdir/.e1000-csb-stamp"
	echo "build-qemu: built ${bin#"$ROOT"/} (Debian qemu $VERSION)"
}

main() {
	local variants=() source_only=0
	if [ "${SANITIZE:-0}" = 1 ]; then
		variants=(qemu-asan)
	fi
	if [ "${TSAN:-0}" = 1 ]; then
		variants=(qemu-tsan)
	fi
	if [ "${VANILLA:-0}" = 1 ]; then
		variants=(qemu-vanilla)
	fi
	while [ $# -gt 0 ]; do
		case $1 in
		--asan) variants=(qemu-asan) ;;
		--tsan) variants=(qemu-tsan) ;;
		--vanilla) variants=(qemu-vanilla) ;;
		--all) variants=(qemu qemu-asan) ;;
		--source) source_only=1 ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
		shift
	done
	[ ${#variants[@]} -gt 0 ] || variants=(qemu)
	[ -x "$PYTHON" ] || die "$PYTHON missing (scripts/deps.sh)"

	mkdir -p "$BUILD"
	# One build at a time: the variants share the source tree.
	exec 9>"$BUILD/.qemu-build.lock"
	flock 9

	if [ "$source_only" = 1 ]; then
		prepare_tree
		return 0
	fi
	local v
	for v in "${variants[@]}"; do
		build_variant "$v"
	done
}

main "$@"
