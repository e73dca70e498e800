# SPDX-License-Identifier: GPL-2.0
"""Pieces of the driver that are pure functions, built and checked in
userspace (tests/unit/): the watchdog's two-strike check
(driver/e1000_csb_watch.h) never takes a ring that made progress for a
stuck one, on the default and the smallest ring, one and three
descriptors a frame, wherever the counts stand; and does take a stalled
one. Its earlier form (index ^ packet count in one word) failed 380,430
of the 19.7 million cases here: the false rescue of
csb_uniprocessor[6.12,2] (and most likely csb_soak's of session 9).
When the transmit queue wakes (driver/e1000_csb_txq.h): on every ring
size and for any MAX_SKB_FRAGS (16-45) a stopped queue can wake and a
woken one takes a worst-case skb; the earlier threshold (two worst-case
skbs, uncapped) failed 40 of the 58,038 cases of 17-45, the rings that
can never have that many descriptors free."""
import os
import subprocess

from harness import config

KIND = "static"
TIMEOUT = 300
UNITS = ["watch_test", "txq_test"]


def run(t):
    out_dir = os.path.join(config.BUILD, "unit")
    os.makedirs(out_dir, exist_ok=True)
    for unit in UNITS:
        src = os.path.join(config.TOP, "tests", "unit", unit + ".c")
        exe = os.path.join(out_dir, unit)
        cc = subprocess.run(["gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror",
                             "-o", exe, src], capture_output=True, text=True)
        t.expect(cc.returncode == 0, f"{unit}: does not build:\n{cc.stderr[-4000:]}")
        if cc.returncode:
            continue
        proc = subprocess.run([exe], capture_output=True, text=True)
        last = proc.stdout.strip().splitlines()[-1:] or ["(no output)"]
        t.note(f"{unit}: {last[0]}")
        t.expect(proc.returncode == 0 and last[0].startswith("PASS"),
                 f"{unit} (exit {proc.returncode}):\n{proc.stdout[-4000:]}{proc.stderr[-2000:]}")
