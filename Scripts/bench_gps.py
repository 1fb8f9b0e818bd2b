"""Clients for Scripts/bench-gps and Scripts/check-durability, on the GeoLife replay.

  bench_gps.py tokens DB CSV.GZ OUT.json   register one device per GeoLife user (civicgrid devices add)
  bench_gps.py paths CSV.GZ TOKENS.json OUT.txt   OsmAnd request paths, one per fix, times shifted to now
  bench_gps.py batch URL CSV.GZ TOKENS.json       native batches of 1,000 over 4 connections: pings/s
  bench_gps.py crash URL CSV.GZ TOKENS.json LOG   single OsmAnd fixes over 16 connections until killed,
                                                  each 2xx logged (device, time) as it arrives
  bench_gps.py verify DB LOG                      every logged fix is in the database
"""
import csv, gzip, http.client, json, os, sqlite3, subprocess, sys, threading, time, urllib.parse
from datetime import datetime, timezone


def fixes(path):
    """(device, epoch seconds, lat, lon, altitude m), times shifted so the last is 1 s ago."""
    rows = []
    with gzip.open(path, "rt") as f:
        for r in csv.DictReader(f):
            t = datetime.strptime(r["ts"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
            rows.append(("geolife-" + r["uid"], t, float(r["lat"]), float(r["lon"]), float(r["alt_ft"]) * 0.3048))
    shift = time.time() - 1 - max(r[1] for r in rows)
    return [(d, round(t + shift), lat, lon, alt) for d, t, lat, lon, alt in rows]


def tokens(db, csv_path, out, binary):
    out_tokens = {}
    for device in sorted({r[0] for r in fixes(csv_path)}):
        text = subprocess.run([binary, "devices", "add", "--db", db, "--id", device, "--member", device], check=True,
                              capture_output=True, text=True).stdout
        out_tokens[device] = next(l for l in text.splitlines() if l.startswith("token")).split()[-1]
    json.dump(out_tokens, open(out, "w"))


def paths(csv_path, tokens_path, out):
    tok = json.load(open(tokens_path))
    with open(out, "w") as f:
        for d, t, lat, lon, alt in fixes(csv_path):
            f.write(f"/?id={d}&timestamp={t}&lat={lat}&lon={lon}&altitude={alt:.1f}&token={tok[d]}\n")


def post_all(url, bodies, connections):
    """Posts (token, body) pairs over `connections` keep-alive connections; returns the replies."""
    u = urllib.parse.urlparse(url)
    lock, results, queue = threading.Lock(), [], list(enumerate(bodies))

    def worker():
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        while True:
            with lock:
                if not queue:
                    return
                i, (token, body) = queue.pop(0)
            c.request("POST", u.path, body=body, headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            r = c.getresponse()
            reply = r.read()
            with lock:
                results.append((i, r.status, reply))

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads: t.start()
    for t in threads: t.join()
    return results


def batch(url, csv_path, tokens_path):
    tok = json.load(open(tokens_path))
    by_device = {}
    for d, t, lat, lon, alt in fixes(csv_path):
        by_device.setdefault(d, []).append({"time": t, "lat": lat, "lon": lon, "altitude": round(alt, 1)})
    bodies = []
    for d, pings in sorted(by_device.items()):
        for k in range(0, len(pings), 1000):
            bodies.append((tok[d], json.dumps(pings[k:k + 1000]).encode()))
    total = sum(len(p) for p in by_device.values())
    start = time.perf_counter()
    results = post_all(url + "/api/v1/positions", bodies, 4)
    elapsed = time.perf_counter() - start
    bad = [r for r in results if r[1] != 200]
    replies = [json.loads(r[2]) for r in results if r[1] == 200]
    print(json.dumps({"pings": total, "requests": len(bodies), "seconds": elapsed, "pings_per_s": total / elapsed,
                      "stored": sum(r["stored"] for r in replies), "duplicates": sum(r["duplicates"] for r in replies),
                      "flagged": sum(len(r["flagged"]) for r in replies), "rejected": sum(len(r["rejected"]) for r in replies),
                      "failed_requests": len(bad)}))


def crash(url, csv_path, tokens_path, log):
    tok = json.load(open(tokens_path))
    rows = fixes(csv_path)
    u = urllib.parse.urlparse(url)
    out = open(log, "a", buffering=1)
    lock = threading.Lock()
    next_index = [0]

    def worker():
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= len(rows):
                return
            d, t, lat, lon, alt = rows[i]
            try:
                c.request("GET", f"/?id={d}&timestamp={t}&lat={lat}&lon={lon}&token={tok[d]}")
                r = c.getresponse()
                r.read()
                status = r.status
            except Exception:
                return  # the server is gone
            if 200 <= status < 300:
                with lock:
                    out.write(f"{d}\t{t}\n")

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads: t.start()
    for t in threads: t.join()


def verify(db, log):
    acknowledged = [l.split("\t") for l in open(log).read().splitlines() if l]
    con = sqlite3.connect(db)
    missing = [a for a in acknowledged if con.execute("SELECT 1 FROM pings WHERE device = ? AND time = ?", (a[0], float(a[1]))).fetchone() is None]
    integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    stored = con.execute("SELECT count(*) FROM pings").fetchone()[0]
    print(json.dumps({"acknowledged": len(acknowledged), "missing": len(missing), "stored": stored, "integrity": integrity,
                      "first_missing": missing[:5]}))
    sys.exit(0 if not missing and integrity == "ok" and acknowledged else 1)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "tokens": tokens(args[0], args[1], args[2], os.environ.get("CIVICGRID", ".build/release/civicgrid"))
    elif cmd == "paths": paths(*args)
    elif cmd == "batch": batch(*args)
    elif cmd == "crash": crash(*args)
    elif cmd == "verify": verify(*args)
    else: sys.exit(__doc__)
