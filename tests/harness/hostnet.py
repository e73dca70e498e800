# SPDX-License-Identifier: GPL-2.0
"""The host's own view of the sockets the links are made of."""


def udp_socket_drops(port, host="127.0.0.1"):
    """Datagrams the host kernel dropped on the UDP socket bound to
    HOST:PORT (the `drops` column of /proc/net/udp: a full receive
    buffer), 0 if no such socket."""
    a, b, c, d = (int(x) for x in host.split("."))
    local = f"{d:02X}{c:02X}{b:02X}{a:02X}:{port:04X}"
    with open("/proc/net/udp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[1] == local:
                return int(fields[-1])
    return 0


def backlog_drops():
    """Packets the host dropped because a CPU's input backlog was full
    (/proc/net/softnet_stat, second column, summed over CPUs). Loopback
    traffic, such as QEMU's dgram links, passes that backlog; the count
    is the whole host's, so it is exact for a scenario only while
    nothing else sends (a scenario holding every -j slot)."""
    total = 0
    with open("/proc/net/softnet_stat") as f:
        for line in f:
            total += int(line.split()[1], 16)
    return total
