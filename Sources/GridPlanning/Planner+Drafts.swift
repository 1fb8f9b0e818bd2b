import CivicGridModel
import Foundation
import GridGEOS
import GridGeometry
import GridImport
import GridPartition
import GridProj
import GridStore
import GridWire

/// A plan's report and what stands between it and publication.
public struct Validation: Codable, Sendable {
    /// Something that blocks publishing without an override.
    public struct Fault: Codable, Hashable, Sendable {
        /// out_of_band, gap, overlap, not_contiguous, unassigned
        public var kind: String
        public var grid: String?
        public var detail: String
        /// The fault's figure, for pages that say it in their own words: households
        /// (out_of_band), pieces (not_contiguous), m² (gap, overlap), buildings (unassigned).
        public var value: Double
    }

    public var report: CommunityReport
    public var faults: [Fault]
    public var publishable: Bool { faults.isEmpty }

    enum CodingKeys: String, CodingKey { case report, faults, publishable }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(report, forKey: .report)
        try c.encode(faults, forKey: .faults)
        try c.encode(publishable, forKey: .publishable)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        report = try c.decode(CommunityReport.self, forKey: .report)
        faults = try c.decode([Fault].self, forKey: .faults)
    }

    init(report: CommunityReport, faults: [Fault]) {
        self.report = report
        self.faults = faults
    }

    /// Coverage faults below this (m²) are floating-point dust of the overlay, not a gap.
    static let areaTolerance = 1.0
}

/// How a new draft starts.
public enum DraftSource: String, Sendable {
    case partition, published
}

/// What changed between two plans of a community: grids by code, buildings by grid.
public struct PlanDiff: Sendable {
    public struct Move: Sendable, Hashable {
        public var building: Int64
        public var households: Int
        public var from: String?
        public var to: String?
        public var label: Coordinate
    }

    public var from: Plan
    public var to: Plan
    public var added: [Grid]
    public var removed: [Grid]
    /// Grids of both plans whose boundary, buildings or name differ: (before, after).
    public var changed: [(Grid, Grid)]
    public var unchanged: Int
    public var moves: [Move]
    public var householdsMoved: Int { moves.reduce(0) { $0 + $1.households } }
}

extension Planner {
    // MARK: Drafts

    /// A new draft for a community: divided afresh, or a copy of its published plan.
    public func createDraft(community: String, from source: DraftSource, actor: String, band: Band = Band()) throws -> Int64 {
        switch source {
        case .partition:
            guard try store.read({ try $0.region(code: community) })?.level == .community else {
                throw PlanningError("no community \(community)", kind: .notFound)
            }
            var options = PartitionOptions()
            options.band = band
            options.region = community
            options.author = actor
            return try partition(options).plans[0]
        case .published:
            return try store.write { w in
                guard try w.reader.region(code: community)?.level == .community else { throw PlanningError("no community \(community)", kind: .notFound) }
                guard let published = try w.reader.publishedPlan(community: community) else {
                    throw PlanningError("community \(community) has no published plan to copy", kind: .conflict)
                }
                let id = try w.copyPlan(published.id, author: actor)
                try w.audit(actor: actor, community: community, plan: id, action: "create",
                            detail: Self.json(["from": "published", "based_on": published.id]))
                return id
            }
        }
    }

    /// A plan and its community, read in one snapshot (see `PlanWorkspace`); `scope`, a
    /// region code, answers whether the community lies in its subtree. Other communities'
    /// grid codes (every published grid of the city) are read only `forEditing`.
    public func workspace(plan id: Int64, scope: String? = nil, forEditing: Bool = false) throws -> PlanWorkspace {
        try store.read { r in
            guard let plan = try r.plan(id: id) else { throw PlanningError("no plan \(id)", kind: .notFound) }
            guard let community = try r.region(code: plan.community) else { throw PlanningError("no community \(plan.community)", kind: .notFound) }
            return PlanWorkspace(plan: plan, community: community, buildings: try r.buildings(community: plan.community),
                                 roads: try r.roads(in: community.geometry.boundingBox!.expanded(by: 0.0005)),
                                 grids: try r.grids(plan: id), assignment: try r.gridOfBuildings(plan: id),
                                 takenElsewhere: forEditing ? try r.publishedGridCommunities() : nil,
                                 inScope: try r.isRegion(plan.community, under: scope))
        }
    }

