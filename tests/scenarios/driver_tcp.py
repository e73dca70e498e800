# SPDX-License-Identifier: GPL-2.0
"""Two guests, both on e1000_csb, move 8 MiB of random data over TCP
(busybox httpd and wget) in each direction and compare checksums of what was sent and received, at
MTU 1500 and 9000. This exercises TSO (IPv4), transmit checksum offload
and scatter-gather on the sender, frames spanning several receive
descriptors (MTU 9000) and GRO on the receiver; the driver counters must
show TSO in use and no transmit timeouts. Then the same over IPv6 (checksum
offload without TSO) plus 500 verified UDP/IPv6 datagrams."""
from harness import KERNELS
from harness.traffic import guest_to_guest, tcp_transfer as transfer

SLOTS = 2  # two guests
MATRIX = {"kernel": KERNELS, "mtu": [1500, 9000]}
TIMEOUT = 600
V6A, V6B = "2001:db8:c5::1", "2001:db8:c5::2"


def run(t):
    link = t.link()
    a = t.guest(link.a, nic="e1000", qemu="stock", driver="e1000_csb", name="a")
    b = t.guest(link.b, nic="e1000", qemu="stock", driver="e1000_csb", name="b")
    for g in (a, b):
        g.sh(f"ip link set {g.nics[0].ifname} mtu {t.mtu}")
        feats = g.sh(f"ethtool -k {g.nics[0].ifname}")
        t.expect("tcp-segmentation-offload: on" in feats, f"TSO is off:\n{feats}")

    before = {g.name: g.ethtool_stats() for g in (a, b)}
    transfer(t, a, b, link.a.ip)
    transfer(t, b, a, link.b.ip)
    after = {g.name: g.ethtool_stats() for g in (a, b)}

    # IPv6: no TSO6 (see driver/NOTES-qemu-facts.md), checksum offload only
    for g, ip in ((a, V6A), (b, V6B)):
        g.sh(f"ip -6 addr add {ip}/64 dev {g.nics[0].ifname} nodad")
    a.sh(f"wait_for 10 ping -c 1 -W 1 {V6B}")
    transfer(t, a, b, f"[{V6A}]")
    transfer(t, b, a, f"[{V6B}]")
    guest_to_guest(t, a, b, V6B, count=500, size=1400, port=5007)
    end = {g.name: g.ethtool_stats() for g in (a, b)}
    for g in (a, b):
        t.expect(end[g.name]["tx_csum_offload"] > after[g.name]["tx_csum_offload"],
                 f"{g.name}: no checksum offload over IPv6")

    for g in (a, b):
        d = {k: after[g.name][k] - before[g.name].get(k, 0) for k in after[g.name]}
        t.note(f"{g.name}: tx {d['tx_packets']} pkts ({d['tx_tso']} TSO, "
               f"{d['tx_csum_offload']} csum), rx {d['rx_packets']} frames "
               f"({d['rx_multi_desc']} multi-descriptor), "
               f"{d['reg_doorbell_writes']} doorbells, {d['irq_handled']} irqs")
        t.expect(d["tx_tso"] > 0, f"{g.name}: no TSO packets sent")
        t.expect(after[g.name]["tx_timeout_count"] == 0, f"{g.name}: transmit timeouts")
        if t.mtu > 1500:
            t.expect(d["rx_multi_desc"] > 0, f"{g.name}: no multi-descriptor frames at MTU {t.mtu}")
        problems = g.dmesg_problems()
        t.expect(not problems, f"{g.name} kernel log:\n" + "\n".join(problems))
