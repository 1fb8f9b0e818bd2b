import GridGeometry

/// Cuts world-unit shapes into one tile: simplify to about one tile unit, clip to the tile
/// plus a buffer, quantise to the extent, drop repeated points and degenerate parts, and
/// orient rings as MVT wants (exteriors positive area in tile coordinates, holes negative).
public struct TileCutter: Sendable {
    public let tile: TileID
    public let extent: Int
    public let buffer: Int
    /// Simplification tolerance in tile units.
    public let tolerance: Double
    /// Polygons whose exterior covers less than this many square tile units are dropped.
    public let minPolygonArea: Double

    let origin: Coordinate
    let scale: Double
    let squaredTolerance: Double
    let lo: Double, hi: Double
    /// The clip square in world units.
    public let clipBounds: BoundingBox

    public init(tile: TileID, extent: Int = 4096, buffer: Int = 64, tolerance: Double = 1, minPolygonArea: Double = 2) {
        self.tile = tile
        self.extent = extent
        self.buffer = buffer
        self.tolerance = tolerance
        self.minPolygonArea = minPolygonArea
        let b = tile.bounds
        origin = Coordinate(b.minX, b.minY)
        scale = Double(extent) / b.width
        squaredTolerance = (tolerance / scale) * (tolerance / scale)
        lo = -Double(buffer)
        hi = Double(extent + buffer)
        let pad = Double(buffer) / scale
        clipBounds = BoundingBox(minX: b.minX - pad, minY: b.minY - pad, maxX: b.maxX + pad, maxY: b.maxY + pad)
    }

    /// The shape's part in this tile, or nil when nothing of it is left.
    public func cut(_ shape: TileShape) -> TileGeometry? {
        switch shape {
        case .points(let cs):
            let ps = cs.filter { clipBounds.contains($0) }.map { quantise(local($0)) }
            return ps.isEmpty ? nil : .points(ps)
        case .lines(let paths):
            var out: [[TilePoint]] = []
            for path in paths where path.bounds.map(clipBounds.intersects) ?? false {
                for piece in clipLine(simplified(path)) {
                    let q = dedupe(piece.map(quantise))
                    if q.count >= 2 { out.append(q) }
                }
            }
            return out.isEmpty ? nil : .lines(out)
        case .polygons(let polygons):
            var out: [[[TilePoint]]] = []
            for rings in polygons {
                guard let box = rings.first?.bounds, clipBounds.intersects(box) else { continue }
                let inside = clipBounds.contains(box)
                var polygon: [[TilePoint]] = []
                for (i, ring) in rings.enumerated() {
                    var pts = simplified(ring)
                    if !inside { pts = clipRing(pts) }
                    var q = dedupe(pts.map(quantise))
                    if q.count > 1, q.first == q.last { q.removeLast() }
                    q = withoutSpikes(q)
                    guard q.count >= 3 else { if i == 0 { break } else { continue } }
                    let area = signedArea(q)
                    if i == 0 {
                        guard abs(area) >= minPolygonArea else { break }
                        if area < 0 { q.reverse() }
                    } else {
                        guard area != 0 else { continue }
                        if area > 0 { q.reverse() }
                    }
                    polygon.append(q)
                }
                if !polygon.isEmpty { out.append(polygon) }
            }
            return out.isEmpty ? nil : .polygons(out)
        }
    }

    @inline(__always) func local(_ c: Coordinate) -> Coordinate {
        Coordinate((c.x - origin.x) * scale, (c.y - origin.y) * scale)
    }

    @inline(__always) func quantise(_ c: Coordinate) -> TilePoint {
        TilePoint(Int32(c.x.rounded()), Int32(c.y.rounded()))
    }

    /// The path's vertices kept at this zoom, in tile units.
    func simplified(_ path: SimplifiedPath) -> [Coordinate] {
        var out: [Coordinate] = []
        out.reserveCapacity(path.coordinates.count)
        for (c, importance) in zip(path.coordinates, path.importance) where importance > squaredTolerance {
            out.append(local(c))
        }
        return out
    }

    func dedupe(_ ps: [TilePoint]) -> [TilePoint] {
        var out: [TilePoint] = []
        out.reserveCapacity(ps.count)
        for p in ps where out.last != p { out.append(p) }
        return out
    }

