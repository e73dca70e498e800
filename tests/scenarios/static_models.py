# SPDX-License-Identifier: GPL-2.0
"""The CSB handshakes are free of lost wake-ups in every interleaving: the
Promela model of each handshake (Documentation/model/, one instance per
model), with both sides' stores going through store buffers that drain in
any order the barriers allow, passes spin's exhaustive search (assertions,
invalid end states, and the LTL property no_lost_wakeup under weak
fairness); and the models can fail: each mutation (a barrier removed, a
store and its re-check swapped, an older version of a step) and each
documented finding yields a counterexample, while each fix and pass run
passes (Documentation/model/README.md)."""
import json
import os
import shutil
import subprocess
import sys

from harness import config

KIND = "static"
MATRIX = {"model": ["tx", "rx", "irq_rx", "irq_tx", "enable"]}
# irq_rx, the largest (14 runs of about 3 M states), took 20 minutes on
# this 2-core machine beside four running VMs
TIMEOUT = 1800

RUNNER = os.path.join(config.TOP, "Documentation", "model", "run-models.py")


def run(t):
    t.expect(shutil.which("spin"), "spin is not installed (make deps)")
    proc = subprocess.run([sys.executable, RUNNER, "--model", t.model, "--json"],
                          capture_output=True, text=True)
    with open(os.path.join(t.logdir, "models.json"), "w") as f:
        f.write(proc.stdout)
    t.expect(proc.stdout.strip(), "run-models.py said nothing:\n" + proc.stderr[-4000:])
    results = json.loads(proc.stdout)
    t.expect(results, f"no runs for model {t.model}")
    t.expect(results[0]["expect"] == "pass", f"{t.model}: the model itself did not run")
    bad = []
    for r in results:
        s, l = r["safety"], r["liveness"]
        if r["expect"] == "pass":
            t.note(f"{r['name']}: safety {s['states']} states {s['seconds']} s, "
                   f"liveness {l['states']} states {l['seconds']} s")
            if not r["ok"]:
                bad.append(f"{r['name']}: safety errors {s['errors']} "
                           f"(complete {s['complete']}), liveness errors "
                           f"{l['errors']} (complete {l['complete']})\n"
                           + "\n".join(s.get("trail", []) + l.get("trail", [])))
        else:
            t.note(f"{r['name']}: {s['error'] or l['error']}")
            if not r["ok"]:
                bad.append(f"{r['name']} ({r['what']}): no counterexample")
    t.expect(proc.returncode == 0 and not bad,
             "model checking:\n" + "\n".join(bad) + "\n" + proc.stderr[-2000:])
