# SPDX-License-Identifier: GPL-2.0
"""Our C sources are clean under the kernel's checkpatch.pl --strict: the
kernel side (driver/, include/; CamelCase only in the names the kernel's
ethtool headers declare, which checkpatch cannot learn outside a kernel
tree, as scripts/checkpatch.sh explains) and the userspace test programs
(tests/tools/, tests/qtest/), for which the kernel-only rules are ignored
(scripts/checkpatch.sh --userspace says which and why)."""
import os
import subprocess

from harness import config

KIND = "static"
MATRIX = {"sources": ["kernel", "userspace"]}
TIMEOUT = 300


def run(t):
    cmd = [os.path.join(config.TOP, "scripts", "checkpatch.sh")]
    if t.sources == "userspace":
        cmd.append("--userspace")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=config.TOP)
    out = (proc.stdout + proc.stderr).strip()
    t.expect(proc.returncode == 0 and not out,
             f"checkpatch.pl --strict ({t.sources}):\n" + out[-6000:])
