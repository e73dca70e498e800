# SPDX-License-Identifier: GPL-2.0
"""Five minutes of the two-vCPU race (tests/harness/smprace.py): two
-smp 2 guests in CSB mode, NAPI pinned to CPU 0, a sender and a receiver
on each CPU, four verified streams. The same for 20 seconds is
`csb_smp_race` in `make check`."""
from harness import KERNELS
from harness import smprace

KIND = "soak"
SLOTS = 2
MATRIX = {"kernel": KERNELS}
TIMEOUT = 900
SECONDS = 300


def run(t):
    smprace.run(t, SECONDS)
