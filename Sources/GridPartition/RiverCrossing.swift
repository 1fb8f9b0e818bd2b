import GridGEOS
import GridGeometry

/// Where a grid may cross a river: the community cut by its rivers alone gives the banks;
/// two cells on different banks are neighbours only if both touch a bridge, a point where a
/// road crosses a river.
struct RiverCrossing {
    /// The bank of each block (all 0 without rivers).
    let bankOfBlock: [Int]
    let bridges: [Coordinate]
    /// How near a bridge a cell's boundary must pass (metres): cells meeting at a bridge
    /// touch it up to the noding of roads and rivers.
    static let reach = 0.5

    init(_ community: Geometry, blocks: [Polygon], roads: [LineString], rivers: [LineString], geos: GEOSContext) throws(GEOSError) {
        guard !rivers.isEmpty else {
            bankOfBlock = Array(repeating: 0, count: blocks.count)
            bridges = []
            return
        }
        let lines = community.polygons.flatMap(\.boundaryLines) + (try geos.intersection(.multiLineString(rivers), community).lineStrings)
        var banks: [Polygon] = []
        for p in try geos.polygonize(lines) where community.contains(try geos.pointOnSurface(.polygon(p))) { banks.append(p) }
        var bankOfBlock: [Int] = []
        for block in blocks {
            let p = try geos.pointOnSurface(.polygon(block))
            bankOfBlock.append(banks.firstIndex { $0.contains(p) } ?? -1)
        }
        self.bankOfBlock = bankOfBlock
        bridges = roads.isEmpty ? [] : try geos.intersection(.multiLineString(roads), .multiLineString(rivers)).points
    }

    /// Whether cells `a` (in block `blockA`) and `b` may be neighbours in one grid.
    func joins(_ blockA: Int, _ a: Geometry, _ blockB: Int, _ b: Geometry) -> Bool {
        bankOfBlock[blockA] == bankOfBlock[blockB]
            || bridges.contains { Self.touches(a, $0) && Self.touches(b, $0) }
    }

    private static func touches(_ cell: Geometry, _ p: Coordinate) -> Bool {
        cell.polygons.contains { polygon in
            polygon.rings.contains { ring in
                zip(ring.coordinates, ring.coordinates.dropFirst()).contains { distance(p, $0, $1) <= reach }
            }
        }
    }

    /// Distance from p to the segment a–b.
    private static func distance(_ p: Coordinate, _ a: Coordinate, _ b: Coordinate) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let length2 = dx * dx + dy * dy
        let t = length2 == 0 ? 0 : max(0, min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2))
        return Coordinate(a.x + t * dx, a.y + t * dy).distance(to: p)
    }
}
