import Foundation
import GRDB
import GridGeometry
import Synchronization

/// The CivicGrid database: one SQLite file that is also a GeoPackage 1.3, in WAL mode.
///
/// Opening a file creates or migrates its schema. All SQL of the project lives in this
/// module, behind `StoreReader` and `StoreWriter`.
public final class GridStore: Sendable {
    public let path: String
    let pool: DatabasePool
    private let counts = Atomic<Int>(0)

    /// How many reads and write transactions this store has run (each `read`, `write` and
    /// their async forms counts one): what a request costs in trips to the database.
    public var trips: Int { counts.load(ordering: .relaxed) }

    private func count() { counts.add(1, ordering: .relaxed) }

    public init(path: String) throws(StoreError) {
        self.path = path
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
        }
        config.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            let current = try pool.read { try Schema.migrator.hasCompletedMigrations($0) }
            if !current {
                try Schema.migrator.migrate(pool)
                // GDAL reads application_id and user_version from the file header itself:
                // move them out of the write-ahead log now. Only after a migration: a file
                // that is up to date may be busy with other processes' readers.
                _ = try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            }
        } catch {
            throw StoreError.wrap(error, "cannot open \(path)")
        }
    }

    /// Runs `body` on a consistent snapshot.
    public func read<T>(_ body: (StoreReader) throws -> T) throws -> T {
        do {
            count()
            return try pool.read { db in try body(StoreReader(db: db)) }
        } catch let e as DatabaseError {
            throw StoreError.wrap(e, "read")
        }
    }

    /// Runs `body` in one transaction: everything it writes is kept, or nothing if it throws.
    public func write<T>(_ body: (StoreWriter) throws -> T) throws -> T {
        do {
            count()
            return try pool.write { db in try Self.transaction(db, body) }
        } catch let e as DatabaseError {
            throw StoreError.wrap(e, "write")
        }
    }

    /// `read`, without blocking the calling thread while it waits for the database.
    public func asyncRead<T: Sendable>(_ body: @escaping @Sendable (StoreReader) throws -> T) async throws -> T {
        do {
            count()
            return try await pool.read { db in try body(StoreReader(db: db)) }
        } catch let e as DatabaseError {
            throw StoreError.wrap(e, "read")
        }
    }

    /// `write`, without blocking the calling thread while it waits for the writer.
    public func asyncWrite<T: Sendable>(_ body: @escaping @Sendable (StoreWriter) throws -> T) async throws -> T {
        do {
            count()
            return try await pool.write { db in try Self.transaction(db, body) }
        } catch let e as DatabaseError {
            throw StoreError.wrap(e, "write")
        }
    }

    /// The body of a write transaction: what it writes, and the change log of what it changed.
    private static func transaction<T>(_ db: Database, _ body: (StoreWriter) throws -> T) throws -> T {
        let changes = ChangeSet()
        let result = try body(StoreWriter(db: db, changes: changes))
        try changes.record(in: db)
        return result
    }

    /// `PRAGMA integrity_check`: "ok" or the first problems found.
    public func integrityCheck() throws -> String {
        try read { r in try r.integrityCheck() }
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
