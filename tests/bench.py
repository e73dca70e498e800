#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: the configurations side by side on the same workloads.

Configurations (harness/benchsetup.py): Debian's QEMU 7.2 with the
in-kernel e1000 (stock), our QEMU with csb=off and the in-kernel e1000
(e1000, the reference of every ratio), e1000_csb in plain mode (plain),
in CSB mode with the default settings (csb) and with polling off
(csb-poll0), and virtio-net-pci with the in-kernel virtio_net (virtio).
Workloads (harness/benchloads.py): tx, rx, pktgen, g2g and latency at
each frame size, and one tcp stream.

Runs are interleaved (every configuration once, then again), each
configuration booted afresh per run. Per configuration x workload x run:
packets/s, host CPU per packet (QEMU, and by thread), packets per host
CPU-second, trapping accesses and interrupts per packet, latency. It
reports, it never asserts. Output: a Markdown table on stdout and in
build/bench/results.md, every record in build/bench/results.json, a chart
in build/bench/results.png.

    tests/bench.py [--runs N] [--seconds S] [--sizes 60,1514] [--configs a,b]
                   [--workloads tx,rx,...] [--poll-us 0,50,...] [--rate PPS]
                   [--csb-props PROPS]   CSB mode with -device PROPS added
                   [--driver-params P]   plain and CSB mode, e1000_csb loaded with P
                   [--ethtool OPTS]      plain and CSB mode, `ethtool OPTS` on each NIC
    tests/bench.py --quick     one run of the 60-byte workloads, 2 s each
    tests/bench.py --report build/bench/results.json   the table and chart again
