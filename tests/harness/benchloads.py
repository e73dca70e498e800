# SPDX-License-Identifier: GPL-2.0
"""make bench: the workloads. Each starts traffic that would run on
past the measuring window, says which NICs take part and which of their
packets count, and stops the traffic once the window closed
(harness/benchsetup.py's Session gives it guests a and b; the host end
of a's nic0 is an l2peer).

    tx       guest -> host UDP, udpblast sendmmsg (64 per call), unpaced
    tx-paced the same at --rate datagrams/s (what polling costs a paced sender)
    rx       host -> guest UDP flood, l2peer unpaced (QEMU's socket drops
             what the guest cannot take: counted is what the NIC received)
    pktgen   the kernel's pktgen in the guest (burst 64) to the host
    g2g      guest a <-> guest b UDP, both ways at once, unpaced
    tcp      one TCP stream a -> b (busybox nc), full-size segments
    latency  ping -A (one request outstanding) to the host peer, which
             answers ICMP echo itself: p50 and p99 of the round trip
"""
from harness.results import parse_result

SINK = ["recv", "--count", "1000000000", "--idle", "0", "--verify", "header",
        "--flow", "1"]


class Workload:
    kind = ""
    port = 0

    def __init__(self, size, rate=0):
        self.size = size
        self.rate = rate
        self.name = f"{self.kind}-{size}" if size else self.kind

    def nics(self, s):
        """The (guest, nic index) pairs whose host costs count."""
        return [(s.a, 0)]

    def counted(self, s):
        """The (guest, nic index, "tx" or "rx") whose packets count."""
        return [(s.a, 0, "tx")]

    def start(self, s, seconds):
        raise NotImplementedError

    def stop(self, s):
        """Stop the traffic; return extra figures (latency)."""
        return {}

    def host_sink(self, s, seconds):
        s.t.l2peer(s.host_link.b, *SINK, "--port", str(self.port),
                   "--timeout", str(seconds + 60))



class SocketTX(Workload):
    kind = "tx"
    port = 5101

    def start(self, s, seconds):
        self.host_sink(s, seconds)
        s.a.sh(f"bg_start tx udpblast send --dst {s.host_link.b.ip} --port {self.port} "
               f"--seconds {seconds} --size {self.size} --rate {self.rate} --batch 64 "
               f"--flow 1")

    def stop(self, s):
        s.a.run("kill $(pidof udpblast) 2>/dev/null; bg_wait tx 10", timeout=20)
        s.t.stop_peers()
        return {}


class PacedTX(SocketTX):
    kind = "tx-paced"


class RXFlood(Workload):
    kind = "rx"
    port = 5102

    def counted(self, s):
        return [(s.a, 0, "rx")]

    def start(self, s, seconds):
        a, ep = s.a, s.host_link.a
        a.sh(f"bg_start rx udpblast recv --port {self.port} --count 1000000000 "
             f"--timeout {seconds + 60} --idle 0 --verify header --flow 1\n"
             f"wait_for 10 grep -q READY /tmp/rx.out")
        s.t.l2peer(ep.peer, "send", "--peer-ip", ep.ip, "--peer-mac", ep.mac,
                   "--port", str(self.port), "--seconds", str(seconds), "--rate", "0",
                   "--size", str(self.size), "--flow", "1", "--timeout", str(seconds + 60))

    def stop(self, s):
        s.t.stop_peers()
        s.a.run("kill $(pidof udpblast) 2>/dev/null; bg_wait rx 10", timeout=20)
        return {}


PKTGEN = """
modprobe pktgen
echo "rem_device_all" > /proc/net/pktgen/kpktgend_0
echo "add_device {ifname}" > /proc/net/pktgen/kpktgend_0
for c in "count 0" "pkt_size {size}" "burst 64" "dst {dst}" "dst_mac {dst_mac}" \
         "udp_dst_min {port}" "udp_dst_max {port}"; do
    echo "$c" > /proc/net/pktgen/{ifname}
done
bg_start pktgen sh -c 'echo start > /proc/net/pktgen/pgctrl'
"""


