#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare driver settings within one boot (make bench-ab BENCH_AB_ARGS="...").

make bench boots every configuration afresh for each run, and on this
machine a workload can settle in a slower regime for a whole boot (tx-60
at half its usual rate in some boots of every configuration;
performance.md, "Session 13"): a setting that ethtool can change at run
time is compared better inside one boot. This boots one make bench
configuration (harness/benchsetup.py) once and then, REPS times, for
each setting in turn, runs `ethtool SETTING` on every NIC of both guests
({ifname} names it) and measures each workload as make bench does
(bench.py's measure()). Prints a line per measurement and, per workload
and setting, the median packets/s with all values.

    tests/bench_ab.py --config plain --workloads g2g-60,tx-60 \\
        --setting '-G {ifname} tx 256' --setting '-G {ifname} tx 128' [--reps 4]
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import DEFAULT_KERNEL, Test, config  # noqa: E402
from harness import benchloads, benchreport, benchsetup  # noqa: E402
import bench  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel", default=DEFAULT_KERNEL)
    ap.add_argument("--config", default="plain",
                    help="a make bench configuration "
                         f"({','.join(c.name for c in benchsetup.CONFIGS)})")
    ap.add_argument("--workloads", default="g2g-60,tx-60",
                    help="KIND-SIZE (or KIND for tcp), comma-separated")
    ap.add_argument("--setting", action="append", required=True, metavar="OPTS",
                    help="ethtool options, {ifname} naming the NIC (at least two)")
    ap.add_argument("--rate", type=int, default=10000, help="datagrams/s of tx-paced")
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--warmup", type=float, default=1)
    args = ap.parse_args()
    if len(args.setting) < 2:
        ap.error("give at least two --setting")
    for opts in args.setting:
        benchsetup.check_ethtool_opts(ap, opts)
    if args.config not in {c.name for c in benchsetup.CONFIGS}:
        ap.error(f"--config {args.config}: not a make bench configuration")
    return args


def workload(name, rate):
    """KIND-SIZE (tx-paced-60 too) or a sizeless KIND (tcp)."""
    kind, _, size = name.rpartition("-")
    if not size.isdigit():
        kind, size = name, "0"
    if kind not in benchloads.KINDS:
        sys.exit(f"bench-ab: unknown workload {name!r} (kinds: {','.join(benchloads.KINDS)})")
    return benchloads.workloads([kind], [int(size)], rate)[0]


def apply(s, opts):
    for g in s.guests:
        for nic in g.nics:
            benchsetup.ethtool(g, nic, opts)


def main():
    args = parse_args()
    cfg = {c.name: c for c in benchsetup.CONFIGS}[args.config]
    wls = [workload(w, args.rate) for w in args.workloads.split(",")]
    benchsetup.ensure_host_ready()
    t = Test("bench-ab", {"kernel": args.kernel}, os.path.join(config.LOGS, "bench-ab"))
    pps = {}
    try:
        s = benchsetup.Session(t, cfg, True)
        for rep in range(args.reps):
            for opts in args.setting:
                apply(s, opts)
                for wl in wls:
                    pps.setdefault((wl.name, opts), []).append(
                        one(s, wl, args, f"[{rep + 1}/{args.reps}] {opts:<24} {wl.name:<10}"))
    finally:
        t.cleanup()
        summary(cfg, args, wls, pps)
    return 0


def one(s, wl, args, prefix):
    """Measure WL once; its packets/s, or None (the failure is printed)."""
    try:
        rec = bench.measure(s, wl, args.seconds, args.warmup)
    except Exception as e:  # noqa: BLE001 -- reported, and the rounds go on
        bench.stop_quietly(s, wl)
        print(f"{prefix} failed: {str(e).splitlines()[0][:100] if str(e) else type(e).__name__}",
              flush=True)
        return None
    print(f"{prefix} {benchreport.si(rec['pps']):>7} pkts/s  traps/pkt "
          f"{benchreport.num(rec['traps_per_pkt'])}  irqs/pkt "
          f"{benchreport.num(rec['irqs_per_pkt'])}", flush=True)
    return rec["pps"]


def summary(cfg, args, wls, pps):
    print(f"\n{cfg.label}, one boot, up to {args.reps} rounds; median pkts/s (all values):")
    for wl in wls:
        for opts in args.setting:
            v = [x for x in pps.get((wl.name, opts), []) if x]
            med = benchreport.si(statistics.median(v)) if v else "n/a"
            print(f"  {wl.name:<10} {opts:<24} {med:>7}  "
                  f"({', '.join(benchreport.si(x) for x in v)})")


if __name__ == "__main__":
    sys.exit(main())
