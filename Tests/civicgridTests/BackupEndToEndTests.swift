import Foundation
import GridSchema
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
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        var tokens: [String: String] = [:]
        for id in ["b-phone-1", "b-phone-2"] {
            let add = try await ok(["devices", "add", "--db", db, "--id", id, "--member", "巡查员"])
            tokens[id] = try #require(add.split(separator: "\n").first { $0.hasPrefix("token") }?.split(separator: " ").last.map(String.init))
        }
        let rotating = temporaryPath("backups")
        let (server, base) = try await serve(db, ["--backup-every", "2s", "--backup-keep", "2", "--backup-dir", rotating])
        defer { server.stop() }

        // Two phones send fixes one after another; each acknowledged one is noted with the time
        // its answer came.
        let acked = Acked()
        let start = Date().timeIntervalSince1970.rounded(.down) - 3600
        // The loaders are told to stop, never cancelled: a task cancelled while URLSession
        // answers it can deadlock swift-corelibs-foundation (see `fetch`).
        let loaders = tokens.map { id, token in
            Task {
                var k = 0.0
                while await !acked.stopped {
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
        let report = try await ok(["backup", "--db", db, "--output", backup])
        // The load goes on past the backup.
        for _ in 0..<300 where await acked.all.count < before.count + 10 { try await Task.sleep(for: .milliseconds(200)) }
        await acked.stop()
        for l in loaders { await l.value }
        #expect(report.contains("integrity ok"), "\(report)")
        #expect(before.count >= 20, "load before the backup: \(before.count)")
        func pings(_ file: String) async throws -> Set<String> {
            Set(try await run("/usr/bin/sqlite3", [file, "SELECT device || ' ' || CAST(time AS INTEGER) FROM pings WHERE device LIKE 'b-phone-%'"]).output.split(separator: "\n").map(String.init))
        }
        let copy = try GridStore(path: backup)
        let stored = try await pings(backup)
        let missing = before.filter { !stored.contains("\($0.0) \($0.1)") }
        #expect(missing.isEmpty, "\(missing.count) of \(before.count) acknowledged pings missing from the backup")
        #expect(try copy.read { try $0.integrityCheck() } == "ok")

        // Restore: not over a database unless told.
        let restored = temporaryPath("gpkg")
        #expect(try await ok(["restore", "--from", backup, "--db", restored]).contains("integrity ok"))
        #expect(try await civicgrid(["restore", "--from", backup, "--db", restored]).status != 0)
        #expect(try await civicgrid(["restore", "--from", backup, "--db", restored, "--replace"]).status == 0)
        #expect(try await pings(restored) == stored)
        // A file that is not a database is refused and writes nothing.
        let junk = temporaryPath("gpkg")
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: junk))
        #expect(try await civicgrid(["restore", "--from", junk, "--db", temporaryPath("gpkg")]).status != 0)

        // The server's own backups: every 2 s, two kept.
        // Stopped before the files are read: a rotation running meanwhile removes the oldest.
        for _ in 0..<60 where GridStore.backups(in: rotating).count < 2 { try await Task.sleep(for: .seconds(1)) }
        try await Task.sleep(for: .seconds(5))
        await server.stopped()
        let kept = GridStore.backups(in: rotating)
        #expect(kept.count == 2, "\(kept)")
        for file in kept { #expect(try GridStore(path: file).read { try $0.integrityCheck() } == "ok") }
    }
}

actor Acked {
    var all: [(String, Int64)] = []
    private(set) var stopped = false
    func add(_ device: String, _ time: Int64) { all.append((device, time)) }
    func stop() { stopped = true }
}

/// An operator's mistakes with the real CLI lose nothing (issue 33, items 1–3).
struct OperatorMistakesEndToEndTests {
    /// `restore --replace` over a database a server has open is refused and names the process;
    /// the server's database is untouched. Once the server stops, the same command works.
    @Test func restoreRefusesADatabaseAServerHolds() async throws {
        let live = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: live)
        let backup = temporaryPath("gpkg")
        _ = try await ok(["backup", "--db", live, "--output", backup])
        let (server, _) = try await serve(live)
        let refused = try await civicgrid(["restore", "--from", backup, "--db", live, "--replace"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("open in process \(server.pid)"), "\(refused.stderr)")
        #expect(server.isRunning)
        await server.stopped()
        #expect(try await civicgrid(["restore", "--from", backup, "--db", live, "--replace"]).status == 0)
    }

    /// `backup --output` writes over nothing it should not: an existing file (without
    /// --replace), what is not a regular file, the database itself (under another name too);
    /// a missing database is an error that creates nothing.
    @Test func backupWritesOverNothingByMistake() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        // What the database holds (GRDB moves the schema cookie when it opens a file whose
        // write-ahead log is gone, so the bytes are not compared).
        func dump() async throws -> String { try await run("/usr/bin/sqlite3", [db, ".dump"]).output }
        let before = try await dump()

        let unrelated = temporaryPath("txt")
        try Data("someone's notes".utf8).write(to: URL(fileURLWithPath: unrelated))
        let r1 = try await civicgrid(["backup", "--db", db, "--output", unrelated])
        #expect(r1.status != 0 && r1.stderr.contains("exists"), "\(r1.stderr)")
        #expect(try String(contentsOfFile: unrelated, encoding: .utf8) == "someone's notes")
        #expect(try await civicgrid(["backup", "--db", db, "--output", unrelated, "--replace"]).status == 0)

