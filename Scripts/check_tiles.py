"""Decodes CivicGrid's tiles with third-party readers and checks them against the database.

usage: check_tiles.py DB.gpkg TILES.mbtiles|TILES.pmtiles ZOOM

- every tile of ZOOM decodes with `mapbox-vector-tile` (layer version 2, extent 4096);
- every grid feature carries code, community, households, buildings, band, and no layer
  carries a personal field (head_name, phone);
- the union of each published grid's pieces over the tiles that cover it matches the grid's
  geometry in the database within one tile unit: the area between the two outlines divided
  by the outline's length (the mean distance between them) is under 1 tile unit; the
  largest vertex distance (Hausdorff) is reported too (thin spikes of a grid polygon,
  which the tiles drop, show there);
- every published grid is present.
Prints a summary; exits 1 on the first kind of failure found.
"""
import gzip, json, math, sqlite3, sys
import mapbox_vector_tile
import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import shape

EXTENT = 4096
PERSONAL = {"head_name", "phone", "headName"}


def geom(blob):
    flags = blob[3]
    envelope = [0, 32, 48, 48, 64][(flags >> 1) & 7]
    return shapely.from_wkb(bytes(blob[8 + envelope:]))


def tiles_of(path, zoom):
    if path.endswith(".pmtiles"):
        from pmtiles.reader import Reader, MmapSource, all_tiles
        with open(path, "rb") as f:
            for (z, x, y), data in all_tiles(MmapSource(f)):
                if z == zoom:
                    yield x, y, gzip.decompress(data)
    else:
        con = sqlite3.connect(path)
        for x, row, data in con.execute("SELECT tile_column, tile_row, tile_data FROM tiles WHERE zoom_level = ?", (zoom,)):
            yield x, (1 << zoom) - 1 - row, gzip.decompress(data)


def to_pixels(g, zoom):
    """lon/lat to global tile units at the zoom."""
    scale = EXTENT * (1 << zoom)
    def f(c):
        x = (c[:, 0] + 180) / 360 * scale
        lat = c[:, 1] * math.pi / 180
        y = (1 - (np.log(np.tan(lat) + 1 / np.cos(lat))) / math.pi) / 2 * scale
        return np.column_stack([x, y])
    return shapely.transform(g, f)


def main():
    db, tiles, zoom = sys.argv[1], sys.argv[2], int(sys.argv[3])
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    grids = {code: to_pixels(geom(g), zoom) for code, g in con.execute(
        "SELECT g.code, g.geom FROM grids g JOIN plans p ON p.id = g.plan WHERE p.status = 'published'")}
    pieces, count, failures = {}, 0, []
    for x, y, data in tiles_of(tiles, zoom):
        count += 1
        layers = mapbox_vector_tile.decode(data, default_options={"y_coord_down": True})
        for name, layer in layers.items():
            if layer["extent"] != EXTENT or layer["version"] != 2:
                failures.append(f"{zoom}/{x}/{y} {name}: extent {layer['extent']} version {layer['version']}")
            for f in layer["features"]:
                if PERSONAL & set(f["properties"]):
                    failures.append(f"{zoom}/{x}/{y} {name}: personal field in {sorted(f['properties'])}")
        own = shapely.box(x * EXTENT, y * EXTENT, (x + 1) * EXTENT, (y + 1) * EXTENT)
        for f in layers.get("grids", {}).get("features", []):
            p = f["properties"]
            missing = {"code", "community", "households", "buildings", "band"} - set(p)
            if missing:
                failures.append(f"{zoom}/{x}/{y} grid {p.get('code')}: missing {sorted(missing)}")
                continue
            g = shapely.affinity.translate(shape(f["geometry"]), x * EXTENT, y * EXTENT)
            pieces.setdefault(p["code"], []).append(shapely.intersection(shapely.make_valid(g), own))
    worst, worst_mean = 0.0, 0.0
    for code, g in grids.items():
        # Holes under a square tile unit cannot show in a tile.
        g = shapely.Polygon(g.exterior, [r for r in g.interiors if shapely.Polygon(r).area >= 1]) if g.geom_type == "Polygon" else g
        if code not in pieces:
            failures.append(f"grid {code} is in no tile")
            continue
        union = shapely.union_all(pieces[code])
        worst = max(worst, shapely.hausdorff_distance(union.boundary, g.boundary))
        mean = shapely.symmetric_difference(union, g).area / g.boundary.length
        worst_mean = max(worst_mean, mean)
        if mean > 1:
            failures.append(f"grid {code}: tiles differ from its geometry by {mean:.2f} tile units on average")
    print(json.dumps({"zoom": zoom, "tiles": count, "grids": len(grids), "grids_in_tiles": len(pieces),
                      "worst_mean_distance_tile_units": round(worst_mean, 3), "worst_hausdorff_tile_units": round(worst, 3), "failures": failures[:10]}))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
