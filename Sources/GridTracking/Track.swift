import Foundation
import GridGeometry

/// Tracks: simplification and patrol coverage, in metres on a local plane (equirectangular
/// about the data's middle latitude: under 0.1% off within a city).
public enum Track {
    /// A local plane about a latitude: metres east and north of (lon0, lat0).
    struct Plane {
        let lon0: Double, lat0: Double, kx: Double, ky: Double
        init(lon0: Double, lat0: Double) {
            self.lon0 = lon0
            self.lat0 = lat0
            let r = 6_371_008.8 * Double.pi / 180
            kx = r * cos(lat0 * .pi / 180)
            ky = r
        }
        func xy(_ c: Coordinate) -> (x: Double, y: Double) { ((c.x - lon0) * kx, (c.y - lat0) * ky) }
    }

    /// Douglas–Peucker with a tolerance in metres: the kept points, first and last always.
    public static func simplify(_ points: [Coordinate], tolerance: Double) -> [Coordinate] {
        guard points.count > 2, tolerance > 0 else { return points }
        let plane = Plane(lon0: points[0].x, lat0: points[0].y)
        let xy = points.map(plane.xy)
        var keep = [Bool](repeating: false, count: points.count)
        keep[0] = true
        keep[points.count - 1] = true
        var stack = [(0, points.count - 1)]
        while let (a, b) = stack.popLast() {
            guard b > a + 1 else { continue }
            var worst = -1.0, at = a
            for i in (a + 1)..<b {
                let d = segmentDistance(xy[i], xy[a], xy[b])
                if d > worst { worst = d; at = i }
            }
            if worst > tolerance {
                keep[at] = true
                stack.append((a, at))
                stack.append((at, b))
            }
        }
        return points.indices.filter { keep[$0] }.map { points[$0] }
    }

    /// Distance from p to the segment a–b.
    static func segmentDistance(_ p: (x: Double, y: Double), _ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
        let dx = b.x - a.x, dy = b.y - a.y
        let l2 = dx * dx + dy * dy
        var t = l2 > 0 ? ((p.x - a.x) * dx + (p.y - a.y) * dy) / l2 : 0
        t = max(0, min(1, t))
        let ex = a.x + t * dx - p.x, ey = a.y + t * dy - p.y
        return (ex * ex + ey * ey).squareRoot()
    }

    /// Which places came within `radius` metres of any track. A place is a set of points
    /// (a building: its label point and footprint vertices); a track is a polyline of fixes.
    public static func covered(places: [[Coordinate]], tracks: [[Coordinate]], radius: Double) -> [Bool] {
        guard let first = places.lazy.flatMap({ $0 }).first else { return places.map { _ in false } }
        let plane = Plane(lon0: first.x, lat0: first.y)
        // Segments hashed into square cells of side `radius`: a point's segments within
        // `radius` are in its cell's 3×3 neighbourhood.
        var cells: [Int64: [(Double, Double, Double, Double)]] = [:]
        func key(_ i: Int, _ j: Int) -> Int64 { Int64(i) << 32 | Int64(UInt32(bitPattern: Int32(truncatingIfNeeded: j))) }
        for track in tracks {
            let xy = track.map(plane.xy)
            for k in xy.indices {
                let a = xy[k], b = k + 1 < xy.count ? xy[k + 1] : xy[k]
                let i0 = Int((min(a.x, b.x) / radius).rounded(.down)), i1 = Int((max(a.x, b.x) / radius).rounded(.down))
                let j0 = Int((min(a.y, b.y) / radius).rounded(.down)), j1 = Int((max(a.y, b.y) / radius).rounded(.down))
                guard (i1 - i0 + 1) * (j1 - j0 + 1) <= 10_000 else { continue }  // a straight line over kilometres: a gap, not a walk
                for i in i0...i1 { for j in j0...j1 { cells[key(i, j), default: []].append((a.x, a.y, b.x, b.y)) } }
            }
        }
        return places.map { points in
            points.contains { c in
                let p = plane.xy(c)
                let i = Int((p.x / radius).rounded(.down)), j = Int((p.y / radius).rounded(.down))
                for di in -1...1 {
                    for dj in -1...1 {
                        for s in cells[key(i + di, j + dj)] ?? [] where segmentDistance(p, (s.0, s.1), (s.2, s.3)) <= radius {
                            return true
                        }
                    }
                }
                return false
            }
        }
    }

    /// Splits a time-ordered run of fixes where consecutive ones are more than `gap` seconds
    /// apart (the device was off: no walk in between).
    public static func segments(_ fixes: [(time: Double, at: Coordinate)], gap: Double) -> [[Coordinate]] {
        var out: [[Coordinate]] = []
        var current: [Coordinate] = []
        var last: Double?
        for f in fixes {
            if let l = last, f.time - l > gap, !current.isEmpty {
                out.append(current)
                current = []
            }
            current.append(f.at)
            last = f.time
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
