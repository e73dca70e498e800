# SPDX-License-Identifier: GPL-2.0
"""A misbehaving host, played by our QEMU, for `csb_chaos_host` (make
check, two rounds) and `csb_chaos_soak` (make soak, ten minutes):
`-device e1000,csb=on,x-csb-chaos=P` writes, every P ms while the CSB is
active, random notification requests into tx_kick/rx_kick, valid or not,
and DD with a random length on a random RX descriptor, handed over or
not. Round after round: CSB mode on under traffic both ways (a ping
flood and UDP, not verified: a host that marks descriptors done hands
the guest garbage), until the driver notices the nonsense and falls back
to plain mode with the reason logged; then, in plain mode after the
reset that follows a host error, verified traffic both ways without
loss. The guest must never crash or warn, and every round must end in a
fallback (csb_fallbacks counts them)."""
import collections
import time

from harness.traffic import guest_to_host, host_to_guest

PERIOD_MS = 20


def chaos_round(t, g, ep, ifn, n):
    """One round; returns the fallback's reason."""
    before = g.ethtool_stats(ifn)
    # not g.set_csb(): the host may make the driver fall back at once
    g.sh(f"wait_for 15 grep -qx 1 /sys/class/net/{ifn}/carrier; "
         f"ethtool --set-priv-flags {ifn} csb on")
    g.sh(f"bg_start flood ping -q -i 0.002 -c 3000 -W 1 {ep.peer.ip}; "
         f"bg_start blast udpblast send --dst {ep.peer.ip} --port 5999 --count 3000 "
         f"--size 300 --rate 2000")
    g.sh(f"wait_for 60 sh -c 'ethtool -S {ifn} | grep -qx \" *csb_active: 0\"'", timeout=80)
    g.run("bg_wait flood 60; bg_wait blast 60", timeout=130)
    after = g.ethtool_stats(ifn)
    t.expect(after["csb_fallbacks"] == before["csb_fallbacks"] + 1,
             f"round {n}: csb_fallbacks {before['csb_fallbacks']} -> {after['csb_fallbacks']}")
    why = g.sh("dmesg | grep 'falling back' | tail -n 1").strip()
    t.expect("host wrote" in why, f"round {n}: fallback reason: {why}")
    return why.split("plain mode: ", 1)[-1]


def run(t, timeout, rounds=None, seconds=None):
    """ROUNDS rounds, or as many as start within SECONDS; TIMEOUT: the
    scenario's."""
    link = t.link()
    ep = link.a
    g = t.guest(ep, nic="e1000", nic_props=f"x-csb-chaos={PERIOD_MS}")
    g.sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
    ifn = g.bring_up("e1000_csb")
    # answers the pings; the UDP blast goes nowhere
    responder = t.l2peer(ep.peer, "recv", "--port", "5998", "--count", "1",
                         "--timeout", str(timeout), "--idle", "0")
    reasons = []
    start = time.monotonic()
    while (len(reasons) < rounds if rounds else time.monotonic() - start < seconds):
        reasons.append(chaos_round(t, g, ep, ifn, len(reasons) + 1))
    responder.stop()
    kinds = collections.Counter(r.split(" = ")[0] for r in reasons)
    t.note(f"{len(reasons)} rounds in {time.monotonic() - start:.0f} s; reasons: "
           + ", ".join(f"{what} {n}" for what, n in sorted(kinds.items())))
    after_chaos(t, g, ep, ifn)


def after_chaos(t, g, ep, ifn):
    """Verified traffic in plain mode, a clean kernel log."""
    g.sh(f"wait_for 15 grep -qx 1 /sys/class/net/{ifn}/carrier && sleep 1.5", timeout=30)
    host_to_guest(t, g, ep, count=1000, size=300, peer_mac=ep.mac)
    guest_to_host(t, g, ep, count=1000, size=300)
    # A host that overwrites its own kick request leaves its TX thread
    # asleep with nobody to wake it: the driver's watchdog kicks after two
    # periods without progress, the stack's transmit timeout (5 s) may
    # come first and reset the device. Anything else is a problem.
    problems = [p for p in g.dmesg_problems() if "NETDEV WATCHDOG" not in p]
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
    stats = g.ethtool_stats(ifn)
    t.note(f"fallbacks {stats['csb_fallbacks']}, host errors {stats['csb_host_errors']}, "
           f"rx_host_errors {stats['rx_host_errors']}, rescues {stats['csb_rescues']}, "
           f"tx_timeout_count {stats['tx_timeout_count']}, resets {stats['resets']}")
