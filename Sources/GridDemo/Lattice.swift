import Foundation
import GridGeometry

/// The jittered lattice of arterial roads: nodes and wavy edge polylines, in metres.
struct Lattice {
    /// horizontal[j][i]: from node (i, j) to node (i + 1, j).
    var horizontal: [[[Coordinate]]] = []
    /// vertical[i][j]: from node (i, j) to node (i, j + 1).
    var vertical: [[[Coordinate]]] = []

    init(size: Int, rng: SeededRandom) {
        var rng = rng
        let nx = size, ny = size, (w, h) = DemoCityBuilder.cellSize
        var nodes: [[Coordinate]] = []
        for i in 0...nx {
            nodes.append((0...ny).map { j in
                Coordinate((Double(i) - Double(nx) / 2) * w + rng.uniform(-70, 70),
                           (Double(j) - Double(ny) / 2) * h + rng.uniform(-60, 60))
            })
        }
        horizontal = (0...ny).map { j in (0..<nx).map { i in Self.wavy(nodes[i][j], nodes[i + 1][j], &rng) } }
        vertical = (0...nx).map { i in (0..<ny).map { j in Self.wavy(nodes[i][j], nodes[i][j + 1], &rng) } }
    }

    /// A polyline from a to b bending up to ~45 m off the chord, zero at both ends.
    static func wavy(_ a: Coordinate, _ b: Coordinate, _ rng: inout SeededRandom) -> [Coordinate] {
        let n = DemoCityBuilder.samples
        let dx = b.x - a.x, dy = b.y - a.y
        let len = (dx * dx + dy * dy).squareRoot()
        let normal = Coordinate(-dy / len, dx / len)
        let a1 = rng.uniform(-30, 30), a2 = rng.uniform(-12, 12), a3 = rng.uniform(-6, 6)
        return (0...n).map { m in
            if m == 0 { return a }
            if m == n { return b }
            let t = Double(m) / Double(n)
            var d = a1 * sin(.pi * t) + a2 * sin(2 * .pi * t) + a3 * sin(3 * .pi * t)
            if m > 0, m < n { d += rng.uniform(-2, 2) }
            return Coordinate(a.x + dx * t + normal.x * d, a.y + dy * t + normal.y * d)
        }
    }

    func patch(_ i: Int, _ j: Int) -> CoonsPatch {
        CoonsPatch(bottom: horizontal[j][i], top: horizontal[j + 1][i], left: vertical[i][j], right: vertical[i + 1][j])
    }

    /// The closed boundary ring (counter-clockwise) of a contiguous group of cells without
    /// holes: the cells' edges, minus those shared by two cells of the group, chained.
    func boundary(of cells: [(Int, Int)]) -> [Coordinate] {
        struct Edge: Hashable { var horizontal: Bool; var i: Int; var j: Int }
        var directed: [(edge: Edge, forward: Bool)] = []
        for (i, j) in cells {
            directed.append((Edge(horizontal: true, i: i, j: j), true))
            directed.append((Edge(horizontal: false, i: i + 1, j: j), true))
            directed.append((Edge(horizontal: true, i: i, j: j + 1), false))
            directed.append((Edge(horizontal: false, i: i, j: j), false))
        }
        var uses: [Edge: Int] = [:]
        for d in directed { uses[d.edge, default: 0] += 1 }
        let outer = directed.filter { uses[$0.edge] == 1 }
        func points(_ d: (edge: Edge, forward: Bool)) -> [Coordinate] {
            let p = d.edge.horizontal ? horizontal[d.edge.j][d.edge.i] : vertical[d.edge.i][d.edge.j]
            return d.forward ? p : p.reversed()
        }
        var byStart: [Coordinate: Int] = [:]
        for (k, d) in outer.enumerated() { byStart[points(d)[0]] = k }
        var ring: [Coordinate] = []
        var k = 0
        for _ in outer {
            let p = points(outer[k])
            ring += p.dropLast()
            k = byStart[p.last!]!
        }
        return ring + [ring[0]]
    }
}

/// A Coons patch: maps (u, v) in the unit square onto the region bounded by four curves,
/// matching each curve exactly on its side.
struct CoonsPatch {
    let bottom: [Coordinate], top: [Coordinate], left: [Coordinate], right: [Coordinate]

    func at(_ u: Double, _ v: Double) -> Coordinate {
        let b = Self.along(bottom, u), t = Self.along(top, u), l = Self.along(left, v), r = Self.along(right, v)
        let p00 = bottom[0], p10 = bottom[bottom.count - 1], p01 = top[0], p11 = top[top.count - 1]
        func c(_ k: KeyPath<Coordinate, Double>) -> Double {
            (1 - v) * b[keyPath: k] + v * t[keyPath: k] + (1 - u) * l[keyPath: k] + u * r[keyPath: k]
                - ((1 - u) * (1 - v) * p00[keyPath: k] + u * (1 - v) * p10[keyPath: k]
                    + (1 - u) * v * p01[keyPath: k] + u * v * p11[keyPath: k])
        }
        return Coordinate(c(\.x), c(\.y))
    }

    /// The point at parameter t of a polyline sampled at equal parameter steps.
    static func along(_ p: [Coordinate], _ t: Double) -> Coordinate {
        let x = t * Double(p.count - 1)
        let i = min(max(Int(x.rounded(.down)), 0), p.count - 2)
        let f = x - Double(i)
        if f == 0 { return p[i] }
        if f == 1 { return p[i + 1] }
        return Coordinate(p[i].x + (p[i + 1].x - p[i].x) * f, p[i].y + (p[i + 1].y - p[i].y) * f)
    }
}

/// A block: the part of a community patch between two local roads each way.
struct Block {
    let patch: CoonsPatch
    let u: (Double, Double)
    let v: (Double, Double)
    /// Approximate size in metres (along u, along v), measured through the middle.
    let size: (w: Double, h: Double)

    init(patch: CoonsPatch, u: (Double, Double), v: (Double, Double)) {
        self.patch = patch
        self.u = u
        self.v = v
        let um = (u.0 + u.1) / 2, vm = (v.0 + v.1) / 2
        size = (patch.at(u.0, vm).distance(to: patch.at(u.1, vm)), patch.at(um, v.0).distance(to: patch.at(um, v.1)))
    }

    /// Metres (s along u, r along v) from the block's corner to world metres.
    func point(_ s: Double, _ r: Double) -> Coordinate {
        patch.at(u.0 + (u.1 - u.0) * s / size.w, v.0 + (v.1 - v.0) * r / size.h)
    }

    /// A rectangle in block metres as a counter-clockwise quadrilateral in world metres.
    func rectangle(s0: Double, r0: Double, s1: Double, r1: Double) -> [Coordinate] {
        [point(s0, r0), point(s1, r0), point(s1, r1), point(s0, r1)]
    }
}
