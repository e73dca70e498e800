# SPDX-License-Identifier: GPL-2.0
"""e1000_csb receive filters: frames to a foreign unicast MAC are dropped
by the device unless the interface is promiscuous; multicast frames pass
only for groups in the multicast table (ip maddr) or with allmulticast;
changing the MAC address (RAR0) moves the filter and traffic to the new
address verifies (an interface that is up: live address change). The device's good-packets-received counter (which counts
only frames that passed its address filter) is the witness."""
from harness import KERNELS
from harness.traffic import host_to_guest

MATRIX = {"kernel": KERNELS}
TIMEOUT = 400
N = 40


def accepted(t, g, ep, mac):
    """How many of N frames sent to MAC the device accepted (the count can
    include a stray ARP or two: filtered means clearly fewer than N)."""
    before = g.ethtool_stats()["hw_rx_good_packets"]
    peer = t.l2peer(ep.peer, "send", "--peer-ip", ep.ip, "--peer-mac", mac,
                    "--port", "5010", "--count", str(N), "--size", "100",
                    "--rate", "1000", "--timeout", "30")
    res = peer.result()
    t.expect(res.get("sent") == N, f"peer sent {res.get('sent')} of {N} frames to {mac}")
    # an RCTL write makes QEMU hold frames back for a second: let them in
    g.sh("sleep 2")
    return g.ethtool_stats()["hw_rx_good_packets"] - before


def run(t):
    link = t.link()
    g = t.guest(link.a, nic="e1000", qemu="stock", driver="e1000_csb")
    ifn = g.nics[0].ifname
    g.sh("sleep 2")

    foreign = "52:54:00:de:ad:01"
    n = accepted(t, g, link.a, foreign)
    t.expect(n < N, f"{n} frames to a foreign MAC passed the filter")
    g.sh(f"ip link set {ifn} promisc on; sleep 1.5")
    n = accepted(t, g, link.a, foreign)
    t.expect(n >= N, f"promiscuous: {n} of {N} frames to a foreign MAC accepted")
    g.sh(f"ip link set {ifn} promisc off; sleep 1.5")
    n = accepted(t, g, link.a, foreign)
    t.expect(n < N, f"promiscuous off: {n} frames to a foreign MAC passed")

    group = "01:00:5e:01:02:03"
    n = accepted(t, g, link.a, group)
    t.expect(n < N, f"{n} frames to an unjoined multicast group passed")
    # many groups at once: the hash table, not exact filters
    g.sh(f"for i in $(seq 10 49); do ip maddr add 01:00:5e:10:00:$i dev {ifn}; done")
    g.sh(f"ip maddr add {group} dev {ifn}; sleep 1.5")
    n = accepted(t, g, link.a, group)
    t.expect(n >= N, f"joined multicast: {n} of {N} accepted")
    n = accepted(t, g, link.a, "01:00:5e:10:00:33")
    t.expect(n >= N, f"joined multicast (of 41): {n} of {N} accepted")
    g.sh(f"ip maddr del {group} dev {ifn}; sleep 1.5")
    n = accepted(t, g, link.a, group)
    t.expect(n < N, f"left multicast group: {n} frames passed")
    g.sh(f"ip link set {ifn} allmulticast on; sleep 1.5")
    n = accepted(t, g, link.a, "01:00:5e:7f:00:09")
    t.expect(n >= N, f"allmulticast: {n} of {N} accepted")
    g.sh(f"ip link set {ifn} allmulticast off; sleep 1.5")

    # QEMU also lets a unicast frame in when its address hashes to a set
    # multicast table bit. IPv6 joins the solicited-node group derived from
    # the MAC (same low 16 bits), so keep IPv6 off and use addresses whose
    # hash no joined group shares.
    g.sh(f"echo 1 > /proc/sys/net/ipv6/conf/{ifn}/disable_ipv6")
    old = "52:54:00:c5:77:42"
    new = "52:54:00:c5:88:43"
    g.sh(f"ip link set {ifn} address {old}; sleep 1")
    g.sh(f"ip link set {ifn} address {new}; ip neigh flush all; sleep 1.5")
    n = accepted(t, g, link.a, old)
    t.expect(n < N, f"after the MAC change, {n} frames to the old MAC passed")
    n = accepted(t, g, link.a, new)
    t.expect(n >= N, f"after the MAC change, {n} of {N} frames to the new MAC accepted")
    res = host_to_guest(t, g, link.a, count=200, size=300)
    t.note(f"new MAC: guest verified {res['valid']} datagrams")
    rx = g.ethtool_stats()
    t.note(f"doorbells {rx['reg_doorbell_writes']}, other writes {rx['reg_other_writes']}")

    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
