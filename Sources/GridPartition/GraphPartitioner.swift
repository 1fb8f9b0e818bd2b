import CivicGridModel
import Foundation
import GridGeometry

/// Splits a graph into parts whose weights fall in a band, connected and with a short cut.
///
/// 1. Nodes heavier than the band's maximum are parts of their own (exceptions).
/// 2. Every connected component of the rest gets k = `Band.gridCount` parts by recursive
///    bisection: k splits into k1 + k2 and the first side's weight must fall in
///    [max(min·k1, W − max·k2), min(max·k1, W − min·k2)], which keeps every leaf in band.
///    Candidate cuts come from connected sweeps in 32 directions (a region grown from the
///    extreme node by projection order); the cheapest in-window cut whose other side is also
///    connected wins.
/// 3. Parts still out of band are repaired by boundary moves, then by merging with a
///    neighbour and splitting again, then by an exhaustive search over the part and its
///    neighbours when they hold at most 64 nodes (tower blocks packed like a puzzle).
/// 4. Boundary moves that shorten the cut, keeping parts connected and in band, refine.
///
/// Deterministic: the seed turns the sweep directions; ties break on node index.
public struct GraphPartitioner: Sendable {
    public var band: Band
    public var seed: UInt64
    /// Sweep directions per bisection (32 measured best for compactness on the demo and Suzhou).
    public var directions = 32
    /// Refinement passes over the boundary.
    public var refinementPasses = 8
    /// Compaction passes at most (it stops early when a pass moves nothing).
    public var compactionPasses = 30
    /// Households inside each band edge that bisection aims for.
    public var margin = 15

    public init(band: Band = Band(), seed: UInt64 = 0) {
        self.band = band
        self.seed = seed
    }

    /// The part of every node, numbered from 0.
    ///
    /// When households stay outside the band that no oversized building explains, the
    /// partition is tried again with one or two grids more or fewer per component, and the
    /// result with the fewest households outside the band is kept.
    public func partition(_ g: PartitionGraph) -> [Int] {
        var best: (deviation: Int, part: [Int])?
        for shift in [0, -1, 1, -2, 2] {
            let (part, deviation) = partition(g, shift: shift)
            if best == nil || deviation < best!.deviation { best = (deviation, part) }
            if deviation == 0 { break }
        }
        return best!.part
    }

    /// One attempt; also returns the households outside the band in parts without an
    /// oversized node.
    func partition(_ g: PartitionGraph, shift: Int) -> ([Int], Int) {
        var state = State(graph: g, band: band)
        let n = g.count
        guard n > 0 else { return ([], 0) }
        // 1. Exceptions.
        for i in 0..<n where g.weights[i] > band.max { state.assign([i], to: state.newPart(exception: true)) }
        // 2. Components of the rest.
        var zeroComponents: [[Int]] = []
        for component in state.components(of: (0..<n).filter { state.part[$0] < 0 }) {
            let w = component.reduce(0) { $0 + g.weights[$1] }
            if w == 0 {
                zeroComponents.append(component)
            } else if w < band.min, let heavy = state.bestNeighborPart(of: component, where: state.isException) {
                // Cut off by oversized buildings: joining one adds fewer households out of band.
                state.assign(component, to: heavy)
            } else {
                let k = band.gridCount(for: w)
                let (lo, hi) = (max(1, (w + band.max - 1) / band.max), max(1, w / band.min))
                bisect(component, k: shift == 0 || lo > hi ? k : min(max(k + shift, lo), hi), &state)
            }
        }
        // Zero-household pieces (parks, public buildings) join the neighbour they share most with.
        for component in zeroComponents {
            state.assign(component, to: state.bestNeighborPart(of: component) { _ in true } ?? state.newPart())
        }
        // 3–4.
        state.splitDisconnectedParts()
        repair(&state)
        refine(&state)
        repair(&state)
        compact(&state)
        let deviation = state.members.indices.filter { !state.exception[$0] }.reduce(0) { $0 + band.deviation(state.weight[$1]) }
        return (state.compacted(), deviation)
    }

    // MARK: Bisection

