import Foundation
import GridStore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Backups of a live database: taken by `civicgrid backup` while the server ingests GPS, the
/// copy holds every ping acknowledged before it began and passes integrity_check; `restore`
/// puts it back (not over a database unless told); `serve --backup-every` rotates them.
struct BackupEndToEndTests {
    @Test func aBackupUnderGPSLoadHoldsEveryAcknowledgedPing() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try publishedDemo(), toPath: db)
        var tokens: [String: String] = [:]
        for id in ["b-phone-1", "b-phone-2"] {
            let add = try ok(["devices", "add", "--db", db, "--id", id, "--member", "巡查员"])
            tokens[id] = try #require(add.split(separator: "\n").first { $0.hasPrefix("token") }?.split(separator: " ").last.map(String.init))
        }
        let rotating = temporaryPath("backups")
        let (server, base) = try await serve(db, ["--backup-every", "2s", "--backup-keep", "2", "--backup-dir", rotating])
        defer { server.terminate(); server.waitUntilExit() }

        // Two phones send fixes one after another; each acknowledged one is noted with the time
        // its answer came.
        let acked = Acked()
        let start = Date().timeIntervalSince1970.rounded(.down) - 3600
        let loaders = tokens.map { id, token in
            Task {
                var k = 0.0
                while !Task.isCancelled {
                    k += 1
                    let url = "\(base)/osmand?id=\(id)&lat=31.29&lon=120.70&timestamp=\(Int64((start + k) * 1000))&token=\(token)"
                    if let answer = try? await fetch(url), answer.0 == 200 { await acked.add(id, Int64(start + k)) }
                }
            }
        }
        // Until some fixes are acknowledged (a loaded machine answers slowly), then the backup.
        for _ in 0..<600 where await acked.all.count < 20 { try await Task.sleep(for: .milliseconds(200)) }
        let before = await acked.all
        let backup = temporaryPath("gpkg")
        let report = try ok(["backup", "--db", db, "--output", backup])
        // The load goes on past the backup.
        for _ in 0..<300 where await acked.all.count < before.count + 10 { try await Task.sleep(for: .milliseconds(200)) }
        for l in loaders { l.cancel() }
        #expect(report.contains("integrity ok"), "\(report)")
        #expect(before.count >= 20, "load before the backup: \(before.count)")
        func pings(_ file: String) throws -> Set<String> {
            Set(try run("/usr/bin/sqlite3", [file, "SELECT device || ' ' || CAST(time AS INTEGER) FROM pings WHERE device LIKE 'b-phone-%'"]).output.split(separator: "\n").map(String.init))
        }
        let copy = try GridStore(path: backup)
        let stored = try pings(backup)
        let missing = before.filter { !stored.contains("\($0.0) \($0.1)") }
        #expect(missing.isEmpty, "\(missing.count) of \(before.count) acknowledged pings missing from the backup")
        #expect(try copy.read { try $0.integrityCheck() } == "ok")

        // Restore: not over a database unless told.
        let restored = temporaryPath("gpkg")
        #expect(try ok(["restore", "--from", backup, "--db", restored]).contains("integrity ok"))
        #expect(try civicgrid(["restore", "--from", backup, "--db", restored]).status != 0)
        #expect(try civicgrid(["restore", "--from", backup, "--db", restored, "--replace"]).status == 0)
        #expect(try pings(restored) == stored)
        // A file that is not a database is refused and writes nothing.
        let junk = temporaryPath("gpkg")
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: junk))
        #expect(try civicgrid(["restore", "--from", junk, "--db", temporaryPath("gpkg")]).status != 0)

        // The server's own backups: every 2 s, two kept.
        for _ in 0..<60 where GridStore.backups(in: rotating).count < 2 { try await Task.sleep(for: .seconds(1)) }
        try await Task.sleep(for: .seconds(5))
        let kept = GridStore.backups(in: rotating)
        #expect(kept.count == 2, "\(kept)")
        for file in kept { #expect(try GridStore(path: file).read { try $0.integrityCheck() } == "ok") }
    }
}

actor Acked {
    var all: [(String, Int64)] = []
    func add(_ device: String, _ time: Int64) { all.append((device, time)) }
}
