import Foundation
import GRDB
import GRDBSQLite
import GridGeometry

/// The connection `StoreReader` and `StoreWriter` run their SQL on: a SQLite connection
/// (GRDB) or a PostgreSQL session. The SQL is written once, with `?` (or `?N`) placeholders,
/// and is the same for both but where the dialects differ (`isPostgres`). Public for the
/// feature targets that own their tables' SQL (GridAssessment's tallies).
public struct SQLDatabase {
    enum Backend {
        case sqlite(Database)
        case postgres(PostgresSession)
    }

    let backend: Backend

    /// The GeoPackage file's connection, for what only a GeoPackage has (views for desktop
    /// GIS, gpkg_contents).
    var sqlite: Database? {
        if case .sqlite(let db) = backend { return db }
        return nil
    }

    public var isPostgres: Bool {
        if case .postgres = backend { return true }
        return false
    }

    public func execute(sql: String, arguments: SQLArguments = []) throws {
        switch backend {
        case .sqlite(let db): try db.execute(sql: sql, arguments: arguments.grdb)
        case .postgres(let session):
            let statements = PostgresSession.statements(sql)
            if statements.count > 1 && !arguments.values.isEmpty {
                throw StoreError("several statements with arguments: \(sql.prefix(80))")
            }
            for s in statements { try session.run(s, arguments.values) }
        }
    }

    /// A statement prepared once per connection (SQLite) or per session (PostgreSQL).
    public func cachedStatement(sql: String) throws -> SQLStatement {
        switch backend {
        case .sqlite(let db): SQLStatement(db: self, sql: sql, sqlite: try db.cachedStatement(sql: sql))
        case .postgres: SQLStatement(db: self, sql: sql, sqlite: nil)
        }
    }

    public func makeStatement(sql: String) throws -> SQLStatement {
        switch backend {
        case .sqlite(let db): SQLStatement(db: self, sql: sql, sqlite: try db.makeStatement(sql: sql))
        case .postgres: SQLStatement(db: self, sql: sql, sqlite: nil)
        }
    }

    /// The id of the row the last INSERT made.
    public func lastInsertedRowID() throws -> Int64 {
        switch backend {
        case .sqlite(let db): return db.lastInsertedRowID
        case .postgres(let session):
            if let id = session.lastInsertedID { return id }
            guard case .integer(let id) = try session.query("SELECT lastval()", []).rows.first?.first else {
                throw StoreError("no row was inserted")
            }
            return id
        }
    }

    /// How many rows the last statement changed.
    public var changesCount: Int {
        switch backend {
        case .sqlite(let db): db.changesCount
        case .postgres(let session): session.lastChanges
        }
    }

    /// Runs `body` in a savepoint: undone when it throws, the transaction going on.
    func inSavepoint<T>(_ body: () throws -> T) throws -> T {
        switch backend {
        case .sqlite(let db):
            var result: T?
            try db.inSavepoint {
                result = try body()
                return .commit
            }
            guard let result else { throw StoreError("a savepoint ended without a result") }
            return result
        case .postgres(let session):
            try session.run("SAVEPOINT civicgrid", [])
            do {
                let result = try body()
                try session.run("RELEASE SAVEPOINT civicgrid", [])
                return result
            } catch {
                try session.run("ROLLBACK TO SAVEPOINT civicgrid", [])
                try session.run("RELEASE SAVEPOINT civicgrid", [])
                throw error
            }
        }
    }

    /// Rows of a query, with their column names.
    func rows(_ sql: String, _ arguments: SQLArguments, statement: Statement? = nil) throws -> [SQLRow] {
        switch backend {
        case .sqlite(let db):
            if let statement { return try Row.fetchAll(statement, arguments: arguments.grdb).map { .sqlite($0) } }
            return try Row.fetchAll(db, sql: sql, arguments: arguments.grdb).map { .sqlite($0) }
        case .postgres(let session):
            let result = try session.query(sql, arguments.values)
            let names = SQLRow.Names(result.columns)
            return result.rows.map { .postgres($0, names) }
        }
    }

