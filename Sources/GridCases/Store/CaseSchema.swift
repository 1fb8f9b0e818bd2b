import CivicGridModel
import Foundation
import GridGeometry
import GridStore

private let T = PostgresSchema.text, S = PostgresSchema.serial

private func R(_ target: String, _ actions: String = "") -> String { PostgresSchema.references(target, actions) }

/// The tables of cases and what they need (the catalogue, departments, the working calendar,
/// rules, notices, webhooks, keys), each migration with a file's SQL and PostgreSQL's side by
/// side.
public enum CaseSchema {
    public static let migrations: [StoreMigration] = [
        // Cases and what they need: the category catalogue, departments, the working calendar,
        // department accounts; every transition of a case in its history.
        StoreMigration(
            "v7 cases",
            sqlite: """
                CREATE TABLE case_categories (
                  code TEXT PRIMARY KEY,
                  major TEXT NOT NULL,
                  major_name TEXT NOT NULL,
                  major_name_en TEXT NOT NULL,
                  name TEXT NOT NULL,
                  name_en TEXT NOT NULL,
                  kind TEXT NOT NULL CHECK (kind IN ('event', 'facility')),
                  urgency TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent', 'emergency')),
                  limits TEXT NOT NULL DEFAULT '{}',
                  department TEXT,
                  duplicate_radius REAL NOT NULL DEFAULT 50 CHECK (duplicate_radius >= 0)
                );
                CREATE TABLE departments (
                  code TEXT PRIMARY KEY,
                  name TEXT NOT NULL,
                  name_en TEXT,
                  region TEXT REFERENCES regions(code) ON UPDATE CASCADE,
                  categories TEXT NOT NULL DEFAULT '[]'
                );
                CREATE TABLE calendar (
                  id INTEGER PRIMARY KEY CHECK (id = 1),
                  definition TEXT NOT NULL
                );
                ALTER TABLE members ADD COLUMN department TEXT REFERENCES departments(code) ON UPDATE CASCADE;
                CREATE TABLE cases (
                  fid INTEGER PRIMARY KEY AUTOINCREMENT,
                  geom POINT NOT NULL,
                  number TEXT NOT NULL UNIQUE,
                  category TEXT NOT NULL REFERENCES case_categories(code),
                  urgency TEXT NOT NULL,
                  description TEXT NOT NULL,
                  source TEXT NOT NULL,
                  address TEXT,
                  grid TEXT,
                  community TEXT,
                  street TEXT,
                  district TEXT,
                  reporter_name TEXT,
                  reporter_phone TEXT,
                  reporter_account INTEGER REFERENCES members(id),
                  status TEXT NOT NULL,
                  holder_kind TEXT CHECK (holder_kind IN ('region', 'department')),
                  holder TEXT,
                  pending TEXT,
                  dispatched_from TEXT,
                  returns INTEGER NOT NULL DEFAULT 0,
                  reworks INTEGER NOT NULL DEFAULT 0,
                  extensions INTEGER NOT NULL DEFAULT 0,
                  escalations INTEGER NOT NULL DEFAULT 0,
                  supervisions INTEGER NOT NULL DEFAULT 0,
                  step_started TEXT,
                  due TEXT,
                  duplicate_of TEXT,
                  token TEXT UNIQUE,
                  created_at TEXT NOT NULL,
                  updated_at TEXT NOT NULL,
                  closed_at TEXT,
                  version INTEGER NOT NULL DEFAULT 1
                );
                CREATE INDEX cases_status ON cases(status, due);
                CREATE INDEX cases_community ON cases(community, created_at);
                CREATE INDEX cases_created ON cases(created_at);
                CREATE INDEX cases_holder ON cases(holder, status);
                CREATE TABLE case_history (
                  id INTEGER PRIMARY KEY,
                  case_fid INTEGER NOT NULL REFERENCES cases(fid) ON DELETE CASCADE,
                  at TEXT NOT NULL,
                  actor TEXT NOT NULL,
                  action TEXT NOT NULL,
                  from_status TEXT,
                  to_status TEXT NOT NULL,
                  holder TEXT,
                  note TEXT,
                  detail TEXT NOT NULL DEFAULT '{}'
                );
                CREATE INDEX case_history_case ON case_history(case_fid, id);
                """,
            postgres: """
                CREATE TABLE case_categories (
                  code \(T) PRIMARY KEY,
                  major \(T) NOT NULL,
                  major_name \(T) NOT NULL,
                  major_name_en \(T) NOT NULL,
                  name \(T) NOT NULL,
                  name_en \(T) NOT NULL,
                  kind \(T) NOT NULL CHECK (kind IN ('event', 'facility')),
                  urgency \(T) NOT NULL CHECK (urgency IN ('normal', 'urgent', 'emergency')),
                  limits \(T) NOT NULL DEFAULT '{}',
                  department \(T),
                  duplicate_radius double precision NOT NULL DEFAULT 50 CHECK (duplicate_radius >= 0)
                );
                CREATE TABLE departments (
                  code \(T) PRIMARY KEY,
                  name \(T) NOT NULL,
                  name_en \(T),
                  region \(T) \(R("regions(code)", "ON UPDATE CASCADE")),
                  categories \(T) NOT NULL DEFAULT '[]'
                );
                CREATE TABLE calendar (
                  id bigint PRIMARY KEY CHECK (id = 1),
                  definition \(T) NOT NULL
                );
                ALTER TABLE members ADD COLUMN department \(T) \(R("departments(code)", "ON UPDATE CASCADE"));
                CREATE TABLE cases (
                  fid \(S),
                  geom geometry(Point, 4326) NOT NULL,
                  number \(T) NOT NULL UNIQUE,
                  category \(T) NOT NULL \(R("case_categories(code)")),
                  urgency \(T) NOT NULL,
                  description \(T) NOT NULL,
                  source \(T) NOT NULL,
                  address \(T),
                  grid \(T),
                  community \(T),
                  street \(T),
                  district \(T),
                  reporter_name \(T),
                  reporter_phone \(T),
                  reporter_account bigint \(R("members(id)")),
                  status \(T) NOT NULL,
                  holder_kind \(T) CHECK (holder_kind IN ('region', 'department')),
                  holder \(T),
                  pending \(T),
                  dispatched_from \(T),
                  returns bigint NOT NULL DEFAULT 0,
                  reworks bigint NOT NULL DEFAULT 0,
                  extensions bigint NOT NULL DEFAULT 0,
                  escalations bigint NOT NULL DEFAULT 0,
                  supervisions bigint NOT NULL DEFAULT 0,
                  step_started \(T),
                  due \(T),
                  duplicate_of \(T),
                  token \(T) UNIQUE,
                  created_at \(T) NOT NULL,
                  updated_at \(T) NOT NULL,
                  closed_at \(T),
                  version bigint NOT NULL DEFAULT 1
                );
                CREATE INDEX cases_status ON cases(status, due);
                CREATE INDEX cases_community ON cases(community, created_at);
                CREATE INDEX cases_created ON cases(created_at);
                CREATE INDEX cases_holder ON cases(holder, status);
                CREATE INDEX cases_geom ON cases USING GIST (geom);
                CREATE TABLE case_history (
                  id \(S),
                  case_fid bigint NOT NULL \(R("cases(fid)", "ON DELETE CASCADE")),
                  at \(T) NOT NULL,
                  actor \(T) NOT NULL,
                  action \(T) NOT NULL,
                  from_status \(T),
                  to_status \(T) NOT NULL,
                  holder \(T),
                  note \(T),
                  detail \(T) NOT NULL DEFAULT '{}'
                );
                CREATE INDEX case_history_case ON case_history(case_fid, id);
                """ + PostgresSchema.rtree("cases"),
            layers: [.init("cases", "POINT", "Cases: problems reported and their handling")]),
        // Keys of the applications that report through Open311 (hashed, like every token).
        StoreMigration(
            "v8 open311 keys",
            sqlite: """
                CREATE TABLE open311_keys (
                  id INTEGER PRIMARY KEY,
                  name TEXT NOT NULL UNIQUE,
                  key_hash TEXT NOT NULL UNIQUE,
                  created_at TEXT NOT NULL,
                  revoked_at TEXT
                );
                """,
            postgres: """
                CREATE TABLE open311_keys (
                  id \(S),
                  name \(T) NOT NULL UNIQUE,
                  key_hash \(T) NOT NULL UNIQUE,
                  created_at \(T) NOT NULL,
                  revoked_at \(T)
                );
                """),
        StoreMigration(
            "v9 webhook outbox",
            sqlite: """
                CREATE TABLE webhooks (
                  department TEXT PRIMARY KEY REFERENCES departments(code) ON UPDATE CASCADE ON DELETE CASCADE,
                  url TEXT NOT NULL,
                  secret TEXT NOT NULL
                );
                CREATE TABLE outbox (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  department TEXT NOT NULL,
                  case_number TEXT NOT NULL,
                  body TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  attempts INTEGER NOT NULL DEFAULT 0,
                  next_attempt_at TEXT NOT NULL,
                  delivered_at TEXT,
                  last_error TEXT
                );
                CREATE INDEX outbox_waiting ON outbox(delivered_at, next_attempt_at);
                """,
            postgres: """
                CREATE TABLE webhooks (
                  department \(T) PRIMARY KEY \(R("departments(code)", "ON UPDATE CASCADE ON DELETE CASCADE")),
                  url \(T) NOT NULL,
                  secret \(T) NOT NULL
                );
                CREATE TABLE outbox (
                  id \(S),
                  department \(T) NOT NULL,
                  case_number \(T) NOT NULL,
                  body \(T) NOT NULL,
                  created_at \(T) NOT NULL,
                  attempts bigint NOT NULL DEFAULT 0,
                  next_attempt_at \(T) NOT NULL,
                  delivered_at \(T),
                  last_error \(T)
                );
                CREATE INDEX outbox_waiting ON outbox(delivered_at, next_attempt_at);
                """),
        // Departments' webhooks and the outbox of case events waiting to reach them: written in
        // the transaction that changes the case, delivered (and retried) afterwards.
        // Photos of cases: the files lie beside the database, named by their SHA-256; a row links
        // one to its case and the step it came with.
        StoreMigration(
            "v10 case photos",
            sqlite: """
                CREATE TABLE case_photos (
                  id INTEGER PRIMARY KEY,
                  case_fid INTEGER NOT NULL REFERENCES cases(fid) ON DELETE CASCADE,
                  event INTEGER NOT NULL REFERENCES case_history(id) ON DELETE CASCADE,
                  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                  media_type TEXT NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png')),
                  bytes INTEGER NOT NULL
                );
                CREATE INDEX case_photos_case ON case_photos(case_fid, id);
                CREATE INDEX case_photos_sha ON case_photos(sha256);
                """,
            postgres: """
                CREATE TABLE case_photos (
                  id \(S),
                  case_fid bigint NOT NULL \(R("cases(fid)", "ON DELETE CASCADE")),
                  event bigint NOT NULL \(R("case_history(id)", "ON DELETE CASCADE")),
                  sha256 \(T) NOT NULL CHECK (length(sha256) = 64),
                  media_type \(T) NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png')),
                  bytes bigint NOT NULL
                );
                CREATE INDEX case_photos_case ON case_photos(case_fid, id);
                CREATE INDEX case_photos_sha ON case_photos(sha256);
                """),
        // The last case number given each day, so that the next is found without counting the
        // day's cases.
        StoreMigration(
            "v11 case numbers",
            sqlite: """
                CREATE TABLE case_numbers (
                  day TEXT PRIMARY KEY,
                  last INTEGER NOT NULL
                );
                INSERT INTO case_numbers (day, last)
                  SELECT substr(number, 1, 8), max(CAST(substr(number, 9) AS INTEGER)) FROM cases GROUP BY substr(number, 1, 8);
                """,
            postgres: """
                CREATE TABLE case_numbers (
                  day \(T) PRIMARY KEY,
                  last bigint NOT NULL
                );
                """),
        // Messages to reporters through the channel they reported by (an SMS for a text
        // message), waiting for the gateway to fetch and send them.
        StoreMigration(
            "v12 reporter notices",
            sqlite: """
                CREATE TABLE notices (
                  id INTEGER PRIMARY KEY,
                  channel TEXT NOT NULL CHECK (channel IN ('sms')),
                  address TEXT NOT NULL,
                  case_number TEXT NOT NULL,
                  text TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  sent_at TEXT
                );
                CREATE INDEX notices_waiting ON notices(channel, sent_at, id);
                """,
            postgres: """
                CREATE TABLE notices (
                  id \(S),
                  channel \(T) NOT NULL CHECK (channel IN ('sms')),
                  address \(T) NOT NULL,
                  case_number \(T) NOT NULL,
                  text \(T) NOT NULL,
                  created_at \(T) NOT NULL,
                  sent_at \(T)
                );
                CREATE INDEX notices_waiting ON notices(channel, sent_at, id);
                """),
        // The case list's filters, newest first, without sorting what they match: by status, by
        // category, by street (a community and a district have theirs or need none).
        StoreMigration(
            "v13 case list indexes",
            sqlite: """
                CREATE INDEX cases_status_created ON cases(status, created_at);
                CREATE INDEX cases_category_created ON cases(category, created_at);
                CREATE INDEX cases_street_created ON cases(street, created_at);
                """,
            postgres: """
                CREATE INDEX cases_status_created ON cases(status, created_at);
                CREATE INDEX cases_category_created ON cases(category, created_at);
                CREATE INDEX cases_street_created ON cases(street, created_at);
                """),
        // Cases counted per zoom-18 tile (about 150 m): what the case tiles draw far out without
        // reading a million rows. Kept by `StoreWriter.insert`; filled here from the cases there are.
        StoreMigration(
            "v14 case density",
            sqlite: """
                CREATE TABLE case_density (
                  x INTEGER NOT NULL,
                  y INTEGER NOT NULL,
                  count INTEGER NOT NULL,
                  PRIMARY KEY (x, y)
                ) WITHOUT ROWID;
                """,
            postgres: """
                CREATE TABLE case_density (
                  x bigint NOT NULL,
                  y bigint NOT NULL,
                  count bigint NOT NULL,
                  PRIMARY KEY (x, y)
                );
                """,
            fill: { db in
                var counts: [CaseDensity.Cell: Int] = [:]
                let rows = try SQLRow.fetchCursor(db, sql: "SELECT geom FROM cases")
                while let row = try rows.next() {
                    guard case .point(let p) = try StoredGeometry.decode(try row[0] as Data) else { continue }
                    counts[CaseDensity.cell(p), default: 0] += 1
                }
                for (cell, n) in counts {
                    try db.execute(sql: "INSERT INTO case_density (x, y, count) VALUES (?, ?, ?)", arguments: [cell.x, cell.y, n])
                }
            }),
        // Public facilities (the "parts" of digital urban management: manhole covers, street
        // lamps, hydrants …), a point layer; the cases that name one.
        StoreMigration(
            "v18 public facilities",
            sqlite: """
                CREATE TABLE facilities (
                  fid INTEGER PRIMARY KEY AUTOINCREMENT,
                  geom POINT NOT NULL,
                  code TEXT NOT NULL UNIQUE,
                  category TEXT NOT NULL REFERENCES case_categories(code),
                  status TEXT NOT NULL CHECK (status IN ('intact', 'damaged', 'lost')),
                  department TEXT REFERENCES departments(code) ON UPDATE CASCADE,
                  grid TEXT,
                  community TEXT
                );
                CREATE INDEX facilities_community ON facilities(community);
                CREATE TABLE case_facilities (
                  case_fid INTEGER PRIMARY KEY REFERENCES cases(fid) ON DELETE CASCADE,
                  facility INTEGER NOT NULL REFERENCES facilities(fid) ON DELETE CASCADE
                );
                CREATE INDEX case_facilities_facility ON case_facilities(facility);
                """,
            postgres: """
                CREATE TABLE facilities (
                  fid \(S),
                  geom geometry(Point, 4326) NOT NULL,
                  code \(T) NOT NULL UNIQUE,
                  category \(T) NOT NULL \(R("case_categories(code)")),
                  status \(T) NOT NULL CHECK (status IN ('intact', 'damaged', 'lost')),
                  department \(T) \(R("departments(code)", "ON UPDATE CASCADE")),
                  grid \(T),
                  community \(T)
                );
                CREATE INDEX facilities_community ON facilities(community);
                CREATE INDEX facilities_geom ON facilities USING GIST (geom);
                CREATE TABLE case_facilities (
                  case_fid bigint PRIMARY KEY \(R("cases(fid)", "ON DELETE CASCADE")),
                  facility bigint NOT NULL \(R("facilities(fid)", "ON DELETE CASCADE"))
                );
                CREATE INDEX case_facilities_facility ON case_facilities(facility);
                """ + PostgresSchema.rtree("facilities"),
            layers: [.init("facilities", "POINT", "Public facilities: manhole covers, street lamps, hydrants, bins …")]),
        // Made with the device states by "v22 device states and request keys" in files and
        // databases made before the tables had owners, so only when missing.
        StoreMigration(
            "v22 request keys",
            sqlite: """
                CREATE TABLE IF NOT EXISTS request_keys (
                  scope TEXT NOT NULL,
                  key TEXT NOT NULL,
                  fingerprint TEXT NOT NULL,
                  case_fid INTEGER NOT NULL REFERENCES cases(fid),
                  created_at TEXT NOT NULL,
                  PRIMARY KEY (scope, key)
                );
                CREATE INDEX IF NOT EXISTS request_keys_created ON request_keys(created_at);
                """,
            postgres: """
                CREATE TABLE IF NOT EXISTS request_keys (
                  scope \(T) NOT NULL,
                  key \(T) NOT NULL,
                  fingerprint \(T) NOT NULL,
                  case_fid bigint NOT NULL \(R("cases(fid)")),
                  created_at \(T) NOT NULL,
                  PRIMARY KEY (scope, key)
                );
                CREATE INDEX IF NOT EXISTS request_keys_created ON request_keys(created_at);
                """),
        // v23–v25 are written once for both stores; until a test compared the stores after
        // every migration, their integer columns were PostgreSQL's 32-bit `integer` until "v31
        // bigint columns" (databases made before keep that path; new ones are bigint at once).
        StoreMigration("v23 key kinds, cases located at home", keyKinds),
        StoreMigration("v24 category words and examples", categoryWords),
        StoreMigration("v25 routing rules", routingRules),
        StoreMigration("v26 reporter notices") { d in reporterNotices(d.text) },
        StoreMigration("v27 triage limits") { d in triageLimits(d.text) },
        StoreMigration("v28 duty phones, media urls, history by time") { d in dutyPhones(d.text) },
        StoreMigration("v29 case assignees") { d in assignees(d.text) },
        // The four integer columns v23–v25 made PostgreSQL's 32-bit `integer` in databases made
        // before they were fixed: bigint, as every other. Done by "v31 spatial boxes" in
        // databases made before the tables had owners (again, it changes nothing).
        StoreMigration("v31 bigint columns", sqlite: "", postgres: """
            ALTER TABLE cases ALTER COLUMN needs_category TYPE bigint, ALTER COLUMN follow_ups TYPE bigint,
              ALTER COLUMN located_at_home TYPE bigint;
            ALTER TABLE routing_rules ALTER COLUMN priority TYPE bigint;
            """),
    ]

