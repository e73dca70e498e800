# SPDX-License-Identifier: GPL-2.0
"""e1000_csb across system suspend to RAM (S3): the guest suspends with the
interface up, the QEMU monitor wakes it, and the driver's resume brings
the device back (QEMU resets the NIC on wake-up) with link and verified
UDP traffic in both directions.

Kept apart from driver_lifecycle.py and short after the wake-up: the
agent's serial port has been seen to lose a command line now and then
after an S3 resume (the guest sat idle waiting for input)."""
import time

from harness import KERNELS
from harness.traffic import guest_to_host, host_to_guest

MATRIX = {"kernel": KERNELS}
TIMEOUT = 300


def run(t):
    link = t.link()
    g = t.guest(link.a, nic="e1000", qemu="stock", driver="e1000_csb")
    ifn = g.nics[0].ifname
    host_to_guest(t, g, link.a, count=200, size=600)

    g.sh("rm -f /tmp/resumed; (sleep 1; echo mem > /sys/power/state; "
         "echo $? > /tmp/resumed) >/dev/null 2>&1 &")
    time.sleep(5)
    status = g.monitor("info status")
    t.expect("suspended" in status, f"guest did not suspend: {status}")
    g.monitor("system_wakeup")
    time.sleep(5)  # input sent to the agent's UART while it resumes is lost
    g.sh(f"wait_for 30 test -e /tmp/resumed && grep -qx 0 /tmp/resumed && "
         f"wait_for 10 grep -qx 1 /sys/class/net/{ifn}/carrier && sleep 1.5", timeout=60)
    host_to_guest(t, g, link.a, count=300, size=600)
    guest_to_host(t, g, link.a, count=300, size=600)
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
