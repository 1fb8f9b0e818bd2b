import Foundation
import Synchronization
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client the end-to-end tests drive that is not installed.
struct MissingClient: Error, CustomStringConvertible {
    var description: String
}

/// The end-to-end tests drive real clients, and Scripts/test installs every one: a missing
/// client fails the test with what to install, never skips it.
func requireProgram(_ path: String, package: String) throws {
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw MissingClient(description: "\(path) is missing: apt-get install -y \(package) (Scripts/test installs it)")
    }
}

/// Python modules of the test clients, by the PyPI package that provides them.
private let pythonPackages = ["mapbox_vector_tile": "mapbox-vector-tile", "openapi_spec_validator": "openapi-spec-validator"]

func requirePython(_ modules: String...) async throws {
    var missing: [String] = []
    for m in modules where (try? await run("/usr/bin/env", ["python3", "-c", "import \(m)"]).status) != 0 { missing.append(m) }
    guard missing.isEmpty else {
        let packages = missing.map { pythonPackages[$0] ?? $0 }.joined(separator: " ")
        throw MissingClient(description: "python3 cannot import \(missing.joined(separator: ", ")): python3 -m pip install \(packages) (Scripts/test installs them)")
    }
}

/// Headless Chromium driven by Selenium, for the page checks.
func requireBrowser() async throws {
    try requireProgram("/usr/bin/chromium", package: "chromium")
    try requireProgram("/usr/bin/chromedriver", package: "chromium-driver")
    try await requirePython("selenium", "shapely")
}

/// Runs Scripts/check_page.py (headless Chromium), one at a time: two browsers at once on
/// two cores time out. Each takes one to three minutes; one that hangs is killed after ten,
/// so the checks queued behind it still run.
func checkPage(_ arguments: [String], script: String = "check_page.py") async throws -> (status: Int32, output: String) {
    try await chromium.run {
        try await run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/\(script)").path] + arguments, limit: .seconds(600))
    }
}

private let chromium = OneAtATime()

/// Runs work one at a time, in the order asked, holding no thread while waiting its turn.
actor OneAtATime {
    private var busy = false
    private var queue: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        if busy { await withCheckedContinuation { queue.append($0) } }
        busy = true
        defer {
            if queue.isEmpty { busy = false } else { queue.removeFirst().resume() }
        }
        return try await work()
    }
}

/// A value made once per test process by its first caller; later callers wait for the same
/// making, and share its failure.
final class Once<Value: Sendable>: Sendable {
    private let task = Mutex<Task<Value, any Error>?>(nil)
    private let make: @Sendable () async throws -> Value
    init(_ make: @escaping @Sendable () async throws -> Value) { self.make = make }

    var value: Value {
        get async throws {
            let t = task.withLock { t in
                if t == nil { t = Task { try await make() } }
                return t!
            }
            return try await t.value
        }
    }
}

/// A GET through `URLSession.shared`. Never cancel a task while it waits here: in
/// swift-corelibs-foundation a cancellation that races the answer deadlocks — the cancellation
/// handler waits on the session's queue while that queue, resuming the task, waits on the
/// task's lock — and every later request of the shared session hangs with it (a whole suite
/// run stalled so, its servers idle, until `Scripts/test`'s limit).
func fetch(_ url: String) async throws -> (Int, Data, [AnyHashable: Any]) {
    let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
    let http = response as! HTTPURLResponse
    return (http.statusCode, data, http.allHeaderFields)
}

/// For tests of what the layers hold: every tile layer and collection open without a token
/// (who may read what is tested in GridServerTests and PlannerEndToEndTests).
let everyLayerPublic = ["--public", "districts,streets,communities,grids,buildings,roads"]

