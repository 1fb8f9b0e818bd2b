# Sourced by the benchmarks that compare with PostGIS: installs PostgreSQL 15 + PostGIS 3,
# wrk and psycopg2 when missing, starts the cluster, gives this user a superuser role and
# makes an empty database civicgrid_bench with PostGIS. Then `load_postgis DB.gpkg` loads a
# CivicGrid GeoPackage into it with ogr2ogr (feature tables, plans, grid_buildings).
start_postgis() {
  local missing=() p
  for p in postgresql-15-postgis-3 wrk; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ ${#missing[@]} -gt 0 ]; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  python3 -c "import psycopg2" 2>/dev/null || python3 -m pip install -q psycopg2-binary 2>/dev/null || python3 -m pip install -q --break-system-packages psycopg2-binary
  $sudo pg_ctlcluster 15 main start 2>/dev/null || true
  local user
  user=$(id -un)
  $sudo -u postgres psql -qc "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN CREATE ROLE \"$user\" SUPERUSER LOGIN; END IF; END \$\$" >/dev/null 2>&1 \
    || su postgres -c "psql -qc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN CREATE ROLE \\\"$user\\\" SUPERUSER LOGIN; END IF; END \\\$\\\$\""
  psql -d postgres -qc "DROP DATABASE IF EXISTS civicgrid_bench" && psql -d postgres -qc "CREATE DATABASE civicgrid_bench"
  psql -d civicgrid_bench -qc "CREATE EXTENSION postgis"
}

load_postgis() {
  ogr2ogr -f PostgreSQL PG:dbname=civicgrid_bench "$1" -lco GEOMETRY_NAME=geom -lco FID=fid
  ogr2ogr -f PostgreSQL PG:dbname=civicgrid_bench "$1" -sql "SELECT plan, building, grid FROM grid_buildings" -nln grid_buildings
  psql -d civicgrid_bench -qc "CREATE INDEX ON grid_buildings (building, plan); CREATE INDEX ON plans (community, status); ANALYZE"
}