"""
import argparse
import datetime
import json
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import DEFAULT_KERNEL, ScenarioFailure, Test, config  # noqa: E402
from harness import benchloads, benchreport, benchsetup  # noqa: E402

TAIL = 2  # seconds the traffic would run on (it is stopped when the window closes)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel", default=DEFAULT_KERNEL)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=5, help="window per workload")
    ap.add_argument("--warmup", type=float, default=1,
                    help="seconds of traffic before the window opens")
    ap.add_argument("--sizes", default="60,1514", help="frame sizes, bytes without FCS")
    ap.add_argument("--configs", default=",".join(c.name for c in benchsetup.CONFIGS))
    ap.add_argument("--workloads", default=",".join(benchloads.DEFAULT_KINDS),
                    help=f"of {','.join(benchloads.KINDS)}")
    ap.add_argument("--poll-us", default="",
                    help="also CSB mode at these csb-poll-us budgets (e.g. 0,50,1000)")
    ap.add_argument("--csb-props", action="append", default=[], metavar="PROPS",
                    help="also CSB mode with these -device properties added "
                         "(repeatable; e.g. csb-poll-us=20)")
    ap.add_argument("--driver-params", action="append", default=[], metavar="PARAMS",
                    help="also plain and CSB mode with e1000_csb loaded with these "
                         "module parameters (repeatable; e.g. rx_usecs=250)")
    ap.add_argument("--ethtool", action="append", default=[], metavar="OPTS",
                    help="also plain and CSB mode with `ethtool OPTS` run for each NIC "
                         "once it is up, {ifname} naming it (repeatable; "
                         "e.g. '-G {ifname} tx 256')")
    ap.add_argument("--rate", type=int, default=10000, help="datagrams/s of tx-paced")
    ap.add_argument("--quick", action="store_true",
                    help="one run, 60-byte frames, 2 s windows")
    ap.add_argument("--out", default=os.path.join(config.BUILD, "bench"))
    ap.add_argument("--report", metavar="JSON",
                    help="only write the table and chart again from a results.json")
    args = ap.parse_args()
    for opts in args.ethtool:
        benchsetup.check_ethtool_opts(ap, opts)
    if args.quick:
        args.runs, args.sizes, args.seconds, args.warmup = 1, "60", 2, 0.5
        args.workloads = ",".join(k for k in args.workloads.split(",")
                                  if k not in benchloads.SIZELESS)
    return args


def select_configs(args):
    known = {c.name: c for c in benchsetup.CONFIGS}
    cfgs = [known[n] for n in args.configs.split(",") if n]
    budgets = [b for b in args.poll_us.split(",") if b]
    extra = (benchsetup.poll_configs(budgets) + benchsetup.props_configs(args.csb_props) +
             benchsetup.params_configs(args.driver_params) +
             benchsetup.ethtool_configs(args.ethtool))
    return cfgs + [c for c in extra if c.name not in known]


def measure(s, wl, seconds, warmup):
    """One workload on session S: start it, let it settle for WARMUP
    seconds, count over a window of SECONDS, stop it; the record's
    figures."""
    wl.start(s, int(warmup + seconds + TAIL + 0.999))
    time.sleep(warmup)
    nics = wl.nics(s)
    before, t0 = benchsetup.snapshot(s, nics), time.monotonic()
    time.sleep(seconds)
    after, t1 = benchsetup.snapshot(s, nics), time.monotonic()
    extra = wl.stop(s)
    return {**benchreport.figures(wl, s, before, after, t1 - t0), **extra}


def stop_quietly(s, wl):
    """After a failed measurement: stop what may still run, whatever
    state the workload was left in."""
    s.t.stop_peers()
    try:
        wl.stop(s)
    except Exception:  # noqa: BLE001 -- the failure is already recorded
        pass


def progress(run, runs, cfg, wl, rec, took):
    if "error" in rec:
        text = f"failed: {rec['error'].splitlines()[0][:100]}"
    else:
        text = (f"{benchreport.si(rec['pps']):>7} pkts/s  "
                f"{benchreport.num(rec['cpu_us_per_pkt']['qemu']):>6} us CPU/pkt  "
                f"traps/pkt {benchreport.num(rec['traps_per_pkt']):>6}  "
                f"irqs/pkt {benchreport.num(rec['irqs_per_pkt']):>6}")
        if "p50_us" in rec:
            text += f"  p50 {rec['p50_us']:.0f} us p99 {rec['p99_us']:.0f} us"
    print(f"[run {run + 1}/{runs}] {cfg.name:<10} {wl.name:<12} {text}  ({took:.0f} s)",
          flush=True)


def record(run, cfg, wl):
    return {"run": run + 1, "config": cfg.name, "config_label": cfg.label,
            "workload": wl.name, "kind": wl.kind, "size": wl.size}


BOOT_ATTEMPTS = 2  # a TCG guest on a starved host can fail its boot-time timer check


def boot(args, run, cfg, wls):
    """Test and Session for CFG, booted afresh (once more if a guest died
    while booting)."""
    need_b = any(w.kind in ("g2g", "tcp") for w in wls)
    for attempt in range(BOOT_ATTEMPTS):
        retry = f"-retry{attempt}" if attempt else ""
        logdir = os.path.join(config.LOGS, "bench", f"run{run + 1}-{cfg.name}{retry}")
        t, t0 = Test("bench", {"kernel": args.kernel}, logdir), time.monotonic()
        try:
            s = benchsetup.Session(t, cfg, need_b)
        except ScenarioFailure as e:
            t.cleanup()
            print(f"[run {run + 1}/{args.runs}] {cfg.name}: failed to start: "
                  f"{str(e).splitlines()[0]} (logs: {logdir})", flush=True)
            if attempt + 1 == BOOT_ATTEMPTS:
                raise
            continue
        print(f"[run {run + 1}/{args.runs}] {cfg.name:<10} booted in "
              f"{time.monotonic() - t0:.0f} s", flush=True)
        return t, s


def run_config(args, run, cfg, wls):
    """Boot CFG, run every workload on it; its records."""
    try:
        t, s = boot(args, run, cfg, wls)
    except ScenarioFailure as e:
        return [{**record(run, cfg, wl), "error": f"start: {e}"} for wl in wls]
    out = []
    try:
        for wl in wls:
            rec, t0 = record(run, cfg, wl), time.monotonic()
            try:
                rec.update(measure(s, wl, args.seconds, args.warmup))
            except Exception as e:  # noqa: BLE001 -- reported, and the bench goes on
                rec["error"] = str(e) or type(e).__name__
                stop_quietly(s, wl)
            progress(run, args.runs, cfg, wl, rec, time.monotonic() - t0)
            out.append(rec)
    finally:
        t.cleanup()
    return out


def meta(args, cfgs, started):
    return {"date": started.strftime("%Y-%m-%d %H:%M UTC"), "host": platform.node(),
            "cpus": os.cpu_count(), "kernel": args.kernel, "runs": args.runs,
            "seconds": args.seconds, "sizes": args.sizes,
            "configs": {c.name: c.label for c in cfgs},
            "minutes": round((datetime.datetime.now(datetime.timezone.utc)
                              - started).total_seconds() / 60, 1),
            "summary": (f"{args.runs} interleaved run(s), {args.seconds:g} s window per "
                        f"workload, guest kernel {args.kernel}, TCG, 1 vCPU, "
                        f"{os.cpu_count()} host CPUs.")}


def write_results(out, m, records):
    """The files in OUT from meta M and RECORDS; (table, chart or None)."""
    os.makedirs(out, exist_ok=True)
    text = benchreport.table(records, m["configs"])
    benchreport.write_json(os.path.join(out, "results.json"), m, records)
    benchreport.write_markdown(os.path.join(out, "results.md"), m, text)
    return text, benchreport.write_chart(out, m, records, m["configs"])


def show(out, m, text, png):
    print(f"\n{m['summary']} {m['minutes']} min.\n\n{text}\n\n{benchreport.LEGEND}")
    print(f"written: {out}/results.md, results.json"
          + (", results.png" if png else " (no chart: gnuplot missing or failed)"))


def rerender(path, out):
    """--report: the table and chart again from a results.json."""
    with open(path) as f:
        data = json.load(f)
    show(out, data["meta"], *write_results(out, data["meta"], data["records"]))
    return 0


def main():
    args = parse_args()
    if args.report:
        return rerender(args.report, args.out)
    cfgs = select_configs(args)
    wls = benchloads.workloads(args.workloads.split(","),
                               [int(x) for x in args.sizes.split(",")], args.rate)
    benchsetup.ensure_host_ready()
    started = datetime.datetime.now(datetime.timezone.utc)
    print(f"bench: {len(cfgs)} configurations x {len(wls)} workloads x {args.runs} runs, "
          f"{args.seconds:g} s each", flush=True)
    records = []
    for run in range(args.runs):
        for cfg in cfgs:
            records += run_config(args, run, cfg, wls)
        m = meta(args, cfgs, started)
        text, png = write_results(args.out, m, records)  # rewritten after every run
    show(args.out, m, text, png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
