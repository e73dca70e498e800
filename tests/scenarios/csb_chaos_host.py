# SPDX-License-Identifier: GPL-2.0
"""A misbehaving host, played by our QEMU (`-device e1000,csb=on,x-csb-chaos=P`:
every P ms while the CSB is active, random notification requests in
tx_kick/rx_kick, valid or not, and DD with a random length on a random
RX descriptor, handed over or not). ROUNDS times: CSB mode on under
traffic both ways (a ping flood and UDP, not verified: a host that marks
descriptors done hands the guest garbage), until the driver notices the
nonsense and falls back to plain mode with the reason logged; then, in
plain mode after the reset that follows a host error, verified traffic
both ways without loss. The guest must never crash or warn, and every
round must end in a fallback (csb_fallbacks counts them).
CSB_CHAOS_ROUNDS=N in the environment runs N rounds instead of 5.
Runs in `make soak` (tests/run.py --soak), not in `make check`."""
import os
import time

from harness import KERNELS
from harness.traffic import guest_to_host, host_to_guest

# Not in `make check` yet: in one of six runs a 6.1 guest stopped
# answering its agent during the first round (issue #11); `make soak`.
KIND = "soak"
MATRIX = {"kernel": KERNELS}
TIMEOUT = 600
ROUNDS = int(os.environ.get("CSB_CHAOS_ROUNDS", "5"))
PERIOD_MS = 20


def chaos_round(t, g, ep, ifn, n):
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


def run(t):
    link = t.link()
    ep = link.a
    g = t.guest(ep, nic="e1000", nic_props=f"x-csb-chaos={PERIOD_MS}")
    g.sh("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1")
    ifn = g.bring_up("e1000_csb")
    # answers the pings; the UDP blast goes nowhere
    responder = t.l2peer(ep.peer, "recv", "--port", "5998", "--count", "1",
                         "--timeout", str(TIMEOUT), "--idle", "0")
    reasons = []
    start = time.monotonic()
    for n in range(1, ROUNDS + 1):
        reasons.append(chaos_round(t, g, ep, ifn, n))
    responder.stop()
    t.note(f"{ROUNDS} rounds in {time.monotonic() - start:.0f} s; reasons: {'; '.join(reasons)}")

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
           f"tx_timeouts {stats['tx_timeouts']}, resets {stats['resets']}")
