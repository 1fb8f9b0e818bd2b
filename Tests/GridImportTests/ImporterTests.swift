import Foundation
import GridSchema
import GridTestSupport
import Testing
import GridGeometry
import GridProj
import GridStore
@testable import GridImport

/// Writes text to a temporary file and returns its path.
func temporaryFile(_ text: String, ext: String = "geojson") throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("cg-\(UUID().uuidString).\(ext)")
    try Data(text.utf8).write(to: url)
    return url.path
}

func temporaryDatabase() -> String { TestDatabase.make("cg") }

/// `[[x, y], ...]` square ring text, counter-clockwise.
func squareCoordinates(_ x: Double, _ y: Double, _ size: Double) -> String {
    "[[[\(x),\(y)],[\(x + size),\(y)],[\(x + size),\(y + size)],[\(x),\(y + size)],[\(x),\(y)]]]"
}

func feature(_ properties: String, _ geometry: String) -> String {
    #"{"type":"Feature","properties":{\#(properties)},"geometry":\#(geometry)}"#
}

func polygon(_ x: Double, _ y: Double, _ size: Double) -> String {
    #"{"type":"Polygon","coordinates":\#(squareCoordinates(x, y, size))}"#
}

func collection(_ features: [String]) -> String {
    #"{"type":"FeatureCollection","features":[\#(features.joined(separator: ",\n"))]}"#
}

