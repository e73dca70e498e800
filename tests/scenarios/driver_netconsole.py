# SPDX-License-Identifier: GPL-2.0
"""netconsole over e1000_csb: the kernel's log, sent by netpoll (the driver's
transmit function called with interrupts off and, whenever netpoll finds
the transmit queue stopped, the driver's NAPI poll with budget 0: the
driver has no ndo_poll_controller, netpoll_poll_dev() polls NAPI by itself;
the budget-0 polls are counted with a kprobe and a histogram trigger),
reaches a plain socket at the host end of the link: netconsole has two
targets there (two UDP ports), so every message is sent twice with
interrupts off, and 1,000 messages written to /dev/kmsg at once arrive
exactly once at each port, in order. The transmit ring is 80 descriptors.

"flood": interrupts as usual, with byte queue limits held at zero bytes
(limit_max 0): every frame stops the queue until it is reclaimed, so the
second target's send of a message finds the queue stopped and netpoll
polls NAPI with budget 0, while the NIC's own completion interrupts come
and go: the guest must survive that. 1,000-1,200 polls for the 1,000
messages as a rule, but one run in twenty counted 999 (a message can go
without: netpoll's own queue, for one, is flushed later without
polling); asserted: at least 500.
"deferred": NAPI keeps hard interrupts off and polls only every 2 s
(napi_defer_hard_irqs and gro_flush_timeout, armed by a few received
frames), so completions are not reclaimed and netpoll finds the ring full
over and over: its budget-0 polls must reclaim it, many times.

Afterwards the NIC carries verified traffic both ways and the kernel log
has no warnings."""
import re

from harness import KERNELS, ScenarioFailure
from harness.traffic import guest_to_host, host_to_guest

MATRIX = {"kernel": KERNELS, "load": ["deferred", "flood"]}
TIMEOUT = 300
PORTS = (6666, 6667)
COUNT = 1000
TRACING = "/sys/kernel/debug/tracing"
POLL = "e1000_csb_poll"
EVENT = "e1000_csb_netpoll_poll"
# where a guest stuck in netpoll might be found spinning
SUSPECTS = (POLL, "e1000_csb_tx_clean", "netpoll_poll_dev", "disable_irq",
            "synchronize_irq", "__synchronize_hardirq")


def mac_bytes(mac):
    return bytes(int(b, 16) for b in mac.split(":"))


def where_stuck(g, symbols):
    """Where the guest's CPU is, from the monitor, named after the nearest
    preceding symbol of SYMBOLS if it is close."""
    places = []
    for _ in range(3):
        m = re.search(r"RIP=([0-9a-f]+)", g.monitor("info registers"))
        rip = int(m.group(1), 16) if m else 0
        near = [(rip - addr, name) for addr, name in symbols if 0 <= rip - addr < 0x400]
        places.append(f"{min(near)[1]}+{min(near)[0]:#x}" if near else f"{rip:#x}")
    return ", ".join(places)


def run(t):
    link = t.link()
    ep = link.a
    sink = t.frame_socket(ep.peer)
    g = t.guest(ep, nic="e1000", qemu="stock", driver="e1000_csb")
    ifn = ep.ifname
    # the NAPI poll's second argument (budget) is in %si on x86-64; netpoll
    # is the only caller that passes 0
    g.sh(f"echo 'p:{EVENT} e1000_csb:{POLL} budget=%si:s32' >> {TRACING}/kprobe_events && "
         f"echo 'hist:keys=budget if budget == 0' > "
         f"{TRACING}/events/kprobes/{EVENT}/trigger")
    targets = ";".join(f"{6665 - i}@{ep.ip}/{ifn},{port}@{ep.peer.ip}/{ep.peer.mac}"
                       for i, port in enumerate(PORTS))
    g.sh(f"modprobe netconsole 'netconsole={targets}'")
    log = g.sh("dmesg | tail -n 5")
    t.expect("netconsole: network logging started" in log, f"netconsole did not start:\n{log}")
    symbols = []
    for line in g.sh(f"grep -wE '{'|'.join(SUSPECTS)}' /proc/kallsyms").splitlines():
        addr, _, name = line.split()[:3]
        symbols.append((int(addr, 16), name))

    flood = f'for i in $(seq 1 {COUNT}); do echo "<3>nctest $i" > /dev/kmsg; done'
    g.sh(f"ethtool -G {ifn} tx 80; sleep 1.5")
    bql = f"/sys/class/net/{ifn}/queues/tx-0/byte_queue_limits/limit_max"
    bql_max = g.sh(f"cat {bql}").strip()
    if t.load == "flood":
        g.sh(f"echo 0 > {bql}")
    if t.load == "deferred":
        # frames of an unused EtherType: received work for NAPI, which then
        # keeps hard interrupts off and polls every gro_flush_timeout
        frame = mac_bytes(ep.mac) + mac_bytes(ep.peer.mac) + b"\x88\xb5" + bytes(46)
        g.sh(f"echo 1000 > /sys/class/net/{ifn}/napi_defer_hard_irqs; "
             f"echo 2000000000 > /sys/class/net/{ifn}/gro_flush_timeout")
        for _ in range(20):
            sink.send(frame)
        g.sh("sleep 0.5")
    before = g.ethtool_stats()
    try:
        g.sh(flood, timeout=60)
    except ScenarioFailure as e:
        if "timed out" not in str(e):
            raise
        raise ScenarioFailure(
            f"the guest stopped answering while netconsole wrote ({t.load}); its CPU is at "
            f"{where_stuck(g, symbols)}; see the console log") from None
    g.sh(f"echo 0 > /sys/class/net/{ifn}/napi_defer_hard_irqs; "
         f"echo 0 > /sys/class/net/{ifn}/gro_flush_timeout; echo {bql_max} > {bql}")
    after = g.ethtool_stats()
    hist = g.sh(f"cat {TRACING}/events/kprobes/{EVENT}/hist")
    m = re.search(r"budget:\s+0\s*\}\s*hitcount:\s+(\d+)", hist)
    calls = int(m.group(1)) if m else 0
    stops = after["tx_queue_stops"] - before["tx_queue_stops"]
    t.note(f"{t.load}: netpoll polled NAPI {calls} times, transmit queue stopped {stops} "
           f"times")
    # flood: one vCPU, interrupts off across both targets' sends, and a
    # zero byte queue limit: the second send of a message polls (see the
    # docstring for why not quite every one)
    least = COUNT // 2 if t.load == "flood" else 1
    t.expect(calls >= least, f"netpoll polled {POLL} with budget 0 {calls} times, expected at "
             f"least {least} (queue stops: {stops})\n{hist}")

    last = b"nctest %d\n" % COUNT
    payloads = sink.udp_payloads(PORTS, done=lambda p: all(
        any(last in x for x in p[port]) for port in PORTS))
    sink.close()  # the link's host end is l2peer's again
    for port in PORTS:
        got = [int(m.group(1))
               for m in (re.search(rb"nctest (\d+)\n", p) for p in payloads[port]) if m]
        t.expect(got == list(range(1, COUNT + 1)),
                 f"netconsole delivered {len(got)} of {COUNT} messages to port {port} "
                 f"(missing {sorted(set(range(1, COUNT + 1)) - set(got))[:10]}, "
                 f"repeated {sorted({n for n in got if got.count(n) > 1})[:10]}, "
                 f"in order: {got == sorted(got)})")

    host_to_guest(t, g, ep, count=300, size=600)
    guest_to_host(t, g, ep, count=300, size=600)
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
