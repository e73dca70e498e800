# SPDX-License-Identifier: GPL-2.0
"""What a scenario's run(t) gets: the Test object and its building blocks.

A Test owns everything it starts (QEMU guests, host peers) and always
stops them, by pid, when the scenario ends, passes or fails.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

from harness import config


class ScenarioFailure(Exception):
    """The scenario's expectation was not met; the message says which."""


# Each link is its own /24 from the documentation ranges (RFC 5737): the
# addresses only ever exist inside UDP datagrams between QEMU and its peer
# on 127.0.0.1, never on a host interface.
SUBNETS = ["192.0.2", "198.51.100", "203.0.113"]


SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)  # beyond rmem_max (root)


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Endpoint:
    """One end of a link: a UDP port on 127.0.0.1 plus the L2/L3 identity
    of whatever sits there (a guest NIC or a host peer)."""

    def __init__(self, link, side):
        self.link = link
        self.side = side
        self.port = free_udp_port()
        self.ip = f"{SUBNETS[link.index]}.{side + 1}"
        self.mac = f"52:54:00:c5:{link.index:02x}:{side + 1:02x}"
        self.ifname = None

    @property
    def peer(self):
        return self.link.b if self is self.link.a else self.link.a


class Link:
    """A point-to-point Ethernet link carried by QEMU's dgram netdev:
    every datagram between the two ports is one Ethernet frame."""

    def __init__(self, index):
        if index >= len(SUBNETS):
            raise ScenarioFailure("too many links in one scenario")
        self.index = index
        self.a = Endpoint(self, 0)
        self.b = Endpoint(self, 1)


class NIC:
    """A guest NIC of a given QEMU model attached to a link endpoint."""

    def __init__(self, endpoint, model, index, props="", shared_socket=False):
        self.endpoint = endpoint
        self.model = model
        self.id = f"nic{index}"
        self.netdev = f"net{index}"
        self.props = props
        self.ifname = None
        self.sock = self._open_socket() if shared_socket else None

    # A migration's destination QEMU starts while the source still runs, so
    # the two cannot each bind the endpoint's port: with shared_socket the
    # harness binds it once and hands the same socket to both (dgram's
    # local.type=fd). Only a running VM reads it (qemu_can_send_packet()),
    # so frames sent while neither runs wait in its buffer (8 MiB) for the
    # destination.
    RCVBUF = 8 << 20

    def _open_socket(self):
        ep = self.endpoint
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, self.RCVBUF)
        sock.bind(("127.0.0.1", ep.port))
        sock.connect(("127.0.0.1", ep.peer.port))
        return sock

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None

    ip = property(lambda self: self.endpoint.ip)
    mac = property(lambda self: self.endpoint.mac)

    def qemu_args(self, csb=None):
        """-netdev and -device; CSB ("on"/"off"): the e1000 family's
        csb property, if the QEMU has it and self.props does not set it."""
        ep = self.endpoint
        if self.sock:
            netdev = f"dgram,id={self.netdev},local.type=fd,local.str={self.sock.fileno()}"
        else:
            netdev = (f"dgram,id={self.netdev},"
                      f"local.type=inet,local.host=127.0.0.1,local.port={ep.port},"
                      f"remote.type=inet,remote.host=127.0.0.1,remote.port={ep.peer.port}")
        # romfile= : no iPXE option ROM, we boot with -kernel (faster).
        device = f"{self.model},netdev={self.netdev},id={self.id},mac={ep.mac},romfile="
        if self.props:
            device += "," + self.props
        if (csb and self.model.startswith("e1000")
                and not any(p.startswith("csb=") for p in self.props.split(","))):
            device += f",csb={csb}"
        return ["-netdev", netdev, "-device", device]


class HostPeer:
    """tests/tools/l2peer on a link endpoint: the host side of the wire."""

    def __init__(self, test, endpoint, name, args):
        self.test = test
        self.name = name
        self.log = os.path.join(test.logdir, f"{name}.log")
        binary = os.path.join(config.TOOLS, "l2peer")
        argv = [binary, args[0], "--listen", f"127.0.0.1:{endpoint.port}",
                "--qemu", f"127.0.0.1:{endpoint.peer.port}",
                "--mac", endpoint.mac, "--ip", endpoint.ip] + list(args[1:])
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=open(self.log, "w"),
                                     stdin=subprocess.DEVNULL, text=True,
                                     start_new_session=True)
        test.register_pid(self.proc.pid)
        self.stdout = ""
        if args[0] == "recv":  # a receiver says READY once it listens
            line = self.proc.stdout.readline()
            self.stdout += line
            if not line.startswith("READY"):
                raise ScenarioFailure(f"{name}: l2peer did not start: {line!r} "
                                      f"(see {self.log})")

    def result(self, timeout=120):
        """Wait up to TIMEOUT seconds for the peer to finish, then stop it
        (it reports what it has so far), and return its parsed RESULT."""
        from harness.results import parse_result
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                out, _ = self.proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                out, _ = self.proc.communicate()
        self.stdout += out
        with open(self.log, "a") as f:
            f.write("--- stdout ---\n" + self.stdout)
        res = parse_result(self.stdout)
        res["exit"] = self.proc.returncode
        return res

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class FrameSocket:
    """A plain UDP socket on a link endpoint, in l2peer's place: it gets the
    Ethernet frames the guest's NIC sends (one per datagram) and picks out
    the payloads of UDP datagrams to a given port, whatever they carry
    (netconsole's text, for example), and sends only frames it is given."""

    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", endpoint.port))

    @staticmethod
    def udp_payload(frame):
        """(destination port, UDP payload) of FRAME if it is IPv4/UDP,
        else (None, None)."""
        if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            return None, None
        udp = 14 + (frame[14] & 15) * 4
        length = int.from_bytes(frame[udp + 4:udp + 6], "big")
        return int.from_bytes(frame[udp + 2:udp + 4], "big"), frame[udp + 8:udp + length]

    def udp_payloads(self, ports, done=lambda payloads: False, idle=5, timeout=60):
        """{port: [payloads]} of datagrams to each of PORTS, read until
        DONE(that dict) is true, nothing came for IDLE seconds, or TIMEOUT
        seconds passed."""
        payloads = {port: [] for port in ports}
        deadline = time.monotonic() + timeout
        while not done(payloads):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(min(idle, left))
            try:
                frame = self.sock.recv(65536)
            except socket.timeout:
                break
            port, payload = self.udp_payload(frame)
            if port in payloads:
                payloads[port].append(payload)
        return payloads

    def send(self, frame):
        """Send one Ethernet frame (bytes, no FCS) to the guest's NIC."""
        self.sock.sendto(frame, ("127.0.0.1", self.endpoint.peer.port))

    def close(self):
        self.sock.close()


