import Foundation
import GRDB
import GridGeometry
import NIOPosix
import Synchronization

/// The CivicGrid database: one SQLite file that is also a GeoPackage 1.3, in WAL mode — or a
/// PostgreSQL/PostGIS database (`postgres://…`) that several servers share.
///
/// Opening creates or migrates the schema. SQL is written once for both stores, behind
/// `StoreReader` and `StoreWriter`: the core's here, each feature's tables' in the feature's
/// `Store/` folder (docs/ARCHITECTURE.md).
public final class GridStore: Sendable {
    /// The file's path, or the PostgreSQL URL as given.
    public let path: String
    let backend: Backend
    private let counts = Atomic<Int>(0)

    enum Backend: Sendable {
        case sqlite(DatabasePool)
        case postgres(PostgresPool)
    }

    /// Whether this store is a PostgreSQL database.
    public var isPostgres: Bool {
        if case .postgres = backend { return true }
        return false
    }

    /// How many reads and write transactions this store has run (each `read`, `write` and
    /// their async forms counts one): what a request costs in trips to the database.
    public var trips: Int { counts.load(ordering: .relaxed) }

    private func count() { counts.add(1, ordering: .relaxed) }

    /// How a store is opened: made when missing (imports, the demo), or only when it exists;
    /// read-only opens a file this version wrote and writes nothing to it, not even a migration.
    public enum Opening: Sendable {
        case create, existing, readOnly
    }

    /// Opens the file at `path`, or the PostgreSQL database when `path` is a `postgres://` URL,
    /// bringing it up to `schema` (GridSchema's `GridStore(path:opening:)` opens with CivicGrid's
    /// whole schema, `StoreSchema.civicGrid`).
    public init(path: String, opening: Opening = .create, schema: StoreSchema) throws(StoreError) {
        self.path = path
        if PostgresURL.isPostgres(path) {
            let pool = PostgresPool(url: try PostgresURL(path))
            do {
                try pool.with { session in try PostgresSchema.migrate(session, schema) }
            } catch {
                throw StoreError.wrap(error, "cannot open \(pool.url)")
            }
            backend = .postgres(pool)
            return
        }
        var config = Configuration()
        config.prepareDatabase { db in
            GeoPackageFunctions.register(in: db)
            // A commit is on disk when it returns (the write-ahead log is synced at each
            // commit), so an acknowledged write survives a crash or a power cut.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Reads map the file instead of copying pages into each connection's cache (a
            // request scanning the buildings otherwise re-reads them through pread()).
            try db.execute(sql: "PRAGMA mmap_size = 1073741824")
            try db.execute(sql: "PRAGMA cache_size = -16000")
            // Statement journals in memory: an INSERT that fires the R-tree triggers keeps
            // the pages it changes in a journal of its own, and on disk that is a temporary
            // file written a page and a 4-byte header at a time (2.3 million pwrite() calls for
            // 110,000 buildings). In memory they cost only the pages of one statement.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        config.busyMode = .timeout(10)
        if opening != .create {
            switch DatabaseFile.kind(path) {
            case .missing: throw StoreError("no database at \(path) (import or demo load makes one)")
            case .other(let what): throw StoreError("\(path) is \(what), not a database")
            case .regular: break
            }
        }
        // Read-only: GRDB opens a pool without creating and dropping a table to start the
        // write-ahead log, which would move the file's schema cookie.
        config.readonly = opening == .readOnly
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            let migrator = schema.migrator
            let current = try pool.read { try migrator.hasCompletedMigrations($0) }
            if !current, opening == .readOnly {
                throw StoreError("\(path) was written by an earlier version of CivicGrid: open it once with this one (any command) first")
            }
            if !current {
                try migrator.migrate(pool)
                // GDAL reads application_id and user_version from the file header itself:
                // move them out of the write-ahead log now. Only after a migration: a file
                // that is up to date may be busy with other processes' readers.
                _ = try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            }
            backend = .sqlite(pool)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError.wrap(error, "cannot open \(path)")
        }
    }

    /// Where the files that go with a database lie (photos, the key of ID numbers): beside a
    /// GeoPackage file; for a PostgreSQL database, under `~/.civicgrid/` named by host, port
    /// and database (servers on other machines are given the same key with
    /// `CIVICGRID_KEY_FILE` and the same photo directory on shared storage).
    public static func fileBase(for database: String) -> String {
        guard PostgresURL.isPostgres(database), let url = try? PostgresURL(database) else { return database }
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.currentDirectoryPath
        let directory = home + "/.civicgrid"
        let name = "\(url.host)_\(url.port)_\(url.database)".map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" ? $0 : "_" }
        return directory + "/" + String(name)
    }

    /// The SQLite pool, for what only a file has (backups, the copy).
    func filePool(_ what: String) throws(StoreError) -> DatabasePool {
        guard case .sqlite(let pool) = backend else {
            throw StoreError("\(what) is for a GeoPackage file; a PostgreSQL store uses PostgreSQL's own tools (pg_dump, pg_basebackup)")
        }
        return pool
    }

