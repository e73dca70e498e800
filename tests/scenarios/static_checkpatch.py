# SPDX-License-Identifier: GPL-2.0
"""Kernel-side sources are clean under the kernel's checkpatch.pl --strict."""
import os
import subprocess

from harness import config

KIND = "static"
TIMEOUT = 300


def run(t):
    proc = subprocess.run([os.path.join(config.TOP, "scripts", "checkpatch.sh")],
                          capture_output=True, text=True, cwd=config.TOP)
    out = (proc.stdout + proc.stderr).strip()
    t.expect(proc.returncode == 0 and not out, "checkpatch.pl --strict:\n" + out[-6000:])
