# SPDX-License-Identifier: GPL-2.0
"""A host that writes DD on a receive descriptor before the frame is there
(`-device e1000,csb=on,x-csb-early-dd=2`, a test hook of our QEMU: every 2 ms of
virtual time while the CSB is active, DD, EOP and a 2048-byte length on
the descriptor at RDH, the one the device fills next; the frame comes
later, into that descriptor's buffer, and only then does rx_head pass it).

In CSB mode the driver takes a descriptor only once the device's rx_head
has passed it (spec section 7, the write-back bound), so every datagram
of a host->guest stream (1400 bytes: too big to copy, the page goes to
the stack) arrives verified, the interface stays in CSB mode with no
fallback, rescue or host error, and the driver counts the DD bits it
found ahead of the head (csb_rx_dd_ahead > 0; the host counts what it
wrote, x-stat-csb-early-dd). A driver that believes DD alone hands the
stack a buffer the device then writes the frame into: the guest memory
corruption that csb_chaos_host once showed as a flood of "Bad swap file
entry" (issue #11), and here lost and garbage datagrams."""
from harness import KERNELS
from harness.traffic import host_to_guest

MATRIX = {"kernel": KERNELS}
TIMEOUT = 300
COUNT = 4000
RATE = 1000
PERIOD_MS = 2
WATCH = ("csb_fallbacks", "csb_rescues", "csb_host_errors", "rx_host_errors",
         "rx_dropped_errors")


def run(t):
    link = t.link()
    ep = link.a
    g = t.guest(ep, nic="e1000", nic_props=f"x-csb-early-dd={PERIOD_MS}")
    ifn = g.bring_up("e1000_csb")
    g.set_csb(True, ifn)
    before = g.ethtool_stats(ifn)

    host_to_guest(t, g, ep, count=COUNT, size=1400, rate=RATE)

    after = g.ethtool_stats(ifn)
    early = g.host_counters(names=("x-stat-csb-early-dd",))["x-stat-csb-early-dd"]
    ahead = after["csb_rx_dd_ahead"] - before["csb_rx_dd_ahead"]
    t.note(f"host wrote {early} early DD bits; the driver found {ahead} ahead of rx_head")
    t.expect(early > 0, "the host hook wrote no early DD bit")
    t.expect(ahead > 0, "the driver never found DD ahead of rx_head")
    t.expect(after["csb_active"] == 1, "CSB mode dropped during the test")
    for name in WATCH:
        t.expect(after[name] == before[name],
                 f"{name} {before[name]} -> {after[name]}")
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