    func bisect(_ nodes: [Int], k: Int, _ s: inout State) {
        if k <= 1 || nodes.count <= 1 {
            s.assign(nodes, to: s.newPart())
            return
        }
        // A set cut in pieces is split piece by piece.
        let pieces = s.components(of: nodes)
        if pieces.count > 1 {
            for piece in pieces {
                bisect(piece, k: band.gridCount(for: piece.reduce(0) { $0 + s.graph.weights[$1] }), &s)
            }
            return
        }
        let k1 = k / 2, k2 = k - k1
        let w = nodes.reduce(0) { $0 + s.graph.weights[$1] }
        // Aim inside the band by a margin, to leave repairs some room; the true band when
        // the margin leaves no window.
        let m = margin
        var lo = max((band.min + m) * k1, w - (band.max - m) * k2), hi = min((band.max - m) * k1, w - (band.min + m) * k2)
        if lo > hi { (lo, hi) = (max(band.min * k1, w - band.max * k2), min(band.max * k1, w - band.min * k2)) }
        let target = Int((Double(w) * Double(k1) / Double(k)).rounded())
        guard let side = bestCut(nodes, lo: lo <= hi ? lo : target, hi: lo <= hi ? hi : target, &s) else {
            s.assign(nodes, to: s.newPart())
            return
        }
        let inSide = Set(side)
        bisect(side, k: k1, &s)
        bisect(nodes.filter { !inSide.contains($0) }, k: k2, &s)
    }

    /// The cut of `nodes` whose first side weighs within [lo, hi], or nearest it, with the
    /// other side also connected (the first always is), cheapest first.
    func bestCut(_ nodes: [Int], lo: Int, hi: Int, _ s: inout State) -> [Int]? {
        struct Candidate { var miss: Int; var cost: Double; var direction: Int; var position: Int }
        var candidates: [Candidate] = []
        var orders: [[Int]] = []
        s.mark(nodes)
        let offset = Double(seed % 997) / 997 * 2 * .pi / Double(directions)
        for d in 0..<directions {
            let angle = offset + 2 * .pi * Double(d) / Double(directions)
            let (order, cut, weight) = s.sweep(nodes, direction: Coordinate(cos(angle), sin(angle)))
            orders.append(order)
            for p in 0..<(order.count - 1) {
                let wp = weight[p]
                candidates.append(Candidate(miss: wp < lo ? lo - wp : wp > hi ? wp - hi : 0, cost: cut[p], direction: d, position: p))
            }
        }
        guard !candidates.isEmpty else { return nil }
        candidates.sort { ($0.miss, $0.cost, $0.direction, $0.position) < ($1.miss, $1.cost, $1.direction, $1.position) }
        for c in candidates.prefix(64) {
            let side = Array(orders[c.direction][0...c.position])
            if s.isConnected(complementOf: side, within: nodes) { return side }
        }
        let c = candidates[0]
        return Array(orders[c.direction][0...c.position])
    }

    // MARK: Repair and refinement

    /// Brings out-of-band parts into the band where moves or a merge-and-split can.
    func repair(_ s: inout State) {
        for _ in 0..<4 {
            var changed = false
            for p in 0..<s.members.count where !s.isException(p) && !s.members[p].isEmpty && !band.contains(s.weight[p]) {
                if s.repairByMoves(p) || mergeAndSplit(p, &s) || regroup(p, &s) { changed = true }
            }
            if !changed { break }
        }
    }

    /// Merges part p with one or two neighbouring parts whose total can be split in band,
    /// and splits the union again; kept only if fewer households end outside the band.
    func mergeAndSplit(_ p: Int, _ s: inout State) -> Bool {
        let near = s.neighborParts(of: p).filter { !s.isException($0.part) }
            .sorted { ($0.cost, $1.part) > ($1.cost, $0.part) }.map(\.part)
        var groups = near.map { [p, $0] }
        for q in near.prefix(4) {
            let further = Set(near + s.neighborParts(of: q).map(\.part)).subtracting([p, q])
            groups += further.filter { !s.isException($0) }.sorted().map { [p, q, $0] }
        }
        for group in groups.prefix(24) {
            let total = group.reduce(0) { $0 + s.weight[$1] }
            guard band.isFeasible(total) else { continue }
            let before = group.reduce(0) { $0 + band.deviation(s.weight[$1]) }
            let union = group.flatMap { s.members[$0] }.sorted()
            let saved = (s.part, s.members, s.weight, s.exception)
            for q in group { s.clear(q) }
            bisect(union, k: band.gridCount(for: total), &s)
            let after = Set(union.map { s.part[$0] }).reduce(0) { $0 + band.deviation(s.weight[$1]) }
            if after < before { return true }
            (s.part, s.members, s.weight, s.exception) = saved
        }
        return false
    }

