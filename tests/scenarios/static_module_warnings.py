# SPDX-License-Identifier: GPL-2.0
"""The module builds without a single warning at W=1 and under sparse
(C=1), against each supported guest kernel's headers."""
import os
import shutil
import subprocess

from harness import KERNELS, config

KIND = "static"
MATRIX = {"kernel": KERNELS}
TIMEOUT = 600


def run(t):
    # A private copy, so that this full rebuild disturbs no other build.
    tree = os.path.join(config.BUILD, "static", t.kernel)
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    for item in ("Kbuild", "dkms.conf", "driver", "include"):
        src = os.path.join(config.TOP, item)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(tree, item),
                            ignore=shutil.ignore_patterns("*.o", "*.ko", ".*.cmd", "*.mod*"))
        elif os.path.exists(src):
            shutil.copy(src, tree)
    proc = subprocess.run(["make", "-C", f"/lib/modules/{t.kernel}/build", f"M={tree}",
                           "W=1", "C=1", "modules"], capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    with open(os.path.join(t.logdir, "build.log"), "w") as f:
        f.write(out)
    t.expect(proc.returncode == 0, "build failed:\n" + out[-4000:])
    warnings = [line for line in out.splitlines()
                if "warning:" in line or "error:" in line]
    t.expect(not warnings, "W=1 / sparse warnings:\n" + "\n".join(warnings[:60]))
    t.expect(os.path.exists(os.path.join(tree, "driver", "e1000_csb.ko")), "no e1000_csb.ko")
