"""Helpers of Scripts/bench-assessment.

  requests URL TOKEN DB W  wrk over every dashboard request (W/assess-requests.json)
  anchor DB W              the live SQL scan with hyperfine (W/assess-anchor.json)
  table BIN DB W           the Markdown table (BIN: civicgrid, to compare the anchor's counts)
"""
import json
import re
import sqlite3
import subprocess
import sys
import urllib.request

QUARTER = "2026-Q3"
# 2026-07-01 to 2026-10-01, Beijing time, in UTC.
FROM, TO = "2026-06-30T16:00:00.000Z", "2026-09-30T16:00:00.000Z"


def ms(text):
    v = float(re.match(r"[\d.]+", text).group(0))
    return v * 1000 if text.endswith("s") and not text.endswith("ms") and not text.endswith("us") else v / 1000 if text.endswith("us") else v


def dashboard(db):
    con = sqlite3.connect(db)
    street = con.execute("SELECT code FROM regions WHERE level = 'street' ORDER BY code LIMIT 1").fetchone()[0]
    community = con.execute("SELECT code FROM regions WHERE level = 'community' AND parent = ? ORDER BY code LIMIT 1", (street,)).fetchone()[0]
    district = con.execute("SELECT code FROM regions WHERE level = 'district' LIMIT 1").fetchone()[0]
    q = f"period={QUARTER}"
    return [
        ("streets ranked (quarter)", f"/api/v1/rankings?{q}&level=street"),
        ("the district's cards (quarter)", f"/api/v1/indicators?{q}&level=district&region={district}"),
        ("case statistics (quarter)", f"/api/v1/statistics/cases?{q}&region={district}"),
        ("basic statistics", f"/api/v1/statistics/basic?region={district}"),
        ("a street's communities (quarter)", f"/api/v1/rankings?{q}&level=community&region={street}"),
        ("a community's grids (quarter)", f"/api/v1/rankings?{q}&level=grid&region={community}"),
        ("every grid (quarter)", f"/api/v1/indicators?{q}&level=grid"),
        ("departments (quarter)", f"/api/v1/indicators?{q}&level=department"),
        ("people (quarter)", f"/api/v1/indicators?{q}&level=person"),
        ("streets as CSV for Excel (quarter)", f"/api/v1/rankings?{q}&level=street&f=csv&excel=true"),
    ]


def requests(url, token, db, work):
    out = []
    for name, path in dashboard(db):
        req = urllib.request.Request(url + path, headers={"Authorization": f"Bearer {token}"})
        body = urllib.request.urlopen(req).read()
        units = (len(json.loads(body)["units"]) if b'"units"' in body else "–") if body[:1] == b"{" else body.count(b"\n") - 1
        args = ["wrk", "-t2", "-c8", "-d5s", "--latency", "-H", f"Authorization: Bearer {token}", url + path]
        subprocess.run(args[:4] + ["-d1s"] + args[5:], capture_output=True)  # warm-up
        text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
        p50 = ms(re.search(r"^\s*50%\s+(\S+)", text, re.M).group(1))
        p99 = ms(re.search(r"^\s*99%\s+(\S+)", text, re.M).group(1))
        out.append({"name": name, "path": path, "units": units, "rate": rate, "p50": p50, "p99": p99})
    json.dump(out, open(f"{work}/assess-requests.json", "w"), indent=1)


# The quarter's closing counts per street, live: every case's deadline to close read from its
# history (the last step into handling or checking), due on the earlier of closing and that
# deadline.
ANCHOR_SQL = f"""
WITH d AS (
  SELECT c.street, c.closed_at,
    (SELECT h.due FROM case_history h WHERE h.case_fid = c.fid AND h.to_status IN ('dispatched', 'accepted', 'handled')
       AND h.action <> 'supervise' ORDER BY h.id DESC LIMIT 1) AS close_due
  FROM cases c WHERE c.status NOT IN ('voided', 'suspended'))
SELECT street, count(*), count(closed_at), sum(closed_at <= coalesce(close_due, closed_at)) FROM d
WHERE min(coalesce(closed_at, close_due), coalesce(close_due, closed_at)) >= '{FROM}'
  AND min(coalesce(closed_at, close_due), coalesce(close_due, closed_at)) < '{TO}'
GROUP BY street ORDER BY street;
"""


def anchor(db, work):
    open(f"{work}/assess-anchor.sql", "w").write(ANCHOR_SQL)
    subprocess.run(["hyperfine", "-r", "3", "--export-json", f"{work}/assess-anchor.json",
                    f"sqlite3 {db} < {work}/assess-anchor.sql"], check=True, capture_output=True)
    rows = subprocess.run(["sqlite3", db], input=ANCHOR_SQL, capture_output=True, text=True, check=True).stdout
    open(f"{work}/assess-anchor.txt", "w").write(rows)


def table(binary, db, work):
    con = sqlite3.connect(db)
    cases = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    in_quarter = con.execute("SELECT count(*) FROM cases WHERE created_at >= ? AND created_at < ?", (FROM, TO)).fetchone()[0]
    start, end = map(float, open(f"{work}/assess-cold-time.txt").read().split())
    anchor_s = json.load(open(f"{work}/assess-anchor.json"))["results"][0]["mean"]
    reqs = json.load(open(f"{work}/assess-requests.json"))
    # The anchor's counts must be ours: the street ranking's due/closed per street.
    ours = subprocess.run([binary, "assess", "--db", db, "--period", QUARTER, "--json"],
                          capture_output=True, text=True).stdout
    same = ""
    try:
        units = {u["unit"]: u["counts"] for u in json.loads(ours)["units"]}
        rows = [l.split("|") for l in open(f"{work}/assess-anchor.txt").read().split()]
        agree = all(units[r[0]]["due_to_close"] == int(r[1]) and units[r[0]]["closed"] == int(r[2]) and units[r[0]]["closed_on_time"] == int(r[3]) for r in rows)
        same = "the same counts" if agree else "DIFFERENT counts"
    except Exception as e:  # the table still prints
        same = f"not compared ({e})"
    print(f"{cases:,} cases ({in_quarter:,} reported in {QUARTER}); one run on this machine (2 cores).\n")
    print("| what | CivicGrid | anchor: live SQL scan | ratio |")
    print("|---|---|---|---|")
    street = next(r for r in reqs if r["name"].startswith("streets ranked"))
    print(f"| closing counts of the quarter per street ({same}) | {street['p50']:.1f} ms (p50, warm, over HTTP) | {anchor_s * 1000:,.0f} ms | {anchor_s * 1000 / street['p50']:,.0f}× |")
    print(f"| cold: every case's history counted, then the street ranking | {end - start:.1f} s | | |")
    print("\n| dashboard request (wrk, 2 threads, 8 connections, 5 s) | units | requests/s | p50 | p99 |")
    print("|---|---|---|---|---|")
    for r in reqs:
        print(f"| {r['name']} | {r['units']} | {r['rate']:,.0f} | {r['p50']:.1f} ms | {r['p99']:.1f} ms |")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "requests":
        requests(*sys.argv[2:6])
    elif cmd == "anchor":
        anchor(*sys.argv[2:4])
    elif cmd == "table":
        table(*sys.argv[2:5])
