import CivicGridModel
import Foundation
import GridStore

private let T = PostgresSchema.text

/// The assessment's tables: its daily and monthly tallies, the cases changed since they were
/// counted, the rankings of closed months, the scoring configuration; each migration with a
/// file's SQL and PostgreSQL's side by side.
public enum AssessmentSchema {
    public static let migrations: [StoreMigration] = [
        // The assessment's daily tallies per unit, kept up to date from the cases changed since
        // (`assessment_dirty`, filled by triggers: a case changed, with the last history row the
        // tallies had counted and its category then); the deadline each history row left; the
        // rankings kept for closed months; the scoring configuration the admin loaded. (PostgreSQL's
        // triggers do what SQLite's do.)
        StoreMigration(
            "v15 assessment",
            sqlite: """
                ALTER TABLE case_history ADD COLUMN due TEXT;
                CREATE TABLE assessment_daily (
                  level TEXT NOT NULL,
                  day INTEGER NOT NULL,
                  unit TEXT NOT NULL,
                  tally BLOB NOT NULL,
                  PRIMARY KEY (level, day, unit)
                ) WITHOUT ROWID;
                CREATE TABLE assessment_dirty (
                  fid INTEGER PRIMARY KEY,
                  upto INTEGER NOT NULL,
                  category TEXT
                );
                CREATE TRIGGER assessment_case_new AFTER INSERT ON cases BEGIN
                  INSERT OR IGNORE INTO assessment_dirty (fid, upto, category) VALUES (NEW.fid, 0, NULL);
                END;
                CREATE TRIGGER assessment_case_changed AFTER UPDATE ON cases BEGIN
                  INSERT OR IGNORE INTO assessment_dirty (fid, upto, category)
                    VALUES (OLD.fid, (SELECT coalesce(max(id), 0) FROM case_history WHERE case_fid = OLD.fid), OLD.category);
                END;
                INSERT INTO assessment_dirty (fid, upto, category) SELECT fid, 0, NULL FROM cases;
                CREATE TABLE rankings (
                  period TEXT NOT NULL,
                  level TEXT NOT NULL,
                  body BLOB NOT NULL,
                  created_at TEXT NOT NULL,
                  PRIMARY KEY (period, level)
                );
                CREATE TABLE assessment_config (
                  id INTEGER PRIMARY KEY CHECK (id = 1),
                  definition TEXT NOT NULL,
                  loaded_at TEXT NOT NULL
                );
                """,
            postgres: """
                ALTER TABLE case_history ADD COLUMN due \(T);
                CREATE TABLE assessment_daily (
                  level \(T) NOT NULL,
                  day bigint NOT NULL,
                  unit \(T) NOT NULL,
                  tally bytea NOT NULL,
                  PRIMARY KEY (level, day, unit)
                );
                CREATE TABLE assessment_dirty (
                  fid bigint PRIMARY KEY,
                  upto bigint NOT NULL,
                  category \(T)
                );
                CREATE FUNCTION assessment_case_new() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  INSERT INTO assessment_dirty (fid, upto, category) VALUES (NEW.fid, 0, NULL) ON CONFLICT DO NOTHING;
                  RETURN NULL;
                END $$;
                CREATE FUNCTION assessment_case_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  INSERT INTO assessment_dirty (fid, upto, category)
                    VALUES (OLD.fid, (SELECT coalesce(max(id), 0) FROM case_history WHERE case_fid = OLD.fid), OLD.category)
                    ON CONFLICT DO NOTHING;
                  RETURN NULL;
                END $$;
                CREATE TRIGGER assessment_case_new AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION assessment_case_new();
                CREATE TRIGGER assessment_case_changed AFTER UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION assessment_case_changed();
                CREATE TABLE rankings (
                  period \(T) NOT NULL,
                  level \(T) NOT NULL,
                  body bytea NOT NULL,
                  created_at \(T) NOT NULL,
                  PRIMARY KEY (period, level)
                );
                CREATE TABLE assessment_config (
                  id bigint PRIMARY KEY CHECK (id = 1),
                  definition \(T) NOT NULL,
                  loaded_at \(T) NOT NULL
                );
                """),
        // The daily tallies summed per calendar month as well, so that a quarter or a year is a
        // few rows per unit; filled from the daily ones.
        StoreMigration(
            "v17 monthly assessment tallies",
            sqlite: """
                CREATE TABLE assessment_monthly (
                  level TEXT NOT NULL,
                  month INTEGER NOT NULL,
                  unit TEXT NOT NULL,
                  tally BLOB NOT NULL,
                  PRIMARY KEY (level, month, unit)
                ) WITHOUT ROWID;
                """,
            postgres: """
                CREATE TABLE assessment_monthly (
                  level \(T) NOT NULL,
                  month bigint NOT NULL,
                  unit \(T) NOT NULL,
                  tally bytea NOT NULL,
                  PRIMARY KEY (level, month, unit)
                );
                """,
            fill: { db in
                var sums: [TallyKey: Tally] = [:]
                let rows = try SQLRow.fetchCursor(db, sql: "SELECT level, day, unit, tally FROM assessment_daily")
                while let row = try rows.next() {
                    guard let level = UnitLevel(rawValue: try row[0]) else { continue }
                    try sums[TallyKey(level, try row[2], day: AssessmentMonth.of(day: try row[1])), default: Tally()].add(TallyCodec.decode(try row[3] as Data))
                }
                for (key, t) in sums where !t.isZero {
                    try db.execute(sql: "INSERT INTO assessment_monthly (level, month, unit, tally) VALUES (?, ?, ?, ?)",
                                   arguments: [key.level.rawValue, key.day, key.unit, TallyCodec.encode(t)])
                }
            }),
    ]
}
