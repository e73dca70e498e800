# SPDX-License-Identifier: GPL-2.0
"""The harness's machine="q35-iommu" works: a guest on Q35 with an
emulated Intel VT-d (-device intel-iommu) boots with intel_iommu=on, the
kernel turns DMA remapping on, the e1000 sits in an IOMMU group whose
default domain translates its DMA (so every descriptor, buffer and, in
CSB mode, the CSB address it is given is an IOVA), and the driver
(the in-kernel e1000, or ours in CSB mode) moves verified UDP both ways through it without a single
DMA remapping fault. On the host side QEMU's memory tree shows the NIC's
bus master address space going through the VT-d translation region, not
to RAM. With driver=e1000_csb the same runs in CSB mode: the CSB address
the driver hands the device is an IOVA, and the device must reach the
block through the translation, its TX thread polling it there too
(csb-qtest's iommu_* tests cover the device's side of that, including
unmapped addresses). The TX thread polls a paced stream like this one
(2,857 datagrams a second) only when told to: by default a window must
find csb-poll-us/x-csb-poll-descs of idle time per descriptor or less,
and kicks are served inline; here csb-poll-us=1000 and x-csb-poll-descs=1,
so every 350 us gap is polled through."""
from harness import KERNELS
from harness.traffic import guest_to_host, host_to_guest

MATRIX = {"kernel": KERNELS, "qemu": ["build"], "driver": ["e1000", "e1000_csb"]}
TIMEOUT = 300

# the TX thread polls through the gaps of the paced stream (see above)
CSB_PROPS = "csb-poll-us=1000,x-csb-poll-descs=1"

# What the kernel says about DMA remapping faults (drivers/iommu/intel/dmar.c)
FAULT_PATTERNS = ("DMAR: DRHD: handling fault", "DMAR: [DMA Read", "DMAR: [DMA Write",
                  "DMAR: [INTR-REMAP")


def nic_flatview(mtree, as_name="e1000"):
    """The lines of `info mtree -f` for the flat view of address space
    AS_NAME (the NIC's bus master address space is named after it)."""
    for block in mtree.split("FlatView #")[1:]:
        lines = block.splitlines()
        if any(line.strip().startswith(f'AS "{as_name}"') for line in lines):
            return lines
    return []


def run(t):
    link = t.link()
    g = t.guest(link.a, nic="e1000", driver=t.driver, machine="q35-iommu",
                nic_props=CSB_PROPS if t.driver == "e1000_csb" else "")
    if t.driver == "e1000_csb":
        g.set_csb(True)
        before = g.ethtool_stats()
    cmdline = g.sh("cat /proc/cmdline")
    t.expect("intel_iommu=on" in cmdline.split(), f"kernel command line: {cmdline}")
    # The DMA remapping unit is registered and translation is on
    units = g.sh("ls /sys/class/iommu").split()
    t.expect(any(u.startswith("dmar") for u in units),
             f"no DMAR unit in /sys/class/iommu: {units}")
    dmesg = g.sh("dmesg")
    t.expect("DMAR: Intel(R) Virtualization Technology for Directed I/O" in dmesg,
             "the kernel did not turn on VT-d DMA remapping:\n" +
             "\n".join(line for line in dmesg.splitlines() if "DMAR" in line))
    # The NIC's IOMMU group and the type of its default domain: "DMA" or
    # "DMA-FQ" translate (IOVAs), "identity" would be a pass-through
    ifname = link.a.ifname
    info = g.sh(f"""
dev=$(readlink -f /sys/class/net/{ifname}/device)
echo "bdf=${{dev##*/}}"
echo "driver=$(basename $(readlink $dev/driver))"
grp=$(readlink -f $dev/iommu_group) || exit 1
echo "group=${{grp##*/}}"
echo "type=$(cat $grp/type)"
""")
    kv = dict(line.split("=", 1) for line in info.splitlines() if "=" in line)
    t.expect(kv.get("driver") == t.driver, f"NIC not driven by {t.driver}: {kv}")
    t.expect(kv.get("type") in ("DMA", "DMA-FQ"),
             f"the NIC's IOMMU domain does not translate its DMA: {kv}")

    # Host side: the NIC's DMA goes to the VT-d translation region
    # (vtd-<slot>-dmar), never straight to RAM
    view = nic_flatview(g.monitor("info mtree -f"))
    ranges = [line.strip() for line in view if "(prio" in line]
    t.expect(ranges and any("-dmar" in r for r in ranges)
             and not any(", ram)" in r for r in ranges),
             "the NIC's bus master address space does not go through VT-d:\n" +
             "\n".join(view))

    to_host = guest_to_host(t, g, link.a, count=1000, size=1400)
    to_guest = host_to_guest(t, g, link.a, count=1000, size=1400)
    t.expect(to_host["valid"] == 1000 and to_guest["valid"] == 1000,
             "verified traffic short")

    faults = [line for line in g.sh("dmesg").splitlines()
              if any(p in line for p in FAULT_PATTERNS)]
    t.expect(not faults, "DMA remapping faults:\n" + "\n".join(faults[:20]))
    if t.driver == "e1000_csb":
        s = g.ethtool_stats()
        t.expect(s["csb_active"] == 1 and s["csb_fallbacks"] == 0,
                 f"not in CSB mode at the end (fallbacks {s['csb_fallbacks']})")
        t.expect(s["csb_tx_kicks_avoided"] > before["csb_tx_kicks_avoided"],
                 "no TX tail went through the CSB")
        # the host's TX thread polls the translated CSB too (csb-poll-us,
        # one read at a time with the BQL): some tails are found that way
        h = g.host_counters(names=("x-stat-csb-tx-spin-hits", "x-stat-csb-tx-kicks"))
        t.expect(h["x-stat-csb-tx-spin-hits"] > 0,
                 f"the host's TX thread never found work by polling the CSB behind VT-d: {h}")
        t.note(f"host TX thread: {h['x-stat-csb-tx-spin-hits']} tails found by polling, "
               f"{h['x-stat-csb-tx-kicks']} kicks")
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
    t.note(f"{kv['bdf']} in IOMMU group {kv['group']} ({kv['type']}); "
           f"{to_host['valid']} datagrams out, {to_guest['valid']} in, no DMAR faults")
