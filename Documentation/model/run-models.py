#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Model-check the CSB handshakes (Documentation/model/*.pml) with spin.

For each model: spin -a, then two verifiers compiled from pan.c, run to
the end of the state space:
  safety    -DNOCLAIM -DSAFETY: assertions and invalid end states
  liveness  the model's LTL claim no_lost_wakeup, with -a -f (acceptance
            cycles under weak fairness)
Both must report "errors: 0" on a complete search (memory.pml's PSO
store buffers; --tso adds runs with x86-TSO ones, a subset of the same
behaviours). Then every mutation of the model (a barrier removed, or a
store and its re-check swapped, selected with -D) must make one of the
two verifiers find a counterexample; so must each "finding", a run that
shows a behaviour of today's code that README.md discusses, and its
proposed fix, where there is one, must pass, as must each "pass" run
(a change the handshake does not depend on, shown to be harmless).

    run-models.py                  everything; exit status 1 on a surprise
    run-models.py --model tx       the runs of tx.pml
    run-models.py -k NO_           runs whose name contains "NO_"
    run-models.py --list           the runs
    run-models.py --trail tx/NO_TXG_MB    the counterexample, as events
    run-models.py --json           results as JSON (for the test scenario)
    run-models.py --markdown       the results table of README.md

Needs spin and a C compiler (gcc).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

AGENTS = {"0": "guest", "1": "host "}     # memory.pml's GUEST and HOST


class Model:
    def __init__(self, name, words, values, mutations, findings=None,
                 fixes=None, passes=None, agents=None):
        self.name = name
        self.file = name + ".pml"
        self.words = words            # names of mem[0..], then desc[i]
        self.values = values          # descriptor states by value
        self.mutations = mutations    # -D macro(s): what it removes
        self.findings = findings or {}  # -D macro: an expected failure
        self.fixes = fixes or {}      # -D macros: a finding with its fix
        self.passes = passes or {}    # -D macros: a change that must pass
        self.agents = agents or AGENTS  # store buffer number: name


