import CivicGridModel
import GridGeometry

/// The partitioner's working state: which part each node is in, the parts' members and
/// weights, and scratch marks (generation stamps, so clearing is free).
struct State {
    let graph: PartitionGraph
    let band: Band
    var part: [Int]
    var members: [[Int]] = []
    var weight: [Int] = []
    var exception: [Bool] = []
    private var setStamp: [UInt32]
    private var visitStamp: [UInt32]
    private var sideStamp: [UInt32]
    private var generation: UInt32 = 0

    init(graph: PartitionGraph, band: Band) {
        self.graph = graph
        self.band = band
        part = [Int](repeating: -1, count: graph.count)
        setStamp = [UInt32](repeating: 0, count: graph.count)
        visitStamp = setStamp
        sideStamp = setStamp
    }

    // MARK: Parts

    mutating func newPart(exception isException: Bool = false) -> Int {
        members.append([])
        weight.append(0)
        exception.append(isException)
        return members.count - 1
    }

    func isException(_ p: Int) -> Bool { exception[p] }

    mutating func assign(_ nodes: [Int], to p: Int) {
        for v in nodes {
            part[v] = p
            weight[p] += graph.weights[v]
        }
        members[p] += nodes
    }

    mutating func clear(_ p: Int) {
        for v in members[p] { part[v] = -1 }
        members[p] = []
        weight[p] = 0
    }

    mutating func move(_ v: Int, to b: Int) {
        let a = part[v]
        if let i = members[a].firstIndex(of: v) { members[a].remove(at: i) }
        weight[a] -= graph.weights[v]
        members[b].append(v)
        weight[b] += graph.weights[v]
        part[v] = b
    }

    /// Parts (by number, from 0) with at least one node, renumbered in order of their
    /// lowest node.
    func compacted() -> [Int] {
        var renumber: [Int: Int] = [:]
        return part.map { p in
            if let q = renumber[p] { return q }
            renumber[p] = renumber.count
            return renumber.count - 1
        }
    }

    /// Summed edge costs from part p to each neighbouring part.
    func neighborParts(of p: Int) -> [(part: Int, cost: Double)] {
        var cost: [Int: Double] = [:]
        for v in members[p] {
            for e in graph.edges(v) {
                let q = part[Int(graph.targets[e])]
                if q >= 0, q != p { cost[q, default: 0] += graph.costs[e] }
            }
        }
        return cost.map { ($0.key, $0.value) }.sorted { $0.part < $1.part }
    }

    /// The assigned part accepted by `filter` that shares the most with `nodes`.
    func bestNeighborPart(of nodes: [Int], where filter: (Int) -> Bool) -> Int? {
        var cost: [Int: Double] = [:]
        for v in nodes {
            for e in graph.edges(v) {
                let q = part[Int(graph.targets[e])]
                if q >= 0, filter(q) { cost[q, default: 0] += graph.costs[e] }
            }
        }
        return cost.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
    }

    /// Gives each extra connected piece of a part a part of its own.
    mutating func splitDisconnectedParts() {
        for p in 0..<members.count where members[p].count > 1 {
            let pieces = components(of: members[p])
            guard pieces.count > 1 else { continue }
            let isException = exception[p]
            clear(p)
            assign(pieces[0], to: p)
            for piece in pieces.dropFirst() { assign(piece, to: newPart(exception: isException && piece.contains { graph.weights[$0] > band.max })) }
        }
    }

    // MARK: Sets and connectivity

    private mutating func nextGeneration() -> UInt32 {
        generation &+= 1
        if generation == 0 {  // wrapped: reset stamps
            for i in setStamp.indices { setStamp[i] = 0; visitStamp[i] = 0; sideStamp[i] = 0 }
            generation = 1
        }
        return generation
    }

    /// Marks `nodes` as the current set for `sweep` and `isConnected`.
    mutating func mark(_ nodes: [Int]) {
        let g = nextGeneration()
        for v in nodes { setStamp[v] = g }
        currentSet = g
    }

    private var currentSet: UInt32 = 0

    @inline(__always) private func inSet(_ v: Int) -> Bool { setStamp[v] == currentSet }

    /// Connected components of `nodes`, each in ascending node order, ordered by lowest node.
    mutating func components(of nodes: [Int]) -> [[Int]] {
        mark(nodes)
        let seen = nextGeneration()
        var out: [[Int]] = []
        for start in nodes.sorted() where visitStamp[start] != seen {
            var component = [start]
            visitStamp[start] = seen
            var i = 0
            while i < component.count {
                let v = component[i]
                i += 1
                for e in graph.edges(v) {
                    let u = Int(graph.targets[e])
                    if inSet(u), visitStamp[u] != seen { visitStamp[u] = seen; component.append(u) }
                }
            }
            out.append(component.sorted())
        }
        return out
    }

    /// Whether the marked set minus `side` is connected.
    mutating func isConnected(complementOf side: [Int], within nodes: [Int]) -> Bool {
        let sideMark = nextGeneration()
        for v in side { sideStamp[v] = sideMark }
        guard let start = nodes.first(where: { sideStamp[$0] != sideMark }) else { return true }
        let seen = nextGeneration()
        var stack = [start]
        visitStamp[start] = seen
        var count = 1
        while let v = stack.popLast() {
            for e in graph.edges(v) {
                let u = Int(graph.targets[e])
                if inSet(u), sideStamp[u] != sideMark, visitStamp[u] != seen {
                    visitStamp[u] = seen
                    count += 1
                    stack.append(u)
                }
            }
        }
        return count == nodes.count - side.count
    }

