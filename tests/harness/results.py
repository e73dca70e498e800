# SPDX-License-Identifier: GPL-2.0
"""Reading what our tools print and judging it."""
from harness.scenario import ScenarioFailure


def parse_result(text):
    """The last 'RESULT k=v ...' line of a tool's output, as a dict.

    Integer-looking values become ints, others stay strings.
    """
    line = None
    for candidate in text.splitlines():
        if candidate.startswith("RESULT "):
            line = candidate
    if line is None:
        raise ScenarioFailure("no RESULT line in tool output:\n" + text[-2000:])
    res = {}
    for field in line.split()[1:]:
        key, _, value = field.partition("=")
        try:
            res[key] = int(value)
        except ValueError:
            try:
                res[key] = float(value)
            except ValueError:
                res[key] = value
    return res


def verify_udp(res, count, what="receiver"):
    """Fail unless a receiver's RESULT shows exactly COUNT intact datagrams.

    Every payload was checked against its checksum and its regenerated
    body by the receiving tool; here we insist that all of them arrived,
    none corrupt, none twice.
    """
    problems = []
    if res.get("valid") != count:
        problems.append(f"valid={res.get('valid')} expected {count}")
    for bad in ("corrupt", "duplicate"):
        if res.get(bad, 0) != 0:
            problems.append(f"{bad}={res.get(bad)}")
    if problems:
        raise ScenarioFailure(f"{what}: " + ", ".join(problems))
    return res


def verify_udp_lossy(res, sent, what="receiver"):
    """Fail unless every datagram that did arrive was intact and arrived
    once, for traffic that crossed a deliberate disruption (a ring resize,
    an MTU change): datagrams may be lost then, never damaged or repeated.

    At least one must have arrived and never more than SENT (a count above
    SENT could only be a duplicate the receiver failed to notice).
    """
    problems = []
    valid = res.get("valid", 0)
    if not 0 < valid <= sent:
        problems.append(f"valid={valid} of {sent} sent")
    for bad in ("corrupt", "duplicate"):
        if res.get(bad, 0) != 0:
            problems.append(f"{bad}={res.get(bad)}")
    if problems:
        raise ScenarioFailure(f"{what}: " + ", ".join(problems))
    return res
