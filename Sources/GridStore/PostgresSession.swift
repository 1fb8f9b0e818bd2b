import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization
import GridGeometry

/// A value as either store holds it: SQLite's storage classes, which PostgreSQL's column
/// types of the CivicGrid schema map onto (bigint, double precision, text, bytea).
public enum SQLValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    /// A geometry given to a statement: GeoPackage binary for SQLite, EWKB for PostGIS.
    case geometry(Geometry)
}

/// Where a PostgreSQL database is: `postgres://user[:password]@host[:port]/database`
/// (`postgresql://` too). Several hosts, `host1:port1,host2:port2`, are a primary and its
/// standbys: a connection goes to the first that answers and takes writes, so servers follow a
/// promoted standby by themselves.
public struct PostgresURL: Sendable, CustomStringConvertible {
    public struct Host: Sendable, Equatable {
        public var name: String
        public var port: Int
    }

    public var hosts: [Host]
    public var user: String
    public var password: String?
    public var database: String

    public var host: String { hosts[0].name }
    public var port: Int { hosts[0].port }

    /// Whether a `--db` argument names a PostgreSQL database rather than a file.
    public static func isPostgres(_ s: String) -> Bool {
        s.hasPrefix("postgres://") || s.hasPrefix("postgresql://")
    }

    public init(_ s: String) throws(StoreError) {
        guard Self.isPostgres(s), let schemeEnd = s.range(of: "://") else {
            throw StoreError("not a PostgreSQL URL (postgres://user@host:port/database): \(Self.redacted(s))")
        }
        var rest = Substring(s[schemeEnd.upperBound...])
        if let q = rest.firstIndex(of: "?") { rest = rest[..<q] }
        guard let slash = rest.firstIndex(of: "/") else {
            throw StoreError("the PostgreSQL URL names no database: \(Self.redacted(s))")
        }
        var authority = rest[..<slash]
        let database = String(rest[rest.index(after: slash)...])
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError("the PostgreSQL URL names no database: \(Self.redacted(s))")
        }
        var user = "postgres", password: String?
        if let at = authority.lastIndex(of: "@") {
            let info = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = info.firstIndex(of: ":") {
                user = String(info[..<colon])
                password = String(info[info.index(after: colon)...]).removingPercentEncoding
            } else {
                user = String(info)
            }
        }
        var hosts: [Host] = []
        for part in authority.split(separator: ",", omittingEmptySubsequences: false) {
            var name = Substring(part), port = 5432
            if let colon = part.lastIndex(of: ":"), !part.hasSuffix("]") {
                guard let p = Int(part[part.index(after: colon)...]), (1...65535).contains(p) else {
                    throw StoreError("not a port in the PostgreSQL URL: \(part[part.index(after: colon)...])")
                }
                name = part[..<colon]
                port = p
            }
            name = name.hasPrefix("[") && name.hasSuffix("]") ? name.dropFirst().dropLast() : name
            guard !name.isEmpty else { throw StoreError("the PostgreSQL URL names no host: \(Self.redacted(s))") }
            hosts.append(Host(name: String(name), port: port))
        }
        self.hosts = hosts
        self.user = user.removingPercentEncoding ?? user
        self.password = password
        self.database = database.removingPercentEncoding ?? database
    }

    /// The URL without its password, for messages and logs.
    public var description: String {
        "postgres://\(user)@\(hosts.map { "\($0.name):\($0.port)" }.joined(separator: ","))/\(database)"
    }

    static func redacted(_ s: String) -> String {
        guard let schemeEnd = s.range(of: "://"), let at = s[schemeEnd.upperBound...].firstIndex(of: "@"),
              let colon = s[schemeEnd.upperBound..<at].firstIndex(of: ":") else { return s }
        return String(s[..<s.index(after: colon)]) + "***" + String(s[at...])
    }
}

/// One connection to a PostgreSQL database, used synchronously: every call waits for its
/// answer. Never call it from an event loop thread (the server's store work runs on NIO's
/// thread pool, the CLI on its main thread).
final class PostgresSession: @unchecked Sendable {
    let url: PostgresURL
    let connection: PostgresConnection
    private let logger: Logger
    /// Fails the call waiting on the connection, when it closes.
    private let onLost = LostSignal()

    final class LostSignal: Sendable {
        private let action = Mutex<(@Sendable () -> Void)?>(nil)
        func set(_ a: (@Sendable () -> Void)?) { action.withLock { $0 = a } }
        func fire() { action.withLock { $0 }?() }
    }