/// Runs `civicgrid serve` on a port the system chooses (read back from `--port-file`) until it
/// answers; returns the process and its URL. Its output goes to `log` (at info, a line a
/// request) or to a file of its own (start-up steps, warnings), named in any failure.
func serve(_ db: String, _ extra: [String] = [], log: String? = nil) async throws -> (Spawned, String) {
    let portFile = temporaryPath("port")
    let server = try Spawned(binary, ["serve", "--db", db, "--port", "0", "--port-file", portFile, "--log-level", log == nil ? "notice" : "info",
                                      "--styles", repository.appendingPathComponent("Styles").path,
                                      "--web-assets", repository.appendingPathComponent(".build-web/maplibre").path] + extra, log: log)
    // As long as a loaded machine needs (the debug build loads the demo's tile layers slowly
    // while Chromium and load generators hold both cores), while the server runs; the server
    // itself ends a start-up step that runs past its deadline.
    let started = ContinuousClock.now
    while server.isRunning, ContinuousClock.now - started < .seconds(240) {
        if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            let base = "http://127.0.0.1:\(port)"
            if (try? await fetch("\(base)/health"))?.0 == 200 { return (server, base) }
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    let ended = server.isRunning ? "still starting after \(ContinuousClock.now - started)" : "exited with status \(server.status ?? -1)"
    server.stop()
    throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "civicgrid serve \(ended); it logged:\n\(server.tail())"])
}

/// The demo district, divided and published, made once for the tile and feature tests; a
/// step that fails fails every test that needs it, with the step's output.
func publishedDemo() async throws -> String { try await demo.value }

private let demo = Once<String> {
    let db = temporaryPath("gpkg")
    for step in [["demo", "load", "--db", db, "--data", repository.appendingPathComponent("Data/demo").path],
                 ["partition", "--db", db], ["plans", "publish", "--db", db, "--all"]] {
        let r = try await civicgrid(step)
        guard r.status == 0 else {
            throw MissingClient(description: "civicgrid \(step.prefix(2).joined(separator: " ")) failed (\(r.status)): \(r.stderr.suffix(2000))")
        }
    }
    return db
}

