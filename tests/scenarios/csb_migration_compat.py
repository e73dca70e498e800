# SPDX-License-Identifier: GPL-2.0
"""Live migration between our QEMU and QEMUs without the CSB extension,
under verified traffic both ways with a second guest (UDP each way, every
datagram checked; TCP downloads in a loop, each MD5 compared, every wget
must succeed), guest a running e1000_csb in plain mode:

- pair=build-vanilla: our QEMU with csb=off (the e1000 an unmodified QEMU
  shows) and build/qemu-vanilla (the same QEMU 10.0 source and options
  without our code, `make qemu-vanilla`), MIGRATIONS times alternately,
  so half of them each way: build -> vanilla -> build -> ...
- pair=stock-build: forward from Debian 12's stock QEMU 7.2 with machine
  pc-i440fx-7.2 into our QEMU (csb=off), then on between two of ours on
  that machine.
- pair=csb-on-vanilla: a device with csb=on (the CSB capability in its
  config space) cannot go to a host without the extension. Migration to
  the vanilla QEMU fails cleanly, with the CSB inactive and active: the
  destination exits with an error that names the property (the section
  "e1000,csb=on" our device adds to the stream, qemu-csb/README.md), the
  source goes on running the guest (`cont`), in the mode it was in; then
  a migration to our QEMU with csb=on succeeds.

Throughout: a stays in the mode it was in (no mode switch, fallback or
rescue; ethtool -S csb_active), our QEMU's qom-get csb-active agrees, the
kernel logs stay clean. Losses as in csb_migration: a->b none, b->a at
most one datagram per migration (a frame the stopped source's dgram
backend already read is not part of the migration stream)."""
import re
import time

from harness import config
from harness.bothways import BothWays
from harness.modes import expect_mode_kept

SLOTS = 2
MATRIX = {"pair": ["build-vanilla", "stock-build", "csb-on-vanilla"]}
TIMEOUT = 900
MIGRATIONS = 6      # build-vanilla: three each way
RATE = 500          # datagrams per second each way
SETTLE = 3          # seconds of traffic after each migration
MIN_SENT = 2000     # datagrams each way at least (TCG on a busy host sends slower)

# What a destination without the extension prints (QEMU's savevm.c): the
# section is the device's path and "e1000,csb=on".
REFUSAL = re.compile(r"Unknown savevm section or instance '[^']*/e1000,csb=on' 0\. "
                     r"Make sure that your current VM setup matches your saved VM setup, "
                     r"including any hotplugged devices")


def refused(t, a, what):
    """a.migrate_refused() to the vanilla QEMU: its error names csb."""
    out = a.migrate_refused("vanilla")
    m = REFUSAL.search(out)
    t.expect(m, f"{what}: the vanilla destination's output does not name csb:\n{out[-2000:]}")
    t.note(f"{what}: the destination said: {m.group(0)}")
    time.sleep(SETTLE)


def run(t):
    pair = t.pair
    start = {"build-vanilla": "build", "stock-build": "stock",
             "csb-on-vanilla": "build"}[pair]
    machine = "pc-7.2" if pair == "stock-build" else "pc"
    csb = pair == "csb-on-vanilla"
    link = t.link()
    a = t.guest(link.a, nic="e1000", qemu=start, driver="e1000_csb", name="a",
                machine=machine, migratable=True, csb=csb)
    b = t.guest(link.b, nic="e1000", qemu="build", driver="e1000_csb", name="b")
    if start in config.CSB_QEMUS:
        t.expect(a.host_csb_active() is False, "csb-active true before the guest asked")
    before = a.ethtool_stats()
    traffic = BothWays(t, a, b, link.a.ip, link.b.ip, rate=RATE, fifo=True)
    traffic.prepare()
    traffic.start()
    if pair == "build-vanilla":
        route = ["vanilla", "build"] * (MIGRATIONS // 2)
    elif pair == "stock-build":
        route = ["build", "build", "build"]
    else:
        route = []
    for i, dest in enumerate(route):
        source = a.qemu
        info = a.migrate(qemu=dest)
        t.note(f"migration {i + 1}: {source} -> {dest}, downtime {info.get('downtime')} ms")
        expect_mode_kept(t, a, before, False, f"after migration {i + 1} ({source} -> {dest})")
        time.sleep(SETTLE)  # traffic on each host, not only across the moves
    migrations = len(route)
    if pair == "csb-on-vanilla":
        refused(t, a, "csb=on, CSB inactive")
        expect_mode_kept(t, a, before, False, "after the refused migration (CSB inactive)")
        a.set_csb(True)
        t.expect(a.host_csb_active() is True, "qom-get csb-active false in CSB mode")
        before = a.ethtool_stats()
        refused(t, a, "csb=on, CSB active")
        expect_mode_kept(t, a, before, True, "after the refused migration (CSB active)")
        a.migrate()
        expect_mode_kept(t, a, before, True, "after a migration to our QEMU with csb=on")
        time.sleep(SETTLE)
        migrations = 3  # two attempts and one migration
    sent = traffic.stop()
    traffic.check_udp(sent, min_sent=MIN_SENT, max_lost={"b": 0, "a": migrations})
    for g in (a, b):
        problems = g.dmesg_problems()
        t.expect(not problems, f"{g.name} kernel log:\n" + "\n".join(problems))
