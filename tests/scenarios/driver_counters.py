# SPDX-License-Identifier: GPL-2.0
"""e1000_csb's counters agree exactly with what the traffic tools counted.

The link carries only the test's own frames: IPv6 is off on the interface
from the start (no autoconfiguration, DAD or MLD frames), the guest has a
permanent neighbour entry for the peer and the peer sends to the guest's
MAC without asking ARP. So N verified datagrams of S bytes (Ethernet frame
without FCS) from guest to host must add exactly N to tx_packets and to
tx_csum_offload (UDP checksums are offloaded), N*S to tx_bytes, N to the
device's good-packets-transmitted (GPTC) and to the size bucket of S+4
bytes, and N*(S+4) to its octet counters (the device counts the FCS);
host to guest the same with the rx counters, for frames to
the guest's MAC, to broadcast (BPRC) and to a joined multicast group
(MPRC), at sizes 60, 300 and 1514, and at MTU 9000 with 9014-byte frames,
which span three receive descriptors each (rx_multi_desc); then the same
frames flooded at a ring of 80 with interrupts throttled, where QEMU drops
some for want of buffers in plain mode: rx_missed_errors and
rx_no_buffer_count grow by exactly what its trace (e1000_receiver_overrun)
counted, although QEMU, unlike the 8254x, does not clear those registers
on read (in CSB mode the device waits for buffers: nothing is dropped).
The kernel's
interface statistics (/sys/class/net/*/statistics, from ndo_get_stats64)
agree as well, and the register counters obey the driver's bookkeeping:
every doorbell write is a TX or RX doorbell, every ICR read an interrupt.

Interrupt coalescing, counted, not timed: the same paced host-to-guest
stream (1000 datagrams/s) with rx-usecs 0 and with 10000 (at most one
interrupt per 10 ms): with 10000 the driver must handle clearly fewer
interrupts per received packet (irq_handled / rx_packets), at most half.
(rx-usecs 1000 is not distinguishable from 0 here: a TCG guest polls
several packets per interrupt at rates above 1000/s anyway.)

With csb=on all of the packet and byte counts again in CSB mode on our
QEMU (`modprobe e1000_csb csb=1`), where every doorbell register write is
a kick the host asked for (reg_doorbell_writes == csb_tx_kicks +
csb_rx_kicks) and the host's own count of doorbell writes
(x-stat-doorbell-writes) equals the driver's, step by step. (Coalescing
is not judged there: CSB mode raises interrupts only on request.)"""
from harness import KERNELS
from harness.traffic import (guest_recv_result, guest_recv_start, guest_to_host,
                             host_send_start, host_to_guest)

MATRIX = {"kernel": KERNELS, "csb": ["off", "on"]}
TIMEOUT = 400
N = 200
GROUP_MAC = "01:00:5e:01:02:03"
# hw_* size buckets, by frame length including the FCS
BUCKETS = [(64, "64"), (127, "65_127"), (255, "128_255"), (511, "256_511"),
           (1023, "512_1023"), (None, "1024_max")]
SYSFS = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "multicast",
         "rx_errors", "tx_errors", "rx_dropped", "tx_dropped")


def bucket(size):
    fcs_size = size + 4
    return next(name for limit, name in BUCKETS if limit is None or fcs_size <= limit)


def counters(g, ifn):
    """`ethtool -S` plus the kernel's interface statistics (as sys_*) and,
    on our QEMU, the host's count of doorbell writes (host_doorbells)."""
    out = g.sh(f"ethtool -S {ifn}; for f in {' '.join(SYSFS)}; do "
               f"echo \"sys_$f: $(cat /sys/class/net/{ifn}/statistics/$f)\"; done")
    stats = {}
    for line in out.splitlines():
        key, _, value = line.rpartition(":")
        if key and value.strip().isdigit():
            stats[key.strip()] = int(value)
    if g.qemu == "build":
        name = "x-stat-doorbell-writes"
        stats["host_doorbells"] = g.host_counters(names=(name,))[name]
    return stats


