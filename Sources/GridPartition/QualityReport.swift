import CivicGridModel
import Foundation
import GridGEOS
import GridGeometry

/// A grid as the report measures it, in a metric CRS.
public struct MeasuredGrid: Sendable {
    public var code: String
    /// More than one polygon means the grid is not contiguous.
    public var polygons: [Polygon]
    public var households: Int
    public var buildings: Int
    /// The largest building's households, to explain an oversized grid.
    public var largestBuilding: Int
    /// Why no division brings this grid within the band, when a search proved it.
    public var obstacle: Obstacle?

    public init(code: String, polygons: [Polygon], households: Int, buildings: Int, largestBuilding: Int, obstacle: Obstacle? = nil) {
        self.code = code
        self.polygons = polygons
        self.households = households
        self.buildings = buildings
        self.largestBuilding = largestBuilding
        self.obstacle = obstacle
    }
}

/// A grid outside the band and why.
/// What a rebalance changed in a community, and why.
public struct RebalanceChange: Codable, Hashable, Sendable {
    /// Published grids kept exactly (polygon, buildings, code).
    public var gridsKept: Int
    /// Grids drawn again (some keep the code of the grid whose households they hold most of).
    public var gridsRedrawn: Int
    /// Households of the published plan now in a grid of another code, of all of them.
    public var householdsMoved: Int
    public var householdsTotal: Int
    /// One line per area drawn again: which grids were out of band, and how far it widened.
    public var reasons: [String]
    /// The planner's limit on the share of households that change grid, when this plan
    /// exceeds it to keep every grid in band.
    public var maxMoved: Double?
    /// Then the other choice: the plan within the limit, with grids left out of band.
    public var alternative: RebalanceAlternative?

    public init(gridsKept: Int, gridsRedrawn: Int, householdsMoved: Int, householdsTotal: Int, reasons: [String]) {
        self.gridsKept = gridsKept
        self.gridsRedrawn = gridsRedrawn
        self.householdsMoved = householdsMoved
        self.householdsTotal = householdsTotal
        self.reasons = reasons
    }
}

/// A rebalance within the planner's limit on households moved, written as a draft of its own.
public struct RebalanceAlternative: Codable, Hashable, Sendable {
    /// The draft, once written.
    public var plan: Int64?
    public var gridsRedrawn: Int
    public var householdsMoved: Int
    public var gridsOutOfBand: Int

    public init(plan: Int64? = nil, gridsRedrawn: Int, householdsMoved: Int, gridsOutOfBand: Int) {
        self.plan = plan
        self.gridsRedrawn = gridsRedrawn
        self.householdsMoved = householdsMoved
        self.gridsOutOfBand = gridsOutOfBand
    }
}

public struct GridException: Codable, Hashable, Sendable {
    public var grid: String
    public var households: Int
    public var reason: String
}

/// The quality of one community's grids: sizes, exceptions, contiguity, coverage,
/// compactness and how much of the grid boundary runs along roads.
public struct CommunityReport: Codable, Sendable {
    public var community: String
    public var grids: Int
    public var households: Int
    public var minHouseholds: Int
    public var meanHouseholds: Double
    public var maxHouseholds: Int
    public var inBand: Int
    /// Whether the community can be divided within the band at all: its total allows it and
    /// no grid has an obstacle.
    public var feasible: Bool
    public var exceptions: [GridException]
    /// Grids that are a single polygon.
    public var contiguous: Int
    /// Community area not covered by any grid, plus grid area outside the community (m²).
    public var gapM2: Double
    /// Area covered by more than one grid (m²).
    public var overlapM2: Double
    public var polsbyPopperMean: Double
    public var polsbyPopperMin: Double
    /// Share of the boundary between grids that lies within 3 m of a road; nil without
    /// roads or with a single grid.
    public var boundaryOnRoads: Double?
    /// From buildings to an assignment of buildings to grids.
    public var assignmentSeconds: Double
    /// The whole division of the community, polygons and report included.
    public var seconds: Double
    /// For a rebalanced community: what changed and why.
    public var change: RebalanceChange?