@Suite(.serialized)
struct TilesEndToEndTests {
    @Test func seedReportsCountsAndSizes() async throws {
        let r = try await civicgrid("tiles", "seed", "--db", try await publishedDemo(), "--zooms", "12-14")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("6 tiles (6 with features)"), "\(r.stdout)")
        #expect(r.stderr.contains("rendering z12–14 100% (6/6)"))  // progress
    }

    @Test func mbtilesOpensInGDALAndDecodesToTheGrids() async throws {
        let out = temporaryPath("mbtiles")
        let r = try await civicgrid("tiles", "export", "--db", try await publishedDemo(), "--format", "mbtiles", "--output", out, "--zooms", "10-16")
        #expect(r.status == 0, "\(r.stderr)")
        try requireProgram("/usr/bin/ogrinfo", package: "gdal-bin")
        let info = try await run("/usr/bin/ogrinfo", ["-ro", "-al", "-so", "-oo", "ZOOM_LEVEL=14", out, "grids"])
        #expect(info.status == 0)
        #expect(info.output.contains("Feature Count: "), "\(info.output)")
        for field in ["code: String", "community: String", "households: Real", "band: String"] { #expect(info.output.contains(field), "\(field)") }
        let layers = try await run("/usr/bin/ogrinfo", ["-ro", "-so", out])
        for (i, layer) in ["districts", "streets", "communities", "grids", "buildings", "roads"].enumerated() { #expect(layers.output.contains("\(i + 1): \(layer)"), "\(layer)") }
        try await requirePython("mapbox_vector_tile", "shapely")
        for zoom in ["12", "14", "16"] {
            let check = try await run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/check_tiles.py").path, try await publishedDemo(), out, zoom])
            #expect(check.status == 0, "z\(zoom): \(check.output)")
            #expect(check.output.contains("\"grids_in_tiles\": 183"), "\(check.output)")
        }
    }

    @Test func pmtilesDecodesToTheGrids() async throws {
        try await requirePython("mapbox_vector_tile", "shapely", "pmtiles")
        let out = temporaryPath("pmtiles")
        #expect(try await civicgrid("tiles", "export", "--db", try await publishedDemo(), "--format", "pmtiles", "--output", out, "--zooms", "0-15").status == 0)
        let check = try await run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/check_tiles.py").path, try await publishedDemo(), out, "15"])
        #expect(check.status == 0, "\(check.output)")
    }

    @Test func liveServerServesTilesGDALReadsAndChromiumDraws() async throws {
        let db = temporaryPath("gpkg")  // this test imports into it
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        let (server, base) = try await serve(db, everyLayerPublic)  // the import below changes the buildings layer
        defer { server.stop() }
        let (status, data, _) = try await fetch("\(base)/tiles.json")
        #expect(status == 200)
        let tilejson = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(tilejson?["tiles"] as? [String] == ["\(base)/tiles/{z}/{x}/{y}.mvt"])  // the Host header, really sent
        // A z14 tile in the middle of the district: saved, read by GDAL's MVT driver.
        let (tileStatus, tile, headers) = try await fetch("\(base)/tiles/14/13685/6690.mvt")
        #expect(tileStatus == 200)
        #expect(headers["Content-Type"] as? String == "application/vnd.mapbox-vector-tile")
        try requireProgram("/usr/bin/ogrinfo", package: "gdal-bin")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mvt-\(UUID().uuidString)/14/13685")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let saved = dir.appendingPathComponent("6690.mvt")
        try tile.write(to: saved)
        let info = try await run("/usr/bin/ogrinfo", ["-ro", "-al", "-so", saved.path, "grids"])
        #expect(info.output.contains("Feature Count: "), "\(info.output)")
        #expect(info.output.contains("households: Integer"))
        // Another process imports a building into that tile: within a few seconds the server
        // serves the tile anew (a new ETag).
        let etag = try #require(headers["Etag"] as? String ?? headers["ETag"] as? String)
        let file = temporaryPath("geojson")
        try Data(#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"households":12,"floors":3},"geometry":{"type":"Polygon","coordinates":[[[120.70000,31.29990],[120.70010,31.29990],[120.70010,31.29998],[120.70000,31.29998],[120.70000,31.29990]]]}}]}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        let imported = try await civicgrid("import", "buildings", file, "--db", db)
        #expect(imported.status == 0, "\(imported.stderr)")
        var changed = false
        for _ in 0..<300 where !changed {  // up to 30 s on a busy machine; usually the first second
            try await Task.sleep(for: .milliseconds(100))
            let (_, _, now) = try await fetch("\(base)/tiles/14/13685/6690.mvt")
            let tag = now["Etag"] as? String ?? now["ETag"] as? String
            changed = tag != nil && tag != etag
        }
        #expect(changed, "the tile did not change within 30 s of the import")
        try await requireBrowser()
        let shot = temporaryPath("png")
        let page = try await checkPage(["\(base)/map", shot])
        #expect(page.status == 0, "\(page.output)")
        #expect(page.output.contains("\"grids\": 183"), "\(page.output)")
        #expect(FileManager.default.fileExists(atPath: shot))
    }
}

/// A desktop GIS opening the database sees the plans in force as a layer of their own.
struct DesktopGISTests {
    @Test func publishedAndDraftGridsAreLayersOfTheirOwn() async throws {
        try requireProgram("/usr/bin/ogrinfo", package: "gdal-bin")
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        let draft = try await civicgrid("plans", "draft", "--db", db, "--community", "320599001001", "--from", "published")
        #expect(draft.status == 0, "\(draft.stderr)")
        let plan = try #require(draft.stdout.split(whereSeparator: { !$0.isNumber }).first.map(String.init))
        let layers = try await run("/usr/bin/ogrinfo", ["-ro", "-so", db])
        #expect(layers.output.contains("published_grids (Polygon)") && layers.output.contains("draft_\(plan)_grids (Polygon)"), "\(layers.output)")
        let published = try await run("/usr/bin/ogrinfo", ["-ro", "-so", db, "published_grids"])
        #expect(published.status == 0)
        #expect(published.output.contains("Feature Count: 183"), "\(published.output)")
        for field in ["code: String", "community: String", "households: Integer"] { #expect(published.output.contains(field), "\(field)") }
        #expect(!published.output.contains("Warning"), "\(published.output)")
        let drafts = try await run("/usr/bin/ogrinfo", ["-ro", "-so", db, "draft_\(plan)_grids"])
        #expect(drafts.output.contains("Feature Count: 3"), "\(drafts.output)")
        let all = try await run("/usr/bin/ogrinfo", ["-ro", "-so", db, "grids"])
        #expect(!all.output.contains("Feature Count: 183"), "the grids table holds every plan's")
        // Published, the draft's layer goes: its grids are in published_grids now.
        #expect(try await civicgrid("plans", "publish", "--db", db, "--plan", plan).status == 0)
        let after = try await run("/usr/bin/ogrinfo", ["-ro", "-so", db])
        #expect(!after.output.contains("draft_\(plan)_grids"), "\(after.output)")
        #expect(try await run("/usr/bin/ogrinfo", ["-ro", "-so", db, "published_grids"]).output.contains("Feature Count: 183"))
    }
}
