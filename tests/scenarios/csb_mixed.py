# SPDX-License-Identifier: GPL-2.0
"""Two minutes of the mixed workload (tests/harness/mixed.py): two guests
in CSB mode with verified TCP and UDP both ways while the csb flag
toggles, rings resize, the MTU and interrupt throttling change and the
link flaps, at random. The same for 30 minutes is `csb_soak` in
`make soak`, on both kernels; here only on bookworm's own (6.1), to keep
`make check` within CI's hour: each instance holds both -j slots for
nearly 3 minutes."""
from harness import KERNELS
from harness import mixed

SLOTS = 2
MATRIX = {"kernel": KERNELS[:1]}
TIMEOUT = 600
SECONDS = 120


def run(t):
    link = t.link()
    a = t.guest(link.a, nic="e1000", qemu="build", driver="e1000_csb", name="a")
    b = t.guest(link.b, nic="e1000", qemu="build", driver="e1000_csb", name="b")
    mixed.run(t, a, b, link, SECONDS)
