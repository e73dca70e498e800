# SPDX-License-Identifier: GPL-2.0
"""Find scenarios, expand their matrices, run each in its own process.

Each scenario instance runs in a child process (``run.py --instance``)
with an alarm for its TIMEOUT; the parent enforces a hard limit on top,
kills any QEMU or peer the child recorded in its pid file, and prints one
line per instance and the closing ``N passed, N failed``.
"""
import glob
import importlib.util
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback

from harness import config
from harness.scenario import ScenarioFailure, Test

SCENARIO_DIR = os.path.join(config.TOP, "tests", "scenarios")
DEFAULT_TIMEOUT = 300


def load_module(path):
    name = "scenario_" + re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _short(key, value):
    return config.short_kernel(value) if key == "kernel" else str(value)


class Instance:
    """One scenario file with one set of matrix parameters."""

    def __init__(self, path, params, module):
        self.path = path
        self.params = params
        self.kind = getattr(module, "KIND", "vm")
        self.timeout = getattr(module, "TIMEOUT", DEFAULT_TIMEOUT)
        # How many of the -j slots it takes: one per guest it runs at once.
        self.slots = getattr(module, "SLOTS", 1)
        stem = os.path.splitext(os.path.basename(path))[0]
        if params:
            stem += "[" + ",".join(_short(k, v) for k, v in params.items()) + "]"
        self.name = stem
        self.logdir = os.path.join(config.LOGS, re.sub(r"[^\w.+-]", "_", stem))


def discover(paths=None):
    paths = paths or sorted(glob.glob(os.path.join(SCENARIO_DIR, "*.py")))
    instances = []
    for path in paths:
        module = load_module(path)
        matrix = getattr(module, "MATRIX", {})
        keys = list(matrix)
        # EXCLUDE(params) -> True leaves that combination out of the matrix
        exclude = getattr(module, "EXCLUDE", lambda params: False)
        for values in itertools.product(*(matrix[k] for k in keys)):
            params = dict(zip(keys, values))
            if not exclude(params):
                instances.append(Instance(path, params, module))
    return instances


# -- child side --------------------------------------------------------------

def _alarm(signum, frame):
    raise ScenarioFailure("scenario timed out")


def run_instance(path, params):
    """Run one instance in this process; print a final @@RESULT line."""
    module = load_module(path)
    inst = Instance(path, params, module)
    test = Test(inst.name, params, inst.logdir)
    status, message = "fail", ""
    signal.signal(signal.SIGALRM, _alarm)
    signal.signal(signal.SIGTERM, _alarm)
    signal.alarm(inst.timeout)
    try:
        module.run(test)
        status = "pass"
    except ScenarioFailure as e:
        message = str(e)
    except Exception:  # a bug in the scenario or the harness is a failure too
        message = traceback.format_exc()
    finally:
        signal.alarm(0)
        try:
            test.cleanup()
        except Exception:
            message += "\ncleanup failed:\n" + traceback.format_exc()
            status = "fail"
    with open(os.path.join(inst.logdir, "result.txt"), "w") as f:
        f.write(f"{status}\n{message}\n" + "\n".join(test.notes) + "\n")
    print("@@RESULT " + json.dumps({"status": status, "message": message,
                                    "notes": test.notes}), flush=True)
    return 0 if status == "pass" else 1


# -- parent side -------------------------------------------------------------

def _kill_recorded(logdir):
    """Kill processes a dead child had started (QEMUs, peers), by pid,
    after checking that the pid still belongs to one of our programs."""
    pidfile = os.path.join(logdir, "pids")
    if not os.path.exists(pidfile):
        return
    ours = (config.QEMU_BINARIES["build"], config.QEMU_BINARIES["stock"],
            os.path.join(config.TOOLS, "l2peer"))
    for line in open(pidfile):
        try:
            pid = int(line)
            exe = os.readlink(f"/proc/{pid}/exe")
        except (OSError, ValueError):
            continue
        if exe in ours:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


class Running:
    def __init__(self, inst, verbose):
        self.inst = inst
        self.start = time.monotonic()
        shutil.rmtree(inst.logdir, ignore_errors=True)
        os.makedirs(inst.logdir)
        self.out = open(os.path.join(inst.logdir, "run.log"), "w")
        argv = [sys.executable, os.path.join(config.TOP, "tests", "run.py"),
                "--instance", inst.path, json.dumps(inst.params)]
        self.proc = subprocess.Popen(argv, stdout=self.out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def poll(self):
        if self.proc.poll() is None:
            if time.monotonic() - self.start > self.inst.timeout + 60:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            else:
                return None
        self.out.close()
        _kill_recorded(self.inst.logdir)
        result = {"status": "fail", "message": "runner died without a result"}
        for line in open(os.path.join(self.inst.logdir, "run.log"), errors="replace"):
            if line.startswith("@@RESULT "):
                result = json.loads(line[len("@@RESULT "):])
        if self.proc.returncode != 0 and result["status"] == "pass":
            result = {"status": "fail", "message": f"exit status {self.proc.returncode}"}
        result["seconds"] = time.monotonic() - self.start
        return result


def run_all(instances, jobs=1, keep_logs=False, verbose=False):
    config.ensure_socket_buffers()
    passed = failed = 0
    pending = list(instances)
    running = []
    while pending or running:
        # Start what fits in the free slots; an instance bigger than -j
        # runs alone.
        while pending:
            used = sum(r.inst.slots for r in running)
            if running and used + pending[0].slots > jobs:
                break
            running.append(Running(pending.pop(0), verbose))
        time.sleep(0.2)
        for r in list(running):
            result = r.poll()
            if result is None:
                continue
            running.remove(r)
            name, secs = r.inst.name, result["seconds"]
            if result["status"] == "pass":
                passed += 1
                print(f"PASS {name} ({secs:.0f} s)", flush=True)
                if verbose:
                    for n in result.get("notes", []):
                        print(f"     {n}")
                if not keep_logs:
                    shutil.rmtree(r.inst.logdir, ignore_errors=True)
            else:
                failed += 1
                msg = result["message"].strip().replace("\n", "\n     ")
                print(f"FAIL {name} ({secs:.0f} s): {msg}", flush=True)
                print(f"     logs: {os.path.relpath(r.inst.logdir, config.TOP)}/", flush=True)
    return passed, failed
