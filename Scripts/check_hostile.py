"""Probes a running CivicGrid as a hostile client would (issue 14) and checks, after every
group of requests, that the process is alive, that refused requests changed no row and left
integrity_check ok, that no anonymous answer holds a private layer or a personal field, and
at the end that its memory comes back after bursts of large batches (anonymous RSS after a
second burst within 20% of what it was after a first; the mapped database file beside it).

usage: check_hostile.py BASE PID DB TOKENS.json   (tokens: admin, planner, viewer, member, device)
Prints one line per check and a JSON summary last; exits 1 on any failure."""
import json, socket, sqlite3, sys, threading, time, urllib.error, urllib.request

BASE, PID, DB, TOKENS = sys.argv[1], int(sys.argv[2]), sys.argv[3], json.load(open(sys.argv[4]))
HOST, PORT = BASE.split("//")[1].split(":")[0], int(BASE.rsplit(":", 1)[1])
failures = []
TABLES = ["regions", "buildings", "households", "roads", "plans", "grids", "grid_buildings", "audit", "pings", "events", "devices", "members", "tokens"]


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def state():
    con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True, timeout=30)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES if t in tables}
        versions = con.execute("SELECT group_concat(id || ':' || version || ':' || status) FROM plans").fetchone()[0]
        return counts, versions, con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def personal():
    con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    values = [v for row in con.execute("SELECT head_name, phone FROM households") for v in row if v]
    values += [v for row in con.execute("SELECT name, phone FROM people") for v in row if v]
    con.close()
    return sorted(set(values))


def rss():
    """Resident MB: (anonymous: the process's own heap, stacks and caches; file-backed: mostly the
    database file, mapped, which grows with the rows written and which the kernel may drop)."""
    fields = {l.split(":")[0]: int(l.split()[1]) // 1024 for l in open(f"/proc/{PID}/status") if l.startswith(("RssAnon", "RssFile"))}
    return fields["RssAnon"], fields["RssFile"]


def alive():
    try:
        with urllib.request.urlopen(BASE + "/health", timeout=10) as r:
            return r.status == 200
    except Exception:
        return False


def http(method, path, body=None, token=None, headers=None, timeout=30):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + TOKENS[token]
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)
    except Exception as e:  # the server closed on us (a refused oversized body)
        return 0, repr(e).encode(), {}


PERSONAL = personal()
check(len(PERSONAL) > 0, f"the database holds personal fields to look for ({len(PERSONAL)})")
anonymous_bodies = []


def anon(method, path, body=None, headers=None):
    status, data, h = http(method, path, body, None, headers)
    anonymous_bodies.append((path, status, data))
    return status, data, h


def refused(name, requests, expect):
    """Every request answers one of `expect`, the process lives on, nothing changed."""
    before = state()
    for method, path, body, token, headers in requests:
        status, data, h = http(method, path, body, token, headers) if token else anon(method, path, body, headers)
        good = status in expect
        if good and status >= 400 and status != 413 and data:
            good = h.get("Content-Type", "").startswith("application/problem+json")
        check(good, f"{name}: {method} {path[:70]} -> {status} {data[:100]!r}")
    check(alive(), f"{name}: the process still serves")
    after = state()
    check(after == before and after[2] == "ok", f"{name}: row counts, plan versions and integrity_check unchanged ({after[2]})")


base_state = state()
check(base_state[2] == "ok", "integrity_check ok at the start")

# A draft to attack.
s, body, h = http("POST", "/api/v1/communities/320599001001/plans", '{"from":"published"}', "planner")
check(s == 201, f"planner creates a draft ({s})")
draft = json.loads(body)["id"]
doc = json.loads(http("GET", f"/api/v1/plans/{draft}", token="planner")[1])
grid = doc["grids"]["features"][0]["properties"]["code"]
edits = f"/api/v1/plans/{draft}/edits"
im = {"If-Match": "*"}

# 1. Non-objects in an edit list crashed the process.
refused("1 non-object edits", [("POST", edits, b, "planner", im) for b in ["[null]", '["x"]', "[1]", "[[]]", "[true]", "{", "null"]], {400})
# 3, 4. Degenerate and out-of-range geometries: refused, or applied leaving a usable plan.
ring = doc["grids"]["features"][0]["geometry"]["coordinates"][0]
xs, ys = [p[0] for p in ring], [p[1] for p in ring]
x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
pole = {"op": "reshape", "grid": grid, "geometry": {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, 89], [x0, y1], [x0, y0]]]}}
before = state()
s, b, _ = http("POST", edits, json.dumps(pole), "planner", im)
check(s in (200, 422), f"3 reshape to latitude 89 -> {s}")
if s == 422:
    check(state() == before, "3 refused reshape changed nothing")
