import Foundation
import GridSchema
import GridTestSupport
import Testing
import GridGEOS
import GridGeometry
import GridImport
import GridStore
@testable import GridDemo

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct DemoCityTests {
    let city = DemoCity()

    @Test func sameSeedSameBytesAndCommittedDataIsCurrent() throws {
        let a = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        let b = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)")
        try city.write(to: a)
        try DemoCity().write(to: b)
        for file in DemoCity.files {
            let bytes = try Data(contentsOf: a.appendingPathComponent(file))
            #expect(bytes == (try Data(contentsOf: b.appendingPathComponent(file))), "\(file) differs between runs")
            let committed = try Data(contentsOf: repository.appendingPathComponent("Data/demo/\(file)"))
            #expect(bytes == committed, "Data/demo/\(file) is stale: run `civicgrid demo generate`")
        }
        #expect(DemoCity(seed: 7).buildings != city.buildings)
    }

    @Test func meetsTheDemoSpecification() {
        let levels = city.regions.map { $0.properties["level"]?.stringValue ?? "" }
        #expect(levels.filter { $0 == "district" }.count == 1)
        #expect(levels.filter { $0 == "street" }.count >= 3)
        #expect(levels.filter { $0 == "community" }.count >= 12)
        #expect(city.householdTotal >= 40_000)
        func households(_ kind: String) -> [Int] {
            city.buildings.filter { $0.properties["kind"] == .string(kind) }.map { Int($0.properties["households"]!.doubleValue!) }
        }
        let highRise = households("tower") + households("slab")
        #expect(!highRise.isEmpty && highRise.allSatisfy { (100...600).contains($0) })
        #expect(highRise.contains { $0 > 500 })  // some buildings exceed a grid: exceptions
        #expect(!households("village").isEmpty && households("village").allSatisfy { (1...3).contains($0) })
        #expect(households("courtyard").count > 1000)
        #expect(!households("walkup").isEmpty)
        #expect(city.roads.contains { $0.properties["kind"] == .string("primary") })
        #expect(city.roads.contains { $0.properties["kind"] == .string("residential") })
        #expect(!city.households.isEmpty && city.households.allSatisfy { $0.properties["phone"] != nil })
    }

    /// The committed demo imported into a fresh GeoPackage: counts match, every building is
    /// in a community, and the communities tile the district with no gap or overlap.
    @Test func importsIntoAGeoPackage() throws {
        let path = TestDatabase.make("demo")
        let store = try GridStore(path: path)
        let importer = Importer(store: store)
        for file in DemoCity.files {
            let kind = ImportKind(rawValue: String(file.dropLast(8)))!
            _ = try importer.run(kind, path: repository.appendingPathComponent("Data/demo/\(file)").path)
        }
        let counts = try store.read { try $0.counts() }
        #expect(counts["regions"] == city.regions.count)
        #expect(counts["buildings"] == city.buildings.count)
        #expect(counts["roads"] == city.roads.count)
        #expect(counts["households"] == city.households.count)
        #expect(try store.read { try $0.householdTotal() } == city.householdTotal)
        #expect(try store.read { try $0.buildingCount(community: nil) } == 0)
        #expect(try store.integrityCheck() == "ok")

        let geos = GEOSContext()
        let regions = try store.read { try $0.regions() }
        let district = try #require(regions.first { $0.level == .district })
        let communities = regions.filter { $0.level == .community }
        let union = try geos.coverageUnion(communities.flatMap(\.geometry.polygons))
        // Degrees² → about 1e10 m² per square degree here: 1e-10 is about 1 m².
        let gap = try geos.difference(district.geometry, union).area + geos.difference(union, district.geometry).area
        #expect(gap < 1e-10)
        let summed = communities.reduce(0) { $0 + $1.geometry.area }
        #expect(abs(summed - district.geometry.area) < 1e-10)

        // GDAL reads it as a GeoPackage.
        let ogrinfo = "/usr/bin/ogrinfo"
        #expect(FileManager.default.isExecutableFile(atPath: ogrinfo), "GDAL is missing: apt-get install -y gdal-bin (Scripts/test installs it)")
        let out = try run(ogrinfo, ["-ro", "-so", "-al", TestDatabase.gdalName(path)])
        #expect(out.contains("Layer name: buildings"))
        #expect(out.contains("Feature Count: \(city.buildings.count)"))
        #expect(out.contains("Feature Count: \(city.regions.count)"))
        #expect(out.contains("ID[\"EPSG\",4326]"))
        if !TestDatabase.isPostgres { #expect(!out.contains("Layer name: households")) }  // GDAL lists every PostgreSQL table
        #expect(!out.contains("Warning"), "\(out.prefix(300))")
    }
}

func run(_ executable: String, _ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
