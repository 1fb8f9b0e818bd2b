import CivicGridModel
import Foundation
import GridGEOS
import GridGeometry
import GridPartition
import GridProj
import GridStore
import GridWire

/// A draft being edited in memory: its grids (lon/lat polygons) and their buildings. Every
/// operation either leaves each grid it touches a single polygon, the community covered as
/// before and every building in the grid that contains it, or throws and changes nothing.
///
/// Geometry is computed in lon/lat with GEOS's exact overlay, so edges a grid shares with an
/// untouched neighbour keep their vertices bit for bit; only the choice of a cut (Voronoi
/// cells of buildings, an automatic split) is made in metres.
struct DraftEditor {
    struct WorkGrid {
        var id: Int64?
        var code: String
        var name: String?
        var polygon: Polygon
        var buildings: [Int64]
        var changed = false
    }

    let community: Region
    let buildings: [Int64: Building]
    let roads: [Road]
    let band: Band
    /// Codes of other communities' published grids (code → community): never reused.
    let takenElsewhere: [String: String]
    private(set) var grids: [WorkGrid]
    private(set) var removed: [Int64] = []
    let frame: LocalMetric
    let geos = GEOSContext()

    /// Parts smaller than this (deg², about 0.01 m²) are slivers of floating-point overlay.
    static let sliver = 1e-12

    init(community: Region, buildings: [Building], roads: [Road], grids: [Grid], assignment: [Int64: Int64], band: Band,
         takenElsewhere: [String: String] = [:]) {
        self.community = community
        self.takenElsewhere = takenElsewhere
        self.buildings = Dictionary(uniqueKeysWithValues: buildings.map { ($0.id!, $0) })
        self.roads = roads
        self.band = band
        self.frame = LocalMetric(around: community.geometry.boundingBox!.center)
        var members: [Int64: [Int64]] = [:]
        for (b, g) in assignment { members[g, default: []].append(b) }
        self.grids = grids.map { g in
            WorkGrid(id: g.id, code: g.code, name: g.name, polygon: g.geometry.polygons.first ?? Polygon(exterior: LinearRing(unchecked: [])),
                     buildings: (members[g.id!] ?? []).sorted())
        }
    }

    /// The grids to store: changed ones with their counts, new ones without an id.
    func changedGrids(plan: Int64) throws -> [(Grid, [Int64])] {
        try grids.filter(\.changed).map { w in
            let households = w.buildings.reduce(0) { $0 + (buildings[$1]?.households ?? 0) }
            return (Grid(id: w.id, plan: plan, code: w.code, name: w.name, geometry: .polygon(w.polygon), households: households,
                         buildings: w.buildings.count, areaM2: try frame.area(.polygon(w.polygon))), w.buildings)
        }
    }

    /// Every grid of the edited draft (new ones with stand-in negative ids) and the grid of
    /// each building, as validation takes them.
    func candidate(plan: Int64) throws -> (grids: [Grid], assignment: [Int64: Int64]) {
        var out: [Grid] = []
        var assignment: [Int64: Int64] = [:]
        for (i, w) in grids.enumerated() {
            let id = w.id ?? -Int64(i + 1)
            let households = w.buildings.reduce(0) { $0 + (buildings[$1]?.households ?? 0) }
            out.append(Grid(id: id, plan: plan, code: w.code, name: w.name, geometry: .polygon(w.polygon), households: households,
                            buildings: w.buildings.count, areaM2: try frame.area(.polygon(w.polygon))))
            for b in w.buildings { assignment[b] = id }
        }
        return (out, assignment)
    }

    /// Refuses a draft with a changed grid that is not one valid polygon, both as stored
    /// (lon/lat) and in the metric frame where it is measured: an overlay near degenerate
    /// input (a spike of no width) can leave a boundary that is valid in degrees and crosses
    /// itself once projected, which no later union could take.
    func checkGeometry() throws {
        for w in grids where w.changed {
            try Geometry.polygon(w.polygon).checkCoordinates()
            for (shape, frameName) in [(Geometry.polygon(w.polygon), "lon/lat"), (try frame.project(.polygon(w.polygon)), "metres")] {
                let validity = try geos.validity(shape)
                guard validity.isValid else {
                    throw PlanningError("the edit would leave grid \(w.code) a boundary that is not a valid polygon in \(frameName) "
                                        + "(\(validity.reason ?? "invalid")); draw it again")
                }
            }
        }
    }

    // MARK: Operations