    /// The ring (no closing point) without vertices in line with their neighbours: the
    /// spikes quantising can make (a → b → back towards a) and needless straight-line points.
    func withoutSpikes(_ ring: [TilePoint]) -> [TilePoint] {
        func straight(_ a: TilePoint, _ b: TilePoint, _ c: TilePoint) -> Bool {
            Int64(b.x - a.x) * Int64(c.y - a.y) == Int64(b.y - a.y) * Int64(c.x - a.x)
        }
        var out: [TilePoint] = []
        out.reserveCapacity(ring.count)
        for p in ring {
            out.append(p)
            while out.count >= 3, straight(out[out.count - 3], out[out.count - 2], out[out.count - 1]) { out.remove(at: out.count - 2) }
        }
        // Across the start of the ring.
        while out.count >= 3 {
            if straight(out[out.count - 2], out[out.count - 1], out[0]) { out.removeLast() }
            else if straight(out[out.count - 1], out[0], out[1]) { out.removeFirst() }
            else { break }
        }
        return out.count >= 3 ? out : []
    }

    /// Twice the surveyor's-formula area of a ring (no closing point), tile coordinates.
    func signedArea(_ ring: [TilePoint]) -> Double {
        var sum = 0.0
        var j = ring.count - 1
        for i in ring.indices {
            sum += Double(ring[j].x) * Double(ring[i].y) - Double(ring[i].x) * Double(ring[j].y)
            j = i
        }
        return sum / 2
    }

    // MARK: Clipping (tile units)

    /// Sutherland–Hodgman against the four sides of the buffered tile; returns a closed ring
    /// or nothing.
    func clipRing(_ ring: [Coordinate]) -> [Coordinate] {
        var pts = ring
        if pts.count > 1, pts.first == pts.last { pts.removeLast() }
        for side in 0..<4 {
            guard !pts.isEmpty else { return [] }
            var out: [Coordinate] = []
            out.reserveCapacity(pts.count + 4)
            var prev = pts[pts.count - 1]
            var prevIn = isInside(prev, side)
            for p in pts {
                let pIn = isInside(p, side)
                if pIn != prevIn { out.append(intersection(prev, p, side)) }
                if pIn { out.append(p) }
                (prev, prevIn) = (p, pIn)
            }
            pts = out
        }
        guard pts.count >= 3 else { return [] }
        return pts + [pts[0]]
    }

    @inline(__always) func isInside(_ p: Coordinate, _ side: Int) -> Bool {
        switch side {
        case 0: p.x >= lo
        case 1: p.x <= hi
        case 2: p.y >= lo
        default: p.y <= hi
        }
    }

    @inline(__always) func intersection(_ a: Coordinate, _ b: Coordinate, _ side: Int) -> Coordinate {
        switch side {
        case 0, 1:
            let x = side == 0 ? lo : hi
            return Coordinate(x, a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x))
        default:
            let y = side == 2 ? lo : hi
            return Coordinate(a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y), y)
        }
    }

    /// Liang–Barsky per segment; consecutive visible segments join into one piece.
    func clipLine(_ line: [Coordinate]) -> [[Coordinate]] {
        var pieces: [[Coordinate]] = []
        var current: [Coordinate] = []
        for (a, b) in zip(line, line.dropFirst()) {
            guard let (p, q) = clipSegment(a, b) else {
                if !current.isEmpty { pieces.append(current); current = [] }
                continue
            }
            if current.isEmpty { current = [p] } else if current.last != p { pieces.append(current); current = [p] }
            current.append(q)
            if q != b { pieces.append(current); current = [] }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    func clipSegment(_ a: Coordinate, _ b: Coordinate) -> (Coordinate, Coordinate)? {
        let dx = b.x - a.x, dy = b.y - a.y
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dx, a.x - lo), (dx, hi - a.x), (-dy, a.y - lo), (dy, hi - a.y)] {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let r = q / p
                if p < 0 { if r > t1 { return nil }; if r > t0 { t0 = r } } else { if r < t0 { return nil }; if r < t1 { t1 = r } }
            }
        }
        let p = t0 == 0 ? a : Coordinate(a.x + t0 * dx, a.y + t0 * dy)
        let q = t1 == 1 ? b : Coordinate(a.x + t1 * dx, a.y + t1 * dy)
        return (p, q)
    }
}