    /// Runs `body` on a consistent snapshot.
    public func read<T>(_ body: (StoreReader) throws -> T) throws -> T {
        count()
        switch backend {
        case .sqlite(let pool):
            do {
                return try pool.read { db in try body(StoreReader(db: SQLDatabase(backend: .sqlite(db)))) }
            } catch let e as DatabaseError {
                throw StoreError.wrap(e, "read")
            }
        case .postgres(let pool):
            return try pool.with { session in
                try session.transaction("REPEATABLE READ READ ONLY") {
                    try body(StoreReader(db: SQLDatabase(backend: .postgres(session))))
                }
            }
        }
    }

    /// Runs `body` in one transaction: everything it writes is kept, or nothing if it throws.
    /// Write transactions run one at a time, as SQLite's do — on PostgreSQL too, across every
    /// server sharing the database (a transaction-level advisory lock).
    public func write<T>(_ body: (StoreWriter) throws -> T) throws -> T {
        count()
        switch backend {
        case .sqlite(let pool):
            do {
                return try pool.write { db in try Self.transaction(SQLDatabase(backend: .sqlite(db)), body) }
            } catch let e as DatabaseError {
                throw StoreError.wrap(e, "write")
            }
        case .postgres(let pool):
            return try pool.with { session in
                try session.transaction {
                    try session.execute("SELECT pg_advisory_xact_lock(\(PostgresPool.writerLock))")
                    return try Self.transaction(SQLDatabase(backend: .postgres(session)), body)
                }
            }
        }
    }

    /// A write transaction that locks the rows it takes itself (`FOR UPDATE SKIP LOCKED`) and
    /// so runs beside other writers on PostgreSQL; on a file, `write`.
    public func claim<T: Sendable>(_ body: @escaping @Sendable (StoreWriter) throws -> T) async throws -> T {
        guard case .postgres(let pool) = backend else { return try await asyncWrite(body) }
        return try await PostgresPool.threads.runIfActive {
            self.count()
            return try pool.with { session in
                try session.transaction { try body(StoreWriter(db: SQLDatabase(backend: .postgres(session)), changes: ChangeSet())) }
            }
        }
    }

    /// `read`, without blocking the calling thread while it waits for the database.
    public func asyncRead<T: Sendable>(_ body: @escaping @Sendable (StoreReader) throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let pool):
            count()
            do {
                return try await pool.read { db in try body(StoreReader(db: SQLDatabase(backend: .sqlite(db)))) }
            } catch let e as DatabaseError {
                throw StoreError.wrap(e, "read")
            }
        case .postgres:
            return try await PostgresPool.threads.runIfActive { try self.read(body) }
        }
    }

    /// `write`, without blocking the calling thread while it waits for the writer.
    public func asyncWrite<T: Sendable>(_ body: @escaping @Sendable (StoreWriter) throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let pool):
            count()
            do {
                return try await pool.write { db in try Self.transaction(SQLDatabase(backend: .sqlite(db)), body) }
            } catch let e as DatabaseError {
                throw StoreError.wrap(e, "write")
            }
        case .postgres:
            return try await PostgresPool.threads.runIfActive { try self.write(body) }
        }
    }

    /// Runs blocking work that uses this store off the caller's thread: on NIO's pool for a
    /// file (its work is the cores'), on the threads that wait for PostgreSQL for a database
    /// (its work is mostly waiting for round trips).
    public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        switch backend {
        case .sqlite: try await NIOThreadPool.singleton.runIfActive(work)
        case .postgres: try await PostgresPool.threads.runIfActive(work)
        }
    }

    /// The body of a write transaction: what it writes, and the change log of what it changed.
    private static func transaction<T>(_ db: SQLDatabase, _ body: (StoreWriter) throws -> T) throws -> T {
        let changes = ChangeSet()
        let result = try body(StoreWriter(db: db, changes: changes))
        try changes.record(in: db)
        return result
    }

    /// `PRAGMA integrity_check` on a file: "ok" or the first problems found. A PostgreSQL
    /// store answers whether it is reachable and at this version.
    public func integrityCheck() throws -> String {
        try read { r in try r.integrityCheck() }
    }
}

/// PostgreSQL sessions for a store, opened as they are needed and kept for the next call. A
/// session whose connection broke (the server restarted, a standby took over) is dropped, and
/// the next call opens a new one.
final class PostgresPool: Sendable {
    /// The advisory lock every write transaction holds.
    static let writerLock = 4_242_002
    /// The threads the async calls wait for PostgreSQL on: a session's call holds its thread
    /// for each round trip, so there are as many as sessions a server keeps, not one a core
    /// (NIO's own pool, which GEOS and tiles share, held two requests' transactions at a time
    /// on two cores while the others queued).
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: maxIdle)
        pool.start()
        return pool
    }()
    /// Sessions kept open between calls.
    static let maxIdle = 32
    let url: PostgresURL
    private let idle = Mutex<[PostgresSession]>([])

    init(url: PostgresURL) { self.url = url }

    func with<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let session = try idle.withLock { $0.popLast() } ?? PostgresSession(url)
        do {
            let result = try body(session)
            release(session)
            return result
        } catch {
            if session.isUsable { release(session) }
            throw error
        }
    }

    private func release(_ session: PostgresSession) {
        idle.withLock { sessions in
            if sessions.count < Self.maxIdle { sessions.append(session) }
        }
    }
}

extension StoreError {
    static func wrap(_ error: any Error, _ context: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? DatabaseError {
            return StoreError("\(context): \(e.message ?? "\(e.resultCode)")")
        }
        return StoreError("\(context): \(error)")
    }
}
