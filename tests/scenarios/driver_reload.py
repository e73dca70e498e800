# SPDX-License-Identifier: GPL-2.0
"""e1000_csb unloaded and loaded again 30 times, with verified traffic in
between: after every modprobe the interface comes back under the same name
with link, and 50 verified UDP datagrams cross it in each direction. After
every rmmod nothing of the driver is left: no interface, no interrupt
handler, no debugfs directory. Every fifth unload happens under traffic in
both directions (a host stream arriving, the guest sending), so the driver
tears down rings with frames in flight. At the end, 1,000 verified
datagrams each way, small and large, and a kernel log without warnings.
(A memory leak would show as the MemAvailable note growing with cycles.)

With csb=on the same on our QEMU with `modprobe e1000_csb csb=1` (20
cycles: CI time): every load comes up in CSB mode, and every unload,
also under traffic, tears CSB mode down with the rings (the device must
confirm it released the block: csb_blocks_leaked is never logged)."""
from harness import KERNELS
from harness.results import parse_result, verify_udp
from harness.traffic import (guest_recv_result, guest_send, guest_send_start, guest_to_host,
                             host_send_start, host_to_guest)

MATRIX = {"kernel": KERNELS, "csb": ["off", "on"]}
TIMEOUT = 600
CYCLES = 30
CSB_CYCLES = 20
BURST = 50
BUSY_EVERY = 5
DEBUGFS = "/sys/kernel/debug/e1000_csb"


def reload(g, ep, ifn, cycle, send=False, busy=False, params=""):
    """rmmod, check that nothing of the driver is left, modprobe, bring
    the interface up again, start a guest receiver for this cycle's burst
    and, if SEND, send the guest's burst (one agent command: a cycle is
    mostly waiting for the guest). Returns the sender's RESULT. BUSY: the
    guest is sending in the background (bg_start busy); rmmod in the middle
    of it."""
    csb_check = (f'ethtool -S {ifn} | grep -qx " *csb_active: 1" || fail "not in CSB mode"'
                 if params else "")
    script = f"""
fail() {{ echo "cycle {cycle}: $*"; exit 1; }}
{"sleep 0.5" if busy else ""}
rmmod e1000_csb || fail rmmod failed
[ ! -e /sys/class/net/{ifn} ] || fail "{ifn} still there after rmmod"
! grep -w {ifn} /proc/interrupts || fail "interrupt handler left behind"
[ ! -e {DEBUGFS} ] || fail "{DEBUGFS} left behind"
modprobe e1000_csb {params} || fail modprobe failed
wait_for 10 test -e /sys/class/net/{ifn} || {{ ip link; fail "no {ifn} after modprobe"; }}
[ "$(ifname_of e1000_csb)" = {ifn} ] || fail "{ifn} is not on e1000_csb"
ip addr add {ep.ip}/24 dev {ifn}
ip link set {ifn} up
ip neigh replace {ep.peer.ip} lladdr {ep.peer.mac} dev {ifn} nud permanent
wait_for 15 grep -qx 1 /sys/class/net/{ifn}/carrier || fail "no link"
ethtool {ifn} | grep -q "Link detected: yes" || fail "ethtool reports no link"
{csb_check}
bg_start rx udpblast recv --port 5002 --count {BURST} --timeout 30 --flow {cycle}
wait_for 10 grep -q READY /tmp/rx.out || {{ cat /tmp/rx.out; fail "receiver did not start"; }}
"""
    if busy:  # the sender ended with an error when its interface went
        script += "bg_wait busy 10 >/dev/null || true\n"
    if send:
        script += (f"udpblast send --dst {ep.peer.ip} --port 5001 --count {BURST} --size 600 "
                   f"--rate 1000 --flow {cycle}\n")
    out = g.sh(script, timeout=60)
    return parse_result(out) if send else None


def host_receiver(t, ep, cycle):
    return t.l2peer(ep.peer, "recv", "--port", "5001", "--count", str(BURST), "--size", "600",
                    "--timeout", "60", "--idle", "5", "--flow", str(cycle))


def run(t):
    link = t.link()
    ep = link.a
    params = "csb=1" if t.csb == "on" else ""
    cycles = CYCLES if t.csb == "off" else CSB_CYCLES
    g = t.guest(ep, nic="e1000", qemu="build" if params else "stock")
    ifn = g.bring_up("e1000_csb", params=params)
    host_to_guest(t, g, ep, count=BURST, size=600)
    mem = [g.sh("grep MemAvailable /proc/meminfo").split()[1]]

    for cycle in range(1, cycles + 1):
        busy = cycle % BUSY_EVERY == 0
        if busy:
            # frames arriving and leaving while the driver goes away
            stream = host_send_start(t, ep, 6000, 20000, 600, rate=1000, peer_mac=ep.mac)
            guest_send_start(g, ep.peer.ip, 6001, 20000, 600, rate=1000, name="busy")
            reload(g, ep, ifn, cycle, busy=True, params=params)
            stream.result(timeout=0)  # stopped: the port is needed below
            peer = host_receiver(t, ep, cycle)
            sent = guest_send(g, ep.peer.ip, 5001, BURST, 600, rate=1000, flow=cycle)
        else:
            peer = host_receiver(t, ep, cycle)
            sent = reload(g, ep, ifn, cycle, send=True, params=params)
        # BURST verified datagrams each way
        t.expect(sent.get("sent") == BURST, f"cycle {cycle}: guest sent {sent.get('sent')}")
        verify_udp(peer.result(timeout=10), BURST, f"cycle {cycle}: host receiver")
        peer = host_send_start(t, ep, 5002, BURST, 600, rate=1000, flow=cycle,
                               peer_mac=ep.mac)
        sent = peer.result()
        t.expect(sent.get("sent") == BURST, f"cycle {cycle}: host peer sent {sent.get('sent')}")
        verify_udp(guest_recv_result(g, timeout=30), BURST, f"cycle {cycle}: guest receiver")
        if cycle % 10 == 0:
            mem.append(g.sh("grep MemAvailable /proc/meminfo").split()[1])
            problems = g.dmesg_problems()
            t.expect(not problems, f"after {cycle} cycles the kernel log shows problems:\n"
                     + "\n".join(problems))

    t.note(f"MemAvailable (kB) at start and every 10 cycles: {' '.join(mem)}")
    for size, port in ((60, 5003), (1400, 5004)):
        host_to_guest(t, g, ep, count=1000, size=size, port=port)
        guest_to_host(t, g, ep, count=1000, size=size, port=port)
    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
    leaks = g.sh("dmesg | grep -c 'did not confirm it stopped using the CSB' || true").strip()
    t.expect(leaks == "0", f"{leaks} CSB blocks were not released by the device")