    /// The plan's report (as `plans validate` prints it) and its faults, against `band` or
    /// the band the plan was made for.
    public func validate(plan id: Int64, band: Band? = nil) throws -> Validation {
        try validate(try workspace(plan: id), band: band)
    }

    /// A workspace's report and faults: no I/O.
    public func validate(_ w: PlanWorkspace, band: Band? = nil) throws -> Validation {
        try Self.validate(community: w.community, grids: w.grids, assignment: w.assignment, buildings: w.buildings, roads: w.roads,
                          band: band ?? w.band)
    }

    /// The report and faults of grids (with `assignment`: building → grid id) over a
    /// community's buildings and roads: no I/O, so an edit is judged before it is written.
    static func validate(community: Region, grids: [Grid], assignment: [Int64: Int64], buildings: [Building], roads: [Road],
                         band: Band) throws -> Validation {
        let start = Date()
        let geos = GEOSContext()
        let frame = LocalMetric(around: community.geometry.boundingBox!.center)
        let input = try Planner.communityInput(Job(community: community, buildings: buildings, roads: roads), frame: frame)
        var members: [Int64: [Building]] = [:]
        for b in buildings { if let g = assignment[b.id!] { members[g, default: []].append(b) } }
        let obstacles = try CommunityPartitioner(band: band).obstacles(input, grids: grids.map { (members[$0.id!] ?? []).map { $0.id! } }, geos: geos)
        let measured = try grids.map { g in
            let hh = members[g.id!] ?? []
            return MeasuredGrid(code: g.code, polygons: try frame.project(g.geometry).polygons, households: hh.reduce(0) { $0 + $1.households },
                                buildings: hh.count, largestBuilding: hh.map(\.households).max() ?? 0,
                                obstacle: Self.obstacle(of: hh.map { $0.id! }, obstacles))
        }
        var report = try CommunityReport.measure(
            community: community.code, boundary: input.boundary, grids: measured, roads: input.roads + input.rivers, band: band,
            seconds: Date().timeIntervalSince(start), geos: geos)
        // Coverage is judged on the stored lon/lat polygons: a vertex that one polygon has on a
        // shared edge and its neighbour lacks bends once projected, a sliver that is not there.
        let union = try geos.unaryUnion(grids.map(\.geometry))
        report.gapM2 = try frame.area(try geos.difference(community.geometry, union)) + frame.area(try geos.difference(union, community.geometry))
        report.overlapM2 = max(0, try grids.reduce(0) { $0 + (try frame.area($1.geometry)) } - frame.area(union))

        var faults: [Validation.Fault] = []
        for (g, m) in zip(grids, measured) where !band.contains(m.households) {
            if band.excuses(households: m.households, largestBuilding: m.largestBuilding) { continue }
            let reason = report.exceptions.first { $0.grid == g.code }?.reason ?? "\(m.households) households"
            faults.append(.init(kind: "out_of_band", grid: g.code, detail: "grid \(g.code): \(reason)", value: Double(m.households)))
        }
        for m in measured where m.polygons.count != 1 {
            faults.append(.init(kind: "not_contiguous", grid: m.code, detail: "grid \(m.code) is in \(m.polygons.count) pieces", value: Double(m.polygons.count)))
        }
        if report.gapM2 > Validation.areaTolerance {
            faults.append(.init(kind: "gap", grid: nil, detail: String(format: "%.1f m² of the community are in no grid (or grids reach outside it)", report.gapM2),
                                value: (report.gapM2 * 10).rounded() / 10))
        }
        if report.overlapM2 > Validation.areaTolerance {
            faults.append(.init(kind: "overlap", grid: nil, detail: String(format: "%.1f m² are in more than one grid", report.overlapM2),
                                value: (report.overlapM2 * 10).rounded() / 10))
        }
        let unassigned = buildings.filter { assignment[$0.id!] == nil }
        if !unassigned.isEmpty {
            faults.append(.init(kind: "unassigned", grid: nil, detail: "\(unassigned.count) building(s) in no grid, e.g. \(unassigned.prefix(5).map { String($0.id!) }.joined(separator: ", "))",
                                value: Double(unassigned.count)))
        }
        return Validation(report: report, faults: faults)
    }

    // MARK: Edits

