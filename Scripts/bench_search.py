"""Helpers of Scripts/bench-search.

  requests URL ADMIN VIEWER DB W  wrk over each kind of query (W/search-requests.json)
  anchor DB W                     the LIKE scan with hyperfine (W/search-anchor.json)
  table DB W                      the Markdown table
"""
import json
import re
import sqlite3
import subprocess
import sys
import urllib.parse
import urllib.request


def ms(text):
    v = float(re.match(r"[\d.]+", text).group(0))
    return v * 1000 if text.endswith("s") and not text.endswith("ms") and not text.endswith("us") else v / 1000 if text.endswith("us") else v


def full_name(db):
    con = sqlite3.connect(db)
    return con.execute("SELECT name FROM people WHERE length(name) = 3 ORDER BY id LIMIT 1 OFFSET 5000").fetchone()[0]


def queries(db, url, admin):
    con = sqlite3.connect(db)
    one = lambda sql: con.execute(sql).fetchone()[0]
    household = one("SELECT household FROM people WHERE id_sealed IS NOT NULL ORDER BY id LIMIT 1 OFFSET 7000")
    req = urllib.request.Request(f"{url}/api/v1/households/{household}/members?unmask=true", headers={"Authorization": f"Bearer {admin}"})
    id_number = next(p["id_number"] for p in json.loads(urllib.request.urlopen(req).read()) if p.get("id_number"))
    return [
        ("a surname (王)", "王"),
        ("a full name", full_name(db)),
        ("an ID number", id_number),
        ("an address", one("SELECT address FROM buildings WHERE address IS NOT NULL ORDER BY fid LIMIT 1 OFFSET 3000")),
        ("an organisation (a word of its name)", one("SELECT substr(name, 1, 2) FROM organisations ORDER BY fid LIMIT 1 OFFSET 200")),
        ("a case number (its day)", one("SELECT substr(number, 1, 8) FROM cases ORDER BY fid DESC LIMIT 1")),
        ("a facility code", one("SELECT code FROM facilities ORDER BY fid LIMIT 1 OFFSET 300")),
        ("a grid code", one("SELECT code FROM published_grids ORDER BY code LIMIT 1 OFFSET 50")),
        ("a community", one("SELECT name FROM regions WHERE level = 'community' ORDER BY code LIMIT 1 OFFSET 6")),
    ]


def requests(url, admin, viewer, db, work):
    out = []
    for name, q in queries(db, url, admin):
        for role, token in (("admin", admin), ("viewer", viewer)):
            if role == "viewer" and name in ("an ID number",):
                continue
            path = "/api/v1/search?" + urllib.parse.urlencode({"q": q})
            body = urllib.request.urlopen(urllib.request.Request(url + path, headers={"Authorization": f"Bearer {token}"})).read()
            hits = json.loads(body)
            kinds = sorted({h["kind"] for h in hits})
            args = ["wrk", "-t2", "-c8", "-d5s", "--latency", "-H", f"Authorization: Bearer {token}", url + path]
            subprocess.run(args[:4] + ["-d1s"] + args[5:], capture_output=True)  # warm-up
            text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
            p50 = ms(re.search(r"^\s*50%\s+(\S+)", text, re.M).group(1))
            p99 = ms(re.search(r"^\s*99%\s+(\S+)", text, re.M).group(1))
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
            out.append({"name": name, "role": role, "q": q if name != "an ID number" else q[:3] + "…", "hits": len(hits), "kinds": kinds,
                        "rate": rate, "p50": p50, "p99": p99, "errors": int(errors.group(1)) if errors else 0})
    json.dump(out, open(f"{work}/search-requests.json", "w"), indent=1, ensure_ascii=False)


def anchor_sql(name):
    return f"""SELECT p.id, p.name, b.address, h.unit FROM people p JOIN households h ON h.id = p.household JOIN buildings b ON b.fid = h.building
WHERE p.name LIKE '%{name}%' ORDER BY p.name, p.id LIMIT 10;
"""


def anchor(db, work):
    open(f"{work}/search-anchor.sql", "w").write(anchor_sql(full_name(db)))
    subprocess.run(["hyperfine", "-r", "3", "--export-json", f"{work}/search-anchor.json", f"sqlite3 {db} < {work}/search-anchor.sql"],
                   check=True, capture_output=True)


def table(db, work):
    con = sqlite3.connect(db)
    count = lambda t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
    reqs = json.load(open(f"{work}/search-requests.json"))
    anchor_s = json.load(open(f"{work}/search-anchor.json"))["results"][0]["mean"]
    print(f"{count('people'):,} people in {count('households'):,} households, {count('buildings'):,} buildings, {count('organisations'):,} organisations, "
          f"{count('facilities'):,} facilities, {count('cases'):,} cases; one run on this machine (2 cores).\n")
    full = next(r for r in reqs if r["name"] == "a full name" and r["role"] == "admin")
    print("| what | CivicGrid | anchor: LIKE scan over the people | ratio |")
    print("|---|---|---|---|")
    print(f"| a full name, the first 10 by name | {full['p50']:.2f} ms (p50 over HTTP, recorded) | {anchor_s * 1000:,.0f} ms | {anchor_s * 1000 / full['p50']:,.0f}× |")
    print("\n| query (wrk, 2 threads, 8 connections, 5 s) | as | hits (kinds) | requests/s | p50 | p99 | errors |")
    print("|---|---|---|---|---|---|---|")
    for r in reqs:
        print(f"| {r['name']}: `{r['q']}` | {r['role']} | {r['hits']} ({', '.join(r['kinds'])}) | {r['rate']:,.0f} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | {r['errors']} |")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "requests":
        requests(*sys.argv[2:7])
    elif cmd == "anchor":
        anchor(*sys.argv[2:4])
    elif cmd == "table":
        table(*sys.argv[2:4])