import math
for k, g in enumerate(doc["grids"]["features"][:3]):
    ring = g["geometry"]["coordinates"][0]
    cx, cy = sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
    octagon = [[cx + 0.0008 * math.cos(i * math.pi / 4), cy + 0.0006 * math.sin(i * math.pi / 4)] for i in range(8)]
    before = state()
    s, b, _ = http("POST", edits, json.dumps({"op": "reshape", "grid": g["properties"]["code"], "geometry": {"type": "Polygon", "coordinates": [octagon + octagon[:1]]}}), "planner", im)
    check(s in (200, 422), f"3 octagon reshape of grid {k} -> {s} {b[:80]!r}")
    if s != 200:
        check(state() == before, "3 a refused edit committed nothing")
for path in [f"/api/v1/plans/{draft}", f"/api/v1/plans/{draft}/audit"]:
    s, _, _ = http("GET", path, token="planner")
    check(s == 200, f"3 the plan stays usable: GET {path} -> {s}")
big = '{"op":"reshape","grid":"%s","geometry":{"type":"Polygon","coordinates":[[[120.7,31.3],[120.71,31.3],[120.71,1e308],[120.7,31.3]]]}}' % grid
# A number out of range is a geometry the document's shape allows but the map does not (422);
# NaN is not JSON at all (400).
refused("4 coordinates out of range", [("POST", edits, big, "planner", im)], {422})
refused("4 coordinates that are not numbers", [("POST", edits, big.replace("1e308", "NaN"), "planner", im)], {400})
# 5. Another community's grids as a draft of this one.
s, gpkg, _ = http("GET", f"/api/v1/plans/{draft}/grids.gpkg", token="admin")
refused("5 upload of another community's grids", [("POST", "/api/v1/communities/320599001002/plans", gpkg, "admin",
        {"Content-Type": "application/geopackage+sqlite3"})], {422})
s, b, _ = http("POST", "/api/v1/communities/320599001002/plans", b"not a geopackage", "admin", {"Content-Type": "application/geopackage+sqlite3"})
check(s == 400 and b"/tmp" not in b and b"upload-" not in b, f"10 a failed upload names no server path ({s})")
# 6. Oversized bodies: 413, never 500.
huge = b"[" + b" " * (40 << 20) + b"]"
refused("6 oversized bodies", [("POST", edits, huge, "planner", im), ("POST", f"/api/v1/plans/{draft}/publish", huge, "planner", im),
        ("POST", "/owntracks", huge, "device", None), ("POST", "/osmand", huge, "device", None)], {413, 0})
# 10. Smaller ones.
refused("10 override of whitespace", [("POST", f"/api/v1/plans/{draft}/publish", '{"override":"\\n"}', "planner", im)], {400})
refused("10 a code that is only the community's", [("POST", edits, json.dumps({"op": "rename", "grid": grid, "code": "320599001001"}), "planner", im)], {422})
refused("10 an empty batch", [("POST", "/api/v1/positions", "[]", "device", None)], {400})
s, b, _ = http("GET", "/collections/grids/items?bbox=170,-10,-170,10")
check(s == 200, f"10 bbox across the antimeridian -> {s}")
s, b, _ = http("GET", "/collections/grids/items?limit=1", headers={"X-Forwarded-Host": "evil.example"})
check(s == 200 and b"evil.example" not in b, "10 X-Forwarded-Host from an untrusted peer is ignored")
# 9. Bad fixes: flagged, and they do not silence the device.
now = int(time.time())
s, b, _ = http("POST", "/api/v1/positions", json.dumps([{"time": "9999-01-01T00:00:00Z", "lon": 120.69, "lat": 31.31},
                                                        {"time": 0, "lon": 120.69, "lat": 31.31}, {"time": "0001-01-01T00:00:00Z", "lon": 120.69, "lat": 31.31}]), "device")
flags = [f["flags"] for f in json.loads(b).get("flagged", [])] if s == 200 else []
check(flags == [["future"], ["bad-time"], ["bad-time"]], f"9 future and clock-less times flagged: {flags}")
s, b, _ = http("POST", "/api/v1/positions", json.dumps([{"time": now - 2, "lon": 120.69, "lat": 31.31}, {"time": now - 1, "lon": 130.69, "lat": 31.31},
                                                        {"time": now, "lon": 120.6901, "lat": 31.31, "speed": 1e308}]), "device")
