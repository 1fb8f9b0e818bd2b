import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// OGC API – Features read by real clients: GDAL's OAPIF driver (ogrinfo, ogr2ogr), OWSLib,
/// openapi-spec-validator; and paging through 40,000+ buildings.
@Suite(.serialized)
struct FeaturesEndToEndTests {
    @Test func gdalListsCountsAndCopiesTheGrids() async throws {
        try requireProgram("/usr/bin/ogrinfo", package: "gdal-bin")
        let (server, base) = try await serve(try await publishedDemo(), everyLayerPublic)
        defer { server.stop() }
        let list = try await run("/usr/bin/ogrinfo", ["-ro", "-so", "OAPIF:\(base)"])
        #expect(list.status == 0, "\(list.output)")
        for (i, name) in ["districts", "streets", "communities", "grids", "buildings", "roads"].enumerated() {
            #expect(list.output.contains("\(i + 1): \(name) "), "\(name) missing: \(list.output)")
        }
        #expect(!list.output.contains("positions"), "positions are never public")
        // Count and extent as the GeoPackage itself has them.
        let remote = try await run("/usr/bin/ogrinfo", ["-ro", "-al", "-so", "OAPIF:\(base)", "grids"])
        let local = try await run("/usr/bin/ogrinfo", ["-ro", "-al", "-so", try await publishedDemo(), "grids"])
        #expect(remote.output.contains("Feature Count: 183"), "\(remote.output)")
        let (a, b) = (try extent(remote.output), try extent(local.output))
        for (x, y) in zip(a, b) { #expect(abs(x - y) < 3e-5, "\(a) vs \(b)") }  // R-tree boxes are 32-bit floats
        let copy = temporaryPath("gpkg")
        let copied = try await run("/usr/bin/ogr2ogr", ["-f", "GPKG", copy, "OAPIF:\(base)", "grids"])
        #expect(copied.status == 0, "\(copied.output)")
        let info = try await run("/usr/bin/ogrinfo", ["-ro", "-al", "-so", copy])
        #expect(info.output.contains("Feature Count: 183"), "\(info.output)")
        #expect(info.output.contains("households: Integer") && info.output.contains("code: String"), "\(info.output)")
    }

    /// "Extent: (x0, y0) - (x1, y1)" of ogrinfo.
    func extent(_ text: String) throws -> [Double] {
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("Extent:") })
        return line.split(whereSeparator: { !"0123456789.-".contains($0) }).compactMap { Double($0) }
    }

    @Test func owslibPagesThroughEveryBuildingOnce() async throws {
        try await requirePython("owslib", "openapi_spec_validator")
        let (server, base) = try await serve(try await publishedDemo(), everyLayerPublic)
        defer { server.stop() }
        let check = try await run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/check_features.py").path, base, "buildings", "1000"])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("\"features\": 7368, \"pages\": 8, \"numberMatched\": 7368"), "\(check.output)")
        #expect(check.output.contains("\"grids\""))
    }

    /// 40,000 buildings (a 200 × 200 block of 10 m squares), paged 10,000 at a time; another
    /// process imports more buildings half way, which must not shift or repeat any page.
    @Test func pagingFortyThousandBuildingsGivesEachOnce() async throws {
        let db = temporaryPath("gpkg")
        let file = temporaryPath("geojson")
        try squares(200, 200, x0: 120.60, y0: 31.20).write(to: URL(fileURLWithPath: file))
        let imported = try await civicgrid("import", "buildings", file, "--db", db)
        #expect(imported.status == 0, "\(imported.stderr)")
        let (server, base) = try await serve(db, everyLayerPublic)
        defer { server.stop() }
        var seen = Set<Int>(), pages = 0
        var next: String? = "\(base)/collections/buildings/items?limit=10000"
        while let url = next {
            let (status, data, _) = try await fetch(url)
            #expect(status == 200)
            let page = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            for f in page["features"] as? [[String: Any]] ?? [] {
                let id = f["id"] as! Int
                #expect(seen.insert(id).inserted, "building \(id) came twice")
            }
            pages += 1
            if pages == 2 {  // more buildings arrive while a client pages
                let more = temporaryPath("geojson")
                try squares(5, 1, x0: 120.70, y0: 31.30).write(to: URL(fileURLWithPath: more))
                #expect(try await civicgrid("import", "buildings", more, "--db", db).status == 0)
            }
            next = (page["links"] as? [[String: Any]])?.first { $0["rel"] as? String == "next" }?["href"] as? String
        }
        #expect(seen.count == 40_005 && pages == 5, "\(seen.count) buildings in \(pages) pages")
        #expect(Set(1...40_005) == seen)
    }

    /// A FeatureCollection of n × m squares of about 10 m with 10 households each.
    func squares(_ n: Int, _ m: Int, x0: Double, y0: Double) -> Data {
        var out = #"{"type":"FeatureCollection","features":["#
        let d = 0.0001
        for j in 0..<m {
            for i in 0..<n {
                let (x, y) = (x0 + Double(i) * 1.5 * d, y0 + Double(j) * 1.5 * d)
                if i + j > 0 { out += "," }
                out += #"{"type":"Feature","properties":{"households":10},"geometry":{"type":"Polygon","coordinates":[[[\#(x),\#(y)],[\#(x + d),\#(y)],[\#(x + d),\#(y + d)],[\#(x),\#(y + d)],[\#(x),\#(y)]]]}}"#
            }
        }
        return Data((out + "]}").utf8)
    }
}
