#!/usr/bin/env python3
"""The end of Scripts/test's summary: for each xUnit report of a `swift test` run, its counts
and its slowest tests. A Swift Testing test's time runs from its start to its end, waits for
the machine's cores included (tests run side by side).

    test_summary.py REPORT.xml...       the summary
    test_summary.py --unfinished LOG    the tests a run's console output says started and did
                                        not end (for a run stopped at its time limit)
"""
import re
import sys
import xml.etree.ElementTree as ET

SLOWEST = 15


def unfinished(log):
    started, ended = {}, set()
    with open(log, errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = re.match(r"◇ Test (.+?) started\.", line)
            if m and m.group(1) != "run":
                started[m.group(1)] = n
            m = re.match(r"[✔✘] Test (.+?) (passed|failed|with \d+ test cases? (passed|failed))", line)
            if m:
                ended.add(m.group(1))
    rest = [(n, t) for t, n in started.items() if t not in ended]
    for n, test in sorted(rest):
        print(f"    {test}  (started at line {n} of {log})")
    if not rest:
        print("    (none: every test that started ended)")


if sys.argv[1:2] == ["--unfinished"]:
    for log in sys.argv[2:]:
        unfinished(log)
    sys.exit(0)

for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        continue
    cases = []
    for case in root.iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        cases.append((float(case.get("time") or 0), f"{case.get('classname', '')}.{case.get('name', '')}", failed, skipped))
    if not cases:
        continue
    failed = sum(1 for c in cases if c[2])
    skipped = sum(1 for c in cases if c[3])
    name = path.rsplit("/", 1)[-1]
    print(f"  {name}: {len(cases)} tests, {failed} failed, {skipped} skipped; the longest from start to end (waits for cores included):")
    for seconds, test, bad, _ in sorted(cases, reverse=True)[:SLOWEST]:
        print(f"    {seconds:8.1f} s  {test}{'  (failed)' if bad else ''}")
