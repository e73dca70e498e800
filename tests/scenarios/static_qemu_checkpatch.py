# SPDX-License-Identifier: GPL-2.0
"""qemu-csb/ (our QEMU source files and patches) is clean under QEMU's
own scripts/checkpatch.pl."""
import os
import subprocess

from harness import config

KIND = "static"
TIMEOUT = 300


def run(t):
    proc = subprocess.run([os.path.join(config.TOP, "scripts", "qemu-checkpatch.sh")],
                          capture_output=True, text=True, cwd=config.TOP)
    out = (proc.stdout + proc.stderr).strip()
    t.expect(proc.returncode == 0, "QEMU checkpatch.pl:\n" + out[-6000:])
