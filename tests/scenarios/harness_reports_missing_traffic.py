# SPDX-License-Identifier: GPL-2.0
"""Negative test of the harness itself: run selftest/link_down_must_fail.py
(traffic that cannot arrive, link set down from the QEMU monitor) through
the runner and check that the runner reports it as a failure, says why,
keeps the guest's console log, and leaves no QEMU behind."""
import os
import subprocess
import sys

from harness import config

TIMEOUT = 400


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def run(t):
    selftest = os.path.join(config.TOP, "tests", "selftest", "link_down_must_fail.py")
    proc = subprocess.run([sys.executable, os.path.join(config.TOP, "tests", "run.py"),
                           selftest], capture_output=True, text=True, timeout=360)
    out = proc.stdout
    with open(os.path.join(t.logdir, "inner-run.txt"), "w") as f:
        f.write(out + proc.stderr)
    t.expect(proc.returncode == 1, f"runner exit status {proc.returncode}, expected 1:\n{out}")
    t.expect("0 passed, 1 failed" in out.splitlines()[-1:], f"wrong summary:\n{out}")
    t.expect("FAIL link_down_must_fail" in out, f"no FAIL line:\n{out}")
    t.expect("valid=0 expected 1000" in out, f"failure does not name the missing traffic:\n{out}")
    logdir = os.path.join(config.LOGS, "link_down_must_fail")
    t.expect(os.path.getsize(os.path.join(logdir, "guest0-console.log")) > 0,
             "console log of the failed run was not kept")
    pids = [int(p) for p in open(os.path.join(logdir, "pids"))]
    t.expect(pids, "the failed run recorded no pids")
    leaked = [p for p in pids if alive(p)]
    t.expect(not leaked, f"processes left behind: {leaked}")