class Pktgen(Workload):
    kind = "pktgen"
    port = 5103

    def start(self, s, seconds):
        self.host_sink(s, seconds)
        ep = s.host_link.a
        s.a.sh(PKTGEN.format(ifname=ep.ifname, size=self.size, dst=ep.peer.ip,
                             dst_mac=ep.peer.mac, port=self.port))

    def stop(self, s):
        s.a.run("echo stop > /proc/net/pktgen/pgctrl; bg_wait pktgen 30", timeout=40)
        s.t.stop_peers()
        return {}


class GuestToGuest(Workload):
    kind = "g2g"
    port = 5104

    def nics(self, s):
        return [(s.a, 1), (s.b, 0)]

    def counted(self, s):
        return [(s.a, 1, "tx"), (s.b, 0, "tx")]

    def pairs(self, s):
        return ((s.a, s.pair_link.b.ip), (s.b, s.pair_link.a.ip))

    def start(self, s, seconds):
        for g, _ in self.pairs(s):
            g.sh(f"bg_start rx udpblast recv --port {self.port} --count 1000000000 "
                 f"--timeout {seconds + 60} --idle 0 --verify header --flow 1\n"
                 f"wait_for 10 grep -q READY /tmp/rx.out")
        for g, dst in self.pairs(s):
            g.sh(f"bg_start tx udpblast send --dst {dst} --port {self.port} "
                 f"--seconds {seconds} --size {self.size} --rate 0 --batch 64 --flow 1")

    def stop(self, s):
        for g, _ in self.pairs(s):
            g.run("kill $(pidof udpblast) 2>/dev/null; bg_wait tx 10; bg_wait rx 10",
                  timeout=30)
        return {}


class TCPStream(Workload):
    kind = "tcp"
    port = 5105

    def nics(self, s):
        return [(s.a, 1), (s.b, 0)]

    def counted(self, s):
        return [(s.a, 1, "tx")]

    def start(self, s, seconds):
        # nc ends once its stdin does: give the receiver one that stays open
        s.b.sh(f"bg_start tcprx sh -c 'sleep 3600 | nc -l -p {self.port} > /dev/null'")
        s.a.sh(f"usleep 200000; bg_start tcptx sh -c 'dd if=/dev/zero bs=64k "
               f"count=1000000 2>/dev/null | nc {s.pair_link.b.ip} {self.port}'")

    def stop(self, s):
        s.a.run("killall dd nc 2>/dev/null; bg_wait tcptx 10", timeout=20)
        s.b.run("killall nc sleep 2>/dev/null; bg_wait tcprx 10", timeout=20)
        return {}


LATENCY = r"""
kill -INT $(pidof ping) 2>/dev/null
bg_wait lat 10 >/dev/null
sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' /tmp/lat.out | sort -n > /tmp/rtt
n=$(wc -l < /tmp/rtt)
[ "$n" -gt 0 ] || { cat /tmp/lat.out; exit 1; }
echo "RESULT n=$n p50=$(sed -n "$(((n + 1) / 2))p" /tmp/rtt) \
p99=$(sed -n "$(((n * 99 + 99) / 100))p" /tmp/rtt)"
"""


class Latency(Workload):
    kind = "latency"
    port = 5106

    def counted(self, s):
        return [(s.a, 0, "tx"), (s.a, 0, "rx")]

    def start(self, s, seconds):
        self.host_sink(s, seconds)  # l2peer answers ICMP echo requests
        s.a.sh(f"bg_start lat ping -A -s {self.size - 42} -w {seconds} "
               f"{s.host_link.b.ip}")

    def stop(self, s):
        res = parse_result(s.a.sh(LATENCY, timeout=30))
        s.t.stop_peers()
        return {"rtt_samples": res["n"], "p50_us": res["p50"] * 1000,
                "p99_us": res["p99"] * 1000}


KINDS = {w.kind: w for w in (SocketTX, PacedTX, RXFlood, Pktgen, GuestToGuest,
                            TCPStream, Latency)}
DEFAULT_KINDS = ["tx", "rx", "pktgen", "g2g", "tcp", "latency"]
SIZELESS = {"tcp"}  # full-size segments whatever --sizes says


def workloads(kinds, sizes, rate):
    """The workloads to run: each kind at each size (tcp once, at the MTU)."""
    out = []
    for kind in kinds:
        cls = KINDS[kind]
        if kind in SIZELESS:
            out.append(cls(0))
            continue
        out += [cls(size, rate if kind == "tx-paced" else 0) for size in sizes]
    return out
