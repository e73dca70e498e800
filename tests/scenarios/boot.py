# SPDX-License-Identifier: GPL-2.0
"""Each guest kernel boots on Debian's stock QEMU and on ours, and sees
the e1000 NIC (82540EM, 8086:100e) on its PCI bus."""
from harness import KERNELS, QEMUS

MATRIX = {"kernel": KERNELS, "qemu": QEMUS}
TIMEOUT = 180


def run(t):
    link = t.link()
    g = t.guest(link.a, nic="e1000")
    release = g.sh("uname -r").strip()
    t.expect(release == t.kernel, f"guest runs {release}, expected {t.kernel}")
    ids = g.sh("for d in /sys/bus/pci/devices/*; do echo $(cat $d/vendor):$(cat $d/device); done")
    t.expect("0x8086:0x100e" in ids.split(), f"no 8086:100e on the PCI bus:\n{ids}")
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