MODELS = [
    Model("tx", ["tx_tail", "tx_kick", "tx_head"], {1: "FILLED", 2: "DONE"}, {
        "NO_TXG_MB": "TX-G without its full barrier (e1000_csb_mode_publish)",
        "NO_TXH_MB": "TX-H without its full barrier (e1000_csb_tx_run)",
        "SWAP_TXG": "TX-G loads tx_kick before storing tx_tail",
        "SWAP_TXH": "TX-H loads tx_tail before storing tx_kick",
        "NO_TXG_WMB": "no write barrier between descriptors and tx_tail",
    }),
    Model("rx", ["rx_tail", "rx_kick", "rx_head"], {1: "GIVEN", 2: "RCVD"}, {
        "NO_RXG_MB": "RX-G without its full barrier (e1000_csb_mode_publish)",
        "NO_RXH_MB": "RX-H without its full barrier (e1000_csb_rx_check)",
        "SWAP_RXG": "RX-G loads rx_kick before storing rx_tail",
        "SWAP_RXH": "RX-H loads rx_tail before storing rx_kick",
        "NO_RXG_WMB": "no write barrier between descriptors and rx_tail",
    }, passes={
        ("N=4",): "a ring of 4: a starved device asks for the kick half "
                  "a ring ahead, beyond the last buffer a small frame needs",
    }),
    Model("irq_rx", ["rx_tail", "rx_irq", "rx_head"], {2: "RCVD"}, {
        "NO_IRQG_MB": "IRQ-G without its full barrier (e1000_csb_mode_irq_rearm)",
        "NO_IRQH_MB": "IRQ-H without its full barrier (e1000_csb_ring_done)",
        "SWAP_IRQG": "IRQ-G checks DD before storing rx_irq",
        "SWAP_IRQH": "IRQ-H loads rx_irq before storing rx_head",
        "NO_IRQH_WMB": "no write barrier between write-back and rx_head",
        "OLD_COMPLETE_THEN_REARM": "napi_complete_done() before the "
                                   "re-arm (e1000_csb_poll before 75cd359)",
        "NO_UP_POLL": "no poll after enabling (e1000_csb_up), a frame "
                      "written back before the enable",
        ("OLD_COMPLETE_THEN_REARM", "TIMERS=0"): "the same, with no "
                                                 "reclaim timer: the "
                                                 "interrupt alone",
        ("NO_ENABLE_ARM", "NO_UP_POLL"): "rx_irq not armed at enable "
                                         "(e1000_csb_mode_start) and no poll "
                                         "after it: open before 75cd359",
        "DD_ONLY": "RX cleaning believes DD alone, not rx_head "
                   "(e1000_csb_rx_clean before the write-back bound), "
                   "with a host that writes DD early",
    }, passes={
        ("DD_ONLY", "EARLY=0"): "DD alone with an honest host",
        ("NO_ENABLE_ARM",): "rx_irq not armed at enable: the poll after "
                            "enabling arms it",
        ("OLD_COMPLETE_THEN_REARM", "ONE_CPU"): "the old order with "
                                                "every context on one "
                                                "vCPU: no second poll "
                                                "can overlap",
    }, agents={"0": "cpu0 ", "1": "host ", "2": "cpu1 "}),
    Model("irq_tx", ["tx_tail", "tx_irq", "tx_head"], {1: "FILLED", 2: "DONE"}, {
        "NO_IRQG_MB": "IRQ-G without its full barrier (e1000_csb_mode_tx_request)",
        "NO_IRQH_MB": "IRQ-H without its full barrier (e1000_csb_ring_done)",
        "SWAP_IRQG": "IRQ-G checks DD before storing tx_irq",
        "SWAP_IRQH": "IRQ-H loads tx_irq before storing tx_head",
        "ONE_RECLAIM": "a met TX request reclaims once and stops "
                       "(e1000_csb_mode_tx_wait): the rest of the ring "
                       "is left uncovered",
    }, passes={
        ("NO_DMA_MB",): "write-backs without QEMU's dma_barrier(): a met "
                        "request that reclaims nothing falls back to the "
                        "reclaim timer",
    }),
    Model("enable", ["tx_tail", "tx_kick", "tx_head"], {1: "FILLED", 2: "DONE"}, {
        "NO_START_ORDER": "the block's tx_tail not ordered before ENABLE "
                          "(e1000_csb_mode_start)",
        "NO_STOP_TDT": "no TDT write by the driver after the disable "
                       "(e1000_csb_mode_stop), with a host-initiated drop",
        "NO_GEN_CHECK": "TX-H without the generation check (e1000_csb_tx_run)",
        "NO_POLL_LOCK": "no map_lock: the poll reads the block after the "
                        "guest freed it (e1000_csb_tx_poll_tail)",
        "NO_STOP_LOCK": "the poll takes map_lock, withdrawing the map does "
                        "not (e1000_csb_set_map)",
    }),
]

MAX_DEPTH = 1000000
CC = os.environ.get("CC", "gcc")


class Run:
    """One verification: a model, its -D flags, what is expected."""

    def __init__(self, model, name, defines, expect, what):
        self.model = model
        self.name = name
        self.defines = defines
        self.expect = expect          # "pass" or "fail"
        self.what = what


def all_runs(tso=False):
    runs = []
    for m in MODELS:
        runs.append(Run(m, m.name, [], "pass", "the model"))
        if tso:     # a subset of the PSO behaviours: passes if PSO does
            runs.append(Run(m, m.name + "/TSO", ["TSO"], "pass",
                            "the model, x86-TSO store buffers"))
        for d, what in m.mutations.items():
            ds = list(d) if isinstance(d, tuple) else [d]
            runs.append(Run(m, f"{m.name}/{'+'.join(ds)}", ds, "fail", what))
        for d, what in m.findings.items():
            runs.append(Run(m, f"{m.name}/{d}", [d], "fail", what))
        for ds, what in list(m.fixes.items()) + list(m.passes.items()):
            runs.append(Run(m, f"{m.name}/{'+'.join(ds)}", list(ds), "pass",
                            what))
    return runs