    /// The words residents use for each category, the labelled messages the classifier learns
    /// from, and what it made of a case: its confidence, and whether a person must categorise it.
    private static func categoryWords(_ d: SQLDialect) -> String {
        """
        ALTER TABLE case_categories ADD COLUMN words \(d.text) NOT NULL DEFAULT '';
        CREATE TABLE category_examples (
          id \(d.serial),
          category \(d.text) NOT NULL REFERENCES case_categories(code) ON DELETE CASCADE,
          text \(d.text) NOT NULL
        );
        ALTER TABLE cases ADD COLUMN category_confidence \(d.real);
        ALTER TABLE cases ADD COLUMN needs_category \(d.integer) NOT NULL DEFAULT 0;
        """
    }

    /// Routing rules beyond the catalogue's default department (category × region subtree →
    /// department, by priority), the sources whose located reports of a category the system
    /// verifies, files and dispatches itself, and follow-ups: a reporter's repeat of an open
    /// case, attached to it instead of filed again.
    private static func routingRules(_ d: SQLDialect) -> String {
        """
        CREATE TABLE routing_rules (
          id \(d.serial),
          category \(d.text) NOT NULL,
          region \(d.text),
          department \(d.text) NOT NULL REFERENCES departments(code),
          priority \(d.integer) NOT NULL DEFAULT 0
        );
        ALTER TABLE case_categories ADD COLUMN auto_dispatch \(d.text) NOT NULL DEFAULT '';
        ALTER TABLE cases ADD COLUMN follow_ups \(d.integer) NOT NULL DEFAULT 0;
        CREATE INDEX cases_reporter_phone ON cases(reporter_phone) WHERE reporter_phone IS NOT NULL;
        CREATE TABLE case_followups (
          id \(d.serial),
          case_fid \(d.integer) NOT NULL REFERENCES cases(fid) ON DELETE CASCADE,
          at \(d.text) NOT NULL,
          source \(d.text) NOT NULL,
          text \(d.text) NOT NULL
        );
        CREATE INDEX case_followups_case ON case_followups(case_fid);
        """
    }

