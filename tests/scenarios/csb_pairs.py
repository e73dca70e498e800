# SPDX-License-Identifier: GPL-2.0
"""Two guests on our QEMU, both on e1000_csb: first guest a in CSB mode and
guest b in plain mode (the mixed pair), then both in CSB mode. Each time:
1,000 verified UDP datagrams each way at 60 and 1400 bytes, and 8 MiB over
TCP each way with MD5 compared, at MTU 9000 for the mixed pair (TSO,
frames spanning receive descriptors) and 1500 for the CSB pair. The CSB
counters must show the shared-memory path in use on the CSB side, no
transmit timeouts, and clean kernel logs.

With vcpus=2 both guests have two vCPUs (-smp 2): interrupts, NAPI, the
TX reclaim timer and the transmit path can run on different CPUs."""
from harness import KERNELS
from harness.traffic import guest_to_guest, tcp_transfer

SLOTS = 2  # two guests
MATRIX = {"kernel": KERNELS, "vcpus": [1, 2]}
TIMEOUT = 600


def exchange(t, a, b, link, mtu):
    for g in (a, b):
        g.sh(f"ip link set {g.nics[0].ifname} mtu {mtu}")
    for size, port in ((60, 5001), (1400, 5002)):
        guest_to_guest(t, a, b, link.b.ip, count=1000, size=size, port=port)
        guest_to_guest(t, b, a, link.a.ip, count=1000, size=size, port=port + 10)
    tcp_transfer(t, a, b, link.a.ip)
    tcp_transfer(t, b, a, link.b.ip)


def run(t):
    link = t.link()
    smp = "2" if t.vcpus == 2 else None
    a = t.guest(link.a, nic="e1000", qemu="build", driver="e1000_csb", name="a", smp=smp)
    b = t.guest(link.b, nic="e1000", qemu="build", driver="e1000_csb", name="b", smp=smp)
    a.set_csb(True)

    for step, mtu in (("a csb, b plain", 9000), ("a csb, b csb", 1500)):
        before = {g.name: g.ethtool_stats() for g in (a, b)}
        exchange(t, a, b, link, mtu)
        for g in (a, b):
            s = g.ethtool_stats()
            d = {k: s[k] - before[g.name].get(k, 0) for k in s}
            t.note(f"{step}: {g.name} tx {d['tx_packets']} rx {d['rx_packets']}, "
                   f"traps {d['reg_total']}, irqs {d['irq_handled']}, "
                   f"tx kicks {d['csb_tx_kicks']}/{d['csb_tx_kicks'] + d['csb_tx_kicks_avoided']}, "
                   f"rx kicks {d['csb_rx_kicks']}/{d['csb_rx_kicks'] + d['csb_rx_kicks_avoided']}")
            t.expect(s["tx_timeout_count"] == 0, f"{g.name}: transmit timeouts")
            csb = s["csb_active"] == 1
            t.expect(csb == (g is a or step.endswith("b csb")), f"{g.name}: wrong mode")
            if csb:
                t.expect(d["csb_tx_kicks_avoided"] > 0 and d["reg_irq_writes"] == 0,
                         f"{g.name}: CSB path not in use: {d}")
        b.set_csb(True)

    for g in (a, b):
        problems = g.dmesg_problems()
        t.expect(not problems, f"{g.name} kernel log:\n" + "\n".join(problems))
