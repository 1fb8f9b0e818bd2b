"""Scripts/bench-import's runs: CivicGrid's `import buildings` beside ogr2ogr on the same
generated GeoJSON, time and peak memory of each, and `demo load` of the first size.

  bench_import.py BIN WORK SIZE...

Prints a Markdown table."""
import os
import subprocess
import sys

BIN, WORK, SIZES = sys.argv[1], sys.argv[2], [int(s) for a in sys.argv[3:] for s in a.split()]


def timed(args, cwd=None):
    """Runs a command under GNU time: (seconds, peak MB, its output)."""
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + args, capture_output=True, text=True, cwd=cwd)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])}: {r.stdout[-2000:]}{r.stderr[-2000:]}")
    seconds, kb = r.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kb) / 1024, r.stdout


def remove(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


rows = []
for size in SIZES:
    data = f"{WORK}/district-{size}"
    if not os.path.exists(f"{data}/buildings.geojson"):
        subprocess.run([BIN, "demo", "generate", "--size", str(size), "--output", data], check=True, capture_output=True)
    geojson = f"{data}/buildings.geojson"
    mb = os.path.getsize(geojson) / 1e6
    db = f"{WORK}/import-{size}.gpkg"
    remove(db)
    subprocess.run([BIN, "import", "regions", f"{data}/regions.geojson", "--db", db], check=True, capture_output=True)
    ours, ours_mb, out = timed([BIN, "import", "buildings", geojson, "--db", db])
    count = next((int(w) for line in out.splitlines() if line.startswith("imported") for w in line.split()[1:2]), 0)
    ours_size = os.path.getsize(db) / 1e6
    gdal_db = f"{WORK}/ogr-{size}.gpkg"
    remove(gdal_db)
    gdal, gdal_mb, _ = timed(["ogr2ogr", "-f", "GPKG", "-makevalid", gdal_db, geojson])
    rows.append((size, count, mb, ours, ours_mb, ours_size, gdal, gdal_mb, os.path.getsize(gdal_db) / 1e6))

print("| district | buildings | GeoJSON | CivicGrid `import buildings` | ogr2ogr -f GPKG -makevalid | time ratio |")
print("|---|---|---|---|---|---|")
for size, count, mb, ours, ours_mb, ours_size, gdal, gdal_mb, gdal_size in rows:
    print(f"| --size {size} | {count:,} | {mb:,.0f} MB | {ours:.1f} s, peak {ours_mb:,.0f} MB (database {ours_size:,.0f} MB) "
          f"| {gdal:.1f} s, peak {gdal_mb:,.0f} MB (file {gdal_size:,.0f} MB) | ×{ours / gdal:.2f} |")

size = SIZES[0]
db = f"{WORK}/demo-load-{size}.gpkg"
remove(db)
seconds, peak, _ = timed([BIN, "demo", "load", "--data", f"{WORK}/district-{size}", "--db", db])
print(f"\n`demo load` of the --size {size} district: {seconds:.1f} s, peak {peak:,.0f} MB")
