# SPDX-License-Identifier: GPL-2.0
"""e1000_csb control plane through ethtool and ip: ring sizes (valid
change, out-of-range and not-a-multiple-of-8 refused with a message),
interrupt coalescing (rx-usecs to ITR, out of range refused), register
dump, message level, offload features switched off and on again, and MTU
changes (9000 accepted, 9001 refused) - each followed by verified UDP
traffic in both directions, jumbo datagrams included."""
from harness import KERNELS
from harness.traffic import guest_to_host, host_to_guest

MATRIX = {"kernel": KERNELS}
TIMEOUT = 600


def traffic(t, g, ep, size=600, count=300):
    g.sh("sleep 1.5")  # after an RCTL write QEMU's e1000 holds rx back for 1 s
    host_to_guest(t, g, ep, count=count, size=size)
    guest_to_host(t, g, ep, count=count, size=size)


def refused(t, g, cmd, message):
    rc, out = g.run(cmd)
    t.expect(rc != 0, f"'{cmd}' succeeded:\n{out}")
    t.expect(message in out, f"'{cmd}' did not say '{message}':\n{out}")


def run(t):
    link = t.link()
    g = t.guest(link.a, nic="e1000", qemu="stock", driver="e1000_csb")
    ifn = g.nics[0].ifname

    # rings
    ring = g.sh(f"ethtool -g {ifn}")
    t.expect(ring.count("4096") == 2 and ring.count("256") == 2, f"ethtool -g:\n{ring}")
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

    s = g.sh(f"ethtool -S {ifn}")
    t.note(" ".join(line.strip() for line in s.splitlines()
                    if line.strip().startswith(("rx_multi", "tx_timeout_count", "resets"))))
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