        let fifo = temporaryPath("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let r2 = try await civicgrid(["backup", "--db", db, "--output", fifo, "--replace"])
        #expect(r2.status != 0 && r2.stderr.contains("named pipe"), "\(r2.stderr)")
        var s = stat()
        #expect(stat(fifo, &s) == 0 && s.st_mode & S_IFMT == S_IFIFO, "the pipe is still a pipe")

        let sameFile = temporaryPath("gpkg")
        #expect(link(db, sameFile) == 0)
        for target in [db, sameFile] {
            let r = try await civicgrid(["backup", "--db", db, "--output", target, "--replace"])
            #expect(r.status != 0 && r.stderr.contains("itself"), "\(target): \(r.stderr)")
        }
        #expect(try await dump() == before, "the database is as it was")

        let missing = temporaryPath("gpkg")
        let r3 = try await civicgrid(["backup", "--db", missing, "--output", temporaryPath("gpkg")])
        #expect(r3.status != 0 && r3.stderr.contains("no database"), "\(r3.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing))
        for args in [["users", "list"], ["plans", "list"], ["check"]] {
            #expect(try await civicgrid(args + ["--db", missing]).status != 0, "\(args)")
            #expect(!FileManager.default.fileExists(atPath: missing), "\(args) made a database")
        }
    }

    /// `db copy` to a PostgreSQL server that does not answer changes nothing in the source
    /// file: it is opened read-only.
    @Test func aFailedCopyLeavesTheSourceAsItWas() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let r = try await civicgrid(["db", "copy", "--from", db, "--to", "postgres://nobody@127.0.0.1:1/none"])
        #expect(r.status != 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
        let wal = (try? Data(contentsOf: URL(fileURLWithPath: db + "-wal"))) ?? Data()
        #expect(wal.isEmpty, "nothing written to the source's log either")
    }
}

/// Bad catalogue input is refused in words, writing nothing (issue 33, item 14).
struct CatalogueInputEndToEndTests {
    @Test func badCatalogueInputIsRefusedInWords() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        let data = repository.appendingPathComponent("Data/cases")
        let header = "code,major,major_name,major_name_en,name,name_en,kind,urgency,verify,file,dispatch,handle,check,department,radius_m\n"
        func file(_ bytes: [UInt8], _ ext: String = "csv") throws -> String {
            let path = temporaryPath(ext)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        // GB18030, as Excel in China saves "CSV": "名称" is C3FB B3C6. Refused at its line.
        let gb = try file(Array(header.utf8) + Array("0101,01,".utf8) + [0xC3, 0xFB, 0xB3, 0xC6] + Array(",City,x,y,event,normal,1h,1h,1h,1d,1d,,50\n".utf8))
        let r1 = try await civicgrid(["categories", "import", gb, "--db", db])
        #expect(r1.status != 0 && r1.stderr.contains("line 2 is not UTF-8"), "\(r1.stderr)")
        #expect(try await civicgrid(["categories", "list", "--db", db]).stdout.isEmpty, "nothing was written")
        // A UTF-8 byte order mark is fine.
        let bom = try file([0xEF, 0xBB, 0xBF] + Array((try String(contentsOf: data.appendingPathComponent("categories.csv"), encoding: .utf8)).utf8))
        #expect(try await civicgrid(["categories", "import", bom, "--db", db]).status == 0)
        _ = try await ok(["departments", "import", data.appendingPathComponent("departments.csv").path, "--db", db])
        // Once departments are known, a category naming another is refused.
        let unknown = try file(Array((header + "0101,01,市容环境,City,暴露垃圾,Rubbish,event,normal,1h,1h,1h,1d,1d,D-NOPE,50\n").utf8))
        let r2 = try await civicgrid(["categories", "import", unknown, "--db", db])
        #expect(r2.status != 0 && r2.stderr.contains("line 2: department D-NOPE is not in the catalogue"), "\(r2.stderr)")
        // Calendars: every day a weekend, a weekday 8, a string for a number — in words.
        for (json, words) in [(#"{"utcOffsetMinutes":480,"periods":[{"start":510,"end":720}],"weekend":[1,2,3,4,5,6,7],"holidays":[],"workdays":["2026-01-04"]}"#, "every day of the week is a weekend day"),
                              (#"{"utcOffsetMinutes":480,"periods":[{"start":510,"end":720}],"weekend":[6,8],"holidays":[],"workdays":[]}"#, "weekend day 8"),
                              (#"{"utcOffsetMinutes":"480","periods":[],"weekend":[],"holidays":[],"workdays":[]}"#, "utcOffsetMinutes: expected a whole number"),
                              (#"{"periods":[],"weekend":[],"holidays":[],"workdays":[]}"#, "utcOffsetMinutes is missing")] {
            let r = try await civicgrid(["calendar", "import", try file(Array(json.utf8), "json"), "--db", db])
            #expect(r.status != 0 && r.stderr.contains(words) && !r.stderr.contains("DecodingError") && !r.stderr.contains("CodingKeys"), "\(r.stderr)")
        }
        // A device for a grid that does not exist; a webhook on port 99999.
        let r3 = try await civicgrid(["devices", "add", "--db", db, "--id", "p1", "--member", "m1", "--grid", "NOPE"])
        #expect(r3.status != 0 && r3.stderr.contains("no grid NOPE"), "\(r3.stderr)")
        #expect(!(try await civicgrid(["devices", "list", "--db", db]).stdout.contains("p1")))
        let r4 = try await civicgrid(["departments", "webhook", "--db", db, "--code", "D-SANITATION", "--url", "http://127.0.0.1:99999/hook"])
        #expect(r4.status != 0 && r4.stderr.contains("99999"), "\(r4.stderr)")
    }
}
