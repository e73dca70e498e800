# SPDX-License-Identifier: GPL-2.0
"""e1000_csb control plane through ethtool and ip: ring sizes (the defaults,
rx 256 and tx 128; a valid change, out-of-range and not-a-multiple-of-8
refused with a message),
interrupt coalescing (rx-usecs to ITR, out of range refused), register
dump, message level, offload features switched off and on again, and MTU
changes (9000 accepted, 9001 refused) - each followed by verified UDP
traffic in both directions, jumbo datagrams included.

Also, as users expect from the in-kernel e1000:
- `ethtool -T`: software transmit and receive timestamps, no PTP clock.
- `ethtool -S --groups eth-mac eth-ctrl rmon`: on a quiet link (IPv6 off,
  a permanent neighbour entry), 300 datagrams each way in 600-byte frames
  add exactly 300 to FramesReceivedOK and FramesTransmittedOK, 300*604 to
  the octet counters (FCS included), 300 to the rx and tx 512-1023 byte
  histogram buckets and nothing to any other bucket or error, multicast,
  broadcast or MAC control counter; every group value equals the `ethtool
  -S` counter of the same register.
- `ethtool -s`: autonegotiation advertising only 100baseT/Full, then
  forced 100 and 10 Mb/s full and half duplex, then every mode again, are
  accepted; `ethtool` shows each (advertised modes by name, autoneg on or
  off), CTRL (register dump) has the speed and duplex forced or left to
  the PHY, the link is up and carries verified traffic. Refused with
  EINVAL and a reason in the kernel log, changing nothing: 1000 Mb/s
  forced, 1000 half duplex, 2500 Mb/s, advertising 1000baseT/Half or
  10000baseT/Full.
- The in-kernel e1000, loaded on the same NIC afterwards, reports the
  same `ethtool -T`, the same supported and advertised link modes, and
  under QEMU the same 1000 Mb/s full duplex after forcing 100 Mb/s."""
import re

from harness import KERNELS
from harness.traffic import guest_to_host, host_to_guest
from harness.vm import key_values

MATRIX = {"kernel": KERNELS}
TIMEOUT = 900
N = 300
# CTRL bits: full duplex, auto speed detection, speed (2 bits), forced
# speed and duplex
CTRL_FD, CTRL_ASDE, CTRL_SPEED, CTRL_FRCSPD, CTRL_FRCDPLX = 1, 1 << 5, 3 << 8, 1 << 11, 1 << 12
ALL_MODES = "10baseT/Half 10baseT/Full 100baseT/Half 100baseT/Full 1000baseT/Full"


def traffic(t, g, ep, size=600, count=300):
    g.sh("sleep 1.5")  # after an RCTL write QEMU's e1000 holds rx back for 1 s
    host_to_guest(t, g, ep, count=count, size=size)
    guest_to_host(t, g, ep, count=count, size=size)


def refused(t, g, cmd, message):
    rc, out = g.run(cmd)
    t.expect(rc != 0, f"'{cmd}' succeeded:\n{out}")
    t.expect(message in out, f"'{cmd}' did not say '{message}':\n{out}")


def groups(g, ifn):
    """`ethtool -S --groups` and `ethtool -S` read together."""
    out = g.sh(f"ethtool -S {ifn} --groups eth-mac eth-ctrl rmon")
    return key_values(out), g.ethtool_stats(ifn), out


def check_timestamping(t, g, ifn):
    out = g.sh(f"ethtool -T {ifn}")
    for cap in ("software-transmit", "software-receive", "software-system-clock"):
        t.expect(cap in out, f"ethtool -T lacks {cap}:\n{out}")
    t.expect("PTP Hardware Clock: none" in out, f"ethtool -T:\n{out}")
    return out


