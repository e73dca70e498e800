# SPDX-License-Identifier: GPL-2.0
"""Live migration of a running guest between two build/qemu processes on
127.0.0.1 (`migrate tcp:127.0.0.1:PORT`), MIGRATIONS times back and forth,
under verified traffic both ways with a second guest: paced UDP (every
datagram checked, a->b and b->a) and TCP (8 MiB downloads in a loop in
both directions, each one's MD5 compared with what was served, every
wget must succeed: the connections survive the migrations).

With csb=on guest a is in CSB mode before the first migration and must be
in it after every one without doing anything: the driver reports it active
with no mode switch, fallback or rescue, and each destination QEMU runs
the CSB for it (its csb-active property says so, and its CSB TX thread
runs batches while a sends). With csb=off the NIC stays in plain mode
throughout, on the hosts too. With csb=on one more migration happens while a toggles
the flag in a loop: every switch is counted and the interface ends in CSB
mode, active on the host.

Losses: a->b none (both guests send through a FIFO, not fq_codel, whose
drops of packets that waited too long are policy, not loss: see
harness.bothways; once in CI a->b lost 1 of 18,596 with fq_codel). b->a
at most one datagram per migration: when the source stops, its dgram
backend may already have read one frame into the stopped NIC's receive
queue, which is not part of the migration stream (QEMU's net queues are
not migrated); every other frame waits in the shared socket for the
destination (see harness NIC.shared_socket)."""
import time

from harness import KERNELS
from harness.bothways import BothWays
from harness.modes import expect_mode_kept

SLOTS = 2
MATRIX = {"kernel": KERNELS, "csb": ["on", "off"]}


def EXCLUDE(params):
    """Plain mode once (on the newest kernel): the driver has no migration
    code of its own there, the device is QEMU's e1000 as is."""
    return params["csb"] == "off" and params["kernel"] != KERNELS[-1]


TIMEOUT = 900
MIGRATIONS = 20
RATE = 500          # datagrams per second each way


def host_csb_batches(a):
    """TX batches the destination's CSB TX thread ran (CSB mode only)."""
    return a.host_counters(names=("x-stat-csb-tx-batches",))["x-stat-csb-tx-batches"]


def expect_host_csb(t, a, what):
    """a sends all the time: the host's CSB TX thread must be doing it
    (its counters start at zero in each destination)."""
    for _ in range(10):
        if host_csb_batches(a) > 0:
            return
        time.sleep(0.2)
    t.expect(False, f"{what}: the destination QEMU's CSB TX thread ran no batch "
             f"while a was sending: CSB not active on the host")


def toggle_across_migration(t, a):
    """One migration while a switches the flag 20 times in a loop."""
    ifn = a.nics[0].ifname
    before = a.ethtool_stats()
    a.sh(f"""bg_start toggle sh -c '
for i in $(seq 20); do
    ethtool --set-priv-flags {ifn} csb off && ethtool --set-priv-flags {ifn} csb on || exit 1
done'""")
    time.sleep(0.5)
    a.migrate()
    a.sh("bg_wait toggle 300", timeout=310)
    after = a.ethtool_stats()
    switches = after["csb_mode_switches"] - before["csb_mode_switches"]
    t.expect(switches == 40, f"toggle across a migration: {switches} mode switches, not 40")
    t.expect(after["csb_active"] == 1 and after["csb_fallbacks"] == before["csb_fallbacks"],
             f"after toggling across a migration: {after}")
    first = host_csb_batches(a)
    a.sh("sleep 0.5")
    t.expect(host_csb_batches(a) > first, "after toggling across a migration the "
             "destination's CSB TX thread runs no batch while a sends")


def run(t):
    csb_on = t.csb == "on"
    link = t.link()
    a = t.guest(link.a, nic="e1000", qemu="build", driver="e1000_csb", name="a",
                migratable=True)
    b = t.guest(link.b, nic="e1000", qemu="build", driver="e1000_csb", name="b")
    a.set_csb(csb_on)
    before = a.ethtool_stats()
    traffic = BothWays(t, a, b, link.a.ip, link.b.ip, rate=RATE, fifo=True)
    traffic.prepare()
    traffic.start()
    downtimes = []
    for i in range(MIGRATIONS):
        info = a.migrate()
        downtimes.append(info.get("downtime", 0))
        expect_mode_kept(t, a, before, csb_on, f"after migration {i + 1}")
        if csb_on:
            expect_host_csb(t, a, f"after migration {i + 1}")
    migrations = MIGRATIONS
    if csb_on:
        toggle_across_migration(t, a)
        migrations += 1
    t.note(f"{migrations} migrations, downtime {min(downtimes)}-{max(downtimes)} ms")
    sent = traffic.stop()
    traffic.check_udp(sent, min_sent=RATE * 10, max_lost={"b": 0, "a": migrations})
    for g in (a, b):
        problems = g.dmesg_problems()
        t.expect(not problems, f"{g.name} kernel log:\n" + "\n".join(problems))
