# SPDX-License-Identifier: GPL-2.0
"""CSB mode on a true uniprocessor VM (`-smp 1`: no room for a second
vCPU, so QEMU's TCG runs without its parallel mode and translates the
guest's lock-prefixed instructions without a host barrier) and on two
vCPUs (`-smp 2`). The handshakes TX-G, RX-G and IRQ-G must lose no
wake-up against the host's TX thread and receive path in either case.

Ping-pong traffic exposes a lost wake-up at once (each exchange waits
for the previous one, and nothing else would kick the other side): 2,000
pings 10 ms apart, the host's TX thread falling asleep between them, must
all be answered (the guest's ICMP counters). Then 2,000 verified UDP
datagrams each way. The driver's self-healing (csb_rescues: a request
left unanswered for a whole watchdog period) must never have had to act,
CSB mode must stay on, no transmit timeout, clean kernel log."""
from harness import KERNELS
from harness.traffic import guest_to_host, host_to_guest

MATRIX = {"kernel": KERNELS, "smp": ["1", "2"]}
TIMEOUT = 400
PINGS = 2000
COUNT = 2000


def icmp(g):
    """The guest's ICMP counters (/proc/net/snmp) as a dict."""
    lines = [ln.split()[1:] for ln in g.sh("grep ^Icmp: /proc/net/snmp").splitlines()]
    return dict(zip(lines[0], map(int, lines[1])))


def ping_pong(t, g, ep):
    # l2peer answers ICMP echo while it waits for datagrams that never come.
    # Judged by the kernel's ICMP counters: busybox ping itself misses a
    # few percent of replies on a slow TCG guest, with any NIC and driver.
    responder = t.l2peer(ep.peer, "recv", "--port", "5999", "--count", "1",
                         "--timeout", "120", "--idle", "0")
    before, timer_before = icmp(g), g.ethtool_stats(ep.ifname)["csb_tx_reclaim_timer"]
    g.run(f"ping -q -i 0.01 -W 2 -c {PINGS} {ep.peer.ip}", timeout=180)
    g.sh("sleep 2")
    after, timer = icmp(g), g.ethtool_stats(ep.ifname)["csb_tx_reclaim_timer"] - timer_before
    responder.stop()
    sent = after["OutEchos"] - before["OutEchos"]
    answered = after["InEchoReps"] - before["InEchoReps"]
    t.expect(sent == PINGS and answered == PINGS,
             f"ping-pong: {sent} echo requests sent, {answered} replies received, "
             f"of {PINGS}")
    # Each reply's NAPI poll reclaims its request: the reclaim timer, with
    # nothing left to cover, is cancelled, not left to fire 1 ms after each
    # request (it did, once per ping, before). Replies later than 1 ms on a
    # loaded host let it fire now and then (300 of 2,000 beside a make soak).
    t.note(f"ping-pong: the reclaim timer ran {timer} times for {PINGS} pings")
    t.expect(timer <= PINGS // 2,
             f"ping-pong: the reclaim timer ran {timer} times for {PINGS} pings, "
             "whose replies reclaimed every request")


def both_ways(t, g, ep):
    host_to_guest(t, g, ep, count=COUNT, size=300, port=5002, peer_mac=ep.mac)
    guest_to_host(t, g, ep, count=COUNT, size=300, port=5001)


def run(t):
    link = t.link()
    ep = link.a
    g = t.guest(ep, nic="e1000", smp=t.smp)
    g.sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
    ifn = g.bring_up("e1000_csb", params="csb=1")
    cpus = g.sh("grep -c ^processor /proc/cpuinfo").strip()
    t.expect(cpus == t.smp, f"{cpus} CPUs in the guest, expected {t.smp}")

    ping_pong(t, g, ep)
    both_ways(t, g, ep)

    s = g.ethtool_stats(ifn)
    t.note(f"smp {t.smp}: tx kicks {s['csb_tx_kicks']} avoided {s['csb_tx_kicks_avoided']}, "
           f"rx kicks {s['csb_rx_kicks']}, irqs {s['irq_handled']}, rescues {s['csb_rescues']}")
    t.expect(s["csb_active"] == 1, "CSB mode was dropped")
    if s["csb_rescues"]:
        rescues = [x for x in g.sh("dmesg").splitlines() if "csb: rescue" in x]
        t.expect(False, f"{s['csb_rescues']} lost wake-ups had to be mended by the "
                 "watchdog:\n" + "\n".join(rescues))
    t.expect(s["tx_timeout_count"] == 0, f"{s['tx_timeout_count']} transmit timeouts")
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
