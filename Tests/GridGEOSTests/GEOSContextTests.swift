import Testing
import GridGeometry
@testable import GridGEOS

func square(_ x: Double, _ y: Double, _ size: Double) -> Polygon {
    Polygon(exterior: LinearRing(unchecked: [Coordinate(x, y), Coordinate(x + size, y), Coordinate(x + size, y + size),
                                             Coordinate(x, y + size), Coordinate(x, y)]))
}

struct GEOSContextTests {
    let geos = GEOSContext()

    @Test func conversionRoundTrip() throws {
        let withHole = Polygon(exterior: square(0, 0, 10).exterior, holes: [square(2, 2, 2).exterior.reversed])
        for g: Geometry in [.point(Coordinate(1, 2)), .polygon(withHole), .multiPolygon([square(0, 0, 1), square(5, 5, 1)]),
                            .multiLineString([LineString(unchecked: [Coordinate(0, 0), Coordinate(1, 1)])])] {
            let h = try geos.make(g)
            #expect(try h.with { p throws(GEOSError) in try geos.value(p) } == g)
        }
    }

    @Test func validityNamesTheFault() throws {
        let bowtie = Geometry.polygon(Polygon(exterior: LinearRing(unchecked: [
            Coordinate(0, 0), Coordinate(2, 2), Coordinate(2, 0), Coordinate(0, 2), Coordinate(0, 0)])))
        let v = try geos.validity(bowtie)
        #expect(!v.isValid)
        #expect(v.reason == "Self-intersection")
        #expect(v.location == Coordinate(1, 1))
        #expect(try geos.validity(.polygon(square(0, 0, 1))).isValid)
        let repaired = try geos.makeValid(bowtie)
        #expect(repaired.polygons.count == 2)
        #expect(abs(repaired.area - 2) < 1e-12)
    }

    @Test func overlayOperations() throws {
        let a = Geometry.polygon(square(0, 0, 2)), b = Geometry.polygon(square(1, 1, 2))
        #expect(abs(try geos.intersection(a, b).area - 1) < 1e-12)
        #expect(abs(try geos.difference(a, b).area - 3) < 1e-12)
        #expect(abs(try geos.union(a, b).area - 7) < 1e-12)
        #expect(abs(try geos.unaryUnion([a, b, .polygon(square(10, 10, 1))]).area - 8) < 1e-12)
        #expect(try geos.intersects(a, b))
        #expect(try !geos.intersects(a, .polygon(square(5, 5, 1))))
    }

    @Test func coverageUnionDissolvesSharedEdges() throws {
        let cells = [square(0, 0, 1), square(1, 0, 1), square(0, 1, 1), square(1, 1, 1)]
        let u = try geos.coverageUnion(cells)
        #expect(u.polygons.count == 1)
        #expect(abs(u.area - 4) < 1e-12)
        #expect(u.polygons[0].holes.isEmpty)
    }

    @Test func pointOnSurfaceIsInside() throws {
        let l = Geometry.polygon(Polygon(exterior: LinearRing(unchecked: [Coordinate(0, 0), Coordinate(10, 0), Coordinate(10, 1),
                                                                          Coordinate(1, 1), Coordinate(1, 10), Coordinate(0, 10), Coordinate(0, 0)])))
        let p = try geos.pointOnSurface(l)
        #expect(l.contains(p))
    }

    @Test func polygonIndexFindsContainingPolygons() throws {
        let polygons: [Geometry] = [.polygon(square(0, 0, 1)), .polygon(square(1, 0, 1)), .polygon(square(0, 0, 3))]
        let index = try PolygonIndex(context: geos, polygons: polygons)
        #expect(try index.containing(Coordinate(0.5, 0.5)) == [0, 2])
        #expect(try index.containing(Coordinate(1.5, 0.5)) == [1, 2])
        #expect(try index.firstContaining(Coordinate(2.5, 2.5)) == 2)
        #expect(try index.firstContaining(Coordinate(5, 5)) == nil)
        // A point on a shared edge belongs to both sides.
        #expect(try index.containing(Coordinate(1, 0.5)) == [0, 1, 2])
    }

    @Test func voronoiCellsKeepSiteOrder() throws {
        let sites = [Coordinate(8, 8), Coordinate(2, 2), Coordinate(8, 2), Coordinate(2, 8), Coordinate(2, 2)]
        let cells = try geos.voronoiCells(sites, clip: .polygon(square(0, 0, 10)))
        #expect(cells.count == 5)
        #expect(cells[4] == nil)  // a repeated site
        for (site, cell) in zip(sites.prefix(4), cells) {
            let c = try #require(cell)
            #expect(c.contains(site))
            #expect(abs(c.area - 25) < 1e-9)
        }
    }
}

struct GEOSPlanarTests {
    let geos = GEOSContext()

    @Test func polygonizeCutsBlocksAlongRoads() throws {
        // A 10 × 10 square crossed by a road through the middle and a dangling lane.
        let boundary = LineString(unchecked: square(0, 0, 10).exterior.coordinates)
        let road = LineString(unchecked: [Coordinate(5, -1), Coordinate(5, 11)])
        let lane = LineString(unchecked: [Coordinate(0, 5), Coordinate(3, 5)])
        let blocks = try geos.polygonize([boundary, road, lane])
        #expect(blocks.count == 2)
        #expect(blocks.allSatisfy { abs($0.area - 50) < 1e-9 })
    }

    @Test func delaunayIndexesTriangles() throws {
        let points = [Coordinate(0, 0), Coordinate(1, 0), Coordinate(0, 1), Coordinate(1, 1), Coordinate(0, 0)]
        let triangles = try geos.delaunayTriangles(points)
        #expect(triangles.count == 2)
        let used = Set(triangles.flatMap { [$0.0, $0.1, $0.2] })
        #expect(used == [0, 1, 2, 3])
    }

    @Test func bufferGrowsArea() throws {
        let b = try geos.buffer(.polygon(square(0, 0, 2)), distance: 1)
        #expect(b.area > 4 + 8 && b.area < 4 + 8 + Double.pi)
    }
}
