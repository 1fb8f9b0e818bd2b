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
    func rebalance(_ job: Job, _ published: PublishedPlan, _ options: PartitionOptions) throws -> Proposal {
        let start = Date()
        let geos = GEOSContext()
        let frame = LocalMetric(around: job.community.geometry.boundingBox!.center)
        let boundary = try frame.project(job.community.geometry).polygons
        let lines = try Self.lines(job.roads, frame: frame)
        let polygons = try published.grids.map { try frame.project($0.geometry).polygons }
        let index = try PolygonIndex(context: geos, polygons: polygons.map(Geometry.multiPolygon))
        let gridIndex = Dictionary(uniqueKeysWithValues: published.grids.enumerated().map { ($1.id!, $0) })

        // Buildings by grid (index into published.grids), new ones placed by containment.
        let labels = try frame.project(job.buildings.map(\.label))
        var members = [[Int]](repeating: [], count: published.grids.count)
        for (i, b) in job.buildings.enumerated() {
            var g = published.assignment[b.id!].flatMap { gridIndex[$0] }
            if g == nil { g = try index.firstContaining(labels[i]) ?? 0 }
            let grid = g!
            members[grid].append(i)
        }
        let households = members.map { $0.reduce(0) { $0 + job.buildings[$1].households } }

        // Groups to divide again: each out-of-band grid with neighbours until feasible.
        let neighbors: [[Int]] = polygons.indices.map { a in
            polygons.indices.filter { b in
                b != a && sharedBoundaryLength(.multiPolygon(polygons[a]), .multiPolygon(polygons[b]), tolerance: 1e-3) > 0.5
            }
        }
        let largest = members.map { $0.map { job.buildings[$0].households }.max() ?? 0 }
        let groups = RebalanceGroups.groups(households: households, largest: largest, neighbors: neighbors, band: options.band)

        // Each group divided again inside its own area. When that leaves a grid out of band
        // (one not made so by an oversized building), the area widens by one neighbouring grid
        // at a time (or the whole area an earlier group redrew), up to the whole community, and
        // the smallest area whose division is all in band is kept; failing that, the division
        // with the fewest households outside the band, if it has fewer than the published
        // grids. Everything else stays exactly as published.
        let partitioner = CommunityPartitioner(band: options.band, seed: options.seed)
        let householdsOf = Dictionary(uniqueKeysWithValues: job.buildings.map { ($0.id!, $0.households) })
        func outside(_ shapes: [GridShape]) -> Int {
            shapes.reduce(0) { total, shape in
                let largest = shape.sites.map { householdsOf[$0] ?? 0 }.max() ?? 0
                return total + (options.band.excuses(households: shape.households, largestBuilding: largest) ? 0 : options.band.deviation(shape.households))
            }
        }
        func divide(_ region: Set<Int>, seed: UInt64 = options.seed) throws -> [GridShape] {
            let grids = region.sorted()
            // The whole community divides inside its own boundary, as a fresh division does; a
            // part of it inside the union of its grids, less the slivers the union leaves apart.
            let area = grids.count == polygons.count ? boundary
                : try geos.unaryUnion(grids.flatMap { polygons[$0] }.map(Geometry.polygon), gridSize: 1e-6).polygons.filter { $0.area > 1 }
            let sites = grids.flatMap { members[$0] }.map { i in
                Site(id: job.buildings[i].id!, point: labels[i], households: job.buildings[i].households)
            }
            var partitioner = partitioner
            partitioner.seed = seed
            return try partitioner.run(CommunityInput(code: job.community.code, boundary: area, sites: sites, roads: lines.roads, rivers: lines.rivers), geos: geos).grids
        }
        // Households of the published plan a division keeps in their grid: each published grid
        // matched to the shape holding most of its households (greedy), as codes are given below.
        let gridOfBuilding = Dictionary(uniqueKeysWithValues: members.enumerated().flatMap { g, list in
            list.map { job.buildings[$0].id! }.filter { published.assignment[$0] != nil }.map { ($0, g) }
        })
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
        // Areas divided again so far; an area that widens into one takes it whole.
        var accepted: [(region: Set<Int>, shapes: [GridShape])] = []
        for group in groups {
            var region = Set(group)
            for earlier in accepted where !earlier.region.isDisjoint(with: region) { region.formUnion(earlier.region) }
            var best: (shapes: [GridShape], region: Set<Int>, outside: Int)?
            while true {
                let shapes = try divide(region)
                let after = outside(shapes)
                let before = region.reduce(0) { $0 + options.band.deviation(households[$1]) }
                if after < before, after < best?.outside ?? .max { best = (shapes, region, after) }
                if after == 0 { break }
                // One neighbouring grid at a time: with households to spare where the division
                // falls short, with room where it has too many.
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
            guard var best else { continue }
            // Other divisions of the same area (other sweep directions): the one that keeps
            // most households in their grid, no further outside the band.
            var bestKept = kept(best.shapes)
            for k in 1...Self.alternatives {
                // Seeds a quarter of the angle between sweep directions apart.
                let seed = options.seed + k * 249
                let shapes = try divide(best.region, seed: seed)
                let (after, k) = (outside(shapes), kept(shapes))
                if after < best.outside || (after == best.outside && k > bestKept) { (best.shapes, best.outside, bestKept) = (shapes, after, k) }
            }
            accepted.removeAll { $0.region.isSubset(of: best.region) }
            accepted.append((best.region, best.shapes))
        }
        // The plan from a set of areas drawn again; everything else stays as published.
        func build(_ accepted: [(region: Set<Int>, shapes: [GridShape])]) throws -> Proposal {
            let replaced = accepted.reduce(into: Set<Int>()) { $0.formUnion($1.region) }
            let redrawn = accepted.flatMap(\.shapes)
            var coded: [(shape: GridShape, code: String, original: Geometry?)] = []
            for g in polygons.indices where !replaced.contains(g) {
                let sites = members[g].map { job.buildings[$0].id! }.sorted()
                coded.append((GridShape(polygon: polygons[g][0], sites: sites, households: households[g]),
                              published.grids[g].code, published.grids[g].geometry))
            }
            // A redrawn grid keeps the code of the published grid whose households it holds most of
            // (so that a household that stays with most of its neighbours keeps its grid); the
            // rest take new numbers in reading order.
            let prefix = job.community.code
            var next = (published.grids.compactMap { Int($0.code.dropFirst(prefix.count)) }.max() ?? 0) + 1
            var codeOfShape: [Int: String] = [:]
            for p in matches(redrawn) where replaced.contains(p.grid) { codeOfShape[p.shape] = published.grids[p.grid].code }
            for i in Self.readingOrder(redrawn.map(\.polygon)) {
                let code = codeOfShape[i] ?? {
                    defer { next += 1 }
                    return prefix + String(format: "%03d", next)
                }()
                coded.append((redrawn[i], code, nil))
            }
            coded.sort { $0.code < $1.code }
            let obstacles = try partitioner.obstacles(Self.communityInput(job, frame: frame), grids: coded.map(\.shape.sites), geos: geos)
            var result = try proposal(job, coded, boundary: boundary, roads: lines.roads + lines.rivers, obstacles: obstacles, frame: frame,
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
        var result = try build(accepted)
        // Over the planner's limit on households moved: also offer the areas that fit within
        // it (those moving fewest first), leaving the other grids out of band as published.
        if let limit = options.maxMoved, let change = result.report.change,
           Double(change.householdsMoved) > limit * Double(change.householdsTotal) {
            let budget = Int((limit * Double(change.householdsTotal)).rounded(.down))
            func moved(_ area: (region: Set<Int>, shapes: [GridShape])) -> Int {
                area.region.reduce(0) { total, g in
                    total + members[g].filter { published.assignment[job.buildings[$0].id!] != nil }.reduce(0) { $0 + job.buildings[$1].households }
                } - kept(area.shapes)
            }
            var within: [(region: Set<Int>, shapes: [GridShape])] = [], spent = 0
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
        return result
    }
}