def check_groups(t, g, ep, ifn):
    g.sh(f"echo 1 > /proc/sys/net/ipv6/conf/{ifn}/disable_ipv6; "
         f"ip neigh replace {ep.peer.ip} lladdr {ep.peer.mac} nud permanent dev {ifn}; sleep 1")
    before, _, _ = groups(g, ifn)
    host_to_guest(t, g, ep, count=N, size=600, peer_mac=ep.mac)
    guest_to_host(t, g, ep, count=N, size=600)
    after, stats, out = groups(g, ifn)
    t.note("groups after the traffic: " + " ".join(
        f"{k}={v}" for k, v in after.items() if v))
    d = {k: after[k] - before.get(k, 0) for k in after}
    want = {"eth-mac-FramesReceivedOK": N, "eth-mac-FramesTransmittedOK": N,
            "eth-mac-OctetsReceivedOK": N * 604, "eth-mac-OctetsTransmittedOK": N * 604,
            "rx-rmon-etherStatsPkts512to1023Octets": N,
            "tx-rmon-etherStatsPkts512to1023Octets": N}
    for k in want:
        t.expect(k in d, f"no {k} in ethtool -S --groups:\n{out}")
    wrong = {k: (v, want.get(k, 0)) for k, v in d.items() if v != want.get(k, 0)}
    t.expect(not wrong, "groups after 300 datagrams each way (got, expected): " +
             ", ".join(f"{k} {v} != {w}" for k, (v, w) in sorted(wrong.items())))
    hist = sorted((int(m.group(2)), k) for k in after
                  for m in [re.match(r"(rx|tx)-rmon-etherStatsPkts(\d+)to(\d+)Octets", k)] if m)
    t.expect([lo for lo, k in hist if k.startswith("rx")] == [64, 65, 128, 256, 512, 1024],
             f"rmon histogram buckets:\n{out}")
    same = {"eth-mac-FramesReceivedOK": "hw_rx_good_packets",
            "eth-mac-FramesTransmittedOK": "hw_tx_good_packets",
            "eth-mac-OctetsReceivedOK": "rx_long_byte_count",
            "eth-mac-OctetsTransmittedOK": "hw_tx_good_octets",
            "eth-mac-FrameCheckSequenceErrors": "rx_crc_errors",
            "eth-mac-MulticastFramesReceivedOK": "rx_multicast",
            "eth-mac-BroadcastFramesXmittedOK": "tx_broadcast",
            "rmon-etherStatsUndersizePkts": "rx_short_length_errors",
            "rx-rmon-etherStatsPkts512to1023Octets": "hw_rx_512_1023",
            "tx-rmon-etherStatsPkts1024to9018Octets": "hw_tx_1024_max"}
    for k, name in same.items():
        t.expect(after.get(k) == stats.get(name),
                 f"{k} {after.get(k)} but ethtool -S {name} {stats.get(name)}")


def ctrl_reg(g, ifn):
    """CTRL, the first register of the dump."""
    m = re.search(r"0x0000:\s+((?:[0-9a-f]{2}\s+){4})", g.sh(f"ethtool -d {ifn} raw off"))
    return int.from_bytes(bytes.fromhex(m.group(1).replace(" ", "")), "little")


def link_shows(t, g, ifn, what, *texts):
    # QEMU takes the link down for 0.5 s when autonegotiation restarts
    out = g.sh(f"sleep 1; wait_for 10 grep -qx 1 /sys/class/net/{ifn}/carrier; ethtool {ifn}")
    for text in texts:
        t.expect(text in out, f"{what}: ethtool does not show '{text}':\n{out}")
    t.expect("Link detected: yes" in out, f"{what}: no link:\n{out}")
    return out


def check_link_settings(t, g, ep, ifn):
    out = link_shows(t, g, ifn, "default", "Auto-negotiation: on", "Speed: 1000Mb/s")
    for section in ("Supported link modes", "Advertised link modes"):
        modes = re.search(section + r":\s+(.*?)\n\s+\w[\w ]*:", out, re.S).group(1).split()
        t.expect(" ".join(modes) == ALL_MODES, f"{section}: {modes}")
    default = out

    g.sh(f"ethtool -s {ifn} advertise 0x008")
    out = link_shows(t, g, ifn, "advertise 100baseT/Full", "Auto-negotiation: on")
    adv = re.search(r"Advertised link modes:\s+(.*?)\n\s+\w[\w ]*:", out, re.S).group(1).split()
    t.expect(adv == ["100baseT/Full"], f"advertised after advertise 0x008: {adv}")
    ctrl = ctrl_reg(g, ifn)
    t.expect(ctrl & (CTRL_FRCSPD | CTRL_FRCDPLX) == 0 and ctrl & CTRL_ASDE,
             f"autonegotiation: CTRL {ctrl:#x}")
    traffic(t, g, ep, count=100)

    for speed, duplex, bits in ((100, "full", 1 << 8 | CTRL_FD), (10, "half", 0),
                                (100, "half", 1 << 8)):
        g.sh(f"ethtool -s {ifn} autoneg off speed {speed} duplex {duplex}")
        out = link_shows(t, g, ifn, f"forced {speed}/{duplex}", "Auto-negotiation: off")
        t.expect(re.search(r"Advertised link modes:\s+Not reported", out),
                 f"forced {speed}/{duplex}: advertised modes:\n{out}")
        ctrl = ctrl_reg(g, ifn)
        t.expect(ctrl & (CTRL_FRCSPD | CTRL_FRCDPLX | CTRL_SPEED | CTRL_FD | CTRL_ASDE) ==
                 CTRL_FRCSPD | CTRL_FRCDPLX | bits,
                 f"forced {speed}/{duplex}: CTRL {ctrl:#x}")
        traffic(t, g, ep, count=100)

    g.sh(f"ethtool -s {ifn} autoneg on advertise 0x02f")
    out = link_shows(t, g, ifn, "every mode again", "Auto-negotiation: on")
    t.expect(out == default, f"not back to the default:\n{out}\nvs\n{default}")
    for cmd, reason in (("autoneg off speed 1000 duplex full", "needs autonegotiation"),
                        ("autoneg off speed 1000 duplex half", "needs autonegotiation"),
                        ("autoneg off speed 2500 duplex full", "speed must be 10 or 100"),
                        ("advertise 0x010", "can advertise only"),
                        ("advertise 0x1000", "can advertise only")):
        rc, res = g.run(f"ethtool -s {ifn} {cmd}")
        t.expect(rc != 0 and "Invalid argument" in res, f"'ethtool -s {cmd}': {rc} {res}")
        log = g.sh("dmesg | tail -n 3")
        t.expect(reason in log, f"'ethtool -s {cmd}': kernel log does not say '{reason}':\n{log}")
        out = link_shows(t, g, ifn, f"after refused {cmd}")
        t.expect(out == default, f"refused '{cmd}' changed the link:\n{out}")
    traffic(t, g, ep, count=100)
    return default


