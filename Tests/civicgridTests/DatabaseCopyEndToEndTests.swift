import Foundation
import Testing

/// `civicgrid db copy`: a GeoPackage into PostgreSQL/PostGIS and back, on the tests' own cluster.
@Suite(.serialized)
struct DatabaseCopyEndToEndTests {
    /// The published demo with cases, people, facilities, organisations, an account and a
    /// device: every kind of table has rows.
    static func richDemo() async throws -> String {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        for step in [["demo", "cases", "--db", db, "--count", "120"], ["demo", "people", "--db", db],
                     ["demo", "facilities", "--db", db], ["demo", "organisations", "--db", db],
                     ["assess", "--db", db, "--period", "2026-11"],
                     ["users", "add", "--db", db, "--name", "copy admin", "--role", "admin"],
                     ["devices", "add", "--db", db, "--member", "1", "--id", "phone-1"]] {
            _ = try await ok(step)
        }
        return db
    }

    /// Table lines of a copy's report: name, rows, checksum.
    static func tables(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").map(String.init).filter { $0.split(separator: "\t").count == 3 }
    }

    @Test func aGeoPackageGoesToPostgresAndBackUnchanged() async throws {
        let source = try await Self.richDemo()
        let url = try await postgresDatabase()
        let there = try await civicgrid("db", "copy", "--from", source, "--to", url)
        #expect(there.status == 0, "\(there.stderr)")
        #expect(there.stdout.contains("counts and checksums equal on both sides"))
        #expect(there.stderr.contains("copy buildings 100% (7368/7368)"))  // progress
        let copied = Self.tables(there.stdout)
        for table in ["buildings", "cases", "case_history", "people", "facilities", "organisations", "assessment_daily", "devices", "grid_buildings"] {
            #expect(copied.contains { $0.hasPrefix(table + "\t") }, "\(table) missing from \(there.stdout)")
        }
        // PostGIS holds the geometries: the same count of valid multipolygons, and the extent.
        #expect(try await psql(url, "SELECT count(*) FROM buildings WHERE ST_IsValid(geom) AND GeometryType(geom) = 'MULTIPOLYGON'") == "7368")
        #expect(try await psql(url, "SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist%'") == "7")
        // The assessment's triggers act as SQLite's: a changed case is noted for a recount.
        #expect(try await psql(url, "UPDATE cases SET version = version WHERE fid = 1; SELECT count(*) FROM assessment_dirty") == "1")
        #expect(try await psql(url, "DELETE FROM assessment_dirty; SELECT count(*) FROM assessment_dirty") == "0")

        let back = temporaryPath("gpkg")
        let home = try await civicgrid("db", "copy", "--from", url, "--to", back)
        #expect(home.status == 0, "\(home.stderr)")
        #expect(Self.tables(home.stdout) == copied)  // the same rows and checksums, table by table
        #expect(try await ok(["check", "--db", back]).contains("integrity: ok"))
        // A desktop GIS opens the copy: its layers and their extents.
        let info = try await run("/usr/bin/ogrinfo", ["-ro", "-so", back, "buildings"])
        #expect(info.output.contains("Feature Count: 7368"), "\(info.output)")
        #expect(try await run("/usr/bin/sqlite3", [back, "SELECT count(*) FROM rtree_buildings_geom"]).output.hasPrefix("7368"))
        // New rows keep numbering where the source stood.
        #expect(try await run("/usr/bin/sqlite3", [back, "SELECT seq FROM sqlite_sequence WHERE name = 'buildings'"]).output
                == run("/usr/bin/sqlite3", [source, "SELECT seq FROM sqlite_sequence WHERE name = 'buildings'"]).output)
    }

    @Test func aTargetWithDataIsRefusedAndKeepsIt() async throws {
        let source = try await publishedDemo()
        let url = try await postgresDatabase()
        #expect(try await civicgrid("db", "copy", "--from", source, "--to", url).status == 0)
        let before = try await psql(url, "SELECT count(*) FROM buildings")
        let again = try await civicgrid("db", "copy", "--from", source, "--to", url)
        #expect(again.status != 0)
        #expect(again.stderr.contains("the target is not empty"), "\(again.stderr)")
        #expect(again.stderr.contains("nothing was copied"))
        #expect(try await psql(url, "SELECT count(*) FROM buildings") == before)
    }

    @Test func badTargetsAreNamedAndLeaveNoFile() async throws {
        let source = try await publishedDemo()
        let noDatabase = try await civicgrid("db", "copy", "--from", source, "--to", "postgres://civicgrid@127.0.0.1:1")
        #expect(noDatabase.status != 0)
        #expect(noDatabase.stderr.contains("the PostgreSQL URL names no database"), "\(noDatabase.stderr)")
        let secret = try await civicgrid("db", "copy", "--from", source, "--to", "postgres://civicgrid:hunter2@127.0.0.1:1/x")
        #expect(secret.stderr.contains("cannot connect to postgres://civicgrid@127.0.0.1:1/x"), "\(secret.stderr)")
        #expect(!secret.stderr.contains("hunter2"))  // a password never reaches a message
        let file = temporaryPath("gpkg")
        let unreachable = try await civicgrid("db", "copy", "--from", "postgres://civicgrid@127.0.0.1:1/x", "--to", file)
        #expect(unreachable.status != 0)
        #expect(!FileManager.default.fileExists(atPath: file))
        let twoFiles = try await civicgrid("db", "copy", "--from", source, "--to", temporaryPath("gpkg"))
        #expect(twoFiles.stderr.contains("a copy goes from a GeoPackage file to a PostgreSQL database"), "\(twoFiles.stderr)")
    }

    /// The PostgreSQL schema is the file's, column for column (names in order, types, NOT NULL,
    /// keys) and index for index (by name; the R-trees are GiST indexes there).
    @Test func bothSchemasAgree() async throws {
        let url = try await postgresDatabase()
        let file = try await publishedDemo()
        #expect(try await civicgrid("db", "copy", "--from", file, "--to", url).status == 0)
        // SQLite's declared types as PostgreSQL names them (a GeoPackage geometry type is a PostGIS geometry).
        let sqliteColumns = try await run("/usr/bin/sqlite3", ["-separator", "|", file, """
            SELECT m.name, p.name, p."notnull" OR p.pk > 0, p.pk > 0,
                   CASE p.type WHEN 'INTEGER' THEN 'bigint' WHEN 'REAL' THEN 'double precision' WHEN 'TEXT' THEN 'text'
                               WHEN 'BLOB' THEN 'bytea' ELSE 'geometry' END
            FROM sqlite_master m, pragma_table_info(m.name) p
            WHERE m.type = 'table' AND m.name NOT LIKE 'gpkg%' AND m.name NOT LIKE 'rtree%' AND m.name NOT LIKE 'sqlite%'
              AND m.name != 'grdb_migrations' ORDER BY m.name, p.cid
            """]).output.split(separator: "\n").map { $0.replacingOccurrences(of: "|1|1|", with: "|t|t|").replacingOccurrences(of: "|1|0|", with: "|t|f|").replacingOccurrences(of: "|0|0|", with: "|f|f|") }
        let postgresColumns = try await psql(url, """
            SELECT c.table_name || '|' || c.column_name || '|' || (c.is_nullable = 'NO')::text || '|' ||
                   EXISTS (SELECT 1 FROM information_schema.key_column_usage k JOIN information_schema.table_constraints t
                             ON t.constraint_name = k.constraint_name AND t.constraint_type = 'PRIMARY KEY'
                           WHERE k.table_name = c.table_name AND k.column_name = c.column_name)::text || '|' ||
                   CASE WHEN c.data_type = 'USER-DEFINED' THEN c.udt_name ELSE c.data_type END
            FROM information_schema.columns c JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name NOT IN ('spatial_ref_sys', 'civicgrid_migrations')
            ORDER BY c.table_name COLLATE "C", c.ordinal_position
            """).split(separator: "\n").map { $0.replacingOccurrences(of: "|true", with: "|t").replacingOccurrences(of: "|false", with: "|f") }
        #expect(sqliteColumns.count > 250)
        #expect(sqliteColumns == postgresColumns, "\(Set(sqliteColumns).symmetricDifference(postgresColumns).sorted())")
        // Indexes made by name (not those SQLite makes for a UNIQUE or a key, or PostgreSQL for a constraint).
        let sqliteIndexes = Set(try await run("/usr/bin/sqlite3", ["-separator", "|", file, """
            SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name NOT LIKE 'gpkg%'
            """]).output.split(separator: "\n"))
        let postgresIndexes = Set(try await psql(url, """
            SELECT tablename || '|' || indexname FROM pg_indexes WHERE schemaname = 'public' AND indexdef NOT LIKE '%USING gist%'
              AND indexname NOT IN (SELECT conname FROM pg_constraint) AND tablename NOT IN ('spatial_ref_sys', 'civicgrid_migrations')
            """).split(separator: "\n"))
        #expect(sqliteIndexes.count > 30)
        #expect(sqliteIndexes == postgresIndexes, "\(sqliteIndexes.symmetricDifference(postgresIndexes).sorted())")
        // The same migrations, by name, in the same order.
        let sqliteMigrations = try await run("/usr/bin/sqlite3", [file, "SELECT identifier FROM grdb_migrations"]).output
        let postgresMigrations = try await psql(url, "SELECT identifier FROM civicgrid_migrations")
        #expect(Set(sqliteMigrations.split(separator: "\n")) == Set(postgresMigrations.split(separator: "\n")))
    }
}