    /// Steps an exhaustive search may take (a few milliseconds).
    static let searchBudget = 200_000

    /// Divides part p and its neighbours (then theirs, ring by ring, up to 64 nodes)
    /// exhaustively into connected in-band parts: for few large buildings, where sweeps and
    /// single moves cannot pack the sizes.
    func regroup(_ p: Int, _ s: inout State) -> Bool {
        var group = [p], ring = [p], size = s.members[p].count
        while true {
            var next: [Int] = []
            for q in ring {
                for n in s.neighborParts(of: q).sorted(by: { ($0.cost, $1.part) > ($1.cost, $0.part) })
                where !s.isException(n.part) && !group.contains(n.part) && size + s.members[n.part].count <= 64 {
                    group.append(n.part)
                    next.append(n.part)
                    size += s.members[n.part].count
                }
            }
            guard !next.isEmpty else { return false }
            ring = next
            guard band.isFeasible(group.reduce(0) { $0 + s.weight[$1] }),
                  let piece = LocalGraph(group.flatMap { s.members[$0] }.sorted(), in: s.graph),
                  case .found(let sets) = piece.divide(band: band, budget: Self.searchBudget) else { continue }
            for q in group { s.clear(q) }
            for (i, set) in sets.enumerated() { s.assign(piece.members(set), to: i < group.count ? group[i] : s.newPart()) }
            return true
        }
    }

    /// Why the grid of each of `nodes` is out of band whatever the division, for those where
    /// an exhaustive search proves it (see `Obstacle`); nodes heavier than the band's maximum
    /// are left out (their reason is plain).
    public func obstacles(_ g: PartitionGraph, among nodes: some Sequence<Int>) -> [Int: Obstacle] {
        var out: [Int: Obstacle] = [:]
        // The pieces of the graph between oversized nodes, found once; each searched when
        // first needed (nil: too large or the budget ran out).
        var pieces: [[Int]] = [], pieceOf: [Int: Int] = [:], divisible: [Int: Bool?] = [:]
        for v in nodes where g.weights[v] <= band.max {
            if let households = stranded(v, g) {
                out[v] = .stranded(households: households)
                continue
            }
            if pieces.isEmpty {
                var state = State(graph: g, band: band)
                pieces = state.components(of: (0..<g.count).filter { g.weights[$0] <= band.max })
                for (i, piece) in pieces.enumerated() { for x in piece { pieceOf[x] = i } }
            }
            let i = pieceOf[v]!
            if divisible[i] == nil { divisible[i] = isDivisible(pieces[i], g) }
            if divisible[i]! == false { out[v] = .packing }
        }
        return out
    }

    /// Whether a piece can be divided into connected in-band parts: nil when it is too large
    /// to search or the budget runs out.
    private func isDivisible(_ piece: [Int], _ g: PartitionGraph) -> Bool? {
        guard band.isFeasible(piece.reduce(0) { $0 + g.weights[$1] }) else { return false }
        switch LocalGraph(piece, in: g)?.divide(band: band, budget: Self.searchBudget) {
        case .found: return true
        case .impossible: return false
        case .unknown, nil: return nil
        }
    }

    /// Node v's households if no connected set of nodes within the band's maximum holding v
    /// weighs within the band (a 300-household building whose every neighbour holds 250);
    /// checked exhaustively within the nodes reachable without passing the maximum, when
    /// those are at most 64.
    func stranded(_ v: Int, _ g: PartitionGraph) -> Int? {
        var reached: [Int] = [], heap = MinHeap()
        var dist: [Int: Int] = [v: g.weights[v]]
        heap.push(Double(g.weights[v]), v)
        var settled = Set<Int>()
        while !heap.isEmpty, reached.count <= 64 {
            let x = heap.pop()
            guard settled.insert(x).inserted else { continue }
            reached.append(x)
            for e in g.edges(x) {
                let u = Int(g.targets[e]), d = dist[x]! + g.weights[u]
                if g.weights[u] <= band.max, d <= band.max, d < dist[u] ?? .max { dist[u] = d; heap.push(Double(d), u) }
            }
        }
        guard reached.count <= 64, let piece = LocalGraph(reached.sorted(), in: g), let i = piece.nodes.firstIndex(of: v),
              piece.canReachBand(i, band: band, budget: Self.searchBudget) == false else { return nil }
        return g.weights[v]
    }

