import CivicGridModel
import Foundation
import GridGeometry
import GridSchema
import GridStore
import Testing

/// Open311 read and written by real clients: the PyPI package georeport (services, a service
/// definition, requests, in JSON and XML) and a FixMyStreet-style form POST whose case lands in
/// the grid holding its point.
struct Open311EndToEndTests {
    @Test func georeportReadsAndAFormPostLandsInItsGrid() async throws {
        try await requirePython("georeport", "requests")
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        for args in [["categories", "import", "Data/cases/categories.csv"], ["departments", "import", "Data/cases/departments.csv"],
                     ["calendar", "import", "Data/cases/calendar-2026.json"]] {
            let r = try await civicgrid(args.enumerated().map { $0.offset == 2 ? repository.appendingPathComponent($0.element).path : $0.element } + ["--db", db])
            #expect(r.status == 0, "\(args): \(r.stderr)")
        }
        let issued = try await civicgrid("open311", "key", "--db", db, "--name", "fixmystreet-like")
        let key = try #require(issued.stdout.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        // A building's point and the grid that holds it in the published plan.
        let (point, grid) = try GridStore(path: db).read { r -> (Coordinate, String) in
            let plan = try #require(try r.publishedPlan(community: "320599002003"))
            let assignment = try r.gridOfBuildings(plan: plan.id)
            let codes = Dictionary(uniqueKeysWithValues: try r.grids(plan: plan.id).map { ($0.id!, $0.code) })
            let b = try #require(try r.buildings(community: "320599002003").first)
            let gridID = try #require(assignment[b.id!])
            return (b.label, try #require(codes[gridID]))
        }
        let (server, base) = try await serve(db)
        defer { server.stop() }
        let check = try await run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/check_open311.py").path, base, key,
                                             String(point.x), String(point.y)])
        #expect(check.status == 0, "\(check.output)")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data((check.output.split(separator: "\n").last ?? "").utf8)) as? [String: Any])
        #expect(seen["services_json"] as? Int == 48 && seen["services_xml"] as? Int == 48, "\(seen)")
        let number = try #require(seen["posted"] as? String)
        let stored = try #require(try GridStore(path: db).read { try $0.case(number: number) })
        #expect(stored.place.grid == grid && stored.source == .open311 && stored.state.status == .reported, "\(stored.place)")
        #expect(stored.reporter == Reporter(name: "李小明", phone: "13912345678"), "kept for the command centre")
    }
}
