extension Geometry {
    /// Whether the geometry and the box share at least one point (boundaries included).
    public func intersects(_ box: BoundingBox) -> Bool {
        switch self {
        case .point(let c): box.contains(c)
        case .multiPoint(let cs): cs.contains(where: box.contains)
        case .lineString(let l): Self.path(l.coordinates, meets: box)
        case .multiLineString(let ls): ls.contains { Self.path($0.coordinates, meets: box) }
        case .polygon(let p): Self.polygon(p, meets: box)
        case .multiPolygon(let ps): ps.contains { Self.polygon($0, meets: box) }
        case .geometryCollection(let gs): gs.contains { $0.intersects(box) }
        }
    }

    private static func polygon(_ p: Polygon, meets box: BoundingBox) -> Bool {
        guard let extent = BoundingBox(covering: p.exterior.coordinates), extent.intersects(box) else { return false }
        // An edge in the box, or the box inside the polygon (then its centre is).
        return p.rings.contains { path($0.coordinates, meets: box) } || p.contains(box.center)
    }

    private static func path(_ cs: [Coordinate], meets box: BoundingBox) -> Bool {
        guard let first = cs.first else { return false }
        if cs.count == 1 { return box.contains(first) }
        return zip(cs, cs.dropFirst()).contains { segment($0, $1, meets: box) }
    }

    /// Liang–Barsky: whether some part of the segment a–b lies in the box.
    static func segment(_ a: Coordinate, _ b: Coordinate, meets box: BoundingBox) -> Bool {
        var t0 = 0.0, t1 = 1.0
        let dx = b.x - a.x, dy = b.y - a.y
        for (p, q) in [(-dx, a.x - box.minX), (dx, box.maxX - a.x), (-dy, a.y - box.minY), (dy, box.maxY - a.y)] {
            if p == 0 {
                if q < 0 { return false }
            } else {
                let r = q / p
                if p < 0 { t0 = Swift.max(t0, r) } else { t1 = Swift.min(t1, r) }
                if t0 > t1 { return false }
            }
        }
        return true
    }
}
