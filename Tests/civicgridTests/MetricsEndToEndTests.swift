import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `GET /metrics` in Prometheus text, scraped twice around some traffic: the counters move;
/// and the request log: a line a request, with the route and never a token, a query or a name.
struct MetricsEndToEndTests {
    /// The value of the sample whose line starts with `prefix` (name and labels), or 0.
    func sample(_ text: String, _ prefix: String) -> Double {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } } ?? 0
    }

    @Test func countersMoveAndTheLogHoldsNoSecret() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        _ = try await ok(["demo", "cases", "--db", db, "--count", "200"])
        let add = try await ok(["devices", "add", "--db", db, "--id", "m-phone", "--member", "巡查员"])
        let device = try #require(add.split(separator: "\n").first { $0.hasPrefix("token") }?.split(separator: " ").last.map(String.init))
        let admin = lastWord(try await ok(["users", "add", "--db", db, "--name", "boss", "--role", "admin"]))
        let log = temporaryPath("log")
        let (server, base) = try await serve(db, log: log)
        defer { server.stop() }

        let (s0, first, headers) = try await fetch("\(base)/metrics")
        let before = String(decoding: first, as: UTF8.self)
        #expect(s0 == 200 && (headers["Content-Type"] as? String ?? "").hasPrefix("text/plain"))
        #expect(before.contains("# TYPE civicgrid_cases_open gauge") && sample(before, "civicgrid_database_bytes") > 0)
        #expect(sample(before, "civicgrid_cases_open{level=\"community\"}") + sample(before, "civicgrid_cases_open{level=\"department\"}") > 0, "\(before)")

        // Traffic: a signed-in read (a token in the query too), a tile twice, a 404, fixes.
        var me = URLRequest(url: URL(string: "\(base)/api/v1/me?access_token=\(admin)")!)
        me.setValue("Bearer \(admin)", forHTTPHeaderField: "Authorization")
        for _ in 0..<3 { _ = try await URLSession.shared.data(for: me) }
        _ = try await fetch("\(base)/tiles/14/13687/6660.mvt")
        _ = try await fetch("\(base)/tiles/14/13687/6660.mvt")
        _ = try await fetch("\(base)/no/such/thing?name=王伟")
        for k in 1...5 {
            _ = try await fetch("\(base)/osmand?id=m-phone&lat=31.29&lon=120.70&timestamp=\(Int(Date().timeIntervalSince1970) - 100 + k)&token=\(device)")
        }
        let after = String(decoding: try await fetch("\(base)/metrics").1, as: UTF8.self)
        let route = "civicgrid_http_requests_total{route=\"/api/v1/me\",method=\"GET\",status=\"200\"}"
        #expect(sample(after, route) - sample(before, route) == 3, "\(after)")
        #expect(sample(after, "civicgrid_gps_fixes_committed_total") - sample(before, "civicgrid_gps_fixes_committed_total") == 5)
        #expect(sample(after, "civicgrid_gps_commit_seconds_count") >= 1)
        #expect(sample(after, "civicgrid_tile_cache_misses_total") + sample(after, "civicgrid_tile_cache_hits_total") >= 2)
        #expect(after.contains("civicgrid_http_request_duration_seconds_bucket{") && after.contains("status=\"404\""))
        // Errors by status class only: a 404 is a 4xx, a 200 never an error.
        #expect(after.split(separator: "\n").contains { $0.hasPrefix("civicgrid_http_request_errors_total{") && $0.contains("class=\"4xx\"") }, "\(after)")
        #expect(!after.contains("error_type=\"200\"") && !after.contains("civicgrid_http_request_errors_total{class=\"2xx\""))
        // Prometheus's own linter takes the scrape: help for every metric, _total on counters,
        // units on durations.
        try requireProgram("/usr/bin/promtool", package: "prometheus")
        let scrape = temporaryPath("prom")
        try Data(after.utf8).write(to: URL(fileURLWithPath: scrape))
        let lint = try await run("/bin/sh", ["-c", "/usr/bin/promtool check metrics < '\(scrape)'"])
        #expect(lint.status == 0, "promtool check metrics: \(lint.output)")

        // The log: a line a request, the route and the account's id; no token, query or name.
        try await Task.sleep(for: .milliseconds(300))
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.contains(" request") }
        #expect(lines.filter { $0.contains("route=/api/v1/me") && $0.contains("status=200") && !$0.contains("account=-") }.count == 3, "\(lines)")
        #expect(lines.contains { $0.contains("status=404") })
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(!text.contains(admin) && !text.contains(device) && !text.contains("王伟") && !text.contains("access_token"), "\(text)")
    }

    /// A device over its limit gets 429 problem+json with Retry-After; another device goes on;
    /// the refusals are counted in the metrics.
    @Test func aDeviceOverItsLimitIsToldWhenToComeBack() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        var tokens: [String] = []
        for id in ["r-phone-1", "r-phone-2"] {
            let add = try await ok(["devices", "add", "--db", db, "--id", id, "--member", "巡查员"])
            tokens.append(try #require(add.split(separator: "\n").first { $0.hasPrefix("token") }?.split(separator: " ").last.map(String.init)))
        }
        #expect(try await civicgrid(["serve", "--db", db, "--rate-limit", "gps-device=5/fortnight"]).status != 0, "a bad limit is refused at start")
        let (server, base) = try await serve(db, ["--rate-limit", "gps-device=5/h"])  // an hour: no token comes back however slow the machine
        defer { server.stop() }
        let now = Int(Date().timeIntervalSince1970)
        func send(_ id: String, _ token: String, _ k: Int) async throws -> (Int, Data, [AnyHashable: Any]) {
            try await fetch("\(base)/osmand?id=\(id)&lat=31.29&lon=120.70&timestamp=\(now - 100 + k)&token=\(token)")
        }
        var statuses: [Int] = []
        for k in 1...7 { statuses.append(try await send("r-phone-1", tokens[0], k).0) }
        #expect(statuses == [200, 200, 200, 200, 200, 429, 429], "\(statuses)")
        let (status, body, headers) = try await send("r-phone-1", tokens[0], 8)
        #expect(status == 429 && Int(headers["Retry-After"] as? String ?? "") != nil && (headers["Content-Type"] as? String ?? "").contains("problem+json"), "\(headers)")
        #expect(String(decoding: body, as: UTF8.self).contains("try again in"))
        #expect(try await send("r-phone-2", tokens[1], 1).0 == 200, "another device goes on")
        let metrics = String(decoding: try await fetch("\(base)/metrics").1, as: UTF8.self)
        #expect(sample(metrics, "civicgrid_rate_limited_total{limit=\"gps-device\"}") == 3, "\(metrics)")
    }
}
