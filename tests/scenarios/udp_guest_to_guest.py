# SPDX-License-Identifier: GPL-2.0
"""Two guests (in-kernel e1000 driver) linked to each other: 1,000 UDP
datagrams each way, every payload verified by the receiving guest."""
from harness import KERNELS, QEMUS
from harness.traffic import guest_to_guest

SLOTS = 2  # two guests
MATRIX = {"kernel": KERNELS, "qemu": QEMUS}


def run(t):
    link = t.link()
    a = t.guest(link.a, nic="e1000", driver="e1000", name="a")
    b = t.guest(link.b, nic="e1000", driver="e1000", name="b")
    guest_to_guest(t, a, b, link.b.ip, count=1000, size=60)
    guest_to_guest(t, b, a, link.a.ip, count=1000, size=60)
