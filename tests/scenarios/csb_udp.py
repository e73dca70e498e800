# SPDX-License-Identifier: GPL-2.0
"""e1000_csb in CSB mode on our QEMU (build/qemu, csb=on): the private flag
switches the running interface to the paravirtual mode, `ethtool -S`
(csb_active) says so, and verified UDP traffic both ways (small and near-MTU frames) flows
with the doorbells in shared memory: most tails are published without a
trap, the device's own counters agree that the CSB carried the traffic,
switching back to plain mode leaves a working interface, and the module
parameter csb=1 gives CSB mode from the first open. The host tells the
same without counters: the NIC's read-only QOM property csb-active
(`qom-get`) is false before the switch, true in CSB mode, false again
after switching back, true after modprobe csb=1. The kernel log stays
clean."""
from harness import KERNELS
from harness.traffic import guest_to_host, host_to_guest

MATRIX = {"kernel": KERNELS, "nic": ["e1000", "e1000-82545em"]}
TIMEOUT = 400


def run(t):
    link = t.link()
    g = t.guest(link.a, nic=t.nic, qemu="build", driver="e1000_csb")
    ifn = g.nics[0].ifname

    t.expect(not g.csb_active(ifn), "in CSB mode before enabling")
    t.expect(g.host_csb_active() is False, "host: csb-active not false before enabling")
    g.sh(f"ethtool --set-priv-flags {ifn} csb on")
    t.expect(g.csb_active(ifn), "not in CSB mode after enabling")
    t.expect(g.host_csb_active() is True, "host: csb-active not true in CSB mode")
    flags = g.sh(f"ethtool --show-priv-flags {ifn}")
    t.expect("on" in flags, f"priv flags:\n{flags}")

    before = g.ethtool_stats(ifn)
    for size, port in ((60, 5001), (1400, 5004)):
        res = host_to_guest(t, g, link.a, count=1000, size=size, port=port)
        t.note(f"guest verified {res['valid']} datagrams of {size} bytes")
        res = guest_to_host(t, g, link.a, count=1000, size=size, port=port + 10)
        t.note(f"host verified {res['valid']} datagrams of {size} bytes")
    after = g.ethtool_stats(ifn)
    d = {k: after[k] - before.get(k, 0) for k in after}
    t.note("csb counters: " + ", ".join(f"{k}={d[k]}" for k in sorted(d)
                                          if k.startswith("csb_") or k.startswith("reg_")
                                          or k in ("irq_handled", "tx_packets", "rx_packets")))
    t.expect(after["csb_active"] == 1, "csb_active is not 1")
    t.expect(d["tx_packets"] >= 2000 and d["rx_packets"] >= 2000,
             f"tx {d['tx_packets']} rx {d['rx_packets']} packets")
    t.expect(d["csb_tx_kicks"] + d["csb_tx_kicks_avoided"] > 0, "no TX tail published in the CSB")
    t.expect(d["tx_doorbells"] >= d["csb_tx_kicks"], "more TX kicks than doorbells")
    t.expect(d["csb_rx_kicks"] + d["csb_rx_kicks_avoided"] > 0, "no RX tail published in the CSB")
    t.expect(d["reg_irq_writes"] == 0,
             f"{d['reg_irq_writes']} IMS/IMC writes in CSB mode (expected none)")
    t.expect(d["reg_irq_reads"] == d["irq_handled"] + d["irq_not_ours"],
             f"{d['reg_irq_reads']} ICR reads for {d['irq_handled']} + {d['irq_not_ours']} interrupts")

    g.sh(f"ethtool --set-priv-flags {ifn} csb off")
    t.expect(not g.csb_active(ifn), "still in CSB mode after disabling")
    t.expect(g.host_csb_active() is False, "host: csb-active not false after disabling")
    guest_to_host(t, g, link.a, count=500, size=300, port=5020)
    host_to_guest(t, g, link.a, count=500, size=300, port=5021)

    # the module parameter: CSB mode from the first open
    g.sh(f"ip link set {ifn} down; rmmod e1000_csb")
    g.bring_up("e1000_csb", params="csb=1")
    t.expect(g.csb_active(ifn), "not in CSB mode after modprobe csb=1")
    t.expect(g.host_csb_active() is True, "host: csb-active not true after modprobe csb=1")
    guest_to_host(t, g, link.a, count=500, size=300, port=5022)
    host_to_guest(t, g, link.a, count=500, size=300, port=5023)

    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
