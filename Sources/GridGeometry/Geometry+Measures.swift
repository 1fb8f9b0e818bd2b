/// Planar measures, in the units of the coordinates (metres in a projected CRS).
extension LinearRing {
    /// Shoelace area: positive when the ring runs counter-clockwise (y up).
    public var signedArea: Double {
        let c = coordinates
        guard c.count >= 4 else { return 0 }
        var sum = 0.0
        let origin = c[0]  // subtracting an origin keeps precision for large coordinates
        for i in 0..<(c.count - 1) {
            let a = c[i], b = c[i + 1]
            sum += (a.x - origin.x) * (b.y - origin.y) - (b.x - origin.x) * (a.y - origin.y)
        }
        return sum / 2
    }

    public var length: Double {
        zip(coordinates, coordinates.dropFirst()).reduce(0) { $0 + $1.0.distance(to: $1.1) }
    }

    public var isCounterClockwise: Bool { signedArea > 0 }

    /// Even-odd ray casting; points on the boundary may fall either way.
    public func contains(_ p: Coordinate) -> Bool {
        let c = coordinates
        var inside = false
        var j = c.count - 2
        for i in 0..<(c.count - 1) {
            let a = c[i], b = c[j]
            if (a.y > p.y) != (b.y > p.y),
               p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
                inside.toggle()
            }
            j = i
        }
        return inside
    }

    /// The ring running the other way.
    public var reversed: LinearRing { LinearRing(unchecked: coordinates.reversed()) }
}

extension Polygon {
    public var area: Double { abs(exterior.signedArea) - holes.reduce(0) { $0 + abs($1.signedArea) } }
    public var perimeter: Double { rings.reduce(0) { $0 + $1.length } }

    public func contains(_ p: Coordinate) -> Bool {
        exterior.contains(p) && !holes.contains { $0.contains(p) }
    }

    /// Polsby–Popper compactness, 4πA/P²: 1 for a disc, near 0 for a sliver.
    public var polsbyPopper: Double {
        let p = perimeter
        return p > 0 ? 4 * Double.pi * area / (p * p) : 0
    }
}

extension Geometry {
    /// Planar area of the polygonal parts.
    public var area: Double { polygons.reduce(0) { $0 + $1.area } }

    /// Whether a Polygon or MultiPolygon contains the point.
    public func contains(_ p: Coordinate) -> Bool { polygons.contains { $0.contains(p) } }
}

extension LineString {
    public var length: Double {
        zip(coordinates, coordinates.dropFirst()).reduce(0) { $0 + $1.0.distance(to: $1.1) }
    }
}

extension Geometry {
    /// Planar length of the linear parts.
    public var length: Double { lineStrings.reduce(0) { $0 + $1.length } }
}

extension Polygon {
    /// Area-weighted centroid of the exterior ring minus the holes.
    public var centroid: Coordinate {
        var cx = 0.0, cy = 0.0, total = 0.0
        for (k, ring) in rings.enumerated() {
            let c = ring.coordinates, o = c[0]
            var a = 0.0, x = 0.0, y = 0.0
            for i in 0..<(c.count - 1) {
                let p = Coordinate(c[i].x - o.x, c[i].y - o.y), q = Coordinate(c[i + 1].x - o.x, c[i + 1].y - o.y)
                let cross = p.x * q.y - q.x * p.y
                a += cross
                x += (p.x + q.x) * cross
                y += (p.y + q.y) * cross
            }
            guard a != 0 else { continue }
            let sign = (k == 0) == (a > 0) ? 1.0 : -1.0  // holes subtract whatever their orientation
            let ringArea = abs(a) / 2 * sign
            cx += (x / (3 * a) + o.x) * ringArea
            cy += (y / (3 * a) + o.y) * ringArea
            total += ringArea
        }
        return total != 0 ? Coordinate(cx / total, cy / total) : exterior.coordinates[0]
    }

    /// The rings as lines.
    public var boundaryLines: [LineString] { rings.map { LineString(unchecked: $0.coordinates) } }
}

extension Geometry {
    /// A point inside an area: its largest polygon's centroid if inside, else the middle of
    /// the first run of a horizontal line inside it (nil for no area).
    public var pointInside: Coordinate? {
        guard let p = polygons.max(by: { $0.area < $1.area }) else { return nil }
        let c = p.centroid
        if p.contains(c) { return c }
        guard let box = BoundingBox(covering: p.exterior.coordinates), box.width > 0 else { return nil }
        for i in 1..<64 {
            let y = box.minY + box.height * Double(i) / 64
            let xs = (0...256).map { box.minX + box.width * Double($0) / 256 }
            guard let start = xs.firstIndex(where: { p.contains(Coordinate($0, y)) }) else { continue }
            let end = xs[start...].firstIndex { !p.contains(Coordinate($0, y)) } ?? xs.count
            return Coordinate(xs[(start + end - 1) / 2], y)
        }
        return nil
    }
}
