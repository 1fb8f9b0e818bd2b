import CGEOS
import GridGeometry

extension GEOSContext {
    /// The polygons enclosed by `lines`, which are noded first (split at every crossing), so
    /// roads and a boundary give the blocks between them. Dangling lines enclose nothing.
    public func polygonize(_ lines: [LineString]) throws(GEOSError) -> [Polygon] {
        guard !lines.isEmpty else { return [] }
        let input = try make(.multiLineString(lines))
        let noded = try own(input.with { GEOSNode_r(handle, $0) }, "node")
        let raw = noded.with { n in
            withUnsafePointer(to: Optional(n)) { GEOSPolygonize_r(handle, $0, 1) }
        }
        let result = try own(raw, "polygonize")
        return try result.with { p throws(GEOSError) in try value(p) }.polygons
    }

    /// Delaunay triangles of `points`, as index triples into `points` (counter-clockwise).
    /// Repeated points are represented by their first occurrence.
    public func delaunayTriangles(_ points: [Coordinate]) throws(GEOSError) -> [(Int, Int, Int)] {
        guard points.count >= 3 else { return [] }
        var index: [Coordinate: Int] = [:]
        index.reserveCapacity(points.count)
        for (i, p) in points.enumerated() where index[p] == nil { index[p] = i }
        let input = try make(.multiPoint(points))
        let raw = input.with { GEOSDelaunayTriangulation_r(handle, $0, 0, 0) }
        let triangles = try own(raw, "delaunay").with { t throws(GEOSError) in try value(t) }.polygons
        var out: [(Int, Int, Int)] = []
        out.reserveCapacity(triangles.count)
        for t in triangles {
            let c = t.exterior.coordinates
            guard c.count == 4, let a = index[c[0]], let b = index[c[1]], let d = index[c[2]] else { continue }
            out.append(t.exterior.isCounterClockwise ? (a, b, d) : (a, d, b))
        }
        return out
    }

    public func buffer(_ g: Geometry, distance: Double, quadrantSegments: Int32 = 4) throws(GEOSError) -> Geometry {
        let h = try make(g)
        let r = try own(h.with { GEOSBuffer_r(handle, $0, distance, quadrantSegments) }, "buffer")
        return try r.with { p throws(GEOSError) in try value(p) }
    }
}
