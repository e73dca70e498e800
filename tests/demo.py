#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make demo: two guests on the patched QEMU, linked to each other, both
running e1000_csb, guest-a in CSB mode and guest-b in plain mode; UDP both
ways with every payload verified; a report comparing what each guest cost
its host in traps and interrupts.

    tests/demo.py [--kernel KVER] [--count N] [--size FRAME]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import DEFAULT_KERNEL, ScenarioFailure, Test, config  # noqa: E402
from harness.traffic import guest_to_guest  # noqa: E402

DRIVER = "e1000_csb"


def describe(g, ifname):
    """Device, link and mode of a guest NIC, as the guest's tools see them."""
    info = {}
    out = g.sh(f"ethtool -i {ifname}; ethtool {ifname}; "
               f"ethtool --show-priv-flags {ifname} || true")
    for line in out.splitlines():
        key, _, value = line.strip().partition(":")
        info[key.strip()] = value.strip()
    return info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default=DEFAULT_KERNEL)
    ap.add_argument("--count", type=int, default=5000)
    ap.add_argument("--size", type=int, default=60)
    args = ap.parse_args()

    config.ensure_socket_buffers()
    logdir = os.path.join(config.LOGS, "demo")
    t = Test("demo", {"kernel": args.kernel, "qemu": "build"}, logdir)
    started = time.monotonic()
    try:
        print(f"Booting two guests (Linux {args.kernel}) on build/qemu "
              f"(-device e1000,csb=on), "
              f"linked back to back through QEMU's dgram netdev...", flush=True)
        link = t.link()
        # csb=on: our QEMU offers the CSB only when asked (-device
        # e1000,csb=on); by default its e1000 is the stock one.
        a = t.guest(link.a, nic="e1000", driver=DRIVER, name="guest-a", nic_props="csb=on")
        b = t.guest(link.b, nic="e1000", driver=DRIVER, name="guest-b", nic_props="csb=on")
        print("guest-a switches to CSB mode (ethtool --set-priv-flags eth0 csb on); "
              "guest-b stays in plain mode.", flush=True)
        a.set_csb(True)
        print(f"Sending {args.count} verified UDP datagrams of {args.size}-byte frames "
              f"each way...\n", flush=True)
        before = {g.name: g.ethtool_stats(ep.ifname) for g, ep in ((a, link.a), (b, link.b))}
        host_before = {g.name: g.host_counters() for g in (a, b)}
        ab = guest_to_guest(t, a, b, link.b.ip, count=args.count, size=args.size)
        ba = guest_to_guest(t, b, a, link.a.ip, count=args.count, size=args.size)
        rows = []
        for g, ep, rx in ((a, link.a, ba), (b, link.b, ab)):
            info = describe(g, ep.ifname)
            after = g.ethtool_stats(ep.ifname)
            delta = {k: after[k] - before[g.name].get(k, 0) for k in after}
            host_after = g.host_counters()
            for c in g.HOST_COUNTERS:
                delta[c] = host_after[c] - host_before[g.name][c]
            pci_id = g.sh(f"cd /sys/class/net/{ep.ifname}/device && "
                          f"echo $(cat vendor):$(cat device)").strip().replace("0x", "")
            rows.append((g, ep, info, rx, delta, pci_id))
        print(f"{'':18}{'guest-a':>28}{'guest-b':>28}")
        lines = [
            ("interface", lambda r: f"{r[1].ifname} {r[1].ip}"),
            ("driver", lambda r: r[2].get("driver", "?")),
            ("PCI device", lambda r: f"{r[2].get('bus-info', '?')} {r[5]}"),
            ("link", lambda r: f"{r[2].get('Link detected')} {r[2].get('Speed', '')} "
                               f"{r[2].get('Duplex', '')}".strip()),
            ("mode", lambda r: "csb" if r[2].get("csb") == "on" else "plain"),
            ("frames sent", lambda r: str(r[4].get("tx_packets", "?"))),
            ("datagrams recv'd", lambda r: f"{r[3]['valid']}/{args.count}"),
            ("payload verified", lambda r: "yes" if r[3]["valid"] == args.count
             and not r[3].get("corrupt") else "NO"),
            ("traps/packet", lambda r: per_packet(r[4], "x-stat-doorbell-writes",
                                                  "x-stat-irq-reg-accesses",
                                                  "x-stat-other-accesses")),
            (" doorbells", lambda r: per_packet(r[4], "x-stat-doorbell-writes")),
            (" irq registers", lambda r: per_packet(r[4], "x-stat-irq-reg-accesses")),
            ("interrupts/packet", lambda r: per_packet(r[4], "x-stat-interrupts")),
        ]
        def per_packet(delta, *counters):
            packets = 2 * args.count  # each guest sent COUNT and received COUNT
            return f"{sum(delta[c] for c in counters) / packets:.3f}"

        for label, fn in lines:
            print(f"{label:18}" + "".join(f"{fn(r):>28}" for r in rows))
        print("\n(traps and interrupts as counted by our QEMU, per datagram sent or received)")
        print(f"\nDone in {time.monotonic() - started:.0f} s; logs in "
              f"{os.path.relpath(logdir, config.TOP)}/")
        return 0
    except ScenarioFailure as e:
        print(f"demo failed: {e}\nlogs: {os.path.relpath(logdir, config.TOP)}/")
        return 1
    finally:
        t.cleanup()


if __name__ == "__main__":
    sys.exit(main())
