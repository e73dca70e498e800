# SPDX-License-Identifier: GPL-2.0
"""Where things are: repository, build outputs, QEMU binaries, kernels."""
import os
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(TOP, "build")
LOGS = os.path.join(BUILD, "test-logs")
TOOLS = os.path.join(BUILD, "tools")

# "stock" is Debian's unmodified QEMU (an ordinary host without the CSB
# extension, 7.2 on Debian 12); "build" is ours, from `make qemu`;
# "vanilla" is the same QEMU 10.0 source and options without our code
# (`make qemu-vanilla`), for migration to and from an unmodified host.
QEMU_BINARIES = {
    "stock": "/usr/bin/qemu-system-x86_64",
    "build": os.path.join(BUILD, "qemu", "qemu-system-x86_64"),
    "vanilla": os.path.join(BUILD, "qemu-vanilla", "qemu-system-x86_64"),
}
QEMUS = ["stock", "build"]

# The QEMUs with our extension, whose e1000 has the `csb` property (off by
# default: the guest sees the stock e1000 unless csb=on).
CSB_QEMUS = {"build"}


def _kernels():
    out = subprocess.run([os.path.join(TOP, "scripts", "guest-kernels.sh"), "list"],
                         capture_output=True, text=True, check=False).stdout
    return out.split()


KERNELS = _kernels()
DEFAULT_KERNEL = KERNELS[0] if KERNELS else None


def short_kernel(kver):
    """'6.1.0-56-amd64' -> '6.1', '6.12.95+deb12-amd64' -> '6.12'."""
    return ".".join(kver.split(".")[:2])


def kernel_image(kver):
    return os.path.join(BUILD, "guest", kver, "vmlinuz")


def initramfs(kver):
    return os.path.join(BUILD, "guest", kver, "initramfs.gz")


# Machines a guest can run on: QEMU arguments (before any NIC) and what
# the guest kernel's command line needs. "q35-iommu" puts every PCI device
# behind an emulated Intel VT-d and has the kernel translate their DMA
# (intel_iommu=on): the NIC's DMA addresses are then IOVAs, not guest-
# physical addresses. With interrupt remapping, a kernel whose boot-time
# check of the timer interrupt fails panics ("timer doesn't work through
# Interrupt-remapped IO-APIC") instead of falling back; under TCG on a
# busy host the check's delay loop can run out before the tick comes
# (seen once in a full run), so these guests skip it (no_timer_check).
MACHINES = {
    "pc": {"args": ["-M", "pc"], "append": ""},
    "q35": {"args": ["-M", "q35"], "append": ""},
    # Debian 12's QEMU 7.2 machine, for migration from its stock QEMU;
    # without the HPET and vmport/vmmouse, which our minimal build lacks.
    "pc-7.2": {"args": ["-M", "pc-i440fx-7.2,hpet=off,vmport=off"], "append": ""},
    "q35-iommu": {"args": ["-M", "q35", "-device", "intel-iommu"],
                  "append": "intel_iommu=on no_timer_check"},
}


# NIC models QEMU offers and the PCI device ids they show the guest.
NIC_MODELS = {
    "e1000": "8086:100e",          # 82540EM
    "e1000-82545em": "8086:100f",  # 82545EM
    "e1000-82544gc": "8086:100c",  # 82544GC
    "virtio-net-pci": "1af4:1000",
}


# QEMU's dgram netdev socket gets the host's default receive buffer
# (net.core.rmem_default, usually 208 KiB: only ~270 small datagrams once
# the kernel's per-datagram overhead is counted). A guest that is slow for
# a moment (TCG on a loaded host) would then lose frames before its NIC
# ever saw them, and a test counting verified datagrams would fail for a
# reason that has nothing to do with the code under test. The harness
# raises the default, never lowers it.
SOCKET_RCVBUF = 8 << 20


def ensure_socket_buffers():
    path = "/proc/sys/net/core/rmem_default"
    try:
        with open(path) as f:
            current = int(f.read())
        if current < SOCKET_RCVBUF:
            with open(path, "w") as f:
                f.write(str(SOCKET_RCVBUF))
    except (OSError, ValueError):
        pass  # not root: tests may lose datagrams on a loaded host


# -smp for guests: one vCPU, but room for a second (maxcpus=2) keeps TCG in
# its parallel mode, where every guest barrier, lock-prefixed instructions
# included, is a host barrier. With a plain "-smp 1" TCG translates
# lock-prefixed instructions without one (scenarios/csb_uniprocessor.py).
DEFAULT_SMP = "1,maxcpus=2"
