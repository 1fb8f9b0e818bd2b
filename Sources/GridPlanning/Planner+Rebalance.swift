import CivicGridModel
import Foundation
import GridGEOS
import GridGeometry
import GridPartition
import GridProj
import GridStore

extension Planner {
    /// Divisions tried besides the first for each area drawn again (other seeds).
    static let alternatives: UInt64 = 3

    /// A community's published plan with its buildings as they are now.
    struct PublishedPlan: Sendable {
        var grids: [Grid]
        var assignment: [Int64: Int64]
    }

    /// Rebalances one community from its published plan: new buildings join the grid that
    /// contains them; grids still in band keep their polygon, buildings and code; each grid out
    /// of band is divided again together with the fewest neighbours that make a total the
    /// band can hold.
    func rebalance(_ job: Job, _ published: PublishedPlan, _ options: PartitionOptions) throws -> Planner.Proposal {
        let r = try Rebalancing(planner: self, job: job, published: published, options: options)
        let groups = RebalanceGroups.groups(households: r.households, largest: r.largest, neighbors: r.neighbors, band: options.band)
        let areas = try r.areas(groups)
        var result = try r.build(areas)
        if let limit = options.maxMoved { try r.offerWithin(limit, areas, &result) }
        return result
    }
}

/// An area of published grids drawn again, and the grids it was divided into.
typealias RedrawnArea = (region: Set<Int>, shapes: [GridShape])

/// One community's rebalance: its published grids (by index) with their buildings as they are
/// now, and the steps that redraw the grids out of band.
struct Rebalancing {
    let planner: Planner
    let job: Planner.Job
    let published: Planner.PublishedPlan
    let options: PartitionOptions
    let start = Date()
    let geos = GEOSContext()
    let frame: LocalMetric
    let boundary: [Polygon]
    let lines: (roads: [LineString], rivers: [LineString])
    /// The published grids' polygons in the local frame.
    let polygons: [[Polygon]]
    let labels: [Coordinate]
    /// Buildings (indexes into job.buildings) by grid; new ones placed by containment.
    let members: [[Int]]
    let households: [Int]
    /// Each grid's largest building (households).
    let largest: [Int]
    /// Grids sharing more than half a metre of boundary.
    let neighbors: [[Int]]
    let householdsOf: [Int64: Int]
    /// The grid each building of the published plan is in.
    let gridOfBuilding: [Int64: Int]
    let partitioner: CommunityPartitioner

    init(planner: Planner, job: Planner.Job, published: Planner.PublishedPlan, options: PartitionOptions) throws {
        (self.planner, self.job, self.published, self.options) = (planner, job, published, options)
        let frame = LocalMetric(around: job.community.geometry.boundingBox!.center), geos = geos
        self.frame = frame
        boundary = try frame.project(job.community.geometry).polygons
        lines = try Planner.lines(job.roads, frame: frame)
        let polygons = try published.grids.map { try frame.project($0.geometry).polygons }
        self.polygons = polygons
        let index = try PolygonIndex(context: geos, polygons: polygons.map(Geometry.multiPolygon))
        let gridIndex = Dictionary(uniqueKeysWithValues: published.grids.enumerated().map { ($1.id!, $0) })
        labels = try frame.project(job.buildings.map(\.label))
        var members = [[Int]](repeating: [], count: published.grids.count)
        for (i, b) in job.buildings.enumerated() {
            let grid = try published.assignment[b.id!].flatMap { gridIndex[$0] } ?? index.firstContaining(labels[i]) ?? 0
            members[grid].append(i)
        }
        self.members = members
        households = members.map { $0.reduce(0) { $0 + job.buildings[$1].households } }
        largest = members.map { $0.map { job.buildings[$0].households }.max() ?? 0 }
        neighbors = polygons.indices.map { a in
            polygons.indices.filter { b in
                b != a && sharedBoundaryLength(.multiPolygon(polygons[a]), .multiPolygon(polygons[b]), tolerance: 1e-3) > 0.5
            }
        }
        householdsOf = Dictionary(uniqueKeysWithValues: job.buildings.map { ($0.id!, $0.households) })
        gridOfBuilding = Dictionary(uniqueKeysWithValues: members.enumerated().flatMap { g, list in
            list.map { job.buildings[$0].id! }.filter { published.assignment[$0] != nil }.map { ($0, g) }
        })
        partitioner = CommunityPartitioner(band: options.band, seed: options.seed)
    }

    /// Households outside the band over a division's grids (grids made so by an oversized
    /// building excused).
    func outside(_ shapes: [GridShape]) -> Int {
        shapes.reduce(0) { total, shape in
            let largest = shape.sites.map { householdsOf[$0] ?? 0 }.max() ?? 0
            return total + (options.band.excuses(households: shape.households, largestBuilding: largest) ? 0 : options.band.deviation(shape.households))
        }
    }

