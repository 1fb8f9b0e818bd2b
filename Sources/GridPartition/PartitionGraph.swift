import GridGeometry

/// An undirected graph of the units to partition: each node has a household weight and a
/// position (metres); each edge a cut cost (shared boundary length, discounted along roads).
///
/// When the nodes are cells of a map, the graph also knows each cell's area and perimeter and
/// each edge's true shared length, so a part's area and perimeter (hence its Polsby–Popper
/// compactness) follow from its nodes.
public struct PartitionGraph: Sendable {
    public let weights: [Int]
    public let points: [Coordinate]
    let offsets: [Int]
    let targets: [Int32]
    let costs: [Double]
    /// Shared boundary length of each edge (the cost before any road discount).
    let lengths: [Double]
    /// Area of each node's cell and the length of its boundary shared with no other cell
    /// (the community's edge); empty when the nodes are not cells.
    let areas: [Double]
    let outer: [Double]

    /// Builds the graph from undirected edges (a, b, cost); repeated edges keep the larger cost.
    public init(weights: [Int], points: [Coordinate], edges: [(Int, Int, Double)]) {
        self.init(weights: weights, points: points, edges: edges.map { ($0.0, $0.1, $0.2, $0.2) }, cells: [])
    }

    /// Builds the graph of map cells from undirected edges (a, b, cost, shared length) and
    /// each cell's area and perimeter; repeated edges keep the larger cost.
    public init(weights: [Int], points: [Coordinate], edges: [(Int, Int, Double, Double)], cells: [(area: Double, perimeter: Double)]) {
        precondition(weights.count == points.count && (cells.isEmpty || cells.count == weights.count))
        self.weights = weights
        self.points = points
        areas = cells.map(\.area)
        let n = weights.count
        var best: [Int: (cost: Double, length: Double)] = [:]  // key: a * n + b, a < b
        best.reserveCapacity(edges.count)
        for (a, b, c, l) in edges where a != b {
            let key = Swift.min(a, b) * n + Swift.max(a, b)
            if let old = best[key], old.cost >= c { continue }
            best[key] = (c, l)
        }
        var degree = [Int](repeating: 0, count: n + 1)
        for key in best.keys { degree[key / n] += 1; degree[key % n] += 1 }
        var offsets = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { offsets[i + 1] = offsets[i] + degree[i] }
        var fill = offsets
        var targets = [Int32](repeating: 0, count: offsets[n])
        var costs = [Double](repeating: 0, count: offsets[n])
        var lengths = costs
        for key in best.keys.sorted() {
            let a = key / n, b = key % n, (c, l) = best[key]!
            targets[fill[a]] = Int32(b); costs[fill[a]] = c; lengths[fill[a]] = l; fill[a] += 1
            targets[fill[b]] = Int32(a); costs[fill[b]] = c; lengths[fill[b]] = l; fill[b] += 1
        }
        self.offsets = offsets
        self.targets = targets
        self.costs = costs
        self.lengths = lengths
        outer = cells.indices.map { v in Swift.max(0, cells[v].perimeter - (offsets[v]..<offsets[v + 1]).reduce(0) { $0 + lengths[$1] }) }
    }

    /// Whether cell areas and perimeters are known.
    var hasCells: Bool { !areas.isEmpty }

    public var count: Int { weights.count }

    @inline(__always)
    func edges(_ i: Int) -> Range<Int> { offsets[i]..<offsets[i + 1] }

    /// The neighbours of node i with the edge costs.
    public func neighbors(_ i: Int) -> [(node: Int, cost: Double)] {
        edges(i).map { (Int(targets[$0]), costs[$0]) }
    }
}
