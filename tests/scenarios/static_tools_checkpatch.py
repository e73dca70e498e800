# SPDX-License-Identifier: GPL-2.0
"""Userspace C test programs (tests/tools/, tests/qtest/) are clean under the
kernel's checkpatch.pl --strict, kernel-only rules ignored
(scripts/checkpatch.sh --userspace says which and why)."""
import os
import subprocess

from harness import config

KIND = "static"
TIMEOUT = 300


def run(t):
    proc = subprocess.run([os.path.join(config.TOP, "scripts", "checkpatch.sh"), "--userspace"],
                          capture_output=True, text=True, cwd=config.TOP)
    out = (proc.stdout + proc.stderr).strip()
    t.expect(proc.returncode == 0 and not out,
             "checkpatch.pl --strict (userspace):\n" + out[-6000:])
