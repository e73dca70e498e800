# SPDX-License-Identifier: GPL-2.0
"""The mixed workload of csb_mixed (tests/harness/mixed.py) for 30
minutes (CSB_SOAK_MINUTES=N for another length): two guests in CSB mode,
verified TCP and UDP both ways, random flag toggles, ring resizes, MTU
and interrupt throttling changes, link flaps. `make soak`."""
import os

from harness import KERNELS
from harness import mixed

KIND = "soak"
SLOTS = 2
MATRIX = {"kernel": KERNELS}
MINUTES = int(os.environ.get("CSB_SOAK_MINUTES", "30"))
TIMEOUT = MINUTES * 60 + 900


def run(t):
    link = t.link()
    a = t.guest(link.a, nic="e1000", qemu="build", driver="e1000_csb", name="a")
    b = t.guest(link.b, nic="e1000", qemu="build", driver="e1000_csb", name="b")
    mixed.run(t, a, b, link, MINUTES * 60)
