import Foundation
import Testing
@testable import GridGeometry

struct GeoJSONTests {
    /// Golden files: each `valid/X.geojson` decodes and re-encodes to `valid/X.out.geojson`.
    @Test(arguments: try fixtureFiles("geojson/valid", suffix: ".geojson").filter { !$0.lastPathComponent.contains(".out.") })
    func roundTripMatchesGolden(_ input: URL) throws {
        let document = try GeoJSON.decodeDocument(try Data(contentsOf: input))
        let features = try document.features.map { try $0.get() }
        let written = GeoJSONWriter().featureCollection(features)
        let golden = try String(contentsOf: input.deletingPathExtension().appendingPathExtension("out.geojson"), encoding: .utf8)
        #expect(written == golden)
        // Written text reads back and writes again to the same bytes.
        let again = try GeoJSON.decodeDocument(Data(written.utf8)).features.map { try $0.get() }
        #expect(GeoJSONWriter().featureCollection(again) == written)
    }

    /// Each `invalid/X.geojson` has a good feature 0 and a bad feature 1 whose error is in
    /// `invalid/X.expected`.
    @Test(arguments: try fixtureFiles("geojson/invalid", suffix: ".geojson"))
    func rejectsWithLocatedReason(_ input: URL) throws {
        let document = try GeoJSON.decodeDocument(try Data(contentsOf: input))
        #expect(document.features.count == 2)
        #expect((try? document.features[0].get()) != nil)
        guard case .failure(let error) = document.features[1] else {
            Issue.record("feature 1 of \(input.lastPathComponent) decoded")
            return
        }
        let expected = try String(contentsOf: input.deletingPathExtension().appendingPathExtension("expected"), encoding: .utf8)
        #expect(error.description == expected.trimmingCharacters(in: .newlines))
    }

    @Test func unreadableDocumentThrows() {
        #expect(throws: GeometryError.self) { try GeoJSON.decodeDocument(Data("{\"type\":".utf8)) }
        #expect(throws: GeometryError.self) { try GeoJSON.decodeDocument(Data("{\"type\":\"FeatureCollection\"}".utf8)) }
    }

    @Test func legacyCRSMemberIsReported() throws {
        let text = """
            {"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4490"}},"features":[]}
            """
        #expect(try GeoJSON.decodeDocument(Data(text.utf8)).crsName == "urn:ogc:def:crs:EPSG::4490")
    }

    @Test func singleFeatureAndBareGeometry() throws {
        let f = try GeoJSON.decodeDocument(Data(#"{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[1,2]}}"#.utf8))
        #expect(try f.features[0].get().properties["a"] == .number(1))
        let g = try GeoJSON.decodeGeometry(Data(#"{"type":"LineString","coordinates":[[1,2],[3,4]]}"#.utf8))
        #expect(g == .lineString(try LineString([Coordinate(1, 2), Coordinate(3, 4)])))
    }

    @Test func coordinateRangeNamesThePosition() throws {
        let g = Geometry.polygon(Polygon(exterior: try LinearRing([Coordinate(0, 0), Coordinate(1, 0), Coordinate(1, 91), Coordinate(0, 0)])))
        #expect(throws: GeometryError(.latitudeOutOfRange(91), path: "coordinates[0][2]")) { try g.checkCoordinates() }
        let lon = Geometry.multiPoint([Coordinate(0, 0), Coordinate(181, 0)])
        #expect(throws: GeometryError(.longitudeOutOfRange(181), path: "coordinates[1]")) { try lon.checkCoordinates() }
        try g.checkCoordinates(geographic: false)
    }

    @Test func writerEscapesAndFormatsNumbers() {
        var s = ""
        GeoJSONWriter.appendValue(.object(["b": .number(2), "a": .string("x\u{1}\"")]), to: &s)
        #expect(s == #"{"a":"x\u0001\"","b":2}"#)
        #expect(GeoJSONWriter.number(-0.00000001, precision: 7) == "0")
        #expect(GeoJSONWriter.number(120.123456749, precision: 7) == "120.1234567")
        #expect(GeoJSONWriter.number(120.12345676, precision: 7) == "120.1234568")
        #expect(GeoJSONWriter.number(31.5, precision: 7) == "31.5")
        #expect(GeoJSONWriter.number(120, precision: 7) == "120")
    }
}

/// Answers written from a JSONValue directly are the bytes JSONEncoder writes (sorted keys,
/// slashes as they are).
struct JSONValueTextTests {
    @Test func matchesJSONEncoder() throws {
        let value: JSONValue = [
            "b": [1, 2.5, -0.125, 1e21, 123456789012, .null, true, false],
            "a": ["z": "slash / quote \" back \\ tab \t line \n bell \u{07} 中文 émoji 🙂", "y": [:], "x": []],
            "number": 202611300042, "small": 0.000001, "neg": -3,
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: value.jsonBytes, as: UTF8.self) == String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
