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


def first_answer(raw):
    """The first bytes the server answers raw request bytes with (or the error, as bytes)."""
    sock = socket.create_connection((HOST, PORT))
    sock.sendall(raw)
    sock.settimeout(10)
    try:
        return sock.recv(64)
    except Exception as e:
        return repr(e).encode()
    finally:
        sock.close()


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
first = first_answer(b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10000)) + b"\r\n")
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
        # A debug build on a loaded machine takes many seconds over 10,000 fixes: a client
        # that gives up is not the server failing.
        s, body, _ = http("POST", "/api/v1/positions", batch, "device", timeout=300)
        for attempt in range(6):
            if not (s == 0 and b"Connection reset" in body):
                break
            # This server cuts a connection whose body is not read for IDLE (3) seconds (the
            # slow-body checks above); on a loaded machine reading a 1 MB body can pause that
            # long — for a while, as after the 20 MB batches (a fresh-clone CI run cut batch 0
            # four times in a row). Sent again after a pause that doubles, up to six times,
            # each printed.
            time.sleep(2 ** attempt)
            print(f"  note: batch {k} cut ({body[:60]!r}), sent again after {2 ** attempt} s")
            s, body, _ = http("POST", "/api/v1/positions", batch, "device", timeout=300)
        if s != 200:
            check(False, f"7 batch {k} -> {s} {body[:200]!r}")
        top = max(top, rss()[0])
    time.sleep(8)  # the server hands freed memory back every 5 s
    return top


burst(0, 20)
rss0, file0 = rss()
peak = burst(20, 20)
# Settled: the lowest of samples 2 s apart over 20 s (the periodic work — tallies every 10 s,
# freed memory handed back every 5 s — holds a few MB for a moment; a leak never goes back).
rss1, file1 = rss()
for _ in range(10):
    if rss1 <= rss0 * 1.2:
        break
    time.sleep(2)
    rss1, file1 = min((rss1, file1), rss())
check(rss1 <= rss0 * 1.2, f"7 anonymous RSS {rss0} MB after 20 batches of 10,000, {peak} MB at most during 20 more, {rss1} MB after "
      f"(limit {rss0 * 1.2:.0f}); file-backed {file0} MB and {file1} MB")

# ---- The third pass (issue 33): an operator's mistakes with the real CLI, and an insider. ----
import os, subprocess, tempfile, xml.etree.ElementTree as ET
BIN = os.environ.get("CIVICGRID", "")
work = tempfile.mkdtemp()


def cli(*args):
    r = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout + r.stderr


def db_dump():
    con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT count(*), max(fid) FROM cases").fetchone(), con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


if BIN:
    # 1. Restoring over the database a server holds: refused, naming the server.
    backup = f"{work}/b.gpkg"
    code, out = cli("backup", "--db", DB, "--output", backup)
    check(code == 0, f"33.1 a backup of the live database: {out.strip()[:120]}")
    before = db_dump()
    code, out = cli("restore", "--from", backup, "--db", DB, "--replace")
    check(code != 0 and f"process {PID}" in out, f"33.1 restore --replace over a served database refused: {out.strip()[:160]}")
    check(db_dump() == before and alive(), "33.1 the served database is as it was")
    # 2. backup --output over what is not a new file.
    code, out = cli("backup", "--db", DB, "--output", DB, "--replace")
    check(code != 0 and "itself" in out, f"33.2 backup over the database itself refused: {out.strip()[:120]}")
    notes = f"{work}/notes.txt"
    open(notes, "w").write("keep me")
    code, out = cli("backup", "--db", DB, "--output", notes)
    check(code != 0 and open(notes).read() == "keep me", f"33.2 backup over an existing file without --replace refused: {out.strip()[:120]}")
    fifo = f"{work}/pipe"
    os.mkfifo(fifo)
    code, out = cli("backup", "--db", DB, "--output", fifo, "--replace")
    check(code != 0 and os.path.exists(fifo) and not os.path.isfile(fifo), f"33.2 backup over a named pipe refused: {out.strip()[:120]}")
    missing = f"{work}/missing.gpkg"
    code, out = cli("backup", "--db", missing, "--output", f"{work}/m.gpkg")
    check(code != 0 and not os.path.exists(missing), f"33.2 backup of a missing database refused, nothing made: {out.strip()[:120]}")
    check(db_dump() == before and alive(), "33.2 the served database is as it was")
else:
    check(False, "33.1-2 CIVICGRID names the binary")

