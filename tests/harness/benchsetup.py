# SPDX-License-Identifier: GPL-2.0
"""make bench: the configurations compared, the guests each one boots, and
what the host counts while a workload runs (QEMU's threads' CPU time, our
QEMU's trap counters).

A Session is one configuration booted: guest a with two NICs (nic0 on a
link to a host peer, nic1 on a link to guest b) and guest b with one NIC
on that second link, both with the configuration's QEMU, NIC model and
driver. Workloads (harness/benchloads.py) run on it one after another."""
import glob
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from harness import config


@dataclass(frozen=True)
class Config:
    name: str
    label: str
    qemu: str           # key of config.QEMU_BINARIES
    nic: str            # QEMU device model
    driver: str         # guest driver
    props: str = ""     # -device properties
    csb: bool = False   # switch the driver to CSB mode
    preload: str = ""   # modules to load first (the guest has no udev)
    params: str = ""    # the driver's module parameters
    ethtool: str = ""   # ethtool options applied to each NIC once it is up

    @property
    def counts_traps(self):
        """Whether QEMU counts the guest's trapping accesses (our e1000)."""
        return self.qemu == "build" and self.nic == "e1000"


CONFIGS = [
    Config("stock", "stock QEMU 7.2 + e1000", "stock", "e1000", "e1000"),
    Config("e1000", "e1000 (csb=off)", "build", "e1000", "e1000", "csb=off"),
    Config("plain", "e1000_csb plain", "build", "e1000", "e1000_csb"),
    Config("csb", "e1000_csb CSB", "build", "e1000", "e1000_csb", csb=True),
    Config("csb-poll0", "e1000_csb CSB poll 0", "build", "e1000", "e1000_csb",
           "csb-poll-us=0", csb=True),
    Config("virtio", "virtio-net", "build", "virtio-net-pci", "virtio_net",
           preload="virtio_pci"),
]
BASELINE = "e1000"  # ratios are to this configuration of the same run


def poll_configs(budgets):
    """CSB mode at each host polling budget in BUDGETS (microseconds)."""
    return [Config(f"csb-poll{b}", f"e1000_csb CSB poll {b}", "build", "e1000",
                   "e1000_csb", f"csb-poll-us={b}", csb=True) for b in budgets]


def both_modes(tag, label, **fields):
    """Plain and CSB mode of e1000_csb on our QEMU with FIELDS set, named
    mode:TAG and labelled with LABEL."""
    return [Config(f"{mode}:{tag}", f"e1000_csb {mode_label} {label}", "build", "e1000",
                   "e1000_csb", csb=mode == "csb", **fields)
            for mode, mode_label in (("plain", "plain"), ("csb", "CSB"))]


def params_configs(params_list):
    """Plain and CSB mode with each of PARAMS_LIST's e1000_csb module
    parameter strings (an experiment against the defaults, e.g.
    "rx_usecs=250")."""
    return [c for p in params_list for c in both_modes(p, p, params=p)]


def ethtool_configs(options_list):
    """Plain and CSB mode with each of OPTIONS_LIST's ethtool options
    applied to every NIC ({ifname} names it; an experiment against the
    defaults, e.g. "-G {ifname} tx 256")."""
    def short(o):
        return " ".join(w for w in o.split() if w != "{ifname}")

    return [c for o in options_list
            for c in both_modes(short(o).replace(" ", "_"), f"ethtool {short(o)}", ethtool=o)]


def props_configs(props_list):
    """CSB mode with each of PROPS_LIST's -device property strings added
    (an experiment against the default, e.g. "csb-poll-us=20")."""
    return [Config(f"csb+{p}", f"e1000_csb CSB {p}", "build", "e1000", "e1000_csb",
                   p, csb=True) for p in props_list]


def check_ethtool_opts(ap, opts):
    """argparse's error unless OPTS names the NIC with {ifname} and has no
    other format field."""
    try:
        ok = "{ifname}" in opts and opts.format(ifname="x") is not None
    except (KeyError, IndexError, ValueError):
        ok = False
    if not ok:
        ap.error(f"ethtool options {opts!r}: name the NIC with {{ifname}} "
                 "(and use no other braces)")


def ethtool(g, nic, opts):
    """`ethtool OPTS` in guest G for NIC ({ifname} in OPTS names it)."""
    g.sh(f"ethtool {opts.format(ifname=nic.ifname)}")


class Session:
    """Guests a (and b, if NEED_B) booted in configuration CFG under Test T."""

    def __init__(self, t, cfg, need_b=True, extra_args=()):
        self.t = t
        self.cfg = cfg
        self.extra_args = tuple(extra_args)   # for each QEMU (tests/bench_profile.py)
        self.host_link = t.link()
        self.pair_link = t.link()
        self.a = self._guest("a", self.host_link.a, self.pair_link.a)
        self.b = self._guest("b", self.pair_link.b) if need_b else None
        for g in self.guests:
            g.launch()
        for g in self.guests:
            g.wait_ready()
        with ThreadPoolExecutor() as pool:  # each guest has its own agent
            list(pool.map(self._bring_up, self.guests))

    @property
    def guests(self):
        return [g for g in (self.a, self.b) if g]

    def _guest(self, name, *endpoints):
        cfg = self.cfg
        return self.t.guest(*endpoints, nic=cfg.nic, qemu=cfg.qemu, name=name,
                            nic_props=cfg.props, start=False,
                            extra_args=("-name", f"{name},debug-threads=on",
                                        *self.extra_args))

    def _bring_up(self, g):
        if self.cfg.preload:
            g.sh(f"modprobe -a {self.cfg.preload}")
        for i, nic in enumerate(g.nics):
            g.bring_up(self.cfg.driver, nic_index=i, params=self.cfg.params)
            if self.cfg.ethtool:
                ethtool(g, nic, self.cfg.ethtool)
            if self.cfg.csb:
                g.set_csb(True, nic.ifname)


