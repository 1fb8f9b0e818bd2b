# Sourced by the scripts that run CivicGrid (from the repository's root): the binary, the
# published demo district, and a server on a port the system chooses.

# Sets `bin`: $CIVICGRID, else a release build (built when missing).
civicgrid_binary() {
  bin=${CIVICGRID:-$PWD/.build/release/civicgrid}
  [ -x "$bin" ] || swift build -c release --product civicgrid >/dev/null
}

# publish_demo DB [SOURCE]: DB holds the demo district divided into grids and published — a
# copy of SOURCE (an already published demo) when given, else made (load, partition, publish).
# DB appears only once whole.
publish_demo() {
  local db=$1
  rm -f "$db.partial"*
  if [ -n "${2:-}" ]; then
    cp "$2" "$db.partial"
  elif ! { "$bin" demo load --db "$db.partial" --data Data/demo && "$bin" partition --db "$db.partial" &&
           "$bin" plans publish --db "$db.partial" --all; } > "$db.log" 2>&1; then
    echo "the published demo could not be made:" >&2
    tail -n 20 "$db.log" >&2
    return 1
  fi
  mv "$db.partial" "$db"
  rm -f "$db.partial"* "$db.log"
}

# published_demo: prints the path of the published demo under $work, made once.
published_demo() {
  local db=$work/tiles-demo.gpkg
  [ -f "$db" ] || publish_demo "$db"
  echo "$db"
}

# serve DB LOG [SERVE_OPTION...]: runs `civicgrid serve` on a port the system chooses (read
# back from --port-file, so no two servers race for one) until /health answers; sets `server`
# (its pid), `port` and `url`. Its output goes to LOG. Fails, with the end of LOG, when the
# server exits or has not answered in 240 s (a debug build on a loaded machine is slow to start).
serve() {
  local db=$1 log=$2 port_file
  shift 2
  port_file=$(mktemp)
  "$bin" serve --db "$db" --port 0 --port-file "$port_file" "$@" > "$log" 2>&1 &
  server=$!
  local i
  for i in $(seq 1 2400); do
    if [ -s "$port_file" ]; then
      port=$(cat "$port_file")
      url="http://127.0.0.1:$port"
      if curl -fsS "$url/health" >/dev/null 2>&1; then
        rm -f "$port_file"
        return 0
      fi
    fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$port_file"
  echo "civicgrid serve did not answer; it logged:" >&2
  tail -n 40 "$log" >&2
  return 1
}
