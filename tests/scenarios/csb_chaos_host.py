# SPDX-License-Identifier: GPL-2.0
"""A misbehaving host (tests/harness/chaos.py: our QEMU's test hook
x-csb-chaos writes random kick requests and DD bits while the CSB is
active), two rounds: each must end in a fallback to plain mode with the
host's reason logged, then verified traffic both ways in plain mode, no
crash, no warning. CSB_CHAOS_ROUNDS=N runs N rounds. Ten minutes of it
is `csb_chaos_soak` in `make soak`.

(Until the driver bounded receive cleaning by rx_head, spec section 7,
this was `make soak` only: now and then a guest stopped answering or
logged "Bad swap file entry", the guest memory corruption that
`csb_early_dd` reproduces at will.)"""
import os

from harness import KERNELS
from harness import chaos

MATRIX = {"kernel": KERNELS}
TIMEOUT = 600
ROUNDS = int(os.environ.get("CSB_CHAOS_ROUNDS", "2"))


def run(t):
    chaos.run(t, TIMEOUT, rounds=ROUNDS)
