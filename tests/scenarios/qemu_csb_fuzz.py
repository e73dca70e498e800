# SPDX-License-Identifier: GPL-2.0
"""A short random campaign against the ASan+UBSan build of our QEMU
(build/qemu-asan), with a fresh seed on every run (printed, with the
command that replays it; CSB_FUZZ_SEED=N picks one): random CSB contents,
random CSB register writes, doorbells, ring registers, CTRL.RST, bus
mastering, link changes and frames from the wire; after every step QEMU
must answer, STATUS must be well-formed, and at the end no sanitizer report
may be in its log, QEMU must exit cleanly, and guest memory outside the
rings, buffers and CSB must be untouched (spec 8). At least MIN_ACTIVE
percent of the steps must find the CSB active, or the campaign mostly
fuzzed the plain e1000. `make fuzz` runs a long campaign."""
import os
import re
import sys

from harness import config

sys.path.insert(0, os.path.join(config.TOP, "tests", "qtest"))
import csbqtest_scenario as cq  # noqa: E402

TIMEOUT = 300
ITERATIONS = 20000
MIN_ACTIVE = 30.0   # percent of the steps; 51-67 % seen over 40 seeds


def pick_seed():
    seed = os.environ.get("CSB_FUZZ_SEED")
    if seed:
        return int(seed, 0)
    return int.from_bytes(os.urandom(4), "little")


def run(t):
    seed = pick_seed()
    # --csb auto: csb=on once our e1000 has the property, else the plain
    # device (still exercising the register range the CSB will use)
    args = ["--csb", "auto", "fuzz", "--seed", str(seed), "--iterations", str(ITERATIONS)]
    replay = (f"replay: {os.path.relpath(cq.BINARY, config.TOP)} --qemu "
              f"{os.path.relpath(cq.QEMU['asan'], config.TOP)} {' '.join(args)}"
              f"  (or CSB_FUZZ_SEED={seed} python3 tests/run.py -k qemu_csb_fuzz)")
    print(f"qemu_csb_fuzz: seed {seed}; {replay}", flush=True)
    t.note(f"seed {seed}; {replay}")
    rc, out, passes, fails, _ = cq.run(t, "asan", args, 240)
    summary = "\n".join(fails) or out[-3000:]
    t.expect(rc == 0 and not fails and passes,
             f"csb-qtest fuzz, seed {seed} (exit {rc}):\n{summary}\n{replay}\n"
             "(details in csb-qtest.log)")
    t.note(passes[0])
    if "no CSB capability" in out:
        t.note("the device has no CSB: no minimum share of steps with it active")
        return
    m = re.search(r"CSB active after \d+ steps \(([0-9.]+)%\)", passes[0])
    t.expect(m, f"no share of steps with the CSB active in: {passes[0]}")
    share = float(m.group(1))
    t.expect(share >= MIN_ACTIVE,
             f"seed {seed}: the CSB was active in {share:.1f}% of the steps, "
             f"fewer than {MIN_ACTIVE:.0f}%: the campaign fuzzed mostly the plain e1000\n"
             f"{replay}")
