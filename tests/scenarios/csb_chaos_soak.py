# SPDX-License-Identifier: GPL-2.0
"""`csb_chaos_host` (tests/harness/chaos.py: a misbehaving host, played by
our QEMU's test hook x-csb-chaos) round after round for ten minutes
(CSB_CHAOS_MINUTES=N for another length): every round must end in a
fallback with the host's reason logged, then verified traffic both ways
in plain mode, no crash, no warning. `make soak`."""
import os

from harness import KERNELS
from harness import chaos

KIND = "soak"
MATRIX = {"kernel": KERNELS}
MINUTES = int(os.environ.get("CSB_CHAOS_MINUTES", "10"))
TIMEOUT = MINUTES * 60 + 600


def run(t):
    chaos.run(t, TIMEOUT, seconds=MINUTES * 60)
