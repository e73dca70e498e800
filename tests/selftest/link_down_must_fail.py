# SPDX-License-Identifier: GPL-2.0
"""MUST FAIL: the guest's link is set down from the QEMU monitor before it
sends, so the host receives nothing and verify_udp() must say so.
Run by scenarios/harness_reports_missing_traffic.py, never directly."""
from harness.traffic import guest_to_host


def run(t):
    link = t.link()
    g = t.guest(link.a, nic="e1000", driver="e1000")
    g.monitor("set_link nic0 off")
    g.sh(f"wait_for 10 grep -qx 0 /sys/class/net/{link.a.ifname}/carrier")
    guest_to_host(t, g, link.a, count=1000, size=60)
