import Foundation
import CivicGridModel
import GRDB
import GridGeometry

/// The core's schema: its migrations (a GeoPackage file's SQL here, PostgreSQL's in
/// `PostgresSchema`) and what a GeoPackage needs of every layer (registration, R-trees, extents,
/// the drafts' views). Every version is a new migration; none is ever edited once released.
enum Schema {
    /// Spatial tables: name, geometry type, description.
    static let featureTables: [(table: String, type: String, description: String)] = [
        ("regions", "MULTIPOLYGON", "Administrative regions: city, district, street, community"),
        ("buildings", "MULTIPOLYGON", "Building footprints with household counts"),
        ("roads", "MULTILINESTRING", "Road centrelines and rivers"),
        ("grids", "POLYGON", "Unit grids of every plan"),
    ]

    /// The core's migrations (each feature's are in its target: `StoreSchema`).
    static let core: [StoreMigration] = [
        StoreMigration("v1 geopackage core", postgres: "CREATE EXTENSION IF NOT EXISTS postgis", sqlite: geoPackageCore),
        StoreMigration("v1 civicgrid tables", postgres: PostgresSchema.civicGridTables, sqlite: civicGridTables),
        StoreMigration("v2 change log", postgres: PostgresSchema.changeLog, sqlite: changeLog),
        StoreMigration("v4 accounts and audit", postgres: PostgresSchema.accounts, sqlite: accounts),
        StoreMigration("v5 plan layers", postgres: PostgresSchema.planLayers, sqlite: planLayers),
        // Draft layers are GeoPackage views for desktop GIS; a PostGIS client filters `grids` by plan.
        StoreMigration("v6 a layer per draft", postgres: "", sqlite: draftLayers),
        StoreMigration("v19 organisations and building heights", postgres: PostgresSchema.buildingHeights, sqlite: buildingHeights),
        StoreMigration("v30 sign-in links") { d in loginLinks(text: d.text, key: d.integer) },
        // PostgreSQL's box function for its GiST index (`BoxIndex.meets`); a file's R-trees need none.
        StoreMigration("v31 spatial boxes", postgres: PostgresSchema.box, sqlite: { _ in }),
    ]

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

    /// Buildings' stored heights (the organisations this migration made in databases before
    /// them are GridPeople's "v19 organisations").
    static func buildingHeights(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE buildings ADD COLUMN height REAL CHECK (height > 0)")
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
