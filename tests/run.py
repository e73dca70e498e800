#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run e1000-csb test scenarios (tests/scenarios/*.py).

    tests/run.py                 all scenarios (what `make check` runs)
    tests/run.py --static        only the static checks (KIND = "static")
    tests/run.py --list          list scenario instances
    tests/run.py -k PATTERN      instances whose name contains PATTERN
    tests/run.py FILE...         only these scenario files
    tests/run.py -j 2            run two instances at a time

Ends with "N passed, N failed"; exits 1 if anything failed.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import runner  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--all", action="store_true", help="everything (the default)")
    ap.add_argument("--static", action="store_true", help="static checks only")
    ap.add_argument("--vm", action="store_true", help="VM scenarios only")
    ap.add_argument("--soak", action="store_true",
                    help="the long or not yet dependable scenarios (KIND = \"soak\"), "
                         "which --all leaves out")
    ap.add_argument("-k", dest="pattern", action="append", default=[],
                    help="only instances whose name contains PATTERN (repeatable)")
    ap.add_argument("-j", dest="jobs", type=int,
                    default=int(os.environ.get("CHECK_JOBS", "2")))
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--keep-logs", action="store_true", help="keep logs of passing runs too")
    ap.add_argument("-v", "--verbose", action="store_true", help="print scenario notes")
    ap.add_argument("--instance", nargs=2, metavar=("FILE", "PARAMS"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.instance:
        return runner.run_instance(args.instance[0], json.loads(args.instance[1]))

    instances = runner.discover([os.path.abspath(f) for f in args.files] or None)
    if args.soak:
        instances = [i for i in instances if i.kind == "soak"]
    elif not args.files:
        instances = [i for i in instances if i.kind != "soak"]
    if args.static:
        instances = [i for i in instances if i.kind == "static"]
    if args.vm:
        instances = [i for i in instances if i.kind == "vm"]
    if args.pattern:
        instances = [i for i in instances if any(p in i.name for p in args.pattern)]
    # static checks first: they are quick and catch the obvious; then the
    # instances that take one -j slot, and those that take more last: one
    # of those waits for every slot to be free, so placed among the others
    # it would leave a slot idle until the longest one running (a static
    # model check of minutes) ends
    instances.sort(key=lambda i: (i.kind != "static", i.slots > 1))
    if args.list:
        for i in instances:
            print(f"{i.kind:6} {i.name}")
        return 0
    passed, failed = runner.run_all(instances, args.jobs, args.keep_logs, args.verbose)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not (passed + failed) else 0


if __name__ == "__main__":
    sys.exit(main())
