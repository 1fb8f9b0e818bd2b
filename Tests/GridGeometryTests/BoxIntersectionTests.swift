import Testing
@testable import GridGeometry

struct BoxIntersectionTests {
    func box(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> BoundingBox { BoundingBox(minX: x0, minY: y0, maxX: x1, maxY: y1) }
    let square = LinearRing(unchecked: [Coordinate(0, 0), Coordinate(4, 0), Coordinate(4, 4), Coordinate(0, 4), Coordinate(0, 0)])
    let hole = LinearRing(unchecked: [Coordinate(1, 1), Coordinate(1, 3), Coordinate(3, 3), Coordinate(3, 1), Coordinate(1, 1)])

    @Test func polygon() {
        let p = Geometry.polygon(Polygon(exterior: square, holes: [hole]))
        #expect(p.intersects(box(3.5, 3.5, 9, 9)))          // overlaps a corner
        #expect(p.intersects(box(-1, -1, 5, 5)))            // holds it
        #expect(p.intersects(box(0.2, 0.2, 0.5, 0.5)))      // inside it, no edge crossed
        #expect(!p.intersects(box(1.5, 1.5, 2.5, 2.5)))     // inside the hole
        #expect(p.intersects(box(4, 4, 5, 5)))              // touches a vertex
        #expect(!p.intersects(box(4.01, 0, 5, 5)))
    }

    @Test func lineMeetsTheBoxNotJustItsEnvelope() {
        let diagonal = Geometry.lineString(LineString(unchecked: [Coordinate(0, 0), Coordinate(10, 10)]))
        #expect(!diagonal.intersects(box(8, 0, 10, 2)))     // in the line's envelope, off the line
        #expect(diagonal.intersects(box(4, 4.5, 6, 5)))     // crossed, no vertex inside
        #expect(diagonal.intersects(box(-5, -5, 0, 0)))     // an end on the corner
        let vertical = Geometry.lineString(LineString(unchecked: [Coordinate(2, -5), Coordinate(2, 5)]))
        #expect(vertical.intersects(box(1, 0, 3, 1)) && !vertical.intersects(box(2.5, 0, 3, 1)))
    }

    @Test func points() {
        #expect(Geometry.point(Coordinate(1, 1)).intersects(box(0, 0, 1, 1)))
        #expect(!Geometry.multiPoint([Coordinate(2, 2), Coordinate(3, 3)]).intersects(box(0, 0, 1, 1)))
    }
}
