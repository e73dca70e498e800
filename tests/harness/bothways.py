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

Usage: traffic = BothWays(t, a, b, a_ip, b_ip); traffic.start(); ...;
sent = traffic.stop(); traffic.check_udp(sent, ...)."""
from harness.results import parse_result
from harness.traffic import guest_senders_stop

UDP_PORT = 5050
TCP_PORT = 6000


class BothWays:
    def __init__(self, t, a, b, a_ip, b_ip, rate=500, size=300):
        self.t = t
        self.guests = ((a, b_ip), (b, a_ip))  # each guest with its peer's address
        self.rate = rate
        self.size = size

    def prepare(self):
        """The data the servers serve (before any baseline is taken)."""
        for g, _ in self.guests:
            g.sh("mkdir -p /tmp/www && dd if=/dev/urandom of=/tmp/www/data bs=64k count=128 "
                 "2>/dev/null && md5sum < /tmp/www/data | cut -d' ' -f1 > /tmp/served.md5")

    def start(self):
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
        for g, src in ((b, a.name), (a, b.name)):
            _, out = g.run("bg_wait rx 60", timeout=70)
            res = parse_result(out)
            lost = sent[src] - res.get("valid", 0)
            allowed = None if max_lost is None else max_lost[g.name]
            t.note(f"UDP {src} -> {g.name}: sent {sent[src]}, valid {res.get('valid')}, "
                   f"lost {lost} (allowed {'any' if allowed is None else allowed}), "
                   f"corrupt {res.get('corrupt')}, duplicate {res.get('duplicate')}")
            t.expect(res.get("corrupt") == 0 and res.get("duplicate") == 0,
                     f"UDP {src} -> {g.name}: {res}")
            t.expect(sent[src] >= min_sent and 0 <= lost < sent[src]
                     and (allowed is None or lost <= allowed),
                     f"UDP {src} -> {g.name}: {res.get('valid')} of {sent[src]} arrived "
                     f"(at least {min_sent} sent, at most {allowed} may be lost)")
