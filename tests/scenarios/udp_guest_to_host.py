# SPDX-License-Identifier: GPL-2.0
"""1,000 UDP datagrams from a guest (in-kernel e1000 driver) to a host
program on the other end of the wire; the host verifies every payload."""
from harness import KERNELS, QEMUS
from harness.traffic import guest_to_host

MATRIX = {"kernel": KERNELS, "qemu": QEMUS}


def run(t):
    link = t.link()
    g = t.guest(link.a, nic="e1000", driver="e1000")
    res = guest_to_host(t, g, link.a, count=1000, size=60)
    t.note(f"host verified {res['valid']} datagrams")
