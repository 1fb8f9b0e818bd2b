import CivicGridModel
import Foundation
import GridStore

private let T = PostgresSchema.text, S = PostgresSchema.serial

private func R(_ target: String, _ actions: String = "") -> String { PostgresSchema.references(target, actions) }

/// The tables of people: members of households, the log of who read their personal fields,
/// and changes submitted from the field; each migration with a file's SQL and PostgreSQL's side
/// by side.
public enum PeopleSchema {
    public static let migrations: [StoreMigration] = [
        // Members of households (personal: the name, the phone; the ID number only as a keyed
        // hash for lookup and sealed with a key kept outside this file) and the log of every read
        // of personal fields.
        StoreMigration(
            "v16 people and access log",
            sqlite: """
                CREATE TABLE people (
                  id INTEGER PRIMARY KEY,
                  household INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
                  name TEXT NOT NULL,
                  relation TEXT NOT NULL,
                  sex TEXT CHECK (sex IN ('male', 'female')),
                  birth_year INTEGER,
                  id_hash TEXT UNIQUE,
                  id_sealed BLOB,
                  phone TEXT,
                  tags TEXT NOT NULL DEFAULT '[]'
                );
                CREATE INDEX people_household ON people(household);
                CREATE TABLE access_log (
                  id INTEGER PRIMARY KEY,
                  at TEXT NOT NULL,
                  account TEXT NOT NULL,
                  role TEXT NOT NULL,
                  what TEXT NOT NULL,
                  subject TEXT NOT NULL,
                  reason TEXT
                );
                CREATE INDEX access_log_at ON access_log(at);
                """,
            postgres: """
                CREATE TABLE people (
                  id \(S),
                  household bigint NOT NULL \(R("households(id)", "ON DELETE CASCADE")),
                  name \(T) NOT NULL,
                  relation \(T) NOT NULL,
                  sex \(T) CHECK (sex IN ('male', 'female')),
                  birth_year bigint,
                  id_hash \(T) UNIQUE,
                  id_sealed bytea,
                  phone \(T),
                  tags \(T) NOT NULL DEFAULT '[]'
                );
                CREATE INDEX people_household ON people(household);
                CREATE TABLE access_log (
                  id \(S),
                  at \(T) NOT NULL,
                  account \(T) NOT NULL,
                  role \(T) NOT NULL,
                  what \(T) NOT NULL,
                  subject \(T) NOT NULL,
                  reason \(T)
                );
                CREATE INDEX access_log_at ON access_log(at);
                """),
        // Shops, enterprises, schools … (a point layer whose public fields are name and kind;
        // the contact is personal). Made by the core's "v19 organisations and building heights"
        // in databases before this one, hence IF NOT EXISTS.
        StoreMigration(
            "v19 organisations",
            sqlite: """
                CREATE TABLE IF NOT EXISTS organisations (
                  fid INTEGER PRIMARY KEY AUTOINCREMENT,
                  geom POINT NOT NULL,
                  code TEXT NOT NULL UNIQUE,
                  name TEXT NOT NULL,
                  kind TEXT NOT NULL,
                  licence TEXT UNIQUE,
                  contact_name TEXT,
                  contact_phone TEXT,
                  building INTEGER REFERENCES buildings(fid) ON DELETE SET NULL,
                  unit TEXT,
                  employees INTEGER CHECK (employees >= 0),
                  grid TEXT,
                  community TEXT
                );
                CREATE INDEX IF NOT EXISTS organisations_community ON organisations(community);
                CREATE INDEX IF NOT EXISTS organisations_building ON organisations(building);
                """,
            postgres: """
                CREATE TABLE IF NOT EXISTS organisations (
                  fid \(S),
                  geom geometry(Point, 4326) NOT NULL,
                  code \(T) NOT NULL UNIQUE,
                  name \(T) NOT NULL,
                  kind \(T) NOT NULL,
                  licence \(T) UNIQUE,
                  contact_name \(T),
                  contact_phone \(T),
                  building bigint \(R("buildings(fid)", "ON DELETE SET NULL")),
                  unit \(T),
                  employees bigint CHECK (employees >= 0),
                  grid \(T),
                  community \(T)
                );
                CREATE INDEX IF NOT EXISTS organisations_community ON organisations(community);
                CREATE INDEX IF NOT EXISTS organisations_building ON organisations(building);
                CREATE INDEX IF NOT EXISTS organisations_geom ON organisations USING GIST (geom);
                """ + PostgresSchema.rtree("organisations", orReplace: true),
            layers: [.init("organisations", "POINT", "Organisations: shops, enterprises, schools, clinics …")]),
        StoreMigration("v20 people by name", sqlite: "CREATE INDEX people_name ON people(name)", postgres: "CREATE INDEX people_name ON people(name)"),
        // Changes to the basic data submitted from the field, applied only when a reviewer
        // approves: who, when, what, and what it made.
        StoreMigration(
            "v21 field updates",
            sqlite: """
                CREATE TABLE field_updates (
                  id INTEGER PRIMARY KEY,
                  kind TEXT NOT NULL,
                  fields TEXT NOT NULL,
                  grid TEXT,
                  community TEXT,
                  submitted_by TEXT NOT NULL,
                  submitted_at TEXT NOT NULL,
                  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
                  reviewed_by TEXT,
                  reviewed_at TEXT,
                  note TEXT,
                  result TEXT
                );
                CREATE INDEX field_updates_status ON field_updates(status, community);
                """,
            postgres: """
                CREATE TABLE field_updates (
                  id \(S),
                  kind \(T) NOT NULL,
                  fields \(T) NOT NULL,
                  grid \(T),
                  community \(T),
                  submitted_by \(T) NOT NULL,
                  submitted_at \(T) NOT NULL,
                  status \(T) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
                  reviewed_by \(T),
                  reviewed_at \(T),
                  note \(T),
                  result \(T)
                );
                CREATE INDEX field_updates_status ON field_updates(status, community);
                """),
    ]
}
