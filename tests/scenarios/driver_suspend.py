# SPDX-License-Identifier: GPL-2.0
"""e1000_csb across system suspend to RAM (S3): the guest suspends with the
interface up, the QEMU monitor wakes it, and the driver's resume brings
the device back (QEMU resets the NIC on wake-up) with link and verified
UDP traffic in both directions.

Kept apart from driver_lifecycle.py and short after the wake-up: the
agent's serial port has been seen to lose a command line now and then
after an S3 resume (the guest sat idle waiting for input).

With csb=on, on our QEMU in CSB mode: the mode is still on after the
resume (ethtool -S csb_active), with traffic both ways."""
from harness import KERNELS
from harness.traffic import guest_to_host, host_to_guest

MATRIX = {"kernel": KERNELS, "csb": ["off", "on"]}
TIMEOUT = 300


def run(t):
    link = t.link()
    csb = t.csb == "on"
    g = t.guest(link.a, nic="e1000", qemu="build" if csb else "stock")
    ifn = g.bring_up("e1000_csb", params="csb=1" if csb else "")
    host_to_guest(t, g, link.a, count=200, size=600)

    g.suspend_resume(ifn)
    host_to_guest(t, g, link.a, count=300, size=600)
    guest_to_host(t, g, link.a, count=300, size=600)
    if csb:
        stats = g.ethtool_stats(ifn)
        t.expect(stats["csb_active"] == 1, "CSB mode lost across suspend and resume")
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