    mutating func apply(_ edit: Edit) throws {
        switch edit {
        case .move(let ids, let to): try move(ids, to: to)
        case .merge(let a, let b): try merge(a, b)
        case .split(let g, let line): try split(g, along: line)
        case .reshape(let g, let polygon): try reshape(g, polygon)
        case .rename(let g, let code, let name): try rename(g, code: code, name: name)
        }
    }

    func index(_ code: String) throws(PlanningError) -> Int {
        guard let i = grids.firstIndex(where: { $0.code == code }) else {
            throw PlanningError("no grid \"\(code)\" in this plan (grids: \(grids.map(\.code).joined(separator: ", ")))")
        }
        return i
    }

    mutating func move(_ ids: [Int64], to code: String) throws {
        let t = try index(code)
        var gridOf: [Int64: Int] = [:]
        for (i, g) in grids.enumerated() { for b in g.buildings { gridOf[b] = i } }
        var bySource: [Int: [Int64]] = [:]
        for id in ids {
            guard buildings[id] != nil else { throw PlanningError("building \(id) is not in community \(community.code)") }
            guard let s = gridOf[id] else { throw PlanningError("building \(id) is in no grid of this plan") }
            if s != t { bySource[s, default: []].append(id) }
        }
        guard !bySource.isEmpty else { throw PlanningError("every building named is in grid \(code) already") }
        for (s, moved) in bySource.sorted(by: { $0.key < $1.key }) {
            try movePair(Set(moved), from: s, to: t)
        }
    }

    /// Moves buildings from grid `s` to grid `t`: the area that changes hands is the part of
    /// `s` nearer to a moved building than to any building staying in `s`.
    private mutating func movePair(_ moved: Set<Int64>, from s: Int, to t: Int) throws {
        let a = grids[s], b = grids[t]
        let ids = a.buildings
        let sites = try frame.project(ids.map { buildings[$0]!.label })
        let box = try frame.project(.polygon(a.polygon)).boundingBox!.expanded(by: 1000)
        let cells = try geos.voronoiCells(sites, clip: .polygon(Polygon(exterior: LinearRing(unchecked: [
            Coordinate(box.minX, box.minY), Coordinate(box.maxX, box.minY), Coordinate(box.maxX, box.maxY),
            Coordinate(box.minX, box.maxY), Coordinate(box.minX, box.minY),
        ]))))
        var taken: [Geometry] = []
        for (i, id) in ids.enumerated() where moved.contains(id) {
            guard let cell = cells[i] else {
                let twin = ids[sites.firstIndex(of: sites[i])!]
                if moved.contains(twin) { continue }
                throw PlanningError("building \(id) stands at the same point as building \(twin) of grid \(grids[gridIndex(of: twin)].code): move both")
            }
            taken.append(cell)
        }
        let area = try frame.unproject(try geos.unaryUnion(taken))
        let keep = try pieces(try geos.difference(.polygon(a.polygon), area))
        let handed = try pieces(try geos.intersection(.polygon(a.polygon), area))
        let grown = try pieces(try geos.unaryUnion([.polygon(b.polygon)] + handed.map(Geometry.polygon)))
        guard keep.count == 1 else {
            throw PlanningError(keep.isEmpty ? "moving these buildings would leave grid \(a.code) with no area: merge it into \(b.code) instead"
                                : "moving these buildings would cut grid \(a.code) into \(keep.count) pieces")
        }
        guard grown.count == 1 else {
            throw PlanningError("building(s) \(moved.sorted().map(String.init).joined(separator: ", ")) do not border grid \(b.code): it would be in \(grown.count) pieces")
        }
        grids[s].polygon = keep[0]
        grids[s].buildings.removeAll { moved.contains($0) }
        grids[s].changed = true
        grids[t].polygon = grown[0]
        grids[t].buildings = (grids[t].buildings + moved).sorted()
        grids[t].changed = true
    }

    private func gridIndex(of building: Int64) -> Int { grids.firstIndex { $0.buildings.contains(building) }! }

    mutating func merge(_ first: String, _ second: String) throws {
        let a = try index(first), b = try index(second)
        let merged = try pieces(try geos.unaryUnion([.polygon(grids[a].polygon), .polygon(grids[b].polygon)]))
        guard merged.count == 1 else { throw PlanningError("grids \(first) and \(second) do not share a boundary: their union would be in \(merged.count) pieces") }
        grids[a].polygon = merged[0]
        grids[a].buildings = (grids[a].buildings + grids[b].buildings).sorted()
        grids[a].changed = true
        if let id = grids[b].id { removed.append(id) }
        grids.remove(at: b)
    }

