"""Scripts/bench-store's runs: the same workloads on a GeoPackage file, on PostgreSQL with one
server, and on PostgreSQL with three servers behind nginx, in one run.

  bench_store.py BIN BASE.gpkg CLUSTER_URL WORK SECONDS

BASE.gpkg is the published demo with the case catalogue, departments and calendar; CLUSTER_URL
a PostgreSQL cluster where new databases are made. Prints a Markdown table."""
import json
import math
import os
import random
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import time
import urllib.request

from common import free_port, wait_health

BIN, BASE, CLUSTER, WORK, SECONDS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
DEVICES = 20
LIMITS = ["--rate-limit", "gps-device=100000000/m", "--rate-limit", "gps-address=100000000/m"]


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def building_points(n=2000):
    con = sqlite3.connect(BASE)
    total = con.execute("SELECT count(*) FROM buildings").fetchone()[0]
    step = max(1, total // n)
    out = []
    for x, y in con.execute("SELECT label_x, label_y FROM buildings WHERE fid % ? = 0 ORDER BY fid LIMIT ?", (step, n)):
        out.append((x, y))
    return out


def tiles(points, z=16):
    seen = []
    for x, y in points:
        n = 2 ** z
        tx = int((x + 180) / 360 * n)
        ty = int((1 - math.log(math.tan(math.radians(y)) + 1 / math.cos(math.radians(y))) / math.pi) / 2 * n)
        p = f"/tiles/{z}/{tx}/{ty}.mvt"
        if p not in seen:
            seen.append(p)
    return seen


def lua_paths(paths, name):
    """wrk script cycling over GET paths, each thread from its own offset."""
    body = ",\n".join(json.dumps(p) for p in paths)
    path = f"{WORK}/store-{name}.lua"
    open(path, "w").write(f"""local paths = {{
{body}
}}
local threads = 0
function setup(thread) thread:set("offset", threads); threads = threads + 1 end
function init(args) index = offset * 7919 end
function request()
  index = index + 1
  return wrk.format("GET", paths[(index % #paths) + 1])
end
""")
    return path


def lua_gps(tokens, points, batch, name):
    """wrk script: OsmAnd GETs (batch 0) or native batches of `batch` fixes, every fix new."""
    toks = ",".join(json.dumps(t) for t in tokens)
    pts = ",".join(f"{{{x:.7f},{y:.7f}}}" for x, y in points[:200])
    t0 = int(time.time()) - 86400 + random.randint(0, 1000) * 60
    path = f"{WORK}/store-{name}.lua"
    if batch == 0:
        req = f"""  local p = points[(n % #points) + 1]
  local d = n % {DEVICES}
  return wrk.format("GET", string.format("/?id=bench-%d&lat=%.7f&lon=%.7f&timestamp=%d&token=%s", d, p[2], p[1], {t0} + n * 2 + offset, tokens[d + 1]))"""
    else:
        req = f"""  local d = n % {DEVICES}
  local parts = {{}}
  for k = 1, {batch} do
    local p = points[((n + k) % #points) + 1]
    parts[k] = string.format('{{"time":%d,"lat":%.7f,"lon":%.7f}}', {t0} + (n * {batch} + k) * 2 + offset, p[2], p[1])
  end
  return wrk.format("POST", "/api/v1/positions", {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[d + 1]}}, "[" .. table.concat(parts, ",") .. "]")"""
    open(path, "w").write(f"""local tokens = {{{toks}}}
local points = {{{pts}}}
local threads = 0
function setup(thread) thread:set("offset", threads); threads = threads + 1 end
function init(args) n = 0 end
function request()
  n = n + 1
{req}
end
""")
    return path


def lua_cases(token, points, name):
    pts = ",".join(f"{{{x:.7f},{y:.7f}}}" for x, y in points)
    path = f"{WORK}/store-{name}.lua"
    open(path, "w").write(f"""local points = {{{pts}}}
local categories = {{"0101", "0102", "0104", "0201", "0301", "0501"}}
local i = 0
function request()
  i = i + 1
  local p = points[(i % #points) + 1]
  local body = string.format('{{"category":"%s","description":"bench report %d","lon":%.7f,"lat":%.7f}}', categories[(i % #categories) + 1], i, p[1], p[2])
  return wrk.format("POST", "/api/v1/cases", {{["Content-Type"] = "application/json", ["Authorization"] = "Bearer {token}"}}, body)
end
""")
    return path


def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    x = float(m.group(1))
    return x / 1000 if m.group(2) == "us" else x * 1000 if m.group(2) == "s" else x


def check(url, paths, header=None):
    """Every path answers 2xx (a benchmark of errors measures nothing)."""
    for p in paths[:20]:
        req = urllib.request.Request(url + p, headers=dict([header.split(": ", 1)]) if header else {})
        with urllib.request.urlopen(req, timeout=30) as r:
            if not 200 <= r.status < 300:
                raise SystemExit(f"{p}: HTTP {r.status}")


def wrk(url, script, connections=16, header=None):
    args = ["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--latency", "-s", script]
    if header:
        args += ["-H", header]
    subprocess.run(args[:3] + ["-d2s"] + args[4:] + [url], capture_output=True)  # warm-up
    text = subprocess.run(args + [url], capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return {"rate": rate, "p50": ms(re.search(r"^\s*50%\s+(\S+)", text, re.M).group(1)),
            "p99": ms(re.search(r"^\s*99%\s+(\S+)", text, re.M).group(1)), "errors": int(non2xx.group(1)) if non2xx else 0}


def prepare(kind):
    if kind == "file":
        db = f"{WORK}/store-bench.gpkg"
        for s in ("", "-wal", "-shm"):
            if os.path.exists(db + s):
                os.remove(db + s)
        shutil.copy(BASE, db)
        return db
    name = f"store_bench_{int(time.time())}"
    sh("psql", CLUSTER, "-qc", f"CREATE DATABASE {name}")
    db = CLUSTER.rsplit("/", 1)[0] + "/" + name
    sh(BIN, "db", "copy", "--from", BASE, "--to", db)
    return db


def start(db, servers):
    procs, urls = [], []
    for _ in range(servers):
        port = free_port()
        procs.append(subprocess.Popen([BIN, "serve", "--db", db, "--port", str(port), "--log-level", "error", "--tile-cache", "0",
                                       "--public", "districts,streets,communities,grids,buildings,roads"] + LIMITS,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        urls.append(f"http://127.0.0.1:{port}")
    for u in urls:
        wait_health(u)
    if servers == 1:
        return procs, urls[0]
    port = free_port()
    d = os.path.abspath(f"{WORK}/nginx")
    os.makedirs(d, exist_ok=True)
    ups = " ".join(f"server {u[7:]};" for u in urls)
    open(f"{d}/nginx.conf", "w").write(f"""worker_processes 1;
pid {d}/nginx.pid; error_log {d}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/f; uwsgi_temp_path {d}/u; scgi_temp_path {d}/s;
  upstream civicgrid {{ {ups} keepalive 64; }}
  server {{ listen 127.0.0.1:{port}; location / {{ proxy_pass http://civicgrid; proxy_http_version 1.1; proxy_set_header Connection ""; }} }}
}}
""")
    procs.append(subprocess.Popen(["nginx", "-p", d, "-c", f"{d}/nginx.conf", "-g", "daemon off;"], stderr=subprocess.DEVNULL))
    time.sleep(0.5)
    return procs, f"http://127.0.0.1:{port}"


def run(kind, servers, label):
    db = prepare(kind)
    tokens = []
    for d in range(DEVICES):
        out = sh(BIN, "devices", "add", "--db", db, "--id", f"bench-{d}", "--member", f"bench {d}")
        tokens.append(next(l for l in out.splitlines() if l.startswith("token")).split()[-1])
    centre = sh(BIN, "users", "add", "--db", db, "--name", "bench centre", "--role", "dispatcher", "--region", "320599").split()[-1]
    procs, url = start(db, servers)
    points = building_points()
    random.seed(7)
    boxes = []
    for x, y in random.sample(points, 300):
        boxes.append(f"/collections/buildings/items?bbox={x - 0.002:.5f},{y - 0.002:.5f},{x + 0.002:.5f},{y + 0.002:.5f}&limit=100")
    statuses = ["", "&status=reported", "&status=dispatched", "&source=grid_staff", "&status=reported,verified,filed"]
    results = {}
    try:
        results["GPS batched (100 fixes)"] = wrk(url, lua_gps(tokens, points, 100, "batch"), connections=8)
        results["GPS single (OsmAnd)"] = wrk(url, lua_gps(tokens, points, 0, "single"), connections=32)
        check(url, tiles(points))
        check(url, boxes)
        lists = [f"/api/v1/cases?limit=50{s}" for s in statuses]
        check(url, lists, f"Authorization: Bearer {centre}")
        results["tiles, cold (z16)"] = wrk(url, lua_paths(tiles(points), "tiles"))
        results["features (bbox, 100)"] = wrk(url, lua_paths(boxes, "features"))
        results["cases intake"] = wrk(url, lua_cases(centre, points, "cases"), connections=32)
        results["cases list"] = wrk(url, lua_paths(lists, "caselist"), header=f"Authorization: Bearer {centre}")
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait()
    return label, results


configs = [run("file", 1, "GeoPackage file, 1 server"), run("postgres", 1, "PostgreSQL, 1 server"),
           run("postgres", 3, "PostgreSQL, 3 servers + nginx")]
json.dump(configs, open(f"{WORK}/store.json", "w"), indent=1)
names = list(configs[0][1].keys())
print("| workload | " + " | ".join(c[0] for c in configs) + " |")
print("|---|" + "---|" * len(configs))
for n in names:
    base = configs[0][1][n]["rate"]
    cells = []
    for i, (_, r) in enumerate(configs):
        x = r[n]
        ratio = "" if i == 0 else f" (×{x['rate'] / base:.2f})"
        errors = f", {x['errors']} non-2xx" if x["errors"] else ""
        cells.append(f"{x['rate']:,.0f}/s{ratio}; p50 {x['p50']:.1f} ms, p99 {x['p99']:.1f} ms{errors}")
    print(f"| {n} | " + " | ".join(cells) + " |")
