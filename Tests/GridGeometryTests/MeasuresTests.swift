import Testing
@testable import GridGeometry

struct MeasuresTests {
    let ring = LinearRing(unchecked: [Coordinate(0, 0), Coordinate(4, 0), Coordinate(4, 4), Coordinate(0, 4), Coordinate(0, 0)])
    let hole = LinearRing(unchecked: [Coordinate(1, 1), Coordinate(1, 2), Coordinate(2, 2), Coordinate(2, 1), Coordinate(1, 1)])

    @Test func areaPerimeterOrientation() {
        #expect(ring.signedArea == 16)
        #expect(ring.isCounterClockwise)
        #expect(ring.reversed.signedArea == -16)
        let p = Polygon(exterior: ring, holes: [hole])
        #expect(p.area == 15)
        #expect(p.perimeter == 20)
        // A square's Polsby–Popper is π/4.
        #expect(abs(Polygon(exterior: ring).polsbyPopper - Double.pi / 4) < 1e-12)
    }

    @Test func containment() {
        let p = Polygon(exterior: ring, holes: [hole])
        #expect(p.contains(Coordinate(3, 3)))
        #expect(!p.contains(Coordinate(1.5, 1.5)))
        #expect(!p.contains(Coordinate(5, 1)))
    }

    @Test func ringInvariants() {
        #expect(throws: GeometryError(.unclosedRing)) { try LinearRing([Coordinate(0, 0), Coordinate(1, 0), Coordinate(1, 1), Coordinate(0, 1)]) }
        #expect(throws: GeometryError(.tooFewPositions(count: 3, minimum: 4))) { try LinearRing([Coordinate(0, 0), Coordinate(1, 0), Coordinate(0, 0)]) }
        #expect(throws: GeometryError(.tooFewPositions(count: 1, minimum: 2))) { try LineString([Coordinate(0, 0)]) }
        #expect((try? LinearRing(closing: [Coordinate(0, 0), Coordinate(1, 0), Coordinate(1, 1)]))?.coordinates.count == 4)
    }

    @Test func boundingBox() {
        let g = Geometry.multiPolygon([Polygon(exterior: ring), Polygon(exterior: LinearRing(unchecked: [Coordinate(-1, 5), Coordinate(0, 5), Coordinate(0, 6), Coordinate(-1, 5)]))])
        #expect(g.boundingBox == BoundingBox(minX: -1, minY: 0, maxX: 4, maxY: 6))
        #expect(Geometry.multiPolygon([]).boundingBox == nil)
    }
}
