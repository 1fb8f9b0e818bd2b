import CivicGridModel
import Foundation
import GridGEOS
import GridGeometry
import GridPartition
import GridProj
import GridStore

/// How to partition.
public struct PartitionOptions: Sendable {
    public var band = Band()
    public var seed: UInt64 = 1
    /// The region whose communities to divide (all communities when nil).
    public var region: String?
    public var author: String?
    /// Start from each community's published plan and change only what must change.
    public var rebalance = false
    /// With `rebalance`: the share of households (0–1) that may change grid. A community whose
    /// rebalance in band moves more gets a second draft within the limit (see `RebalanceChange`).
    public var maxMoved: Double?

    public init() {}
}

/// The draft plans a partition run wrote and their quality.
public struct PartitionOutcome: Sendable {
    public var plans: [Int64]
    public var report: PlanReport
    public var seconds: Double
}

/// Partitions communities from the store into draft plans, reports on plans, publishes them.
/// Communities are independent and run in parallel, each with its own GEOS and PROJ context.
public struct Planner: Sendable {
    let store: GridStore

    public init(store: GridStore) {
        self.store = store
    }

    /// One community's inputs, read in one snapshot.
    struct Job: Sendable {
        var community: Region
        var buildings: [Building]
        var roads: [Road]
        var published: PublishedPlan?
    }

    /// A community's proposal in EPSG:4326, ready to store.
    struct Proposal: Sendable {
        var community: String
        var grids: [(grid: Grid, buildings: [Int64])]
        var report: CommunityReport
        /// Other choices, written as drafts before this one (see `PartitionOptions.maxMoved`).
        var alternatives: [Proposal] = []
    }

