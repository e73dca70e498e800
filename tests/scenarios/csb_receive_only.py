# SPDX-License-Identifier: GPL-2.0
"""A guest that only receives, in CSB mode entered without any traffic of
its own: from the first open (`modprobe e1000_csb csb=1`), after the
reset work (what a transmit timeout runs) and after a suspend/resume
cycle. Nothing may depend on the guest transmitting first: IPv6 is off,
the peer's neighbour entry is permanent and the host sends to the
guest's MAC without ARP, and the guest's TX counters must not move.

Every datagram must arrive verified, the interface must stay in CSB mode
(ethtool -S csb_active) and the RX interrupt requests must have been
armed by the driver (csb_rx_irq_requests grows)."""
from harness import KERNELS
from harness.traffic import (guest_recv_result, guest_recv_start, host_send_start,
                             verify_guest_rx)

MATRIX = {"kernel": KERNELS, "path": ["open", "reset", "resume"]}
TIMEOUT = 300
DBG = "/sys/kernel/debug/e1000_csb/0000:00:02.0"
COUNT = 2000


def reset(t, g, ifn):
    g.sh(f"echo 1 > {DBG}/reset; sleep 1; "
         f"wait_for 15 grep -qx 1 /sys/class/net/{ifn}/carrier", timeout=30)


def receive(t, g, ep, port):
    """COUNT datagrams to the guest's MAC; returns the verified result."""
    g.sh("sleep 1.5")  # after an RCTL write QEMU's e1000 holds rx back for 1 s
    guest_recv_start(g, port, COUNT, timeout=20)
    peer = host_send_start(t, ep, port, COUNT, 60, peer_mac=ep.mac)
    sent = peer.result()
    t.expect(sent.get("sent") == COUNT and sent["exit"] == 0,
             f"host peer sent {sent.get('sent')} of {COUNT} (exit {sent['exit']})")
    return verify_guest_rx(g, guest_recv_result(g, timeout=40), COUNT)


def run(t):
    link = t.link()
    ep = link.a
    g = t.guest(ep, nic="e1000", driver=None)
    g.sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
    ifn = g.bring_up("e1000_csb", params="csb=1")
    if t.path == "reset":
        reset(t, g, ifn)
    elif t.path == "resume":
        g.suspend_resume(ifn)

    t.expect(g.csb_active(ifn), f"not in CSB mode after {t.path}")
    before = g.ethtool_stats(ifn)
    receive(t, g, ep, 5002)
    after = g.ethtool_stats(ifn)

    t.expect(after["tx_packets"] == before["tx_packets"],
             f"the guest transmitted {after['tx_packets'] - before['tx_packets']} "
             "packets: the scenario must be receive-only")
    t.expect(after["csb_active"] == 1, "CSB mode dropped during the test")
    t.expect(after["rx_packets"] - before["rx_packets"] == COUNT,
             f"rx_packets grew by {after['rx_packets'] - before['rx_packets']}, "
             f"expected {COUNT}")
    t.expect(after["csb_rx_irq_requests"] > before["csb_rx_irq_requests"],
             "no RX interrupt request was armed while receiving")
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
