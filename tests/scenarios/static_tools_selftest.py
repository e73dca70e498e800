# SPDX-License-Identifier: GPL-2.0
"""The traffic tools check themselves on the host, without a VM: verified
payloads over loopback, corruption detected, l2peer's ARP and framing."""
import os
import subprocess

from harness import config

KIND = "static"
TIMEOUT = 300


def run(t):
    proc = subprocess.run([os.path.join(config.TOP, "tests", "tools", "selftest.sh")],
                          capture_output=True, text=True, cwd=config.TOP,
                          env=dict(os.environ, O=config.TOOLS))
    out = proc.stdout + proc.stderr
    with open(os.path.join(t.logdir, "selftest.log"), "w") as f:
        f.write(out)
    fails = [line for line in out.splitlines() if line.startswith("FAIL")]
    passes = [line for line in out.splitlines() if line.startswith("PASS")]
    t.expect(proc.returncode == 0 and not fails and passes,
             f"tools selftest (exit {proc.returncode}):\n" + out[-4000:])
    t.note(f"{len(passes)} tool self-checks passed")