    /// Applies edits to a draft at `version`, all or none, in one transaction; returns the
    /// plan at its new version and its validation. A plan no longer at `version` is
    /// `.stale`; an edit that would break coverage or contiguity, leave a grid that is not a
    /// valid polygon, or a plan that cannot be validated is `.refused` and nothing is written.
    public func edit(plan id: Int64, version: Int, edits: [Edit], actor: String, band: Band? = nil) throws -> (Plan, Validation) {
        let (edited, validation) = try edit(try workspace(plan: id, forEditing: true), version: version, edits: edits, actor: actor, band: band)
        return (edited.plan, validation)
    }

    /// `edit` over a workspace already read: the edits are applied and judged in memory, and
    /// one write transaction stores them and reads the plan's grids back. Returns the
    /// workspace after the edit (same community, buildings and roads) and its validation.
    public func edit(_ workspace: PlanWorkspace, version: Int, edits: [Edit], actor: String, band: Band? = nil) throws -> (PlanWorkspace, Validation) {
        let plan = workspace.plan, id = plan.id
        guard plan.status == .draft else { throw PlanningError("plan \(id) is \(plan.status.rawValue): only drafts are edited", kind: .conflict) }
        guard plan.version == version else { throw PlanningError("plan \(id) is at version \(plan.version), not \(version)", kind: .stale) }
        guard let takenElsewhere = workspace.takenElsewhere else {
            throw PlanningError("plan \(id) was not read for editing (workspace(plan:forEditing: true))", kind: .malformed)
        }
        let band = band ?? workspace.band
        var draft = DraftEditor(community: workspace.community, buildings: workspace.buildings, roads: workspace.roads, grids: workspace.grids,
                                assignment: workspace.assignment, band: band, takenElsewhere: takenElsewhere)
        let validation: Validation
        do {
            for e in edits { try draft.apply(e) }
            try draft.checkGeometry()
            let (grids, assignment) = try draft.candidate(plan: id)
            validation = try Self.validate(community: workspace.community, grids: grids, assignment: assignment,
                                           buildings: workspace.buildings, roads: workspace.roads, band: band)
        } catch let e as PlanningError {
            throw e
        } catch {
            // A geometry operation failed on this edit's shapes (GEOS topology, projection):
            // the edit is refused and the stored plan stays as it was.
            throw PlanningError("the edit could not be applied: \(error); nothing was changed")
        }
        let changed = try draft.changedGrids(plan: id)
        let removed = draft.removed
        let edited = try store.write { w in
            guard try w.advance(plan: id, from: version) else {
                throw PlanningError("plan \(id) changed while this edit was computed: read it again", kind: .stale)
            }
            for g in removed { try w.deleteGrid(g) }
            for (g, b) in changed where g.id != nil { try w.update(g, buildings: b) }
            for (g, b) in changed where g.id == nil { try w.insert(g, buildings: b) }
            for e in edits {
                try w.audit(actor: actor, community: plan.community, plan: id, action: "edit", detail: Self.json(e.summary))
            }
            try w.touchContents("grids")
            guard let edited = try w.reader.plan(id: id) else { throw PlanningError("no plan \(id)", kind: .notFound) }
            var after = workspace
            (after.plan, after.grids, after.assignment) = (edited, try w.reader.grids(plan: id), try w.reader.gridOfBuildings(plan: id))
            return after
        }
        return (edited, validation)
    }

    // MARK: Publishing

