# SPDX-License-Identifier: GPL-2.0
"""A short, seeded (so reproducible) random campaign against the
ASan+UBSan build of our QEMU (build/qemu-asan): random CSB contents,
random CSB register writes, doorbells, ring registers, CTRL.RST, bus
mastering, link changes and frames from the wire; after every step QEMU
must answer, STATUS must be well-formed, and at the end no sanitizer report
may be in its log, QEMU must exit cleanly, and guest memory outside the
rings, buffers and CSB must be untouched (spec 8). `make fuzz` runs a long
campaign with a fresh seed."""
import os
import sys

from harness import config

sys.path.insert(0, os.path.join(config.TOP, "tests", "qtest"))
import csbqtest_scenario as cq  # noqa: E402

TIMEOUT = 300
SEED = 1
ITERATIONS = 20000


def run(t):
    # --csb auto: csb=on once our e1000 has the property, else the plain
    # device (still exercising the register range the CSB will use)
    passes, _ = cq.expect_pass(t, "asan", ["--csb", "auto", "fuzz", "--seed", str(SEED),
                                           "--iterations", str(ITERATIONS)], 240)
    t.note(passes[0])