def sh(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def parse_pan(out):
    r = {"errors": None, "states": None, "transitions": None,
         "seconds": None, "complete": True, "error": None}
    for key, pattern, kind in (("errors", r"errors: (\d+)", int),
                               ("states", r"(\d+) states, stored", int),
                               ("transitions", r"(\d+) transitions", int),
                               ("seconds", r"elapsed time ([\d.e+]+) seconds", float)):
        m = re.search(pattern, out)
        if m:
            r[key] = kind(m.group(1))
    if ("Search not completed" in out or "max search depth too small" in out
            or "out of memory" in out):
        r["complete"] = False
    m = re.search(r"^pan:1: (.*?)(?: \(at depth \d+\))?$", out, re.M)
    if m:
        r["error"] = re.sub(r"\s+", " ", m.group(1))
        if len(r["error"]) > 60:
            r["error"] = r["error"][:57] + "..."
    return r


def verify(run, work, kind):
    """Compile and run one verifier; returns the parsed result."""
    defs = [f"-D{d}" for d in run.defines]
    # a counterexample comes quickly: compile fast; a full search: run fast
    cflags = ["-O2" if run.expect == "pass" else "-O0", "-w", "-DNFAIR=4"]
    if kind == "safety":
        cflags += ["-DNOCLAIM", "-DSAFETY"]
        if run.expect == "fail":
            cflags.append("-DBFS")      # the shortest counterexample
        args = [f"-m{MAX_DEPTH}"]
    else:
        args = [f"-m{MAX_DEPTH}", "-a", "-f", "-N", "no_lost_wakeup"]
    t0 = time.monotonic()
    rc, out = sh([CC] + cflags + ["-o", "pan." + kind, "pan.c"], work)
    if rc:
        raise RuntimeError(f"{run.name}: {CC} failed:\n{out[-3000:]}")
    rc, out = sh(["./pan." + kind] + args, work)
    res = parse_pan(out)
    res["wall"] = time.monotonic() - t0
    res["output"] = out
    if res["errors"] is None:
        raise RuntimeError(f"{run.name} ({kind}): no result from pan:\n{out[-3000:]}")
    if res["errors"] and os.path.exists(os.path.join(work, run.model.file + ".trail")):
        res["trail"] = trail(run, work)
    return res


def execute(run):
    work = tempfile.mkdtemp(prefix="csb-model-")
    try:
        for f in os.listdir(HERE):
            if f.endswith(".pml"):
                shutil.copy(os.path.join(HERE, f), work)
        rc, out = sh(["spin", "-a"] + [f"-D{d}" for d in run.defines]
                     + [run.model.file], work)
        if rc or not os.path.exists(os.path.join(work, "pan.c")):
            raise RuntimeError(f"{run.name}: spin -a failed:\n{out}")
        result = {"name": run.name, "model": run.model.name,
                  "defines": run.defines, "expect": run.expect,
                  "what": run.what}
        for kind in ("safety", "liveness"):
            result[kind] = verify(run, work, kind)
        s, l = result["safety"], result["liveness"]
        if run.expect == "pass":
            result["ok"] = (s["errors"] == 0 and l["errors"] == 0
                            and s["complete"] and l["complete"])
        else:
            result["ok"] = bool(s["errors"] or l["errors"])
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---- counterexamples, as a list of events ----

def word_name(model, w):
    if w < len(model.words):
        return model.words[w]
    return f"desc[{w - len(model.words)}]"


def value_name(model, w, v):
    name = word_name(model, w)
    if name.endswith(("_kick", "_irq")):
        return f"NOTIFY|{v - 128}" if v >= 128 else "0"
    if name.startswith("desc"):
        return model.values.get(v, str(v))
    return str(v)



def trail(run, work):
    """Replay the trail; keep the memory events and the barriers."""
    rc, out = sh(["spin", "-t", "-p"] + [f"-D{d}" for d in run.defines]
                 + [run.model.file], work)
    src = open(os.path.join(work, run.model.file)).read().split("\n")
    events = []
    ag = run.model.agents
    last_mb = None
    for line in out.split("\n"):
        s = line.strip()
        m = re.match(r"@ (\d) (stores|loads|drains) (\d+) = (\d+)$", s)
        if m:
            a, op, w, v = m.group(1), m.group(2), int(m.group(3)), int(m.group(4))
            desc = f"{word_name(run.model, w)} = {value_name(run.model, w, v)}"
            if op == "stores":
                events.append(f"{ag[a]}: store {desc} (buffered)")
            elif op == "loads":
                events.append(f"{ag[a]}: load  {desc}")
            else:
                events.append(f"{ag[a]}:       {desc} now visible")
            continue
        if s.startswith("@ "):
            events.append("       " + s[2:])
            continue
        if "START OF CYCLE" in s:
            events.append("       -- from here on, a cycle without progress --")
            continue
        m = re.match(r"\d+:\s+proc\s+\d+ \((\w+):\d+\) (\w+)\.pml:(\d+) ", s)
        if m and m.group(2) == run.model.name:
            text = src[int(m.group(3)) - 1].strip()
            if (re.search(r"\bW?MB\(", text) and "bql" not in text
                    and (m.group(1), text) != last_mb):
                last_mb = (m.group(1), text)
                events.append(f"{m.group(1)}: {text}")
    return events


# ---- output ----

def fmt_states(r):
    return f"{r['states']:,} states, {r['seconds']:.1f} s"


def describe(res):
    s, l = res["safety"], res["liveness"]
    if res["expect"] == "pass":
        return (f"safety {fmt_states(s)}; liveness {fmt_states(l)}"
                + ("" if s["complete"] and l["complete"] else "; INCOMPLETE"))
    found = []
    if s["errors"]:
        found.append(f"safety: {s['error']}")
    if l["errors"]:
        found.append(f"liveness: {l['error']}")
    return "; ".join(found) or "NO COUNTEREXAMPLE"


def markdown(results):
    lines = ["| run | expected | result |", "|---|---|---|"]
    for r in results:
        exp = "pass" if r["expect"] == "pass" else "counterexample"
        lines.append(f"| `{r['name']}` | {exp} | {describe(r)} |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", dest="pattern", action="append", default=[],
                    help="runs whose name contains PATTERN")
    ap.add_argument("--model", action="append", default=[],
                    help="the runs of this model (repeatable)")
    ap.add_argument("--tso", action="store_true",
                    help="also run each model with x86-TSO store buffers")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--trail", metavar="RUN")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()

    runs = all_runs(args.tso or any("TSO" in p for p in args.pattern))
    if args.model:
        runs = [r for r in runs if r.model.name in args.model]
    if args.trail:
        runs = [r for r in runs if r.name == args.trail]
        if not runs:
            sys.exit(f"no run named {args.trail} (see --list)")
    elif args.pattern:
        runs = [r for r in runs if any(p in r.name for p in args.pattern)]
    if args.list:
        for r in runs:
            print(f"{r.name:34} {r.expect:5} {r.what}")
        return 0
    for tool in ("spin", CC):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (make deps installs spin)")

    results = []
    surprises = 0
    for run in runs:
        res = execute(run)
        results.append(res)
        surprises += not res["ok"]
        if not args.json:
            verdict = "ok  " if res["ok"] else "FAIL"
            print(f"{verdict} {res['name']:34} {describe(res)}", flush=True)
        if args.trail:
            for kind in ("safety", "liveness"):
                if res[kind].get("trail"):
                    print(f"\n{kind} counterexample ({res[kind]['error']}):")
                    print("\n".join("  " + e for e in res[kind]["trail"]))
    for r in results:
        for kind in ("safety", "liveness"):
            r[kind].pop("output", None)
    if args.json:
        json.dump(results, sys.stdout, indent=1)
        print()
    elif args.markdown:
        print()
        print(markdown(results))
    if not args.json:
        print(f"{len(results) - surprises} as expected, {surprises} not")
    return 1 if surprises else 0


if __name__ == "__main__":
    sys.exit(main())