    /// A division of the published grids `region`: the whole community inside its own
    /// boundary, as a fresh division does; a part of it inside the union of its grids, less the
    /// slivers the union leaves apart.
    func divide(_ region: Set<Int>, seed: UInt64? = nil) throws -> [GridShape] {
        let grids = region.sorted()
        let area = grids.count == polygons.count ? boundary
            : try geos.unaryUnion(grids.flatMap { polygons[$0] }.map(Geometry.polygon), gridSize: 1e-6).polygons.filter { $0.area > 1 }
        let sites = grids.flatMap { members[$0] }.map { i in
            Site(id: job.buildings[i].id!, point: labels[i], households: job.buildings[i].households)
        }
        var partitioner = partitioner
        partitioner.seed = seed ?? options.seed
        return try partitioner.run(CommunityInput(code: job.community.code, boundary: area, sites: sites, roads: lines.roads, rivers: lines.rivers), geos: geos).grids
    }

    /// Households of the published plan a division keeps in their grid: each published grid
    /// matched to the shape holding most of its households (greedy), as codes are given.
    func matches(_ shapes: [GridShape]) -> [(shared: Int, shape: Int, grid: Int)] {
        var pairs: [(shared: Int, shape: Int, grid: Int)] = []
        for (i, shape) in shapes.enumerated() {
            var shared: [Int: Int] = [:]
            for site in shape.sites { if let g = gridOfBuilding[site] { shared[g, default: 0] += householdsOf[site] ?? 0 } }
            pairs += shared.map { (shared: $0.value, shape: i, grid: $0.key) }
        }
        pairs.sort { ($0.shared, $1.shape, $1.grid) > ($1.shared, $0.shape, $0.grid) }
        var usedShapes = Set<Int>(), usedGrids = Set<Int>(), out: [(shared: Int, shape: Int, grid: Int)] = []
        for p in pairs where !usedShapes.contains(p.shape) && !usedGrids.contains(p.grid) {
            usedShapes.insert(p.shape)
            usedGrids.insert(p.grid)
            out.append(p)
        }
        return out
    }

    func kept(_ shapes: [GridShape]) -> Int { matches(shapes).reduce(0) { $0 + $1.shared } }

    /// Each group divided again inside its own area. When that leaves a grid out of band (one
    /// not made so by an oversized building), the area widens by one neighbouring grid at a
    /// time (or the whole area an earlier group redrew), up to the whole community, and the
    /// smallest area whose division is all in band is kept; failing that, the division with
    /// the fewest households outside the band, if it has fewer than the published grids.
    /// Everything else stays exactly as published.
    func areas(_ groups: [[Int]]) throws -> [RedrawnArea] {
        var accepted: [RedrawnArea] = []
        for group in groups {
            var region = Set(group)
            for earlier in accepted where !earlier.region.isDisjoint(with: region) { region.formUnion(earlier.region) }
            guard var best = try widened(region, accepted) else { continue }
            // Other divisions of the same area (other sweep directions): the one that keeps
            // most households in their grid, no further outside the band.
            var bestKept = kept(best.shapes)
            for k in 1...Planner.alternatives {
                // Seeds a quarter of the angle between sweep directions apart.
                let shapes = try divide(best.region, seed: options.seed + k * 249)
                let (after, k) = (outside(shapes), kept(shapes))
                if after < best.outside || (after == best.outside && k > bestKept) { (best.shapes, best.outside, bestKept) = (shapes, after, k) }
            }
            accepted.removeAll { $0.region.isSubset(of: best.region) }
            accepted.append((best.region, best.shapes))
        }
        return accepted
    }

    /// The best division of `region` widened one neighbouring grid at a time (with households
    /// to spare where the division falls short, with room where it has too many; an area an
    /// earlier group redrew joins whole) until one is all in band; nil if none improves on
    /// the published grids.
    private func widened(_ start: Set<Int>, _ accepted: [RedrawnArea]) throws -> (shapes: [GridShape], region: Set<Int>, outside: Int)? {
        var region = start
        var best: (shapes: [GridShape], region: Set<Int>, outside: Int)?
        while true {
            let shapes = try divide(region)
            let after = outside(shapes)
            let before = region.reduce(0) { $0 + options.band.deviation(households[$1]) }
            if after < before, after < best?.outside ?? .max { best = (shapes, region, after) }
            if after == 0 { break }
            let ring = Set(region.flatMap { neighbors[$0] }).subtracting(region)
            let short = shapes.filter { $0.households < options.band.min }.reduce(0) { $0 + options.band.min - $1.households }
            let over = shapes.filter { $0.households > options.band.max }.reduce(0) { $0 + $1.households - options.band.max }
            guard let next = ring.min(by: { a, b in
                short >= over ? (households[a], b) > (households[b], a) : (households[a], a) < (households[b], b)
            }) else { break }
            var added: Set<Int> = [next]
            for earlier in accepted where earlier.region.contains(next) { added.formUnion(earlier.region) }
            region.formUnion(added)
        }
        return best
    }