def check_delta(t, g, ifn, before, want, what):
    """Counters changed since BEFORE exactly as WANT says (None: not
    judged), every other packet and error counter not at all. TX completions are counted when
    NAPI reclaims them, a moment after the peer has the datagrams: read
    again while they are short (an excess never goes away)."""
    watched = set(want) | {k for k in before if k.startswith(("sys_", "hw_rx_", "hw_tx_"))}
    # the NIC's counters that carry the in-kernel e1000's names
    watched |= {"rx_broadcast", "rx_multicast", "tx_broadcast", "tx_multicast",
                "rx_long_byte_count", "rx_short_length_errors", "rx_long_length_errors"}
    watched |= {"tx_packets", "rx_packets", "tx_bytes", "rx_bytes", "tx_dropped",
                "rx_dropped_nomem", "rx_dropped_errors", "tx_dma_errors", "rx_multi_desc",
                "rx_missed_errors", "rx_no_buffer_count", "tx_timeout_count", "resets",
                "rx_host_errors", "csb_fallbacks", "csb_host_errors", "csb_rescues"}
    for _ in range(10):
        now = counters(g, ifn)
        delta = {k: now[k] - before[k] for k in watched}
        wrong = {k: (delta[k], want.get(k, 0)) for k in watched
                 if want.get(k, 0) is not None and delta[k] != want.get(k, 0)}
        if not wrong or any(d > w for d, w in wrong.values()):
            break
        g.sh("sleep 0.3")
    t.expect(not wrong, f"{what}: counters (got, expected): " +
             ", ".join(f"{k} {d} != {w}" for k, (d, w) in sorted(wrong.items())))
    # register-access bookkeeping: every doorbell is a TX or RX doorbell
    # (in CSB mode a kick), every ICR read one interrupt (handled or not
    # ours); the host counted the same doorbell writes
    d = {k: now[k] - before[k] for k in now}
    if now["csb_active"]:
        parts = ("csb_tx_kicks", "csb_rx_kicks")
    else:
        parts = ("tx_doorbells", "rx_doorbells")
    t.expect(d["reg_doorbell_writes"] == d[parts[0]] + d[parts[1]],
             f"{what}: {d['reg_doorbell_writes']} doorbell writes, but {d[parts[0]]} "
             f"{parts[0]} + {d[parts[1]]} {parts[1]}")
    if "host_doorbells" in before:
        host = now["host_doorbells"] - before["host_doorbells"]
        t.expect(host == d["reg_doorbell_writes"],
                 f"{what}: the host counted {host} doorbell writes, the driver "
                 f"{d['reg_doorbell_writes']}")
    t.expect(d["reg_irq_reads"] == d["irq_handled"] + d["irq_not_ours"],
             f"{what}: {d['reg_irq_reads']} ICR reads for {d['irq_handled']} + "
             f"{d['irq_not_ours']} interrupts")
    return now


def tx_want(size, n=N):
    return {"tx_packets": n, "tx_bytes": n * size, "tx_csum_offload": n, "sys_tx_packets": n,
            "sys_tx_bytes": n * size, "hw_tx_good_packets": n, "hw_tx_total_packets": n,
            "hw_tx_good_octets": n * (size + 4), "hw_tx_total_octets": n * (size + 4),
            f"hw_tx_{bucket(size)}": n}


