# SPDX-License-Identifier: GPL-2.0
"""Verified traffic both ways between two guests for as long as a scenario
does something else to them (migrates one, reconfigures both, ...):

- UDP: a paced `udpblast` stream each way; every datagram carries a
  self-checking payload and the receivers count valid, corrupt and
  duplicate ones;
- TCP: each guest serves 8 MiB of random data (busybox httpd) and the
  other downloads it in a loop; every download must succeed (the
  connections survive whatever happens meanwhile) and its MD5 must be
  the one served.

Every loss is reported with the counts of the places on its path that
drop (harness.drops). A scenario that allows no loss on a path asks for
fifo=True: each guest then sends through a plain FIFO (pfifo, 10,000
packets) instead of fq_codel, the Debian kernels' default, which drops a
packet that waited in it more than 5 ms for 100 ms, as a starved TCG
guest's full transmit ring makes packets wait. That is the guest's
queueing policy, not a loss by driver or device (csb_toggle showed such
drops to be what a paced stream lost; a FIFO drops only when full, and
counts it).

Usage: traffic = BothWays(t, a, b, a_ip, b_ip); traffic.start(); ...;
sent = traffic.stop(); traffic.check_udp(sent, ...)."""
from harness.drops import drop_counts, path_drops, since
from harness.results import parse_result
from harness.traffic import guest_senders_stop

UDP_PORT = 5050
TCP_PORT = 6000


class BothWays:
    def __init__(self, t, a, b, a_ip, b_ip, rate=500, size=300, fifo=False):
        self.t = t
        self.guests = ((a, b_ip), (b, a_ip))  # each guest with its peer's address
        self.rate = rate
        self.size = size
        self.fifo = fifo

    def prepare(self):
        """The data the servers serve (before any baseline is taken)."""
        for g, _ in self.guests:
            g.sh("mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/data bs=64k count=128 "
                 "2>/dev/null && md5sum < /tmp/www/data | cut -d' ' -f1 > /tmp/served.md5")

    def _drops(self):
        return {g.name: drop_counts(g, g.nics[0].endpoint.port) for g, _ in self.guests}

    def start(self):
        if self.fifo:
            for g, _ in self.guests:
                g.sh(f"/sbin/tc qdisc replace dev {g.nics[0].ifname} root pfifo limit 10000")
        self.drops_before = self._drops()
        for g, _ in self.guests:
            g.sh(f"""
test -e /tmp/served.md5 || exit 1
httpd -p {TCP_PORT} -h /tmp/www
bg_start rx udpblast recv --port {UDP_PORT} --count 1000000000 --timeout 7200 --idle 10 --flow 1
wait_for 10 grep -q READY /tmp/rx.out
""")
        for g, peer_ip in self.guests:
            g.sh(f"bg_start tx udpblast send --dst {peer_ip} --port {UDP_PORT} "
                 f"--count 1000000000 --size {self.size} --rate {self.rate} --flow 1 "
                 f"--timeout 7200")
            g.sh(f"""rm -f /tmp/stop-tcp; bg_start tcp sh -c '
while [ ! -e /tmp/stop-tcp ]; do
    rm -f /tmp/dl
    if wget -q -O /tmp/dl http://{peer_ip}:{TCP_PORT}/data; then
        sum=$(md5sum < /tmp/dl)
        echo "ok ${{sum%% *}}"
    else
        echo "wget failed: $?"
    fi
done'""")

    def stop(self, min_downloads=1):
        """Stop senders and downloads; check every download. Returns
        {guest name: datagrams sent}."""
        t = self.t
        sent = {}
        for g, _ in self.guests:
            g.sh("touch /tmp/stop-tcp")
            res = guest_senders_stop(g)
            sent[g.name] = res.get("sent", 0)
            t.expect(res.get("status") == "ok" or res.get("reason") == "interrupted",
                     f"{g.name}'s UDP sender: {res}")
        (a, _), (b, _) = self.guests
        for g, other in ((a, b), (b, a)):
            _, out = g.run("bg_wait tcp 180; rm -f /tmp/dl", timeout=190)
            want = other.sh("cat /tmp/served.md5").strip()
            lines = [x for x in out.splitlines() if x.strip()]
            good = sum(1 for x in lines if x == f"ok {want}")
            bad = sorted(set(x for x in lines if x != f"ok {want}"))
            t.note(f"TCP {other.name} -> {g.name}: {good} downloads of 8 MiB verified, "
                   f"{len(lines) - good} bad")
            t.expect(good >= min_downloads and good == len(lines),
                     f"TCP {other.name} -> {g.name}: {good} of {len(lines)} downloads good "
                     f"(at least {min_downloads}), served {want}, bad: {bad[:5]}")
        for g, _ in self.guests:
            g.sh("killall httpd 2>/dev/null; true")
        return sent

    def check_udp(self, sent, min_sent, max_lost=None):
        """Every datagram that arrived intact and once; at least MIN_SENT
        sent each way; MAX_LOST {receiver name: lost allowed} (None: any
        loss, for traffic across deliberate disruptions)."""
        t = self.t
        (a, _), (b, _) = self.guests
        results = {}
        for g in (b, a):
            _, out = g.run("bg_wait rx 60", timeout=70)
            results[g.name] = parse_result(out)
        drops = {name: since(now, self.drops_before[name])
                 for name, now in self._drops().items()}
        for g, src in ((b, a.name), (a, b.name)):
            res = results[g.name]
            lost = sent[src] - res.get("valid", 0)
            allowed = None if max_lost is None else max_lost[g.name]
            path = path_drops(drops[g.name], drops[src])
            t.note(f"UDP {src} -> {g.name}: sent {sent[src]}, valid {res.get('valid')}, "
                   f"lost {lost} (allowed {'any' if allowed is None else allowed}), "
                   f"corrupt {res.get('corrupt')}, duplicate {res.get('duplicate')}; "
                   f"drops on the path (all traffic): "
                   + ", ".join(f"{k} {v}" for k, v in path.items()))
            t.expect(res.get("corrupt") == 0 and res.get("duplicate") == 0,
                     f"UDP {src} -> {g.name}: {res}")
            t.expect(sent[src] >= min_sent and 0 <= lost < sent[src]
                     and (allowed is None or lost <= allowed),
                     f"UDP {src} -> {g.name}: {res.get('valid')} of {sent[src]} arrived "
                     f"(at least {min_sent} sent, at most {allowed} may be lost; drops on "
                     f"the path: {path})")
