#!/usr/bin/env python3
"""The closing rate of a month, from `civicgrid cases export --format csv` alone: an
independent path to the figure `/api/v1/indicators` gives.

A case is due to close on the local day (Beijing time) of whichever comes first: its
closing, or the deadline it was due to close by (`close_due`). Voided cases and cases
suspended now are not due. Closed on time: closed by that deadline.

Usage: check_closing_rate.py CASES.csv 2026-10
Prints JSON: per street and district, {due_to_close, closed, closed_on_time}.
"""
import csv
import datetime
import json
import sys

path, month = sys.argv[1], sys.argv[2]
beijing = datetime.timezone(datetime.timedelta(hours=8))


def when(text):
    if not text:
        return None
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)


units = {}
with open(path, encoding="utf-8", newline="") as f:
    for row in csv.DictReader(f):
        if row["status"] in ("voided", "suspended"):
            continue
        closed, due = when(row["closed_at"]), when(row["close_due"])
        times = [t for t in (closed, due) if t]
        if not times or min(times).astimezone(beijing).strftime("%Y-%m") != month:
            continue
        for key in ("street", "district"):
            if not row[key]:
                continue
            u = units.setdefault(row[key], {"due_to_close": 0, "closed": 0, "closed_on_time": 0})
            u["due_to_close"] += 1
            if closed:
                u["closed"] += 1
                if closed <= (due or closed):
                    u["closed_on_time"] += 1
print(json.dumps(units, sort_keys=True))
