import CivicGridModel
import Foundation
import GridStore

private let T = PostgresSchema.text, S = PostgresSchema.serial

private func R(_ target: String, _ actions: String = "") -> String { PostgresSchema.references(target, actions) }

/// The tables of phones and where they went: devices, pings, geofence events and each device's
/// state, each migration with a file's SQL and PostgreSQL's side by side.
public enum TrackingSchema {
    public static let migrations: [StoreMigration] = [
        // Made by "v1 civicgrid tables" in files and databases made before the tables had
        // owners, so only when missing.
        StoreMigration(
            "v1 devices and pings",
            sqlite: """
                CREATE TABLE IF NOT EXISTS devices (
                  id TEXT PRIMARY KEY,
                  member INTEGER NOT NULL REFERENCES members(id),
                  token_hash TEXT NOT NULL,
                  crs TEXT NOT NULL DEFAULT 'wgs84' CHECK (crs IN ('wgs84', 'gcj02')),
                  speed_unit TEXT NOT NULL DEFAULT 'kn',
                  created_at TEXT NOT NULL,
                  revoked_at TEXT
                );

                CREATE TABLE IF NOT EXISTS pings (
                  id INTEGER PRIMARY KEY,
                  device TEXT NOT NULL REFERENCES devices(id),
                  time REAL NOT NULL,
                  lon REAL NOT NULL,
                  lat REAL NOT NULL,
                  accuracy REAL,
                  speed REAL,
                  heading REAL,
                  altitude REAL,
                  battery REAL,
                  received_at REAL NOT NULL,
                  grid INTEGER,
                  community TEXT,
                  flags INTEGER NOT NULL DEFAULT 0,
                  attributes TEXT,
                  UNIQUE (device, time)
                );
                """,
            postgres: """
                CREATE TABLE IF NOT EXISTS devices (
                  id \(T) PRIMARY KEY,
                  member bigint NOT NULL \(R("members(id)")),
                  token_hash \(T) NOT NULL,
                  crs \(T) NOT NULL DEFAULT 'wgs84' CHECK (crs IN ('wgs84', 'gcj02')),
                  speed_unit \(T) NOT NULL DEFAULT 'kn',
                  created_at \(T) NOT NULL,
                  revoked_at \(T)
                );

                CREATE TABLE IF NOT EXISTS pings (
                  id \(S),
                  device \(T) NOT NULL \(R("devices(id)")),
                  time double precision NOT NULL,
                  lon double precision NOT NULL,
                  lat double precision NOT NULL,
                  accuracy double precision,
                  speed double precision,
                  heading double precision,
                  altitude double precision,
                  battery double precision,
                  received_at double precision NOT NULL,
                  grid bigint,
                  community \(T),
                  flags bigint NOT NULL DEFAULT 0,
                  attributes \(T),
                  UNIQUE (device, time)
                );
                """),
        StoreMigration(
            "v3 tracking",
            sqlite: """
                CREATE INDEX pings_time ON pings(time);
                CREATE UNIQUE INDEX devices_token ON devices(token_hash);
                CREATE TABLE events (
                  id INTEGER PRIMARY KEY,
                  device TEXT NOT NULL REFERENCES devices(id),
                  member INTEGER NOT NULL REFERENCES members(id),
                  kind TEXT NOT NULL CHECK (kind IN ('left', 'returned')),
                  time REAL NOT NULL,
                  confirmed_at REAL NOT NULL,
                  grid TEXT,
                  lon REAL NOT NULL,
                  lat REAL NOT NULL
                );
                CREATE INDEX events_time ON events(time);
                CREATE INDEX events_device ON events(device, time);
                """,
            postgres: """
                CREATE INDEX pings_time ON pings(time);
                CREATE UNIQUE INDEX devices_token ON devices(token_hash);
                CREATE TABLE events (
                  id \(S),
                  device \(T) NOT NULL \(R("devices(id)")),
                  member bigint NOT NULL \(R("members(id)")),
                  kind \(T) NOT NULL CHECK (kind IN ('left', 'returned')),
                  time double precision NOT NULL,
                  confirmed_at double precision NOT NULL,
                  grid \(T),
                  lon double precision NOT NULL,
                  lat double precision NOT NULL
                );
                CREATE INDEX events_time ON events(time);
                CREATE INDEX events_device ON events(device, time);
                """),
        // The request keys this migration also made once are the cases' ("v22 request keys").
        StoreMigration(
            "v22 device states and request keys",
            sqlite: """
                CREATE TABLE device_states (
                  device TEXT PRIMARY KEY REFERENCES devices(id),
                  time REAL,
                  lon REAL,
                  lat REAL,
                  grid INTEGER,
                  inside INTEGER CHECK (inside IN (0, 1)),
                  last_grid TEXT,
                  pending_inside INTEGER CHECK (pending_inside IN (0, 1)),
                  pending_since REAL,
                  pending_grid TEXT,
                  pending_lon REAL,
                  pending_lat REAL
                );
                """ + "\n" + fillDeviceStates,
            postgres: """
                CREATE TABLE device_states (
                  device \(T) PRIMARY KEY \(R("devices(id)")),
                  time double precision,
                  lon double precision,
                  lat double precision,
                  grid bigint,
                  inside bigint CHECK (inside IN (0, 1)),
                  last_grid \(T),
                  pending_inside bigint CHECK (pending_inside IN (0, 1)),
                  pending_since double precision,
                  pending_grid \(T),
                  pending_lon double precision,
                  pending_lat double precision
                );
                """ + "\n" + fillDeviceStates),
    ]

    /// Each device's state from its stored pings and events (both stores).
    public static let fillDeviceStates = """
        INSERT INTO device_states (device, time, lon, lat, grid, inside)
          SELECT d.id, p.time, p.lon, p.lat, p.grid,
                 (SELECT CASE e.kind WHEN 'returned' THEN 1 ELSE 0 END FROM events e WHERE e.device = d.id ORDER BY e.time DESC, e.id DESC LIMIT 1)
          FROM devices d LEFT JOIN pings p ON p.id = (SELECT q.id FROM pings q WHERE q.device = d.id AND q.flags = 0 ORDER BY q.time DESC LIMIT 1);
        """
}
