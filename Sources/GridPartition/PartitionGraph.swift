import GridGeometry

/// An undirected graph of the units to partition: each node has a household weight and a
/// position (metres); each edge a cut cost (shared boundary length, discounted along roads).
public struct PartitionGraph: Sendable {
    public let weights: [Int]
    public let points: [Coordinate]
    let offsets: [Int]
    let targets: [Int32]
    let costs: [Double]

    /// Builds the graph from undirected edges; repeated edges keep the larger cost.
    public init(weights: [Int], points: [Coordinate], edges: [(Int, Int, Double)]) {
        precondition(weights.count == points.count)
        self.weights = weights
        self.points = points
        let n = weights.count
        var best: [Int: Double] = [:]  // key: a * n + b, a < b
        best.reserveCapacity(edges.count)
        for (a, b, c) in edges where a != b {
            let key = Swift.min(a, b) * n + Swift.max(a, b)
            if let old = best[key], old >= c { continue }
            best[key] = c
        }
        var degree = [Int](repeating: 0, count: n + 1)
        for key in best.keys { degree[key / n] += 1; degree[key % n] += 1 }
        var offsets = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { offsets[i + 1] = offsets[i] + degree[i] }
        var fill = offsets
        var targets = [Int32](repeating: 0, count: offsets[n])
        var costs = [Double](repeating: 0, count: offsets[n])
        for key in best.keys.sorted() {
            let a = key / n, b = key % n, c = best[key]!
            targets[fill[a]] = Int32(b); costs[fill[a]] = c; fill[a] += 1
            targets[fill[b]] = Int32(a); costs[fill[b]] = c; fill[b] += 1
        }
        self.offsets = offsets
        self.targets = targets
        self.costs = costs
    }

    public var count: Int { weights.count }

    @inline(__always)
    func edges(_ i: Int) -> Range<Int> { offsets[i]..<offsets[i + 1] }

    /// The neighbours of node i with the edge costs.
    public func neighbors(_ i: Int) -> [(node: Int, cost: Double)] {
        edges(i).map { (Int(targets[$0]), costs[$0]) }
    }
}