    public func partition(_ options: PartitionOptions, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> PartitionOutcome {
        let start = Date()
        let jobs = try store.read { r in try communities(r, options.region).map { c in
            var published: PublishedPlan?
            if options.rebalance, let plan = try r.publishedPlan(community: c.code) {
                published = PublishedPlan(grids: try r.grids(plan: plan.id), assignment: try r.gridOfBuildings(plan: plan.id))
            }
            return Job(community: c, buildings: try r.buildings(community: c.code),
                       roads: try r.roads(in: c.geometry.boundingBox!.expanded(by: 0.0005)), published: published)
        } }
        let results = Results<Proposal>(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            results.set(i, Result {
                if let published = jobs[i].published { return try rebalance(jobs[i], published, options) }
                return try propose(jobs[i], options)
            })
            progress?(results.done, jobs.count)
        }
        var proposals = try results.values.map { try $0.get() }
        let method = options.rebalance ? "rebalance" : "partition"
        let limit = options.maxMoved.map { #","max_moved":\#($0)"# } ?? ""
        let params = #"{"method":"\#(method)","min":\#(options.band.min),"max":\#(options.band.max),"seed":\#(options.seed)\#(limit)}"#
        let plans = try store.write { w in
            func write(_ p: Proposal, variant: String?) throws -> Int64 {
                let basedOn = try w.reader.publishedPlan(community: p.community)?.id
                let plan = try w.insertPlan(community: p.community, status: .draft, basedOn: basedOn, author: options.author, params: params)
                for (grid, buildings) in p.grids {
                    var g = grid
                    g.plan = plan
                    try w.insert(g, buildings: buildings)
                }
                var detail: [String: Any] = ["from": method, "grids": p.grids.count, "based_on": basedOn ?? NSNull()]
                if let variant { detail["variant"] = variant }
                try w.audit(actor: options.author ?? "cli", community: p.community, plan: plan, action: "create", detail: Self.json(detail))
                return plan
            }
            // A community's other choices first, so that its newest draft is the one in band.
            let ids = try proposals.indices.map { i in
                for alternative in proposals[i].alternatives {
                    proposals[i].report.change?.alternative?.plan = try write(alternative, variant: "within max_moved")
                }
                return try write(proposals[i], variant: nil)
            }
            try w.touchContents("grids")
            return ids
        }
        return PartitionOutcome(plans: plans, report: PlanReport(communities: proposals.map(\.report)),
                                seconds: Date().timeIntervalSince(start))
    }

    private func communities(_ r: StoreReader, _ code: String?) throws -> [Region] {
        guard let code else {
            let all = try r.regions(level: .community)
            guard !all.isEmpty else { throw PlanningError("no communities in the database: import regions first") }
            return all
        }
        guard let region = try r.region(code: code) else { throw PlanningError("no region \(code)", kind: .notFound) }
        return region.level == .community ? [region] : try r.regions(under: code, level: .community)
    }

    /// Divides one community (pure computation over its inputs).
    func propose(_ job: Job, _ options: PartitionOptions) throws -> Proposal {
        let start = Date()
        let geos = GEOSContext()
        let frame = LocalMetric(around: job.community.geometry.boundingBox!.center)
        let input = try Self.communityInput(job, frame: frame)
        let division = try CommunityPartitioner(band: options.band, seed: options.seed).run(input, geos: geos)
        let shapes = division.grids
        let coded = Self.readingOrder(shapes.map(\.polygon)).enumerated().map { n, i in
            (shape: shapes[i], code: job.community.code + String(format: "%03d", n + 1), original: Geometry?.none)
        }
        return try proposal(job, coded, boundary: input.boundary, roads: input.roads + input.rivers, obstacles: division.obstacles, frame: frame,
                            options: options, start: start, assignmentSeconds: division.assignmentSeconds, geos: geos)
    }

    /// The community, its buildings and roads in a metric frame, as the partitioner takes them.
    static func communityInput(_ job: Job, frame: LocalMetric) throws -> CommunityInput {
        let labels = try frame.project(job.buildings.map(\.label))
        let lines = try Self.lines(job.roads, frame: frame)
        return CommunityInput(code: job.community.code, boundary: try frame.project(job.community.geometry).polygons,
                              sites: zip(job.buildings, labels).map { Site(id: $0.id!, point: $1, households: $0.households) },
                              roads: lines.roads, rivers: lines.rivers)
    }

    /// Road and river centrelines in a metric frame.
    static func lines(_ roads: [Road], frame: LocalMetric) throws -> (roads: [LineString], rivers: [LineString]) {
        (try roads.filter { !$0.isRiver }.flatMap { try frame.project($0.geometry).lineStrings },
         try roads.filter(\.isRiver).flatMap { try frame.project($0.geometry).lineStrings })
    }

    /// Grids in EPSG:4326 and the community's report, from coded shapes in metres. A shape
    /// with its original geometry (a grid kept from the published plan) keeps it exactly.
    func proposal(_ job: Job, _ coded: [(shape: GridShape, code: String, original: Geometry?)], boundary: [Polygon], roads: [LineString],
                  obstacles: [Int64: Obstacle], frame: LocalMetric, options: PartitionOptions, start: Date, assignmentSeconds: Double = 0,
                  geos: GEOSContext) throws -> Proposal {
        let byID = Dictionary(uniqueKeysWithValues: job.buildings.map { ($0.id!, $0.households) })
        var grids: [(Grid, [Int64])] = []
        var measured: [MeasuredGrid] = []
        for (shape, code, original) in coded {
            var polygon = try original ?? frame.unproject(.polygon(shape.polygon))
            var metric = shape.polygon
            // A spike of no width can cross itself once rounded to degrees: repair it, keeping
            // the polygon (what make-valid splits off is a line, a speck or a pinhole).
            if original == nil, try !geos.validity(polygon).isValid,
               let repaired = try geos.makeValid(polygon).polygons.max(by: { $0.area < $1.area }) {
                polygon = .polygon(Polygon(exterior: repaired.exterior, holes: repaired.holes.filter { abs($0.signedArea) >= 1e-12 }))  // ~0.01 m²
                metric = try frame.project(polygon).polygons.first ?? metric  // measured as stored
            }
            grids.append((Grid(plan: 0, code: code, name: nil, geometry: polygon, households: shape.households,
                               buildings: shape.sites.count, areaM2: shape.polygon.area), shape.sites))
            measured.append(MeasuredGrid(code: code, polygons: [metric], households: shape.households,
                                         buildings: shape.sites.count, largestBuilding: shape.sites.map { byID[$0] ?? 0 }.max() ?? 0,
                                         obstacle: Self.obstacle(of: shape.sites, obstacles)))
        }
        let report = try CommunityReport.measure(community: job.community.code, boundary: boundary, grids: measured, roads: roads,
                                                 band: options.band, assignmentSeconds: assignmentSeconds,
                                                 seconds: Date().timeIntervalSince(start), geos: geos)
        return Proposal(community: job.community.code, grids: grids, report: report)
    }

    /// A grid's obstacle: a stranded building (the largest) before the packing of its piece.
    static func obstacle(of sites: [Int64], _ obstacles: [Int64: Obstacle]) -> Obstacle? {
        let found = sites.compactMap { obstacles[$0] }
        let stranded = found.compactMap { if case .stranded(let households) = $0 { households } else { nil } }.max()
        return stranded.map { .stranded(households: $0) } ?? found.first
    }

    /// Grid numbering: rows from north to south, west to east within a row, rows as tall
    /// as a typical grid.
    static func readingOrder(_ polygons: [Polygon]) -> [Int] {
        guard !polygons.isEmpty else { return [] }
        let centroids = polygons.map(\.centroid)
        let top = centroids.map(\.y).max()!
        let row = max(polygons.reduce(0) { $0 + $1.area } / Double(polygons.count), 1).squareRoot()
        return polygons.indices.sorted {
            let a = (Int((top - centroids[$0].y) / row), centroids[$0].x), b = (Int((top - centroids[$1].y) / row), centroids[$1].x)
            return a != b ? a < b : $0 < $1
        }
    }

    /// Publishes the newest draft of every community that has one, in one transaction:
    /// drafts with faults are left as drafts unless `override` gives a reason to accept them.
    public func publishNewestDrafts(override reason: String?, actor: String, band: Band? = nil) throws -> (published: [Int64], refused: [Int64: [Validation.Fault]]) {
        let drafts = try store.read { r in
            try r.regions(level: .community).compactMap { c in try r.plans(community: c.code).first { $0.status == .draft } }
        }
        let results = Results<Validation>(count: drafts.count)
        DispatchQueue.concurrentPerform(iterations: drafts.count) { i in
            results.set(i, Result { try validate(plan: drafts[i].id, band: band) })
        }
        let validations = try results.values.map { try $0.get() }
        var refused: [Int64: [Validation.Fault]] = [:]
        let published = try store.write { w in
            var ids: [Int64] = []
            for (plan, v) in zip(drafts, validations) {
                guard v.publishable || reason != nil else { refused[plan.id] = v.faults; continue }
                try Self.publish(plan, v, override: reason, actor: actor, bulk: true, w)
                ids.append(plan.id)
            }
            return ids
        }
        return (published, refused)
    }
}

/// Results of parallel work, filled by index under a lock.
final class Results<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Value, any Error>?]
    private var finished = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ r: Result<Value, any Error>) {
        lock.withLock { slots[i] = r; finished += 1 }
    }

    var done: Int { lock.withLock { finished } }
    var values: [Result<Value, any Error>] { lock.withLock { slots.map { $0! } } }
}