    /// The plan from a set of areas drawn again; everything else stays as published.
    func build(_ accepted: [RedrawnArea]) throws -> Planner.Proposal {
        let replaced = accepted.reduce(into: Set<Int>()) { $0.formUnion($1.region) }
        let redrawn = accepted.flatMap(\.shapes)
        let coded = codes(redrawn, replacing: replaced)
        let obstacles = try partitioner.obstacles(Planner.communityInput(job, frame: frame), grids: coded.map(\.shape.sites), geos: geos)
        var result = try planner.proposal(job, coded, boundary: boundary, roads: lines.roads + lines.rivers, obstacles: obstacles, frame: frame,
                                          options: options, start: start, geos: geos)
        // What changed: households of the published plan now under another code, and per area
        // drawn again, the grids that were out of band and how many neighbours joined them.
        var newCode: [Int64: String] = [:]
        for c in coded { for site in c.shape.sites { newCode[site] = c.code } }
        var moved = 0, total = 0
        for (g, list) in members.enumerated() {
            for i in list where published.assignment[job.buildings[i].id!] != nil {
                total += job.buildings[i].households
                if newCode[job.buildings[i].id!] != published.grids[g].code { moved += job.buildings[i].households }
            }
        }
        let reasons = accepted.map { area -> String in
            let out = area.region.sorted().filter { !options.band.contains(households[$0]) }
            let named = out.map { "\(published.grids[$0].code) (\(households[$0]))" }.joined(separator: ", ")
            return "out of band: \(named); drawn again with \(area.region.count - out.count) neighbouring grid(s) as \(area.shapes.count) grids"
        }
        result.report.change = RebalanceChange(gridsKept: polygons.count - replaced.count, gridsRedrawn: redrawn.count,
                                               householdsMoved: moved, householdsTotal: total, reasons: reasons)
        return result
    }

    /// Every grid with its code: the published grids not replaced keep theirs; a redrawn grid
    /// keeps the code of the published grid whose households it holds most of (so that a
    /// household that stays with most of its neighbours keeps its grid); the rest take new
    /// numbers in reading order.
    private func codes(_ redrawn: [GridShape], replacing replaced: Set<Int>) -> [(shape: GridShape, code: String, original: Geometry?)] {
        var coded: [(shape: GridShape, code: String, original: Geometry?)] = []
        for g in polygons.indices where !replaced.contains(g) {
            let sites = members[g].map { job.buildings[$0].id! }.sorted()
            coded.append((GridShape(polygon: polygons[g][0], sites: sites, households: households[g]),
                          published.grids[g].code, published.grids[g].geometry))
        }
        let prefix = job.community.code
        var next = (published.grids.compactMap { Int($0.code.dropFirst(prefix.count)) }.max() ?? 0) + 1
        var codeOfShape: [Int: String] = [:]
        for p in matches(redrawn) where replaced.contains(p.grid) { codeOfShape[p.shape] = published.grids[p.grid].code }
        for i in Planner.readingOrder(redrawn.map(\.polygon)) {
            let code = codeOfShape[i] ?? {
                defer { next += 1 }
                return prefix + String(format: "%03d", next)
            }()
            coded.append((redrawn[i], code, nil))
        }
        coded.sort { $0.code < $1.code }
        return coded
    }

    /// Over the planner's limit on households moved: also offers the areas that fit within it
    /// (those moving fewest first), leaving the other grids out of band as published.
    func offerWithin(_ limit: Double, _ accepted: [RedrawnArea], _ result: inout Planner.Proposal) throws {
        guard let change = result.report.change, Double(change.householdsMoved) > limit * Double(change.householdsTotal) else { return }
        let budget = Int((limit * Double(change.householdsTotal)).rounded(.down))
        func moved(_ area: RedrawnArea) -> Int {
            area.region.reduce(0) { total, g in
                total + members[g].filter { published.assignment[job.buildings[$0].id!] != nil }.reduce(0) { $0 + job.buildings[$1].households }
            } - kept(area.shapes)
        }
        var within: [RedrawnArea] = [], spent = 0
        for area in accepted.sorted(by: { (moved($0), $0.region.min() ?? 0) < (moved($1), $1.region.min() ?? 0) }) where spent + moved(area) <= budget {
            within.append(area)
            spent += moved(area)
        }
        let alternative = try build(within)
        result.alternatives = [alternative]
        result.report.change?.alternative = RebalanceAlternative(
            gridsRedrawn: alternative.report.change?.gridsRedrawn ?? 0, householdsMoved: alternative.report.change?.householdsMoved ?? 0,
            gridsOutOfBand: alternative.grids.filter { g in
                let largest = g.buildings.map { householdsOf[$0] ?? 0 }.max() ?? 0
                return !options.band.contains(g.grid.households) && !options.band.excuses(households: g.grid.households, largestBuilding: largest)
            }.count)
        result.report.change?.maxMoved = limit
    }
}
