# SPDX-License-Identifier: GPL-2.0
"""The user guide's recipe for moving a NIC from the in-kernel e1000 to
e1000_csb without rebooting works: unbind, driver_override, probe; the
NIC then carries verified traffic under e1000_csb."""
from harness import KERNELS
from harness.traffic import host_to_guest

MATRIX = {"kernel": KERNELS}


def run(t):
    link = t.link()
    g = t.guest(link.a, nic="e1000", driver="e1000")
    ifname = link.a.ifname
    info = g.sh(f"ethtool -i {ifname}")
    t.expect("driver: e1000\n" in info + "\n", f"not on the in-kernel e1000:\n{info}")
    dev = g.sh(f"basename $(readlink /sys/class/net/{ifname}/device)").strip()
    g.sh(f"""
modprobe e1000_csb
echo {dev} > /sys/bus/pci/drivers/e1000/unbind
echo e1000_csb > /sys/bus/pci/devices/{dev}/driver_override
echo {dev} > /sys/bus/pci/drivers_probe
""")
    ifname = g.sh(f"wait_for 10 ifname_of e1000_csb && ifname_of e1000_csb").strip()
    link.a.ifname = g.nics[0].ifname = ifname
    g.sh(f"""
ip addr add {link.a.ip}/24 dev {ifname}
ip link set {ifname} up
ip neigh replace {link.b.ip} lladdr {link.b.mac} dev {ifname} nud permanent
wait_for 30 grep -qx 1 /sys/class/net/{ifname}/carrier
""", timeout=40)
    info = g.sh(f"ethtool -i {ifname}")
    t.expect("driver: e1000_csb" in info, f"not on e1000_csb:\n{info}")
    host_to_guest(t, g, link.a, count=500, size=600)
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
