# SPDX-License-Identifier: GPL-2.0
"""make bench: from two snapshots to one record's figures, from the
records of all runs to the Markdown table (medians, min-max), the raw
JSON and the chart (gnuplot). Nothing here judges a figure."""
import json
import os
import shutil
import statistics
import subprocess

from harness.benchsetup import BASELINE, THREAD_KINDS


def delta_cpu(before, after):
    """QEMU CPU seconds by kind of thread, summed over the guests."""
    cpu = dict.fromkeys(THREAD_KINDS, 0.0)
    for name, b in before["host"]["cpu"].items():
        for kind in THREAD_KINDS:
            cpu[kind] += after["host"]["cpu"][name][kind] - b[kind]
    cpu["qemu"] = sum(cpu[k] for k in THREAD_KINDS)
    return cpu


def delta_machine(before, after):
    """How many of the host's CPUs were busy over the window, and the
    busy CPU seconds (None for records from before this was counted)."""
    b, a = before["host"].get("machine"), after["host"].get("machine")
    if not b or not a or a["total"] <= b["total"]:
        return None, None
    busy = a["busy"] - b["busy"]
    return busy / (a["total"] - b["total"]) * a["cpus"], busy


def delta_guest_idle(before, after, name):
    """The share of the window guest NAME's vCPU was halted (idle)."""
    b, a = before["guest"][name], after["guest"][name]
    if "ticks" not in b or "ticks" not in a or a["ticks"] <= b["ticks"]:
        return None
    return (a["idle"] - b["idle"]) / (a["ticks"] - b["ticks"])


def delta_if(before, after, g, ifname, key):
    return (after["guest"][g.name]["if"][ifname][key]
            - before["guest"][g.name]["if"][ifname][key])


def figures(wl, s, before, after, host_seconds):
    """One record's figures from the snapshots around its window. Packets
    and interrupts are counted in the guest over the guest's window (its
    uptime), CPU time and traps on the host over the host's: each is made
    a rate over its own window, so that an agent slow to answer under load
    does not skew the ratio."""
    g0 = wl.counted(s)[0][0].name
    seconds = after["guest"][g0]["uptime"] - before["guest"][g0]["uptime"]
    packets = sum(delta_if(before, after, g, g.nics[i].ifname, d)
                  for g, i, d in wl.counted(s))
    irqs = sum(delta_if(before, after, g, g.nics[i].ifname, "irqs") for g, i in wl.nics(s))
    cpu = delta_cpu(before, after)
    pps = packets / seconds if seconds > 0 and packets else None
    per_pkt = (lambda x: x / host_seconds / pps) if pps else (lambda x: None)
    rec = {"seconds": round(seconds, 3), "host_seconds": round(host_seconds, 3),
           "packets": packets, "pps": pps, "cpu_s": cpu,
           "cpu_us_per_pkt": {k: per_pkt(v * 1e6) for k, v in cpu.items()},
           "pkts_per_cpu_s": pps * host_seconds / cpu["qemu"] if pps and cpu["qemu"] else None,
           "irqs": irqs, "irqs_per_pkt": irqs / packets if packets else None,
           "traps": None, "traps_per_pkt": None}
    rec["guest_idle"] = delta_guest_idle(before, after, g0)
    rec["host_cpus_busy"], busy = delta_machine(before, after)
    rec["host_us_per_pkt"] = per_pkt(busy * 1e6) if busy is not None else None
    if "traps" in before["host"]:
        rec["traps"] = after["host"]["traps"] - before["host"]["traps"]
        rec["traps_per_pkt"] = per_pkt(rec["traps"])
    return rec


# -- aggregation ---------------------------------------------------------------

def values(records, key, sub=None):
    out = [r.get(key) if sub is None else (r.get(key) or {}).get(sub) for r in records
           if "error" not in r]
    return [v for v in out if v is not None]


def median(records, key, sub=None):
    v = values(records, key, sub)
    return statistics.median(v) if v else None


def spread(records, key, sub=None):
    v = values(records, key, sub)
    return (min(v), max(v)) if v else None


def group(records):
    """{(workload, config): [records]}, workload by workload, each in the
    order the records came."""
    workloads = list(dict.fromkeys(r["workload"] for r in records))
    out = {}
    for r in sorted(records, key=lambda r: workloads.index(r["workload"])):
        out.setdefault((r["workload"], r["config"]), []).append(r)
    return out


# -- the Markdown table -------------------------------------------------------

def si(x):
    if x is None:
        return "n/a"
    for div, unit in ((1e6, "M"), (1e3, "K")):
        if abs(x) >= div:
            return f"{x / div:.3g}{unit}"
    return f"{x:.3g}"


def num(x, digits=3):
    if x is None:
        return "n/a"
    return f"{x:.0f}" if abs(x) >= 10 ** digits else f"{x:.{digits}g}"


def pct(x):
    return "n/a" if x is None else f"{x:.0%}"


def usec(x):
    return "n/a" if x is None else f"{x:.0f}"


def with_spread(rs, key, sub=None, fmt=si):
    m, sp = median(rs, key, sub), spread(rs, key, sub)
    if m is None:
        return "n/a"
    return fmt(m) if sp[0] == sp[1] else f"{fmt(m)} ({fmt(sp[0])}-{fmt(sp[1])})"


