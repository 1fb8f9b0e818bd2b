import CivicGridModel
import Crypto
import Foundation
import GRDB
import GridGeometry

/// What a copy wrote, table by table: rows and the SHA-256 of their values in key order,
/// the same on both sides (geometries compared as WKB, whatever each store keeps).
public struct CopyReport: Sendable, Equatable {
    public struct Table: Sendable, Equatable {
        public var name: String
        public var rows: Int
        public var checksum: String
    }
    public var tables: [Table]
    public var rows: Int { tables.reduce(0) { $0 + $1.rows } }
}

/// `civicgrid db copy`: every table of one store into another that is empty — a GeoPackage
/// file into PostgreSQL or back — in one transaction on the target, read from one snapshot of
/// the source, then counted and checksummed on both sides before the target commits: a copy
/// is whole and verified, or nothing is written.
public enum StoreCopy {
    public typealias Progress = (_ table: String, _ done: Int, _ total: Int) -> Void

    /// Copies `source` (a file path or a `postgres://` URL) into `target`, both brought up to
    /// `schema`. One of them is a file: its schema names the tables and columns, and the
    /// other's must match it column for column.
    public static func copy(from source: String, to target: String, schema: StoreSchema,
                            progress: Progress = { _, _, _ in }) throws(StoreError) -> CopyReport {
        switch (PostgresURL.isPostgres(source), PostgresURL.isPostgres(target)) {
        case (false, true):
            let file = try GridStore(path: source, opening: .readOnly, schema: schema)
            let session = try PostgresSession(try PostgresURL(target))
            defer { session.close() }
            try PostgresSchema.migrate(session, schema)
            return try run {
                try file.filePool("a copy").read { db in
                    try session.transaction {
                        try copy(from: .sqlite(db), to: .postgres(session), layout: try Layout(db), progress: progress)
                    }
                }
            }
        case (true, false):
            let session = try PostgresSession(try PostgresURL(source))
            defer { session.close() }
            try PostgresSchema.migrate(session, schema)
            let file = try GridStore(path: target, schema: schema)
            return try run {
                try session.transaction("REPEATABLE READ READ ONLY") {
                    try file.filePool("a copy").write { db in
                        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
                        let report = try copy(from: .postgres(session), to: .sqlite(db), layout: try Layout(db), progress: progress)
                        try finishGeoPackage(db)
                        return report
                    }
                }
            }
        default:
            throw StoreError("a copy goes from a GeoPackage file to a PostgreSQL database (postgres://…) or back")
        }
    }

    private static func run(_ body: () throws -> CopyReport) throws(StoreError) -> CopyReport {
        do {
            return try body()
        } catch {
            throw StoreError.wrap(error, "copy")
        }
    }

    // MARK: The tables

    /// How a column's values are compared and written.
    enum Kind { case integer, real, text, blob, geometry }

    struct Column {
        var name: String
        var kind: Kind
    }

    struct Table {
        var name: String
        var columns: [Column]
        var key: [String]
        /// SQLite's AUTOINCREMENT counter names this table.
        var autoincrement: Bool
    }

    /// The tables a copy moves, from the file's schema: every table but GeoPackage's own, the
    /// R-trees, SQLite's and the migration list. The assessment's dirty list goes last: the
    /// target's triggers fill it while cases are copied, and the source's replaces that.
    struct Layout {
        var tables: [Table]

