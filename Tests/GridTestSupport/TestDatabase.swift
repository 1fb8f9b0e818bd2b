import Foundation

/// The store the store-dependent tests run on: a GeoPackage file by default, or PostgreSQL/
/// PostGIS when `CIVICGRID_TEST_POSTGRES` names the tests' cluster (Scripts/test runs those
/// suites a second time so).
public enum TestDatabase {
    /// The cluster's URL (`postgres://user@host:port/postgres`) when the tests run on PostgreSQL.
    public static var postgresCluster: String? {
        ProcessInfo.processInfo.environment["CIVICGRID_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public static var isPostgres: Bool { postgresCluster != nil }

    /// A new, empty database: a file path in the temporary directory, or a new database in
    /// the cluster (its URL), copied from a template migrated once per test process (22
    /// migrations and PostGIS took about 0.45 s a database; a copy takes 0.08 s).
    public static func make(_ prefix: String = "civicgrid") -> String {
        guard let cluster = postgresCluster else {
            return FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString).gpkg").path
        }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let template = templateLock.withLock {
            if templateName == nil { templateName = makeTemplate(cluster) ?? "" }
            return templateName ?? ""
        }
        if !template.isEmpty, psql(cluster, "CREATE DATABASE \(name) TEMPLATE \(template)") {
            return url(cluster, name)
        }
        _ = psql(cluster, "CREATE DATABASE \(name)")
        return url(cluster, name)
    }

    /// A new database with nothing in it, not even the schema: a file path, or a database
    /// made in the cluster without the template (its URL).
    public static func empty(_ prefix: String = "civicgrid") -> String {
        guard let cluster = postgresCluster else { return make(prefix) }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        _ = psql(cluster, "CREATE DATABASE \(name)")
        return url(cluster, name)
    }

    private static let templateLock = NSLock()
    nonisolated(unsafe) private static var templateName: String?

    /// An empty database migrated by the `civicgrid` binary beside the tests (the process ends,
    /// so no connection holds it, as a template needs); nil if it cannot be made.
    private static func makeTemplate(_ cluster: String) -> String? {
        let name = "t_template_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("civicgrid").path
        guard FileManager.default.isExecutableFile(atPath: binary), psql(cluster, "CREATE DATABASE \(name)"),
              run(binary, ["users", "list", "--db", url(cluster, name)]) else { return nil }
        return name
    }

    private static func url(_ cluster: String, _ name: String) -> String {
        guard let slash = cluster.range(of: "/", options: .backwards) else { return cluster }
        return String(cluster[..<slash.lowerBound]) + "/" + name
    }

    private static func psql(_ cluster: String, _ sql: String) -> Bool {
        run("/usr/bin/psql", [cluster, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    private static func run(_ program: String, _ arguments: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do {
            try p.run()
            p.waitUntilExit()
        } catch {
            return false
        }
        return p.terminationStatus == 0
    }
}

extension TestDatabase {
    /// Every byte the database holds: the file and its write-ahead log, or a PostgreSQL
    /// database's data as `pg_dump` writes it.
    public static func contents(_ database: String) throws -> Data {
        guard database.hasPrefix("postgres://") else {
            return try Data(contentsOf: URL(fileURLWithPath: database)) + ((try? Data(contentsOf: URL(fileURLWithPath: database + "-wal"))) ?? Data())
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/pg_dump")
        p.arguments = ["--data-only", database]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }

    /// The name GDAL opens the database by: the file, or `PG:…` for PostgreSQL.
    public static func gdalName(_ database: String) -> String {
        guard let c = URLComponents(string: database), database.hasPrefix("postgres://") else { return database }
        return "PG:host=\(c.host ?? "") port=\(c.port ?? 5432) user=\(c.user ?? "postgres") dbname=\(c.path.dropFirst())"
    }
}