# A case in the first community to work on.
ring = doc["grids"]["features"][0]["geometry"]["coordinates"][0]
spot = (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
report = {"category": "0101", "description": "hostile probe", "lon": spot[0], "lat": spot[1]}
s, b, _ = http("POST", "/api/v1/cases", json.dumps(report), "centre", {"Content-Type": "application/json"})
check(s == 201, f"the centre reports a case ({s} {b[:100]!r})")
number = json.loads(b)["number"] if s == 201 else "0"


def step(token, body):
    return http("POST", f"/api/v1/cases/{number}/actions", json.dumps(body), token, {"If-Match": "*", "Content-Type": "application/json"})


# 9. Separation of duties: a street's dispatcher sends nothing above its street, and the
# account that handled a case does not check it.
check(step("centre", {"action": "file"})[0] == 200, "33.9 filed")
s, b, _ = step("street", {"action": "dispatch", "region": "320599"})
check(s == 403, f"33.9 a street dispatcher dispatching to the district's desk -> {s}")
for body in [{"action": "dispatch", "region": "320599001001"}, {"action": "accept"}, {"action": "handle"}]:
    s, b, _ = step("street", body)
    check(s == 200, f"33.9 the street's desk: {body['action']} -> {s} {b[:80]!r}")
for check_step in ["pass", "fail"]:
    s, b, _ = step("street", {"action": check_step})
    check(s == 403, f"33.9 the account that handled it may not {check_step} -> {s}")
s, b, _ = step("centre", {"action": "pass"})
check(s == 200, f"33.9 another account checks it -> {s}")

# 10. The Idempotency-Key covers the photos: the same report with another photo is a 409.
import struct, zlib
def png(rgb):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"\x00" + bytes(rgb))) + chunk(b"IEND", b"")
def multipart(photo):
    boundary = "hostile-boundary"
    parts = [("report", "application/json", json.dumps(report).encode(), None), ("photo", "image/png", photo, "p.png")]
    body = b""
    for name, kind, data, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {kind}\r\n\r\n".encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}", "Idempotency-Key": "hostile-photo-key"}
body, headers = multipart(png([200, 10, 10]))
s1, b1, _ = http("POST", "/api/v1/cases", body, "centre", headers)
body, headers = multipart(png([10, 200, 10]))
s2, b2, _ = http("POST", "/api/v1/cases", body, "centre", headers)
check(s1 == 201 and s2 == 409, f"33.10 the same key with another photo: {s1} then {s2} {b2[:100]!r}")

# 11. U+FFFE/U+FFFF in a description: requests.xml stays well-formed, and so does a 400 that
# reflects what was sent.
import urllib.parse
form = urllib.parse.urlencode({"api_key": TOKENS["app"], "service_code": "0101", "lat": spot[1], "long": spot[0], "description": "烟\ufffe囱\uffff冒烟"})
s, b, _ = anon("POST", "/open311/v2/requests.xml", form, {"Content-Type": "application/x-www-form-urlencoded"})
check(s == 201, f"33.11 an Open311 report with U+FFFE/U+FFFF -> {s} {b[:100]!r}")
s, b, _ = anon("GET", "/open311/v2/requests.xml")
try:
    ET.fromstring(b); wellformed = True
except ET.ParseError as e:
    wellformed = repr(e)
check(s == 200 and wellformed is True, f"33.11 requests.xml is well-formed: {wellformed}")
s, b, _ = anon("POST", "/open311/v2/requests.xml", urllib.parse.urlencode({"api_key": TOKENS["app"], "service_code": "\uffff\ufffe"}), {"Content-Type": "application/x-www-form-urlencoded"})
try:
    ET.fromstring(b); wellformed = True
except ET.ParseError as e:
    wellformed = repr(e)
check(s >= 400 and wellformed is True, f"33.11 a refused request's XML is well-formed ({s}): {wellformed}")

# 6. An SMS located by the sender's household: the anonymous Open311 feed shows the home
# grid's label point, never the sender's building.
con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True, timeout=30)
home = con.execute("SELECT h.phone, b.label_x, b.label_y FROM households h JOIN buildings b ON b.fid = h.building "
                   "WHERE h.phone IS NOT NULL AND h.phone <> '' LIMIT 1").fetchone()