    /// Whether part a stays connected without node v.
    mutating func staysConnected(removing v: Int, from a: Int) -> Bool {
        let size = members[a].count - 1
        guard size > 0 else { return false }
        var neighbor: Int?
        for e in graph.edges(v) where part[Int(graph.targets[e])] == a {
            neighbor = Int(graph.targets[e])
            break
        }
        guard let start = neighbor else { return false }
        let seen = nextGeneration()
        visitStamp[v] = seen
        visitStamp[start] = seen
        var stack = [start]
        var count = 1
        while let x = stack.popLast() {
            for e in graph.edges(x) {
                let u = Int(graph.targets[e])
                if part[u] == a, visitStamp[u] != seen {
                    visitStamp[u] = seen
                    count += 1
                    stack.append(u)
                }
            }
        }
        return count == size
    }

    // MARK: Sweeps

    /// Grows a connected region through the marked set, always adding the frontier node
    /// lowest along `direction` (restarting at the lowest unvisited node if the set is not
    /// connected). Returns the order and, after each node, the cut cost and the weight.
    mutating func sweep(_ nodes: [Int], direction: Coordinate) -> (order: [Int], cut: [Double], weight: [Int]) {
        let points = graph.points
        func key(_ v: Int) -> Double { points[v].x * direction.x + points[v].y * direction.y }
        let byKey = nodes.sorted { (key($0), $0) < (key($1), $1) }
        let seen = nextGeneration()
        let inPrefix = nextGeneration()
        var heap = MinHeap()
        var order: [Int] = [], cuts: [Double] = [], weights: [Int] = []
        order.reserveCapacity(nodes.count)
        var cut = 0.0, total = 0, restart = 0
        while order.count < nodes.count {
            if heap.isEmpty {
                while sideStamp[byKey[restart]] == inPrefix || visitStamp[byKey[restart]] == seen { restart += 1 }
                let v = byKey[restart]
                visitStamp[v] = seen
                heap.push(key(v), v)
            }
            let v = heap.pop()
            for e in graph.edges(v) {
                let u = Int(graph.targets[e])
                guard inSet(u) else { continue }
                if sideStamp[u] == inPrefix { cut -= graph.costs[e] } else { cut += graph.costs[e] }
                if visitStamp[u] != seen {
                    visitStamp[u] = seen
                    heap.push(key(u), u)
                }
            }
            sideStamp[v] = inPrefix
            order.append(v)
            total += graph.weights[v]
            cuts.append(cut)
            weights.append(total)
        }
        return (order, cuts, weights)
    }

    // MARK: Band repair

    /// Brings part p into the band by an ejection chain: p takes (or gives) one boundary
    /// node from (to) a neighbour; a neighbour left out of band does the same with its own
    /// neighbours, up to `depth` steps. Every part stays connected; a chain that fails is
    /// undone. True if p ends in band.
    mutating func repairByMoves(_ p: Int, depth: Int = 4) -> Bool {
        if band.contains(weight[p]) { return true }
        chainBudget = 3000
        return chain(p, depth: depth, visited: [p])
    }

    /// Moves a repair may still try: the chain search is exponential when no chain exists.
    private var chainBudget = 0

    private mutating func chain(_ p: Int, depth: Int, visited: Set<Int>) -> Bool {
        let pulling = weight[p] < band.min
        // Candidate moves across p's boundary: (node, from, to).
        var moves: [(v: Int, from: Int, to: Int, score: Int, cost: Double)] = []
        var seen = Set<Int>()
        for x in members[p] {
            for e in graph.edges(x) {
                let y = Int(graph.targets[e])
                let q = part[y]
                guard q >= 0, q != p, !exception[q], !visited.contains(q) else { continue }
                let (v, from, to) = pulling ? (y, q, p) : (x, p, q)
                guard seen.insert(v * 1_000_003 + to).inserted else { continue }
                let w = graph.weights[v]
                guard w > 0 || !pulling else { continue }
                let pAfter = pulling ? weight[p] + w : weight[p] - w
                // Never overshoot the other edge of the band.
                if pulling ? pAfter > band.max : pAfter < band.min { continue }
                moves.append((v, from, to, band.deviation(pAfter), -graph.costs[e]))
            }
        }
        moves.sort { ($0.score, $0.cost, $0.v) < ($1.score, $1.cost, $1.v) }
        for m in moves.prefix(16) {
            guard chainBudget > 0 else { return false }
            chainBudget -= 1
            guard members[m.from].count > 1, staysConnected(removing: m.v, from: m.from) else { continue }
            let saved = (part, members, weight)
            move(m.v, to: m.to)
            let other = m.from == p ? m.to : m.from
            if band.contains(weight[p]) && band.contains(weight[other]) { return true }
            if depth > 0 {
                var ok = band.contains(weight[p]) || chain(p, depth: depth - 1, visited: visited)
                if ok && !band.contains(weight[other]) { ok = chain(other, depth: depth - 1, visited: visited.union([p])) }
                if ok && band.contains(weight[p]) && band.contains(weight[other]) { return true }
            }
            (part, members, weight) = saved
        }
        return false
    }
}

/// A binary min-heap of (key, node), ties broken by node.
struct MinHeap {
    private var keys: [Double] = []
    private var nodes: [Int] = []

    var isEmpty: Bool { nodes.isEmpty }

    private func less(_ i: Int, _ j: Int) -> Bool { (keys[i], nodes[i]) < (keys[j], nodes[j]) }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        keys.swapAt(i, j)
        nodes.swapAt(i, j)
    }

    mutating func push(_ key: Double, _ node: Int) {
        keys.append(key)
        nodes.append(node)
        var i = nodes.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Int {
        let top = nodes[0]
        swapAt(0, nodes.count - 1)
        keys.removeLast()
        nodes.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < nodes.count, less(l, m) { m = l }
            if r < nodes.count, less(r, m) { m = r }
            guard m != i else { break }
            swapAt(i, m)
            i = m
        }
        return top
    }
}
