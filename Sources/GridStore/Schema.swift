import Foundation
import CivicGridModel
import GRDB
import GridGeometry

/// The schema, as GRDB migrations. Every version is a new migration; none is ever edited
/// once released.
enum Schema {
    /// Spatial tables: name, geometry type, description.
    static let featureTables: [(table: String, type: String, description: String)] = [
        ("regions", "MULTIPOLYGON", "Administrative regions: city, district, street, community"),
        ("buildings", "MULTIPOLYGON", "Building footprints with household counts"),
        ("roads", "MULTILINESTRING", "Road centrelines and rivers"),
        ("grids", "POLYGON", "Unit grids of every plan"),
    ]

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1 geopackage core", migrate: geoPackageCore)
        m.registerMigration("v1 civicgrid tables", migrate: civicGridTables)
        m.registerMigration("v2 change log", migrate: changeLog)
        m.registerMigration("v3 tracking", migrate: tracking)
        m.registerMigration("v4 accounts and audit", migrate: accounts)
        m.registerMigration("v5 plan layers", migrate: planLayers)
        m.registerMigration("v6 a layer per draft", migrate: draftLayers)
        m.registerMigration("v7 cases", migrate: cases)
        m.registerMigration("v8 open311 keys", migrate: open311Keys)
        m.registerMigration("v9 webhook outbox", migrate: outbox)
        m.registerMigration("v10 case photos", migrate: casePhotos)
        m.registerMigration("v11 case numbers", migrate: caseNumbers)
        m.registerMigration("v12 reporter notices", migrate: notices)
        m.registerMigration("v13 case list indexes", migrate: caseListIndexes)
        m.registerMigration("v14 case density", migrate: caseDensity)
        m.registerMigration("v15 assessment", migrate: assessment)
        m.registerMigration("v16 people and access log", migrate: people)
        m.registerMigration("v17 monthly assessment tallies", migrate: monthlyTallies)
        m.registerMigration("v18 public facilities", migrate: facilities)
        m.registerMigration("v19 organisations and building heights", migrate: organisations)
        m.registerMigration("v20 people by name", migrate: { db in try db.execute(sql: "CREATE INDEX people_name ON people(name)") })
        m.registerMigration("v21 field updates", migrate: fieldUpdates)
        m.registerMigration("v22 device states and request keys", migrate: { db in try db.execute(sql: deviceStatesAndRequestKeys) })
        m.registerMigration("v23 key kinds, cases located at home", migrate: { db in try db.execute(sql: keyKinds(real: "REAL")) })
        m.registerMigration("v24 category words and examples", migrate: { db in
            try db.execute(sql: categoryWords(text: "TEXT", real: "REAL", serial: "INTEGER PRIMARY KEY AUTOINCREMENT"))
        })
        m.registerMigration("v25 routing rules", migrate: { db in try db.execute(sql: routingRules(text: "TEXT", serial: "INTEGER PRIMARY KEY AUTOINCREMENT")) })
        m.registerMigration("v26 reporter notices", migrate: { db in try db.execute(sql: reporterNotices(text: "TEXT")) })
        m.registerMigration("v27 triage limits", migrate: { db in try db.execute(sql: triageLimits(text: "TEXT")) })
        m.registerMigration("v28 duty phones, media urls, history by time", migrate: { db in try db.execute(sql: dutyPhones(text: "TEXT")) })
        m.registerMigration("v29 case assignees", migrate: { db in try db.execute(sql: assignees(text: "TEXT")) })
        m.registerMigration("v30 sign-in links", migrate: { db in try db.execute(sql: loginLinks(text: "TEXT", key: "INTEGER")) })
        // PostgreSQL's box function for its GiST index (`BoxIndex.meets`); a file's R-trees need none.
        m.registerMigration("v31 spatial boxes", migrate: { _ in })
        return m
    }

    /// GeoPackage 1.3 required tables and header values.
    static func geoPackageCore(_ db: Database) throws {
        try db.execute(sql: """
            PRAGMA application_id = 1196444487;
            PRAGMA user_version = 10300;
            CREATE TABLE gpkg_spatial_ref_sys (
              srs_name TEXT NOT NULL,
              srs_id INTEGER PRIMARY KEY,
              organization TEXT NOT NULL,
              organization_coordsys_id INTEGER NOT NULL,
              definition TEXT NOT NULL,
              description TEXT
            );
            CREATE TABLE gpkg_contents (
              table_name TEXT NOT NULL PRIMARY KEY,
              data_type TEXT NOT NULL,
              identifier TEXT UNIQUE,
              description TEXT DEFAULT '',
              last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
              min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
              srs_id INTEGER,
              CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
            );
            CREATE TABLE gpkg_geometry_columns (
              table_name TEXT NOT NULL,
              column_name TEXT NOT NULL,
              geometry_type_name TEXT NOT NULL,
              srs_id INTEGER NOT NULL,
              z TINYINT NOT NULL,
              m TINYINT NOT NULL,
              CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
              CONSTRAINT uk_gc_table_name UNIQUE (table_name),
              CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
              CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
            );
            CREATE TABLE gpkg_extensions (
              table_name TEXT,
              column_name TEXT,
              extension_name TEXT NOT NULL,
              definition TEXT NOT NULL,
              scope TEXT NOT NULL,
              CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
            );
            INSERT INTO gpkg_spatial_ref_sys VALUES
              ('WGS 84 geodetic', 4326, 'EPSG', 4326,
               'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
               'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid'),
              ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
              ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
            """)
    }

    static func civicGridTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE regions (
              fid INTEGER PRIMARY KEY AUTOINCREMENT,
              geom MULTIPOLYGON NOT NULL,
              code TEXT NOT NULL UNIQUE,
              name TEXT NOT NULL,
              level TEXT NOT NULL CHECK (level IN ('city', 'district', 'street', 'community')),
              parent TEXT REFERENCES regions(code) ON UPDATE CASCADE ON DELETE RESTRICT
            );
            CREATE INDEX regions_parent ON regions(parent);
            CREATE INDEX regions_level ON regions(level);

            CREATE TABLE buildings (
              fid INTEGER PRIMARY KEY AUTOINCREMENT,
              geom MULTIPOLYGON NOT NULL,
              ref TEXT UNIQUE,
              address TEXT,
              floors INTEGER,
              households INTEGER NOT NULL CHECK (households >= 0),
              households_source TEXT NOT NULL CHECK (households_source IN ('declared', 'estimated', 'records')),
              area_m2 REAL NOT NULL,
              community TEXT REFERENCES regions(code) ON UPDATE CASCADE ON DELETE SET NULL,
              label_x REAL NOT NULL,
              label_y REAL NOT NULL
            );
            CREATE INDEX buildings_community ON buildings(community);

            -- head_name and phone are personal data: only household-level queries read them.
            CREATE TABLE households (
              id INTEGER PRIMARY KEY,
              building INTEGER NOT NULL REFERENCES buildings(fid) ON DELETE CASCADE,
              unit TEXT NOT NULL,
              size INTEGER,
              head_name TEXT,
              phone TEXT,
              UNIQUE (building, unit)
            );

            CREATE TABLE roads (
              fid INTEGER PRIMARY KEY AUTOINCREMENT,
              geom MULTILINESTRING NOT NULL,
              name TEXT,
              kind TEXT NOT NULL DEFAULT 'road'
            );

            CREATE TABLE plans (
              id INTEGER PRIMARY KEY,
              community TEXT NOT NULL REFERENCES regions(code) ON UPDATE CASCADE,
              status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
              based_on INTEGER REFERENCES plans(id),
              author TEXT,
              created_at TEXT NOT NULL,
              updated_at TEXT NOT NULL,
              version INTEGER NOT NULL DEFAULT 1,
              params TEXT
            );
            CREATE UNIQUE INDEX plans_one_published ON plans(community) WHERE status = 'published';

            CREATE TABLE grids (
              fid INTEGER PRIMARY KEY AUTOINCREMENT,
              geom POLYGON NOT NULL,
              plan INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
              code TEXT NOT NULL,
              name TEXT,
              households INTEGER NOT NULL DEFAULT 0,
              buildings INTEGER NOT NULL DEFAULT 0,
              area_m2 REAL,
              UNIQUE (plan, code)
            );

            CREATE TABLE grid_buildings (
              plan INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
              building INTEGER NOT NULL REFERENCES buildings(fid) ON DELETE CASCADE,
              grid INTEGER NOT NULL REFERENCES grids(fid) ON DELETE CASCADE,
              PRIMARY KEY (plan, building)
            ) WITHOUT ROWID;
            CREATE INDEX grid_buildings_grid ON grid_buildings(grid);

            -- phone is personal data.
            CREATE TABLE members (
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL,
              phone TEXT,
              role TEXT NOT NULL DEFAULT 'member',
              region TEXT REFERENCES regions(code) ON UPDATE CASCADE
            );
            CREATE TABLE member_grids (
              member INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
              grid_code TEXT NOT NULL,
              PRIMARY KEY (member, grid_code)
            ) WITHOUT ROWID;

            CREATE TABLE devices (
              id TEXT PRIMARY KEY,
              member INTEGER NOT NULL REFERENCES members(id),
              token_hash TEXT NOT NULL,
              crs TEXT NOT NULL DEFAULT 'wgs84' CHECK (crs IN ('wgs84', 'gcj02')),
              speed_unit TEXT NOT NULL DEFAULT 'kn',
              created_at TEXT NOT NULL,
              revoked_at TEXT
            );

            CREATE TABLE pings (
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
            """)
        for t in featureTables {
            try registerFeatureTable(db, table: t.table, geometryType: t.type, description: t.description)
        }
        // An attributes table in gpkg_contents also tells GDAL to list registered tables
        // only, so internal tables (households, devices, pings...) stay out of desktop GIS.
        try db.execute(sql: """
            INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
              VALUES ('plans', 'attributes', 'plans', 'Grid plans: draft, published, archived')
            """)
    }

    /// Geofence events, and the time index that retention and tracks use.
    static func tracking(_ db: Database) throws {
        try db.execute(sql: """
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
            """)
    }

    /// API tokens of accounts (the members table holds accounts: name, role, region) and the
    /// audit log of plan changes.
    static func accounts(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE tokens (
              id INTEGER PRIMARY KEY,
              member INTEGER NOT NULL REFERENCES members(id),
              token_hash TEXT NOT NULL UNIQUE,
              created_at TEXT NOT NULL,
              revoked_at TEXT
            );
            CREATE INDEX tokens_member ON tokens(member);
            CREATE TABLE audit (
              id INTEGER PRIMARY KEY,
              at TEXT NOT NULL,
              actor TEXT NOT NULL,
              community TEXT,
              plan INTEGER,
              action TEXT NOT NULL,
              detail TEXT NOT NULL DEFAULT '{}'
            );
            CREATE INDEX audit_plan ON audit(plan, id);
            CREATE INDEX audit_community ON audit(community, id);
            """)
    }

    /// What each write changed on the map, for tile caches (see `DataChange`).
    static func changeLog(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE changes (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              layer TEXT NOT NULL,
              minx REAL NOT NULL, miny REAL NOT NULL, maxx REAL NOT NULL, maxy REAL NOT NULL,
              at TEXT NOT NULL
            );
            """)
    }

    /// The grids of the plans in force and of the drafts as layers of their own, for a desktop
    /// GIS that opens the file (the `grids` table holds every plan's, archived ones too):
    /// GeoPackage feature views, registered in gpkg_contents and gpkg_geometry_columns.
    static func planLayers(_ db: Database) throws {
        for (view, status, description) in [("published_grids", "published", "Unit grids of the published plans"),
                                             ("draft_grids", "draft", "Unit grids of the draft plans (field plan tells them apart)")] {
            try db.execute(sql: """
                CREATE VIEW \(view) AS
                  SELECT g.fid AS fid, g.geom AS geom, g.code AS code, g.name AS name, p.community AS community, g.plan AS plan,
                         g.households AS households, g.buildings AS buildings, g.area_m2 AS area_m2
                  FROM grids g JOIN plans p ON p.id = g.plan WHERE p.status = '\(status)';
                INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, 'features', ?, ?, 4326);
                INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POLYGON', 4326, 0, 0);
                """, arguments: [view, view, description, view])
        }
    }

    /// Cases and what they need: the category catalogue, departments, the working calendar,
    /// department accounts; every transition of a case in its history.
    static func cases(_ db: Database) throws {
        try db.execute(sql: """
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
            """)
        try registerFeatureTable(db, table: "cases", geometryType: "POINT", description: "Cases: problems reported and their handling")
    }

    /// Keys of the applications that report through Open311 (hashed, like every token).
    static func open311Keys(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE open311_keys (
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL UNIQUE,
              key_hash TEXT NOT NULL UNIQUE,
              created_at TEXT NOT NULL,
              revoked_at TEXT
            );
            """)
    }

    /// Application keys of two kinds: `open311` (apps that post requests) and `sms` (gateways,
    /// which also read residents' whole phone numbers from the outbox). Keys issued before
    /// stay Open311 keys.
    /// Cases located only by the reporter's home keep that apart, with the point the public
    /// is shown instead (the home grid's label point).
    /// (`REAL` here, a GeoPackage's type; PostgreSQL's `double precision` there.)
    /// The words residents use for each category, the labelled messages the classifier learns
    /// from, and what it made of a case: its confidence, and whether a person must categorise it.
    static func categoryWords(text: String, real: String, serial: String) -> String {
        """
        ALTER TABLE case_categories ADD COLUMN words \(text) NOT NULL DEFAULT '';
        CREATE TABLE category_examples (
          id \(serial),
          category \(text) NOT NULL REFERENCES case_categories(code) ON DELETE CASCADE,
          text \(text) NOT NULL
        );
        ALTER TABLE cases ADD COLUMN category_confidence \(real);
        ALTER TABLE cases ADD COLUMN needs_category INTEGER NOT NULL DEFAULT 0;
        """
    }

    /// Routing rules beyond the catalogue's default department (category × region subtree →
    /// department, by priority), the sources whose located reports of a category the system
    /// verifies, files and dispatches itself, and follow-ups: a reporter's repeat of an open
    /// case, attached to it instead of filed again.
    static func routingRules(text: String, serial: String) -> String {
        """
        CREATE TABLE routing_rules (
          id \(serial),
          category \(text) NOT NULL,
          region \(text),
          department \(text) NOT NULL REFERENCES departments(code),
          priority INTEGER NOT NULL DEFAULT 0
        );
        ALTER TABLE case_categories ADD COLUMN auto_dispatch \(text) NOT NULL DEFAULT '';
        ALTER TABLE cases ADD COLUMN follow_ups INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX cases_reporter_phone ON cases(reporter_phone) WHERE reporter_phone IS NOT NULL;
        CREATE TABLE case_followups (
          id \(serial),
          case_fid INTEGER NOT NULL REFERENCES cases(fid) ON DELETE CASCADE,
          at \(text) NOT NULL,
          source \(text) NOT NULL,
          text \(text) NOT NULL
        );
        CREATE INDEX case_followups_case ON case_followups(case_fid);
        """
    }

    /// What the reporter was last told (the case's public note) and the templates of what
    /// they are told.
    static func reporterNotices(text: String) -> String {
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
    static func dutyPhones(text: String) -> String {
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

    /// One-time sign-in links for phones (`users login-link`): the code's hash, whose account,
    /// until when, and when it was used.
    static func loginLinks(text: String, key: String) -> String {
        """
        CREATE TABLE login_links (
          code_hash \(text) PRIMARY KEY,
          member \(key) NOT NULL REFERENCES members(id),
          created_by \(text) NOT NULL,
          created_at \(text) NOT NULL,
          expires_at \(text) NOT NULL,
          used_at \(text)
        );
        """
    }

    /// The grid staff member a verification or check was given to (`CaseAction.assign`).
    static func assignees(text: String) -> String {
        """
        ALTER TABLE cases ADD COLUMN assignee \(text);
        CREATE INDEX cases_assignee ON cases(assignee);
        """
    }

    /// How long a new case may wait untouched at a level's desk (by urgency) before it goes
    /// one desk up.
    static func triageLimits(text: String) -> String {
        """
        CREATE TABLE triage_limits (
          level \(text) NOT NULL,
          urgency \(text) NOT NULL,
          time_limit \(text) NOT NULL,
          PRIMARY KEY (level, urgency)
        );
        """
    }

    static func keyKinds(real: String) -> String {
        """
        ALTER TABLE open311_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'open311';
        ALTER TABLE cases ADD COLUMN located_at_home INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE cases ADD COLUMN public_lon \(real);
        ALTER TABLE cases ADD COLUMN public_lat \(real);
        """
    }

    /// Departments' webhooks and the outbox of case events waiting to reach them: written in
    /// the transaction that changes the case, delivered (and retried) afterwards.
    /// Photos of cases: the files lie beside the database, named by their SHA-256; a row links
    /// one to its case and the step it came with.
    static func casePhotos(_ db: Database) throws {
        try db.execute(sql: """
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
            """)
    }

    /// The last case number given each day, so that the next is found without counting the
    /// day's cases.
    static func caseNumbers(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE case_numbers (
              day TEXT PRIMARY KEY,
              last INTEGER NOT NULL
            );
            INSERT INTO case_numbers (day, last)
              SELECT substr(number, 1, 8), max(CAST(substr(number, 9) AS INTEGER)) FROM cases GROUP BY substr(number, 1, 8);
            """)
    }

    /// Messages to reporters through the channel they reported by (an SMS for a text
    /// message), waiting for the gateway to fetch and send them.
    static func notices(_ db: Database) throws {
        try db.execute(sql: """
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
            """)
    }

    /// The case list's filters, newest first, without sorting what they match: by status, by
    /// category, by street (a community and a district have theirs or need none).
    static func caseListIndexes(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX cases_status_created ON cases(status, created_at);
            CREATE INDEX cases_category_created ON cases(category, created_at);
            CREATE INDEX cases_street_created ON cases(street, created_at);
            """)
    }

    /// Cases counted per zoom-18 tile (about 150 m): what the case tiles draw far out without
    /// reading a million rows. Kept by `StoreWriter.insert`; filled here from the cases there are.
    static func caseDensity(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE case_density (
              x INTEGER NOT NULL,
              y INTEGER NOT NULL,
              count INTEGER NOT NULL,
              PRIMARY KEY (x, y)
            ) WITHOUT ROWID;
            """)
        var counts: [CaseDensity.Cell: Int] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT geom FROM cases")
        while let row = try rows.next() {
            guard case .point(let p) = try GeoPackageBinary.decode(row["geom"]).geometry else { continue }
            counts[CaseDensity.cell(p), default: 0] += 1
        }
        for (cell, n) in counts {
            try db.execute(sql: "INSERT INTO case_density (x, y, count) VALUES (?, ?, ?)", arguments: [cell.x, cell.y, n])
        }
    }

    /// The assessment's daily tallies per unit, kept up to date from the cases changed since
    /// (`assessment_dirty`, filled by triggers: a case changed, with the last history row the
    /// tallies had counted and its category then); the deadline each history row left; the
    /// rankings kept for closed months; the scoring configuration the admin loaded.
    static func assessment(_ db: Database) throws {
        try db.execute(sql: """
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
            """)
    }

    /// Members of households (personal: the name, the phone; the ID number only as a keyed
    /// hash for lookup and sealed with a key kept outside this file) and the log of every read
    /// of personal fields.
    static func people(_ db: Database) throws {
        try db.execute(sql: """
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
            """)
    }

    /// The daily tallies summed per calendar month as well, so that a quarter or a year is a
    /// few rows per unit; filled from the daily ones.
    static func monthlyTallies(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE assessment_monthly (
              level TEXT NOT NULL,
              month INTEGER NOT NULL,
              unit TEXT NOT NULL,
              tally BLOB NOT NULL,
              PRIMARY KEY (level, month, unit)
            ) WITHOUT ROWID;
            """)
        var sums: [TallyKey: Tally] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT level, day, unit, tally FROM assessment_daily")
        while let row = try rows.next() {
            guard let level = UnitLevel(rawValue: row[0]) else { continue }
            let data: Data = row[3]
            try sums[TallyKey(level, row[2], day: AssessmentMonth.of(day: row[1])), default: Tally()].add(TallyCodec.decode(data))
        }
        for (key, t) in sums where !t.isZero {
            try db.execute(sql: "INSERT INTO assessment_monthly (level, month, unit, tally) VALUES (?, ?, ?, ?)",
                           arguments: [key.level.rawValue, key.day, key.unit, TallyCodec.encode(t)])
        }
    }

    /// Public facilities (the "parts" of digital urban management: manhole covers, street
    /// lamps, hydrants …), a point layer; the cases that name one.
    static func facilities(_ db: Database) throws {
        try db.execute(sql: """
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
            """)
        try registerFeatureTable(db, table: "facilities", geometryType: "POINT", description: "Public facilities: manhole covers, street lamps, hydrants, bins …")
    }

    /// Shops, enterprises, schools … (a point layer whose public fields are name and kind; the
    /// contact is personal), and buildings' stored heights.
    static func organisations(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE buildings ADD COLUMN height REAL CHECK (height > 0);
            CREATE TABLE organisations (
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
            CREATE INDEX organisations_community ON organisations(community);
            CREATE INDEX organisations_building ON organisations(building);
            """)
        try registerFeatureTable(db, table: "organisations", geometryType: "POINT", description: "Organisations: shops, enterprises, schools, clinics …")
    }

    /// Changes to the basic data submitted from the field, applied only when a reviewer
    /// approves: who, when, what, and what it made.
    static func fieldUpdates(_ db: Database) throws {
        try db.execute(sql: """
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
            """)
    }

    /// What the ingest judges a device's next fixes from (its latest plausible fix, that fix's
    /// grid, its geofence: confirmed side, last grid, the crossing being dwelt on), written with
    /// the fixes, filled here from the pings and events; and the keys clients send with a case
    /// report (`Idempotency-Key`) so that a retry files nothing twice.
    static let deviceStatesAndRequestKeys = """
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
        \(fillDeviceStates)
        CREATE TABLE request_keys (
          scope TEXT NOT NULL,
          key TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          case_fid INTEGER NOT NULL REFERENCES cases(fid),
          created_at TEXT NOT NULL,
          PRIMARY KEY (scope, key)
        );
        CREATE INDEX request_keys_created ON request_keys(created_at);
        """

    /// Each device's state from its stored pings and events (both stores).
    static let fillDeviceStates = """
        INSERT INTO device_states (device, time, lon, lat, grid, inside)
          SELECT d.id, p.time, p.lon, p.lat, p.grid,
                 (SELECT CASE e.kind WHEN 'returned' THEN 1 ELSE 0 END FROM events e WHERE e.device = d.id ORDER BY e.time DESC, e.id DESC LIMIT 1)
          FROM devices d LEFT JOIN pings p ON p.id = (SELECT q.id FROM pings q WHERE q.device = d.id AND q.flags = 0 ORDER BY q.time DESC LIMIT 1);
        """

    static func outbox(_ db: Database) throws {
        try db.execute(sql: """
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
            """)
    }

    /// Each draft its own layer instead of one view of every draft's grids.
    static func draftLayers(_ db: Database) throws {
        try dropView(db, "draft_grids")
        for (id, community) in try Row.fetchAll(db, sql: "SELECT id, community FROM plans WHERE status = 'draft' ORDER BY id").map({ ($0[0] as Int64, $0[1] as String) }) {
            try createDraftView(db, plan: id, community: community)
        }
    }

    /// The layer of one draft's grids: `draft_<plan>_grids`, registered as a feature view.
    static func draftView(_ plan: Int64) -> String { "draft_\(plan)_grids" }

    static func createDraftView(_ db: Database, plan: Int64, community: String) throws {
        let view = draftView(plan)
        try db.execute(sql: """
            CREATE VIEW \(view) AS
              SELECT g.fid AS fid, g.geom AS geom, g.code AS code, g.name AS name, g.households AS households,
                     g.buildings AS buildings, g.area_m2 AS area_m2
              FROM grids g WHERE g.plan = \(plan);
            INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES (?, 'features', ?, ?, 4326);
            INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POLYGON', 4326, 0, 0);
            """, arguments: [view, "Draft \(plan) of \(community)", "Unit grids of draft plan \(plan) of community \(community)", view])
    }

    static func dropView(_ db: Database, _ view: String) throws {
        try db.execute(sql: """
            DROP VIEW IF EXISTS \(view);
            DELETE FROM gpkg_geometry_columns WHERE table_name = ?;
            DELETE FROM gpkg_contents WHERE table_name = ?;
            """, arguments: [view, view])
    }

    /// Sets a feature table's extent in gpkg_contents from its R-tree, and its last change.
    static func updateExtent(_ db: Database, table: String) throws {
        try db.execute(sql: """
            UPDATE gpkg_contents SET
              min_x = (SELECT min(minx) FROM rtree_\(table)_geom),
              min_y = (SELECT min(miny) FROM rtree_\(table)_geom),
              max_x = (SELECT max(maxx) FROM rtree_\(table)_geom),
              max_y = (SELECT max(maxy) FROM rtree_\(table)_geom),
              last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
            WHERE table_name = ?
            """, arguments: [table])
    }

    /// Registers a feature table in gpkg_contents and gpkg_geometry_columns and gives it a
    /// GeoPackage R-tree index kept current by the standard triggers (GeoPackage 1.3 F.3),
    /// except that update1 deletes then inserts, as GeoPackage 1.4 does: SQLite's R*Tree
    /// refuses the 1.3 `INSERT OR REPLACE` when the outer statement is an UPSERT.
    static func registerFeatureTable(_ db: Database, table t: String, geometryType: String, description: String) throws {
        let c = "geom", i = "fid", r = "rtree_\(t)_\(c)"
        try db.execute(sql: """
            INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
              VALUES (?, 'features', ?, ?, 4326);
            INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, 4326, 0, 0);
            INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index',
              'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
            """, arguments: [t, t, description, t, c, geometryType, t, c])
        try db.execute(sql: """
            CREATE VIRTUAL TABLE \(r) USING rtree(id, minx, maxx, miny, maxy);
            CREATE TRIGGER \(r)_insert AFTER INSERT ON \(t)
              WHEN (new.\(c) NOT NULL AND NOT ST_IsEmpty(NEW.\(c)))
            BEGIN
              INSERT OR REPLACE INTO \(r) VALUES (NEW.\(i),
                ST_MinX(NEW.\(c)), ST_MaxX(NEW.\(c)), ST_MinY(NEW.\(c)), ST_MaxY(NEW.\(c)));
            END;
            CREATE TRIGGER \(r)_update1 AFTER UPDATE OF \(c) ON \(t)
              WHEN OLD.\(i) = NEW.\(i) AND (NEW.\(c) NOTNULL AND NOT ST_IsEmpty(NEW.\(c)))
            BEGIN
              DELETE FROM \(r) WHERE id = OLD.\(i);
              INSERT INTO \(r) VALUES (NEW.\(i),
                ST_MinX(NEW.\(c)), ST_MaxX(NEW.\(c)), ST_MinY(NEW.\(c)), ST_MaxY(NEW.\(c)));
            END;
            CREATE TRIGGER \(r)_update2 AFTER UPDATE OF \(c) ON \(t)
              WHEN OLD.\(i) = NEW.\(i) AND (NEW.\(c) ISNULL OR ST_IsEmpty(NEW.\(c)))
            BEGIN
              DELETE FROM \(r) WHERE id = OLD.\(i);
            END;
            CREATE TRIGGER \(r)_update3 AFTER UPDATE ON \(t)
              WHEN OLD.\(i) != NEW.\(i) AND (NEW.\(c) NOTNULL AND NOT ST_IsEmpty(NEW.\(c)))
            BEGIN
              DELETE FROM \(r) WHERE id = OLD.\(i);
              INSERT OR REPLACE INTO \(r) VALUES (NEW.\(i),
                ST_MinX(NEW.\(c)), ST_MaxX(NEW.\(c)), ST_MinY(NEW.\(c)), ST_MaxY(NEW.\(c)));
            END;
            CREATE TRIGGER \(r)_update4 AFTER UPDATE ON \(t)
              WHEN OLD.\(i) != NEW.\(i) AND (NEW.\(c) ISNULL OR ST_IsEmpty(NEW.\(c)))
            BEGIN
              DELETE FROM \(r) WHERE id IN (OLD.\(i), NEW.\(i));
            END;
            CREATE TRIGGER \(r)_delete AFTER DELETE ON \(t)
              WHEN old.\(c) NOT NULL
            BEGIN
              DELETE FROM \(r) WHERE id = OLD.\(i);
            END;
            """)
    }
}
