"""The load of Scripts/soak: usage soak.py URL PID DB TOKENS.json MINUTES BINARY WORKDIR.

Prints a Markdown table and a JSON summary; exits 1 on a 5xx, a lost acknowledged write, an
unreadable backup, or the server's anonymous memory (RssAnon: heap, stacks, caches; not the
mapped database file, which grows with the data, nor the tile cache's tiles) at the end more
than 10% above its level after warm-up (25% in runs under 5 minutes, too short for the heap
to level off on a loaded machine) (the first half of the run, at most five minutes: caches filled).
"""
import http.client
import json
import math
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

BASE, PID, DB, TOKENS, MINUTES, BIN, WORK = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.load(open(sys.argv[4])), float(sys.argv[5]), sys.argv[6], sys.argv[7]
U = urllib.parse.urlparse(BASE)
END = time.time() + MINUTES * 60
WARM = min(300, MINUTES * 60 / 2)
lock = threading.Lock()
lat = {}          # route -> [seconds]
status = {}       # route -> {status: n}
acked_fixes = []  # (device, whole second, acknowledged at)
acked_cases = []  # (number, acknowledged at)
stop = threading.Event()


def call(conn, route, method, path, body=None, headers=None):
    t = time.time()
    try:
        conn.request(method, path, body, headers or {})
        r = conn.getresponse()
        data = r.read()
        code, hdrs = r.status, dict(r.getheaders())
    except Exception as e:
        code, data, hdrs = 0, repr(e).encode(), {}
    d = time.time() - t
    with lock:
        lat.setdefault(route, []).append(d)
        status.setdefault(route, {}).setdefault(code, 0)
        status[route][code] += 1
    return code, data, hdrs


def connection():
    return http.client.HTTPConnection(U.hostname, U.port, timeout=60)


con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
box = con.execute("SELECT min(minx), min(miny), max(maxx), max(maxy) FROM rtree_buildings_geom").fetchone()
buildings = [(x, y) for x, y in con.execute("SELECT label_x, label_y FROM buildings ORDER BY fid")]
grids = [g for (g,) in con.execute("SELECT code FROM grids WHERE plan = ?", (TOKENS["plan"],))]
con.close()
auth = lambda role: {"Authorization": "Bearer " + TOKENS[role]}


def tile_of(lon, lat_, z):
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat_))) / math.pi) / 2 * n)


def gps_single(devices):
    c = connection()
    clock = {d: int(time.time()) - 7200 for d in devices}
    while not stop.is_set():
        for d, token in devices.items():
            clock[d] += 1
            x, y = random.choice(buildings)
            code, _, _ = call(c, "GPS single (OsmAnd)", "GET", f"/osmand?id={d}&lat={y}&lon={x}&timestamp={clock[d]}&token={token}")
            if code == 200:
                with lock:
                    acked_fixes.append((d, clock[d], time.time()))
        time.sleep(0.05)


