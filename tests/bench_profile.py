#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where a bench workload's host CPU goes, by thread and by function,
guest functions included (make profile PROFILE_ARGS="...").

Boots one `make bench` configuration (harness/benchsetup.py) with
QEMU's -perfmap, which names the host code TCG translates for each guest
instruction by the instruction's guest address; runs one workload
(harness/benchloads.py); samples the QEMU process with the host's perf
(cpu-clock) over the window; turns each guest address into a guest
function with the guest's /proc/kallsyms (modules included). Prints, per
thread (vCPU, main loop, TX thread), where its samples fell: guest
kernel functions, guest user space, TCG and QEMU, the host kernel; each
as a share of the thread and as microseconds per packet, so that two
configurations at different packet rates compare directly.

    tests/bench_profile.py --config plain --workload tx [--size 60]
                     [--seconds 8] [--freq 2000] [--top 25] [--json FILE]
                     [--states]

--states also says what each thread did over the window: on a CPU, waiting
for one, or blocked and where (the BQL, another lock, a system call;
harness/threadstates.py).

Needs perf on the host and our QEMU (Debian's 7.2 has no -perfmap).
"""
import argparse
import bisect
import collections
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import DEFAULT_KERNEL, Test, config  # noqa: E402
from harness import benchloads, benchreport, benchsetup, threadstates  # noqa: E402

GUEST_KERNEL_BASE = 0xffff800000000000


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel", default=DEFAULT_KERNEL)
    ap.add_argument("--config", default="csb",
                    help="a make bench configuration on our QEMU "
                         f"({','.join(c.name for c in benchsetup.CONFIGS if c.qemu == 'build')})")
    ap.add_argument("--workload", default="tx", help=f"of {','.join(benchloads.KINDS)}")
    ap.add_argument("--size", type=int, default=60)
    ap.add_argument("--rate", type=int, default=10000, help="datagrams/s of tx-paced")
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--freq", type=int, default=2000, help="perf samples/s per thread")
    ap.add_argument("--top", type=int, default=25, help="functions shown per thread")
    ap.add_argument("--json", help="also write the profile here")
    ap.add_argument("--states", action="store_true",
                    help="also each thread's share on a CPU, waiting for one, "
                         "and blocked where")
    return ap.parse_args()


class GuestSymbols:
    """Guest addresses to function names, from the guest's kallsyms."""

    def __init__(self, text):
        syms = []
        for line in text.splitlines():
            words = line.split()
            if len(words) < 3 or words[1] not in "tTwW":
                continue
            name = words[2] + (f" {words[3]}" if len(words) > 3 else "")
            syms.append((int(words[0], 16), name))
        syms.sort()
        self.addrs = [a for a, _ in syms]
        self.names = [n for _, n in syms]

    def name(self, addr):
        if addr < GUEST_KERNEL_BASE:
            return "[guest user space]"
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 and self.addrs else "[guest kernel, unknown]"


def guest_kallsyms(g):
    return g.sh("echo 0 > /proc/sys/kernel/kptr_restrict; cat /proc/kallsyms",
                timeout=60)


def perf_record(pid, seconds, freq, out, states=False):
    """Sample process PID with cpu-clock for SECONDS into OUT; with STATES,
    its threads' states meanwhile too (returned, else None)."""
    watch = threadstates.Watch(pid) if states else None
    perf = subprocess.Popen(["perf", "record", "-q", "--no-buildid", "-e", "cpu-clock",
                             "-F", str(freq), "-p", str(pid), "-o", out, "--",
                             "sleep", str(seconds)], stdout=subprocess.DEVNULL)
    try:
        sampled = threadstates.sample(watch, seconds) if watch else None
    finally:
        if perf.wait():
            raise subprocess.CalledProcessError(perf.returncode, "perf record")
    return sampled


def is_hex(word):
    return all(ch in "0123456789abcdef" for ch in word)


def perf_samples(out):
    """(thread name, tid, symbol, dso) per sample of OUT; run once QEMU has
    exited, which flushes its -perfmap file (/tmp/perf-PID.map)."""
    p = subprocess.run(["perf", "script", "-i", out, "-F", "comm,tid,ip,sym,dso"],
                       check=True, capture_output=True, text=True)
    for line in p.stdout.splitlines():
        # "CPU 0/TCG  1234  56469f3b0d54 helper_lookup_tb_ptr (/path/qemu-system-x86_64)"
        head, _, dso = line.rpartition(" (")
        words = head.split()
        tid_at = next((i for i, w in enumerate(words[:-1])
                       if w.isdigit() and is_hex(words[i + 1])), None)
        if tid_at is None:
            continue
        comm = " ".join(words[:tid_at])
        sym = " ".join(words[tid_at + 2:]) or "[unknown]"
        yield comm, int(words[tid_at]), sym, dso.rstrip(")")


def classify(sym, dso, gsyms):
    """(area, function) of one sample."""
    if sym.startswith("guest-0x"):
        name = gsyms.name(int(sym[6:], 16))
        return ("guest user" if name.startswith("[guest user") else "guest kernel"), name
    if "kernel.kallsyms" in dso or dso.startswith("[kernel"):
        return "host kernel", sym
    if "perf-" in dso and dso.endswith(".map"):
        return "TCG", sym      # generated code not named by guest address
    return ("QEMU" if "qemu-system" in dso else "host libraries"), sym


def profile(samples, pid, gsyms):
    """{thread kind: {"samples": n, "areas": Counter, "functions": Counter}}"""
    out = {}
    for comm, tid, sym, dso in samples:
        kind = benchsetup.thread_kind(pid, tid, comm)
        t = out.setdefault(kind, {"samples": 0, "areas": collections.Counter(),
                                  "functions": collections.Counter()})
        area, func = classify(sym, dso, gsyms)
        t["samples"] += 1
        t["areas"][area] += 1
        t["functions"][f"{area}: {func}"] += 1
    return out


def show(prof, pps, seconds, freq, top):
    """PPS: the packet rate over the sampled SECONDS (the guest's window)."""
    us_per_sample = 1e6 / freq     # about: cpu-clock adapts its period to --freq
    packets = pps * seconds
    print(f"{pps:.0f} packets/s over the {seconds:g} s sampled; "
          f"one sample = {us_per_sample:.0f} us of a thread's CPU\n")
    for kind, t in sorted(prof.items(), key=lambda kv: -kv[1]["samples"]):
        n = t["samples"]
        per_pkt = f", {n * us_per_sample / packets:.2f} us/pkt" if packets else ""
        print(f"== {kind}: {n} samples, {n * us_per_sample / 1e6 / seconds:.0%} of a CPU"
              + per_pkt)
        for area, c in t["areas"].most_common():
            print(f"   {c / n:6.1%} {c * us_per_sample / max(packets, 1):8.3f} us/pkt  {area}")
        lists = [("all", t["functions"].most_common(top))]
        if t["areas"]["guest kernel"]:
            lists.append(("guest kernel", [(f, c) for f, c in t["functions"].most_common()
                                           if f.startswith("guest kernel: ")][:top]))
        for title, funcs in lists:
            print(f"   -- top functions, {title}")
            for func, c in funcs:
                print(f"   {c / n:6.1%} {c * us_per_sample / max(packets, 1):8.3f} us/pkt  "
                      f"{func}")
        print()


def main():
    args = parse_args()
    cfg = {c.name: c for c in benchsetup.CONFIGS}[args.config]
    if cfg.qemu != "build":
        sys.exit(f"profile: {args.config} does not run our QEMU (no -perfmap)")
    size = 0 if args.workload in benchloads.SIZELESS else args.size
    wl = benchloads.workloads([args.workload], [size], args.rate)[0]
    benchsetup.ensure_host_ready()
    logdir = os.path.join(config.LOGS, "profile", f"{cfg.name}-{wl.name}")
    t = Test("profile", {"kernel": args.kernel}, logdir)
    try:
        s = benchsetup.Session(t, cfg, wl.kind in ("g2g", "tcp"), extra_args=("-perfmap",))
        g = wl.counted(s)[0][0]
        gsyms = GuestSymbols(guest_kallsyms(g))
        wl.start(s, int(args.warmup + args.seconds + 4))
        time.sleep(args.warmup)
        before = benchsetup.snapshot(s, wl.nics(s))
        states = perf_record(g.proc.pid, args.seconds, args.freq,
                             os.path.join(logdir, "perf.data"), args.states)
        after = benchsetup.snapshot(s, wl.nics(s))
        wl.stop(s)
    finally:
        t.cleanup()
    pid = g.proc.pid
    samples = list(perf_samples(os.path.join(logdir, "perf.data")))
    if os.path.exists(f"/tmp/perf-{pid}.map"):
        os.unlink(f"/tmp/perf-{pid}.map")
    # packets/s over the guest's window around the sampling, as make bench counts them
    pps = benchreport.figures(wl, s, before, after, args.seconds)["pps"] or 0.0
    prof = profile(samples, pid, gsyms)
    print(f"profile: {cfg.label}, {wl.name}, guest {args.kernel}, TCG\n")
    if states:
        threadstates.show(states)
    show(prof, pps, args.seconds, args.freq, args.top)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"config": cfg.name, "workload": wl.name, "pps": pps,
                       "seconds": args.seconds, "freq": args.freq,
                       "threads": {k: {"samples": v["samples"], "areas": dict(v["areas"]),
                                       "functions": dict(v["functions"])}
                                   for k, v in prof.items()}}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
