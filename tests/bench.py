#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: what the host polling budget (QEMU property csb-poll-us)
buys and costs, with e1000_csb in CSB mode and, for reference, plain mode.

For each budget, one guest on build/qemu sends 60-byte UDP datagrams to a
host peer for SECONDS, once paced (--rate, as an application with gaps
would) and once unpaced (saturating). Reported per packet: TX kicks (the
guest found the host thread asleep), trapping register accesses and
interrupts (driver counters), and the host TX thread's CPU time (from
/proc, the thread named e1000-csb-tx); plus the packet rate. Under TCG the
rates are TCG rates: compare the counts.

    tests/bench.py [--kernel KVER] [--seconds S] [--rate PPS] [--poll-us 0,50,...]
"""
import argparse
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import DEFAULT_KERNEL, ScenarioFailure, Test, config  # noqa: E402
from harness.results import parse_result  # noqa: E402


def tx_thread_cpu(pid):
    """CPU seconds used so far by QEMU's e1000-csb-tx thread(s)."""
    total = 0
    for task in glob.glob(f"/proc/{pid}/task/*"):
        try:
            with open(f"{task}/comm") as f:
                if f.read().strip() != "e1000-csb-tx":
                    continue
            with open(f"{task}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def stream(t, g, ep, port, seconds, rate):
    peer = t.l2peer(ep.peer, "recv", "--port", str(port), "--count", "100000000",
                    "--size", "60", "--timeout", str(seconds + 60), "--idle", "3",
                    "--verify", "header", "--flow", "1")
    s0, c0 = g.ethtool_stats(ep.ifname), tx_thread_cpu(g.proc.pid)
    out = g.sh(f"udpblast send --dst {ep.peer.ip} --port {port} --seconds {seconds} "
               f"--size 60 --rate {rate} --flow 1", timeout=seconds + 60)
    s1, c1 = g.ethtool_stats(ep.ifname), tx_thread_cpu(g.proc.pid)
    peer.result(timeout=30)
    d = {k: s1[k] - s0.get(k, 0) for k in s1}
    n = max(d["tx_packets"], 1)
    return (f"{parse_result(out).get('pps', 0):9.0f} {d['csb_tx_kicks'] / n:8.4f} "
            f"{d['reg_total'] / n:8.4f} {(d['irq_handled'] + d['irq_not_ours']) / n:8.4f} "
            f"{(c1 - c0) * 1e6 / n:10.1f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", default=DEFAULT_KERNEL)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rate", type=int, default=10000)
    ap.add_argument("--poll-us", default="0,20,50,200,1000,5000")
    args = ap.parse_args()
    budgets = ["plain"] + args.poll_us.split(",")

    logdir = os.path.join(config.LOGS, "bench")
    print(f"{'mode':>12} {'stream':>8} {'pkts/s':>9} {'kicks/p':>8} {'traps/p':>8} "
          f"{'irqs/p':>8} {'thread us/p':>10}", flush=True)
    for budget in budgets:
        t = Test("bench", {"kernel": args.kernel, "qemu": "build"}, logdir)
        try:
            link = t.link()
            props = "" if budget == "plain" else f"csb-poll-us={budget}"
            g = t.guest(link.a, nic="e1000", driver="e1000_csb", nic_props=props,
                        extra_args=("-name", "bench,debug-threads=on"))
            if budget != "plain":
                g.set_csb(True)
            label = "plain" if budget == "plain" else f"poll {budget} us"
            for port, (name, rate) in enumerate((("paced", args.rate), ("unpaced", 0))):
                print(f"{label:>12} {name:>8} "
                      f"{stream(t, g, link.a, 5060 + port, args.seconds, rate)}", flush=True)
        except ScenarioFailure as e:
            print(f"{budget}: failed: {e}")
            return 1
        finally:
            t.cleanup()
    print("\nper packet sent; thread us/p = host TX thread CPU time per packet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
