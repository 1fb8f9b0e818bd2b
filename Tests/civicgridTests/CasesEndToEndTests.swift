import CivicGridModel
import Foundation
import GridSchema
import GridStore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Case events reach a department's webhook exactly once each, in order per case, although the
/// receiver is down while they happen and the server restarts before it comes up.
struct CasesEndToEndTests {
    /// A copy of the published demo with the shipped categories and departments.
    func caseDatabase() async throws -> String {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        let data = repository.appendingPathComponent("Data/cases")
        _ = try await ok(["categories", "import", data.appendingPathComponent("categories.csv").path, "--db", db])
        _ = try await ok(["departments", "import", data.appendingPathComponent("departments.csv").path, "--db", db])
        return db
    }

    /// A dispatcher's API token.
    func dispatcher(_ db: String, _ name: String, region: String = "320599") async throws -> String {
        lastWord(try await ok(["users", "add", "--db", db, "--name", name, "--role", "dispatcher", "--region", region]))
    }

    func request(_ url: String, _ method: String, token: String, body: String? = nil, ifMatch: String? = nil) async throws -> (Int, [String: Any], String?) {
        var r = URLRequest(url: URL(string: url)!)
        r.httpMethod = method
        r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let ifMatch { r.setValue(ifMatch, forHTTPHeaderField: "If-Match") }
        if let body { r.httpBody = Data(body.utf8) }
        let (data, response) = try await URLSession.shared.data(for: r)
        let http = response as! HTTPURLResponse
        return (http.statusCode, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:], http.value(forHTTPHeaderField: "ETag"))
    }

    @Test func webhookEventsSurviveADeadReceiverAndARestart() async throws {
        let db = try await caseDatabase()
        let centre = try await dispatcher(db, "centre")
        let clean = lastWord(try await ok(["users", "add", "--db", db, "--name", "clean", "--role", "department", "--region", "320599", "--department", "D-SANITATION"]))
        let port = unusedPort()
        let secret = lastWord(try await ok(["departments", "webhook", "--db", db, "--code", "D-SANITATION", "--url", "http://127.0.0.1:\(port)/hook"]))
        // A point of the demo inside a published grid.
        let point = try GridStore(path: db).read { r in try #require(try r.buildings(community: "320599002003").first).label }

        var (server, base) = try await serve(db)
        // The command centre's live feed and the sanitation office's, read by curl.
        func watch(_ token: String, lastEventID: Int? = nil) async throws -> (Process, Collected) {
            let curl = Process(), out = Pipe()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            // Open for as long as the test may take on a loaded machine; stopped when it ends.
            curl.arguments = ["-sN", "--max-time", "600", "-H", "Authorization: Bearer \(token)"]
                + (lastEventID.map { ["-H", "Last-Event-ID: \($0)"] } ?? []) + ["\(base)/api/v1/cases/stream"]
            curl.standardOutput = out
            let collected = Collected(out)
            try curl.run()
            return (curl, collected)
        }
        let (centreCurl, centreFeed) = try await watch(centre), (cleanCurl, cleanFeed) = try await watch(clean)
        defer { for c in [centreCurl, cleanCurl] where c.isRunning { c.terminate() } }
        _ = await centreFeed.wait(seconds: 60) { $0.contains(": cases after") }
        _ = await cleanFeed.wait(seconds: 60) { $0.contains(": cases after") }
        var numbers: [String] = []
        for _ in 0..<3 {
            let body = #"{"category":"0101","description":"rubbish","lon":\#(point.x),"lat":\#(point.y),"reporter":{"name":"王某","phone":"13800001234"}}"#
            let (status, c, tag) = try await request("\(base)/api/v1/cases", "POST", token: centre, body: body)
            #expect(status == 201)
            let number = try #require(c["number"] as? String)
            numbers.append(number)
            var etag = try #require(tag)
            for (token, step) in [(centre, #"{"action":"file"}"#), (centre, #"{"action":"dispatch","department":"D-SANITATION"}"#),
                                  (clean, #"{"action":"accept"}"#), (clean, #"{"action":"handle"}"#)] {
                let (s, _, t) = try await request("\(base)/api/v1/cases/\(number)/actions", "POST", token: token, body: step, ifMatch: etag)
                #expect(s == 200, "\(step)")
                etag = try #require(t)
            }
        }
        // Every step reached the centre's feed, as it was made; the department saw its own.
        func events(_ text: String) -> [[String: Any]] {
            text.components(separatedBy: "\n").filter { $0.hasPrefix("data: ") }
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.dropFirst(6).utf8)) as? [String: Any] }
        }
        let centreText = await centreFeed.wait(seconds: 60) { events($0).count >= 15 }
        let seen = events(centreText)
        #expect(seen.count == 15 && seen.filter { $0["kind"] as? String == "new" }.count == 3, "\(centreText)")
        #expect(seen.compactMap { $0["number"] as? String }.filter { $0 == numbers[0] }.count == 5)
        #expect(!centreText.contains("13800001234") && !centreText.contains("王某"), "no reporter in the feed")
        let cleanText = await cleanFeed.wait(seconds: 60) { events($0).count >= 9 }
        #expect(events(cleanText).compactMap { $0["action"] as? String }.sorted() == (Array(repeating: "accept", count: 3) + Array(repeating: "dispatch", count: 3)
            + Array(repeating: "handle", count: 3)), "the department's own steps only: \(cleanText)")
        // A client that reconnects with the last id it saw gets what followed.
        let feedIDs = seen.compactMap { ($0["id"] as? NSNumber)?.intValue }
        try #require(feedIDs.count == 15, "the whole feed first")
        let (resumedCurl, resumedFeed) = try await watch(centre, lastEventID: feedIDs[11])
        let resumed = await resumedFeed.wait(seconds: 60) { events($0).count >= 3 }
        resumedCurl.terminate()
        #expect(events(resumed).compactMap { ($0["id"] as? NSNumber)?.intValue } == Array(feedIDs[12...]), "\(resumed)")

        // The receiver is down: nothing arrives; the server stops and starts again.
        try await Task.sleep(for: .seconds(2))
        await server.stopped()
        #expect(try GridStore(path: db).read { try $0.outboxBacklog() } == 9, "dispatch, accept and handle of three cases wait")
        // Restarted with retries at most 2 s apart: however long the receiver was down, an
        // event due later than that is tried again within 2 s.
        (server, base) = try await serve(db, ["--webhook-retry-max", "2"])
        defer { server.stop() }
        let log = temporaryPath("jsonl")
        let receiver = try Spawned("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/webhook_receiver.py").path, "\(port)", secret, log])
        defer { receiver.stop(grace: .zero) }  // the runner's children ignore SIGTERM
        var lines: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            if lines.count >= 9, try GridStore(path: db).read({ try $0.outboxBacklog() }) == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let outbox = try await run("/usr/bin/sqlite3", [db, "SELECT id, attempts, next_attempt_at, last_error FROM outbox WHERE delivered_at IS NULL"]).output
        #expect(lines.count == 9, "\(lines); waiting at \(StoreTime.text(Date())): \(outbox)")
        let ids = lines.compactMap { $0["event"] as? String }
        #expect(Set(ids).count == ids.count, "each event once")
        #expect(lines.allSatisfy { $0["signed"] as? Bool == true })
        for number in numbers {
            let events = lines.compactMap { $0["body"] as? [String: Any] }.filter { $0["case"] as? String == number }
            #expect(events.compactMap { $0["action"] as? String } == ["dispatch", "accept", "handle"], "in order for \(number)")
        }
        let received = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(!received.contains("13800001234") && !received.contains("王某"), "no reporter in a webhook")
        // The export holds every case with its whole history, what a replay needs included.
        let exported = try await ok(["cases", "export", "--db", db, "--format", "geojson"])
        let collection = try #require(try JSONSerialization.jsonObject(with: Data(exported.utf8)) as? [String: Any])
        let features = try #require(collection["features"] as? [[String: Any]])
        #expect(features.compactMap { $0["id"] as? String } == numbers)
        for f in features {
            let history = try #require((f["properties"] as? [String: Any])?["history"] as? [[String: Any]])
            #expect(history.compactMap { $0["action"] as? String } == ["report", "file", "dispatch", "accept", "handle"])
            #expect((history[2]["detail"] as? [String: String]) == ["department": "D-SANITATION"])
        }
        // Imported into another database (the same catalogue, no accounts), exported again: the
        // same bytes. A history that does not follow the workflow is refused whole.
        let copy = try await caseDatabase()
        let file = temporaryPath("geojson")
        try Data(exported.utf8).write(to: URL(fileURLWithPath: file))
        let bad = temporaryPath("geojson")
        try Data(exported.replacingOccurrences(of: #""action":"accept""#, with: #""action":"close""#).utf8).write(to: URL(fileURLWithPath: bad))
        let refused = try await civicgrid("cases", "import", bad, "--db", copy)
        #expect(refused.status == 1 && refused.stderr.contains("case 0: history 3 (close)") && refused.stderr.contains("nothing was written"), "\(refused.stderr)")
        #expect(try GridStore(path: copy).read { try $0.caseCount(numberPrefix: "2") } == 0)
        #expect(try await ok(["cases", "import", file, "--db", copy]).contains("imported 3 cases"))
        let again = try await ok(["cases", "export", "--db", copy, "--format", "geojson"])
        #expect(again == exported, "export → import → export gives the same bytes")
        let csv = try await ok(["cases", "export", "--db", db, "--format", "csv"]).split(separator: "\n")
        #expect(csv.count == 4 && csv[0].hasPrefix("number,category,") && csv[1].hasPrefix("\(numbers[0]),0101,normal,"), "\(csv)")
    }

    /// The demo's history is the same for the same seed, holds every branch, and replays
    /// through `cases import` to the same bytes (supervision and escalation included).
    @Test func demoCasesAreDeterministicAndReplay() async throws {
        var exports: [String] = []
        for _ in 0..<2 {
            let db = temporaryPath("gpkg")
            try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
            let summary = try await ok(["demo", "cases", "--db", db, "--count", "800"])
            #expect(summary.contains("imported the case catalogue") && summary.contains("800 cases"), "\(summary)")
            exports.append(try await ok(["cases", "export", "--db", db, "--format", "geojson"]))
            let again = try await civicgrid("demo", "cases", "--db", db, "--count", "10")
            #expect(again.status != 0 && again.stderr.contains("holds 800 cases already"), "\(again.stderr)")
        }
        #expect(exports[0] == exports[1], "the same seed, the same history")
        let collection = try #require(try JSONSerialization.jsonObject(with: Data(exports[0].utf8)) as? [String: Any])
        let features = try #require(collection["features"] as? [[String: Any]])
        let properties = features.compactMap { $0["properties"] as? [String: Any] }
        #expect(Set(properties.compactMap { $0["source"] as? String }) == Set(CaseSource.allCases.map(\.rawValue)))
        let actions = properties.flatMap { ($0["history"] as? [[String: Any]] ?? []).compactMap { $0["action"] as? String } }
        for action in ["verify", "void", "file", "dispatch", "escalate", "accept", "return", "request_extension", "request_suspension", "approve",
                       "resume", "handle", "pass", "fail", "close", "supervise"] {
            #expect(actions.contains(action), "no \(action) in the demo history")
        }
        #expect(properties.contains { $0["duplicate_of"] is String }, "a duplicate merged")
        let times = properties.flatMap { ($0["history"] as? [[String: Any]] ?? []).compactMap { $0["at"] as? String } }
        #expect(times.allSatisfy { $0 < "2026-11-29T16:00:00.000Z" }, "nothing after the history's end (2026-11-30, Beijing time): \(times.max() ?? "")")
        let statuses = Set(properties.compactMap { (($0["history"] as? [[String: Any]])?.last?["to"]) as? String })
        #expect(statuses.isSuperset(of: ["closed", "voided", "dispatched", "accepted"]), "\(statuses)")

        let copy = try await caseDatabase()
        _ = try await ok(["calendar", "import", repository.appendingPathComponent("Data/cases/calendar-2026.json").path, "--db", copy])
        let file = temporaryPath("geojson")
        try Data(exports[0].utf8).write(to: URL(fileURLWithPath: file))
        #expect(try await ok(["cases", "import", file, "--db", copy]).contains("imported 800 cases"))
        #expect(try await ok(["cases", "export", "--db", copy, "--format", "geojson"]) == exports[0])
    }

    /// Photos through a real client (Scripts/check_photos.py: Pillow makes a camera JPEG with
    /// a GPS position and a PNG with text; `requests` posts them as multipart/form-data): the
    /// files lie beside the database by their SHA-256, what is served has the same pixels and
    /// no metadata, only for those who may read the case; anything else is refused. Then the
    /// case tiles (Scripts/check_case_tiles.py).
    @Test func photosAndTiles() async throws {
        let db = try await caseDatabase()
        let centre = try await dispatcher(db, "centre"), outsider = try await dispatcher(db, "outsider", region: "320599004")
        let point = try GridStore(path: db).read { r in try #require(try r.buildings(community: "320599002003").first).label }
        let (server, base) = try await serve(db)
        defer { server.stop() }
        let check = try await run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/check_photos.py").path, base, centre, outsider,
                                             "\(point.x)", "\(point.y)"])
        #expect(check.status == 0, "\(check.output)")
        // The case tiles, read by mapbox-vector-tile: points close up, counts far out, the
        // filters and the scope of the list.
        let tiles = try await run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/check_case_tiles.py").path, base, centre, outsider,
                                             "\(point.x)", "\(point.y)"])
        #expect(tiles.status == 0, "\(tiles.output)")
        let files = try FileManager.default.subpathsOfDirectory(atPath: db + ".photos").filter { $0.count > 3 }
        #expect(files.count == 2 && files.allSatisfy { $0.split(separator: "/").last?.count == 64 }, "\(files)")
        #expect(!files.contains { $0.hasSuffix(".part") }, "no half-written file left")
    }

    /// The page's cases in headless Chromium as the command centre works them
    /// (Scripts/check_cases_page.py): the queue and the map, a case's panel and a step taken
    /// from it, a new case through the live feed, the heat map, the hotline form.
    @Test func theCommandCentreWorksCasesOnThePage() async throws {
        try await requireBrowser()
        let db = try await caseDatabase()
        let centre = try await dispatcher(db, "centre")
        let point = try GridStore(path: db).read { r in try #require(try r.buildings(community: "320599002003").first).label }
        let (server, base) = try await serve(db)
        defer { server.stop() }
        let page = try await checkPage([base, centre, "\(point.x)", "\(point.y)", temporaryPath("png")], script: "check_cases_page.py")
        #expect(page.status == 0, "\(page.output)")
        #expect(page.output.contains("\"hotline\""), "\(page.output)")
    }
}
