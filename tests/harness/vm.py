# SPDX-License-Identifier: GPL-2.0
"""One QEMU guest: start it, talk to its agent, stop it.

The guest's first serial port is its kernel console (a log file); the
second carries the agent protocol described in tests/guest/agent.sh.
"""
import base64
import hashlib
import os
import re
import select
import signal
import socket
import subprocess
import time

from harness import config
from harness.qmp import QMP
from harness.scenario import ScenarioFailure


RUN_ATTEMPTS = 5
BEGIN_TIMEOUT = 10  # seconds for @@BEGIN before the request is sent again


def key_values(out):
    """The "name: number" lines of OUT (ethtool -S and the like) as a dict."""
    stats = {}
    for line in out.splitlines():
        key, _, value = line.rpartition(":")
        if key and value.strip().isdigit():
            stats[key.strip()] = int(value)
    return stats


class Guest:
    def __init__(self, test, name, kernel, qemu, nics, memory=384, extra_args=(),
                 append="", machine="pc", smp="1,maxcpus=2", csb=True):
        self.test = test
        self.name = name
        self.kernel = kernel
        self.qemu = qemu
        self.nics = nics
        self.machine = machine
        self.memory = memory
        self.smp = smp
        self.csb = csb  # csb=on/off for e1000 NICs on our QEMU (Test.guest)
        self.extra_args = list(extra_args)
        self.generation = 0  # how many times migrated
        self._set_paths()
        self.proc = None
        self.qmp = None
        self.sock = None
        self.buf = b""
        self.seq = 0
        self._set_qemu(qemu)
        for f in (config.kernel_image(kernel), config.initramfs(kernel)):
            if not os.path.exists(f):
                raise ScenarioFailure(f"{f} missing (make guest)")
        if machine not in config.MACHINES:
            raise ScenarioFailure(f"unknown machine {machine!r} "
                                  f"(one of {', '.join(config.MACHINES)})")
        self.append = " ".join(a for a in (config.MACHINES[machine]["append"], append) if a)
        self.argv = self._build_argv()

    def _set_qemu(self, qemu):
        self.qemu = qemu
        self.binary = config.QEMU_BINARIES[qemu]
        if not os.path.exists(self.binary):
            target = "qemu-vanilla" if qemu == "vanilla" else "qemu"
            raise ScenarioFailure(f"QEMU binary {self.binary} missing (make {target})")

    def _set_paths(self):
        """Log files and sockets of the current QEMU process (a migration's
        destination gets its own: .1, .2, ...)."""
        test, name = self.test, self.name
        sfx = f".{self.generation}" if self.generation else ""
        self.console_log = os.path.join(test.logdir, f"{name}-console{sfx}.log")
        self.agent_log = os.path.join(test.logdir, f"{name}-agent.log")
        self.qemu_log = os.path.join(test.logdir, f"{name}-qemu{sfx}.log")
        self.agent_path = os.path.join(test.sockdir, f"{name}{sfx}.agent")
        self.qmp_path = os.path.join(test.sockdir, f"{name}{sfx}.qmp")

    def _build_argv(self):
        argv = [
            self.binary, "-name", self.name, *config.MACHINES[self.machine]["args"],
            "-accel", "tcg", "-smp", self.smp, "-m", str(self.memory),
            "-nodefaults", "-display", "none", "-no-reboot",
            "-kernel", config.kernel_image(self.kernel),
            "-initrd", config.initramfs(self.kernel),
            "-append", f"console=ttyS0,115200 panic=-1 oops=panic {self.append}".strip(),
            # a comma in a QEMU option value is written twice
            "-chardev", f"file,id=console,path={self.console_log.replace(',', ',,')}",
            "-serial", "chardev:console",
            "-chardev", f"socket,id=agent,path={self.agent_path},server=on,wait=off",
            "-serial", "chardev:agent",
            "-qmp", f"unix:{self.qmp_path},server=on,wait=off",
        ]
        csb = None
        if self.qemu in config.CSB_QEMUS:
            csb = "on" if self.csb else "off"
        for nic in self.nics:
            argv += nic.qemu_args(csb)
        return argv + self.extra_args

    # -- lifecycle ---------------------------------------------------------

    def start(self, boot_timeout=120):
        self.launch()
        return self.wait_ready(boot_timeout)

    def launch(self):
        """Start QEMU without waiting for the guest (several guests boot at
        once: launch() each, then wait_ready() each)."""
        self.proc = self._spawn(self.argv)
        self.qmp = QMP(self.qmp_path)
        return self

    def wait_ready(self, boot_timeout=120):
        """Wait until the launched guest's agent answers."""
        self._connect_agent(boot_timeout)
        return self

    def _spawn(self, argv):
        with open(self.qemu_log, "w") as log:
            log.write(" ".join(argv) + "\n")
            log.flush()
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    pass_fds=[n.sock.fileno() for n in self.nics if n.sock])
        self.test.register_pid(proc.pid)
        return proc

    def migrate(self, timeout=120, qemu=None):
        """Live-migrate the running guest to a new QEMU process with the same
        command line (`migrate tcp:127.0.0.1:PORT`), then go on with the
        destination: the agent, QMP and the logs switch to it and the source
        exits. The guest must have been started with migratable=True, and no
        agent command may be in flight. qemu: the destination's QEMU (a key
        of config.QEMU_BINARIES; default: the source's), same machine and
        devices. Returns the source's final query-migrate (status,
        total-time, downtime in ms)."""
        if any(n.sock is None for n in self.nics):
            raise ScenarioFailure(f"{self.name}: migrate() needs t.guest(migratable=True)")
        from harness.scenario import free_tcp_port
        port = free_tcp_port()
        source, source_qmp = self.proc, self.qmp
        self.generation += 1
        self._set_paths()
        if qemu:
            self._set_qemu(qemu)
        dest = self._spawn(self._build_argv() + ["-incoming", f"tcp:127.0.0.1:{port}"])
        try:
            dest_qmp = QMP(self.qmp_path)
            source_qmp.execute("migrate", uri=f"tcp:127.0.0.1:{port}")
            info = self._wait_migrated(source_qmp, timeout)
            deadline = time.monotonic() + 30
            while dest_qmp.execute("query-status")["status"] != "running":
                if time.monotonic() > deadline or dest.poll() is not None:
                    raise ScenarioFailure(f"{self.name}: the destination did not run "
                                          f"(see {self.qemu_log})")
                time.sleep(0.05)
        except BaseException:
            dest.kill()
            raise
        if self.sock:
            self.sock.close()
        source_qmp.close()
        source.send_signal(signal.SIGTERM)
        source.wait(10)
        self.proc, self.qmp, self.sock, self.buf = dest, dest_qmp, None, b""
        self._connect_agent(30)
        return info

    def migrate_refused(self, qemu=None, timeout=120):
        """Try migrate() to a destination that must refuse the stream (a
        QEMU without what the source's devices need): the destination must
        exit with an error, and the guest goes on where it was: the source,
        stopped by the migration, runs again (`cont`). Returns the
        destination's output (its command line first)."""
        from harness.scenario import free_tcp_port
        port = free_tcp_port()
        saved = (self.generation, self.qemu)
        self.generation += 100
        self._set_paths()
        if qemu:
            self._set_qemu(qemu)
        dest_log, dest_qmp_path = self.qemu_log, self.qmp_path
        dest = self._spawn(self._build_argv() + ["-incoming", f"tcp:127.0.0.1:{port}"])
        self.generation = saved[0]
        self._set_paths()
        self._set_qemu(saved[1])
        try:
            QMP(dest_qmp_path).close()  # listening once QMP answers
            self.qmp.execute("migrate", uri=f"tcp:127.0.0.1:{port}")
            try:
                dest.wait(timeout)
            except subprocess.TimeoutExpired:
                raise ScenarioFailure(f"{self.name}: the destination ({qemu}) did not "
                                      f"refuse the stream within {timeout} s "
                                      f"(see {dest_log})")
        finally:
            if dest.poll() is None:
                dest.kill()
                dest.wait()
        deadline = time.monotonic() + timeout
        while self.qmp.execute("query-migrate").get("status") in ("active", "setup",
                                                               "device", "pre-switchover"):
            if time.monotonic() > deadline:
                raise ScenarioFailure(f"{self.name}: the source's migration never ended")
            time.sleep(0.05)
        if dest.returncode == 0:
            raise ScenarioFailure(f"{self.name}: the destination ({qemu}) exited with "
                                  f"status 0 (see {dest_log})")
        if self.qmp.execute("query-status")["status"] != "running":
            self.qmp.execute("cont")
        with open(dest_log) as f:
            return f.read()

    def _wait_migrated(self, qmp, timeout):
        deadline = time.monotonic() + timeout
        while True:
            info = qmp.execute("query-migrate")
            status = info.get("status")
            if status == "completed":
                return info
            if status in ("failed", "cancelled") or time.monotonic() > deadline:
                raise ScenarioFailure(f"{self.name}: migration {status}: "
                                      f"{info.get('error-desc', 'timed out')}")
            time.sleep(0.05)

    def _connect_agent(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(self.agent_path)
                break
            except OSError:
                self.sock.close()
                self.sock = None
                if time.monotonic() > deadline:
                    raise ScenarioFailure(f"{self.name}: agent socket never appeared")
                time.sleep(0.05)
        # The agent answers @@PING once it runs; QEMU drops what the guest
        # writes while nobody listens, so keep asking until it answers.
        while True:
            self._send(b"@@PING\n")
            line = self._readline(min(1.0, max(0.1, deadline - time.monotonic())),
                                  quiet_timeout=True)
            if line == "@@PONG":
                return
            if time.monotonic() > deadline:
                raise ScenarioFailure(f"{self.name}: guest agent did not answer within "
                                      f"{timeout} s (see {self.console_log})")

    def stop(self):
        if self.sock:
            self.sock.close()
            self.sock = None
        if self.qmp:
            self.qmp.close()
            self.qmp = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def _check_alive(self):
        if self.proc.poll() is not None:
            raise ScenarioFailure(f"{self.name}: QEMU exited with status {self.proc.returncode}"
                                  f"{self._crash_summary()} "
                                  f"(see {self.qemu_log} and {self.console_log})")

    def _crash_summary(self):
        """If the guest kernel died (it panics on an oops, and QEMU, with
        -no-reboot, then exits): the first oops or panic line of the console
        log, where the CPU was and the first frame in a module."""
        try:
            with open(self.console_log, errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            return ""
        marks = ("BUG:", "Oops", "general protection", "Kernel panic", "double fault")
        for i, line in enumerate(lines):
            if any(m in line for m in marks):
                after = lines[i:i + 40]
                rip = next((r.split("RIP: 0010:", 1)[1].strip() for r in after
                            if "RIP: 0010:" in r), "")
                # the first frame of a module (ours, most likely)
                module = next((r.split("] ", 1)[-1].strip() for r in after
                               if re.search(r"\+0x\w+/0x\w+ \[\w+\]$", r)), "")
                text = line.split("] ", 1)[-1].strip()
                return (f"; guest kernel: {text}" + (f" at {rip}" if rip else "")
                        + (f", called from {module}" if module else ""))
        return ""

    # -- agent channel -----------------------------------------------------

    def _send(self, data):
        self.sock.sendall(data)

    def _readline(self, timeout, quiet_timeout=False):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                if quiet_timeout:
                    return None
                raise TimeoutError
            ready, _, _ = select.select([self.sock], [], [], min(left, 1.0))
            if not ready:
                self._check_alive()
                continue
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                # a guest that panicked: QEMU (-no-reboot) is on its way out
                try:
                    self.proc.wait(2)
                except subprocess.TimeoutExpired:
                    pass
                self._check_alive()
                raise ScenarioFailure(f"{self.name}: agent connection closed "
                                      f"(see {self.console_log})")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode(errors="replace").rstrip("\r")

    def run(self, script, timeout=60):
        """Run a shell script in the guest; return (exit status, output)."""
        self.seq += 1
        tag = str(self.seq)
        payload = base64.b64encode(script.encode()).decode()
        digest = hashlib.md5((payload + "\n").encode()).hexdigest()
        request = f"@@RUN {tag} {digest} {payload}\n".encode()
        with open(self.agent_log, "a") as log:
            log.write(f"$ {script}\n")
        lines = []
        started = False
        deadline = time.monotonic() + timeout
        try:
            # Until the agent says @@BEGIN, a lost or damaged request line
            # (a busy guest's serial port) is sent again; the agent never
            # runs an id twice.
            for attempt in range(RUN_ATTEMPTS):
                if attempt:
                    with open(self.agent_log, "a") as log:
                        log.write(f"[no @@BEGIN {tag} yet: request sent again]\n")
                self._send(request)
                resend = time.monotonic() + BEGIN_TIMEOUT
                while not started:
                    line = self._readline(max(0.1, min(resend, deadline) - time.monotonic()),
                                          quiet_timeout=True)
                    if line is None:
                        if time.monotonic() >= deadline:
                            raise TimeoutError
                        break  # resend
                    if line == f"@@BAD {tag}":
                        break
                    started = line == f"@@BEGIN {tag}"
                if started:
                    break
            if not started:
                raise TimeoutError
            while True:
                line = self._readline(max(0.1, deadline - time.monotonic()))
                if line.startswith(f"@@END {tag} "):
                    rc = int(line.split()[2])
                    break
                lines.append(line)
        except TimeoutError:
            raise ScenarioFailure(f"{self.name}: command timed out after {timeout} s"
                                  f"{'' if started else ' (never started)'}: "
                                  f"{script.strip()[:200]}") from None
        output = "\n".join(lines)
        with open(self.agent_log, "a") as log:
            log.write(output + (f"\n[exit {rc}]\n"))
        return rc, output

    def sh(self, script, timeout=60):
        """Run a shell script in the guest; fail the scenario unless it exits 0."""
        rc, output = self.run(script, timeout)
        if rc != 0:
            raise ScenarioFailure(f"{self.name}: exit {rc} from: {script.strip()[:300]}\n"
                                  f"{output[-3000:]}")
        return output

    def monitor(self, command_line):
        """A human monitor command (for example 'set_link nic0 off')."""
        return self.qmp.hmp(command_line)

    # -- network setup -----------------------------------------------------

    def bring_up(self, driver, nic_index=0, timeout=30, params=""):
        """Load DRIVER with modprobe (module parameters PARAMS), address the
        NIC, wait for the link. Returns the interface name.
        """
        nic = self.nics[nic_index]
        ifname = self.sh(f"""
modprobe {driver} {params}
wait_for 10 ifname_of {driver} || {{ echo "no interface bound to {driver}"; ip link; exit 1; }}
wait_for 10 ifname_by_mac {nic.mac} || {{ echo "no interface with MAC {nic.mac}"; ip link; exit 1; }}
ifname_by_mac {nic.mac}
""").strip().splitlines()[-1]
        # A permanent neighbour entry for the other end of the link: datagrams
        # sent while ARP would still be resolving are not dropped by the
        # guest's neighbour queue (which holds only a few).
        self.sh(f"""
ip addr add {nic.ip}/24 dev {ifname}
ip link set {ifname} up
ip neigh replace {nic.endpoint.peer.ip} lladdr {nic.endpoint.peer.mac} dev {ifname} nud permanent
wait_for {timeout} grep -qx 1 /sys/class/net/{ifname}/carrier || {{ echo "no carrier on {ifname}"; exit 1; }}
""", timeout=timeout + 10)
        nic.ifname = nic.endpoint.ifname = ifname
        return ifname

    def suspend_resume(self, ifname):
        """Suspend the guest to RAM (S3), wake it from the QEMU monitor and
        wait until the resume finished and IFNAME has its carrier again."""
        self.sh("rm -f /tmp/resumed; (sleep 1; echo mem > /sys/power/state; "
                "echo $? > /tmp/resumed) >/dev/null 2>&1 &")
        time.sleep(5)
        status = self.monitor("info status")
        if "suspended" not in status:
            raise ScenarioFailure(f"{self.name} did not suspend: {status}")
        self.monitor("system_wakeup")
        time.sleep(5)  # input sent to the agent's UART while it resumes is lost
        self.sh(f"wait_for 30 test -e /tmp/resumed && grep -qx 0 /tmp/resumed && "
                f"wait_for 10 grep -qx 1 /sys/class/net/{ifname}/carrier && sleep 1.5",
                timeout=60)

    def ethtool_stats(self, ifname=None):
        """`ethtool -S` of IFNAME (default: the first NIC) as a dict."""
        return key_values(self.sh(f"ethtool -S {ifname or self.nics[0].ifname}"))

    HOST_COUNTERS = ("x-stat-doorbell-writes", "x-stat-irq-reg-accesses",
                     "x-stat-other-accesses", "x-stat-interrupts")

    def host_counters(self, nic_index=0, names=HOST_COUNTERS):
        """Our QEMU's own counts for a NIC (QOM x-stat-* properties): the
        guest's trapping accesses by class and the interrupts raised."""
        path = f"/machine/peripheral/{self.nics[nic_index].id}"
        return {c: self.qmp.execute("qom-get", path=path, property=c) for c in names}

    def host_csb_active(self, nic_index=0):
        """What our QEMU says of a NIC: in CSB mode or not (its read-only
        QOM property csb-active, `qom-get`), without looking at counters."""
        path = f"/machine/peripheral/{self.nics[nic_index].id}"
        return self.qmp.execute("qom-get", path=path, property="csb-active")

    def set_csb(self, on, ifname=None):
        """Switch the e1000_csb interface to CSB mode (ON) or plain mode with
        `ethtool --set-priv-flags`, and check that `ethtool -S` (csb_active)
        agrees."""
        ifname = ifname or self.nics[0].ifname
        want = "on" if on else "off"
        self.sh(f"ethtool --set-priv-flags {ifname} csb {want}")
        if self.csb_active(ifname) != on:
            raise ScenarioFailure(f"{self.name}: csb {want} requested, ethtool -S says "
                                  f"csb_active {int(not on)}")

    def csb_active(self, ifname=None):
        """Whether the e1000_csb interface is in CSB mode (ethtool -S
        csb_active; ethtool -i's firmware-version stays empty)."""
        return self.ethtool_stats(ifname)["csb_active"] == 1

    def dmesg_problems(self):
        """Kernel log lines that indicate a bug (warnings, oopses, memory
        the kernel found corrupted)."""
        out = self.sh("dmesg")
        bad = ("WARNING:", "BUG:", "Oops", "general protection", "Call Trace",
               "kernel BUG", "NETDEV WATCHDOG", "UBSAN", "KASAN",
               "unregister_netdevice: waiting", "blocked for more than",
               "Bad page", "Bad swap", "bad pte", "corruption")
        return [line for line in out.splitlines() if any(b in line for b in bad)]
