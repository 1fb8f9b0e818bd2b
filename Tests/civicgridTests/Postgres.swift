import Foundation

/// The local PostgreSQL/PostGIS of the tests (`Scripts/postgres start`: its own cluster under
/// .build-pg/, started once; Scripts/test stops it at the end).
func postgresCluster() async throws -> String { try await cluster.value }

private let cluster = Once<String> {
    let r = try await run("/bin/bash", [repository.appendingPathComponent("Scripts/postgres").path, "start"])
    let url = r.output.split(separator: "\n").last.map(String.init) ?? ""
    guard r.status == 0, url.hasPrefix("postgres://") else {
        throw MissingClient(description: "Scripts/postgres start failed (\(r.status)): \(r.output.suffix(2000))")
    }
    return url
}

/// A new, empty database in the test cluster; its URL.
func postgresDatabase() async throws -> String {
    let cluster = try await postgresCluster()
    let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try await psql(cluster, "CREATE DATABASE \(name)")
    return cluster.replacingOccurrences(of: "/postgres", with: "/\(name)")
}

/// Runs SQL with psql; its output, unaligned, tuples only.
@discardableResult
func psql(_ url: String, _ sql: String) async throws -> String {
    let r = try await run("/usr/bin/psql", [url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
    guard r.status == 0 else { throw MissingClient(description: "psql \(sql): \(r.output)") }
    return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
}

