import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Whether python3 can import these modules (the test clients Scripts/test installs).
func pythonHas(_ modules: String...) -> Bool {
    (try? run("/usr/bin/env", ["python3", "-c", "import " + modules.joined(separator: ", ")]).status) == 0
}

/// Runs Scripts/check_page.py (headless Chromium), one at a time: two browsers at once on
/// two cores time out.
func checkPage(_ arguments: [String], script: String = "check_page.py") throws -> (status: Int32, output: String) {
    chromium.lock()
    defer { chromium.unlock() }
    return try run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/\(script)").path] + arguments)
}

private let chromium = NSLock()

func fetch(_ url: String) async throws -> (Int, Data, [AnyHashable: Any]) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
    let http = response as! HTTPURLResponse
    return (http.statusCode, data, http.allHeaderFields)
}

/// For tests of what the layers hold: every tile layer and collection open without a token
/// (who may read what is tested in GridServerTests and PlannerEndToEndTests).
let everyLayerPublic = ["--public", "districts,streets,communities,grids,buildings,roads"]

/// Runs `civicgrid serve` on a random port until it answers; returns the process and its URL.
func serve(_ db: String, _ extra: [String] = []) async throws -> (Process, String) {
    let port = Int.random(in: 20000..<60000)
    let server = Process()
    server.executableURL = URL(fileURLWithPath: binary)
    server.arguments = ["serve", "--db", db, "--port", "\(port)", "--log-level", "warning",
                        "--styles", repository.appendingPathComponent("Styles").path,
                        "--web-assets", repository.appendingPathComponent(".build-web/maplibre").path] + extra
    try server.run()
    let base = "http://127.0.0.1:\(port)"
    // Up to 60 s: the debug build loads the demo's tile layers slowly while other tests
    // (Chromium, load generators) hold the cores.
    for _ in 0..<600 where server.isRunning {
        if (try? await fetch("\(base)/health"))?.0 == 200 { return (server, base) }
        try await Task.sleep(for: .milliseconds(100))
    }
    server.terminate()
    throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "civicgrid serve did not answer on \(base)"])
}

/// The demo district, divided and published, made once for the tile and feature tests.
let publishedDemo: String = {
    let db = temporaryPath("gpkg")
    _ = try? civicgrid("demo", "load", "--db", db, "--data", repository.appendingPathComponent("Data/demo").path)
    _ = try? civicgrid("partition", "--db", db)
    _ = try? civicgrid("plans", "publish", "--db", db, "--all")
    return db
}()

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: binary), "civicgrid binary not built"), .serialized)
struct TilesEndToEndTests {
    @Test func seedReportsCountsAndSizes() throws {
        let r = try civicgrid("tiles", "seed", "--db", publishedDemo, "--zooms", "12-14")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("6 tiles (6 with features)"), "\(r.stdout)")
        #expect(r.stderr.contains("rendering z12–14 100% (6/6)"))  // progress
    }

    @Test func mbtilesOpensInGDALAndDecodesToTheGrids() throws {
        let out = temporaryPath("mbtiles")
        let r = try civicgrid("tiles", "export", "--db", publishedDemo, "--format", "mbtiles", "--output", out, "--zooms", "10-16")
        #expect(r.status == 0, "\(r.stderr)")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/ogrinfo") {
            let info = try run("/usr/bin/ogrinfo", ["-ro", "-al", "-so", "-oo", "ZOOM_LEVEL=14", out, "grids"])
            #expect(info.status == 0)
            #expect(info.output.contains("Feature Count: "), "\(info.output)")
            for field in ["code: String", "community: String", "households: Real", "band: String"] { #expect(info.output.contains(field), "\(field)") }
            let layers = try run("/usr/bin/ogrinfo", ["-ro", "-so", out])
            for (i, layer) in ["districts", "streets", "communities", "grids", "buildings", "roads"].enumerated() { #expect(layers.output.contains("\(i + 1): \(layer)"), "\(layer)") }
        }
        if pythonHas("mapbox_vector_tile", "shapely") {
            for zoom in ["12", "14", "16"] {
                let check = try run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/check_tiles.py").path, publishedDemo, out, zoom])
                #expect(check.status == 0, "z\(zoom): \(check.output)")
                #expect(check.output.contains("\"grids_in_tiles\": 183"), "\(check.output)")
            }
        }
    }

    @Test(.enabled(if: pythonHas("mapbox_vector_tile", "shapely", "pmtiles")))
    func pmtilesDecodesToTheGrids() throws {
        let out = temporaryPath("pmtiles")
        #expect(try civicgrid("tiles", "export", "--db", publishedDemo, "--format", "pmtiles", "--output", out, "--zooms", "0-15").status == 0)
        let check = try run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/check_tiles.py").path, publishedDemo, out, "15"])
        #expect(check.status == 0, "\(check.output)")
    }

    @Test func liveServerServesTilesGDALReadsAndChromiumDraws() async throws {
        let db = temporaryPath("gpkg")  // this test imports into it
        try FileManager.default.copyItem(atPath: publishedDemo, toPath: db)
        let (server, base) = try await serve(db, everyLayerPublic)  // the import below changes the buildings layer
        defer { server.terminate(); server.waitUntilExit() }
        let (status, data, _) = try await fetch("\(base)/tiles.json")
        #expect(status == 200)
        let tilejson = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(tilejson?["tiles"] as? [String] == ["\(base)/tiles/{z}/{x}/{y}.mvt"])  // the Host header, really sent
        // A z14 tile in the middle of the district: saved, read by GDAL's MVT driver.
        let (tileStatus, tile, headers) = try await fetch("\(base)/tiles/14/13685/6690.mvt")
        #expect(tileStatus == 200)
        #expect(headers["Content-Type"] as? String == "application/vnd.mapbox-vector-tile")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/ogrinfo") {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mvt-\(UUID().uuidString)/14/13685")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let file = dir.appendingPathComponent("6690.mvt")
            try tile.write(to: file)
            let info = try run("/usr/bin/ogrinfo", ["-ro", "-al", "-so", file.path, "grids"])
            #expect(info.output.contains("Feature Count: "), "\(info.output)")
            #expect(info.output.contains("households: Integer"))
        }
        // Another process imports a building into that tile: within a few seconds the server
        // serves the tile anew (a new ETag).
        let etag = try #require(headers["Etag"] as? String ?? headers["ETag"] as? String)
        let file = temporaryPath("geojson")
        try Data(#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"households":12,"floors":3},"geometry":{"type":"Polygon","coordinates":[[[120.70000,31.29990],[120.70010,31.29990],[120.70010,31.29998],[120.70000,31.29998],[120.70000,31.29990]]]}}]}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        let imported = try civicgrid("import", "buildings", file, "--db", db)
        #expect(imported.status == 0, "\(imported.stderr)")
        var changed = false
        for _ in 0..<300 where !changed {  // up to 30 s on a busy machine; usually the first second
            try await Task.sleep(for: .milliseconds(100))
            let (_, _, now) = try await fetch("\(base)/tiles/14/13685/6690.mvt")
            let tag = now["Etag"] as? String ?? now["ETag"] as? String
            changed = tag != nil && tag != etag
        }
        #expect(changed, "the tile did not change within 30 s of the import")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"),
           pythonHas("selenium") {
            let shot = temporaryPath("png")
            let page = try checkPage(["\(base)/map", shot])
            #expect(page.status == 0, "\(page.output)")
            #expect(page.output.contains("\"grids\": 183"), "\(page.output)")
            #expect(FileManager.default.fileExists(atPath: shot))
        }
    }
}
