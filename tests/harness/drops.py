# SPDX-License-Identifier: GPL-2.0
"""Where a datagram between two guests can be dropped, each place with its
own count: the sending guest's queueing discipline, the host (the
receiving QEMU's socket, the input backlog of the loopback path), the
receiving guest (core, IP, UDP) and its NIC. A scenario that sees
datagrams lost compares them with these counts (csb_toggle, BothWays)."""
import re

from harness.hostnet import backlog_drops, udp_socket_drops


def snmp(g, proto):
    """/proc/net/snmp's PROTO line of guest G as a dict."""
    out = g.sh(f"grep '^{proto}:' /proc/net/snmp")
    names, values = (line.split()[1:] for line in out.splitlines()[:2])
    return dict(zip(names, map(int, values)))


def qdisc_drops(g):
    """Packets guest G's queueing discipline dropped on its NIC (fq_codel,
    the Debian kernels' default, drops what waited too long while the
    transmit ring was full; the sending socket never hears of it)."""
    out = g.sh(f"/sbin/tc -s qdisc show dev {g.nics[0].ifname}")
    return sum(int(n) for n in re.findall(r"\(dropped (\d+),", out))


def drop_counts(g, port):
    """Where a path to guest G (its QEMU's socket on PORT) counts the
    datagrams it drops, and where G's own sender does (sender qdisc)."""
    udp, ip, nic = snmp(g, "Udp"), snmp(g, "Ip"), g.ethtool_stats()
    # the stack's own drops before IP: the core's share of rx_dropped
    # (the rest is the driver's rx_dropped_nomem) and the per-CPU backlogs
    sysfs = f"/sys/class/net/{g.nics[0].ifname}/statistics"
    out = g.sh(f"cat {sysfs}/rx_dropped; "
               "while read -r _ d _; do echo $((0x$d)); done < /proc/net/softnet_stat")
    core = sum(int(x) for x in out.split()) - nic["rx_dropped_nomem"]
    tx_dropped = int(g.sh(f"cat {sysfs}/tx_dropped"))
    return {"host backlog": backlog_drops(), "host socket": udp_socket_drops(port),
            "guest core": core,
            "guest udp": udp["InErrors"],      # full buffers, memory, checksums
            "guest ip": ip["InDiscards"] + ip["InHdrErrors"] + ip["InAddrErrors"],
            "nic": nic["rx_missed_errors"] + nic["rx_dropped_nomem"],
            "sender qdisc": qdisc_drops(g),
            "sender tx": tx_dropped}       # the driver's and the core's


def path_drops(receiver, sender):
    """The drops on the path from one guest to another: the receiver's
    counts of drop_counts() but its "sender ..." ones, which are the
    sender's."""
    path = {k: v for k, v in receiver.items() if not k.startswith("sender")}
    path.update((k, v) for k, v in sender.items() if k.startswith("sender"))
    return path


def since(now, before):
    """The counts of drop_counts() NOW minus those of BEFORE."""
    return {k: now[k] - before[k] for k in now}
