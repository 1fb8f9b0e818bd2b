"""Scripts/check-failover's run: three `civicgrid serve` behind nginx over a PostgreSQL primary
with a streaming standby that confirms every commit (synchronous_commit on, the standby named
in synchronous_standby_names); GPS fixes (single OsmAnd requests and native batches) and case
reports (each with an Idempotency-Key) arrive without pause, and each client retries what got
no answer, the same request again, until it is answered; a quarter of the way in one server is
killed with -9, a little before halfway the primary is stopped (immediate: a crash for its
clients) and the standby promoted; the servers carry on over the URL's second host. At the
end, on the promoted standby: every acknowledged fix and case must be there, no report
filed twice, and writes acknowledged both after the kill and after the promotion.

  check_failover.py BIN WORK SECONDS

Prints what happened and the counts; exits 1 when a write is missing or doubled."""
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

from common import free_port, wait_health

BIN, WORK, SECONDS = sys.argv[1], os.path.abspath(sys.argv[2]), float(sys.argv[3])
PG = "/usr/lib/postgresql/15/bin"
ROOT = os.getuid() == 0
LIMITS = ["--rate-limit", "gps-device=100000000/m", "--rate-limit", "gps-address=100000000/m"]
DEVICES, CASE_CLIENTS = 6, 3


def as_postgres(args):
    return (["runuser", "-u", "postgres", "--"] if ROOT else []) + args


def sh(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])}…: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    return r.stdout


