import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Planners with real clients: a draft through GDAL (as QGIS would edit it) and back, the
/// GeoPackage over HTTP, and one edit driven in headless Chromium on the map page.
@Suite(.serialized)
struct PlannerEndToEndTests {
    static let community = "320599001001"

    @Test func draftRoundTripsThroughGDALAndThePageMovesABuilding() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        let user = try await civicgrid("users", "add", "--db", db, "--name", "li", "--role", "planner", "--region", "320599001")
        #expect(user.status == 0, "\(user.stderr)")
        let token = try #require(user.stdout.split(separator: "\n").first { $0.hasPrefix("API token") }?.split(separator: " ").last.map(String.init))
        #expect(try await civicgrid("users", "add", "--db", db, "--name", "li", "--role", "viewer", "--region", "320599").status != 0, "names are unique")

        // CLI: a copy of the published plan, exported, two grids merged by GDAL's SQLite dialect, imported back.
        let draft = try await civicgrid("plans", "draft", "--db", db, "--community", Self.community)
        let plan = try #require(Int(draft.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last ?? ""))
        let exported = temporaryPath("gpkg"), edited = temporaryPath("gpkg")
        #expect(try await civicgrid("export", "grids", "--db", db, "--plan", "\(plan)", "--format", "gpkg", "--output", exported).status == 0)
        let (a, b) = (Self.community + "001", Self.community + "002")
        let merge = try await run("/usr/bin/ogr2ogr", ["-f", "GPKG", edited, exported, "-dialect", "sqlite", "-nln", "grids", "-sql",
            "SELECT code, name, geom FROM grids WHERE code NOT IN ('\(a)', '\(b)') UNION ALL SELECT '\(a)' AS code, 'merged in QGIS' AS name, ST_Union(geom) AS geom FROM grids WHERE code IN ('\(a)', '\(b)')"])
        #expect(merge.status == 0, "\(merge.output)")
        let imported = try await civicgrid("plans", "import", "--db", db, "--community", Self.community, "--file", edited)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("fault out_of_band: grid \(a)"), "\(imported.stdout)")
        #expect(try await civicgrid("plans", "audit", "--db", db).stdout.contains("import"))
        // A file that is not a grid layer is refused with the feature's index, and no plan appears.
        let plans = try await civicgrid("plans", "list", "--db", db).stdout
        let points = temporaryPath("gpkg")
        #expect(try await run("/usr/bin/ogr2ogr", ["-f", "GPKG", points, exported, "-dialect", "sqlite", "-nln", "grids", "-sql",
                                             "SELECT code, name, ST_Centroid(geom) AS geom FROM grids"]).status == 0)
        let refused = try await civicgrid("plans", "import", "--db", db, "--community", Self.community, "--file", points)
        #expect(refused.status != 0 && refused.stderr.contains("feature 0:"), "\(refused.stderr)")
        #expect(try await civicgrid("plans", "list", "--db", db).stdout == plans)

        let (server, base) = try await serve(db)
        defer { server.stop() }
        // HTTP: the draft as GeoPackage, uploaded back as another draft.
        var request = URLRequest(url: URL(string: "\(base)/api/v1/plans/\(plan)/grids.gpkg")!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (gpkg, got) = try await URLSession.shared.data(for: request)
        #expect((got as! HTTPURLResponse).statusCode == 200)
        var upload = URLRequest(url: URL(string: "\(base)/api/v1/communities/\(Self.community)/plans")!)
        upload.httpMethod = "POST"
        upload.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        upload.setValue("application/geopackage+sqlite3", forHTTPHeaderField: "Content-Type")
        let (body, created) = try await URLSession.shared.upload(for: upload, from: gpkg)
        #expect((created as! HTTPURLResponse).statusCode == 201, "\(String(decoding: body, as: UTF8.self))")
        let doc = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        #expect((doc?["validation"] as? [String: Any])?["publishable"] as? Bool == true)

        // The page: one building moved to the neighbouring grid with the mouse.
        try await requireBrowser()
        let page = try await checkPage([base, token, "\(plan)", temporaryPath("png")], script: "check_planner.py")
        #expect(page.status == 0, "\(page.output)")
        let result = try JSONSerialization.jsonObject(with: Data((page.output.split(separator: "\n").last ?? "").utf8)) as? [String: Any]
        #expect(result?["version_after"] as? Int == 2)
        var audit = URLRequest(url: URL(string: "\(base)/api/v1/plans/\(plan)/audit")!)
        audit.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let entries = try JSONSerialization.jsonObject(with: try await URLSession.shared.data(for: audit).0) as? [[String: Any]] ?? []
        #expect(entries.last?["action"] as? String == "edit" && entries.last?["actor"] as? String == "li")
    }
}