class Test:
    """Handed to a scenario's run(t). Also the context that cleans up."""

    def __init__(self, name, params, logdir):
        self.name = name
        self.params = params
        self.logdir = logdir
        os.makedirs(logdir, exist_ok=True)
        # unix socket paths must stay short: keep them out of the log dir
        self.sockdir = tempfile.mkdtemp(prefix="e1kcsb-")
        self.pidfile = os.path.join(logdir, "pids")
        self._links = []
        self._guests = []
        self._peers = []
        self._sockets = []
        self.notes = []

    # Matrix parameters, for example t.kernel and t.qemu.
    def __getattr__(self, key):
        params = self.__dict__.get("params", {})
        if key in params:
            return params[key]
        raise AttributeError(key)

    def register_pid(self, pid):
        with open(self.pidfile, "a") as f:
            f.write(f"{pid}\n")

    def link(self):
        """A new point-to-point link; connect its ends a and b."""
        link = Link(len(self._links))
        self._links.append(link)
        return link

    def guest(self, *endpoints, nic="e1000", kernel=None, qemu=None, name=None,
              nic_props="", extra_args=(), append="", driver=None, start=True,
              machine="pc", smp=None, migratable=False, csb=True):
        """Start a guest with one NIC per endpoint; with driver=..., load it
        and bring the first NIC up (address endpoint.ip/24, carrier).
        nic_props: extra -device properties of every NIC, or a list with
        one string per endpoint.
        machine: a key of config.MACHINES ("pc", "q35", or "q35-iommu":
        Q35 with an Intel VT-d and the guest kernel's intel_iommu=on).
        smp: QEMU's -smp value (default config.DEFAULT_SMP: one vCPU that
        keeps TCG in parallel mode; "1" for a true uniprocessor, "2" for
        two vCPUs).
        migratable: the NICs' sockets are the harness's, so that
        Guest.migrate() can hand them to the destination QEMU.
        csb: on our QEMU (config.CSB_QEMUS), whose e1000 offers the CSB
        only with csb=on, every e1000-family NIC gets csb=on (True) or
        csb=off (False) unless its nic_props set csb= themselves; other
        QEMUs get neither."""
        name = name or f"guest{len(self._guests)}"
        if isinstance(nic_props, str):
            nic_props = [nic_props] * len(endpoints)
        nics = [NIC(ep, nic, i, props, shared_socket=migratable)
                for i, (ep, props) in enumerate(zip(endpoints, nic_props))]
        from harness.vm import Guest
        g = Guest(self, name, kernel or self.params.get("kernel") or config.DEFAULT_KERNEL,
                  qemu or self.params.get("qemu", "build"), nics,
                  extra_args=extra_args, append=append, machine=machine,
                  smp=smp or config.DEFAULT_SMP, csb=csb)
        self._guests.append(g)
        if start:
            g.start()
            if driver:
                g.bring_up(driver)
        return g

    def l2peer(self, endpoint, *args, name=None):
        """Start tests/tools/l2peer on ENDPOINT, e.g. t.l2peer(link.b, "recv",
        "--port", "5000", "--count", "1000"). Returns once it is READY."""
        peer = HostPeer(self, endpoint, name or f"peer{len(self._peers)}", args)
        self._peers.append(peer)
        return peer

    def stop_peers(self):
        """Stop every host peer started so far (those still running)."""
        for p in self._peers:
            p.stop()

    def frame_socket(self, endpoint):
        """A FrameSocket on ENDPOINT (instead of an l2peer there)."""
        sock = FrameSocket(endpoint)
        self._sockets.append(sock)
        return sock

    def expect(self, condition, message):
        if not condition:
            raise ScenarioFailure(message)

    def note(self, message):
        """A line for the report (shown with -v and in the log)."""
        self.notes.append(message)

    def cleanup(self):
        for p in self._peers:
            p.stop()
        for s in self._sockets:
            s.close()
        for g in self._guests:
            g.stop()
            for n in g.nics:
                n.close()
        shutil.rmtree(self.sockdir, ignore_errors=True)