# -- what the host counts ---------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")
THREAD_KINDS = ("vcpu", "main", "tx", "other")


def thread_kind(pid, tid, comm):
    if comm.startswith("CPU "):
        return "vcpu"
    if comm == "e1000-csb-tx":
        return "tx"
    return "main" if tid == pid else "other"


def qemu_cpu(pid):
    """CPU seconds used so far by QEMU process PID, by kind of thread
    (-name ...,debug-threads=on names them): vCPU, main loop, our TX
    thread e1000-csb-tx, other (RCU, workers)."""
    cpu = dict.fromkeys(THREAD_KINDS, 0.0)
    for task in glob.glob(f"/proc/{pid}/task/*"):
        try:
            with open(f"{task}/comm") as f:
                comm = f.read().strip()
            with open(f"{task}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue  # a thread that just ended
        kind = thread_kind(pid, int(os.path.basename(task)), comm)
        cpu[kind] += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
    return cpu


def machine_cpu():
    """CPU seconds the whole host has been busy so far and the seconds
    all its CPUs have counted (/proc/stat's first line: busy is user,
    nice, system, irq, softirq and steal; the rest idle or iowait). Over
    a window, busy / counted x CPUs is how many of the host's CPUs were
    in use: QEMU, the host peers, the kernel's network path and anything
    else running, which says whether the machine itself was the limit."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = ticks
    busy = user + nice + system + irq + softirq + steal
    return {"busy": busy / CLK_TCK, "total": (busy + idle + iowait) / CLK_TCK,
            "cpus": os.cpu_count()}


TRAP_COUNTERS = ("x-stat-doorbell-writes", "x-stat-irq-reg-accesses",
                 "x-stat-other-accesses")


def host_traps(g, nic_index):
    """Trapping register accesses of the guest to one NIC so far, as our
    QEMU counts them (every MMIO access to the e1000, also with csb=off)."""
    return sum(g.host_counters(nic_index, TRAP_COUNTERS).values())


def host_snapshot(session, nics):
    """Host-side counts for the (guest, nic index) pairs NICS."""
    guests = {g.name: g for g, _ in nics}
    snap = {"cpu": {name: qemu_cpu(g.proc.pid) for name, g in guests.items()},
            "machine": machine_cpu()}
    if session.cfg.counts_traps:
        snap["traps"] = sum(host_traps(g, i) for g, i in nics)
    return snap


# -- what the guest counts --------------------------------------------------

GUEST_SNAPSHOT = r"""
read up _ < /proc/uptime
echo "uptime $up"
head -n 1 /proc/stat
for i in {ifnames}; do
    dev=$(basename "$(readlink /sys/class/net/$i/device)")
    irqs=$(awk -v a="$i" -v b="$dev-" '{{
        hit = 0
        for (f = 2; f <= NF; f++) if ($f == a || index($f, b) == 1) hit = 1
        if (hit) for (f = 2; f <= NF && $f ~ /^[0-9]+$/; f++) s += $f
    }} END {{ print s + 0 }}' /proc/interrupts)
    s=/sys/class/net/$i/statistics
    echo "if $i $(cat $s/tx_packets) $(cat $s/rx_packets) $irqs"
done
"""


def guest_snapshot(g, nic_indexes):
    """Guest G's uptime, its CPU's idle and total ticks (/proc/stat: idle
    is idle and iowait, i.e. the vCPU halted) and, per interface, packets
    sent and received and the interrupts of its IRQ lines
    (/proc/interrupts: the interface's name for e1000, virtioN-* for
    virtio-net)."""
    ifnames = " ".join(g.nics[i].ifname for i in nic_indexes)
    snap = {"uptime": 0.0, "if": {}}
    for line in g.sh(GUEST_SNAPSHOT.format(ifnames=ifnames)).splitlines():
        words = line.split()
        if words[:1] == ["uptime"]:
            snap["uptime"] = float(words[1])
        elif words[:1] == ["if"]:
            snap["if"][words[1]] = dict(zip(("tx", "rx", "irqs"), map(int, words[2:5])))
        elif words[:1] == ["cpu"]:
            ticks = [int(x) for x in words[1:9]]
            snap["idle"], snap["ticks"] = ticks[3] + ticks[4], sum(ticks)
    return snap


def snapshot(session, nics):
    """Guest counts, then host counts, for the (guest, nic index) pairs
    NICS: taken in the same order before and after a window, so that the
    guest's window and the host's line up."""
    by_guest = {}
    for g, i in nics:
        by_guest.setdefault(g.name, (g, []))[1].append(i)
    guests = {name: guest_snapshot(g, idx) for name, (g, idx) in by_guest.items()}
    return {"guest": guests, "host": host_snapshot(session, nics)}


def ensure_host_ready():
    config.ensure_socket_buffers()
