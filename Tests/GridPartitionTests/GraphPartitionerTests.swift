import Testing
import GridGeometry
@testable import GridPartition

/// An n × m lattice with unit edge costs; `weight(i, j)` households per node.
func lattice(_ n: Int, _ m: Int, weight: (Int, Int) -> Int) -> PartitionGraph {
    var weights: [Int] = [], points: [Coordinate] = [], edges: [(Int, Int, Double)] = []
    for j in 0..<m {
        for i in 0..<n {
            weights.append(weight(i, j))
            points.append(Coordinate(Double(i), Double(j)))
            let k = j * n + i
            if i + 1 < n { edges.append((k, k + 1, 1)) }
            if j + 1 < m { edges.append((k, k + n, 1)) }
        }
    }
    return PartitionGraph(weights: weights, points: points, edges: edges)
}

/// Checks every part is connected in the graph; returns the parts' weights.
func checkParts(_ g: PartitionGraph, _ part: [Int]) -> [Int] {
    let count = (part.max() ?? -1) + 1
    var weights = [Int](repeating: 0, count: count)
    for (v, p) in part.enumerated() { weights[p] += g.weights[v] }
    for p in 0..<count {
        let nodes = part.indices.filter { part[$0] == p }
        var seen: Set<Int> = [nodes[0]], stack = [nodes[0]]
        while let v = stack.popLast() {
            for (u, _) in g.neighbors(v) where part[u] == p && !seen.contains(u) { seen.insert(u); stack.append(u) }
        }
        #expect(seen.count == nodes.count, "part \(p) is not connected")
    }
    return weights
}

struct GraphPartitionerTests {
    @Test func uniformLatticeFallsInBand() {
        let g = lattice(30, 30) { _, _ in 10 }
        let part = GraphPartitioner().partition(g)
        let weights = checkParts(g, part)
        #expect(weights.count == 21)
        #expect(weights.allSatisfy { (350...500).contains($0) }, "\(weights.sorted())")
    }

    @Test func lumpyWeightsFallInBand() {
        var r: UInt64 = 12345
        let g = lattice(40, 25) { _, _ in
            r = r &* 6364136223846793005 &+ 1442695040888963407
            return Int(r >> 59) * 3 + ((r >> 40) % 7 == 0 ? 90 : 0)
        }
        let part = GraphPartitioner(seed: 3).partition(g)
        let weights = checkParts(g, part)
        #expect(weights.allSatisfy { (350...500).contains($0) }, "\(weights.sorted())")
    }

    @Test func oversizedNodeIsItsOwnPart() {
        let g = lattice(10, 10) { i, j in (i, j) == (5, 5) ? 620 : 9 }
        let part = GraphPartitioner().partition(g)
        let weights = checkParts(g, part)
        let heavy = part[5 * 10 + 5]
        #expect(weights[heavy] == 620)
        #expect(part.filter { $0 == heavy }.count == 1)
    }

    @Test func infeasibleTotalSplitsEvenly() {
        // 620 households: two grids of 310 leave 80 outside the band, one grid of 620 leaves 120.
        let g = lattice(10, 2) { _, _ in 31 }
        #expect(Band().gridCount(for: 620) == 2)
        let weights = checkParts(g, GraphPartitioner().partition(g))
        #expect(weights.sorted() == [310, 310])
    }

    @Test func sameSeedSamePartition() {
        let g = lattice(25, 25) { i, j in (i * 7 + j * 3) % 11 + 3 }
        #expect(GraphPartitioner(seed: 9).partition(g) == GraphPartitioner(seed: 9).partition(g))
    }
}
