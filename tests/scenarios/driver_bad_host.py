# SPDX-License-Identifier: GPL-2.0
"""The driver against values a broken host could produce, in plain and in
CSB mode (debugfs hooks write what such a host would):

- rx_bad_done: DD on every RX descriptor from next_to_clean through
  next_to_use, the last of them one the driver never handed over (its
  buffer may be gone): the given ones as one long frame, so that one poll
  reaches the last whatever its budget. The driver judges the frame in
  the given ones (they were the host's to fill: a frame error, as it
  needs more fragments than a socket buffer has) and takes nothing from
  the other (no crash), counts it in rx_host_errors, and resets the
  device (where it writes next is unknown now), in CSB mode after falling
  back to plain mode saying why. In CSB mode that takes a host that also
  claims, in rx_head, to have filled them all (rx_bad_done=2): with the
  device's true rx_head (rx_bad_done=1) the driver takes none of them, as
  DD ahead of rx_head is no completion (spec section 7), counts
  csb_rx_dd_ahead, stays in CSB mode, and the device's next frames
  overwrite them.
- shared_irq: the handler runs, as for a neighbour on a shared line, while
  ICR holds only a cause the driver never enables (TXQE): the interrupt is
  not ours (spec section 7: icr & IMS), so irq_not_ours counts it and
  irq_handled does not move.
- CSB mode only: a device that can no longer confirm it released the CSB
  (a surprise removal: STATUS reads all-ones) must not get its block
  freed under it: the driver leaves it allocated and says so in the log.

Verified traffic both ways after each step; no kernel warnings."""
import re

from harness import KERNELS
from harness.traffic import guest_to_host, host_to_guest

MATRIX = {"kernel": KERNELS, "mode": ["plain", "csb"]}
TIMEOUT = 400
DBG = "/sys/kernel/debug/e1000_csb/0000:00:02.0"


def traffic(t, g, ep, port, count=300):
    host_to_guest(t, g, ep, count=count, size=600, port=port, peer_mac=ep.mac)
    guest_to_host(t, g, ep, count=count, size=600, port=port + 1)


def delta(before, after, key):
    return after[key] - before[key]


def rx_bad_done_hook(t, g, how):
    """Run the rx_bad_done hook; returns how many descriptors it marked
    that were given to the device."""
    g.sh(f"echo {how} > {DBG}/rx_bad_done; sleep 1")
    line = g.sh("dmesg | grep 'debugfs: marking RX descriptors' | tail -n 1")
    m = re.search(r"done: (\d+) given to the device", line)
    t.expect(m, f"no report from the rx_bad_done hook:\n{line}")
    return int(m.group(1))


def dd_ahead_of_head(t, g, ep, ifn):
    """CSB mode: DD on descriptors the device's rx_head has not passed."""
    before = g.ethtool_stats(ifn)
    rx_bad_done_hook(t, g, 1)
    after = g.ethtool_stats(ifn)
    for key in ("rx_packets", "rx_dropped_errors", "rx_host_errors", "resets",
                "csb_fallbacks"):
        t.expect(delta(before, after, key) == 0,
                 f"DD ahead of rx_head: {key} +{delta(before, after, key)}")
    t.expect(delta(before, after, "csb_rx_dd_ahead") >= 1,
             "DD ahead of rx_head was not counted (csb_rx_dd_ahead)")
    t.expect(after["csb_active"] == 1, "left CSB mode for DD ahead of rx_head")
    traffic(t, g, ep, 5007)
    final = g.ethtool_stats(ifn)
    t.expect(delta(after, final, "rx_packets") == 300,
             f"rx_packets +{delta(after, final, 'rx_packets')} for 300 datagrams")


def bad_rx_done(t, g, ep, ifn):
    before = g.ethtool_stats(ifn)
    given = rx_bad_done_hook(t, g, 2 if t.mode == "csb" else 1)
    if t.mode == "csb":
        g.sh(f"wait_for 10 sh -c 'ethtool -S {ifn} | grep -qx \" *csb_active: 0\"'", timeout=20)
        log = g.sh("dmesg | grep 'falling back' | tail -n 1")
        t.expect("host wrote DD on RX descriptor" in log, f"fallback reason:\n{log}")
    g.sh(f"wait_for 10 sh -c 'ethtool -S {ifn} | grep -qx \" *resets: {before['resets'] + 1}\"' "
         f"&& wait_for 10 grep -qx 1 /sys/class/net/{ifn}/carrier && sleep 1.5", timeout=30)
    after = g.ethtool_stats(ifn)
    t.expect(delta(before, after, "resets") == 1, "no reset after the host's bad write-back")
    t.expect(delta(before, after, "rx_host_errors") == 1,
             f"rx_host_errors grew by {delta(before, after, 'rx_host_errors')}, expected 1")
    # the descriptors given were the host's to fill: one frame, too long
    # for a socket buffer (a frame error) unless it fits its fragments;
    # the one never given must yield nothing
    frames = 1 if given <= 17 else 0
    t.expect(delta(before, after, "rx_packets") == frames and
             delta(before, after, "rx_dropped_errors") == 1 - frames,
             f"rx_packets +{delta(before, after, 'rx_packets')}, rx_dropped_errors "
             f"+{delta(before, after, 'rx_dropped_errors')} for {given} descriptors "
             "given to the device and marked done as one frame")
    traffic(t, g, ep, 5003)
    final = g.ethtool_stats(ifn)
    t.expect(delta(after, final, "rx_packets") == 300,
             f"rx_packets +{delta(after, final, 'rx_packets')} for 300 datagrams")


def shared_irq(t, g, ifn):
    keys = ("irq_handled", "irq_not_ours")
    before = g.ethtool_stats(ifn)
    g.sh(f"echo 1 > {DBG}/shared_irq")
    after = g.ethtool_stats(ifn)
    got = {k: delta(before, after, k) for k in keys}
    t.expect(got == {"irq_handled": 0, "irq_not_ours": 1},
             f"handler on a shared line with only a masked cause: {got}")


def surprise_removal(t, g, ifn):
    g.sh(f"echo 1 > {DBG}/surprise_remove; sleep 3")
    g.sh("rmmod e1000_csb")
    log = g.sh("dmesg | tail -n 30")
    t.expect("did not confirm it stopped using the CSB" in log,
             f"the CSB of a device that cannot confirm its release was freed:\n{log}")


def run(t):
    link = t.link()
    ep = link.a
    g = t.guest(ep, nic="e1000", driver=None)
    g.sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
    ifn = g.bring_up("e1000_csb")
    if t.mode == "csb":
        g.set_csb(True)
    traffic(t, g, ep, 5001)
    shared_irq(t, g, ifn)
    if t.mode == "csb":
        dd_ahead_of_head(t, g, ep, ifn)
    bad_rx_done(t, g, ep, ifn)
    if t.mode == "csb":
        g.set_csb(True)
        traffic(t, g, ep, 5005)
        surprise_removal(t, g, ifn)
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
