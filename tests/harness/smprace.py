# SPDX-License-Identifier: GPL-2.0
"""The two-vCPU race of `csb_smp_race` (make check, 20 s) and
`csb_smp_stress` (make soak, 5 minutes): two guests with two vCPUs each
(-smp 2), both in CSB mode, with the work pinned so that the driver's
paths race on different CPUs: the NIC's interrupt (and so NAPI: RX and
the TX reclaim) on CPU 0, one sender on CPU 0 and one on CPU 1 (the
transmit path and its own reclaim against NAPI's on the other CPU), the
receivers of the two incoming streams one on each CPU. Four verified
streams, two each way: every datagram sent arrives intact and once
(valid == sent) on every stream; both CPUs ran a sender; the interrupts
were taken on CPU 0; no transmit timeout, no rescue, no fallback, a
clean kernel log. The guests send through a FIFO, not fq_codel, which
drops what waits in it too long on a starved host (harness/bothways.py);
a loss is reported with the drop counts of each place on its path
(harness/drops.py)."""
from harness.drops import drop_counts, path_drops, since
from harness.results import parse_result

RATE = 1500     # datagrams per second per stream, asked for
MIN_RATE = 100  # and at least achieved
SIZE = 200
STREAMS = ((0, 5060), (1, 5061))  # (CPU of the sender and receiver, port)


def pin_irq(g):
    """The NIC's interrupt to CPU 0; returns its number."""
    irq = g.sh(f"cat /sys/class/net/{g.nics[0].ifname}/device/irq").strip()
    g.sh(f"echo 1 > /proc/irq/{irq}/smp_affinity")
    return irq


def irqs_per_cpu(g, irq):
    line = g.sh(f"grep '^ *{irq}:' /proc/interrupts")
    return [int(x) for x in line.split()[1:3]]


def start_receivers(g, seconds):
    for cpu, port in STREAMS:
        g.sh(f"""
bg_start rx{cpu} taskset {1 << cpu} udpblast recv --port {port} --count 1000000000 \\
    --timeout {seconds + 300} --idle 10 --flow {cpu + 1}
wait_for 10 grep -q READY /tmp/rx{cpu}.out
""")


def send(g, peer_ip, seconds):
    for cpu, port in STREAMS:
        g.sh(f"bg_start tx{cpu} taskset {1 << cpu} udpblast send --dst {peer_ip} "
             f"--port {port} --count 1000000000 --size {SIZE} --rate {RATE} "
             f"--flow {cpu + 1} --timeout {seconds + 300}")


def collect_sent(t, g, seconds):
    """Stop the senders (SIGTERM); each must have run without error and
    sent at least MIN_RATE datagrams per second (TCG with four vCPUs on
    two host cores falls well short of RATE)."""
    g.sh("for p in $(pidof udpblast); do tr '\\0' ' ' < /proc/$p/cmdline | "
         "grep -q '^udpblast send ' && kill -TERM $p; done; true")
    sent = {}
    for cpu, _ in STREAMS:
        _, out = g.run(f"bg_wait tx{cpu} 30", timeout=40)
        res = parse_result(out)
        t.expect(res.get("reason") == "interrupted" and res.get("sent", 0) >= MIN_RATE * seconds,
                 f"{g.name}'s sender on CPU {cpu}: {res}")
        sent[cpu] = res["sent"]
    return sent


def drops(g):
    return drop_counts(g, g.nics[0].endpoint.port)


def check_received(t, g, src, sent, path):
    """G's two streams from guest SRC; PATH: the drops on the path from
    SRC to G (all traffic) over the run."""
    for cpu, port in STREAMS:
        _, out = g.run(f"bg_wait rx{cpu} 60", timeout=70)
        res = parse_result(out)
        t.note(f"{src} -> {g.name} port {port} (CPU {cpu}): sent {sent[cpu]}, "
               f"valid {res.get('valid')}, corrupt {res.get('corrupt')}, "
               f"duplicate {res.get('duplicate')}")
        t.expect(res.get("valid") == sent[cpu] and res.get("corrupt") == 0
                 and res.get("duplicate") == 0,
                 f"{src} -> {g.name} port {port}: {res.get('valid')} of {sent[cpu]}: {res}; "
                 "drops on the path (all traffic): "
                 + ", ".join(f"{k} {v}" for k, v in path.items()))


def run(t, seconds):
    """Four verified streams for SECONDS seconds between two -smp 2 CSB
    guests."""
    link = t.link()
    a = t.guest(link.a, nic="e1000", qemu="build", driver="e1000_csb", name="a", smp="2")
    b = t.guest(link.b, nic="e1000", qemu="build", driver="e1000_csb", name="b", smp="2")
    pairs = ((a, b, link.b.ip), (b, a, link.a.ip))
    irq, irqs_before, before, drops_before = {}, {}, {}, {}
    for g, _, _ in pairs:
        g.set_csb(True)
        g.sh(f"/sbin/tc qdisc replace dev {g.nics[0].ifname} root pfifo limit 10000")
        irq[g.name] = pin_irq(g)
        irqs_before[g.name] = irqs_per_cpu(g, irq[g.name])
        before[g.name] = g.ethtool_stats()
        drops_before[g.name] = drops(g)
        start_receivers(g, seconds)
    for g, _, peer_ip in pairs:
        send(g, peer_ip, seconds)
    a.sh(f"sleep {seconds}", timeout=seconds + 30)
    sent = {g.name: collect_sent(t, g, seconds) for g, _, _ in pairs}
    dropped = {g.name: since(drops(g), drops_before[g.name]) for g, _, _ in pairs}
    for g, other, _ in pairs:
        check_received(t, other, g.name, sent[g.name],
                       path_drops(dropped[other.name], dropped[g.name]))
    for g, _, _ in pairs:
        now = irqs_per_cpu(g, irq[g.name])
        on_cpu = [n - b for n, b in zip(now, irqs_before[g.name])]
        after = g.ethtool_stats()
        t.note(f"{g.name}: interrupts per CPU {on_cpu}, "
               f"xmit reclaims {after['csb_tx_xmit_reclaims'] - before[g.name]['csb_tx_xmit_reclaims']}")
        # x86 moves an interrupt to its new CPU when the next one arrives,
        # still on the old CPU: one may be counted there
        t.expect(on_cpu[0] > 0 and on_cpu[1] <= 1, f"{g.name}: interrupts per CPU {on_cpu}")
        t.expect(after["csb_active"] == 1, f"{g.name}: left CSB mode")
        rescues = [x for x in g.sh("dmesg").splitlines() if "csb: rescue" in x]
        for key in ("tx_timeout_count", "csb_rescues", "csb_fallbacks"):
            t.expect(after[key] == before[g.name][key], f"{g.name}: {key} "
                     f"{before[g.name][key]} -> {after[key]}\n" + "\n".join(rescues))
        problems = g.dmesg_problems()
        t.expect(not problems, f"{g.name} kernel log:\n" + "\n".join(problems))
