import GridGeometry
import Testing
@testable import GridTiles

struct TileCutterTests {
    /// Tile 1/0/0 covers world units [0, 0.5]²; one tile unit there is 0.5 / 4096.
    let cutter = TileCutter(tile: TileID(z: 1, x: 0, y: 0)!)
    func world(_ x: Double, _ y: Double) -> Coordinate { Coordinate(x * 0.5 / 4096, y * 0.5 / 4096) }
    func ring(_ ps: [(Double, Double)]) -> SimplifiedPath { SimplifiedPath((ps + [ps[0]]).map { world($0.0, $0.1) }) }

    @Test func squareComesOutClockwiseOnScreen() throws {
        // Counter-clockwise on screen (negative area, y down): must be reversed.
        let shape = TileShape.polygons([[ring([(100, 100), (100, 200), (200, 200), (200, 100)])]])
        guard case .polygons(let ps) = try #require(cutter.cut(shape)) else { Issue.record("not polygons"); return }
        #expect(ps == [[[TilePoint(200, 100), TilePoint(200, 200), TilePoint(100, 200), TilePoint(100, 100)]]])
        #expect(cutter.signedArea(ps[0][0]) > 0)
    }

    @Test func holeRunsTheOtherWay() throws {
        let shape = TileShape.polygons([[ring([(0, 0), (1000, 0), (1000, 1000), (0, 1000)]), ring([(300, 300), (600, 300), (600, 600), (300, 600)])]])
        guard case .polygons(let ps) = try #require(cutter.cut(shape)) else { Issue.record("not polygons"); return }
        #expect(ps[0].count == 2)
        #expect(cutter.signedArea(ps[0][0]) > 0)
        #expect(cutter.signedArea(ps[0][1]) < 0)
        #expect(ps[0].allSatisfy { $0.first != $0.last })  // no repeated closing point
    }

    @Test func polygonIsClippedToTheBuffer() throws {
        let shape = TileShape.polygons([[ring([(4000, 100), (5000, 100), (5000, 200), (4000, 200)])]])
        guard case .polygons(let ps) = try #require(cutter.cut(shape)) else { Issue.record("not polygons"); return }
        let xs = ps[0][0].map { Int($0.x) }
        #expect(xs.max() == 4096 + 64)
        #expect(xs.min() == 4000)
    }

    @Test func lineCrossingTheEdgeStopsAtTheBuffer() throws {
        let shape = TileShape.lines([SimplifiedPath([world(4000, 10), world(4200, 10), world(4200, 300), world(4000, 300)])])
        guard case .lines(let ls) = try #require(cutter.cut(shape)) else { Issue.record("not lines"); return }
        // Out of the buffered tile at x = 4160 and back in: two pieces.
        #expect(ls == [[TilePoint(4000, 10), TilePoint(4160, 10)], [TilePoint(4160, 300), TilePoint(4000, 300)]])
    }

    @Test func pointOnTheBufferEdgeIsKeptAndBeyondIsNot() {
        #expect(cutter.cut(.points([world(-64, 50)])) == .points([TilePoint(-64, 50)]))
        #expect(cutter.cut(.points([world(-65, 50)])) == nil)
    }

    @Test func simplificationDropsVerticesWithinATileUnit() throws {
        // A wiggle of 0.3 units on a straight edge goes; the corners stay.
        let shape = TileShape.lines([SimplifiedPath([world(0, 0), world(50, 0.3), world(100, 0), world(100, 100)])])
        guard case .lines(let ls) = try #require(cutter.cut(shape)) else { Issue.record("not lines"); return }
        #expect(ls == [[TilePoint(0, 0), TilePoint(100, 0), TilePoint(100, 100)]])
    }

    @Test func tinyPolygonsAreDropped() {
        let speck = TileShape.polygons([[ring([(10, 10), (10.6, 10), (10.6, 10.6), (10, 10.6)])]])
        #expect(cutter.cut(speck) == nil)
    }
}