    mutating func split(_ code: String, along line: LineString?) throws {
        let i = try index(code)
        let g = grids[i]
        let parts: [Polygon]
        if let line {
            let noded = try geos.unaryUnion([.multiLineString(g.polygon.boundaryLines + [line])])
            parts = try geos.polygonize(noded.lineStrings).filter { p in
                guard p.area >= Self.sliver else { return false }
                return g.polygon.contains(try geos.pointOnSurface(.polygon(p)))
            }
            guard parts.count == 2 else {
                throw PlanningError("the line must cross grid \(code) from one edge to another once, cutting it in two; it makes \(max(parts.count, 1)) piece(s)")
            }
        } else {
            parts = try autoSplit(g)
        }
        let first = parts[0]
        var inFirst: [Int64] = [], inSecond: [Int64] = []
        for b in g.buildings {
            if first.contains(buildings[b]!.label) { inFirst.append(b) } else { inSecond.append(b) }
        }
        grids[i].polygon = first
        grids[i].buildings = inFirst
        grids[i].changed = true
        grids.append(WorkGrid(id: nil, code: nextCode(), name: nil, polygon: parts[1], buildings: inSecond, changed: true))
    }

    /// Two halves of a grid by the partitioner, with a band that admits exactly two grids;
    /// the cut is taken from the metric division and applied to the exact lon/lat polygon.
    private func autoSplit(_ g: WorkGrid) throws -> [Polygon] {
        let households = g.buildings.reduce(0) { $0 + buildings[$1]!.households }
        guard g.buildings.count >= 2, households >= 2 else {
            throw PlanningError("grid \(g.code) has \(g.buildings.count) building(s) and \(households) household(s): nothing to split automatically; draw a line")
        }
        let twoGrids = Band(min: max(1, households * 35 / 100), max: (households * 65 + 99) / 100)
        let labels = try frame.project(g.buildings.map { buildings[$0]!.label })
        let lines = try Planner.lines(roads, frame: frame)
        let input = CommunityInput(
            code: g.code, boundary: try frame.project(.polygon(g.polygon)).polygons,
            sites: zip(g.buildings, labels).map { Site(id: $0, point: $1, households: buildings[$0]!.households) },
            roads: lines.roads, rivers: lines.rivers)
        let division = try CommunityPartitioner(band: twoGrids).run(input, geos: geos)
        if division.grids.count == 2, let pair = try halves(of: g, cut: try frame.unproject(.polygon(division.grids[0].polygon))) {
            return pair
        }
        // The partitioner made more pieces (blocks between roads): sweep instead, in eight
        // directions, cutting at the household median; the most even contiguous pair wins.
        let cells = try geos.voronoiCells(labels, clip: .multiPolygon(input.boundary))
        var best: (deviation: Int, halves: [Polygon])?
        for step in 0..<8 {
            let angle = Double(step) * .pi / 8
            let order = labels.indices.sorted { labels[$0].x * cos(angle) + labels[$0].y * sin(angle) < labels[$1].x * cos(angle) + labels[$1].y * sin(angle) }
            var sum = 0, cut = 0, deviation = Int.max
            for (n, i) in order.enumerated() {
                sum += input.sites[i].households
                if n < order.count - 1, abs(2 * sum - households) < deviation { (cut, deviation) = (n + 1, abs(2 * sum - households)) }
            }
            guard best.map({ deviation < $0.deviation }) ?? true else { continue }
            let area = try geos.unaryUnion(order.prefix(cut).compactMap { cells[$0] })
            if let pair = try self.halves(of: g, cut: try frame.unproject(area)) { best = (deviation, pair) }
        }
        guard let best else { throw PlanningError("grid \(g.code) cannot be divided in two contiguous halves automatically; draw a line") }
        return best.halves
    }

    /// The grid cut by an area: both sides single polygons, or nil.
    private func halves(of g: WorkGrid, cut: Geometry) throws -> [Polygon]? {
        let first = try pieces(try geos.intersection(.polygon(g.polygon), cut))
        let second = try pieces(try geos.difference(.polygon(g.polygon), cut))
        return first.count == 1 && second.count == 1 ? [first[0], second[0]] : nil
    }

