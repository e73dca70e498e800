# SPDX-License-Identifier: GPL-2.0
"""Device level, no guest OS: every csb-qtest test against our e1000 with
csb=on, on the normal and on the ASan+UBSan build. Capability and register
block (spec 1-2); negotiation, each refusal code and their order, BUSY,
disable, resets, bus mastering (spec 4); TX and RX through the CSB only,
with kicks exactly when tx_kick/rx_kick ask for them and the host worker's
poll budget (spec 5, 6, 9); interrupts only on request and the icr/status
mirrors (spec 7); bad tails and heads, garbage requests, reserved fields,
toggles, odd kicks and ring registers (spec 8); migration (spec 10); and
on Q35 behind an Intel VT-d that the test programs itself, the CSB, rings
and buffers at IOVAs, refusals and faults for IOVAs VT-d denies, unmaps,
remaps and translation switched under an active CSB (spec 2, 8)."""
import os
import sys

from harness import config

sys.path.insert(0, os.path.join(config.TOP, "tests", "qtest"))
import csbqtest_scenario as cq  # noqa: E402

MATRIX = {"qemu": ["build", "asan"]}
TIMEOUT = 900


def run(t):
    cq.expect_pass(t, t.qemu, ["--csb", "on"], 840)
