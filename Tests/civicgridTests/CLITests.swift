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

func civicgrid(_ arguments: String...) throws -> Result { try civicgrid(arguments) }

func civicgrid(_ arguments: [String]) throws -> Result {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// Runs any program (with extra environment variables, in a folder); returns its status and
/// combined output.
func run(_ program: String, _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: program)
    p.arguments = arguments
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    p.currentDirectoryURL = directory
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, text)
}

/// `civicgrid …` that must succeed; its standard output.
func ok(_ args: [String]) throws -> String {
    let r = try civicgrid(args)
    #expect(r.status == 0, "\(args): \(r.stderr)")
    return r.stdout
}

/// The last word of a command's output (the token `users add` prints, …).
func lastWord(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).last.map(String.init) ?? "" }

func temporaryPath(_ ext: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).\(ext)").path
}

struct CLITests {
    @Test func demoLoadThenCheck() throws {
        let db = temporaryPath("gpkg")
        let load = try civicgrid("demo", "load", "--db", db, "--data", repository.appendingPathComponent("Data/demo").path)
        #expect(load.status == 0, "\(load.stderr)")
        #expect(load.stdout.contains("buildings linked to communities"))
        #expect(load.stderr.contains("buildings: importing 100%"))  // progress
        let check = try civicgrid("check", "--db", db)
        #expect(check.status == 0)
        #expect(check.stdout.contains("regions: 21"))
        #expect(check.stdout.contains("integrity: ok"))
    }

    @Test func badFeatureChangesNothingAndIsNamed() throws {
        let db = temporaryPath("gpkg")
        let good = #"{"type":"Feature","properties":{"households":4},"geometry":{"type":"Polygon","coordinates":[[[120.6,31.3],[120.601,31.3],[120.601,31.301],[120.6,31.3]]]}}"#
        let bad = #"{"type":"Feature","properties":{"households":4},"geometry":{"type":"Polygon","coordinates":[[[120.6,31.3],[120.601,131.3],[120.601,31.301],[120.6,31.3]]]}}"#
        let file = temporaryPath("geojson")
        try Data(#"{"type":"FeatureCollection","features":[\#(good),\#(good),\#(bad),\#(good)]}"#.utf8).write(to: URL(fileURLWithPath: file))
        let r = try civicgrid("import", "buildings", file, "--db", db)
        #expect(r.status == 1)
        #expect(r.stderr.contains("feature 2: latitude 131.3 outside ±90 at geometry.coordinates[0][1]"))
        #expect(r.stderr.contains("rejected 1 of 4 features; nothing was written"))
        #expect(try civicgrid("check", "--db", db).stdout.contains("buildings: 0"))
    }

    @Test func unknownKindIsAUsageError() throws {
        let r = try civicgrid("import", "parcels", "x.geojson", "--db", temporaryPath("gpkg"))
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown kind \"parcels\""))
    }
}

extension CLITests {
    @Test func partitionPublishExport() throws {
        let db = temporaryPath("gpkg")
        #expect(try civicgrid("demo", "load", "--db", db, "--data", repository.appendingPathComponent("Data/demo").path).status == 0)
        let part = try civicgrid("partition", "--db", db, "--region", "320599001001", "--json")
        #expect(part.status == 0, "\(part.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(part.stdout.utf8)) as? [String: Any]
        let total = report?["total"] as? [String: Any]
        #expect(total?["grids"] as? Int == 3)
        #expect(try civicgrid("plans", "validate", "--db", db, "--plan", "1").stdout.contains("320599001001"))
        #expect(try civicgrid("plans", "publish", "--db", db, "--all").stdout.contains("published 1 plans"))
        let geojson = try civicgrid("export", "grids", "--db", db)
        let features = (try JSONSerialization.jsonObject(with: Data(geojson.stdout.utf8)) as? [String: Any])?["features"] as? [[String: Any]]
        #expect(features?.count == 3)
        let properties = features?.first?["properties"] as? [String: Any]
        let keys = Set((properties ?? [:]).keys)
        #expect(keys.isSuperset(of: ["code", "community", "households", "buildings", "area_m2"]))
        let out = temporaryPath("gpkg")
        #expect(try civicgrid("export", "grids", "--db", db, "--format", "gpkg", "--output", out).status == 0)
        try requireProgram("/usr/bin/ogrinfo", package: "gdal-bin")
        let text = try run("/usr/bin/ogrinfo", ["-ro", "-so", "-al", out]).output
        #expect(text.contains("Feature Count: 3"))
        #expect(text.contains("households: Integer"))
        #expect(!text.contains("Warning"))
    }
}