/// A district > street > community hierarchy around (120.6, 31.3), 0.01° across.
let hierarchy = collection([
    feature(#""code":"C1","name":"Community","level":"community","parent":"S1""#, polygon(120.6, 31.3, 0.01)),
    feature(#""code":"S1","name":"Street","level":"street","parent":"D1""#, polygon(120.6, 31.3, 0.01)),
    feature(#""code":"D1","name":"District","level":"district""#, polygon(120.6, 31.3, 0.01)),
])

/// Everything an import could change, to prove a refused import changed nothing.
func fingerprint(_ store: GridStore) throws -> String {
    try store.read { r in
        let counts = try r.counts().sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let regions = try r.regions().map { "\($0.code):\($0.level):\($0.parent ?? "-"):\($0.geometry.boundingBox!)" }
        let buildings = try r.buildings().map { "\($0.id!):\($0.households):\($0.community ?? "-")" }
        return (counts + regions + buildings + ["hh=\(try r.householdTotal())"]).joined(separator: "\n")
    }
}

struct ImporterTests {
    let store: GridStore
    let importer: Importer

    init() throws {
        store = try GridStore(path: temporaryDatabase())
        importer = Importer(store: store)
        _ = try importer.run(.regions, path: try temporaryFile(hierarchy))
    }

    @Test func regionsArePlacedUnderTheirParents() throws {
        let regions = try store.read { try $0.regions() }
        #expect(regions.map(\.code) == ["C1", "D1", "S1"])
        #expect(regions.first { $0.code == "C1" }?.parent == "S1")
        #expect(regions.first { $0.code == "C1" }?.level == .community)
    }

    @Test func buildingsAreLinkedAndEstimated() throws {
        let text = collection([
            feature(#""ref":"A","households":12"#, polygon(120.601, 31.301, 0.0002)),
            // About 19 m × 21 m, 3 floors, no household count: estimated.
            feature(#""ref":"B","floors":3"#, polygon(120.603, 31.303, 0.0002)),
            // Height instead of floors: 18 m = 6 floors.
            feature(#""ref":"C","height":18"#, polygon(120.605, 31.305, 0.0002)),
            // Outside every community.
            feature(#""ref":"D","households":1"#, polygon(120.7, 31.4, 0.0002)),
        ])
        let report = try importer.run(.buildings, path: try temporaryFile(text))
        #expect(report.imported == 4)
        #expect(report.estimatedBuildings == 2)
        #expect(report.warnings == ["1 buildings lie outside every community"])
        let b = try store.read { try $0.buildings() }
        #expect(b.map(\.community) == ["C1", "C1", "C1", nil])
        #expect(b[0].householdSource == .declared && b[0].households == 12)
        let area = b[1].areaM2
        #expect(area > 350 && area < 450)
        #expect(b[1].householdSource == .estimated)
        #expect(b[1].households == HouseholdEstimate().households(footprintM2: area, floors: 3))
        #expect(b[1].households == Int((area * 3 * 0.75 / 90).rounded()))
        #expect(b[2].floors == 6)
        // The height is stored too (the 3D view extrudes by it); the others have none.
        #expect(b.map(\.height) == [nil, nil, 18, nil])
        #expect(b[0].geometry.contains(b[0].label))
    }

    @Test func regionsImportedLaterRelinkBuildings() throws {
        let outside = collection([feature(#""ref":"X","households":3"#, polygon(120.701, 31.401, 0.0002))])
        _ = try importer.run(.buildings, path: try temporaryFile(outside))
        let more = collection([feature(#""code":"C2","name":"Two","level":"community","parent":"S1""#, polygon(120.7, 31.4, 0.01))])
        let report = try importer.run(.regions, path: try temporaryFile(more))
        #expect(report.linkedBuildings == 1)
        #expect(try store.read { try $0.buildings() }.first?.community == "C2")
    }

    @Test func householdsLinkByBuildingAndSetTheCount() throws {
        _ = try importer.run(.buildings, path: try temporaryFile(collection([
            feature(#""ref":"H1","households":40"#, polygon(120.601, 31.301, 0.0002))])))
        let records = collection([
            feature(#""building":"H1","unit":"1-101","size":3,"head_name":"王伟","phone":"13800000001""#, "null"),
            feature(#""building":"H1","unit":"1-102""#, "null"),
        ])
        #expect(try importer.run(.households, path: try temporaryFile(records)).imported == 2)
        let b = try #require(try store.read { try $0.buildings() }.first)
        #expect(b.households == 2 && b.householdSource == .records)
    }

    @Test func projectedInputIsTransformed() throws {
        // CGCS2000 / 3-degree Gauss–Krüger CM 120E: a 20 m square at (120.602, 31.302).
        let gk = try Projector().transform([Coordinate(120.602, 31.302)], from: .wgs84, to: .epsg(4549))[0]
        let text = collection([feature(#""ref":"P","households":5"#, polygon(gk.x, gk.y, 20))])
        var options = ImportOptions()
        options.crs = .epsg(4549)
        _ = try importer.run(.buildings, path: try temporaryFile(text), options: options)
        let b = try #require(try store.read { try $0.buildings() }.first)
        #expect(abs(b.areaM2 - 400) < 0.5)
        #expect(b.community == "C1")
        let box = try #require(b.geometry.boundingBox)
        #expect(abs(box.minX - 120.602) < 1e-6 && abs(box.minY - 31.302) < 1e-6)
    }

    @Test(.enabled(if: !TestDatabase.isPostgres, "reads the store's own file"))
    func geoPackageInputIsRead() throws {
        // The store's own file is a GeoPackage: import its regions layer into another.
        let other = try GridStore(path: temporaryDatabase())
        var options = ImportOptions()
        options.layer = "regions"
        let report = try Importer(store: other).run(.regions, path: store.path, options: options)
        #expect(report.imported == 3)
        #expect(try other.read { try $0.regions() }.map(\.code) == ["C1", "D1", "S1"])
    }

    @Test func makeValidRepairsWhenAsked() throws {
        let bowtie = #"{"type":"Polygon","coordinates":[[[120.601,31.301],[120.602,31.302],[120.602,31.301],[120.601,31.302],[120.601,31.301]]]}"#
        let path = try temporaryFile(collection([feature(#""households":2"#, bowtie)]))
        #expect(throws: ImportError.self) { try importer.run(.buildings, path: path) }
        var options = ImportOptions()
        options.makeValid = true
        #expect(try importer.run(.buildings, path: path, options: options).imported == 1)
        #expect(try store.read { try $0.buildings() }.first?.geometry.polygons.count == 2)
    }

    @Test func guessedIdThatRepeatsIsDropped() throws {
        let text = collection([feature(#""Id":0,"households":1"#, polygon(120.601, 31.301, 0.0002)),
                               feature(#""Id":0,"households":1"#, polygon(120.602, 31.301, 0.0002))])
        let report = try importer.run(.buildings, path: try temporaryFile(text))
        #expect(report.imported == 2)
        #expect(report.warnings.first?.hasPrefix("building ids dropped") == true)
        #expect(try store.read { try $0.buildings() }.allSatisfy { $0.ref == nil })
    }
}