        init(_ db: Database) throws {
            let names = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'gpkg\\_%' ESCAPE '\\'
                  AND name NOT LIKE 'rtree\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
                  AND name != 'grdb_migrations' ORDER BY name = 'assessment_dirty', name
                """)
            let sequenced = Set(try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'")
                .compactMap { sql in names.first { sql.hasPrefix("CREATE TABLE \($0) ") } })
            tables = try names.map { name in
                let info = try Row.fetchAll(db, sql: "SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid", arguments: [name])
                let columns = info.map { row in Column(name: row["name"], kind: Self.kind(row["type"])) }
                let key = info.filter { ($0["pk"] as Int) > 0 }.sorted { ($0["pk"] as Int) < ($1["pk"] as Int) }.map { $0["name"] as String }
                return Table(name: name, columns: columns, key: key.isEmpty ? ["rowid"] : key, autoincrement: sequenced.contains(name))
            }
        }

        static func kind(_ declared: String) -> Kind {
            switch declared.uppercased() {
            case "INTEGER", "INT", "TINYINT", "BIGINT": .integer
            case "REAL", "DOUBLE", "FLOAT": .real
            case "BLOB": .blob
            case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRY", "GEOMETRYCOLLECTION": .geometry
            default: .text
            }
        }
    }

    // MARK: Either end

    enum End {
        case sqlite(Database)
        case postgres(PostgresSession)

        func placeholder(_ i: Int) -> String {
            switch self {
            case .sqlite: "?"
            case .postgres: "$\(i)"
            }
        }

        func select(_ c: Column) -> String {
            if case .postgres = self, c.kind == .geometry { return "ST_AsBinary(\(c.name))" }
            return c.name
        }

        func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] {
            switch self {
            case .sqlite(let db):
                return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue))).map { row in
                    (0..<row.count).map { SQLValue(row[$0] as DatabaseValue) }
                }
            case .postgres(let session):
                return try session.rows(sql, arguments)
            }
        }

        func execute(_ sql: String, _ arguments: [SQLValue] = []) throws {
            switch self {
            case .sqlite(let db): try db.execute(sql: sql, arguments: StatementArguments(arguments.map(\.databaseValue)))
            case .postgres(let session): try session.execute(sql, arguments)
            }
        }

        /// The columns a table has here, in order (names only: types differ between stores).
        func columns(_ table: String) throws -> [String] {
            switch self {
            case .sqlite(let db):
                return try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [table])
            case .postgres(let session):
                return try session.rows("""
                    SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
                    ORDER BY ordinal_position
                    """, [.text(table)]).compactMap { if case .text(let s) = $0.first { s } else { nil } }
            }
        }

        /// A value as this end stores it in a column of that kind.
        func stored(_ value: SQLValue, _ kind: Kind) throws -> SQLValue {
            guard kind == .geometry, case .blob(let wkb) = value else { return value }
            switch self {
            case .sqlite: return .blob(GeoPackageBinary.encode(try WKB.decode(wkb)))
            case .postgres: return .blob(wkb)
            }
        }

        /// A value read here, as both ends compare it: of the column's kind, geometries as WKB.
        func canonical(_ value: SQLValue, _ kind: Kind) throws -> SQLValue {
            switch (kind, value) {
            case (_, .null): return .null
            case (.integer, .real(let d)) where d == d.rounded() && abs(d) < 9.2e18: return .integer(Int64(d))
            case (.real, .integer(let i)): return .real(Double(i))
            case (.text, .integer(let i)): return .text(String(i))
            case (.text, .real(let d)): return .text(String(d))
            case (.text, .blob(let b)): return .text(String(decoding: b, as: UTF8.self))
            case (.blob, .text(let s)): return .blob(Data(s.utf8))
            case (.geometry, .blob(let b)):
                if case .sqlite = self { return .blob(WKB.encode(try GeoPackageBinary.decode(b).geometry)) }
                return .blob(b)
            default: return value
            }
        }
    }

    // MARK: Copying

    static let pageSize = 2000

    private static func copy(from source: End, to target: End, layout: Layout, progress: Progress) throws -> CopyReport {
        for table in layout.tables {
            let names = table.columns.map(\.name)
            for (end, label) in [(source, "source"), (target, "target")] {
                let have = try end.columns(table.name)
                guard have == names else {
                    throw StoreError("the \(label)'s table \(table.name) has columns (\(have.joined(separator: ", "))), this version's (\(names.joined(separator: ", "))): bring both to this version first")
                }
            }
            if table.name != "assessment_dirty", let n = try target.rows("SELECT count(*) FROM \(table.name)", []).first?.first, n != .integer(0) {
                throw StoreError("the target is not empty: its table \(table.name) has rows (a copy goes into a new database)")
            }
        }
        if case .postgres = target { try target.execute("SET CONSTRAINTS ALL DEFERRED") }
        var totals: [String: Int] = [:]
        for table in layout.tables {
            let total = try count(table, source)
            totals[table.name] = total
            if table.name == "assessment_dirty" { try target.execute("DELETE FROM assessment_dirty") }
            var done = 0
            progress(table.name, 0, total)
            try pages(of: table, at: source) { rows in
                try insert(rows, into: table, at: target)
                done += rows.count
                progress(table.name, done, total)
            }
        }
        try carrySequences(layout, from: source, to: target)
        var report = CopyReport(tables: [])
        for table in layout.tables {
            let a = try checksum(table, source), b = try checksum(table, target)
            guard a == b, a.rows == totals[table.name] else {
                throw StoreError("table \(table.name) differs after the copy: \(a.rows) row(s) in the source, \(b.rows) in the target (checksums \(a.checksum.prefix(12)), \(b.checksum.prefix(12)))")
            }
            report.tables.append(a)
        }
        return report
    }

    private static func count(_ table: Table, _ end: End) throws -> Int {
        guard case .integer(let n) = try end.rows("SELECT count(*) FROM \(table.name)", []).first?.first else { return 0 }
        return Int(n)
    }

    /// Every row of a table in key order, a page at a time (keyset: after the last key seen),
    /// as both ends compare them.
    private static func pages(of table: Table, at end: End, _ body: ([[SQLValue]]) throws -> Void) throws {
        let keyIndexes = table.key.compactMap { k in table.columns.firstIndex { $0.name == k } }
        let columns = table.columns.map(end.select).joined(separator: ", ")
        let key = table.key.joined(separator: ", ")
        var last: [SQLValue]?
        while true {
            var sql = "SELECT \(columns) FROM \(table.name)"
            var arguments: [SQLValue] = []
            if let last {
                let marks = (1...last.count).map(end.placeholder).joined(separator: ", ")
                sql += table.key.count == 1 ? " WHERE \(key) > \(marks)" : " WHERE (\(key)) > (\(marks))"
                arguments = last
            }
            sql += " ORDER BY \(key) LIMIT \(pageSize)"
            let rows = try end.rows(sql, arguments).map { row in
                try zip(row, table.columns).map { try end.canonical($0, $1.kind) }
            }
            if rows.isEmpty { return }
            try body(rows)
            guard keyIndexes.count == table.key.count, let tail = rows.last else {
                throw StoreError("table \(table.name) has no key to copy it by")
            }
            last = keyIndexes.map { tail[$0] }
            if rows.count < pageSize { return }
        }
    }

    private static func insert(_ rows: [[SQLValue]], into table: Table, at end: End) throws {
        let names = table.columns.map(\.name).joined(separator: ", ")
        switch end {
        case .sqlite(let db):
            let marks = table.columns.map { _ in "?" }.joined(separator: ", ")
            let statement = try db.cachedStatement(sql: "INSERT INTO \(table.name) (\(names)) VALUES (\(marks))")
            for row in rows {
                let values = try zip(row, table.columns).map { try end.stored($0, $1.kind).databaseValue }
                try statement.execute(arguments: StatementArguments(values))
            }
        case .postgres:
            let perStatement = max(1, min(1000, 30000 / table.columns.count))
            var start = 0
            while start < rows.count {
                let chunk = rows[start..<min(rows.count, start + perStatement)]
                var arguments: [SQLValue] = []
                var tuples: [String] = []
                for row in chunk {
                    var marks: [String] = []
                    for (value, column) in zip(row, table.columns) {
                        arguments.append(try end.stored(value, column.kind))
                        let mark = "$\(arguments.count)"
                        marks.append(column.kind == .geometry ? "ST_GeomFromWKB(\(mark), 4326)" : mark)
                    }
                    tuples.append("(" + marks.joined(separator: ", ") + ")")
                }
                try end.execute("INSERT INTO \(table.name) (\(names)) VALUES " + tuples.joined(separator: ", "), arguments)
                start += chunk.count
            }
        }
    }

    /// The counters that number new rows continue where the source's stood, deleted rows
    /// included (SQLite's AUTOINCREMENT never gives an id twice).
    private static func carrySequences(_ layout: Layout, from source: End, to target: End) throws {
        for table in layout.tables where table.key.count == 1 && table.columns.first(where: { $0.name == table.key[0] })?.kind == .integer {
            let key = table.key[0]
            switch (source, target) {
            case (.sqlite(let db), .postgres(let session)):
                let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = ?", arguments: [table.name]) ?? 0
                let sequence = try session.rows("SELECT pg_get_serial_sequence($1, $2)", [.text(table.name), .text(key)])
                guard case .text = sequence.first?.first else { continue }
                try session.execute("""
                    SELECT setval(pg_get_serial_sequence($1, $2), greatest($3::bigint, (SELECT coalesce(max(\(key)), 0) FROM \(table.name)), 1),
                                  greatest($3::bigint, (SELECT coalesce(max(\(key)), 0) FROM \(table.name))) > 0)
                    """, [.text(table.name), .text(key), .integer(seq)])
            case (.postgres(let session), .sqlite(let db)) where table.autoincrement:
                let last = try session.rows("""
                    SELECT pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass)
                    """, [.text(table.name), .text(key)])
                guard case .integer(let seq) = last.first?.first else { continue }
                try db.execute(sql: """
                    UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?;
                    INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)
                    """, arguments: [seq, table.name, table.name, seq, table.name])
            default:
                continue
            }
        }
    }

    /// A table's rows and the SHA-256 of their values in key order.
    static func checksum(_ table: Table, _ end: End) throws -> CopyReport.Table {
        var hash = SHA256()
        var rows = 0
        try pages(of: table, at: end) { page in
            for row in page {
                for value in row { value.hash(into: &hash) }
                rows += 1
            }
        }
        let digest = hash.finalize().hex
        return CopyReport.Table(name: table.name, rows: rows, checksum: digest)
    }

    /// A GeoPackage written by a copy gets what its own writes would have made: each draft's
    /// layer (a view) and every feature table's extent.
    private static func finishGeoPackage(_ db: Database) throws {
        for row in try Row.fetchAll(db, sql: "SELECT id, community FROM plans WHERE status = 'draft' ORDER BY id") {
            try Schema.createDraftView(db, plan: row["id"], community: row["community"])
        }
        for table in try String.fetchAll(db, sql: "SELECT table_name FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'") {
            try Schema.updateExtent(db, table: table)
        }
    }
}

extension SQLValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let i): self = .integer(i)
        case .double(let d): self = .real(d)
        case .string(let s): self = .text(s)
        case .blob(let b): self = .blob(b)
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let i): i.databaseValue
        case .real(let d): d.databaseValue
        case .text(let s): s.databaseValue
        case .blob(let b): b.databaseValue
        case .geometry(let g): GeoPackageBinary.encode(g).databaseValue
        }
    }

    /// Feeds a checksum: a tag, then the value's bytes (lengths before text and blobs).
    func hash(into hash: inout SHA256) {
        func feed(_ tag: UInt8, _ bytes: some Sequence<UInt8>) {
            hash.update(data: [tag])
            hash.update(data: Array(bytes))
        }
        func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        switch self {
        case .null: feed(0, [])
        case .integer(let i): feed(1, le(UInt64(bitPattern: i)))
        case .real(let d): feed(2, le(d.bitPattern))
        case .text(let s): feed(3, le(UInt64(s.utf8.count)) + Array(s.utf8))
        case .blob(let b): feed(4, le(UInt64(b.count)) + Array(b))
        case .geometry(let g): SQLValue.blob(WKB.encode(g)).hash(into: &hash)
        }
    }
}
