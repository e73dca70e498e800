# SPDX-License-Identifier: GPL-2.0
"""The csb private flag toggled 100 times (200 mode switches) on guest a
while verified UDP traffic runs both ways between it and guest b (plain
mode) until the toggling ends: the driver keeps descriptors in flight
across a switch, so every datagram the senders sent must arrive, intact
and once (valid == sent), from senders that ran the whole time (no
ending but the SIGTERM sent after the toggling, at least MIN_SENT
datagrams). The mode switch counter must account for every switch, the
host's own count of CSB enables (x-stat-csb-enables) must equal the enables asked for,
the interface must end in the mode last asked for, and the kernel log
must stay clean.

With vcpus=2 both guests have two vCPUs (-smp 2): interrupts, NAPI, the
TX reclaim timer and the transmit path can run on different CPUs."""
import time

from harness import KERNELS
from harness.results import parse_result
from harness.traffic import guest_senders_stop

SLOTS = 2  # two guests
MATRIX = {"kernel": KERNELS, "vcpus": [1, 2]}
TIMEOUT = 600
CYCLES = 100
RATE = 1000            # datagrams per second, each way, until the toggling ends
MIN_SENT = 1000        # datagrams each way at least


def check(t, res, sent, what):
    t.note(f"{what}: sent {sent}, valid {res.get('valid')}, lost {sent - res.get('valid', 0)}, "
           f"corrupt {res.get('corrupt')}, duplicate {res.get('duplicate')}")
    t.expect(res.get("corrupt") == 0 and res.get("duplicate") == 0,
             f"{what}: corrupt {res.get('corrupt')}, duplicate {res.get('duplicate')}")
    t.expect(res.get("valid") == sent,
             f"{what}: {res.get('valid')} of {sent} datagrams arrived")


def run(t):
    link = t.link()
    smp = "2" if t.vcpus == 2 else None
    a = t.guest(link.a, nic="e1000", qemu="build", driver="e1000_csb", name="a", smp=smp)
    b = t.guest(link.b, nic="e1000", qemu="build", driver="e1000_csb", name="b", smp=smp)
    ifn = link.a.ifname
    before = a.ethtool_stats(ifn)
    enables = a.host_counters(names=("x-stat-csb-enables",))["x-stat-csb-enables"]

    for g in (a, b):
        g.sh("""
bg_start rx udpblast recv --port 5050 --count 1000000000 --timeout 600 --idle 5 --flow 1
wait_for 10 grep -q READY /tmp/rx.out
""")
    for g, dst in ((a, link.b.ip), (b, link.a.ip)):
        g.sh(f"bg_start tx udpblast send --dst {dst} --port 5050 --count 1000000000 "
             f"--size 200 --rate {RATE} --flow 1 --timeout 600")
    # from here, not before the receivers' start: that took seconds under load
    t0 = time.monotonic()

    out = a.sh(f"""
start=$(cut -d. -f1 /proc/uptime)
i=0
while [ $i -lt {CYCLES} ]; do
    ethtool --set-priv-flags {ifn} csb on || exit 1
    ethtool --set-priv-flags {ifn} csb off || exit 1
    i=$((i + 1))
done
echo "toggled $i times in $(( $(cut -d. -f1 /proc/uptime) - start )) s"
""", timeout=400)
    t.note(out.strip().splitlines()[-1])
    toggling = time.monotonic() - t0
    a.set_csb(True)
    a.sh("sleep 1")

    sent = {}
    for g in (a, b):
        res = guest_senders_stop(g)
        sent[g.name] = res.get("sent", 0)
        # Stopped by our SIGTERM ("interrupted"), after the toggling: so it
        # ran all along; any other ending is a failure. (Not judged by its
        # own clock: a guest with two vCPUs under TCG finds its TSCs
        # unsynchronised, falls back to the ACPI PM timer, and a starved
        # one loses seconds.) A TCG guest falls short of RATE.
        t.expect(res.get("reason") == "interrupted", f"{g.name}'s sender: {res}")
        t.expect(sent[g.name] >= MIN_SENT,
                 f"{g.name}'s sender sent {sent[g.name]} in the {toggling:.0f} s of "
                 f"toggling ({res.get('seconds')} s by its own clock)")
    for g, src, what in ((b, "a", "a -> b"), (a, "b", "b -> a")):
        _, out = g.run("bg_wait rx 60", timeout=70)
        check(t, parse_result(out), sent[src], what)
    after = a.ethtool_stats(ifn)
    switches = after["csb_mode_switches"] - before["csb_mode_switches"]
    t.note(f"{switches} mode switches; {after['tx_timeout_count']} tx timeouts")
    t.expect(switches == 2 * CYCLES + 1, f"{switches} mode switches, expected {2 * CYCLES + 1}")
    t.expect(after["csb_active"] == 1, "not in CSB mode after the last switch")
    host = a.host_counters(names=("x-stat-csb-enables",))["x-stat-csb-enables"] - enables
    t.expect(host == CYCLES + 1, f"the host counted {host} CSB enables, the guest asked "
             f"for {CYCLES + 1}")
    t.expect(after["tx_timeout_count"] == 0, "transmit timeouts")
    for g in (a, b):
        problems = g.dmesg_problems()
        t.expect(not problems, f"{g.name} kernel log:\n" + "\n".join(problems))
