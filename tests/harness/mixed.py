# SPDX-License-Identifier: GPL-2.0
"""The mixed workload of `csb_mixed` (make check, 2 minutes) and
`csb_soak` (make soak, 30 minutes): two guests in CSB mode with verified
TCP and UDP both ways (harness.bothways) while, at random (a seed the
report prints), one of them toggles the csb flag, resizes its rings,
changes its interrupt throttling, has its link flapped from the QEMU
monitor, or both change the link's MTU.

Verified at the end: every TCP download intact and every one succeeded
(the connections survived), every datagram that arrived intact and once
(datagrams may be lost while a ring or MTU change restarts a device, and
while the link is down), both guests back in CSB mode with every switch
counted, no transmit timeout, a clean kernel log, and the guests'
unreclaimable slab (SUnreclaim) back within SLAB_SLACK of where it was
before the traffic started."""
import random
import time

from harness.bothways import BothWays

# Unreclaimable slab may end up this much above where it started (KiB):
# per-CPU and per-node object caches keep partly used slabs of the
# network stack's caches (skbuff heads, TCP/UDP socket objects, httpd's
# and wget's allocations) after a busy period, well under a megabyte
# here; a leak of one object per event in the 2-minute run (hundreds of
# ring restarts, thousands of mode switches' worth of allocations) or
# of one buffer per packet (tens of thousands) goes far beyond it.
SLAB_SLACK = 2048

RINGS = (80, 256, 1024)
ITRS = (0, 3, 20, 100)
MTUS = (1500, 9000, 4000)


def sunreclaim(g):
    out = g.sh("sync; echo 2 > /proc/sys/vm/drop_caches; sleep 1; "
               "grep SUnreclaim /proc/meminfo")
    return int(out.split()[-2])


class Actions:
    """The disruptions, each a method; run() picks them at random."""

    def __init__(self, t, guests, rng):
        self.t = t
        self.guests = guests
        self.rng = rng
        self.counts = {}
        # mode switches each guest must count: two per toggle, one per
        # device restart (a ring change) in CSB mode
        self.switches = {g.name: 0 for g in guests}

    def toggle(self, g):
        ifn = g.nics[0].ifname
        g.sh(f"ethtool --set-priv-flags {ifn} csb off && "
             f"ethtool --set-priv-flags {ifn} csb on")
        return 2

    def rings(self, g):
        """A device restart, and so one mode switch, unless the sizes asked
        for are the current ones (then ethtool changes nothing)."""
        ifn = g.nics[0].ifname
        rx, tx = self.rng.choice(RINGS), self.rng.choice(RINGS)
        now = g.sh(f"ethtool -g {ifn} | sed -n '/^Current/,$p' | "
                   "awk '/^(RX|TX):/ { print $2 }'").split()
        g.sh(f"ethtool -G {ifn} rx {rx} tx {tx} && "
             f"wait_for 10 grep -qx 1 /sys/class/net/{ifn}/carrier")
        return 0 if now == [str(rx), str(tx)] else 1

    def itr(self, g):
        g.sh(f"ethtool -C {g.nics[0].ifname} rx-usecs {self.rng.choice(ITRS)}")
        return 0

    def link_flap(self, g):
        nic = g.nics[0]
        g.monitor(f"set_link {nic.id} off")
        time.sleep(self.rng.uniform(0.2, 1.5))
        g.monitor(f"set_link {nic.id} on")
        g.sh(f"wait_for 10 grep -qx 1 /sys/class/net/{nic.ifname}/carrier")
        return 0

    def mtu(self, g):
        return self.mtu_to(self.rng.choice(MTUS))

    def mtu_to(self, mtu):
        """Both guests (one MTU per link, as on a real network). The driver
        changes the MTU without restarting the device (4 KiB receive
        buffers, frames may span them): no mode switch."""
        for h in self.guests:
            ifn = h.nics[0].ifname
            h.sh(f"ip link set {ifn} mtu {mtu} && "
                 f"wait_for 10 grep -qx 1 /sys/class/net/{ifn}/carrier")
        return 0

    def run(self, seconds):
        """Random disruptions for SECONDS; returns the mode switches asked
        for, per guest name."""
        kinds = [self.toggle, self.toggle, self.rings, self.itr, self.link_flap, self.mtu]
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            g = self.rng.choice(self.guests)
            action = self.rng.choice(kinds)
            self.switches[g.name] += action(g)
            self.counts[action.__name__] = self.counts.get(action.__name__, 0) + 1
            time.sleep(self.rng.uniform(0.2, 2.0))
        return self.switches


def run(t, a, b, link, seconds):
    seed = random.randrange(1 << 32)
    t.note(f"seed {seed} (random order of the disruptions)")
    rng = random.Random(seed)
    guests = (a, b)
    for g in guests:
        g.set_csb(True)
    traffic = BothWays(t, a, b, link.a.ip, link.b.ip)
    traffic.prepare()
    slab = {g.name: sunreclaim(g) for g in guests}
    before = {g.name: g.ethtool_stats() for g in guests}
    traffic.start()
    actions = Actions(t, guests, rng)
    switches = actions.run(seconds)
    t.note("disruptions: " + ", ".join(f"{k} {v}" for k, v in sorted(actions.counts.items())))
    actions.mtu_to(1500)  # a link of one MTU back, for the last downloads
    time.sleep(3)
    sent = traffic.stop(min_downloads=1)
    traffic.check_udp(sent, min_sent=seconds * 100)
    for g in guests:
        check_guest(t, g, before[g.name], switches[g.name], slab[g.name])


def check_guest(t, g, before, switches_asked, slab_before):
    after = g.ethtool_stats()
    csb_log = [x for x in g.sh("dmesg").splitlines() if "csb" in x]
    problems = g.dmesg_problems()
    t.expect(not problems, f"{g.name} kernel log:\n" + "\n".join(problems))
    for key in ("tx_timeout_count", "csb_fallbacks", "csb_rescues", "csb_host_errors"):
        t.expect(after[key] == before[key], f"{g.name}: {key} {before[key]} -> {after[key]}\n"
                 + "\n".join(csb_log[-20:]))
    t.expect(after["csb_active"] == 1, f"{g.name}: not in CSB mode at the end")
    switches = after["csb_mode_switches"] - before["csb_mode_switches"]
    t.expect(switches == switches_asked, f"{g.name}: {switches} mode switches counted, "
             f"{switches_asked} caused (toggles, ring changes)\n"
             + "\n".join(csb_log[-20:]))
    slab_after = sunreclaim(g)
    t.note(f"{g.name}: SUnreclaim {slab_before} -> {slab_after} KiB; {switches} mode switches")
    t.expect(slab_after <= slab_before + SLAB_SLACK,
             f"{g.name}: unreclaimable slab grew from {slab_before} to {slab_after} KiB "
             f"(more than {SLAB_SLACK} KiB)")
