"""The role × field matrix of personal data; see Scripts/check-personal.

usage: check_personal.py BASE DB TOKENS.json SERVER.log
Prints a JSON summary (answers and bytes per role, leaks) and exits 1 on any leak or failure.
"""
import json
import math
import re
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request

BASE, DB, TOKENS, LOG = sys.argv[1].rstrip("/"), sys.argv[2], json.load(open(sys.argv[3])), sys.argv[4]
ROLES = ["anonymous", "viewer", "planner", "dispatcher", "department", "member", "admin"]
failures = []
missing = [r for r in ROLES if r != "anonymous" and not TOKENS.get(r)]
if missing:
    print("FAILED: no token for", missing, file=sys.stderr)
    sys.exit(1)


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAILED:", what, file=sys.stderr)


def get(path, role):
    headers = {"Authorization": "Bearer " + TOKENS[role]} if role != "anonymous" else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(BASE + path, headers=headers), timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
q = lambda sql, *a: con.execute(sql, a).fetchall()
# The personal values: names and phones of people, household heads, organisations' contacts and
# cases' reporters; the ID numbers as the admin reads them whole (the database holds them sealed).
secrets = {v for row in q("SELECT name, phone FROM people") for v in row if v}
secrets |= {v for row in q("SELECT head_name, phone FROM households") for v in row if v}
secrets |= {v for row in q("SELECT contact_name, contact_phone FROM organisations") for v in row if v}
secrets |= {v for row in q("SELECT reporter_name, reporter_phone FROM cases") for v in row if v}
households = [h for (h,) in q("SELECT DISTINCT household FROM people ORDER BY household")]
ids = set()
for h in households:
    s, body = get(f"/api/v1/households/{h}/members?unmask=true", "admin")
    check(s == 200, f"the admin reads household {h} whole ({s})")
    ids |= {p["id_number"] for p in json.loads(body) if p.get("id_number")}
check(len(ids) > 1000, f"ID numbers to look for ({len(ids)})")
secrets |= ids
# Single characters and short numbers would match anything: names have two characters or more.
secrets = sorted(v for v in secrets if len(v) >= 2)
check(len(secrets) > 5000, f"personal values to look for ({len(secrets)})")

# What every role asks.
records = q("SELECT DISTINCT b.fid, b.label_x, b.label_y FROM households h JOIN buildings b ON b.fid = h.building ORDER BY b.fid")
tiles = sorted({(z, *tile(x, y, z)) for _, x, y in records for z in (14, 15, 16)})
collections = [c["id"] for c in json.loads(get("/collections", "admin")[1])["collections"]]
cases = [n for (n,) in q("SELECT number FROM cases WHERE reporter_name IS NOT NULL OR reporter_phone IS NOT NULL ORDER BY fid LIMIT 15")]
people = q("SELECT name, phone FROM people ORDER BY id LIMIT 25")
organisations = [c for (c,) in q("SELECT code FROM organisations ORDER BY fid LIMIT 15")]
district = q("SELECT code FROM regions WHERE level = 'district'")[0][0]
requests = [f"/tiles/{z}/{x}/{y}.mvt" for z, x, y in tiles] + [f"/api/v1/cases/tiles/{z}/{x}/{y}.mvt" for z, x, y in tiles if z == 16]
requests += [f"/collections/{c}/items?limit=10000" for c in collections]
requests += ["/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/services.json", "/api/v1/cases?limit=1000", "/api/v1/me",
             f"/api/v1/statistics/basic?region={district}", f"/api/v1/indicators?level=person&period=2026-11", "/api/v1/updates", "/api/v1/live",
             "/api/v1/regions", "/api/v1/departments"]
requests += [f"/open311/v2/requests/{n}.json" for n in cases] + [f"/api/v1/cases/{n}" for n in cases]
requests += ["/api/v1/search?" + urllib.parse.urlencode({"q": v}) for name, phone in people for v in (name, phone) if v]
requests += ["/api/v1/search?" + urllib.parse.urlencode({"q": v}) for v in sorted(ids)[:10]]
requests += [f"/api/v1/buildings/{b}/households" for b, _, _ in records[:40]]
requests += [f"/api/v1/households/{h}/members" for h in households[:40]]
requests += [f"/api/v1/organisations/{c}" for c in organisations]

# Every run of Chinese characters and of digits in an answer, and its substrings as long as a
# secret can be: a set lookup each, not a scan of the answer per secret.
RUNS = re.compile(r"[\u3400-\u9fff]+|[0-9]+[0-9X]?")
LENGTHS = sorted({len(v) for v in secrets})
SECRETS = set(secrets)
# Any other (a Latin name, a phone with a +): looked for the slow way.
OTHERS = [v for v in secrets if not RUNS.fullmatch(v)]


def found_in(body):
    text = body.decode("utf-8", errors="replace")
    hits = set()
    for run in RUNS.findall(text):
        for n in LENGTHS:
            for i in range(0, len(run) - n + 1):
                if run[i:i + n] in SECRETS:
                    hits.add(run[i:i + n])
    return sorted(hits | {v for v in OTHERS if v in text})


# Whole by design, and recorded: the case's reporter for the command centre (admin,
# dispatcher); a person search for the admin.
def exempt(role, path):
    return (role in ("admin", "dispatcher") and path.startswith("/api/v1/cases/") and "/tiles/" not in path) or \
           (role == "admin" and path.startswith("/api/v1/search"))


summary, leaks = {}, []
for role in ROLES:
    answered = refused = size = 0
    for path in requests:
        s, body = get(path, role)
        if s >= 500:
            check(False, f"{role} {path} -> {s}")
        if s == 200:
            answered += 1
        else:
            refused += 1
        size += len(body)
        if exempt(role, path):
            continue
        found = found_in(body)
        if found:
            leaks.append((role, path, found[:3]))
    summary[role] = {"answered": answered, "refused": refused, "bytes": size}
check(not leaks, f"no personal value in an answer a role may not read whole: {leaks[:5]}")

# The exempt reads were recorded.
con2 = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
log = con2.execute("SELECT role, what, count(*) FROM access_log GROUP BY role, what").fetchall()
recorded = {(r, w): n for r, w, n in log}
check(recorded.get(("dispatcher", "case reporter"), 0) >= len(cases), f"the dispatcher's reads of reporters recorded: {recorded}")
check(recorded.get(("admin", "people search"), 0) > 0, f"the admin's people searches recorded: {recorded}")

# And the server's log holds none of them.
text = open(LOG, "rb").read()
logged = found_in(text)
check(not logged, f"no personal value in the server's log ({len(text)} bytes): {logged[:5]}")
print(json.dumps({"personal_values": len(secrets), "looked_for_the_slow_way": len(OTHERS), "requests_per_role": len(requests), "roles": summary, "leaks": len(leaks),
                  "log_bytes": len(text), "failures": len(failures)}, ensure_ascii=False))
sys.exit(1 if failures else 0)
