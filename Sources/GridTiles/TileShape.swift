import GridGeometry

/// A coordinate array in world units (see `WebMercator`) with each vertex's importance:
/// the squared tolerance below which Douglas–Peucker simplification keeps it. Computed once,
/// so a tile at any zoom simplifies by a comparison per vertex.
public struct SimplifiedPath: Sendable {
    public let coordinates: [Coordinate]
    let importance: [Double]

    /// Both ends are always kept, so a ring (first and last coordinates equal) stays closed.
    public init(_ coordinates: [Coordinate]) {
        self.coordinates = coordinates
        var importance = [Double](repeating: 0, count: coordinates.count)
        if !coordinates.isEmpty {
            importance[0] = .infinity
            importance[coordinates.count - 1] = .infinity
        }
        // Iterative Douglas–Peucker; a vertex is never more important than the one that split
        // its range, so any tolerance keeps a consistent subset.
        var stack: [(Int, Int, Double)] = coordinates.count > 2 ? [(0, coordinates.count - 1, .infinity)] : []
        while let (first, last, cap) = stack.popLast() {
            var best = -1.0, index = first
            for i in (first + 1)..<last {
                let d = squaredSegmentDistance(coordinates[i], coordinates[first], coordinates[last])
                if d > best { (best, index) = (d, i) }
            }
            let value = Swift.min(best, cap)
            importance[index] = value
            if index - first > 1 { stack.append((first, index, value)) }
            if last - index > 1 { stack.append((index, last, value)) }
        }
        self.importance = importance
    }

    public var bounds: BoundingBox? { BoundingBox(covering: coordinates) }
}

/// Squared distance from p to the segment a–b.
func squaredSegmentDistance(_ p: Coordinate, _ a: Coordinate, _ b: Coordinate) -> Double {
    var x = a.x, y = a.y
    let dx = b.x - x, dy = b.y - y
    if dx != 0 || dy != 0 {
        let t = ((p.x - x) * dx + (p.y - y) * dy) / (dx * dx + dy * dy)
        if t > 1 { (x, y) = (b.x, b.y) } else if t > 0 { x += dx * t; y += dy * t }
    }
    return (p.x - x) * (p.x - x) + (p.y - y) * (p.y - y)
}

/// A feature's geometry in world units, ready to cut into tiles.
public enum TileShape: Sendable {
    case points([Coordinate])
    case lines([SimplifiedPath])
    /// Polygons, each its exterior ring then its holes (closed rings).
    case polygons([[SimplifiedPath]])

    /// The shape of a (lon, lat) geometry; nil when it has no coordinates.
    public init?(_ g: Geometry) {
        func path(_ cs: [Coordinate]) -> SimplifiedPath { SimplifiedPath(cs.map(WebMercator.project)) }
        switch g {
        case .point(let c): self = .points([WebMercator.project(c)])
        case .multiPoint(let cs): self = .points(cs.map(WebMercator.project))
        case .lineString, .multiLineString: self = .lines(g.lineStrings.map { path($0.coordinates) })
        case .polygon, .multiPolygon: self = .polygons(g.polygons.map { $0.rings.map { path($0.coordinates) } })
        case .geometryCollection: return nil
        }
        if bounds == nil { return nil }
    }

    public var bounds: BoundingBox? {
        switch self {
        case .points(let cs): BoundingBox(covering: cs)
        case .lines(let ps): ps.compactMap(\.bounds).reduce(nil) { $0?.union($1) ?? $1 }
        case .polygons(let ps): ps.compactMap { $0.first?.bounds }.reduce(nil) { $0?.union($1) ?? $1 }
        }
    }
}
