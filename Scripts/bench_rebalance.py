"""The rebalance rows of Scripts/bench-partition.

  grow DB SHARE OUT   new buildings holding SHARE more households in every community (near
                      existing buildings of over 20 households, inside the community, at most
                      120 households each), written as GeoJSON to OUT for `import buildings`;
                      the same growth as Tests/GridPlanningTests/RebalanceTests.swift.
  measure DB METHOD   for every community, its newest draft made by METHOD (rebalance or
                      partition) against its published plan: households of the published
                      plan kept in their grid (a rebalance by grid code; a fresh division by
                      matching each old grid to the new grid holding most of its households,
                      greedily) and grids out of band in communities whose total allows the
                      band (grids of one building over 500 excepted). Prints one JSON object.
"""
import json, sqlite3, sys
import shapely
from bench_partition import MIN, MAX, geom


def feasible(total):
    return any(k * MIN <= total <= k * MAX for k in range(1, total // MIN + 2))


def grow(db, share, out):
    con = sqlite3.connect(db)
    features = []
    for code, blob in con.execute("SELECT code, geom FROM regions WHERE level = 'community' ORDER BY code"):
        community = geom(blob)
        rows = con.execute("SELECT fid, label_x, label_y, households FROM buildings WHERE community = ? ORDER BY fid", (code,)).fetchall()
        wanted = int(sum(r[3] for r in rows if r[3] > 20) * share)
        for i, (fid, x, y, hh) in enumerate(r for r in rows if r[3] > 20):
            if wanted <= 0:
                break
            if i % 3:
                continue
            d, x, y = 0.00004, x + 0.00012, y + 0.00012
            if not community.contains(shapely.Point(x + d / 2, y + d / 2)):
                continue
            households = min(120, wanted)
            wanted -= households
            features.append({"type": "Feature", "properties": {"ref": f"NEW-{code}-{i}", "households": households},
                             "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}})
    json.dump({"type": "FeatureCollection", "features": features}, open(out, "w"))
    print(sum(f["properties"]["households"] for f in features))


def measure(db, method):
    con = sqlite3.connect(db)
    kept = total = out_of_band = grids = 0
    for (code,) in con.execute("SELECT code FROM regions WHERE level = 'community' ORDER BY code").fetchall():
        old = con.execute("SELECT id FROM plans WHERE community = ? AND status = 'published'", (code,)).fetchone()
        new = con.execute("SELECT id FROM plans WHERE community = ? AND status = 'draft' AND json_extract(params, '$.method') = ? "
                          "AND json_extract(params, '$.max_moved') IS NULL ORDER BY id DESC LIMIT 1", (code, method)).fetchone()
        if not old or not new:
            continue
        hh = dict(con.execute("SELECT fid, households FROM buildings WHERE community = ?", (code,)).fetchall())
        before = dict(con.execute("SELECT building, grid FROM grid_buildings WHERE plan = ?", (old[0],)).fetchall())
        after = dict(con.execute("SELECT building, grid FROM grid_buildings WHERE plan = ?", (new[0],)).fetchall())
        identity = {}
        if method == "rebalance":
            by_code = dict(con.execute("SELECT code, fid FROM grids WHERE plan = ?", (new[0],)).fetchall())
            for fid, c in con.execute("SELECT fid, code FROM grids WHERE plan = ?", (old[0],)):
                identity[fid] = by_code.get(c)
        else:
            shared = {}
            for b, g in before.items():
                if b in after:
                    shared[(g, after[b])] = shared.get((g, after[b]), 0) + hh.get(b, 0)
            used = set()
            for (g, n), _ in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])):
                if g not in identity and n not in used:
                    identity[g] = n
                    used.add(n)
        for b, g in before.items():
            total += hh.get(b, 0)
            if identity.get(g) is not None and after.get(b) == identity[g]:
                kept += hh.get(b, 0)
        rows = con.execute("SELECT g.households, (SELECT max(b.households) FROM grid_buildings gb JOIN buildings b ON b.fid = gb.building "
                           "WHERE gb.grid = g.fid) FROM grids g WHERE g.plan = ?", (new[0],)).fetchall()
        grids += len(rows)
        if feasible(sum(hh.values())):
            out_of_band += sum(1 for h, largest in rows
                               if not (MIN <= h <= MAX) and not ((largest or 0) > MAX and h - largest < MIN))
    print(json.dumps({"kept": kept / total if total else 1, "out_of_band": out_of_band, "grids": grids}))


if __name__ == "__main__":
    if sys.argv[1] == "grow":
        grow(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    else:
        measure(sys.argv[2], sys.argv[3])