    init(_ url: PostgresURL) throws(StoreError) {
        self.url = url
        var logger = Logger(label: "civicgrid.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        self.logger = logger
        var failures: [String] = []
        for host in url.hosts {
            var configuration = PostgresConnection.Configuration(host: host.name, port: host.port, username: url.user,
                                                                 password: url.password, database: url.database, tls: .disable)
            configuration.options.connectTimeout = .seconds(5)
            let connection: PostgresConnection
            do {
                connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(),
                                                            configuration: configuration, id: 1, logger: logger).wait()
            } catch {
                failures.append("\(host.name):\(host.port): \(Self.message(error))")
                continue
            }
            // With a standby in the list, only the server that takes writes will do.
            if url.hosts.count > 1 {
                let standby = try? Self.answer(connection.query(PostgresQuery(unsafeSQL: "SELECT pg_is_in_recovery()"), logger: logger), connection)
                    .rows.first.map { try $0.decode(Bool.self) }
                guard standby == false else {
                    try? (connection.close() as EventLoopFuture<Void>).wait()
                    failures.append("\(host.name):\(host.port): a standby (read-only)")
                    continue
                }
            }
            self.connection = connection
            connection.closeFuture.whenComplete { [onLost] _ in onLost.fire() }
            return
        }
        throw StoreError("cannot connect to \(url): \(failures.joined(separator: "; "))")
    }

    deinit {
        // The driver wants its connections closed before they go.
        if connection.isClosed { return }
        if connection.eventLoop.inEventLoop {
            _ = connection.close() as EventLoopFuture<Void>
        } else {
            _ = try? answer(connection.close() as EventLoopFuture<Void>)
        }
    }

    /// Waits for a future of `connection`, or for the connection to close: a query sent as the
    /// server goes away (a primary stopped for a failover) can be left unanswered by the driver,
    /// and a thread waiting for it would wait for ever. (A callback on the connection's close
    /// each time: for a connection's first few calls only; a session's calls use `answer`.)
    static func answer<T>(_ future: EventLoopFuture<T>, _ connection: PostgresConnection) throws -> T {
        let promise = future.eventLoop.makePromise(of: T.self)
        future.cascade(to: promise)
        connection.closeFuture.whenComplete { _ in promise.fail(lost) }
        return try promise.futureResult.wait()
    }

    /// `answer(_:_:)` for the session's calls, with the one callback on the connection's close
    /// registered when the session was made.
    private func answer<T>(_ future: EventLoopFuture<T>) throws -> T {
        let promise = future.eventLoop.makePromise(of: T.self)
        future.cascade(to: promise)
        onLost.set { promise.fail(Self.lost) }
        defer { onLost.set(nil) }
        if connection.isClosed { promise.fail(Self.lost) }
        return try promise.futureResult.wait()
    }

    static let lost = StoreError("the connection to PostgreSQL was lost")

    /// Whether the connection is still open and outside a transaction, fit to lend again.
    var isUsable: Bool { !connection.isClosed }

    func close() { _ = try? answer(connection.close() as EventLoopFuture<Void>) }

    /// How many rows the last statement changed.
    private(set) var lastChanges = 0
    /// Statements with `?` placeholders, numbered as PostgreSQL's.
    private var numberedCache: [String: String] = [:]

