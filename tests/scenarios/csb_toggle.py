# SPDX-License-Identifier: GPL-2.0
"""The csb private flag toggled 100 times (200 mode switches) on guest a
while verified UDP traffic runs both ways between it and guest b (plain
mode) until the toggling ends: the driver keeps descriptors in flight
across a switch, so every datagram the senders sent must arrive, intact
and once (valid == sent, but for the drops below), from senders that ran
the whole time (no ending but the SIGTERM sent after the toggling, at
least MIN_SENT datagrams). The mode switch counter must account for
every switch, the host's own count of CSB enables (x-stat-csb-enables)
must equal the enables asked for, the interface must end in the mode
last asked for, and the kernel log must stay clean.

With vcpus=2 both guests have two vCPUs (-smp 2): interrupts, NAPI, the
TX reclaim timer and the transmit path can run on different CPUs.

With stream=saturating the senders send as fast as they can (no pacing):
then datagrams are lost where a saturated path must lose them, and each
such place counts them. (A paced stream can lose one too, where a
starved TCG guest lets a queue run full: once 1 of 8,333 in CI.) Every
one must be accounted for exactly:
sent - valid == the sending guest's qdisc drops (fq_codel, the kernels'
default, drops what waited too long while the transmit ring was full,
and the sending socket never hears of it; `tc -s qdisc`) + the drops of
the receiving QEMU's socket (the host's /proc/net/udp) + the host's input
backlog drops on the loopback path (/proc/net/softnet_stat; this
instance holds every -j slot of make check's -j 2, so nothing else sends
meanwhile; the host's one count is judged against both paths together) +
the receiving guest's UDP input errors (full receive buffers, memory,
checksums), IP discards and core drops
(/proc/net/snmp, softnet_stat) + the receiving NIC's own drop counters;
nothing is lost across a mode switch. (The sender's qdisc was the
missing term: packet captures on both QEMUs' netdevs, filter-dump,
showed the 1-14 datagrams a run could not account for missing from the
sender's netdev already, while the sender's NIC had sent every frame
its driver was given.) IPv6 is off in both guests, so every packet a
qdisc drops is a datagram of the streams."""
import time

from harness import KERNELS
from harness.drops import drop_counts, path_drops
from harness.results import parse_result
from harness.traffic import guest_senders_stop

SLOTS = 2  # two guests
MATRIX = {"kernel": KERNELS, "vcpus": [1, 2], "stream": ["paced", "saturating"]}


def EXCLUDE(params):
    """Saturating on one vCPU only: the point is the accounting."""
    return params["stream"] == "saturating" and params["vcpus"] == 2


TIMEOUT = 600
CYCLES = 100
RATE = 1000            # datagrams per second, each way, until the toggling ends
MIN_SENT = 1000        # datagrams each way at least


def check(t, res, sent, what, drops):
    """The path WHAT: SENT datagrams, the receiver's RESULT, DROPS the
    counts of the places on the path that drop (the host backlog's not:
    run() judges that one for both paths at once). Returns the datagrams
    lost that none of them counted."""
    counted = sum(drops.values())
    lost = sent - res.get("valid", 0)
    t.note(f"{what}: sent {sent}, valid {res.get('valid')}, lost {lost}, counted as dropped "
           f"{counted} ({', '.join(f'{k} {v}' for k, v in drops.items())}), "
           f"corrupt {res.get('corrupt')}, duplicate {res.get('duplicate')}")
    t.expect(res.get("corrupt") == 0 and res.get("duplicate") == 0,
             f"{what}: corrupt {res.get('corrupt')}, duplicate {res.get('duplicate')}")
    t.expect(lost >= counted, f"{what}: {lost} datagrams lost, but {counted} counted as "
             f"dropped")
    return lost - counted


def run(t):
    link = t.link()
    smp = "2" if t.vcpus == 2 else None
    a = t.guest(link.a, nic="e1000", qemu="build", driver="e1000_csb", name="a", smp=smp)
    b = t.guest(link.b, nic="e1000", qemu="build", driver="e1000_csb", name="b", smp=smp)
    ifn = link.a.ifname
    before = a.ethtool_stats(ifn)
    enables = a.host_counters(names=("x-stat-csb-enables",))["x-stat-csb-enables"]
    rate = 0 if t.stream == "saturating" else RATE  # 0: as fast as it can
    for g in (a, b):
        # only the streams on the link: every packet a qdisc drops is theirs
        g.sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
    drops = {g.name: drop_counts(g, ep.port) for g, ep in ((a, link.a), (b, link.b))}

    for g in (a, b):
        g.sh("""
bg_start rx udpblast recv --port 5050 --count 1000000000 --timeout 600 --idle 5 --flow 1
wait_for 10 grep -q READY /tmp/rx.out
""")
    for g, dst in ((a, link.b.ip), (b, link.a.ip)):
        g.sh(f"bg_start tx udpblast send --dst {dst} --port 5050 --count 1000000000 "
             f"--size 200 --rate {rate} --flow 1 --timeout 600")
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
    results = {}
    for g, ep in ((b, link.b), (a, link.a)):
        _, out = g.run("bg_wait rx 60", timeout=70)
        now = drop_counts(g, ep.port)
        results[g.name] = (parse_result(out), {k: now[k] - drops[g.name][k] for k in now})
    # the host's backlog is one for both paths: its count, taken last
    # (a's), is judged against what neither path's own counts explain
    backlog = results["a"][1]["host backlog"]
    unexplained = 0
    for g, src, what in ((b, a, "a -> b"), (a, b, "b -> a")):
        res, counts = results[g.name]
        drops = path_drops(counts, results[src.name][1])
        del drops["host backlog"]
        unexplained += check(t, res, sent[src.name], what, drops)
    t.expect(unexplained == backlog,
             f"{unexplained} datagrams lost that the paths' own counts do not explain, "
             f"{backlog} dropped in the host's input backlog")
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