answer = json.loads(b) if s == 200 else {}
check([f["flags"] for f in answer.get("flagged", [])] == [["jump"]] and len(answer.get("rejected", [])) == 1, f"9 a 1,000 km jump flagged, speed 1e308 refused: {answer}")
s, b, _ = http("GET", "/api/v1/live", token="admin")
live = [f for f in json.loads(b)["features"] if f["properties"]["device"] == TOKENS["device_id"]] if s == 200 else []
check(len(live) == 1 and live[0]["geometry"]["coordinates"] == [120.69, 31.31], f"9 the device's live position is its real fix: {live}")

# 2. Tiles: anonymous callers get public layers only, whatever the cache holds.
z, x, y = 16, 54740, 26763
s, admin_tile, _ = http("GET", f"/tiles/{z}/{x}/{y}.mvt", token="admin")
for path in [f"/tiles/,/{z}/{x}/{y}.mvt", f"/tiles/,,/{z}/{x}/{y}.mvt", f"/tiles/nothing/{z}/{x}/{y}.mvt"]:
    s, b, _ = anon("GET", path)
    check(s == 400, f"2 {path} -> {s}")
import mapbox_vector_tile
s, b, _ = anon("GET", f"/tiles/{z}/{x}/{y}.mvt")
layers = set(mapbox_vector_tile.decode(b).keys()) if s == 200 else set()
check(layers <= {"districts", "streets", "communities", "grids"}, f"2 anonymous tile layers {sorted(layers)}")
s, b, _ = http("GET", f"/tiles/{z}/{x}/{y}.mvt", token="admin")
check(s == 200 and b == admin_tile and "buildings" in mapbox_vector_tile.decode(b), "2 the admin's tile is whole after anonymous requests")

# What held before: denials, bad JSON, traversal, long URLs, many headers.
refused("held: wrong roles", [("POST", edits, "[]", "viewer", im), ("POST", edits, "[]", "member", im),
        ("POST", f"/api/v1/plans/{draft}/publish", "", "viewer", im), ("POST", edits, '{"op":"merge"}', None, im)], {401, 403})
refused("held: bad input", [("POST", edits, '{"op":', "planner", im), ("GET", "/styles/..%2F..%2Fetc%2Fpasswd", None, None, None),
        ("GET", "/collections/grids/items?bbox=" + "1" * 100_000, None, None, None),
        ("POST", "/api/v1/positions", '[{"time":1,"lon":"NaN","lat":1}]', "device", None)], {400, 404, 414, 422, 431})
sock = socket.create_connection((HOST, PORT))
sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10000)) + b"\r\n")
sock.settimeout(10)
try:
    first = sock.recv(64)
except Exception as e:
    first = repr(e).encode()
sock.close()
check(first.startswith(b"HTTP/1.1 4") or first == b"", f"held: 10,000 headers -> {first[:30]!r}")
check(alive(), "held: the process still serves")


# 8. Slow and odd connections are closed after the idle timeout; LF-only requests answered.
def lasts(data, wait):
    s = socket.create_connection((HOST, PORT))
    if data:
        s.sendall(data)
    s.settimeout(wait)
    t = time.time()
    try:
        while s.recv(4096):
            pass
    except Exception:
        pass
    s.close()
    return time.time() - t


idle = float(TOKENS.get("idle_timeout", 30))
results = {}
def trickle():
    s = socket.create_connection((HOST, PORT)); s.sendall(b"GET /health HTTP/1.1\r\n"); t = time.time(); closed = False
    while time.time() - t < idle * 3:
        try:
            s.sendall(b"X-Slow: 1\r\n")
        except Exception:
            closed = True; break
        time.sleep(idle / 4)
    s.close(); results["trickle"] = (closed, time.time() - t)
threads = [threading.Thread(target=trickle)]
for name, data in [("silent", b""), ("partial head", b"GET /health HTTP/1.1\r\nHost: x\r\n"),
                   ("half body", b"POST /api/v1/positions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[{")]:
    threads.append(threading.Thread(target=lambda n=name, d=data: results.__setitem__(n, lasts(d, idle * 3))))
for t in threads:
    t.start()
for t in threads:
    t.join()
for name in ["silent", "partial head", "half body"]:
    check(results[name] < idle * 2, f"8 {name} connection closed after {results[name]:.1f} s (idle timeout {idle:.0f} s)")
