import Testing
import GridGeometry
@testable import GridProj

struct ProjectorTests {
    let projector = Projector()

    @Test func parsesCRSNames() throws {
        #expect(try CRS(parsing: "EPSG:4490") == .epsg(4490))
        #expect(try CRS(parsing: "4547") == .epsg(4547))
        #expect(try CRS(parsing: "urn:ogc:def:crs:EPSG::4326") == .wgs84)
        #expect(try CRS(parsing: "urn:ogc:def:crs:OGC:1.3:CRS84") == .wgs84)
        #expect(try CRS(parsing: "http://www.opengis.net/def/crs/EPSG/0/3857") == .epsg(3857))
        #expect(throws: ProjError.self) { try CRS(parsing: "WGS84-ish") }
        #expect(throws: ProjError.self) { try projector.validate(.epsg(999_999)) }
    }

    @Test func webMercatorKnownValues() throws {
        let out = try projector.transform([Coordinate(180, 0), Coordinate(0, 0)], from: .wgs84, to: .epsg(3857))
        #expect(abs(out[0].x - 20_037_508.342789244) < 1e-6)
        #expect(abs(out[1].y) < 1e-9)
    }

    /// EPSG:4490 (CGCS2000) is latitude-first by authority; output must still be lon, lat.
    @Test func axisOrderIsNormalised() throws {
        let out = try projector.transform([Coordinate(120.6, 31.3)], from: .epsg(4490), to: .wgs84)
        #expect(abs(out[0].x - 120.6) < 1e-6)
        #expect(abs(out[0].y - 31.3) < 1e-6)
    }

    /// CGCS2000 / 3-degree Gauss–Krüger CM 120E (EPSG:4549): easting 500 km at the meridian.
    @Test func gaussKrugerRoundTrip() throws {
        let p = [Coordinate(120.0, 31.3), Coordinate(120.6, 31.3)]
        let gk = try projector.transform(p, from: .wgs84, to: .epsg(4549))
        #expect(abs(gk[0].x - 500_000) < 1e-3)
        #expect(gk[1].x > 550_000 && gk[1].x < 560_000)
        let back = try projector.transform(gk, from: .epsg(4549), to: .wgs84)
        for (a, b) in zip(p, back) { #expect(a.distance(to: b) < 1e-9) }
    }

    @Test func metricAreaOfAKnownSquare() throws {
        // A 1 km square around Suzhou built in the local frame, measured back from lon/lat.
        let metric = LocalMetric(around: Coordinate(120.6, 31.3), projector: projector)
        let square = Geometry.polygon(Polygon(exterior: LinearRing(unchecked: [
            Coordinate(0, 0), Coordinate(1000, 0), Coordinate(1000, 1000), Coordinate(0, 1000), Coordinate(0, 0)])))
        let lonLat = try metric.unproject(square)
        #expect(abs(try metric.area(lonLat) - 1_000_000) < 1e-3)
        #expect(abs(try projector.metricArea(lonLat) - 1_000_000) < 50)  // frame centre 0.3° away
    }

    @Test func untransformableCoordinatesAreAnError() {
        #expect(throws: ProjError.self) {
            try projector.transform([Coordinate(0, 95)], from: .wgs84, to: .epsg(3857))
        }
    }
}
