/// Length of boundary two polygonal geometries share: the overlap of their collinear edges,
/// within `tolerance` (for cells cut from the same lines at different points).
public func sharedBoundaryLength(_ a: Geometry, _ b: Geometry, tolerance: Double = 0.01) -> Double {
    guard let ba = a.boundingBox, let bb = b.boundingBox, ba.expanded(by: tolerance).intersects(bb) else { return 0 }
    let box = ba.expanded(by: tolerance).intersection(bb.expanded(by: tolerance))
    func segments(_ g: Geometry) -> [(Coordinate, Coordinate)] {
        var out: [(Coordinate, Coordinate)] = []
        for p in g.polygons {
            for r in p.rings {
                let c = r.coordinates
                for i in 0..<(c.count - 1) where box.intersects(BoundingBox(covering: [c[i], c[i + 1]])!) { out.append((c[i], c[i + 1])) }
            }
        }
        return out
    }
    let sa = segments(a), sb = segments(b)
    var total = 0.0
    for (p, q) in sa {
        let dx = q.x - p.x, dy = q.y - p.y
        let length = (dx * dx + dy * dy).squareRoot()
        guard length > 0 else { continue }
        let ux = dx / length, uy = dy / length
        for (r, s) in sb {
            // Both ends of the other segment on this segment's line...
            let dr = (r.x - p.x) * uy - (r.y - p.y) * ux, ds = (s.x - p.x) * uy - (s.y - p.y) * ux
            guard abs(dr) <= tolerance, abs(ds) <= tolerance else { continue }
            // ...and their projections overlapping it.
            let tr = (r.x - p.x) * ux + (r.y - p.y) * uy, ts = (s.x - p.x) * ux + (s.y - p.y) * uy
            let overlap = min(length, max(tr, ts)) - max(0, min(tr, ts))
            if overlap > 0 { total += overlap }
        }
    }
    return total
}

extension BoundingBox {
    public func intersection(_ o: BoundingBox) -> BoundingBox {
        BoundingBox(minX: Swift.max(minX, o.minX), minY: Swift.max(minY, o.minY), maxX: Swift.min(maxX, o.maxX), maxY: Swift.min(maxY, o.maxY))
    }
}