def rx_want(size, n=N, cast=""):
    want = {"rx_packets": n, "rx_bytes": n * size, "sys_rx_packets": n,
            "sys_rx_bytes": n * size, "hw_rx_good_packets": n, "hw_rx_total_packets": n,
            "rx_long_byte_count": n * (size + 4), "hw_rx_total_octets": n * (size + 4),
            f"hw_rx_{bucket(size)}": n}
    if size + 4 <= 64:
        # QEMU sorts received frames into size buckets by their length
        # without the FCS once the driver has it stripped (RCTL.SECRC): a
        # 60-byte frame lands in no bucket at all. Not ours to judge.
        want["hw_rx_64"] = None
    if size > 4096:
        want["rx_multi_desc"] = n
    if cast == "broadcast":
        want["rx_broadcast"] = n
    if cast == "multicast":
        want["rx_multicast"] = want["sys_multicast"] = n
    return want


def host_overruns(g):
    """Frames QEMU's e1000 dropped for want of receive buffers, by its own
    trace (e1000_receiver_overrun, one line per frame, in the QEMU log)."""
    with open(g.qemu_log, errors="replace") as log:
        return sum("e1000_receiver_overrun" in line for line in log)


def flood(t, g, ep, count, rate):
    """COUNT 9014-byte datagrams from the host at RATE; returns (sent,
    valid) and checks that nothing arrived corrupt or twice."""
    guest_recv_start(g, 5040, count, idle=3)
    peer = host_send_start(t, ep, 5040, count, 9014, rate=rate, peer_mac=ep.mac)
    sent = peer.result().get("sent", 0)
    res = guest_recv_result(g)
    t.expect(res.get("corrupt") == 0 and res.get("duplicate") == 0,
             f"flood: corrupt {res.get('corrupt')}, duplicate {res.get('duplicate')}")
    return sent, res.get("valid", 0)


def missed_frames(t, g, ifn, ep, csb, count=300, rate=20000):
    """9014-byte frames flooded at a ring of 80 descriptors with at most one
    interrupt per 10 ms: in plain mode QEMU drops frames for want of
    buffers (see run(); 79 free descriptors leave one when the ring runs
    full), counting each in MPC and RNBC, which it does not clear on read,
    unlike the 8254x. rx_missed_errors and rx_no_buffer_count must each
    grow by exactly the frames the host dropped, however often they are
    read meanwhile, and every other datagram must arrive (floods until the
    host dropped any, at most 5). In CSB mode the device waits for buffers
    instead (RX-H): nothing may be dropped at all."""
    g.sh(f"ethtool -G {ifn} rx 80 && ethtool -C {ifn} rx-usecs 10000 && "
         f"wait_for 15 grep -qx 1 /sys/class/net/{ifn}/carrier && sleep 1.5", timeout=30)
    s, host0 = counters(g, ifn), host_overruns(g)
    sent = valid = host = 0
    for _ in range(1 if csb else 5):
        n, v = flood(t, g, ep, count, rate)
        sent, valid = sent + n, valid + v
        counters(g, ifn)                # one more read of the registers
        host = host_overruns(g) - host0
        if host:
            break
    d = {k: v - s[k] for k, v in counters(g, ifn).items()}
    g.sh(f"ethtool -C {ifn} rx-usecs 0")
    t.note(f"flood of 9014-byte frames: sent {sent}, received {valid}, the host dropped "
           f"{host}; rx_missed_errors +{d['rx_missed_errors']}, "
           f"rx_no_buffer_count +{d['rx_no_buffer_count']}")
    if csb:
        t.expect(host == 0, f"CSB mode: the host dropped {host} frames for want of buffers")
    else:
        t.expect(host > 0, f"the host dropped no frame of {sent}: nothing to count")
    t.expect(valid == sent - host, f"flood: {valid} of {sent} datagrams arrived, the host "
             f"dropped {host}")
    for name in ("rx_missed_errors", "rx_no_buffer_count"):
        t.expect(d[name] == host, f"{name} grew by {d[name]}, the host dropped {host}")


