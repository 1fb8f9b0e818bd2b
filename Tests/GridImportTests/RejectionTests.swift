import Foundation
import GridSchema
import Testing
import GridGeometry
import GridStore
@testable import GridImport

/// One rule per case: a file of valid features with one bad one. The import must be refused,
/// name the bad feature's index and reason, and leave the database exactly as it was.
struct RejectionCase: CustomTestStringConvertible, Sendable {
    var name: String
    var kind: ImportKind
    var features: [String]
    var options: ImportOptions = ImportOptions()
    var index: Int
    var reason: String

    var testDescription: String { name }
}

let good = feature(#""ref":"G","households":3"#, polygon(120.6011, 31.3011, 0.0002))
let good2 = feature(#""ref":"G2","households":3"#, polygon(120.6021, 31.3021, 0.0002))

let rejectionCases: [RejectionCase] = [
    RejectionCase(name: "unclosed ring", kind: .buildings, features: [good, feature("", #"{"type":"Polygon","coordinates":[[[120.6,31.3],[120.601,31.3],[120.601,31.301],[120.6,31.301]]]}"#)],
                  index: 1, reason: "unclosed ring (first and last positions differ) at geometry.coordinates[0]"),
    RejectionCase(name: "fewer than 4 positions", kind: .buildings, features: [good, feature("", #"{"type":"Polygon","coordinates":[[[120.6,31.3],[120.601,31.3],[120.6,31.3]]]}"#)],
                  index: 1, reason: "3 positions, fewer than 4 at geometry.coordinates[0]"),
    RejectionCase(name: "non-numeric coordinate", kind: .buildings, features: [good, good2, feature("", #"{"type":"Polygon","coordinates":[[[120.6,31.3],[120.601,"31.3"],[120.601,31.301],[120.6,31.3]]]}"#)],
                  index: 2, reason: "non-numeric coordinate at geometry.coordinates[0][1][1]"),
    RejectionCase(name: "latitude out of range", kind: .buildings, features: [feature("", #"{"type":"Polygon","coordinates":[[[120.6,31.3],[120.601,95.5],[120.601,31.301],[120.6,31.3]]]}"#), good],
                  index: 0, reason: "latitude 95.5 outside ±90 at geometry.coordinates[0][1]"),
    RejectionCase(name: "longitude out of range", kind: .roads, features: [feature("", #"{"type":"LineString","coordinates":[[120.6,31.3],[190.5,31.3]]}"#)],
                  index: 0, reason: "longitude 190.5 outside ±180 at geometry.coordinates[1]"),
    RejectionCase(name: "self-intersection", kind: .buildings, features: [good, feature("", #"{"type":"Polygon","coordinates":[[[120.601,31.301],[120.602,31.302],[120.602,31.301],[120.601,31.302],[120.601,31.301]]]}"#)],
                  index: 1, reason: "invalid polygon: Self-intersection at (120.6015, 31.3015) (use --make-valid to repair)"),
    RejectionCase(name: "wrong geometry kind", kind: .buildings, features: [good, feature("", #"{"type":"Point","coordinates":[120.6,31.3]}"#)],
                  index: 1, reason: "geometry is a Point, expected Polygon or MultiPolygon"),
    RejectionCase(name: "missing geometry", kind: .roads, features: [feature("", "null")],
                  index: 0, reason: "no geometry (expected LineString or MultiLineString)"),
    RejectionCase(name: "households not a number", kind: .buildings, features: [good, feature(#""households":"many""#, polygon(120.603, 31.303, 0.0002))],
                  index: 1, reason: #"households "many" is not a whole number ≥ 0"#),
    RejectionCase(name: "negative floors", kind: .buildings, features: [good, feature(#""floors":-2"#, polygon(120.603, 31.303, 0.0002))],
                  index: 1, reason: "floors -2 is not a whole number ≥ 1"),
    RejectionCase(name: "building already stored", kind: .buildings, features: [good2, feature(#""ref":"STORED","households":1"#, polygon(120.603, 31.303, 0.0002))],
                  index: 1, reason: "building STORED already exists"),
    RejectionCase(name: "named id repeats", kind: .buildings, features: [good, feature(#""ref":"G","households":1"#, polygon(120.603, 31.303, 0.0002))],
                  options: { var o = ImportOptions(); o.refFieldNamed = true; return o }(), index: 1, reason: "duplicate building id G (also feature 0)"),
    RejectionCase(name: "region without code", kind: .regions, features: [feature(#""name":"X","level":"community""#, polygon(120.6, 31.3, 0.01))],
                  index: 0, reason: "missing code"),
    RejectionCase(name: "region with unknown level", kind: .regions, features: [feature(#""code":"X","name":"X","level":"province""#, polygon(120.6, 31.3, 0.01))],
                  index: 0, reason: #"region X: unknown level "province" (expected city, district, street, community)"#),
    RejectionCase(name: "region code repeated", kind: .regions, features: [
        feature(#""code":"X","name":"X","level":"community","parent":"S1""#, polygon(120.6, 31.3, 0.01)),
        feature(#""code":"X","name":"Y","level":"community","parent":"S1""#, polygon(120.6, 31.3, 0.01))],
                  index: 1, reason: "duplicate code X (also feature 0)"),
    RejectionCase(name: "unknown parent", kind: .regions, features: [feature(#""code":"X","name":"X","level":"community","parent":"S9""#, polygon(120.6, 31.3, 0.01))],
                  index: 0, reason: "region X: parent S9 not found in this file or the database"),
    RejectionCase(name: "parent not above", kind: .regions, features: [feature(#""code":"X","name":"X","level":"street","parent":"C1""#, polygon(120.6, 31.3, 0.01))],
                  index: 0, reason: "region X: parent C1 is a community, not above a street"),
    RejectionCase(name: "region exists", kind: .regions, features: [feature(#""code":"C1","name":"Again","level":"community","parent":"S1""#, polygon(120.6, 31.3, 0.01))],
                  index: 0, reason: "region C1 already exists (use --replace to update it)"),
    RejectionCase(name: "household of unknown building", kind: .households, features: [
        feature(#""building":"STORED","unit":"9""#, "null"), feature(#""building":"NOPE","unit":"1""#, "null")],
                  index: 1, reason: "building NOPE not found"),
    RejectionCase(name: "household unit repeated", kind: .households, features: [
        feature(#""building":"STORED","unit":"1""#, "null"), feature(#""building":"STORED","unit":"1""#, "null")],
                  index: 1, reason: "unit 1 of building STORED already exists"),
    RejectionCase(name: "household without unit", kind: .households, features: [feature(#""building":"STORED""#, "null")],
                  index: 0, reason: "missing unit"),
    RejectionCase(name: "road that is a polygon", kind: .roads, features: [feature("", polygon(120.6, 31.3, 0.01))],
                  index: 0, reason: "geometry is a Polygon, expected LineString or MultiLineString"),
]

struct RejectionTests {
    @Test(arguments: rejectionCases)
    func refusedImportChangesNothing(_ c: RejectionCase) throws {
        let store = try GridStore(path: temporaryDatabase())
        let importer = Importer(store: store)
        _ = try importer.run(.regions, path: try temporaryFile(hierarchy))
        _ = try importer.run(.buildings, path: try temporaryFile(collection([
            feature(#""ref":"STORED","households":7"#, polygon(120.605, 31.305, 0.0002))])))
        let before = try fingerprint(store)

        let path = try temporaryFile(collection(c.features))
        do {
            _ = try importer.run(c.kind, path: path, options: c.options)
            Issue.record("\(c.name): import was accepted")
        } catch ImportError.rejected(let total, let rejections) {
            #expect(total == c.features.count)
            #expect(rejections == [Rejection(index: c.index, reason: c.reason)])
        }
        #expect(try fingerprint(store) == before)
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func everyBadFeatureIsListed() throws {
        let store = try GridStore(path: temporaryDatabase())
        let path = try temporaryFile(collection([
            good,
            feature(#""households":"x""#, polygon(120.6, 31.3, 0.001)),
            feature("", #"{"type":"Point","coordinates":[1,2]}"#),
            feature("", #"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#),
        ]))
        #expect {
            try Importer(store: store).run(.buildings, path: path)
        } throws: { error in
            guard case ImportError.rejected(4, let rs) = error else { return false }
            return rs.map(\.index) == [1, 2, 3]
        }
        #expect(try store.read { try $0.counts()["buildings"] } == 0)
    }

    @Test func unreadableInputsAreRefusedWhole() throws {
        let store = try GridStore(path: temporaryDatabase())
        let importer = Importer(store: store)
        for text in ["not json", #"{"type":"FeatureCollection"}"#] {
            #expect {
                try importer.run(.buildings, path: try temporaryFile(text))
            } throws: { error in
                if case ImportError.unreadable = error { true } else { false }
            }
        }
        #expect(throws: ImportError.self) { try importer.run(.buildings, path: "/nonexistent/file.geojson") }
        var options = ImportOptions()
        options.crs = .epsg(999_999)
        #expect(throws: ImportError.self) { try importer.run(.buildings, path: try temporaryFile(collection([good])), options: options) }
    }
}