    /// Publishes a draft (at `version` when given): refused while it has faults unless an
    /// override with a reason is given (kept in the audit log). The community's published
    /// plan is archived in the same transaction. `validation` is the plan's, if the caller
    /// has it already.
    public func publish(plan id: Int64, version: Int?, override reason: String?, actor: String, band: Band? = nil,
                        validation known: Validation? = nil) throws -> Validation {
        let validation = try known ?? validate(plan: id, band: band)
        if let reason, reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw PlanningError("an override needs a reason", kind: .malformed)
        }
        try store.write { w in
            guard let plan = try w.reader.plan(id: id) else { throw PlanningError("no plan \(id)", kind: .notFound) }
            guard plan.status == .draft else { throw PlanningError("plan \(id) is \(plan.status.rawValue), not a draft", kind: .conflict) }
            if let version, plan.version != version {
                throw PlanningError("plan \(id) is at version \(plan.version), not \(version)", kind: .stale)
            }
            guard validation.publishable || reason != nil else {
                throw PlanningError("plan \(id) has \(validation.faults.count) fault(s): \(validation.faults.map(\.detail).joined(separator: "; ")); publish with an override and a reason to accept them")
            }
            try Self.publish(plan, validation, override: reason, actor: actor, w)
        }
        return validation
    }

    /// Within a write: publishes the draft, archives the community's published plan, and
    /// records both in the audit log (the override only where there were faults to accept
    /// in a bulk publication).
    static func publish(_ plan: Plan, _ validation: Validation, override reason: String?, actor: String, bulk: Bool = false, _ w: StoreWriter) throws {
        let previous = try w.reader.publishedPlan(community: plan.community)
        try w.publish(plan: plan.id)
        var detail: [String: Any] = ["version": plan.version + 1, "faults": validation.faults.map(\.detail)]
        if bulk { detail["bulk"] = true }
        if let reason, !bulk || !validation.publishable { detail["override"] = reason }
        if let previous { detail["archived"] = previous.id }
        try w.audit(actor: actor, community: plan.community, plan: plan.id, action: "publish", detail: json(detail))
        if let previous {
            try w.audit(actor: actor, community: plan.community, plan: previous.id, action: "archive", detail: json(["replaced_by": plan.id]))
        }
    }

    // MARK: Diff

    /// What changed from plan `a` to plan `b` of the same community.
    public func diff(_ a: Int64, _ b: Int64) throws -> PlanDiff {
        try store.read { r in
            guard let pa = try r.plan(id: a) else { throw PlanningError("no plan \(a)", kind: .notFound) }
            guard let pb = try r.plan(id: b) else { throw PlanningError("no plan \(b)", kind: .notFound) }
            guard pa.community == pb.community else {
                throw PlanningError("plan \(a) is of community \(pa.community), plan \(b) of \(pb.community): only plans of one community compare")
            }
            let ga = try r.grids(plan: a), gb = try r.grids(plan: b)
            let sa = try r.gridOfBuildings(plan: a), sb = try r.gridOfBuildings(plan: b)
            let codeA = Dictionary(uniqueKeysWithValues: ga.map { ($0.id!, $0.code) }), codeB = Dictionary(uniqueKeysWithValues: gb.map { ($0.id!, $0.code) })
            var membersA: [String: Set<Int64>] = [:], membersB: [String: Set<Int64>] = [:]
            for (bld, g) in sa { membersA[codeA[g]!, default: []].insert(bld) }
            for (bld, g) in sb { membersB[codeB[g]!, default: []].insert(bld) }
            let byCodeA = Dictionary(uniqueKeysWithValues: ga.map { ($0.code, $0) })
            var changed: [(Grid, Grid)] = [], added: [Grid] = [], unchanged = 0
            for g in gb {
                guard let old = byCodeA[g.code] else { added.append(g); continue }
                if old.geometry != g.geometry || old.name != g.name || membersA[g.code] != membersB[g.code] { changed.append((old, g)) } else { unchanged += 1 }
            }
            let codesB = Set(gb.map(\.code))
            var moves: [PlanDiff.Move] = []
            for bld in try r.buildings(community: pa.community) {
                let from = sa[bld.id!].flatMap { codeA[$0] }, to = sb[bld.id!].flatMap { codeB[$0] }
                if from != to { moves.append(.init(building: bld.id!, households: bld.households, from: from, to: to, label: bld.label)) }
            }
            return PlanDiff(from: pa, to: pb, added: added, removed: ga.filter { !codesB.contains($0.code) }, changed: changed,
                            unchanged: unchanged, moves: moves)
        }
    }

    // MARK: Desktop GIS round trip

    /// The grids of a plan as features for a GeoPackage (code, name, counts).
    public func features(plan id: Int64) throws -> [Feature] {
        try store.read { r in
            guard let plan = try r.plan(id: id) else { throw PlanningError("no plan \(id)", kind: .notFound) }
            return try r.grids(plan: id).map { g in
                Feature(id: .number(Double(g.id!)), geometry: g.geometry, properties: [
                    "code": .string(g.code), "name": g.name.map(JSONValue.string) ?? .null, "community": .string(plan.community),
                    "plan": .number(Double(plan.id)), "households": .number(Double(g.households)), "buildings": .number(Double(g.buildings)),
                    "area_m2": .number((g.areaM2 * 10).rounded() / 10),
                ])
            }
        }
    }

    /// A new draft from a GeoPackage: the named layer, else `grids` when there are several,
    /// else its only layer.
    public func importDraft(community code: String, geoPackage path: String, layer: String?, actor: String, source: String) throws -> Int64 {
        let read: GeoPackageReader.Layer
        do {
            let names = try GeoPackageReader.layerNames(path: path)
            read = try GeoPackageReader.read(path: path, layer: layer ?? (names.count > 1 && names.contains("grids") ? "grids" : nil))
        } catch {
            // The reader names the file; the caller's name for it (an upload has a temporary
            // path that is the server's business) replaces it.
            let reason = "\(error)".replacingOccurrences(of: path, with: source)
            throw PlanningError("\(source) is not a GeoPackage with one polygon layer (or a layer named grids): \(reason)", kind: .malformed)
        }
        return try importDraft(community: code, features: read.features, epsg: read.epsg, actor: actor, source: source)
    }

    /// A new draft from grid features edited in a desktop GIS: each feature needs a unique
    /// `code` and one polygon in `epsg` (default 4326); buildings go to the grid containing
    /// them. Every bad feature is reported with its index and nothing is written.
    public func importDraft(community code: String, features: [Result<Feature, GeometryError>], epsg: Int?, actor: String,
                            source: String) throws -> Int64 {
        let (community, buildings, takenElsewhere) = try store.read { r in
            guard let c = try r.region(code: code), c.level == .community else { throw PlanningError("no community \(code)", kind: .notFound) }
            return (c, try r.buildings(community: code), try r.publishedGridCommunities())
        }
        let geos = GEOSContext()
        let projector = Projector()
        let frame = LocalMetric(around: community.geometry.boundingBox!.center)
        var problems: [String] = []
        var grids: [(code: String, name: String?, polygon: Polygon)] = []
        for (i, result) in features.enumerated() {
            do {
                let feature = try result.get()
                guard let code = feature.properties["code"]?.stringValue, !code.isEmpty else { throw PlanningError("no code") }
                try DraftEditor.checkCode(code, community: community.code, takenElsewhere: takenElsewhere)
                guard !grids.contains(where: { $0.code == code }) else { throw PlanningError("code \(code) is used by an earlier feature") }
                guard var geometry = feature.geometry else { throw PlanningError("no geometry") }
                if let epsg, epsg != 4326 { geometry = try projector.transform(geometry, from: .epsg(epsg), to: .wgs84) }
                try geometry.checkCoordinates()
                let parts = geometry.polygons
                guard !parts.isEmpty else { throw PlanningError("a \(geometry.typeName), not a polygon") }
                guard parts.count == 1 else { throw PlanningError("grid \(code) is in \(parts.count) pieces: a grid is one polygon") }
                let validity = try geos.validity(.polygon(parts[0]))
                guard validity.isValid else { throw PlanningError("grid \(code) is not a valid polygon: \(validity)") }
                let outside = try frame.area(try geos.difference(.polygon(parts[0]), community.geometry))
                guard outside <= Validation.areaTolerance else {
                    throw PlanningError("grid \(code) reaches \(Int(outside.rounded())) m² outside community \(community.code)")
                }
                grids.append((code, feature.properties["name"]?.stringValue, parts[0]))
            } catch {
                problems.append("feature \(i): \(error)")
            }
        }
        guard problems.isEmpty else { throw PlanningError("\(source): \(problems.count) feature(s) refused, nothing imported: \(problems.joined(separator: "; "))") }
        guard !grids.isEmpty else { throw PlanningError("\(source) has no grids") }
        var members = [[Int64]](repeating: [], count: grids.count)
        for b in buildings {
            if let i = grids.firstIndex(where: { $0.polygon.contains(b.label) }) { members[i].append(b.id!) }
        }
        let byID = Dictionary(uniqueKeysWithValues: buildings.map { ($0.id!, $0.households) })
        let rows = try grids.enumerated().map { i, g in
            (Grid(plan: 0, code: g.code, name: g.name, geometry: .polygon(g.polygon), households: members[i].reduce(0) { $0 + byID[$1]! },
                  buildings: members[i].count, areaM2: try frame.area(.polygon(g.polygon))), members[i])
        }
        return try store.write { w in
            let basedOn = try w.reader.publishedPlan(community: code)?.id
            let id = try w.insertPlan(community: code, status: .draft, basedOn: basedOn, author: actor, params: #"{"method":"import"}"#)
            for (g, b) in rows {
                var grid = g
                grid.plan = id
                try w.insert(grid, buildings: b)
            }
            try w.touchContents("grids")
            try w.audit(actor: actor, community: code, plan: id, action: "import", detail: Self.json(["source": source, "grids": rows.count]))
            return id
        }
    }

    static func json(_ object: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