con.close()
if home:
    s, b, _ = anon("POST", "/sms", urllib.parse.urlencode({"api_key": TOKENS["gateway"], "from": home[0], "text": "楼道堆物", "category": "0101"}),
                   {"Content-Type": "application/x-www-form-urlencoded"})
    sms_case = json.loads(b).get("case") if s == 201 else None
    check(sms_case is not None, f"33.6 a resident's SMS filed ({s} {b[:80]!r})")
    s, b, _ = anon("GET", f"/open311/v2/requests/{sms_case}.json")
    shown = json.loads(b)[0] if s == 200 else {}
    far = shown.get("lat") is None or abs(shown["lat"] - home[2]) > 1e-7 or abs(shown["long"] - home[1]) > 1e-7
    check(s == 200 and far, f"33.6 the anonymous feed does not show the sender's building: {shown.get('lat')},{shown.get('long')} vs home {home[2]},{home[1]}")
else:
    check(False, "33.6 the demo has households with phones")

# Merged into the probe case, its sender is told by SMS: the gateway's outbox holds a message.
if home and sms_case:
    s, b, _ = http("POST", f"/api/v1/cases/{sms_case}/actions", json.dumps({"action": "void", "reason": "duplicate", "duplicate_of": number}),
                   "centre", {"If-Match": "*", "Content-Type": "application/json"})
    check(s == 200, f"33.6 merged into {number} -> {s} {b[:80]!r}")

# 5. Keys of their own kind: an Open311 app's key opens no SMS door; the gateway's reads the
# outbox, and the read is recorded.
for method, path, body in [("GET", f"/sms/outbox?api_key={TOKENS['app']}", None), ("POST", "/sms", f"api_key={TOKENS['app']}&from=13900000000&text=x"),
                           ("POST", f"/sms/outbox/1/sent?api_key={TOKENS['app']}", None)]:
    s, b, _ = anon(method, path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    check(s == 401, f"33.5 an Open311 key at {method} {path.split('?')[0]} -> {s}")
con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True, timeout=30)
logged = con.execute("SELECT count(*) FROM access_log WHERE account = 'sms:h-gateway'").fetchone()[0]
con.close()
# (The gateway's own read holds whole phones by design: not among the anonymous answers.)
s, b, h = http("GET", f"/sms/outbox?api_key={TOKENS['gateway']}")
con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True, timeout=30)
after = con.execute("SELECT count(*) FROM access_log WHERE account = 'sms:h-gateway'").fetchone()[0]
con.close()
messages = json.loads(b).get("messages", []) if s == 200 else None
check(s == 200 and h.get("Cache-Control") == "private, no-store", f"33.5 the gateway reads the outbox ({s}, {len(messages or [])} messages, {h.get('Cache-Control')})")
check(bool(messages) and after == logged + 1, f"33.5 the read of whole phones is in the access log ({len(messages or [])} messages; {logged} -> {after} rows)")


# 17. A JSON member or a form field said twice is refused, not read as its first value.
refused("33.17 duplicate members and fields", [
    ("POST", f"/api/v1/cases/{number}/actions", '{"action":"close","action":"void","reason":"not_true"}', "centre", {"If-Match": "*"}),
    ("POST", "/sms", f"api_key={TOKENS['gateway']}&from=13900000001&text=a&text=b", None, {"Content-Type": "application/x-www-form-urlencoded"}),
    ("GET", f"/collections/grids/items?bbox=0x10,31,121,32", None, None, None)], {400})
s, b, _ = anon("POST", "/open311/v2/requests.json", urllib.parse.urlencode({"api_key": TOKENS["app"], "service_code": "0101", "lat": spot[1], "long": "0x10", "description": "x"}),
               {"Content-Type": "application/x-www-form-urlencoded"})
check(s == 400, f"33.17 Open311 long=0x10 is not a number -> {s}")
s, b, _ = http("GET", "/collections/cases/items?limit=1", token="district")
check(s == 200, f"33.17 the district's admin reads the cases collection -> {s}")


# 15. Bodies trickled a byte at a time (within the idle timeout) are cut off: 50 anonymous
# Open311 posts, each sending a byte every idle/3 s, all closed within a few idle timeouts (a
# head trickled so too). A bad chunk size is a 400; the 413 names the route's real limit.
def trickled(head, results, key):
    sock = socket.create_connection((HOST, PORT))
    sock.sendall(head)
    start, answer = time.time(), b""
    sock.settimeout(idle / 3)
    while time.time() - start < idle * 6:
        try:
            sock.sendall(b"a")
        except Exception:
            break
        try:
            chunk = sock.recv(200)
            if not chunk:
                break
            answer += chunk
        except socket.timeout:
            pass
        except Exception:
            break
    results[key] = (time.time() - start, answer)
    sock.close()