    /// What the reporter was last told (the case's public note) and the templates of what
    /// they are told.
    private static func reporterNotices(_ text: String) -> String {
        """
        ALTER TABLE cases ADD COLUMN public_note \(text);
        CREATE TABLE notice_templates (
          event \(text) PRIMARY KEY,
          text \(text) NOT NULL
        );
        """
    }

    /// The duty officers' phones; a picture the reporter keeps elsewhere; the history by time
    /// (Open311's request updates).
    private static func dutyPhones(_ text: String) -> String {
        """
        CREATE TABLE duty_phones (
          holder \(text) PRIMARY KEY,
          name \(text) NOT NULL,
          phone \(text) NOT NULL
        );
        ALTER TABLE cases ADD COLUMN media_url \(text);
        CREATE INDEX case_history_at ON case_history(at);
        """
    }

    /// The grid staff member a verification or check was given to (`CaseAction.assign`).
    private static func assignees(_ text: String) -> String {
        """
        ALTER TABLE cases ADD COLUMN assignee \(text);
        CREATE INDEX cases_assignee ON cases(assignee);
        """
    }

    /// How long a new case may wait untouched at a level's desk (by urgency) before it goes
    /// one desk up.
    private static func triageLimits(_ text: String) -> String {
        """
        CREATE TABLE triage_limits (
          level \(text) NOT NULL,
          urgency \(text) NOT NULL,
          time_limit \(text) NOT NULL,
          PRIMARY KEY (level, urgency)
        );
        """
    }

    /// Application keys of two kinds: `open311` (apps that post requests) and `sms` (gateways,
    /// which also read residents' whole phone numbers from the outbox); keys issued before
    /// stay Open311 keys. Cases located only by the reporter's home keep that apart, with the
    /// point the public is shown instead (the home grid's label point).
    private static func keyKinds(_ d: SQLDialect) -> String {
        """
        ALTER TABLE open311_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'open311';
        ALTER TABLE cases ADD COLUMN located_at_home \(d.integer) NOT NULL DEFAULT 0;
        ALTER TABLE cases ADD COLUMN public_lon \(d.real);
        ALTER TABLE cases ADD COLUMN public_lat \(d.real);
        """
    }
}