def psql(port, sql, db="civicgrid"):
    return sh(["psql", f"postgres://civicgrid@127.0.0.1:{port}/{db}", "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])


def cluster(name, port, conf, make):
    data = f"{WORK}/{name}"
    make(data)
    sh(as_postgres([f"{PG}/pg_ctl", "-D", data, "-l", f"{WORK}/{name}.log", "-w", "-t", "60", "start", "-o",
                    f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={data} -c max_connections=200 {conf}"]))
    return data


# MARK: Set-up

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
if ROOT:
    shutil.chown(WORK, "postgres")
primary_port, standby_port = free_port(), free_port()
primary = cluster("primary", primary_port, "-c wal_level=replica -c max_wal_senders=4 -c synchronous_standby_names='*' -c synchronous_commit=on",
                  lambda d: sh(as_postgres([f"{PG}/initdb", "-D", d, "-U", "civicgrid", "--auth=trust", "--locale=C.UTF-8", "--encoding=UTF8"])))
standby = cluster("standby", standby_port, "-c hot_standby=on",
                  lambda d: sh(as_postgres([f"{PG}/pg_basebackup", "-h", "127.0.0.1", "-p", str(primary_port), "-U", "civicgrid", "-D", d,
                                            "-R", "-X", "stream"])))
servers, nginx = [], None
try:
    for _ in range(100):
        state = psql(primary_port, "SELECT sync_state FROM pg_stat_replication", "postgres").strip()
        if state == "sync":
            break
        time.sleep(0.1)
    else:
        raise SystemExit(f"the standby never became synchronous ({state!r})")
    psql(primary_port, "CREATE DATABASE civicgrid", "postgres")
    setup_url = f"postgres://civicgrid@127.0.0.1:{primary_port}/civicgrid"
    for args in (["demo", "load", "--data", "Data/demo"], ["partition"], ["plans", "publish", "--all"],
                 ["categories", "import", "Data/cases/categories.csv"], ["departments", "import", "Data/cases/departments.csv"],
                 ["calendar", "import", "Data/cases/calendar-2026.json"]):
        sh([BIN] + args + ["--db", setup_url])
    tokens = {}
    for d in range(DEVICES):
        out = sh([BIN, "devices", "add", "--db", setup_url, "--id", f"fo-{d}", "--member", f"failover {d}"])
        tokens[f"fo-{d}"] = next(l for l in out.splitlines() if l.startswith("token")).split()[-1]
    centre = sh([BIN, "users", "add", "--db", setup_url, "--name", "failover centre", "--role", "dispatcher", "--region", "320599"]).split()[-1]
    points = [tuple(map(float, line.split("|"))) for line in psql(primary_port, "SELECT label_x, label_y FROM buildings ORDER BY fid LIMIT 400").split()]

    # Both hosts in the URL: a session goes to the one that takes writes.
    url = f"postgres://civicgrid@127.0.0.1:{primary_port},127.0.0.1:{standby_port}/civicgrid"
    for i in range(3):
        port = free_port()
        log = open(f"{WORK}/server{i + 1}.log", "w")
        servers.append((subprocess.Popen([BIN, "serve", "--db", url, "--port", str(port), "--log-level", "warning"] + LIMITS,
                                         stdout=log, stderr=subprocess.STDOUT), port))
    for _, port in servers:
        wait_health(f"http://127.0.0.1:{port}")
    front = free_port()
    d = f"{WORK}/nginx"
    os.makedirs(d)
    upstreams = " ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for _, p in servers)
    open(f"{d}/nginx.conf", "w").write(f"""worker_processes 1;
pid {d}/nginx.pid; error_log {d}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/f; uwsgi_temp_path {d}/u; scgi_temp_path {d}/s;
  upstream civicgrid {{ {upstreams} keepalive 32; }}
  server {{ listen 127.0.0.1:{front}; location / {{ proxy_pass http://civicgrid; proxy_http_version 1.1; proxy_set_header Connection "";
                                                      proxy_connect_timeout 2s; proxy_read_timeout 60s; }} }}
}}
""")
    nginx = subprocess.Popen(["nginx", "-p", d, "-c", f"{d}/nginx.conf", "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    wait_health(f"http://127.0.0.1:{front}")

    # MARK: Load

    lock = threading.Lock()
    acked_fixes, acked_cases = [], []  # (device, time, at) and (key, number, at, replayed)
    retried = {"fixes": 0, "cases": 0}
    unanswered = {"fixes": 0, "cases": 0}
    refused = []
    stop_new = threading.Event()
    started = time.monotonic()
    give_up = started + SECONDS + 90

    def send(method, path, body=None, headers=None):
        """One attempt through the balancer: (status, body), or (None, error) without an answer."""
        try:
            c = http.client.HTTPConnection("127.0.0.1", front, timeout=30)
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            c.close()
            return r.status, data, r.headers
        except OSError as e:
            return None, str(e).encode(), {}

    def until_answered(kind, attempt):
        """Repeats the same request until a 2xx (or the end): its reply, or None."""
        first = True
        while time.monotonic() < give_up:
            status, data, headers = attempt()
            if status is not None and 200 <= status < 300:
                return data, headers
            if status is not None and status < 500 and status not in (408, 429):
                with lock:
                    refused.append(f"{kind}: {status} {data[:300]!r}")
                return None
            if first:
                with lock:
                    retried[kind] += 1
                first = False
            time.sleep(0.1)
        with lock:
            unanswered[kind] += 1
        return None

    def single_fixes(device, offset):
        t0 = int(time.time()) - 7200
        k = 0
        while not stop_new.is_set():
            x, y = points[(k + offset) % len(points)]
            t = t0 + k * 10
            path = f"/?id={device}&lat={y:.7f}&lon={x:.7f}&timestamp={t}&token={tokens[device]}"
            if until_answered("fixes", lambda: send("GET", path)) is not None:
                with lock:
                    acked_fixes.append((device, t, time.monotonic()))
            k += 1

    def batches(device):
        t0 = int(time.time()) - 7200
        k = 0
        while not stop_new.is_set():
            times = [t0 + (k * 20 + j) * 5 for j in range(20)]
            body = json.dumps([{"time": t, "lon": points[(k + j) % len(points)][0], "lat": points[(k + j) % len(points)][1]}
                               for j, t in enumerate(times)])
            headers = {"Authorization": f"Bearer {tokens[device]}", "Content-Type": "application/json"}
            if until_answered("fixes", lambda: send("POST", "/api/v1/positions", body, headers)) is not None:
                now = time.monotonic()
                with lock:
                    acked_fixes.extend((device, t, now) for t in times)
            k += 1

    def reports(client):
        k = 0
        while not stop_new.is_set():
            key = str(uuid.uuid4())
            x, y = points[(k * 7 + client) % len(points)]
            body = json.dumps({"category": "0101", "description": f"failover {key}", "lon": x, "lat": y})
            headers = {"Authorization": f"Bearer {centre}", "Content-Type": "application/json", "Idempotency-Key": key}
            reply = until_answered("cases", lambda: send("POST", "/api/v1/cases", body, headers))
            if reply is not None:
                data, h = reply
                with lock:
                    acked_cases.append((key, json.loads(data)["number"], time.monotonic(), h.get("Idempotent-Replayed") == "true"))
            k += 1

    workers = [threading.Thread(target=single_fixes, args=(f"fo-{d}", d * 50)) for d in range(DEVICES - 1)]
    workers.append(threading.Thread(target=batches, args=(f"fo-{DEVICES - 1}",)))
    workers += [threading.Thread(target=reports, args=(c,)) for c in range(CASE_CLIENTS)]
    for w in workers:
        w.start()
    events = []

    def at(fraction):
        time.sleep(max(0.0, started + SECONDS * fraction - time.monotonic()))
        return time.monotonic() - started

    killed_at = at(0.25)
    servers[1][0].kill()
    events.append(f"{killed_at:.1f} s server 2 killed (-9)")
    # The primary stops at 0.45 of the run — and not before three fixes were acknowledged after
    # the kill (30 s at most), so that routing around the dead server is seen however slowly a
    # loaded machine answers (a fresh-clone run with another process holding a core had none
    # in the 5.5 s between).
    at(0.45)
    waited = time.monotonic() + 30
    while time.monotonic() < waited and sum(1 for r in acked_fixes if r[2] - started >= killed_at) < 3:
        time.sleep(0.1)
    stopped_at = time.monotonic() - started
    sh(as_postgres([f"{PG}/pg_ctl", "-D", primary, "-m", "immediate", "-w", "stop"]))
    events.append(f"{stopped_at:.1f} s primary stopped (immediate)")
    time.sleep(1)
    sh(as_postgres([f"{PG}/pg_ctl", "-D", standby, "-w", "promote"]))
    promoted_at = time.monotonic() - started
    events.append(f"{promoted_at:.1f} s standby promoted")
    at(1.0)
    waited = time.monotonic() + 30  # and three fixes after the promotion, as above
    while time.monotonic() < waited and sum(1 for r in acked_fixes if r[2] - started >= promoted_at) < 3:
        time.sleep(0.1)
    stop_new.set()
    for w in workers:
        w.join()
    events.append(f"{time.monotonic() - started:.1f} s load stopped, every request answered or given up")

    # MARK: Verdict, on the promoted standby

    stored = set()
    for line in psql(standby_port, "SELECT device, time::bigint FROM pings WHERE device LIKE 'fo-%'").split():
        device, t = line.split("|")
        stored.add((device, int(t)))
    cases = {}
    for line in psql(standby_port, "SELECT number || '|' || description FROM cases WHERE description LIKE 'failover %'").splitlines():
        number, description = line.split("|", 1)
        cases.setdefault(description[len("failover "):], []).append(number)
    missing_fixes = [(d, t) for d, t, _ in acked_fixes if (d, t) not in stored]
    missing_cases = [(k, n) for k, n, _, _ in acked_cases if n not in cases.get(k, [])]
    doubled = {k: v for k, v in cases.items() if len(v) > 1}
    window = lambda rows, i, a, b: sum(1 for r in rows if a <= r[i] - started < b)
    print(f"failover: 3 servers behind nginx over a PostgreSQL primary with a synchronous streaming standby; {SECONDS:.0f} s of load "
          f"({DEVICES - 1} phones sending single fixes, 1 sending batches of 20, {CASE_CLIENTS} clients reporting cases)")
    for e in events:
        print("  " + e)
    print(f"fixes: {len(acked_fixes)} acknowledged ({window(acked_fixes, 2, killed_at, stopped_at)} after the kill, before the primary stopped; "
          f"{window(acked_fixes, 2, promoted_at, 1e9)} after the promotion), {len(missing_fixes)} missing; "
          f"{retried['fixes']} requests retried, {unanswered['fixes']} never answered; {len(stored)} stored")
    print(f"cases: {len(acked_cases)} acknowledged ({window(acked_cases, 2, killed_at, stopped_at)} after the kill, before the primary stopped; "
          f"{window(acked_cases, 2, promoted_at, 1e9)} after the promotion), {len(missing_cases)} missing, {len(doubled)} filed twice; "
          f"{retried['cases']} reports retried ({sum(1 for c in acked_cases if c[3])} answered as replays), {unanswered['cases']} never answered")
    failures = []
    if missing_fixes:
        failures.append(f"acknowledged fixes missing, e.g. {missing_fixes[:5]}")
    if missing_cases:
        failures.append(f"acknowledged cases missing, e.g. {missing_cases[:5]}")
    if doubled:
        failures.append(f"reports filed twice, e.g. {list(doubled.items())[:3]}")
    if refused:
        failures.append(f"{len(refused)} requests refused, e.g. {refused[:3]}")
    if window(acked_fixes, 2, promoted_at, 1e9) == 0 or window(acked_cases, 2, promoted_at, 1e9) == 0:
        failures.append("nothing acknowledged after the promotion: the servers did not follow the standby")
    if window(acked_fixes, 2, killed_at, stopped_at) == 0:
        failures.append("nothing acknowledged between the kill and the primary's stop: the balancer did not route around")
    for f in failures:
        print("FAILED: " + f)
    print("missing 0, doubled 0" if not failures else "check-failover: failed")
    sys.exit(1 if failures else 0)
finally:
    if nginx:
        nginx.terminate()
    for p, _ in servers:
        p.terminate()
    for p, _ in servers:
        p.wait()
    for data in (f"{WORK}/primary", f"{WORK}/standby"):
        subprocess.run(as_postgres([f"{PG}/pg_ctl", "-D", data, "-m", "immediate", "stop"]), capture_output=True)