check(results["trickle"][0] and results["trickle"][1] < idle * 3, f"8 a head sent one header at a time closed after {results['trickle'][1]:.1f} s")
s = socket.create_connection((HOST, PORT)); s.sendall(b"GET /health HTTP/1.1\nHost: x\n\n"); s.settimeout(10)
first = s.recv(64); s.close()
check(first.startswith(b"HTTP/1.1 200"), f"8 an LF-only request is answered: {first[:20]!r}")

# 7. Memory: a 20 MB batch is refused while read; then bursts of full batches of 10,000. A
# first burst fills the bounded caches such a burst fills (SQLite's page cache, 16 MB a
# connection; statement caches); after a second as long, the server's own (anonymous)
# memory is within 20% of what it was after the first: what a burst leaves behind that is no
# bounded cache grows with it. The database file's mapped pages are reported beside it (they
# grow with the rows written).
time.sleep(6)
hour = now - 7200
big = json.dumps([{"time": hour + i * 0.001, "lon": 120.69, "lat": 31.31} for i in range(436907)]).encode()
results = []
threads = [threading.Thread(target=lambda: results.append(http("POST", "/api/v1/positions", big, "device", {"Content-Type": "application/json"})[0])) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
check(all(s in (413, 0) for s in results), f"7 three 20 MB batches refused while read: {results}")


def burst(first, batches):
    """Full batches of 10,000 fixes (times after any sent before); the peak anonymous RSS."""
    top = 0
    for k in range(first, first + batches):
        batch = json.dumps([{"time": now - 86400 + k * 10000 + i, "lon": 120.69 + (i % 50) * 1e-5, "lat": 31.31, "note": "x" * 40} for i in range(10000)])
        s, _, _ = http("POST", "/api/v1/positions", batch, "device")
        if s != 200:
            check(False, f"7 batch {k} -> {s}")
        top = max(top, rss()[0])
    time.sleep(8)  # the server hands freed memory back every 5 s
    return top


burst(0, 20)
rss0, file0 = rss()
peak = burst(20, 20)
rss1, file1 = rss()
check(rss1 <= rss0 * 1.2, f"7 anonymous RSS {rss0} MB after 20 batches of 10,000, {peak} MB at most during 20 more, {rss1} MB after "
      f"(limit {rss0 * 1.2:.0f}); file-backed {file0} MB and {file1} MB")

# Household members: whole only for the admin (each read recorded); a viewer's answer holds
# none of the whole values; anonymous is refused. The ID numbers the admin saw join the
# values no anonymous answer may hold (the database holds them only sealed).
con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
households = [h for (h,) in con.execute("SELECT DISTINCT household FROM people ORDER BY household LIMIT 20")]
con.close()
check(len(households) > 0, "the demo's people are there")
ids = []
for h in households:
    s, body, _ = http("GET", f"/api/v1/households/{h}/members?unmask=true", token="admin")
    check(s == 200, f"8 admin reads household {h} whole -> {s}")
    whole = json.loads(body) if s == 200 else []
    ids += [p["id_number"] for p in whole if p.get("id_number")]
    s, body, _ = http("GET", f"/api/v1/households/{h}/members", token="viewer")
    secrets = [v for p in whole for v in (p["name"], p.get("phone"), p.get("id_number")) if v]
    check(s == 200 and not [v for v in secrets if v.encode() in body], f"8 a viewer sees household {h} masked")
    s, _, _ = http("GET", f"/api/v1/households/{h}/members?unmask=true", token="viewer")
    check(s == 403, f"8 a viewer may not unmask -> {s}")
    anon("GET", f"/api/v1/households/{h}/members")
PERSONAL = sorted(set(PERSONAL + ids))
check(len(ids) > 0, f"ID numbers to look for ({len(ids)})")

# Personal data and private layers in anonymous answers.
leaks = [(p, v) for p, s, b in anonymous_bodies for v in PERSONAL if v.encode() in b]
check(not leaks, f"no personal field in {len(anonymous_bodies)} anonymous answers {leaks[:3]}")
check(alive(), "the process is alive at the end")
end = state()
check(end[2] == "ok", "integrity_check ok at the end")
print(json.dumps({"failures": len(failures), "anon_before_mb": rss0, "anon_peak_mb": peak, "anon_after_mb": rss1, "file_before_mb": file0, "file_after_mb": file1, "anonymous_answers": len(anonymous_bodies)}))
sys.exit(1 if failures else 0)
