# SPDX-License-Identifier: GPL-2.0
"""e1000_csb in plain mode on every emulated model (82540EM, 82545EM,
82544GC), on Debian's QEMU and on ours (build/qemu, which offers the CSB
extension that the driver leaves off): the module binds, gets the MAC from
the EEPROM, reports link 1000/full, and carries 1,000 verified UDP
datagrams each way (small and near-MTU sizes); ethtool shows the driver,
the register access counters and the `csb` private flag, off, which
cannot be turned on without the host extension (Debian's QEMU); the
module unloads cleanly and the kernel log stays clean."""
from harness import KERNELS
from harness.scenario import ScenarioFailure
from harness.traffic import guest_to_host, host_to_guest

MATRIX = {"kernel": KERNELS, "nic": ["e1000", "e1000-82545em", "e1000-82544gc"],
          "qemu": ["stock", "build"]}
TIMEOUT = 400


def checked_host_to_guest(t, g, ifname, ep, **kw):
    """host_to_guest(), and on failure say where frames went missing: not
    seen by the device (lost in QEMU or its socket while the guest was slow)
    or accepted by the device but not delivered by the driver."""
    before = g.ethtool_stats(ifname)
    try:
        return host_to_guest(t, g, ep, **kw)
    except ScenarioFailure as e:
        after = g.ethtool_stats(ifname)
        d = {k: after[k] - before.get(k, 0) for k in after}
        raise ScenarioFailure(
            f"{e}; the device accepted {d['hw_rx_good_packets']} frames "
            f"(missed {d['rx_missed_errors']}, no buffer {d['rx_no_buffer_count']}), "
            f"the driver passed {d['rx_packets']} up, frame errors "
            f"{d['rx_dropped_errors']}, no memory {d['rx_dropped_nomem']}") from None


def run(t):
    link = t.link()
    g = t.guest(link.a, nic=t.nic, qemu=t.qemu, driver="e1000_csb")
    ifname = link.a.ifname or g.nics[0].ifname

    info = g.sh(f"ethtool -i {ifname}")
    t.expect("driver: e1000_csb" in info, f"ethtool -i:\n{info}")
    t.expect(not g.csb_active(ifname), "in CSB mode without asking for it")
    offered = g.run("dmesg | grep -q 'host offers the CSB extension'")[0] == 0
    t.expect(offered == (t.qemu != "stock"),
             f"the kernel log says the host {'offers' if offered else 'does not offer'} "
             f"the CSB extension, on {t.qemu} QEMU")
    mac = g.sh(f"cat /sys/class/net/{ifname}/address").strip()
    t.expect(mac == link.a.mac, f"MAC {mac}, expected {link.a.mac} from the EEPROM")
    ks = g.sh(f"ethtool {ifname}")
    t.expect("Speed: 1000Mb/s" in ks and "Duplex: Full" in ks, f"ethtool:\n{ks}")

    before = g.ethtool_stats(ifname)
    res = checked_host_to_guest(t, g, ifname, link.a, count=1000, size=60)
    t.note(f"guest verified {res['valid']} small datagrams")
    res = checked_host_to_guest(t, g, ifname, link.a, count=1000, size=1400, port=5004)
    t.note(f"guest verified {res['valid']} large datagrams")
    res = guest_to_host(t, g, link.a, count=1000, size=60)
    t.note(f"host verified {res['valid']} small datagrams")
    res = guest_to_host(t, g, link.a, count=1000, size=1400, port=5005)
    t.note(f"host verified {res['valid']} large datagrams")
    after = g.ethtool_stats(ifname)

    rx = after["rx_packets"] - before["rx_packets"]
    tx = after["tx_packets"] - before["tx_packets"]
    t.expect(rx >= 2000, f"rx_packets grew by {rx}, expected >= 2000")
    t.expect(tx >= 2000, f"tx_packets grew by {tx}, expected >= 2000")
    for k in ("reg_doorbell_writes", "reg_irq_reads", "reg_irq_writes", "irq_handled"):
        t.expect(after[k] > before[k], f"{k} did not grow ({before[k]} -> {after[k]})")
    db = after["reg_doorbell_writes"] - before["reg_doorbell_writes"]
    t.note(f"{rx} rx + {tx} tx packets, {db} doorbell writes, "
           f"{after['reg_irq_reads'] - before['reg_irq_reads']} ICR reads")

    flags = g.sh(f"ethtool --show-priv-flags {ifname}")
    t.expect("csb" in flags and "off" in flags, f"priv flags:\n{flags}")
    if t.qemu == "build":
        # The host offers the extension; plain mode must not touch it.
        t.expect(after["csb_active"] == 0 and after["csb_tx_kicks"] == 0,
                 "CSB counters moved in plain mode")
    else:
        rc, out = g.run(f"ethtool --set-priv-flags {ifname} csb on")
        t.expect(rc != 0, f"setting csb on succeeded without the host extension:\n{out}")
        log = g.sh("dmesg | tail -5")
        t.expect("host does not offer the CSB extension" in log, f"no csb message:\n{log}")

    g.sh(f"ip link set {ifname} down; rmmod e1000_csb")
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