def gps_batch(devices):
    c = connection()
    clock = {d: int(time.time()) - 3 * 86400 for d in devices}
    while not stop.is_set():
        for d, token in devices.items():
            x, y = random.choice(buildings)
            fixes = [{"time": clock[d] + i, "lon": x + i * 1e-6, "lat": y} for i in range(1, 101)]
            code, _, _ = call(c, "GPS batch (100 fixes)", "POST", "/api/v1/positions", json.dumps(fixes), {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            if code == 200:
                now = time.time()
                with lock:
                    acked_fixes.extend((d, clock[d] + i, now) for i in range(1, 101))
            clock[d] += 100
        time.sleep(0.2)


def reads():
    c = connection()
    while not stop.is_set():
        x, y = random.choice(buildings)
        z = random.choice([14, 15, 16])
        tx, ty = tile_of(x, y, z)
        call(c, "tiles", "GET", f"/tiles/{z}/{tx}/{ty}.mvt", headers=auth("admin"))
        d = 0.004
        call(c, "features (bbox)", "GET", f"/collections/buildings/items?bbox={x - d},{y - d},{x + d},{y + d}&limit=100", headers=auth("admin"))


def cases():
    c = connection()
    i = 0
    while not stop.is_set():
        i += 1
        x, y = random.choice(buildings)
        body = json.dumps({"category": random.choice(["0101", "0102", "0201", "0301"]), "description": f"soak report {i}", "lon": x, "lat": y})
        code, data, hdrs = call(c, "case intake", "POST", "/api/v1/cases", body, {**auth("dispatcher"), "Content-Type": "application/json"})
        if code == 201:
            number = json.loads(data)["number"]
            with lock:
                acked_cases.append((number, time.time()))
            etag = hdrs.get("ETag") or hdrs.get("Etag")
            call(c, "case step (file)", "POST", f"/api/v1/cases/{number}/actions", '{"action":"file"}',
                 {**auth("dispatcher"), "Content-Type": "application/json", "If-Match": etag or "*"})
        time.sleep(0.1)


def plans():
    c = connection()
    k = 0
    while not stop.is_set():
        code, _, hdrs = call(c, "plan read", "GET", f"/api/v1/plans/{TOKENS['plan']}", headers=auth("planner"))
        etag = hdrs.get("ETag") or hdrs.get("Etag")
        if code == 200 and etag and grids:
            k += 1
            edit = json.dumps([{"op": "rename", "grid": random.choice(grids), "name": f"巡查片{k}"}])
            call(c, "plan edit (rename)", "POST", f"/api/v1/plans/{TOKENS['plan']}/edits", edit, {**auth("planner"), "Content-Type": "application/json", "If-Match": etag})
        time.sleep(0.5)


def rss_and_files():
    """Resident MB in all, anonymous (the process's own: heap, stacks, caches) and file-backed
    (mostly the database file, mapped: it grows with the data and the kernel may drop it), and
    open files."""
    fields = {l.split(":")[0]: int(l.split()[1]) // 1024 for l in open(f"/proc/{PID}/status") if l.startswith(("VmRSS", "RssAnon", "RssFile"))}
    return fields["VmRSS"], fields["RssAnon"], fields["RssFile"], len(os.listdir(f"/proc/{PID}/fd"))


def tile_cache_mb():
    """MB of tiles the server's cache holds (its /metrics): a cache filling up is not a leak,
    and in a short run it is still filling when warm-up ends."""
    try:
        c = connection()
        c.request("GET", "/metrics", headers=auth("admin"))
        text = c.getresponse().read().decode()
        c.close()
        line = next(l for l in text.splitlines() if l.startswith("civicgrid_tile_cache_bytes "))
        return float(line.split()[1]) / 2**20
    except Exception:
        return 0.0


devices = sorted(TOKENS["devices"].items())
threads = [threading.Thread(target=gps_single, args=(dict(devices[:6]),)), threading.Thread(target=gps_batch, args=(dict(devices[6:]),)),
           threading.Thread(target=reads), threading.Thread(target=reads), threading.Thread(target=cases), threading.Thread(target=plans)]
start = time.time()
for t in threads:
    t.start()
samples, backup, backup_at, warm = [], None, None, None
while time.time() < END:
    time.sleep(5)
    rss, anon, mapped, files = rss_and_files()
    samples.append((round(time.time() - start), rss, anon, mapped, files))
    if warm is None and time.time() - start >= WARM:
        warm = (rss, anon, tile_cache_mb())
    if backup is None and time.time() - start >= MINUTES * 60 / 2:
        backup_at = time.time()
        backup = f"{WORK}/soak-backup.gpkg"
        b = subprocess.run([BIN, "backup", "--db", DB, "--output", backup], capture_output=True, text=True)
        backup_report = (b.returncode, (b.stdout + b.stderr).strip())
stop.set()
for t in threads:
    t.join()
elapsed = time.time() - start
time.sleep(1)
end_rss, end_anon, end_mapped, end_files = rss_and_files()
end_cache = tile_cache_mb()
warm_rss, warm_anon, warm_cache = warm or (samples[0][1], samples[0][2], 0.0)

failures = []
fives = {r: sum(n for s, n in st.items() if s >= 500 or s == 0) for r, st in status.items()}
if any(fives.values()):
    failures.append(f"5xx or broken connections: {fives}")
con = sqlite3.connect(DB)
stored = {(d, int(t)) for d, t in con.execute("SELECT device, CAST(time AS INTEGER) FROM pings WHERE device LIKE 'soak-%'")}
lost = [(d, t) for d, t, _ in acked_fixes if (d, t) not in stored]
numbers = {n for (n,) in con.execute("SELECT number FROM cases WHERE description LIKE 'soak report %'")}
lost_cases = [n for n, _ in acked_cases if n not in numbers]
integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
con.close()
if lost or lost_cases:
    failures.append(f"acknowledged but not stored: {len(lost)} fixes, {len(lost_cases)} cases")
in_backup = None
if backup:
    if backup_report[0] != 0:
        failures.append(f"backup failed: {backup_report[1]}")
    else:
        b = sqlite3.connect(backup)
        bf = {(d, int(t)) for d, t in b.execute("SELECT device, CAST(time AS INTEGER) FROM pings WHERE device LIKE 'soak-%'")}
        bc = {n for (n,) in b.execute("SELECT number FROM cases WHERE description LIKE 'soak report %'")}
        before = [(d, t) for d, t, at in acked_fixes if at < backup_at]
        cases_before = [n for n, at in acked_cases if at < backup_at]
        missing = [x for x in before if x not in bf] + [n for n in cases_before if n not in bc]
        in_backup = {"fixes_before": len(before), "cases_before": len(cases_before), "missing": len(missing), "integrity": b.execute("PRAGMA integrity_check").fetchone()[0]}
        b.close()
        if missing or in_backup["integrity"] != "ok":
            failures.append(f"backup: {in_backup}")
if integrity != "ok":
    failures.append(f"integrity_check: {integrity}")
# The process's own memory must level off; the mapped database file grows with the data, and
# the tile cache with the tiles asked for (up to --tile-cache): both are left out.
# A short run on a loaded machine (the suite's two minutes beside other tests: 14,000 requests)
# ends before the heap levels off, which alone took 40,000 requests (about 100 s) and then held
# for 4 minutes within 1 MB: under 5 minutes the bound is 25%, from 5 minutes 10%.
bound = 1.10 if MINUTES >= 5 else 1.25
own_warm, own_end = warm_anon - warm_cache, end_anon - end_cache
if own_end > own_warm * bound:
    failures.append(f"anonymous RSS beside the tile cache {own_end:.0f} MB at the end, {own_warm:.0f} MB after warm-up (+{(own_end / own_warm - 1) * 100:.0f}%)")

print(f"{MINUTES:g} minutes, one run on this machine (2 cores).\n")
print("| route | requests | requests/s | p50 | p99 | statuses |")
print("|---|---|---|---|---|---|")
for route in sorted(lat):
    xs = sorted(lat[route])
    p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))] * 1000
    print(f"| {route} | {len(xs):,} | {len(xs) / elapsed:,.1f} | {p(0.5):.1f} ms | {p(0.99):.1f} ms | {', '.join(f'{s}: {n:,}' for s, n in sorted(status[route].items()))} |")
step = max(1, len(samples) // 8)
print("\n| s | RSS (MB) | anonymous | file-backed (database mapped) | open files |\n|---|---|---|---|---|")
for s, rss, anon, mapped, files in samples[::step] + ([samples[-1]] if samples and samples[-1] not in samples[::step] else []):
    print(f"| {s} | {rss} | {anon} | {mapped} | {files} |")
print(json.dumps({"minutes": MINUTES, "requests": sum(len(v) for v in lat.values()), "five_xx": sum(fives.values()), "fixes_acknowledged": len(acked_fixes),
                  "fixes_lost": len(lost), "cases_acknowledged": len(acked_cases), "cases_lost": len(lost_cases), "backup": in_backup,
                  "rss_after_warmup_mb": warm_rss, "rss_end_mb": end_rss, "anon_after_warmup_mb": warm_anon, "anon_end_mb": end_anon, "tile_cache_after_warmup_mb": round(warm_cache, 1), "tile_cache_end_mb": round(end_cache, 1), "file_backed_end_mb": end_mapped, "open_files_end": end_files, "integrity": integrity, "failures": failures}, ensure_ascii=False))
sys.exit(1 if failures else 0)
