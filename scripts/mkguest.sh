#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test guest's initramfs for one kernel release.
#
#   mkguest.sh KVER KERNELS_DIR TOOLS_DIR OUT MODULE_TREE
#
# KERNELS_DIR/KVER holds Debian's kernel image, unpacked by
# guest-kernels.sh. The initramfs gets busybox, kmod (modprobe & co),
# ethtool, ip and tc (iproute2's: busybox's shows no statistics) with
# their shared libraries, our static test tools, the in-kernel drivers
# we compare against (e1000, virtio_net), netconsole (a netpoll user, to
# exercise the driver's poll controller), pktgen (the kernel's packet
# generator, for make bench) and our
# e1000_csb module, installed from MODULE_TREE (a copy of this repository's
# module sources) with "make install", exactly as a user installs it.
# Writes OUT (a gzip'ed cpio archive).
set -euo pipefail

kver=$1
kdir=$(cd "$2/$1" && pwd)
tools=$3
out=$4
modtree=$5
top=$(cd "$(dirname "$0")/.." && pwd)

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root}
mkdir -p "$root"/lib/modules "$root"/lib64

# Copy a dynamic executable and the shared libraries it needs.
copy_exe() {
	local exe=$1 dest=$2 lib
	install -D -m 755 "$exe" "$root$dest"
	for lib in $(ldd "$exe" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
		[ -e "$root$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$root$lib"
	done
}

copy_exe /usr/bin/kmod /bin/kmod
for t in modprobe insmod rmmod lsmod modinfo depmod; do
	ln -s /bin/kmod "$root/sbin/$t"
done
copy_exe /usr/sbin/ethtool /usr/sbin/ethtool
copy_exe /usr/sbin/ip /sbin/ip
copy_exe /usr/sbin/tc /sbin/tc

# busybox for everything else; real tools above take precedence.
install -m 755 /bin/busybox "$root/bin/busybox"
for app in $(/bin/busybox --list); do
	[ -e "$root/sbin/$app" ] || [ -e "$root/usr/sbin/$app" ] || [ -e "$root/bin/$app" ] ||
		ln -s busybox "$root/bin/$app"
done

# Our static test tools.
for t in "$tools"/*; do
	if [ -x "$t" ] && [ -f "$t" ]; then install -m 755 "$t" "$root/usr/bin/"; fi
done

# The agent.
install -m 755 "$top/tests/guest/init" "$root/init"
install -m 644 "$top/tests/guest/agent.sh" "$top/tests/guest/agent-lib.sh" "$root/etc/"

# In-kernel drivers, netconsole and pktgen, with what they depend on, from
# Debian's image.
[ -e "$kdir/lib/modules/$kver/modules.dep" ] || depmod -b "$kdir" "$kver"
mods=$(modprobe -d "$kdir" -S "$kver" --show-depends -a e1000 virtio_net virtio_pci netconsole pktgen 2>/dev/null |
	awk '$1 == "insmod" { print $2 }' | sort -u)
for m in $mods; do
	rel=${m#"$kdir"}
	install -D -m 644 "$m" "$root$rel"
done
cp "$kdir/lib/modules/$kver"/modules.{builtin,builtin.modinfo,order} "$root/lib/modules/$kver/"

# Our module, installed the way users install it.
# (its output, including sign-file's complaint that Debian's signing key
# is not on this machine, is shown only if the install fails)
if ! make -s -C "$modtree" install KVER="$kver" INSTALL_MOD_PATH="$root" >"$root/install.log" 2>&1; then
	cat "$root/install.log" >&2
	exit 1
fi
rm "$root/install.log"

depmod -b "$root" "$kver"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
