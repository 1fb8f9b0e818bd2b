import CivicGridModel
import Foundation
import GridAssessment
import GridSchema
import GridStore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The assessment of the demo district's generated six months over HTTP, the CLI and an
/// independent path (a Python script over `cases export --format csv`).
struct AssessmentEndToEndTests {
    func get(_ url: String, token: String?) async throws -> (Int, Data, String) {
        var r = URLRequest(url: URL(string: url)!)
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: r)
        let http = response as! HTTPURLResponse
        return (http.statusCode, data, http.value(forHTTPHeaderField: "Content-Type") ?? "")
    }

    func json(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }

    @Test func theDemosFiguresAgreeEverywhere() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        _ = try await ok(["demo", "cases", "--db", db, "--count", "3000"])
        let admin = lastWord(try await ok(["users", "add", "--db", db, "--name", "boss", "--role", "admin"]))
        let street = lastWord(try await ok(["users", "add", "--db", db, "--name", "street centre", "--role", "dispatcher", "--region", "320599002"]))
        let roads = lastWord(try await ok(["users", "add", "--db", db, "--name", "roads", "--role", "department", "--region", "320599", "--department", "D-ROADS"]))
        let (server, base) = try await serve(db)
        defer { server.stop() }

        // The closing rate of October per street and for the district, from the API and from
        // the export by an independent script: the same counts.
        let (status, body, _) = try await get("\(base)/api/v1/indicators?level=street&period=2026-10", token: admin)
        #expect(status == 200, "\(String(decoding: body, as: UTF8.self))")
        let streets = try #require(json(body)["units"] as? [[String: Any]])
        #expect(streets.count == 4)
        let csvFile = temporaryPath("csv")
        _ = try await ok(["cases", "export", "--db", db, "--format", "csv", "--output", csvFile])
        let script = try await run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/check_closing_rate.py").path, csvFile, "2026-10"])
        #expect(script.status == 0, "\(script.output)")
        let independent = try #require(try JSONSerialization.jsonObject(with: Data(script.output.utf8)) as? [String: [String: Int]])
        var total = 0
        for s in streets {
            let unit = try #require(s["unit"] as? String)
            let counts = try #require(s["counts"] as? [String: Int])
            let mine = try #require(independent[unit], "\(unit) in \(independent.keys)")
            #expect(counts["due_to_close"] == mine["due_to_close"] && counts["closed"] == mine["closed"] && counts["closed_on_time"] == mine["closed_on_time"],
                    "\(unit): \(counts) against \(mine)")
            let indicators = try #require(s["indicators"] as? [String: Double])
            let due = Double(mine["due_to_close"] ?? 0)
            #expect(abs((indicators["closing_rate"] ?? -1) - 100 * Double(mine["closed"] ?? 0) / due) < 0.006)
            #expect(abs((indicators["on_time_closing_rate"] ?? -1) - 100 * Double(mine["closed_on_time"] ?? 0) / due) < 0.006)
            total += mine["due_to_close"] ?? 0
        }
        #expect(total > 300 && total == independent["320599"]?["due_to_close"], "every street's cases make the district's")

        // Rankings: a closed month's is kept (the same bytes again, and from the CLI); CSV for
        // Excel with a byte order mark and Chinese headers.
        let (_, first, _) = try await get("\(base)/api/v1/rankings?level=community&period=2026-10", token: admin)
        let (_, second, _) = try await get("\(base)/api/v1/rankings?level=community&period=2026-10", token: admin)
        #expect(first == second && !first.isEmpty)
        let communities = try #require(json(first)["units"] as? [[String: Any]])
        #expect(communities.count == 16 && communities.first?["rank"] as? Int == 1 && communities.first?["grade"] is String)
        #expect(try await ok(["assess", "--db", db, "--period", "2026-10", "--level", "community", "--json"]) == String(decoding: first, as: UTF8.self) + "\n")
        let (_, csv, type) = try await get("\(base)/api/v1/rankings?level=community&period=2026-10&f=csv&excel=true", token: admin)
        #expect(type.hasPrefix("text/csv") && csv.starts(with: [0xEF, 0xBB, 0xBF]) && String(decoding: csv, as: UTF8.self).contains("排名,单位代码,名称"))
        #expect(String(decoding: csv, as: UTF8.self).split(separator: "\r\n").count == 17)
        // Long codes stay text in Excel (not 3.20599E+11).
        #expect(String(decoding: csv, as: UTF8.self).split(separator: "\r\n")[1].contains(#","=""320599"#), "\(String(decoding: csv, as: UTF8.self).prefix(300))")

        // Scoped: the street's dispatcher sees its communities only, the department itself.
        let (_, scoped, _) = try await get("\(base)/api/v1/indicators?level=community&period=2026-10", token: street)
        let seen = try #require(json(scoped)["units"] as? [[String: Any]]).compactMap { $0["unit"] as? String }
        #expect(!seen.isEmpty && seen.allSatisfy { $0.hasPrefix("320599002") }, "\(seen)")
        let (outside, _, _) = try await get("\(base)/api/v1/indicators?region=320599001&period=2026-10", token: street)
        #expect(outside == 403)
        let (_, own, _) = try await get("\(base)/api/v1/indicators?level=department&period=2026-10", token: roads)
        #expect(try #require(json(own)["units"] as? [[String: Any]]).compactMap { $0["unit"] as? String } == ["D-ROADS"])
        // Drill-down: a street's communities.
        let (_, drilled, _) = try await get("\(base)/api/v1/indicators?level=community&region=320599003&period=2026-Q4", token: admin)
        #expect(try #require(json(drilled)["units"] as? [[String: Any]]).allSatisfy { ($0["unit"] as? String)?.hasPrefix("320599003") == true })

        // Statistics: the breakdowns add up to the reports.
        let (_, stats, _) = try await get("\(base)/api/v1/statistics/cases?period=2026-10", token: admin)
        let s = json(stats)
        let reports = try #require(s["reports"] as? Int)
        #expect(reports > 300 && (s["by_hour"] as? [Int])?.reduce(0, +) == reports)
        #expect((s["by_category"] as? [[String: Any]])?.compactMap { $0["count"] as? Int }.reduce(0, +) == reports)
        #expect((s["per_day"] as? [[String: Any]])?.count == 31)
        let (_, basic, _) = try await get("\(base)/api/v1/statistics/basic", token: admin)
        let b = json(basic)
        let grids = try GridStore(path: db).read { try $0.gridFigures().count }
        #expect((b["households_per_grid"] as? [[String: Int]])?.compactMap { $0["count"] }.reduce(0, +) == grids && grids > 100)
        #expect((b["by_region"] as? [[String: Any]])?.count == 4)

        // The dashboard in headless Chromium: charts drawn, a street clicked shows its
        // communities, a community clicked on the map its grids.
        try await requireBrowser()
        let page = try await checkPage([base, admin, "2026-10", temporaryPath("png")], script: "check_dashboard_page.py")
        #expect(page.status == 0 && page.output.contains("\"communities\""), "\(page.output)")

        // Bad and unsigned requests.
        #expect(try await get("\(base)/api/v1/indicators?period=2026-13", token: admin).0 == 400)
        #expect(try await get("\(base)/api/v1/indicators?period=2026-10&level=planet", token: admin).0 == 400)
        #expect(try await get("\(base)/api/v1/indicators?period=2026-10", token: nil).0 == 401)
        #expect(try await get("\(base)/api/v1/statistics/cases?period=2026-10", token: roads).0 == 403)
    }
}
