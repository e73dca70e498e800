# SPDX-License-Identifier: GPL-2.0
"""Verified UDP traffic between guests and host peers.

Every datagram carries a self-checking payload (tests/tools/payload.h):
the receiving tool verifies each one, and verify_udp() insists that all
of them arrived intact and exactly once.

Senders are paced (``rate`` datagrams per second): QEMU's dgram backend
drains its socket one datagram per main-loop pass, so a flat-out sender
would overflow the receiving QEMU's socket buffer and lose datagrams
before any NIC or driver saw them. Correctness tests want zero loss.
"""
from harness.results import parse_result, verify_udp
from harness.scenario import ScenarioFailure

def default_rate(size):
    """Datagrams per second for frames of SIZE bytes: at most 10,000 and at
    most ~4 MB/s, which a TCG guest absorbs without loss here."""
    return min(10000, 4_000_000 // size)


def guest_recv_start(g, port, count, name="rx", timeout=60, flow=1, idle=None):
    """Start `udpblast recv` in the background in guest G. It stops after
    COUNT datagrams, after TIMEOUT seconds, or IDLE seconds (tool default
    5) after the last one."""
    extra = f" --idle {idle}" if idle is not None else ""
    g.sh(f"""
bg_start {name} udpblast recv --port {port} --count {count} --timeout {timeout} --flow {flow}{extra}
wait_for 10 grep -q READY /tmp/{name}.out || {{ cat /tmp/{name}.out; exit 1; }}
""")


def guest_recv_result(g, name="rx", timeout=90):
    """Wait for a guest_recv_start() receiver and parse its RESULT."""
    _, out = g.run(f"bg_wait {name} {timeout}", timeout + 10)
    return parse_result(out)


def guest_send(g, dst, port, count, size, rate=None, flow=1):
    rate = rate or default_rate(size)
    out = g.sh(f"udpblast send --dst {dst} --port {port} --count {count} "
               f"--size {size} --rate {rate} --flow {flow}", timeout=120)
    return parse_result(out)


def guest_send_start(g, dst, port, count, size, rate=None, flow=1, name="tx"):
    """guest_send() in the background; guest_send_result() collects it."""
    rate = rate or default_rate(size)
    g.sh(f"bg_start {name} udpblast send --dst {dst} --port {port} --count {count} "
         f"--size {size} --rate {rate} --flow {flow}")


def guest_senders_stop(g, name="tx", timeout=30):
    """Stop every `udpblast send` in guest G (SIGTERM) and collect the
    RESULT of bg_start job NAME (reason "interrupted" if it was still
    sending)."""
    _, out = g.run(f"""
for p in $(pidof udpblast); do
    tr '\\0' ' ' < /proc/$p/cmdline | grep -q '^udpblast send ' && kill -TERM $p
done
bg_wait {name} {timeout}""", timeout=timeout + 10)
    return parse_result(out)


def guest_send_result(g, name="tx", timeout=120):
    """Wait for a guest_send_start() sender and parse its RESULT (a sender
    that met errors, e.g. while its interface was down, still reports)."""
    _, out = g.run(f"bg_wait {name} {timeout}", timeout + 10)
    return parse_result(out)


def host_send_start(t, ep, port, count, size, rate=None, flow=1, peer_mac=None):
    """Start l2peer sending COUNT datagrams to the guest NIC on endpoint EP
    (from EP's peer); returns the HostPeer, whose result() waits for it.
    With PEER_MAC the frames go to that MAC without asking ARP first (the
    guest then sends nothing in reply)."""
    rate = rate or default_rate(size)
    timeout = max(60, count // rate + 30)
    args = ["send", "--peer-ip", ep.ip, "--port", str(port), "--count", str(count),
            "--size", str(size), "--rate", str(rate), "--timeout", str(timeout),
            "--flow", str(flow)]
    if peer_mac:
        args += ["--peer-mac", peer_mac]
    return t.l2peer(ep.peer, *args)


def guest_to_host(t, g, ep, count=1000, size=60, port=5001, rate=None):
    """COUNT datagrams from guest G (its NIC on endpoint EP) to a host peer
    on the other end of EP's link. Returns the peer's verified RESULT."""
    peer = t.l2peer(ep.peer, "recv", "--port", str(port), "--count", str(count),
                    "--size", str(size), "--timeout", "60", "--idle", "5", "--flow", "1")
    sent = guest_send(g, ep.peer.ip, port, count, size, rate)
    t.expect(sent.get("sent") == count, f"guest sent {sent.get('sent')} of {count}")
    # Everything the guest sent is on the wire by now: a few seconds are
    # plenty for the rest to arrive.
    return verify_udp(peer.result(timeout=10), count, "host receiver")


def host_to_guest(t, g, ep, count=1000, size=60, port=5002, rate=None, peer_mac=None):
    """COUNT datagrams from a host peer to guest G (NIC on endpoint EP),
    to PEER_MAC if given (no ARP; a broadcast or multicast MAC works too).
    Returns the guest receiver's verified RESULT."""
    guest_recv_start(g, port, count)
    peer = host_send_start(t, ep, port, count, size, rate, peer_mac=peer_mac)
    sent = peer.result()
    t.expect(sent.get("sent") == count and sent["exit"] == 0,
             f"host peer sent {sent.get('sent')} of {count} (exit {sent['exit']})")
    return verify_guest_rx(g, guest_recv_result(g), count)


def verify_guest_rx(g, res, count):
    """verify_udp() for a receiver in guest G; on a loss, the failure also
    shows where the guest's stack counted it (/proc/net/snmp: a full
    socket buffer, a bad checksum) and the NIC driver's drop counters."""
    try:
        return verify_udp(res, count, f"{g.name} receiver")
    except ScenarioFailure as e:
        _, snmp = g.run("grep -E '^(Ip|Udp):' /proc/net/snmp; "
                        "ethtool -S $(ls /sys/class/net | grep -v lo | head -n 1) "
                        "| grep -E 'drop|err|miss|no_buf|csum|multi|packets'")
        raise ScenarioFailure(f"{e}\nguest counters:\n{snmp}") from None


def guest_to_guest(t, src, dst, dst_ip, count=1000, size=60, port=5003, rate=None):
    """COUNT datagrams from guest SRC to guest DST (address DST_IP)."""
    guest_recv_start(dst, port, count)
    sent = guest_send(src, dst_ip, port, count, size, rate)
    t.expect(sent.get("sent") == count, f"{src.name} sent {sent.get('sent')} of {count}")
    return verify_guest_rx(dst, guest_recv_result(dst), count)


def tcp_transfer(t, src, dst, src_ip, port=6000):
    """DST downloads 8 MiB of random data from an HTTP server on SRC
    (busybox httpd and wget; SRC_IP may be an IPv6 address in brackets) and
    the MD5 of what arrived must match what was served."""
    src.sh(f"mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/data bs=64k count=128 "
           f"2>/dev/null && (pidof httpd >/dev/null || httpd -p {port} -h /tmp/www)")
    want = src.sh("md5sum < /tmp/www/data").split()[0]
    out = dst.sh(f"wget -q -O - http://{src_ip}:{port}/data | md5sum", timeout=300)
    got = out.split()[0] if out.split() else ""
    t.expect(got == want, f"{src.name} -> {dst.name}: received data md5 {got}, sent {want}")
