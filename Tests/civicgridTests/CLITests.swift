import Foundation
import Testing

/// End-to-end: the real `civicgrid` binary, built beside this test bundle.
let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("civicgrid").path
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
}

func civicgrid(_ arguments: String...) async throws -> Result { try await civicgrid(arguments) }

/// How long a command a test runs may take before it is killed and its test fails with what
/// it wrote (the longest, the contract test, takes about 10 minutes on a loaded machine).
let commandLimit = Duration.seconds(1500)

/// Runs the binary to its end (without holding a thread of the tests' pool: `Spawned`).
func civicgrid(_ arguments: [String]) async throws -> Result {
    let p = try Spawned(binary, arguments, log: temporaryPath("out"), errors: temporaryPath("err"))
    p.limit(commandLimit)
    let status = await p.ended()
    defer { try? FileManager.default.removeItem(atPath: p.log); try? FileManager.default.removeItem(atPath: p.errors) }
    return Result(status: status, stdout: p.output, stderr: p.errorOutput + overran(p))
}

/// Runs any program (with extra environment variables, in a folder); returns its status and
/// combined output; killed past `limit`.
func run(_ program: String, _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil,
         limit: Duration = commandLimit) async throws -> (status: Int32, output: String) {
    let p = try Spawned(program, arguments, environment: environment, directory: directory?.path)
    p.limit(limit)
    let status = await p.ended()
    defer { try? FileManager.default.removeItem(atPath: p.log) }
    return (status, p.output + overran(p))
}

private func overran(_ p: Spawned) -> String {
    p.overran.map { "\n(killed: still running after \($0))" } ?? ""
}

/// `civicgrid …` that must succeed; its standard output.
func ok(_ args: [String]) async throws -> String {
    let r = try await civicgrid(args)
    #expect(r.status == 0, "\(args): \(r.stderr)")
    return r.stdout
}

/// The last word of a command's output (the token `users add` prints, …).
func lastWord(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).last.map(String.init) ?? "" }

func temporaryPath(_ ext: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).\(ext)").path
}

struct CLITests {
    @Test func demoLoadThenCheck() async throws {
        let db = temporaryPath("gpkg")
        let load = try await civicgrid("demo", "load", "--db", db, "--data", repository.appendingPathComponent("Data/demo").path)
        #expect(load.status == 0, "\(load.stderr)")
        #expect(load.stdout.contains("buildings linked to communities"))
        #expect(load.stderr.contains("buildings: importing 100%"))  // progress
        let check = try await civicgrid("check", "--db", db)
        #expect(check.status == 0)
        #expect(check.stdout.contains("regions: 21"))
        #expect(check.stdout.contains("integrity: ok"))
    }

    @Test func badFeatureChangesNothingAndIsNamed() async throws {
        let db = temporaryPath("gpkg")
        let good = #"{"type":"Feature","properties":{"households":4},"geometry":{"type":"Polygon","coordinates":[[[120.6,31.3],[120.601,31.3],[120.601,31.301],[120.6,31.3]]]}}"#
        let bad = #"{"type":"Feature","properties":{"households":4},"geometry":{"type":"Polygon","coordinates":[[[120.6,31.3],[120.601,131.3],[120.601,31.301],[120.6,31.3]]]}}"#
        let file = temporaryPath("geojson")
        try Data(#"{"type":"FeatureCollection","features":[\#(good),\#(good),\#(bad),\#(good)]}"#.utf8).write(to: URL(fileURLWithPath: file))
        let r = try await civicgrid("import", "buildings", file, "--db", db)
        #expect(r.status == 1)
        #expect(r.stderr.contains("feature 2: latitude 131.3 outside ±90 at geometry.coordinates[0][1]"))
        #expect(r.stderr.contains("rejected 1 of 4 features; nothing was written"))
        #expect(try await civicgrid("check", "--db", db).stdout.contains("buildings: 0"))
    }

    @Test func unknownKindIsAUsageError() async throws {
        let r = try await civicgrid("import", "parcels", "x.geojson", "--db", temporaryPath("gpkg"))
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown kind \"parcels\""))
    }
}

extension CLITests {
    @Test func partitionPublishExport() async throws {
        let db = temporaryPath("gpkg")
        #expect(try await civicgrid("demo", "load", "--db", db, "--data", repository.appendingPathComponent("Data/demo").path).status == 0)
        let part = try await civicgrid("partition", "--db", db, "--region", "320599001001", "--json")
        #expect(part.status == 0, "\(part.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(part.stdout.utf8)) as? [String: Any]
        let total = report?["total"] as? [String: Any]
        #expect(total?["grids"] as? Int == 3)
        #expect(try await civicgrid("plans", "validate", "--db", db, "--plan", "1").stdout.contains("320599001001"))
        #expect(try await civicgrid("plans", "publish", "--db", db, "--all").stdout.contains("published 1 plans"))
        let geojson = try await civicgrid("export", "grids", "--db", db)
        let features = (try JSONSerialization.jsonObject(with: Data(geojson.stdout.utf8)) as? [String: Any])?["features"] as? [[String: Any]]
        #expect(features?.count == 3)
        let properties = features?.first?["properties"] as? [String: Any]
        let keys = Set((properties ?? [:]).keys)
        #expect(keys.isSuperset(of: ["code", "community", "households", "buildings", "area_m2"]))
        let out = temporaryPath("gpkg")
        #expect(try await civicgrid("export", "grids", "--db", db, "--format", "gpkg", "--output", out).status == 0)
        try requireProgram("/usr/bin/ogrinfo", package: "gdal-bin")
        let text = try await run("/usr/bin/ogrinfo", ["-ro", "-so", "-al", out]).output
        #expect(text.contains("Feature Count: 3"))
        #expect(text.contains("households: Integer"))
        #expect(!text.contains("Warning"))
    }
}