    public var inBandShare: Double { grids > 0 ? Double(inBand) / Double(grids) : 1 }

    public static func measure(community: String, boundary: [Polygon], grids: [MeasuredGrid], roads: [LineString],
                               band: Band, assignmentSeconds: Double = 0, seconds: Double, geos: GEOSContext) throws(GEOSError) -> CommunityReport {
        let total = grids.reduce(0) { $0 + $1.households }
        let feasible = band.isFeasible(total) && grids.allSatisfy { $0.obstacle == nil }
        var exceptions: [GridException] = []
        for g in grids where !band.contains(g.households) {
            let reason: String
            if g.largestBuilding > band.max {
                reason = "a building with \(g.largestBuilding) households, over \(band.max): a grid of its own"
            } else if !band.isFeasible(total) {
                reason = "the community's \(total) households cannot be divided into grids of \(band.min)–\(band.max)"
            } else if case .stranded(let households) = g.obstacle {
                reason = "\(g.households) households: it holds a building of \(households) households that no contiguous group of buildings brings within \(band.min)–\(band.max) (its neighbours are too large)"
            } else if g.obstacle == .packing {
                reason = "\(g.households) households: no division of its part of the community (between buildings over \(band.max) and the edge) puts every grid within \(band.min)–\(band.max)"
            } else if g.households < band.min {
                reason = "\(g.households) households, under \(band.min)"
            } else {
                reason = "\(g.households) households, over \(band.max)"
            }
            exceptions.append(GridException(grid: g.code, households: g.households, reason: reason))
        }
        let all = grids.flatMap(\.polygons)
        let area = Geometry.multiPolygon(boundary)
        let union = try geos.unaryUnion(all.map(Geometry.polygon))
        let overlap = max(0, all.reduce(0) { $0 + $1.area } - union.area)
        let gap = try geos.difference(area, union).area + geos.difference(union, area).area
        let pp = grids.map { Polygon.polsbyPopper(of: $0.polygons) }

        var onRoads: Double?
        if !roads.isEmpty, grids.count > 1 {
            let edges = try geos.unaryUnion([.multiLineString(all.flatMap(\.boundaryLines))])
            let outer = try geos.buffer(.multiLineString(boundary.flatMap(\.boundaryLines)), distance: 0.5)
            let inner = try geos.difference(edges, outer)
            let length = inner.length
            if length > 0 {
                let near = try geos.buffer(.multiLineString(roads), distance: 3)
                onRoads = try geos.intersection(inner, near).length / length
            }
        }
        let households = grids.map(\.households)
        return CommunityReport(
            community: community, grids: grids.count, households: total,
            minHouseholds: households.min() ?? 0,
            meanHouseholds: grids.isEmpty ? 0 : Double(total) / Double(grids.count),
            maxHouseholds: households.max() ?? 0,
            inBand: grids.filter { band.contains($0.households) }.count, feasible: feasible,
            exceptions: exceptions, contiguous: grids.filter { $0.polygons.count == 1 }.count,
            gapM2: gap, overlapM2: overlap,
            polsbyPopperMean: pp.isEmpty ? 0 : pp.reduce(0, +) / Double(pp.count), polsbyPopperMin: pp.min() ?? 0,
            boundaryOnRoads: onRoads, assignmentSeconds: assignmentSeconds, seconds: seconds)
    }
}

extension Polygon {
    /// Polsby–Popper of a possibly multi-part grid: 4π·area / perimeter².
    static func polsbyPopper(of parts: [Polygon]) -> Double {
        let area = parts.reduce(0) { $0 + $1.area }, perimeter = parts.reduce(0) { $0 + $1.perimeter }
        return perimeter > 0 ? 4 * .pi * area / (perimeter * perimeter) : 0
    }
}

/// The reports of many communities and their total.
public struct PlanReport: Codable, Sendable {
    public var communities: [CommunityReport]
    public var total: CommunityReport?

