# SPDX-License-Identifier: GPL-2.0
"""What the qemu_csb_* scenarios share: run build/qtest/csb-qtest (made by
`make qtest`) against one QEMU, keep its output in the instance's log
directory, and judge it by its PASS/FAIL/SKIP lines and exit status."""
import os
import subprocess

from harness import config

BINARY = os.path.join(config.BUILD, "qtest", "csb-qtest")
QEMU = {
    "stock": config.QEMU_BINARIES["stock"],
    "build": config.QEMU_BINARIES["build"],
    "asan": os.path.join(config.BUILD, "qemu-asan", "qemu-system-x86_64"),
}
HOW_TO_BUILD = {"stock": "make deps", "build": "make qemu", "asan": "make qemu-asan"}


def has_device_property(qemu, prop, model="e1000"):
    """Does this QEMU's MODEL have property PROP (e.g. csb)?"""
    out = subprocess.run([qemu, "-nodefaults", "-device", f"{model},help"],
                         capture_output=True, text=True, timeout=120).stdout
    return f"  {prop}=" in out


def run(t, qemu_name, args, timeout, log_name="csb-qtest.log"):
    """Run csb-qtest ARGS against QEMU qemu_name; returns (exit status,
    output, PASS lines, FAIL lines, SKIP lines)."""
    qemu = QEMU[qemu_name]
    t.expect(os.access(BINARY, os.X_OK), f"{BINARY} missing: run 'make qtest'")
    t.expect(os.access(qemu, os.X_OK), f"{qemu} missing: run '{HOW_TO_BUILD[qemu_name]}'")
    argv = [BINARY, "--qemu", qemu, "--logdir", t.logdir] + list(args)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        out += f"\n(killed after {timeout} s)\n"
    with open(os.path.join(t.logdir, log_name), "w") as f:
        f.write("$ " + " ".join(argv) + "\n" + out)
    lines = out.splitlines()
    passes = [line for line in lines if line.startswith("PASS ")]
    fails = [line for line in lines if line.startswith("FAIL ")]
    skips = [line for line in lines if line.startswith("SKIP ")]
    return proc.returncode, out, passes, fails, skips


def expect_pass(t, qemu_name, args, timeout, allow_skips=False, log_name="csb-qtest.log"):
    """Run csb-qtest and require every test to pass (and, unless
    allow_skips, none to be skipped)."""
    rc, out, passes, fails, skips = run(t, qemu_name, args, timeout, log_name)
    summary = "\n".join(fails) or out[-3000:]
    t.expect(rc == 0 and not fails and passes,
             f"csb-qtest {' '.join(args)} on {qemu_name} (exit {rc}):\n{summary}\n"
             f"(details in {log_name})")
    t.expect(allow_skips or not skips, "unexpected skips:\n" + "\n".join(skips))
    t.note(f"{qemu_name}: {len(passes)} passed, {len(skips)} skipped "
           f"({' '.join(p.split()[1] for p in passes)})")
    return passes, skips
