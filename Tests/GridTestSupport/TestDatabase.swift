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
    /// the cluster (its URL).
    public static func make(_ prefix: String = "civicgrid") -> String {
        guard let cluster = postgresCluster else {
            return FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString).gpkg").path
        }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        p.arguments = [cluster, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"]
        p.standardOutput = FileHandle.nullDevice
        do {
            try p.run()
            p.waitUntilExit()
        } catch {
            return "postgres://cannot-run-psql/\(name)"
        }
        guard let slash = cluster.range(of: "/", options: .backwards) else { return cluster }
        return String(cluster[..<slash.lowerBound]) + "/" + name
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
