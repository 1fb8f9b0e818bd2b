import CivicGridModel
/// Exhaustive searches over a small piece of the graph (at most 64 nodes, held as bit masks),
/// for where bisection and boundary moves leave a part out of band: a few large buildings
/// (tower blocks of 100–500 households) whose sizes must be packed like a puzzle.
///
/// - `divide`: splits the piece into connected sets all within the band (depth-first,
///   branching on the node with the fewest in-band sets around it, pruning any connected
///   remainder whose total no count of grids can hold);
/// - `canReachBand`: whether any connected set holding a node weighs within the band; a node
///   that cannot is *stranded* (e.g. 300 households whose every neighbour holds 250): no
///   division at all puts it in band.
///
/// Both stop after `budget` steps and then answer nil (unknown).
struct LocalGraph {
    /// The piece's nodes, by graph index.
    let nodes: [Int]
    let weights: [Int]
    let neighbors: [UInt64]
    /// Summed edge cost from each node to each other node of the piece (by local index).
    private let costs: [[(Int, Double)]]

    /// The piece of `g` made of `nodes`, or nil when it has more than 64.
    init?(_ nodes: [Int], in g: PartitionGraph) {
        guard nodes.count <= 64 else { return nil }
        self.nodes = nodes
        var local: [Int: Int] = [:]
        for (i, v) in nodes.enumerated() { local[v] = i }
        weights = nodes.map { g.weights[$0] }
        var neighbors = [UInt64](repeating: 0, count: nodes.count)
        var costs = [[(Int, Double)]](repeating: [], count: nodes.count)
        for (i, v) in nodes.enumerated() {
            for e in g.edges(v) {
                guard let j = local[Int(g.targets[e])] else { continue }
                neighbors[i] |= 1 << UInt64(j)
                costs[i].append((j, g.costs[e]))
            }
        }
        self.neighbors = neighbors
        self.costs = costs
    }

    var all: UInt64 { nodes.count == 64 ? ~0 : (1 << UInt64(nodes.count)) - 1 }

    func weight(_ set: UInt64) -> Int {
        var w = 0
        forEach(set) { w += weights[$0] }
        return w
    }

    /// Cost of the edges leaving `set` within `free`.
    private func cut(_ set: UInt64, within free: UInt64) -> Double {
        var c = 0.0
        forEach(set) { i in
            for (j, cost) in costs[i] where free & (1 << UInt64(j)) != 0 && set & (1 << UInt64(j)) == 0 { c += cost }
        }
        return c
    }

    private func forEach(_ set: UInt64, _ body: (Int) -> Void) {
        var s = set
        while s != 0 {
            body(s.trailingZeroBitCount)
            s &= s - 1
        }
    }

    /// The connected components of `free`.
    private func components(_ free: UInt64) -> [UInt64] {
        var rest = free, out: [UInt64] = []
        while rest != 0 {
            var component = rest & (~rest &+ 1), frontier = component
            while frontier != 0 {
                var next: UInt64 = 0
                forEach(frontier) { next |= neighbors[$0] }
                next &= rest & ~component
                component |= next
                frontier = next
            }
            out.append(component)
            rest &= ~component
        }
        return out
    }

    /// Calls `body` with every connected set within `free` that holds node `v` and weighs
    /// within the band, until `body` returns false. False if the budget ran out.
    private func inBandSets(holding v: Int, within free: UInt64, band: Band, budget: inout Int,
                            _ body: (UInt64, Int) -> Bool) -> Bool {
        var stopped = false
        // Each connected set is reached once: a node is either added from the frontier
        // (`frontier`) or banned from the rest of that branch.
        func grow(_ set: UInt64, _ w: Int, _ frontier: UInt64, _ banned: UInt64) {
            guard !stopped else { return }
            budget -= 1
            if budget < 0 { stopped = true; return }
            if w >= band.min, !body(set, w) { stopped = true; return }
            var ext = frontier, banned = banned
            while ext != 0, !stopped {
                let u = ext.trailingZeroBitCount, bit: UInt64 = 1 << UInt64(u)
                ext &= ~bit
                if w + weights[u] <= band.max {
                    grow(set | bit, w + weights[u], (ext | neighbors[u]) & free & ~set & ~bit & ~banned, banned)
                }
                banned |= bit
            }
        }
        let bit: UInt64 = 1 << UInt64(v)
        if weights[v] <= band.max { grow(bit, weights[v], neighbors[v] & free & ~bit, bit) }
        return budget >= 0
    }

    /// Whether some connected set within the piece holding local node `v` weighs within the
    /// band; nil if the budget ran out first.
    func canReachBand(_ v: Int, band: Band, budget: Int) -> Bool? {
        var found = false, budget = budget
        let finished = inBandSets(holding: v, within: all, band: band, budget: &budget) { _, _ in found = true; return false }
        return found ? true : finished ? false : nil
    }

    enum Outcome {
        /// Connected in-band sets, as local masks.
        case found([UInt64])
        /// The search finished: no such division exists.
        case impossible
        /// The budget ran out.
        case unknown
    }

    /// The piece split into connected sets all within the band.
    func divide(band: Band, budget: Int) -> Outcome {
        var budget = budget
        func search(_ free: UInt64) -> [UInt64]? {
            if free == 0 { return [] }
            for c in components(free) where !band.isFeasible(weight(c)) { return nil }
            // Branch on the node with the fewest in-band sets around it.
            var best: (v: Int, sets: [(UInt64, Int, Double)])?
            var v = free
            while v != 0 {
                let i = v.trailingZeroBitCount
                v &= v - 1
                var sets: [(UInt64, Int, Double)] = []
                let limit = best?.sets.count ?? Int.max
                let finished = inBandSets(holding: i, within: free, band: band, budget: &budget) { set, w in
                    sets.append((set, w, 0))
                    return sets.count < limit
                }
                guard finished else { budget = 0; return nil }
                if sets.isEmpty { return nil }
                if sets.count < limit { best = (i, sets) }
            }
            guard var sets = best?.sets else { return nil }
            // Fuller sets first (they leave fewer, larger pieces), then the shorter cut.
            for k in sets.indices { sets[k].2 = cut(sets[k].0, within: free) }
            sets.sort { ($1.1, $0.2, $0.0) < ($0.1, $1.2, $1.0) }
            for (set, _, _) in sets {
                guard budget > 0 else { return nil }
                if let rest = search(free & ~set) { return [set] + rest }
            }
            return nil
        }
        if let sets = search(all) { return .found(sets) }
        return budget > 0 ? .impossible : .unknown
    }

    /// Graph indices of the nodes in `set`.
    func members(_ set: UInt64) -> [Int] {
        var out: [Int] = []
        forEach(set) { out.append(nodes[$0]) }
        return out
    }
}
