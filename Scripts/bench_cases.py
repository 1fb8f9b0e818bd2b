"""Helpers of Scripts/bench-cases.

  lua DB TOKEN            a wrk script posting a report per request at the DB's building points
  floor FILE              durable single-row SQLite commits for 5 s: "commits/s"
  queries URL TOKEN DB W  wrk over the case list, a case, Open311 GET (writes W/wrk-q-*.txt, W/queries.json)
  postgis W               pgbench over the same list queries in civicgrid_bench (W/pg-*.txt)
  table W                 the Markdown table
  crash URL TOKEN DB LOG  reports over 16 connections until the server dies; acknowledged numbers to LOG
  verify DB LOG           every acknowledged case is in DB, integrity ok (JSON line; exit 1 if not)
"""
import glob
import http.client
import json
import math
import os
import re
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

CATEGORIES = ["0101", "0102", "0104", "0201", "0301", "0501"]


def building_points(db, n=2000):
    """Points of n buildings spread over the whole district (every k-th by id), where reports come from."""
    con = sqlite3.connect(db)
    out = []
    total = con.execute("SELECT count(*) FROM buildings").fetchone()[0]
    step = max(1, total // n)
    for (blob,) in con.execute("SELECT geom FROM buildings WHERE fid % ? = 0 ORDER BY fid LIMIT ?", (step, n)):
        # GeoPackage binary header: envelope (minx, maxx, miny, maxy) after 8 bytes when present.
        flags = blob[3]
        if (flags >> 1) & 7 == 1:
            minx, maxx, miny, maxy = struct.unpack("<dddd" if flags & 1 else ">dddd", blob[8:40])
            out.append(((minx + maxx) / 2, (miny + maxy) / 2))
    return out


def lua(db, token):
    points = building_points(db)
    rows = ",\n".join(f"{{{x:.7f},{y:.7f}}}" for x, y in points)
    cats = ",".join(f'"{c}"' for c in CATEGORIES)
    print(f"""local points = {{
{rows}
}}
local categories = {{{cats}}}
local i = 0
request = function()
  i = i + 1
  local p = points[(i % #points) + 1]
  local body = string.format('{{"category":"%s","description":"bench report %d","lon":%.7f,"lat":%.7f}}',
    categories[(i % #categories) + 1], i, p[1], p[2])
  return wrk.format("POST", "/api/v1/cases", {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}"}}, body)
end""")


def floor(path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    n, start = 0, time.time()
    while time.time() - start < 5:
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO t (body) VALUES (?)", ("x" * 300,))
        con.execute("COMMIT")
        n += 1
    print(f"{n / (time.time() - start):.0f}")


def sample(db):
    con = sqlite3.connect(db)
    community = con.execute("SELECT community, count(*) FROM cases GROUP BY community ORDER BY 2 DESC LIMIT 1").fetchone()[0]
    street = con.execute("SELECT street FROM cases WHERE community = ? LIMIT 1", (community,)).fetchone()[0]
    number = con.execute("SELECT number FROM cases WHERE status = 'closed' ORDER BY fid LIMIT 1 OFFSET 500000").fetchone()[0]
    total = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    return community, street, number, total


def point_of(blob):
    """(lon, lat) of a GeoPackage point."""
    flags = blob[3]
    start = 8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
    order = "<" if blob[start] == 1 else ">"
    return struct.unpack(order + "dd", blob[start + 5:start + 21])


def tile(z, lon, lat):
    n = 2 ** z
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    return f"/api/v1/cases/tiles/{z}/{int((lon + 180) / 360 * n)}/{y}.mvt"


def query_list(db):
    community, street, number, _ = sample(db)
    lon, lat = point_of(sqlite3.connect(db).execute("SELECT geom FROM cases WHERE number = ?", (number,)).fetchone()[0])
    return [
        ("newest 100", "/api/v1/cases?limit=100"),
        ("status dispatched,accepted", "/api/v1/cases?status=dispatched,accepted&limit=100"),
        ("category 0101, closed", "/api/v1/cases?category=0101&status=closed&limit=100"),
        ("source sms, overdue", "/api/v1/cases?source=sms&overdue=true&limit=100"),
        (f"community {community}", f"/api/v1/cases?region={community}&limit=100"),
        (f"street {street}", f"/api/v1/cases?region={street}&limit=100"),
        ("dispatcher's queue", "/api/v1/cases?queue=mine&limit=100"),
        ("closed, page 101 (offset 10,000)", "/api/v1/cases?status=closed&offset=10000&limit=100"),
        ("one case with its history", f"/api/v1/cases/{number}"),
        ("Open311 requests.json, 0101 open", "/open311/v2/requests.json?service_code=0101&status=open&page_size=100"),
        ("Open311 requests.xml, 0101 closed", "/open311/v2/requests.xml?service_code=0101&status=closed&page_size=100"),
        ("case tile z12", tile(12, lon, lat)),
        ("case tile z14", tile(14, lon, lat)),
        ("case tile z16", tile(16, lon, lat)),
        ("case tile z14, open cases", tile(14, lon, lat) + "?status=reported,verified,filed,dispatched,accepted,handled,checked"),
    ]


def ms(text):
    v, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def queries(url, token, db, work):
    out = []
    for k, (name, path) in enumerate(query_list(db)):
        req = urllib.request.Request(url + path, headers={"Authorization": f"Bearer {token}"})
        body = urllib.request.urlopen(req).read()
        if ".mvt" in path:
            returned = f"{len(body):,} B"
        elif path.endswith(".xml") or "xml" in path.split("?")[0]:
            returned = body.count(b"<request>")
        else:
            doc = json.loads(body)
            returned = len(doc) if isinstance(doc, list) else doc.get("numberReturned", 1)
        args = ["wrk", "-t2", "-c8", "-d5s", "--latency", "-H", f"Authorization: Bearer {token}", url + path]
        subprocess.run(args[:4] + ["-d1s"] + args[5:], capture_output=True)  # warm-up
        text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        open(f"{work}/wrk-q-{k}.txt", "w").write(text)
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
        p99 = ms(re.search(r"^\s*99%\s+(\S+)", text, re.M).group(1))
        p50 = ms(re.search(r"^\s*50%\s+(\S+)", text, re.M).group(1))
        out.append({"name": name, "path": path, "returned": returned, "rate": rate, "p50": p50, "p99": p99})
    _, _, _, total = sample(db)
    json.dump({"total": total, "queries": out}, open(f"{work}/queries.json", "w"), indent=1)


def postgis_sql(work):
    q = json.load(open(f"{work}/queries.json"))["queries"]
    community = q[4]["path"].split("region=")[1].split("&")[0]
    street = q[5]["path"].split("region=")[1].split("&")[0]
    open_statuses = "'reported','verified','filed','dispatched','accepted','handled'"
    order = "ORDER BY created_at DESC, fid DESC LIMIT 100"
    return {
        0: f"SELECT * FROM cases {order}",
        1: f"SELECT * FROM cases WHERE status IN ('dispatched','accepted') {order}",
        2: f"SELECT * FROM cases WHERE category = '0101' AND status = 'closed' {order}",
        3: f"SELECT * FROM cases WHERE source = 'sms' AND due < to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AND status IN ({open_statuses}) {order}",
        4: f"SELECT * FROM cases WHERE community = '{community}' {order}",
        5: f"SELECT * FROM cases WHERE street = '{street}' {order}",
        7: f"SELECT * FROM cases WHERE status = 'closed' {order} OFFSET 10000",
    }


def postgis(work):
    for k, sql in postgis_sql(work).items():
        path = f"{work}/pg-{k}.sql"
        open(path, "w").write(sql + ";\n")
        for f in glob.glob(f"{work}/pgbench_log.*"):
            os.remove(f)
        subprocess.run(["pgbench", "-n", "-c", "8", "-j", "2", "-T", "1", "-f", os.path.basename(path), "civicgrid_bench"], cwd=work, capture_output=True)
        text = subprocess.run(["pgbench", "-n", "-c", "8", "-j", "2", "-T", "5", "-l", "-f", os.path.basename(path), "civicgrid_bench"],
                              cwd=work, capture_output=True, text=True, check=True).stdout
        tps = float(re.search(r"tps = ([\d.]+)", text).group(1))
        lat = sorted(int(line.split()[2]) / 1000 for f in glob.glob(f"{work}/pgbench_log.*") for line in open(f))
        json.dump({"tps": tps, "p99": lat[int(0.99 * (len(lat) - 1))]}, open(f"{work}/pg-{k}.json", "w"))


def table(work):
    wrk = open(f"{work}/wrk-intake.txt").read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1))
    p99 = ms(re.search(r"^\s*99%\s+(\S+)", wrk, re.M).group(1))
    p50 = ms(re.search(r"^\s*50%\s+(\S+)", wrk, re.M).group(1))
    done = int(re.search(r"(\d+) requests in", wrk).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
    acked = done - (int(bad.group(1)) if bad else 0)
    before, after = map(int, open(f"{work}/intake-count.txt").read().split())
    floor_rate = float(open(f"{work}/floor.txt").read())
    print("Demo district; one run, 2 cores (the load generator on the same cores).\n")
    print("| intake (POST /api/v1/cases, JSON, durable) | CivicGrid | bare SQLite, a commit per row | ratio |")
    print("|---|---|---|---|")
    print(f"| cases/s (64 connections) | {rate:,.0f} | {floor_rate:,.0f} | {rate / floor_rate:.1f}× |")
    print(f"| p50 / p99 | {p50:.1f} / {p99:.1f} ms | – | – |")
    print(f"| acknowledged (2xx) / stored | {acked:,} / {after - before:,} | – | – |")
    q = json.load(open(f"{work}/queries.json"))
    print(f"\nOver {q['total']:,} cases (8 connections, 5 s each; PostGIS: the same SQL by pgbench, no HTTP, no JSON):\n")
    print("| query | returned | CivicGrid req/s | p50 | p99 | PostGIS p99 | ratio of p99 |")
    print("|---|---|---|---|---|---|---|")
    for k, r in enumerate(q["queries"]):
        pg = json.load(open(f"{work}/pg-{k}.json")) if os.path.exists(f"{work}/pg-{k}.json") else None
        pg_text = f"{pg['p99']:.1f} ms" if pg else "–"
        ratio = f"{r['p99'] / pg['p99']:.1f}×" if pg and pg["p99"] > 0 else "–"
        print(f"| {r['name']} | {r['returned']} | {r['rate']:,.0f} | {r['p50']:.1f} ms | {r['p99']:.1f} ms | {pg_text} | {ratio} |")


def crash(url, token, db, log):
    points = building_points(db)
    u = urllib.parse.urlparse(url)
    out = open(log, "a", buffering=1)
    lock = threading.Lock()
    counter = [0]

    def worker():
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        while True:
            with lock:
                i = counter[0]
                counter[0] += 1
            x, y = points[i % len(points)]
            body = json.dumps({"category": CATEGORIES[i % len(CATEGORIES)], "description": f"crash report {i}", "lon": x, "lat": y})
            try:
                c.request("POST", "/api/v1/cases", body, {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
                r = c.getresponse()
                answer = r.read()
                status = r.status
            except Exception:
                return  # the server is gone
            if status == 201:
                with lock:
                    out.write(json.loads(answer)["number"] + "\t" + str(i) + "\n")

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads: t.start()
    for t in threads: t.join()


def verify(db, log):
    acknowledged = [l.split("\t") for l in open(log).read().splitlines() if l]
    con = sqlite3.connect(db)
    missing = [a for a in acknowledged
               if con.execute("SELECT 1 FROM cases WHERE number = ? AND description = ?", (a[0], f"crash report {a[1]}")).fetchone() is None]
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    stored = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    history = con.execute("SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_history h WHERE h.case_fid = c.fid)").fetchone()[0]
    print(json.dumps({"cases_acknowledged": len(acknowledged), "missing": len(missing), "stored": stored, "without_history": history,
                      "integrity": integrity, "first_missing": missing[:5]}))
    sys.exit(0 if not missing and not history and integrity == "ok" and acknowledged else 1)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"lua": lua, "floor": floor, "queries": queries, "postgis": postgis, "table": table, "crash": crash, "verify": verify}[cmd](*args)