    /// Runs a statement (`$1`… placeholders); returns how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue] = []) throws(StoreError) -> Int {
        try query(sql, arguments).changes
    }

    /// The key the last INSERT into a numbered table gave, or nil to ask `lastval()`.
    private(set) var lastInsertedID: Int64?

    /// Runs a statement written with `?` or `?N` placeholders (SQLite's). A plain INSERT into
    /// a table whose key the store numbers returns that key, kept for `lastInsertedID`.
    func run(_ sql: String, _ arguments: [SQLValue]) throws(StoreError) {
        if let statement = try returning(sql) {
            let result = try query(statement, arguments)
            if case .integer(let id) = result.rows.last?.first { lastInsertedID = id }
            return
        }
        _ = try query(numbered(sql), arguments)
    }

    private var returningCache: [String: String?] = [:]

    /// An INSERT with `RETURNING` its table's numbered key, when it is a plain INSERT into one.
    private func returning(_ sql: String) throws(StoreError) -> String? {
        if let done = returningCache[sql] { return done }
        var found: String?
        let words = sql.split(whereSeparator: \.isWhitespace).prefix(3)
        if words.count == 3, words[0].uppercased() == "INSERT", words[1].uppercased() == "INTO",
           !sql.uppercased().contains("RETURNING"),
           let key = try numberedKey(String(words[2].prefix { $0 != "(" })) {
            found = numbered(sql) + " RETURNING " + key
        }
        returningCache[sql] = found
        return found
    }

    private var numberedKeys: [String: String?] = [:]

    /// The column of a table whose key the store numbers (its identity column), asked of the
    /// catalogue once per session; nil for a table without one (nothing is kept for a table
    /// that does not exist yet).
    private func numberedKey(_ table: String) throws(StoreError) -> String? {
        if let known = numberedKeys[table] { return known }
        let found = try rows("""
            SELECT a.attname::text FROM pg_class c
              LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attidentity <> '' AND NOT a.attisdropped
            WHERE c.oid = to_regclass($1)
            """, [.text(table)])
        guard let row = found.first else { return nil }
        let key: String? = if case .text(let name) = row.first { name } else { nil }
        numberedKeys[table] = key
        return key
    }

    /// Runs a query written with `?` or `?N` placeholders and returns its columns and rows.
    func query(_ sql: String, _ arguments: [SQLValue]) throws(StoreError) -> (columns: [String], rows: [[SQLValue]], changes: Int) {
        let sql = sql.contains("?") ? numbered(sql) : sql
        do {
            let result = try answer(connection.query(Self.query(sql, arguments), logger: logger))
            let columns = result.rows.first.map { $0.map(\.columnName) } ?? []
            let rows = try result.rows.map { row in try row.map(Self.value) }
            lastChanges = result.metadata.rows ?? 0
            return (columns, rows, lastChanges)
        } catch let e as StoreError {
            throw e
        } catch {
            let statement = sql.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            throw StoreError("\(Self.message(error)) (in: \(statement.prefix(160)))")
        }
    }

    /// Runs a query and returns its rows, each as its columns' values.
    func rows(_ sql: String, _ arguments: [SQLValue] = []) throws(StoreError) -> [[SQLValue]] {
        try query(sql, arguments).rows
    }

    /// Runs a script of statements without arguments, one by one (the extended protocol takes
    /// one statement at a time): split at semicolons outside quotes and `$$` bodies.
    func executeScript(_ script: String) throws(StoreError) {
        for statement in Self.statements(script) { try execute(statement) }
    }

    static func statements(_ script: String) -> [String] {
        var out: [String] = [], current = "", quoted = false, dollar = false
        var previous: Character = " "
        for c in script {
            if c == "'" && !dollar { quoted.toggle() }
            if c == "$" && previous == "$" && !quoted { dollar.toggle() }
            if c == ";" && !quoted && !dollar {
                out.append(current)
                current = ""
            } else {
                current.append(c)
            }
            previous = c
        }
        out.append(current)
        return out.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    private func numbered(_ sql: String) -> String {
        if let done = numberedCache[sql] { return done }
        let done = Self.numbered(sql)
        numberedCache[sql] = done
        return done
    }

    /// `?` → `$1`, `$2` … in order; `?N` → `$N`; quoted text and names left as they are.
    static func numbered(_ sql: String) -> String {
        var out = "", n = 0, quote: Character?
        let chars = Array(sql)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            i += 1
            if let q = quote {
                out.append(c)
                if c == q { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                var digits = ""
                while i < chars.count, let d = chars[i].wholeNumberValue, chars[i].isASCII {
                    digits += String(d)
                    i += 1
                }
                if digits.isEmpty { n += 1; out += "$\(n)" } else { out += "$" + digits }
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ isolation: String = "", _ body: () throws -> T) throws -> T {
        try execute("BEGIN" + (isolation.isEmpty ? "" : " ISOLATION LEVEL \(isolation)"))
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    private static func query(_ sql: String, _ arguments: [SQLValue]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: arguments.count)
        for a in arguments {
            switch a {
            case .null: binds.appendNull()
            case .integer(let i): binds.append(i)
            case .real(let d): binds.append(d)
            case .text(let s): binds.append(s)
            case .blob(let d): binds.append(ByteBuffer(bytes: d))
            case .geometry(let g): binds.append(ByteBuffer(bytes: Self.ewkb(g)))
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .text, .varchar, .name, .bpchar, .json: return .text(try cell.decode(String.self))
        case .jsonb:
            var buffer = try cell.decode(ByteBuffer.self)
            buffer.moveReaderIndex(forwardBy: 1)  // the format's version
            return .text(buffer.readString(length: buffer.readableBytes) ?? "")
        case .numeric:
            let text = "\(try cell.decode(Decimal.self))"
            if let i = Int64(text) { return .integer(i) }
            return .real(Double(text) ?? .nan)
        default:
            // bytea, and PostGIS geometries: their binary form is EWKB.
            var buffer = try cell.decode(ByteBuffer.self)
            return .blob(buffer.readData(length: buffer.readableBytes) ?? Data())
        }
    }

    /// EWKB with the SRID 4326: what a geometry column takes from a bytea (an implicit cast).
    static func ewkb(_ g: Geometry) -> Data {
        let wkb = WKB.encode(g)
        guard wkb.count >= 5 else { return wkb }
        var out = Data([1])
        var type = UInt32(wkb[1]) | UInt32(wkb[2]) << 8 | UInt32(wkb[3]) << 16 | UInt32(wkb[4]) << 24
        type |= 0x2000_0000
        for v in [type, 4326] { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        out.append(wkb.dropFirst(5))
        return out
    }

    /// PostgreSQL's own message (and detail) rather than the driver's description.
    static func message(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let server = e.serverInfo, let message = server[.message] {
                return [message, server[.detail]].compactMap { $0 }.joined(separator: ": ")
            }
            return "\(e.code)"
        }
        return "\(error)"
    }
}
