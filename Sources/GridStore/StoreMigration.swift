import Foundation
import GRDB

/// One step of the schema, for both stores side by side: a GeoPackage file's SQL and
/// PostgreSQL's. The core's migrations are GridStore's (`Schema.core`); each feature's
/// tables are made by migrations in the feature's own target, and what opens a store names
/// the schema it wants (`StoreSchema`). Never edited once released: a change is a new one.
public struct StoreMigration: Sendable {
    /// The name each store records once it has run (`grdb_migrations`, `civicgrid_migrations`):
    /// "v<version> <what>".
    public let name: String
    /// The version of its name: migrations run in version order (those of one version in the
    /// order listed, the core's first).
    public let version: Int
    let sqlite: @Sendable (Database) throws -> Void
    let postgres: String

    /// A feature table of a GeoPackage: listed in gpkg_contents with its geometry column and
    /// an R-tree kept by triggers (PostgreSQL's GiST index and box view are in its SQL); once.
    public struct Layer: Sendable {
        public var table: String
        public var geometryType: String
        public var description: String

        public init(_ table: String, _ geometryType: String, _ description: String) {
            self.table = table
            self.geometryType = geometryType
            self.description = description
        }
    }

    /// A migration written for each store: `sqlite` for a file (its feature tables then
    /// registered as `layers`, and rows it derives from older ones made by `fill`) and
    /// `postgres` for a PostgreSQL database (made at the current version, so nothing to fill).
    public init(_ name: String, sqlite: String, postgres: String, layers: [Layer] = [],
                fill: (@Sendable (SQLDatabase) throws -> Void)? = nil) {
        self.init(name, postgres: postgres) { db in
            if !sqlite.isEmpty { try db.execute(sql: sqlite) }
            // A layer a migration before this one made (a table moved to its feature's own) is there already.
            for l in layers where try Bool.fetchOne(db, sql: "SELECT 1 FROM gpkg_contents WHERE table_name = ?", arguments: [l.table]) == nil {
                try Schema.registerFeatureTable(db, table: l.table, geometryType: l.geometryType, description: l.description)
            }
            try fill?(SQLDatabase(backend: .sqlite(db)))
        }
    }

    /// A migration written once, for both stores: its SQL given each store's types.
    public init(_ name: String, _ sql: (SQLDialect) -> String) {
        self.init(name, sqlite: sql(.sqlite), postgres: sql(.postgres))
    }

    init(_ name: String, postgres: String, sqlite: @escaping @Sendable (Database) throws -> Void) {
        self.name = name
        self.version = Self.version(of: name)
        self.sqlite = sqlite
        self.postgres = postgres
    }

    /// The number after the "v" a name starts with (-1 when it has none, which a test refuses).
    static func version(of name: String) -> Int {
        guard name.first == "v" else { return -1 }
        return Int(name.dropFirst().prefix { $0.isNumber }) ?? -1
    }
}

/// The column types of each store, for a migration written once for both.
public struct SQLDialect: Sendable {
    public let isPostgres: Bool

    public static let sqlite = SQLDialect(isPostgres: false)
    public static let postgres = SQLDialect(isPostgres: true)

    /// Text (compared byte by byte in both).
    public var text: String { isPostgres ? PostgresSchema.text : "TEXT" }
    public var real: String { isPostgres ? "double precision" : "REAL" }
    public var integer: String { isPostgres ? "bigint" : "INTEGER" }
    /// An integer key the store numbers.
    public var serial: String { isPostgres ? PostgresSchema.serial : "INTEGER PRIMARY KEY AUTOINCREMENT" }
}

/// The migrations a store is opened with: the core's and the features' the opener names,
/// merged by version. The full schema of CivicGrid is `StoreSchema.civicGrid` (GridSchema).
public struct StoreSchema: Sendable {
    public let migrations: [StoreMigration]

    /// The core's migrations and the given features', by version (the core's first within one).
    public init(features: [[StoreMigration]]) {
        // Names unique and each starting with its version: StoreMigrationTests checks the whole schema's.
        let all = Schema.core + features.joined()
        migrations = all.enumerated().sorted { ($0.element.version, $0.offset) < ($1.element.version, $1.offset) }.map(\.element)
    }

    /// These migrations as they are (a test's first few).
    init(migrations: [StoreMigration]) {
        self.migrations = migrations
    }

    /// The file's migrations, for GRDB.
    var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        for step in migrations { m.registerMigration(step.name, migrate: step.sqlite) }
        return m
    }
}
