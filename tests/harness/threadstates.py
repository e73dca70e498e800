# SPDX-License-Identifier: GPL-2.0
"""What each thread of a QEMU process is doing: on a CPU, waiting for
one, or blocked, and if blocked in futex() whether on QEMU's big lock
(the BQL). perf's cpu-clock samples only show where threads run; this
shows where they wait (make profile PROFILE_ARGS="... --states").

The shares on a CPU and waiting for one come from the scheduler's own
accounting (/proc/PID/task/TID/schedstat) over the window; the rest is
blocked, divided by sampling: each sample reads the thread's state
letter (/proc/PID/task/TID/stat) and, for a thread not runnable, the
system call it is blocked in and its first argument
(/proc/PID/task/TID/syscall: for futex() the lock's address). The BQL's
address is QEMU's `bql` symbol (nm) plus the load address of the
executable (/proc/PID/maps).
"""
import collections
import os
import subprocess
import sys
import time

from . import benchsetup

# x86-64 system call numbers a QEMU thread is usually found waiting in
SYSCALLS = {"0": "read", "1": "write", "7": "poll", "23": "select",
            "202": "futex", "232": "epoll_wait", "271": "ppoll",
            "281": "epoll_pwait", "44": "sendto", "45": "recvfrom"}


def bql_address(pid):
    """Where QEMU process PID keeps its BQL (a QemuMutex), or None (with a
    warning: BQL waits then show as another lock's)."""
    exe = os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
    nm = subprocess.run(["nm", exe], capture_output=True, text=True).stdout
    sym = next((int(w[0], 16) for w in (line.split() for line in nm.splitlines())
                if len(w) == 3 and w[2] == "bql"), None)
    with open(f"/proc/{pid}/exe", "rb") as f:
        pie = f.read(18)[16] == 3       # ELF e_type ET_DYN: loaded at a base
    base = 0
    if pie:
        with open(f"/proc/{pid}/maps") as f:
            base = next((int(line.split("-")[0], 16) for line in f if exe in line), None)
    if sym is None or base is None:
        print(f"threadstates: no symbol bql in {exe}: BQL waits not told apart",
              file=sys.stderr)
        return None
    return base + sym


def threads(pid):
    """{tid: label} for the threads of PID: kind (vcpu, main, tx, other),
    thread name and, where a name repeats, the tid."""
    names = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/comm") as f:
            comm = f.read().strip()
        names[int(task)] = f"{benchsetup.thread_kind(pid, int(task), comm)}: {comm}"
    counts = collections.Counter(names.values())
    return {tid: (f"{n} ({tid})" if counts[n] > 1 else n) for tid, n in names.items()}


def schedstat(pid, tid):
    """Nanoseconds thread TID of PID has spent on a CPU and waiting for one."""
    try:
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            on_cpu, waiting = f.read().split()[:2]
        return int(on_cpu), int(waiting)
    except (OSError, ValueError):
        return 0, 0


def state_of(pid, tid, bql):
    """Where thread TID of PID is blocked now; None if it is runnable (or
    has gone)."""
    try:
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            letter = f.read().rpartition(")")[2].split()[0]
        if letter == "R":
            return None
        with open(f"/proc/{pid}/task/{tid}/syscall") as f:
            words = f.read().split()
    except (OSError, IndexError):
        return None
    if not words or words[0] == "running":
        return None
    if words[0] == "-1":
        return "blocked, not in a system call"
    name = SYSCALLS.get(words[0], f"system call {words[0]}")
    if name == "futex" and len(words) > 1:
        addr = int(words[1], 16)
        return "futex: the BQL" if bql is not None and 0 <= addr - bql < 64 \
            else "futex: another lock or event"
    return name


class Watch:
    """What to sample in process PID, looked up before the window opens."""

    def __init__(self, pid):
        self.pid = pid
        self.bql = bql_address(pid)
        self.labels = threads(pid)


def sample(watch, seconds, interval=0.001):
    """Watch the threads of WATCH for SECONDS: {label: {"on a CPU": share,
    "waiting for a CPU": share, "blocked": {where: share}}}; threads that
    ended meanwhile are left out, threads that started are not seen."""
    pid, bql, labels = watch.pid, watch.bql, watch.labels
    blocked = collections.defaultdict(collections.Counter)
    before, t0 = {tid: schedstat(pid, tid) for tid in labels}, time.monotonic_ns()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for tid, label in labels.items():
            where = state_of(pid, tid, bql)
            blocked[label][where or "runnable"] += 1
        time.sleep(interval)
    after, t1 = {tid: schedstat(pid, tid) for tid in labels}, time.monotonic_ns()
    out = {}
    for tid, label in labels.items():
        if after[tid] == (0, 0):
            continue            # ended during the window
        cpu = (after[tid][0] - before[tid][0]) / (t1 - t0)
        wait = (after[tid][1] - before[tid][1]) / (t1 - t0)
        where = {w: k for w, k in blocked[label].items() if w != "runnable"}
        rest, seen = max(0.0, 1 - cpu - wait), sum(where.values())
        out[label] = {"on a CPU": cpu, "waiting for a CPU": wait,
                      "blocked": {w: rest * k / seen for w, k in where.items()}}
    return out


def show(states):
    print("== thread states (share of the window; blocked: where, sampled)")
    for label in sorted(states):
        st = states[label]
        where = sorted(st["blocked"].items(), key=lambda kv: -kv[1])[:4]
        print(f"   {label:32s} on a CPU {st['on a CPU']:.0%}, waiting for a CPU "
              f"{st['waiting for a CPU']:.0%}" +
              "".join(f", {w} {share:.0%}" for w, share in where))
    print()