    public init(communities: [CommunityReport]) {
        self.communities = communities
        guard !communities.isEmpty else { total = nil; return }
        let grids = communities.reduce(0) { $0 + $1.grids }
        let households = communities.reduce(0) { $0 + $1.households }
        let mins = communities.filter { $0.grids > 0 }
        let weightedPP = communities.reduce(0) { $0 + $1.polsbyPopperMean * Double($1.grids) }
        let roadReports = communities.filter { $0.boundaryOnRoads != nil }
        total = CommunityReport(
            community: "total", grids: grids, households: households,
            minHouseholds: mins.map(\.minHouseholds).min() ?? 0,
            meanHouseholds: grids > 0 ? Double(households) / Double(grids) : 0,
            maxHouseholds: communities.map(\.maxHouseholds).max() ?? 0,
            inBand: communities.reduce(0) { $0 + $1.inBand }, feasible: communities.allSatisfy(\.feasible),
            exceptions: communities.flatMap(\.exceptions), contiguous: communities.reduce(0) { $0 + $1.contiguous },
            gapM2: communities.reduce(0) { $0 + $1.gapM2 }, overlapM2: communities.reduce(0) { $0 + $1.overlapM2 },
            polsbyPopperMean: grids > 0 ? weightedPP / Double(grids) : 0,
            polsbyPopperMin: mins.map(\.polsbyPopperMin).min() ?? 0,
            boundaryOnRoads: roadReports.isEmpty ? nil
                : roadReports.reduce(0) { $0 + $1.boundaryOnRoads! * Double($1.grids) } / Double(roadReports.reduce(0) { $0 + $1.grids }),
            assignmentSeconds: communities.reduce(0) { $0 + $1.assignmentSeconds },
            seconds: communities.reduce(0) { $0 + $1.seconds })
    }

    /// A fixed-width table, one line per community and a total line, then the exceptions.
    public var text: String {
        var lines = ["community        grids  households   min  mean   max  in band  contiguous  gap m²  overlap m²  PP mean  PP min  on roads  seconds"]
        for r in communities + (total.map { [$0] } ?? []) {
            let roads = r.boundaryOnRoads.map { String(format: "%7.1f%%", $0 * 100) } ?? "      –"
            lines.append(String(format: "%-15@ %6d %11d %5d %5.0f %5d %7.1f%% %6d/%-5d %7.2f %11.2f %8.3f %7.3f  %@ %8.2f",
                                r.community as NSString, r.grids, r.households, r.minHouseholds, r.meanHouseholds, r.maxHouseholds,
                                r.inBandShare * 100, r.contiguous, r.grids, r.gapM2, r.overlapM2, r.polsbyPopperMean,
                                r.polsbyPopperMin, roads as NSString, r.seconds))
        }
        for r in communities {
            if !r.feasible { lines.append("\(r.community): \(r.households) households cannot all fall in the band, however divided") }
            for e in r.exceptions { lines.append("exception \(e.grid): \(e.reason)") }
            if let c = r.change {
                let share = c.householdsTotal > 0 ? Double(c.householdsMoved) / Double(c.householdsTotal) * 100 : 0
                lines.append("\(r.community): rebalanced: \(c.gridsKept) grids kept, \(c.gridsRedrawn) drawn again; \(c.householdsMoved) of \(c.householdsTotal) households change grid (\(String(format: "%.1f", share))%)")
                for reason in c.reasons { lines.append("  \(reason)") }
                if let limit = c.maxMoved, let a = c.alternative {
                    let altShare = c.householdsTotal > 0 ? Double(a.householdsMoved) / Double(c.householdsTotal) * 100 : 0
                    lines.append("  over the limit of \(String(format: "%.1f", limit * 100))% moved: the newest draft moves more to keep every grid in band where it can; "
                                 + "draft \(a.plan.map(String.init) ?? "–") keeps within it: \(a.householdsMoved) households change grid (\(String(format: "%.1f", altShare))%), "
                                 + "\(a.gridsOutOfBand) grid(s) out of band (publishing it needs --override)")
                }
            }
        }
        return lines.joined(separator: "\n")
    }
}