def interrupts_per_packet(t, g, ifn, ep, usecs, count=1500, rate=1000):
    g.sh(f"ethtool -C {ifn} rx-usecs {usecs}")
    before = g.ethtool_stats()
    host_to_guest(t, g, ep, count=count, size=300, port=5030, rate=rate, peer_mac=ep.mac)
    after = g.ethtool_stats()
    irqs = after["irq_handled"] - before["irq_handled"]
    rx = after["rx_packets"] - before["rx_packets"]
    t.expect(rx == count, f"rx-usecs {usecs}: rx_packets grew by {rx}, sent {count}")
    t.note(f"rx-usecs {usecs}: {irqs} interrupts for {rx} packets = {irqs / rx:.3f} per packet")
    return irqs


def run(t):
    link = t.link()
    csb = t.csb == "on"
    g = t.guest(link.a, nic="e1000", qemu="build" if csb else "stock",
                extra_args=["-trace", "e1000_receiver_overrun"])
    g.sh("echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6")
    ifn = g.bring_up("e1000_csb", params="csb=1" if csb else "")
    ep = link.a
    if csb:
        t.expect(g.csb_active(ifn), "not in CSB mode")

    # quiet link: nothing at all in two seconds
    s = counters(g, ifn)
    g.sh("sleep 2")
    s = check_delta(t, g, ifn, s, {}, "idle link")

    for size in (60, 300, 1514):
        guest_to_host(t, g, ep, count=N, size=size)
        s = check_delta(t, g, ifn, s, tx_want(size), f"guest to host, {size}-byte frames")
        host_to_guest(t, g, ep, count=N, size=size, peer_mac=ep.mac)
        s = check_delta(t, g, ifn, s, rx_want(size), f"host to guest, {size}-byte frames")

    host_to_guest(t, g, ep, count=N, size=300, peer_mac="ff:ff:ff:ff:ff:ff")
    s = check_delta(t, g, ifn, s, rx_want(300, cast="broadcast"), "broadcast frames")
    g.sh(f"ip maddr add {GROUP_MAC} dev {ifn}")
    host_to_guest(t, g, ep, count=N, size=300, peer_mac=GROUP_MAC)
    s = check_delta(t, g, ifn, s, rx_want(300, cast="multicast"), "multicast frames")

    # A 9014-byte frame takes three receive descriptors, and QEMU's e1000
    # drops it (counted as missed, MPC/RNBC) instead of queueing it when
    # fewer than three are free: it asks for only one before it tries.
    # A guest that TCG stalls for a moment lets the ring run that low
    # (seen: 49 of 200 lost with 256 descriptors). With 1024 the 600 this
    # step needs always fit: nothing can be missed, every count is exact.
    g.sh(f"ethtool -G {ifn} rx 1024 && ip link set {ifn} mtu 9000 && "
         f"wait_for 15 grep -qx 1 /sys/class/net/{ifn}/carrier && sleep 1.5", timeout=30)
    s = counters(g, ifn)
    guest_to_host(t, g, ep, count=N, size=9014)
    s = check_delta(t, g, ifn, s, tx_want(9014), "guest to host, 9014-byte frames")
    host_to_guest(t, g, ep, count=N, size=9014, peer_mac=ep.mac)
    s = check_delta(t, g, ifn, s, rx_want(9014), "host to guest, 9014-byte frames")
    missed_frames(t, g, ifn, ep, csb)
    g.sh(f"ip link set {ifn} mtu 1500")

    if csb:
        t.expect(s["csb_active"] == 1, "CSB mode was dropped")
        problems = g.dmesg_problems()
        t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
        return

    # coalescing
    low = interrupts_per_packet(t, g, ifn, ep, 0)
    high = interrupts_per_packet(t, g, ifn, ep, 10000)
    t.expect(high * 2 <= low, f"rx-usecs 10000 took {high} interrupts for the stream that "
             f"took {low} with rx-usecs 0: not fewer than half")
    g.sh(f"ethtool -C {ifn} rx-usecs 0")

    problems = g.dmesg_problems()
    t.expect(not problems, "kernel log shows problems:\n" + "\n".join(problems))
