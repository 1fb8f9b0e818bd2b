import Foundation
import GridSchema
import GridTestSupport
import Testing
@testable import GridStore

/// The schema written for two stores stays one: after every migration of the whole schema,
/// a GeoPackage file and a PostgreSQL database have the same tables with the same columns
/// (names in order, types as each store names them, NOT NULL, keys) and the same indexes.
struct StoreMigrationTests {
    @Test func migrationsAreNamedByVersionAndRunInOrder() {
        let migrations = StoreSchema.civicGrid.migrations
        #expect(migrations.first?.name == "v1 geopackage core")
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        #expect(Set(migrations.map(\.name)).count == migrations.count)
        #expect(migrations.allSatisfy { $0.name.hasPrefix("v\($0.version) ") })
        // The core alone has fewer.
        #expect(StoreSchema(features: []).migrations.count < migrations.count)
    }

    @Test(.enabled(if: TestDatabase.isPostgres, "PostgreSQL beside a file"))
    func eachMigrationLeavesBothStoresAlike() throws {
        let all = StoreSchema.civicGrid.migrations
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString).gpkg").path
        let url = TestDatabase.empty()
        for k in 1...all.count {
            let schema = StoreSchema(migrations: Array(all.prefix(k)))
            let (sqlite, postgres) = (try GridStore(path: file, schema: schema), try GridStore(path: url, schema: schema))
            let columns = (try sqlite.read { try Self.columns($0.db) }, try postgres.read { try Self.columns($0.db) })
            let sameColumns = columns.0 == columns.1
            #expect(sameColumns, "after \"\(all[k - 1].name)\": \(Set(columns.0).symmetricDifference(columns.1).sorted())")
            let indexes = (try sqlite.read { try Self.indexes($0.db) }, try postgres.read { try Self.indexes($0.db) })
            let sameIndexes = indexes.0 == indexes.1
            #expect(sameIndexes, "after \"\(all[k - 1].name)\": \(indexes.0.symmetricDifference(indexes.1).sorted())")
        }
    }

    /// Each table's columns, "table|column|not null|key|type", the type as PostgreSQL names it.
    static func columns(_ db: SQLDatabase) throws -> [String] {
        let sql = db.isPostgres ? """
            SELECT c.table_name || '|' || c.column_name || '|' || (c.is_nullable = 'NO')::text || '|' ||
                   EXISTS (SELECT 1 FROM information_schema.key_column_usage k JOIN information_schema.table_constraints t
                             ON t.constraint_name = k.constraint_name AND t.constraint_type = 'PRIMARY KEY'
                           WHERE k.table_name = c.table_name AND k.column_name = c.column_name)::text || '|' ||
                   CASE WHEN c.data_type = 'USER-DEFINED' THEN c.udt_name ELSE c.data_type END
            FROM information_schema.columns c JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
            WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name NOT IN ('spatial_ref_sys', 'civicgrid_migrations')
            ORDER BY c.table_name COLLATE "C", c.ordinal_position
            """ : """
            SELECT m.name || '|' || p.name || '|' || CASE WHEN p."notnull" OR p.pk > 0 THEN 'true' ELSE 'false' END || '|' ||
                   CASE WHEN p.pk > 0 THEN 'true' ELSE 'false' END || '|' ||
                   CASE p.type WHEN 'INTEGER' THEN 'bigint' WHEN 'REAL' THEN 'double precision' WHEN 'TEXT' THEN 'text'
                               WHEN 'BLOB' THEN 'bytea' ELSE 'geometry' END
            FROM sqlite_master m, pragma_table_info(m.name) p
            WHERE m.type = 'table' AND m.name NOT LIKE 'gpkg%' AND m.name NOT LIKE 'rtree%' AND m.name NOT LIKE 'sqlite%'
              AND m.name != 'grdb_migrations' ORDER BY m.name, p.cid
            """
        return try String.fetchAll(db, sql: sql)
    }

    /// The indexes made by name, "table|index" (not those a store makes for a key or a
    /// constraint, nor PostgreSQL's GiST indexes, which are the file's R-trees).
    static func indexes(_ db: SQLDatabase) throws -> Set<String> {
        let sql = db.isPostgres ? """
            SELECT tablename || '|' || indexname FROM pg_indexes WHERE schemaname = 'public' AND indexdef NOT LIKE '%USING gist%'
              AND indexname NOT IN (SELECT conname FROM pg_constraint) AND tablename NOT IN ('spatial_ref_sys', 'civicgrid_migrations')
            """ : """
            SELECT tbl_name || '|' || name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name NOT LIKE 'gpkg%'
            """
        return Set(try String.fetchAll(db, sql: sql))
    }
}