def compare_with_e1000(t, g, ifn, ts, default):
    """The in-kernel e1000 on the same NIC."""
    e1000 = g.sh("ip link set {0} down; rmmod e1000_csb; modprobe e1000; "
                 "wait_for 10 ifname_of e1000 >/dev/null; n=$(ifname_of e1000); "
                 "ip link set $n up; echo $n".format(ifn)).split()[-1]
    out = link_shows(t, g, e1000, "e1000")
    t.expect(g.sh(f"ethtool -T {e1000}").replace(e1000, ifn) == ts,
             "ethtool -T differs from e1000's")
    for section in ("Supported link modes", "Advertised link modes"):
        ours = re.search(section + r":.*?\n\s+\w[\w ]*:", default, re.S).group(0)
        theirs = re.search(section + r":.*?\n\s+\w[\w ]*:", out, re.S).group(0)
        t.expect(ours == theirs, f"{section}: ours\n{ours}\ne1000's\n{theirs}")
    g.sh(f"ethtool -s {e1000} autoneg off speed 100 duplex full")
    link_shows(t, g, e1000, "e1000 forced 100/full", "Auto-negotiation: off", "Speed: 1000Mb/s")


def run(t):
    link = t.link()
    g = t.guest(link.a, nic="e1000", qemu="stock", driver="e1000_csb")
    ifn = g.nics[0].ifname

    # rings
    ring = g.sh(f"ethtool -g {ifn}")
    current = ring.partition("Current hardware settings")[2]
    t.expect(ring.count("4096") == 2 and re.search(r"^RX:\s+256$", current, re.M) and
             re.search(r"^TX:\s+128$", current, re.M),
             f"ethtool -g (defaults: rx 256, tx 128):\n{ring}")
    refused(t, g, f"ethtool -G {ifn} rx 100", "multiple of 8")
    refused(t, g, f"ethtool -G {ifn} tx 72", "between 80 and 4096")
    rc, out = g.run(f"ethtool -G {ifn} rx 5000")
    t.expect(rc != 0, f"rx 5000 accepted:\n{out}")
    g.sh(f"ethtool -G {ifn} rx 80 tx 4096")
    ring = g.sh(f"ethtool -g {ifn}")
    t.expect("RX:\t\t80" in ring and ring.count("4096") == 3, f"after -G:\n{ring}")
    traffic(t, g, link.a)
    g.sh(f"ethtool -G {ifn} rx 512 tx 128")
    traffic(t, g, link.a)

    # coalescing
    g.sh(f"ethtool -C {ifn} rx-usecs 100")
    t.expect("rx-usecs: 100" in g.sh(f"ethtool -c {ifn}"), "rx-usecs did not stick")
    refused(t, g, f"ethtool -C {ifn} rx-usecs 20000", "between 0 and 10000")
    regs = g.sh(f"ethtool -d {ifn} raw off")
    t.expect("0x0000:" in regs, f"ethtool -d:\n{regs}")
    traffic(t, g, link.a)
    g.sh(f"ethtool -C {ifn} rx-usecs 0")

    # message level
    g.sh(f"ethtool -s {ifn} msglvl 0x3")
    t.expect("0x00000003" in g.sh(f"ethtool {ifn}"), "msglvl did not stick")

    # offloads off, then on again
    g.sh(f"ethtool -K {ifn} tso off tx off rx off sg off gro off")
    feats = g.sh(f"ethtool -k {ifn}")
    t.expect("tcp-segmentation-offload: off" in feats and "rx-checksumming: off" in feats,
             f"features:\n{feats}")
    traffic(t, g, link.a)
    g.sh(f"ethtool -K {ifn} tso on tx on rx on sg on gro on")
    feats = g.sh(f"ethtool -k {ifn}")
    t.expect("tcp-segmentation-offload: on" in feats, f"features:\n{feats}")

    # MTU
    refused(t, g, f"ip link set {ifn} mtu 9001", "")
    g.sh(f"ip link set {ifn} mtu 9000")
    traffic(t, g, link.a, size=9014, count=200)
    traffic(t, g, link.a, size=4000, count=200)
    g.sh(f"ip link set {ifn} mtu 1500")
    traffic(t, g, link.a, size=1514)

    ts = check_timestamping(t, g, ifn)
    check_groups(t, g, link.a, ifn)
    default = check_link_settings(t, g, link.a, ifn)

    s = g.sh(f"ethtool -S {ifn}")
    t.note(" ".join(line.strip() for line in s.splitlines()
                    if line.strip().startswith(("rx_multi", "tx_timeout_count", "resets"))))
    compare_with_e1000(t, g, ifn, ts, default)
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