bodies = {}
body_head = b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
threads = [threading.Thread(target=trickled, args=(body_head, bodies, k)) for k in range(50)]
threads.append(threading.Thread(target=trickled, args=(b"GET /health HTTP/1.1\r\nX-Slow: ", bodies, "head")))
for t in threads:
    t.start()
for t in threads:
    t.join()
lasted = [bodies[k][0] for k in range(50)]
check(max(lasted) < idle * 4, f"33.15 50 trickled bodies cut off after {min(lasted):.1f}–{max(lasted):.1f} s (idle timeout {idle:.0f} s)")
check(bodies["head"][0] < idle * 4, f"33.15 a trickled head closed after {bodies['head'][0]:.1f} s")
first = first_answer(f"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKENS['centre']}\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n".encode())
check(first.startswith(b"HTTP/1.1 400"), f"33.15 a bad chunk size -> {first[:20]!r}")
s, b, _ = anon("POST", "/sms", "x" * 20000, {"Content-Type": "application/x-www-form-urlencoded"})
check(s == 413 and b"16384 bytes" in b, f"33.15 the 413 names the route's limit: {b[:120]!r}")
check(alive(), "33.15 the process still serves")


# 4. A revoked token's open streams end within seconds, and 16: Last-Event-ID 0 resumes a
# bounded window and says so.
def stream(path, token, extra=None, seconds=40):
    """Reads a stream until it ends; what came and when it ended (None: still open after `seconds`)."""
    sock = socket.create_connection((HOST, PORT))
    head = f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKENS[token]}\r\nAccept: text/event-stream\r\n"
    for k, v in (extra or {}).items():
        head += f"{k}: {v}\r\n"
    sock.sendall((head + "\r\n").encode())
    sock.settimeout(seconds)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data, time.time()
            data += chunk
            if data.endswith(b"0\r\n\r\n"):
                return data, time.time()
    except Exception:
        return data, None
    finally:
        sock.close()


streams = {}
threads = [threading.Thread(target=lambda p=p, t=t: streams.__setitem__(p, stream(p, t))) for p, t in
           [("/api/v1/cases/stream", "streamer"), ("/api/v1/live/stream", "watcher")]]
for t in threads:
    t.start()
time.sleep(3)
for name in ["h-streamer", "h-watcher"]:
    code, out = cli("users", "revoke", "--db", DB, "--name", name) if BIN else (1, "no binary")
    check(code == 0, f"33.4 users revoke {name}: {out.strip()[:80]}")
revoked_at = time.time()
for t in threads:
    t.join()
for path, (data, ended) in streams.items():
    check(ended is not None and data.startswith(b"HTTP/1.1 200") and ended - revoked_at < 10,
          f"33.4 {path} ended {ended - revoked_at:.1f} s after its token was revoked" if ended else f"33.4 {path} still open 35 s after its token was revoked")
# A long history: 10,050 more steps on the probe case, written beside the running server.
con = sqlite3.connect(DB, timeout=30)
with con:
    con.execute("""WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 10050)
                   INSERT INTO case_history (case_fid, at, actor, action, from_status, to_status, holder, note, detail)
                   SELECT c.fid, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'h-probe', 'supervise', c.status, c.status, c.holder, NULL, '{}'
                   FROM n, cases c WHERE c.number = ?""", (number,))
con.close()
data, _ = stream("/api/v1/cases/stream", "centre", {"Last-Event-ID": "0"}, seconds=6)
con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True, timeout=30)
newest = con.execute("SELECT max(id) FROM case_history").fetchone()[0] or 0
con.close()
ids = [int(l.split(b":")[1]) for l in data.split(b"\n") if l.startswith(b"id: ")]
gap = b"event: gap" in data
check(newest > 10_000 and gap and ids and min(ids) > newest - 10_000 - 1,
      f"33.16 Last-Event-ID 0 resumes at most 10,000 back ({len(ids)} events from {min(ids) if ids else '-'}, newest {newest}, gap event {gap})")


# Household members: whole only for the admin (each read recorded); a viewer's answer holds
# none of the whole values; anonymous is refused. The ID numbers the admin saw join the
# values no anonymous answer may hold (the database holds them only sealed).
con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
households = [h for (h,) in con.execute("SELECT DISTINCT household FROM people ORDER BY household LIMIT 20")]
con.close()
check(len(households) > 0, "the demo's people are there")
ids = []
for h in households:
    s, body, headers = http("GET", f"/api/v1/households/{h}/members?unmask=true", token="admin")
    check(s == 200 and headers.get("Cache-Control") == "private, no-store", f"8 admin reads household {h} whole -> {s}, {headers.get('Cache-Control')}")
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
