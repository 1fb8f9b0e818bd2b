"""The PostGIS anchor of Scripts/bench-tiles: the same tiles with ST_AsMVT(ST_AsMVTGeom(...)).

usage: bench_tiles.py DSN TILELIST PASSES

Renders every z/x/y of TILELIST (one per line) PASSES times on two connections in parallel
(one per core, like CivicGrid's renderer) with one SQL statement per tile that builds the
same six layers, attributes and zoom ranges as CivicGrid from the tables ogr2ogr loaded
(geometries transformed to EPSG:3857 and indexed beforehand, as CivicGrid projects them
once at load). Prints JSON: tiles, seconds per pass, tiles/s, bytes.
"""
import json, sys, time
from multiprocessing import Pool
import psycopg2

LAYERS = """
WITH t AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env, ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096) AS benv)
SELECT coalesce((SELECT ST_AsMVT(q, 'districts', 4096, 'geom', 'id') FROM (
    SELECT fid AS id, code, name, parent, ST_AsMVTGeom(g, t.env, 4096, 64, true) AS geom FROM bench_regions, t WHERE level = 'district' AND g && t.benv) q), '')
 || coalesce((SELECT ST_AsMVT(q, 'streets', 4096, 'geom', 'id') FROM (
    SELECT fid AS id, code, name, parent, ST_AsMVTGeom(g, t.env, 4096, 64, true) AS geom FROM bench_regions, t WHERE %(z)s >= 8 AND level = 'street' AND g && t.benv) q), '')
 || coalesce((SELECT ST_AsMVT(q, 'communities', 4096, 'geom', 'id') FROM (
    SELECT fid AS id, code, name, parent, ST_AsMVTGeom(g, t.env, 4096, 64, true) AS geom FROM bench_regions, t WHERE %(z)s >= 10 AND level = 'community' AND g && t.benv) q), '')
 || coalesce((SELECT ST_AsMVT(q, 'grids', 4096, 'geom', 'id') FROM (
    SELECT fid AS id, code, community, households, buildings, band, area_m2, plan, ST_AsMVTGeom(g, t.env, 4096, 64, true) AS geom
    FROM bench_grids, t WHERE %(z)s >= 11 AND g && t.benv) q), '')
 || coalesce((SELECT ST_AsMVT(q, 'buildings', 4096, 'geom', 'id') FROM (
    SELECT fid AS id, households, floors, grid, ST_AsMVTGeom(g, t.env, 4096, 64, true) AS geom FROM bench_buildings, t WHERE %(z)s >= 14 AND g && t.benv) q), '')
 || coalesce((SELECT ST_AsMVT(q, 'roads', 4096, 'geom', 'id') FROM (
    SELECT fid AS id, kind, name, ST_AsMVTGeom(g, t.env, 4096, 64, true) AS geom FROM bench_roads, t WHERE %(z)s >= 10 AND g && t.benv) q), '')
"""

PREPARE = """
DROP TABLE IF EXISTS bench_regions, bench_grids, bench_buildings, bench_roads;
CREATE TABLE bench_regions AS SELECT fid, code, name, level, parent, ST_Transform(geom, 3857) AS g FROM regions;
CREATE TABLE bench_grids AS SELECT g.fid, g.code, p.community, g.households, g.buildings,
    CASE WHEN g.households < 350 THEN 'under' WHEN g.households > 500 THEN 'over' ELSE 'ok' END AS band,
    round(g.area_m2)::int AS area_m2, g.plan, ST_Transform(g.geom, 3857) AS g
  FROM grids g JOIN plans p ON p.fid = g.plan WHERE p.status = 'published';
CREATE TABLE bench_buildings AS SELECT b.fid, b.households, b.floors, gr.code AS grid, ST_Transform(b.geom, 3857) AS g
  FROM buildings b LEFT JOIN (grid_buildings gb JOIN plans p ON p.fid = gb.plan AND p.status = 'published' JOIN grids gr ON gr.fid = gb.grid)
  ON gb.building = b.fid;
CREATE TABLE bench_roads AS SELECT fid, kind, name, ST_Transform(geom, 3857) AS g FROM roads;
CREATE INDEX ON bench_regions USING gist (g); CREATE INDEX ON bench_grids USING gist (g);
CREATE INDEX ON bench_buildings USING gist (g); CREATE INDEX ON bench_roads USING gist (g);
ANALYZE;
"""

dsn = sys.argv[1]


connection = None


def connect():
    global connection
    connection = psycopg2.connect(dsn)


def render(chunk):
    cur = connection.cursor()
    size = 0
    for z, x, y in chunk:
        cur.execute(LAYERS, {"z": z, "x": x, "y": y})
        size += len(cur.fetchone()[0] or b"")
    return size


def main():
    tiles = [tuple(map(int, line.split("/"))) for line in open(sys.argv[2]) if line.strip()]
    passes = int(sys.argv[3])
    con = psycopg2.connect(dsn)
    con.autocommit = True
    con.cursor().execute(PREPARE)
    con.close()
    chunks = [tiles[i::2] for i in range(2)]
    with Pool(2, initializer=connect) as pool:
        pool.map(render, chunks)  # warm the database's own caches, as CivicGrid's layers are in memory
        start = time.perf_counter()
        for _ in range(passes):
            size = sum(pool.map(render, chunks))
        seconds = (time.perf_counter() - start) / passes
    print(json.dumps({"tiles": len(tiles), "seconds": seconds, "tiles_per_s": len(tiles) / seconds, "bytes": size}))


if __name__ == "__main__":
    main()