    /// Gives a grid a new boundary (clipped to the community): neighbours lose what it now
    /// covers, and each piece it gives up goes to the neighbour sharing the longest border
    /// with that piece; buildings follow their containing grid.
    mutating func reshape(_ code: String, _ polygon: Polygon) throws {
        let x = try index(code)
        let valid = try geos.validity(.polygon(polygon))
        guard valid.isValid else { throw PlanningError("the new boundary of \(code) is not a valid polygon: \(valid)") }
        let clipped = try pieces(try geos.intersection(.polygon(polygon), community.geometry))
        guard clipped.count == 1 else {
            throw PlanningError(clipped.isEmpty ? "the new boundary of \(code) lies outside community \(community.code)"
                                : "the new boundary of \(code), cut to community \(community.code), is in \(clipped.count) pieces")
        }
        let target = clipped[0]
        var next = grids
        let given = try pieces(try geos.difference(.polygon(grids[x].polygon), .polygon(target)))
        next[x].polygon = target
        next[x].changed = true
        for i in next.indices where i != x {
            let cover = try geos.intersects(.polygon(next[i].polygon), .polygon(target))
            guard cover else { continue }
            let rest = try pieces(try geos.difference(.polygon(next[i].polygon), .polygon(target)))
            guard rest.count == 1 else {
                throw PlanningError(rest.isEmpty ? "the new boundary of \(code) covers all of grid \(next[i].code): merge the two instead"
                                    : "the new boundary of \(code) cuts grid \(next[i].code) into \(rest.count) pieces")
            }
            if rest[0] != next[i].polygon, abs(rest[0].area - next[i].polygon.area) > Self.sliver {
                next[i].polygon = rest[0]
                next[i].changed = true
            }
        }
        for piece in given {
            let shared = next.indices.filter { $0 != x }.map { i in
                (i, sharedBoundaryLength(.polygon(next[i].polygon), .polygon(piece), tolerance: 1e-9))
            }.max { $0.1 < $1.1 }
            guard let (i, length) = shared, length > 0 else {
                throw PlanningError("the new boundary of \(code) gives up an area that borders no other grid: the community would have a gap")
            }
            let grown = try pieces(try geos.unaryUnion([.polygon(next[i].polygon), .polygon(piece)]))
            guard grown.count == 1 else { throw PlanningError("grid \(next[i].code) cannot take the area \(code) gives up in one piece") }
            next[i].polygon = grown[0]
            next[i].changed = true
        }
        // Buildings of the changed grids go to the changed grid containing them.
        let changed = next.indices.filter { next[$0].changed }
        let pool = changed.flatMap { grids[$0].buildings }
        for i in changed { next[i].buildings = [] }
        for b in Set(pool).sorted() {
            let label = buildings[b]!.label
            let home = changed.first { next[$0].polygon.contains(label) } ?? changed.first { grids[$0].buildings.contains(b) }!
            next[home].buildings.append(b)
        }
        grids = next
    }

    mutating func rename(_ code: String, code newCode: String?, name: String?) throws {
        let i = try index(code)
        if let newCode, newCode != code {
            try Self.checkCode(newCode, community: community.code, takenElsewhere: takenElsewhere)
            guard !grids.contains(where: { $0.code == newCode }) else { throw PlanningError("grid code \(newCode) is taken in this plan") }
            grids[i].code = newCode
        }
        if let name { grids[i].name = name.isEmpty ? nil : name }
        grids[i].changed = true
    }

    /// A grid code's rule, for renames and imports alike: the community's code followed by
    /// 1–40 letters, digits, - or _, and not the code of another community's published grid
    /// (`takenElsewhere`: code → community).
    static func checkCode(_ code: String, community: String, takenElsewhere: [String: String]) throws(PlanningError) {
        let suffix = code.dropFirst(community.count)
        guard code.hasPrefix(community), !suffix.isEmpty, suffix.count <= 40,
              suffix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw PlanningError("code \"\(code)\" must be the community's code \(community) followed by 1–40 letters, digits, - or _")
        }
        if let other = takenElsewhere[code], other != community {
            throw PlanningError("code \(code) is a published grid of community \(other)")
        }
    }

    /// The next free grid code: the community code and a three-digit number.
    func nextCode() -> String {
        let prefix = community.code
        let n = grids.compactMap { $0.code.hasPrefix(prefix) ? Int($0.code.dropFirst(prefix.count)) : nil }.max() ?? 0
        return prefix + String(format: "%03d", n + 1)
    }

    /// The polygons of an overlay result that are not slivers, without sliver holes.
    func pieces(_ g: Geometry) throws -> [Polygon] {
        g.polygons.filter { $0.area >= Self.sliver }.map { p in
            Polygon(exterior: p.exterior, holes: p.holes.filter { abs($0.signedArea) >= Self.sliver })
        }
    }
}