COLUMNS = ("workload", "configuration", "runs", "pkts/s (min-max)", "vs e1000",
           "QEMU CPU s/Mpkt (min-max)", "vCPU", "main", "TX thr", "pkts/CPU-s",
           "guest idle", "host CPUs busy", "host CPU s/Mpkt",
           "traps/pkt", "irqs/pkt", "p50 us", "p99 us")


def row(workload, label, rs, base_pps):
    pps = median(rs, "pps")
    ratio = f"{pps / base_pps:.2f}x" if pps and base_pps else "n/a"
    cpu = [num(median(rs, "cpu_us_per_pkt", k)) for k in ("vcpu", "main", "tx")]
    return [workload, label, str(len(values(rs, "pps"))), with_spread(rs, "pps"), ratio,
            with_spread(rs, "cpu_us_per_pkt", "qemu", num), *cpu,
            si(median(rs, "pkts_per_cpu_s")), pct(median(rs, "guest_idle")),
            num(median(rs, "host_cpus_busy"), 2),
            num(median(rs, "host_us_per_pkt")), num(median(rs, "traps_per_pkt")),
            num(median(rs, "irqs_per_pkt")), usec(median(rs, "p50_us")),
            usec(median(rs, "p99_us"))]


def table(records, labels):
    """The Markdown table: one row per workload x configuration."""
    groups = group(records)
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for (workload, cfg), rs in groups.items():
        base = median(groups.get((workload, BASELINE), []), "pps")
        lines.append("| " + " | ".join(row(workload, labels[cfg], rs, base)) + " |")
    return "\n".join(lines + failures(records))


def failures(records):
    """A line per failure; a configuration that did not start, once."""
    out = {}
    for r in records:
        if "error" in r:
            what = "" if r["error"].startswith("start:") else f" {r['workload']}"
            line = r["error"].splitlines()[0][:300]
            out.setdefault(f"- failed: run {r['run']} {r['config']}{what}: {line}", None)
    return [""] + list(out) if out else []


LEGEND = """\
Medians over runs (min-max where runs differ). "vs e1000": median pkts/s
over that of the in-kernel e1000 on our QEMU with csb=off, same run.
CPU s/Mpkt: host CPU-seconds of the QEMU process(es) per million packets
(= microseconds per packet), in all and for the vCPU thread, the main
loop and the TX thread e1000-csb-tx. guest idle: share of the window
the (first counted) guest's vCPU was halted. host CPUs busy: how many of
the host's CPUs anything used (/proc/stat), and host CPU s/Mpkt that
busy time per packet: meaningful on an otherwise idle host only.
traps/pkt: trapping register
accesses counted by our QEMU (n/a: stock QEMU, virtio-net). irqs/pkt:
the guest's /proc/interrupts for the NIC. p50/p99: round trip of one
outstanding request. TCG: compare counts and ratios, not absolute rates.
"""


# -- files ---------------------------------------------------------------------

def write_json(path, meta, records):
    with open(path, "w") as f:
        json.dump({"meta": meta, "records": records}, f, indent=1)


def write_markdown(path, meta, text):
    with open(path, "w") as f:
        f.write(f"# make bench, {meta['date']}\n\n{meta['summary']}\n\n{text}\n\n{LEGEND}")


CHART = """\
set terminal pngcairo size 1400,900 font ",10" noenhanced
set output "{png}"
set multiplot layout 2,1 title "make bench {date} (TCG; medians)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside right top
set grid ytics
set xtics rotate by -30
set logscale y
set ylabel "packets/s"
plot for [c=2:{ncols}] "{dat}" using c:xtic(1) title columnheader
set ylabel "host CPU us per packet (QEMU)"
plot for [c=2:{ncols}] "{dat2}" using c:xtic(1) title columnheader
unset multiplot
"""


def chart_data(path, records, labels, key, sub=None):
    groups = group(records)
    workloads = list(dict.fromkeys(w for w, _ in groups if not w.startswith("latency")))
    cfgs = [c for c in dict.fromkeys(c for _, c in groups)
            if any(median(groups.get((w, c), []), key, sub) for w in workloads)]
    with open(path, "w") as f:
        f.write("workload " + " ".join(f'"{labels[c]}"' for c in cfgs) + "\n")
        for w in workloads:
            vals = [median(groups.get((w, c), []), key, sub) for c in cfgs]
            f.write(w + " " + " ".join("NaN" if v is None else f"{v:.6g}" for v in vals) + "\n")
    return len(cfgs) + 1


def write_chart(outdir, meta, records, labels):
    """build/bench/results.png with gnuplot; None if gnuplot is missing."""
    if not shutil.which("gnuplot"):
        return None
    dat, dat2 = os.path.join(outdir, "pps.dat"), os.path.join(outdir, "cpu.dat")
    ncols = chart_data(dat, records, labels, "pps")
    chart_data(dat2, records, labels, "cpu_us_per_pkt", "qemu")
    png = os.path.join(outdir, "results.png")
    script = CHART.format(png=png, date=meta["date"], ncols=ncols, dat=dat, dat2=dat2)
    res = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    return png if res.returncode == 0 else None
