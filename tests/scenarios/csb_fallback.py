# SPDX-License-Identifier: GPL-2.0
"""Every way CSB mode can be unavailable or go wrong, each followed by
verified traffic in plain mode:

- host=stock (Debian's QEMU) and host=csb-off (our QEMU with csb=off): no
  capability; `ethtool --set-priv-flags csb on` fails with EOPNOTSUPP and
  the kernel log says why; the module parameter csb=1 leaves the interface
  in plain mode without complaint.
- host=csb-on (our QEMU): the host refuses the CSB while PCI bus mastering
  is off (its reason is logged); a host that writes an out-of-range kick
  request makes the driver fall back (debugfs csb_bad_host); a host that
  drops the CSB on its own (here because of a bad tail, debugfs
  csb_bad_guest) is noticed by the watchdog, which falls back with the
  host's reason. Counters: csb_fallbacks, csb_host_errors, csb_active.

No kernel warnings anywhere."""
from harness import KERNELS
from harness.traffic import guest_to_host, host_to_guest

MATRIX = {"kernel": KERNELS, "host": ["stock", "csb-off", "csb-on"]}
TIMEOUT = 400
DBG = "/sys/kernel/debug/e1000_csb/0000:00:02.0"
CONFIG = "/sys/bus/pci/devices/0000:00:02.0/config"


def traffic(t, g, ep, port):
    host_to_guest(t, g, ep, count=300, size=300, port=port)
    guest_to_host(t, g, ep, count=300, size=300, port=port + 1)


def refused(t, g, ifn, message, before="", after=""):
    """`csb on` must fail with EOPNOTSUPP and MESSAGE in the kernel log;
    BEFORE and AFTER are shell commands run right around it."""
    rc, out = g.run(f"{before}\nethtool --set-priv-flags {ifn} csb on; rc=$?\n{after}\nexit $rc")
    t.expect(rc != 0 and "not supported" in out.lower(),
             f"csb on: exit {rc}, expected EOPNOTSUPP:\n{out}")
    log = g.sh("dmesg | tail -n 5")
    t.expect(message in log, f"no '{message}' in the kernel log:\n{log}")
    t.expect(not g.csb_active(ifn), "in CSB mode although the host refused")


def fell_back(t, g, ifn, message, timeout=10):
    g.sh(f"wait_for {timeout} sh -c 'ethtool -S {ifn} | grep -qx \" *csb_active: 0\"'",
         timeout=timeout + 10)
    log = g.sh("dmesg | grep 'falling back' | tail -n 1")
    t.expect(message in log, f"expected '{message}' in:\n{log}")
    flags = g.sh(f"ethtool --show-priv-flags {ifn}")
    t.expect("csb" in flags and "off" in flags, f"priv flags after fallback:\n{flags}")


def run(t):
    link = t.link()
    ep = link.a
    qemu = "stock" if t.host == "stock" else "build"
    props = "csb=off" if t.host == "csb-off" else ""
    g = t.guest(ep, nic="e1000", qemu=qemu, nic_props=props, driver="e1000_csb")
    ifn = ep.ifname

    if t.host != "csb-on":
        t.expect(not g.csb_active(ifn), "in CSB mode on a host without the extension")
        rc, log = g.run("dmesg | grep 'host offers the CSB extension'")
        t.expect(rc != 0, f"the host does not offer the CSB, the kernel log says:\n{log}")
        refused(t, g, ifn, "host does not offer the CSB extension")
        traffic(t, g, ep, 5001)
        g.sh(f"ip link set {ifn} down; rmmod e1000_csb")
        g.bring_up("e1000_csb", params="csb=1")
        t.expect(not g.csb_active(ifn), "in CSB mode with csb=1 on a host without the extension")
        traffic(t, g, ep, 5003)
    else:
        # refusal with the host's reason: bus mastering off
        # (restored right away, and nothing may be sent meanwhile: QEMU's
        # e1000 consumes TX descriptors without bus mastering and never
        # writes them back, so the queue would time out; hence no IPv6)
        g.sh(f"echo 1 > /proc/sys/net/ipv6/conf/{ifn}/disable_ipv6")
        cmd = int(g.sh(f"dd if={CONFIG} bs=1 skip=4 count=1 2>/dev/null | od -An -tu1"))
        write = f"dd of={CONFIG} bs=1 seek=4 conv=notrunc 2>/dev/null"
        refused(t, g, ifn, "host refused the CSB (PCI bus mastering is off)",
                before=f"printf '\\{cmd & ~4:03o}' | {write}",
                after=f"printf '\\{cmd:03o}' | {write}")
        traffic(t, g, ep, 5001)

        # a host writing nonsense: the driver falls back at the next kick check
        g.set_csb(True)
        traffic(t, g, ep, 5003)
        g.sh(f"sleep 0.5; echo 1 > {DBG}/csb_bad_host; ping -c 2 -W 1 {ep.peer.ip} || true")
        fell_back(t, g, ifn, "host wrote tx_kick = 0x8000ffff")
        traffic(t, g, ep, 5005)

        # the host drops the CSB on its own: the watchdog notices
        g.set_csb(True)
        g.sh(f"echo 1 > {DBG}/csb_bad_guest")
        fell_back(t, g, ifn, "the host dropped the CSB (a ring index in the CSB was out of range)")
        traffic(t, g, ep, 5007)

        s = g.ethtool_stats(ifn)
        t.note(f"fallbacks {s['csb_fallbacks']}, host errors {s['csb_host_errors']}, "
               f"switches {s['csb_mode_switches']}")
        t.expect(s["csb_fallbacks"] == 2 and s["csb_host_errors"] == 1 and s["csb_active"] == 0,
                 f"counters: fallbacks {s['csb_fallbacks']} host_errors {s['csb_host_errors']}")

    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
