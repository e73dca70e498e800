# SPDX-License-Identifier: GPL-2.0
"""e1000_csb through the events of a device's life, each followed by
verified UDP traffic: link loss and return (QEMU set_link, LSC interrupt),
the reset work (what a transmit timeout runs, triggered through debugfs)
under traffic, interface down/up and module unload/reload cycles, a
simulated surprise removal (registers read
all-ones: the driver must detach and stay off the hardware; unload must
still be clean), and finally ACPI hot-unplug of the NIC while it is up.
The kernel log must stay free of warnings throughout.
(Suspend/resume: driver_suspend.py.)

With csb=on the same in CSB mode on our QEMU (`modprobe e1000_csb csb=1`),
plus an unbind and bind through sysfs while on: after every event that
keeps the device the interface is back in CSB mode; after the surprise
removal the driver must not free the CSB of a device that can no longer
confirm it released it (logged instead), and a reload brings CSB mode
back."""

from harness import KERNELS
from harness.traffic import guest_to_host, host_to_guest

MATRIX = {"kernel": KERNELS, "csb": ["off", "on"]}
PCI = "0000:00:02.0"
TIMEOUT = 600
DBG = "/sys/kernel/debug/e1000_csb/0000:00:02.0"


def traffic(t, g, ep, count=300, size=600):
    g.sh("sleep 1.5")  # after an RCTL write QEMU's e1000 holds rx back for 1 s
    host_to_guest(t, g, ep, count=count, size=size)
    guest_to_host(t, g, ep, count=count, size=size)


def carrier(g, ifn):
    return g.sh(f"cat /sys/class/net/{ifn}/carrier").strip()


def csb_on(t, g, ifn, want, what):
    """In CSB mode after WHAT, if the scenario runs with csb=on."""
    if want:
        t.expect(g.csb_active(ifn), f"not in CSB mode after {what}")


def up_again(t, g, ep, ifn):
    g.sh(f"""
wait_for 10 ifname_of e1000_csb || exit 1
ip addr add {ep.ip}/24 dev {ifn} 2>/dev/null
ip link set {ifn} up
wait_for 15 grep -qx 1 /sys/class/net/{ifn}/carrier
""", timeout=40)


def run(t):
    link = t.link()
    csb = t.csb == "on"
    params = "csb=1" if csb else ""
    g = t.guest(link.a, nic="e1000", qemu="build" if csb else "stock")
    ifn = g.bring_up("e1000_csb", params=params)

    # link loss and return
    g.monitor("set_link nic0 off")
    g.sh(f"wait_for 10 grep -qx 0 /sys/class/net/{ifn}/carrier")
    g.monitor("set_link nic0 on")
    g.sh(f"wait_for 10 grep -qx 1 /sys/class/net/{ifn}/carrier")
    traffic(t, g, link.a)
    csb_on(t, g, ifn, csb, "link loss")

    # the reset work, with traffic running
    g.sh(f"bg_start ping ping -q -i 0.02 -c 200 {link.b.ip}")
    g.sh(f"echo 1 > {DBG}/reset; sleep 1; echo 1 > {DBG}/reset; sleep 1")
    g.run("bg_wait ping 30", timeout=40)
    s = g.sh(f"ethtool -S {ifn} | grep -w resets")
    t.expect("resets: 2" in s, f"reset counter: {s}")
    traffic(t, g, link.a)
    csb_on(t, g, ifn, csb, "two resets")

    # down/up and unload/reload
    for _ in range(3):
        g.sh(f"ip link set {ifn} down; ip link set {ifn} up; "
             f"wait_for 10 grep -qx 1 /sys/class/net/{ifn}/carrier")
    traffic(t, g, link.a)
    for _ in range(2):
        g.sh(f"rmmod e1000_csb && modprobe e1000_csb {params}")
        up_again(t, g, link.a, ifn)
    traffic(t, g, link.a)
    csb_on(t, g, ifn, csb, "down/up and reloads")
    if csb:
        g.sh(f"echo {PCI} > /sys/bus/pci/drivers/e1000_csb/unbind && "
             f"echo {PCI} > /sys/bus/pci/drivers/e1000_csb/bind")
        up_again(t, g, link.a, ifn)
        traffic(t, g, link.a)
        csb_on(t, g, ifn, csb, "unbind and bind")

    # simulated surprise removal
    g.sh(f"bg_start ping2 ping -q -i 0.02 -c 100 {link.b.ip}")
    g.sh(f"echo 1 > {DBG}/surprise_remove; sleep 4")
    log = g.sh("dmesg | tail -n 20")
    t.expect("assuming it was removed" in log, f"removal not detected:\n{log}")
    rc, out = g.run(f"ip link set {ifn} down; ip link set {ifn} up")
    t.expect(rc != 0, f"a removed device came up again:\n{out}")
    g.sh(f"rmmod e1000_csb && modprobe e1000_csb {params}")
    if csb:
        log = g.sh("dmesg | tail -n 30")
        t.expect("did not confirm it stopped using the CSB" in log,
                 f"the CSB of a removed device was freed without its word:\n{log}")
    up_again(t, g, link.a, ifn)
    traffic(t, g, link.a)
    csb_on(t, g, ifn, csb, "surprise removal and reload")

    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))

    # ACPI hot-unplug while up and sending
    g.sh(f"bg_start ping3 ping -q -i 0.02 -c 300 {link.b.ip}")
    g.monitor("device_del nic0")
    g.sh(f"wait_for 20 test ! -e /sys/class/net/{ifn}", timeout=30)
    g.sh("rmmod e1000_csb")
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
