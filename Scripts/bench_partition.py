"""The anchors of Scripts/bench-partition, on the same input as CivicGrid.

Reads a CivicGrid GeoPackage (communities, buildings with interior points and households,
roads), builds per community the building Voronoi cells clipped to the community, Queen
adjacency weighted by shared boundary length (edges whose two buildings a road separates
discounted x0.2), and partitions with:

  metis  pymetis, k = round(households / 425), contiguous parts, ufactor so the heaviest
         part may reach 500;
  maxp   spopt MaxPHeuristic with a floor of 350 households.

Prints one JSON object: seconds from buildings to an assignment (graph included), and the
same quality figures CivicGrid reports (band share, min/max, contiguity, Polsby-Popper in a
metric CRS, share of grid boundary within 3 m of a road).
"""
import json, sqlite3, sys, time
import numpy as np
import shapely
from shapely import STRtree
from pyproj import Transformer

MIN, MAX = 350, 500


def geom(blob):
    flags = blob[3]
    envelope = [0, 32, 48, 48, 64][(flags >> 1) & 7]
    return shapely.from_wkb(bytes(blob[8 + envelope:]))


def load(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    communities = [(c, geom(g)) for c, g in con.execute("SELECT code, geom FROM regions WHERE level = 'community' ORDER BY code")]
    buildings = {}
    for c, x, y, h in con.execute("SELECT community, label_x, label_y, households FROM buildings WHERE community IS NOT NULL ORDER BY fid"):
        buildings.setdefault(c, []).append((x, y, h))
    roads = [geom(g) for (g,) in con.execute("SELECT geom FROM roads")]
    return communities, buildings, roads


def community_graph(boundary_ll, points_ll, roads_ll):
    """Cells, weights and adjacency of one community, in a local transverse Mercator frame."""
    c = boundary_ll.centroid
    to_m = Transformer.from_crs("EPSG:4326", f"+proj=tmerc +lat_0={c.y} +lon_0={c.x} +k=1 +units=m +ellps=WGS84", always_xy=True)
    boundary = shapely.transform(boundary_ll, lambda a: np.column_stack(to_m.transform(a[:, 0], a[:, 1])))
    xs, ys = to_m.transform([p[0] for p in points_ll], [p[1] for p in points_ll])
    # Buildings sharing a point are one unit.
    units, index = {}, []
    for x, y, (_, _, h) in zip(xs, ys, points_ll):
        key = (round(x, 6), round(y, 6))
        if key not in units:
            units[key] = [x, y, 0]
            index.append(key)
        units[key][2] += h
    pts = shapely.points([(units[k][0], units[k][1]) for k in index])
    weights = [units[k][2] for k in index]
    if len(pts) == 1:
        cells = [boundary]
    else:
        vor = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=boundary, ordered=True)
        cells = list(shapely.intersection(shapely.get_parts(vor), boundary))
    roads = [shapely.transform(r, lambda a: np.column_stack(to_m.transform(a[:, 0], a[:, 1]))) for r in roads_ll]
    road_tree = STRtree(roads) if roads else None
    tree = STRtree(cells)
    left, right = tree.query(cells, predicate="intersects")
    adjacency = [[] for _ in cells]
    for a, b in zip(left, right):
        if a >= b:
            continue
        shared = shapely.intersection(cells[a].boundary, cells[b].boundary).length
        w = max(shared, 0.1)
        if road_tree is not None and len(road_tree.query(shapely.LineString([pts[a], pts[b]]), predicate="intersects")):
            w *= 0.2
        adjacency[a].append((b, w))
        adjacency[b].append((a, w))
    road_lines = shapely.union_all(roads) if roads else None
    return boundary, cells, weights, adjacency, road_lines


def metis(weights, adjacency):
    import pymetis
    total = sum(weights)
    k = max(1, round(total / 425))
    if k == 1 or len(weights) < 2:
        return [0] * len(weights)
    xadj, adjncy, ew = [0], [], []
    for nbrs in adjacency:
        for b, w in nbrs:
            adjncy.append(b)
            ew.append(int(round(w * 10)) + 1)
        xadj.append(len(adjncy))
    ufactor = max(1, int((MAX / (total / k) - 1) * 1000))
    options = pymetis.Options(ufactor=ufactor, contig=1)
    _, parts = pymetis.part_graph(k, adjacency=pymetis.CSRAdjacency(xadj, adjncy), vweights=weights, eweights=ew, options=options)
    return list(parts)


def maxp(cells, weights, adjacency):
    import geopandas, libpysal
    from spopt.region import MaxPHeuristic
    if sum(weights) < MIN or len(cells) < 2:
        return [0] * len(cells)
    gdf = geopandas.GeoDataFrame({"hh": weights, "x": [c.centroid.x for c in cells], "y": [c.centroid.y for c in cells]}, geometry=cells)
    w = libpysal.weights.W({i: [b for b, _ in n] or [i] for i, n in enumerate(adjacency)}, silence_warnings=True)
    model = MaxPHeuristic(gdf, w, ["x", "y"], "hh", MIN, 2, verbose=False)
    model.solve()
    return list(model.labels_)


def quality(boundary, cells, weights, parts, road_lines):
    groups = {}
    for i, p in enumerate(parts):
        groups.setdefault(p, []).append(i)
    out = []
    for members in groups.values():
        shape = shapely.union_all([cells[i] for i in members], grid_size=1e-6)
        out.append((sum(weights[i] for i in members), shape))
    edges = shapely.union_all([s.boundary for _, s in out])
    inner = shapely.difference(edges, boundary.boundary.buffer(0.5))
    on_road = shapely.intersection(inner, road_lines.buffer(3)).length if road_lines is not None and inner.length > 0 else 0
    return out, inner.length, on_road


def main():
    tool, db = sys.argv[1], sys.argv[2]
    communities, buildings, roads = load(db)
    road_tree = STRtree(roads) if roads else None
    seconds, households, contiguous, pp, inner, on_road = 0.0, [], 0, [], 0.0, 0.0
    for code, boundary_ll in communities:
        pts = buildings.get(code, [])
        if not pts:
            continue
        start = time.perf_counter()
        near = [roads[i] for i in road_tree.query(boundary_ll.buffer(0.0005))] if road_tree is not None else []
        boundary, cells, weights, adjacency, road_lines = community_graph(boundary_ll, pts, near)
        parts = metis(weights, adjacency) if tool == "metis" else maxp(cells, weights, adjacency)
        seconds += time.perf_counter() - start
        grids, inner_length, road_length = quality(boundary, cells, weights, parts, road_lines)
        inner += inner_length
        on_road += road_length
        for h, shape in grids:
            households.append(h)
            contiguous += shape.geom_type == "Polygon"
            pp.append(4 * np.pi * shape.area / shape.length ** 2)
    print(json.dumps({
        "tool": tool, "seconds": seconds, "grids": len(households),
        "in_band": sum(MIN <= h <= MAX for h in households) / len(households),
        "min": min(households), "max": max(households), "contiguous": contiguous,
        "pp_mean": float(np.mean(pp)), "on_roads": on_road / inner if inner and roads else None,
    }))


if __name__ == "__main__":
    main()
