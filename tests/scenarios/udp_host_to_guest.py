# SPDX-License-Identifier: GPL-2.0
"""1,000 UDP datagrams from a host program to a guest (in-kernel e1000
driver); the guest verifies every payload."""
from harness import KERNELS, QEMUS
from harness.traffic import host_to_guest

MATRIX = {"kernel": KERNELS, "qemu": QEMUS}


def run(t):
    link = t.link()
    g = t.guest(link.a, nic="e1000", driver="e1000")
    res = host_to_guest(t, g, link.a, count=1000, size=60)
    t.note(f"guest verified {res['valid']} datagrams")