    /// Greedy boundary moves with positive gain that keep both parts connected and in band.
    func refine(_ s: inout State) {
        for _ in 0..<refinementPasses {
            var moved = 0
            for v in 0..<s.graph.count {
                let a = s.part[v]
                guard !s.isException(a) || s.graph.weights[v] == 0 else { continue }
                var toward: [Int: Double] = [:]
                var inside = 0.0
                for e in s.graph.edges(v) {
                    let u = Int(s.graph.targets[e]), q = s.part[u]
                    if q == a { inside += s.graph.costs[e] } else { toward[q, default: 0] += s.graph.costs[e] }
                }
                guard let (b, gainEdges) = toward.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }), gainEdges > inside + 1e-9 else { continue }
                let wv = s.graph.weights[v]
                let aAfter = s.weight[a] - wv, bAfter = s.weight[b] + wv
                // Never move a part's last household out, nor worsen the band.
                guard s.members[a].count > 1 else { continue }
                let bandOK = s.isException(b)
                    ? wv == 0
                    : (band.deviation(aAfter) + band.deviation(bAfter) <= band.deviation(s.weight[a]) + band.deviation(s.weight[b]))
                guard bandOK, s.staysConnected(removing: v, from: a) else { continue }
                s.move(v, to: b)
                moved += 1
            }
            if moved == 0 { break }
        }
    }

    /// Boundary moves that raise the two parts' summed Polsby–Popper compactness (from cell
    /// areas, perimeters and shared lengths), keeping parts connected and the band no worse.
    func compact(_ s: inout State) {
        let g = s.graph
        guard g.hasCells else { return }
        let outer = g.outer
        var area = [Double](repeating: 0, count: s.members.count), perimeter = area
        for v in 0..<g.count {
            let p = s.part[v]
            area[p] += g.areas[v]
            perimeter[p] += outer[v]
            for e in g.edges(v) where s.part[Int(g.targets[e])] != p { perimeter[p] += g.lengths[e] }
        }
        func pp(_ a: Double, _ p: Double) -> Double { p > 0 ? 4 * .pi * a / (p * p) : 0 }
        for _ in 0..<compactionPasses {
            var moved = 0
            for v in 0..<g.count {
                let a = s.part[v]
                guard !s.isException(a), s.members[a].count > 1 else { continue }
                var toward: [Int: Double] = [:]
                var inside = 0.0, across = 0.0
                for e in g.edges(v) {
                    let q = s.part[Int(g.targets[e])]
                    if q == a { inside += g.lengths[e] } else { toward[q, default: 0] += g.lengths[e]; across += g.lengths[e] }
                }
                var best: (b: Int, gain: Double, pa: Double, pb: Double)?
                for (b, inB) in toward.sorted(by: { $0.key < $1.key }) where !s.isException(b) {
                    let wv = g.weights[v]
                    guard band.deviation(s.weight[a] - wv) + band.deviation(s.weight[b] + wv)
                        <= band.deviation(s.weight[a]) + band.deviation(s.weight[b]) else { continue }
                    let pa = perimeter[a] - outer[v] - across + inside
                    let pb = perimeter[b] + outer[v] + inside + across - 2 * inB
                    let gain = pp(area[a] - g.areas[v], pa) + pp(area[b] + g.areas[v], pb)
                        - pp(area[a], perimeter[a]) - pp(area[b], perimeter[b])
                    if gain > (best?.gain ?? 1e-4) { best = (b, gain, pa, pb) }
                }
                guard let m = best, s.staysConnected(removing: v, from: a) else { continue }
                s.move(v, to: m.b)
                area[a] -= g.areas[v]
                area[m.b] += g.areas[v]
                (perimeter[a], perimeter[m.b]) = (m.pa, m.pb)
                moved += 1
            }
            if moved == 0 { break }
        }
    }
}
