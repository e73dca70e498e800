# SPDX-License-Identifier: GPL-2.0
"""Twenty seconds of the two-vCPU race (tests/harness/smprace.py): two
-smp 2 guests in CSB mode, NAPI pinned to CPU 0, a sender and a receiver
on each CPU, four verified streams, every datagram intact and once. Five
minutes of it is `csb_smp_stress` in `make soak`."""
from harness import KERNELS
from harness import smprace

SLOTS = 2
MATRIX = {"kernel": KERNELS}
TIMEOUT = 400
SECONDS = 20


def run(t):
    smprace.run(t, SECONDS)
