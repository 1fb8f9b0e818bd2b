import Foundation
import Testing
@testable import GridGeometry

struct BinaryCodecTests {
    static let square = Polygon(exterior: LinearRing(unchecked: [Coordinate(0, 0), Coordinate(2, 0), Coordinate(2, 3), Coordinate(0, 3), Coordinate(0, 0)]),
                                holes: [LinearRing(unchecked: [Coordinate(1, 1), Coordinate(1, 2), Coordinate(1.5, 2), Coordinate(1, 1)])])
    static let samples: [Geometry] = [
        .point(Coordinate(120.5, 31.25)),
        .multiPoint([Coordinate(1, 2), Coordinate(3, 4)]),
        .lineString(LineString(unchecked: [Coordinate(0, 0), Coordinate(1, 1)])),
        .multiLineString([LineString(unchecked: [Coordinate(0, 0), Coordinate(1, 1)]), LineString(unchecked: [Coordinate(2, 2), Coordinate(3, 1)])]),
        .polygon(square),
        .multiPolygon([square, square]),
        .geometryCollection([.point(Coordinate(0, 0)), .polygon(square)]),
    ]

    @Test(arguments: samples)
    func wkbRoundTrip(_ g: Geometry) throws {
        #expect(try WKB.decode(WKB.encode(g)) == g)
    }

    @Test(arguments: samples)
    func geoPackageRoundTrip(_ g: Geometry) throws {
        let blob = GeoPackageBinary.encode(g, srsID: 4326)
        let (decoded, srs) = try GeoPackageBinary.decode(blob)
        #expect(decoded == g)
        #expect(srs == 4326)
        #expect(try GeoPackageBinary.envelope(blob) == g.boundingBox)
    }

    @Test func geoPackageHeaderLayout() throws {
        let blob = GeoPackageBinary.encode(.polygon(Self.square), srsID: 4326)
        // "GP", version 0, flags: little-endian, xy envelope; srs 4326; minx maxx miny maxy.
        #expect(Array(blob.prefix(4)) == [0x47, 0x50, 0, 0b0000_0011])
        let header = try GeoPackageBinary.header(blob)
        #expect(header.envelope == BoundingBox(minX: 0, minY: 0, maxX: 2, maxY: 3))
        #expect(header.wkbOffset == 8 + 32)
        #expect(!header.isEmpty)
        let empty = GeoPackageBinary.encode(.multiPolygon([]))
        #expect(try GeoPackageBinary.header(empty).isEmpty)
        #expect(try GeoPackageBinary.envelope(empty) == nil)
    }

    @Test func readsBigEndianZAndEWKB() throws {
        // Big-endian ISO PointZ (1001): 1, 2, 3.
        var big = Data([0, 0, 0, 0x03, 0xE9])
        for v in [1.0, 2.0, 3.0] { withUnsafeBytes(of: v.bitPattern.bigEndian) { big.append(contentsOf: $0) } }
        #expect(try WKB.decode(big) == .point(Coordinate(1, 2)))
        // Little-endian EWKB Point with SRID flag and SRID 4326.
        var ewkb = Data([1, 0x01, 0, 0, 0x20])
        withUnsafeBytes(of: UInt32(4326).littleEndian) { ewkb.append(contentsOf: $0) }
        for v in [5.0, 6.0] { withUnsafeBytes(of: v.bitPattern.littleEndian) { ewkb.append(contentsOf: $0) } }
        #expect(try WKB.decode(ewkb) == .point(Coordinate(5, 6)))
    }

    @Test func truncatedInputIsAnError() {
        let blob = WKB.encode(.polygon(Self.square))
        #expect(throws: GeometryError.self) { try WKB.decode(blob.prefix(blob.count - 3)) }
        #expect(throws: GeometryError.self) { try GeoPackageBinary.decode(Data([0x47, 0x51, 0, 1])) }
    }
}