    /// Inserts rows into a table: a statement a row on SQLite, a thousand rows (at most
    /// 30,000 values) a statement on PostgreSQL, where each statement is a round trip.
    public func insertRows(_ table: String, columns: [String], rows: [[any SQLArgument]], suffix: String = "") throws {
        if let sqlite {
            let statement = try sqlite.cachedStatement(sql: Self.insertSQL(table, columns: columns, suffix: suffix))
            for row in rows { try statement.run(row.lazy.map(\.sqlValue), in: sqlite) }
            return
        }
        let names = columns.joined(separator: ", ")
        let tuple = "(" + columns.map { _ in "?" }.joined(separator: ", ") + ")"
        let perStatement = max(1, min(1000, 30_000 / max(1, columns.count)))
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + perStatement)]
            try execute(sql: "INSERT INTO \(table) (\(names)) VALUES " + chunk.map { _ in tuple }.joined(separator: ", ") + " " + suffix,
                        arguments: SQLArguments(chunk.flatMap { $0 }))
            start += chunk.count
        }
    }

    /// `INSERT INTO table (columns) VALUES (?, …) suffix`: one row.
    static func insertSQL(_ table: String, columns: [String], suffix: String = "") -> String {
        "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", "))) \(suffix)"
    }

    // MARK: Where the dialects differ

    /// The time now, UTC, as text to the millisecond (`2026-11-30T01:50:00.000Z`).
    public var now: String {
        isPostgres ? #"to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#
            : "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    }

    /// The time now, UTC, as text to the second.
    public var nowSeconds: String {
        isPostgres ? #"to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"#
            : "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
    }

    /// `instr(haystack, needle)`: where needle starts in haystack, 0 if nowhere.
    public func instr(_ haystack: String, _ needle: String) -> String {
        isPostgres ? "strpos(\(haystack), \(needle))" : "instr(\(haystack), \(needle))"
    }

    /// The values of a column joined by a separator (an SQL expression; SQLite's `char(n)`
    /// is PostgreSQL's `chr(n)`), in the order the rows come.
    public func groupConcat(_ column: String, separator: String) -> String {
        isPostgres ? "string_agg(\(column), \(separator.replacingOccurrences(of: "char(", with: "chr(")))" : "group_concat(\(column), \(separator))"
    }

    /// The larger of two values (SQLite's two-argument max).
    public func greatest(_ a: String, _ b: String) -> String {
        isPostgres ? "greatest(\(a), \(b))" : "max(\(a), \(b))"
    }

    /// The values of a JSON array of strings given as an argument, as a one-column table.
    public func jsonStrings(_ argument: String) -> String {
        isPostgres ? "SELECT jsonb_array_elements_text(CAST(\(argument) AS jsonb))" : "SELECT value FROM json_each(\(argument))"
    }

    /// A column excluded from index choice (SQLite's unary `+`; PostgreSQL plans well without).
    public func unindexed(_ column: String) -> String { isPostgres ? column : "+\(column)" }

    /// A feature table's boxes through its spatial index: the GeoPackage's R-tree
    /// (`rtree_<table>_geom`, joined as `rt`), or PostGIS's GiST index on the geometry itself.
    public func spatial(_ table: String, _ alias: String, rtree: String? = nil) -> BoxIndex {
        BoxIndex(table: table, alias: alias, rtree: rtree ?? "rtree_\(table)_geom", postgres: isPostgres)
    }
}

/// How a query finds a feature table's rows by box (`SQLDatabase.spatial`). On SQLite the
/// R-tree is a table of its own, joined on the feature's id; on PostgreSQL the geometry
/// column's GiST index answers `&&` and the sides are the geometry's own bounds (no join).
public struct BoxIndex {
    public let table: String
    public let alias: String
    public let rtree: String
    public let postgres: Bool

    /// FROM: the table with its R-tree (the R-tree read first when `rtreeFirst`: SQLite keeps
    /// the join order of a CROSS JOIN), or the table alone.
    public func from(rtreeFirst: Bool = false) -> String {
        if postgres { return "\(table) \(alias)" }
        return rtreeFirst ? "\(rtree) rt CROSS JOIN \(table) \(alias) ON \(alias).fid = rt.id" : "\(table) \(alias)\(join)"
    }

    /// What joins the R-tree to a FROM that names the table already.
    public var join: String { postgres ? "" : " JOIN \(rtree) rt ON rt.id = \(alias).fid" }

    public var minX: String { postgres ? "ST_XMin(\(alias).geom)" : "rt.minx" }
    public var minY: String { postgres ? "ST_YMin(\(alias).geom)" : "rt.miny" }
    public var maxX: String { postgres ? "ST_XMax(\(alias).geom)" : "rt.maxx" }
    public var maxY: String { postgres ? "ST_YMax(\(alias).geom)" : "rt.maxy" }

    /// The rows whose box meets a box given as four arguments, in the R-tree's order of
    /// comparison: its east, west, north and south sides.
    public var meets: String {
        postgres ? "\(alias).geom && civicgrid_box(?, ?, ?, ?)" : "rt.minx <= ? AND rt.maxx >= ? AND rt.miny <= ? AND rt.maxy >= ?"
    }

    /// The rows whose box lies inside a box given as west, east, south and north sides.
    public var inside: String {
        "\(minX) >= ? AND \(maxX) <= ? AND \(minY) >= ? AND \(maxY) <= ?"
    }
}

/// A statement to run several times.
public struct SQLStatement {
    let db: SQLDatabase
    let sql: String
    let sqlite: Statement?

    public func execute(arguments: SQLArguments = []) throws {
        if let sqlite {
            try sqlite.execute(arguments: arguments.grdb)
        } else {
            try db.execute(sql: sql, arguments: arguments)
        }
    }
}

extension Statement {
    /// Binds the values straight to SQLite and runs the statement: the bulk inserts' path,
    /// with no argument arrays made on the way (GRDB's arguments cost more than the insert).
    func run(_ values: some Sequence<SQLValue>, in db: Database) throws {
        let s = sqliteStatement
        sqlite3_reset(s)
        sqlite3_clear_bindings(s)
        var i: Int32 = 0
        for value in values {
            i += 1
            let code: Int32 = switch value {
            case .null: sqlite3_bind_null(s, i)
            case .integer(let v): sqlite3_bind_int64(s, i, v)
            case .real(let v): sqlite3_bind_double(s, i, v)
            case .text(let v): sqlite3_bind_text(s, i, v, -1, transient)
            case .blob(let v) where v.isEmpty: sqlite3_bind_zeroblob(s, i, 0)
            case .blob(let v): v.withUnsafeBytes { sqlite3_bind_blob(s, i, $0.baseAddress, Int32($0.count), transient) }
            case .geometry(let g):
                GeoPackageBinary.encode(g).withUnsafeBytes { sqlite3_bind_blob(s, i, $0.baseAddress, Int32($0.count), transient) }
            }
            guard code == SQLITE_OK else { throw failure(code, db) }
        }
        let code = sqlite3_step(s)
        guard code == SQLITE_DONE else {
            let error = failure(code, db)
            sqlite3_reset(s)
            throw error
        }
        sqlite3_reset(s)
    }

    private func failure(_ code: Int32, _ db: Database) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
    }
}

/// SQLite's `SQLITE_TRANSIENT`: SQLite copies the value before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A value a statement takes.
public protocol SQLArgument {
    var sqlValue: SQLValue { get }
}

extension SQLValue: SQLArgument { public var sqlValue: SQLValue { self } }
extension Int: SQLArgument { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLArgument { public var sqlValue: SQLValue { .integer(self) } }
extension Int32: SQLArgument { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Double: SQLArgument { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLArgument { public var sqlValue: SQLValue { .integer(self ? 1 : 0) } }
extension String: SQLArgument { public var sqlValue: SQLValue { .text(self) } }
extension Substring: SQLArgument { public var sqlValue: SQLValue { .text(String(self)) } }
extension Data: SQLArgument { public var sqlValue: SQLValue { .blob(self) } }
extension Optional: SQLArgument where Wrapped: SQLArgument {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// A geometry as its store keeps it: GeoPackage binary in SQLite, EWKB (EPSG:4326) in a
/// PostGIS column.
public struct SQLGeometry: SQLArgument {
    let geometry: Geometry
    public init(_ geometry: Geometry) { self.geometry = geometry }
    public var sqlValue: SQLValue { .geometry(geometry) }
}

/// The arguments of a statement.
public struct SQLArguments: ExpressibleByArrayLiteral {
    var values: [SQLValue]

    public init(arrayLiteral elements: (any SQLArgument)?...) { values = elements.map { $0?.sqlValue ?? .null } }
    public init(_ elements: [(any SQLArgument)?]) { values = elements.map { $0?.sqlValue ?? .null } }
    public init(_ elements: [any SQLArgument]) { values = elements.map(\.sqlValue) }

    public static func + (a: SQLArguments, b: SQLArguments) -> SQLArguments { SQLArguments(values: a.values + b.values) }
    public static func += (a: inout SQLArguments, b: SQLArguments) { a.values += b.values }
    private init(values: [SQLValue]) { self.values = values }

    var grdb: StatementArguments { StatementArguments(values.map(\.databaseValue)) }
}

/// A row of either store. Its subscripts read a column by name (any case) or position, as the
/// type asked for; a NULL or a value of another type where one is required (a column changed
/// under a running server, a row written by hand) throws, naming the column and what it held,
/// and the request that read it fails alone.
public enum SQLRow {
    case sqlite(Row)
    case postgres([SQLValue], Names)

    public final class Names {
        let index: [String: Int]
        init(_ columns: [String]) {
            var index: [String: Int] = [:]
            for (i, c) in columns.enumerated() where index[c.lowercased()] == nil { index[c.lowercased()] = i }
            self.index = index
        }
    }

    var count: Int {
        switch self {
        case .sqlite(let row): row.count
        case .postgres(let values, _): values.count
        }
    }

    public func value(at i: Int) -> SQLValue {
        switch self {
        case .sqlite(let row): SQLValue(row[i] as DatabaseValue)
        case .postgres(let values, _): i < values.count ? values[i] : .null
        }
    }

    public func value(named name: String) -> SQLValue {
        switch self {
        case .sqlite(let row): (row[name] as DatabaseValue?).map(SQLValue.init) ?? .null
        case .postgres(let values, let names): names.index[name.lowercased()].map { values[$0] } ?? .null
        }
    }

    public subscript<T: SQLColumn>(_ name: String) -> T { get throws(StoreError) { try Self.convert(value(named: name), name) } }
    public subscript<T: SQLColumn>(_ i: Int) -> T { get throws(StoreError) { try Self.convert(value(at: i), "\(i)") } }

    private static func convert<T: SQLColumn>(_ v: SQLValue, _ column: String) throws(StoreError) -> T {
        // The message names the storage class, never the value (it may be personal).
        guard let t = T.decode(v) else { throw StoreError("column \(column): cannot read \(v.storageClass) as \(T.typeName)") }
        return t
    }
}

extension SQLRow {
    /// A BLOB column's bytes, without copying them out of SQLite's row (a stored tally summed
    /// as it is read); nil for NULL.
    public func withUnsafeBlob<T>(at i: Int, _ body: (UnsafeRawBufferPointer?) throws -> T) throws -> T {
        switch self {
        case .sqlite(let row):
            return try row.withUnsafeData(atIndex: i) { data in
                guard let data else { return try body(nil) }
                return try data.withUnsafeBytes { try body($0) }
            }
        case .postgres:
            guard case .blob(let data) = value(at: i) else { return try body(nil) }
            return try data.withUnsafeBytes { try body($0) }
        }
    }
}

extension SQLValue {
    var storageClass: String {
        switch self {
        case .null: "NULL"
        case .integer: "INTEGER"
        case .real: "REAL"
        case .text: "TEXT"
        case .blob: "BLOB"
        case .geometry: "GEOMETRY"
        }
    }
}

/// A type a column's value is read as.
public protocol SQLColumn {
    static func decode(_ value: SQLValue) -> Self?
    /// Its name in an error's message.
    static var typeName: String { get }
}

extension SQLColumn {
    public static var typeName: String { "\(Self.self)" }
}

extension SQLValue: SQLColumn { public static func decode(_ value: SQLValue) -> SQLValue? { value } }
extension Int64: SQLColumn {
    public static func decode(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let i): i
        case .real(let d): Int64(exactly: d.rounded(.towardZero))
        case .text(let s): Int64(s) ?? Double(s).flatMap { Int64(exactly: $0.rounded(.towardZero)) }
        default: nil
        }
    }
}
extension Int: SQLColumn { public static func decode(_ value: SQLValue) -> Int? { Int64.decode(value).map { Int($0) } } }
extension Int32: SQLColumn { public static func decode(_ value: SQLValue) -> Int32? { Int64.decode(value).flatMap { Int32(exactly: $0) } } }
extension Double: SQLColumn {
    public static func decode(_ value: SQLValue) -> Double? {
        switch value {
        case .integer(let i): Double(i)
        case .real(let d): d
        case .text(let s): Double(s)
        default: nil
        }
    }
}
extension Bool: SQLColumn { public static func decode(_ value: SQLValue) -> Bool? { Int64.decode(value).map { $0 != 0 } } }
extension String: SQLColumn {
    public static func decode(_ value: SQLValue) -> String? {
        switch value {
        case .text(let s): s
        case .integer(let i): String(i)
        case .real(let d): String(d)
        case .blob(let b): String(data: b, encoding: .utf8)
        default: nil
        }
    }
}
extension Data: SQLColumn {
    public static func decode(_ value: SQLValue) -> Data? {
        switch value {
        case .blob(let b): b
        case .text(let s): Data(s.utf8)
        default: nil
        }
    }
}
extension Optional: SQLColumn where Wrapped: SQLColumn {
    public static var typeName: String { "\(Wrapped.typeName) or NULL" }
    public static func decode(_ value: SQLValue) -> Wrapped?? {
        if case .null = value { return .some(nil) }
        return Wrapped.decode(value).map { .some($0) }
    }
}

// GRDB-shaped fetching, on either store.
extension SQLColumn {
    public static func fetchOne(_ db: SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> Self? {
        try db.rows(sql, arguments).first.flatMap { decode($0.value(at: 0)) }
    }
    public static func fetchOne(_ s: SQLStatement, arguments: SQLArguments = []) throws -> Self? {
        try s.db.rows(s.sql, arguments, statement: s.sqlite).first.flatMap { decode($0.value(at: 0)) }
    }
    public static func fetchAll(_ db: SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> [Self] {
        try db.rows(sql, arguments).compactMap { decode($0.value(at: 0)) }
    }
    public static func fetchAll(_ s: SQLStatement, arguments: SQLArguments = []) throws -> [Self] {
        try s.db.rows(s.sql, arguments, statement: s.sqlite).compactMap { decode($0.value(at: 0)) }
    }
}

extension SQLRow {
    public static func fetchAll(_ db: SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> [SQLRow] {
        try db.rows(sql, arguments)
    }
    public static func fetchAll(_ s: SQLStatement, arguments: SQLArguments = []) throws -> [SQLRow] {
        try s.db.rows(s.sql, arguments, statement: s.sqlite)
    }
    public static func fetchOne(_ db: SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try db.rows(sql, arguments).first
    }
    public static func fetchOne(_ s: SQLStatement, arguments: SQLArguments = []) throws -> SQLRow? {
        try s.db.rows(s.sql, arguments, statement: s.sqlite).first
    }
    /// Rows one at a time: SQLite steps its statement; PostgreSQL's rows are read whole first.
    public static func fetchCursor(_ db: SQLDatabase, sql: String, arguments: SQLArguments = []) throws -> SQLCursor {
        switch db.backend {
        case .sqlite(let grdb): SQLCursor(sqlite: try Row.fetchCursor(grdb, sql: sql, arguments: arguments.grdb))
        case .postgres: SQLCursor(rows: try db.rows(sql, arguments))
        }
    }
    public static func fetchCursor(_ s: SQLStatement, arguments: SQLArguments = []) throws -> SQLCursor {
        if let statement = s.sqlite { return SQLCursor(sqlite: try Row.fetchCursor(statement, arguments: arguments.grdb)) }
        return SQLCursor(rows: try s.db.rows(s.sql, arguments))
    }
}

/// Rows one at a time.
public final class SQLCursor {
    private let sqlite: RowCursor?
    private var rows: IndexingIterator<[SQLRow]>

    init(sqlite: RowCursor) {
        self.sqlite = sqlite
        rows = [].makeIterator()
    }

    init(rows: [SQLRow]) {
        sqlite = nil
        self.rows = rows.makeIterator()
    }

    public func next() throws -> SQLRow? {
        if let sqlite { return try sqlite.next().map { .sqlite($0) } }
        return rows.next()
    }
}

/// A stored geometry: GeoPackage binary (a file's) or EWKB (PostGIS's).
public enum StoredGeometry {
    public static func decode(_ data: Data) throws(GeometryError) -> Geometry {
        if data.count >= 2, data[data.startIndex] == 0x47, data[data.startIndex + 1] == 0x50 {
            return try GeoPackageBinary.decode(data).geometry
        }
        return try WKB.decode(data)
    }
}

extension BoundingBox {
    /// The box as SQLite's R-tree keeps it in 32-bit floats: each side rounded outward, by
    /// the R-tree's own rule (`rtreeValueDown`, `rtreeValueUp`).
    public var roundedOutwardToFloat32: BoundingBox {
        let towards = 1.0 - 1.0 / 8_388_608.0, away = 1.0 + 1.0 / 8_388_608.0
        func down(_ d: Double) -> Double {
            let f = Float(d)
            return Double(Double(f) > d ? Float(d * (d < 0 ? away : towards)) : f)
        }
        func up(_ d: Double) -> Double {
            let f = Float(d)
            return Double(Double(f) < d ? Float(d * (d < 0 ? towards : away)) : f)
        }
        return BoundingBox(minX: down(minX), minY: down(minY), maxX: up(maxX), maxY: up(maxY))
    }
}
