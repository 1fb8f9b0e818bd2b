import CivicGridModel
import Foundation
import GridGeometry
import GridImport
import GridPlanning
import GridStore
import Testing

/// Growth and demolition without a fresh division: new buildings holding 5%, 10% or 20% more
/// households in each community of the demo (or 10% demolished in one patch), then
/// `partition --rebalance`. On 2026-11-30: 0 grids out of band where the community's total
/// allows in every case (a fresh division: 0 too); households kept in their grid 93.2%,
/// 92.8%, 87.2% after growth and 86.9% after demolition (a fresh division, its grids matched
/// to the old ones by greatest shared households: 82.2%, 81.2%, 76.2%, 68.9%). Before areas
/// could widen, 10% growth left 9 grids out of band (87.9% kept).
struct RebalanceTests {
    /// New buildings near existing ones, inside their community: per community, `share` of its
    /// households in buildings of at most 120 households.
    static func grow(_ store: GridStore, share: Double) throws -> Int {
        let communities = try store.read { try $0.regions(level: .community) }
        var features: [String] = []
        var added = 0
        for c in communities {
            let buildings = try store.read { try $0.buildings(community: c.code) }.filter { $0.households > 20 }
            var wanted = Int(Double(buildings.reduce(0) { $0 + $1.households }) * share)
            for (i, b) in buildings.enumerated() where wanted > 0 && i % 3 == 0 {
                let d = 0.00004, x = b.label.x + 0.00012, y = b.label.y + 0.00012
                guard c.geometry.polygons.contains(where: { $0.contains(Coordinate(x + d / 2, y + d / 2)) }) else { continue }
                let households = min(120, wanted)
                wanted -= households
                added += households
                features.append(#"{"type":"Feature","properties":{"ref":"NEW-\#(c.code)-\#(i)","households":\#(households)},"geometry":{"type":"Polygon","coordinates":[[[\#(x),\#(y)],[\#(x + d),\#(y)],[\#(x + d),\#(y + d)],[\#(x),\#(y + d)],[\#(x),\#(y)]]]}}"#)
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("growth-\(UUID().uuidString).geojson")
        try Data(#"{"type":"FeatureCollection","features":[\#(features.joined(separator: ","))]}"#.utf8).write(to: file)
        _ = try Importer(store: store).run(.buildings, path: file.path)
        return added
    }

    /// Households kept in place by a plan against the plan it grew from: those whose
    /// building is in the grid of the same code, or (`matchByHouseholds`, for a fresh division
    /// whose codes mean nothing) in the grid matched to their old one by greatest shared
    /// households.
    static func kept(_ r: StoreReader, plan: Int64, from old: Int64, matchByHouseholds: Bool) throws -> (kept: Int, total: Int) {
        let p = try #require(try r.plan(id: plan))
        let households = Dictionary(uniqueKeysWithValues: try r.buildings(community: p.community).map { ($0.id!, $0.households) })
        let before = try r.gridOfBuildings(plan: old), after = try r.gridOfBuildings(plan: plan)
        var identity: [Int64: Int64] = [:]  // old grid → new grid
        if matchByHouseholds {
            var shared: [[Int64]: Int] = [:]
            for (b, g) in before { if let n = after[b] { shared[[g, n], default: 0] += households[b] ?? 0 } }
            var used = Set<Int64>()
            for (pair, _) in shared.sorted(by: { ($0.value, $1.key[0], $1.key[1]) > ($1.value, $0.key[0], $0.key[1]) })
            where identity[pair[0]] == nil && !used.contains(pair[1]) {
                identity[pair[0]] = pair[1]
                used.insert(pair[1])
            }
        } else {
            let newByCode = Dictionary(uniqueKeysWithValues: try r.grids(plan: plan).map { ($0.code, $0.id!) })
            for g in try r.grids(plan: old) { identity[g.id!] = newByCode[g.code] }
        }
        var kept = 0, total = 0
        for (b, g) in before {
            total += households[b] ?? 0
            if let n = identity[g], after[b] == n { kept += households[b] ?? 0 }
        }
        return (kept, total)
    }

    /// Rebalanced, every grid in band where the community's total allows, never worse than a
    /// fresh division; more households kept in place than a fresh division keeps, and at
    /// least 85% up to 10% growth.
    @Test(arguments: [0.05, 0.10, 0.20])
    func growthRebalancedAgainstAFreshDivision(share: Double) throws {
        try rebalanceAgainstAFreshDivision(minimumKept: share <= 0.10 ? 0.85 : nil) { store in
            "growth \(Int(share * 100))% (+\(try Self.grow(store, share: share)) households)"
        }
    }

    /// Demolitions: a redeveloped patch in each community (buildings nearest one building,
    /// `share` of its households), removed with `civicgrid buildings remove`'s store call.
    static func demolish(_ store: GridStore, share: Double) throws -> Int {
        var refs: [String] = [], removed = 0
        for c in try store.read({ try $0.regions(level: .community) }) {
            let buildings = try store.read { try $0.buildings(community: c.code) }
            guard let centre = buildings.first?.label else { continue }
            var wanted = Int(Double(buildings.reduce(0) { $0 + $1.households }) * share)
            for b in buildings.sorted(by: { ($0.label.distance(to: centre), $0.id!) < ($1.label.distance(to: centre), $1.id!) }) where wanted > 0 {
                wanted -= b.households
                removed += b.households
                refs.append(b.ref!)
            }
        }
        let count = try store.write { try $0.removeBuildings(refs: refs) }
        #expect(count == refs.count)
        return removed
    }

    /// 10% of households demolished in one patch per community: as for growth, in band where
    /// feasible, more kept than a fresh division, at least 85%.
    @Test func demolitionRebalancedAgainstAFreshDivision() throws {
        try rebalanceAgainstAFreshDivision(minimumKept: 0.85) { store in
            "demolition 10% (−\(try Self.demolish(store, share: 0.10)) households)"
        }
    }

    /// A planner's limit on households moved: where the rebalance in band moves more than 2%,
    /// a second draft stays within 2% (leaving grids out of band), the report offers both, and
    /// the newest draft is still the one in band.
    @Test func maxMovedOffersBothChoices() throws {
        let store = try demoStore()
        let planner = Planner(store: store)
        _ = try planner.partition(PartitionOptions())
        _ = try planner.publishNewestDrafts(override: nil, actor: "test")
        _ = try Self.grow(store, share: 0.10)
        var options = PartitionOptions()
        options.rebalance = true
        options.maxMoved = 0.02
        let outcome = try planner.partition(options)
        var offered = 0
        for (plan, report) in zip(outcome.plans, outcome.report.communities) {
            let change = try #require(report.change)
            let overLimit = Double(change.householdsMoved) > 0.02 * Double(change.householdsTotal)
            #expect((change.alternative != nil) == overLimit && (change.maxMoved != nil) == overLimit)
            guard let alternative = change.alternative else { continue }
            offered += 1
            let altPlan = try #require(alternative.plan)
            try store.read { r in
                let basedOn = try #require(try r.plan(id: plan)?.basedOn)
                #expect(try r.plan(id: altPlan)?.basedOn == basedOn)
                #expect(try r.plans(community: report.community).first { $0.status == .draft }?.id == plan, "the newest draft is the one in band")
                let k = try Self.kept(r, plan: altPlan, from: basedOn, matchByHouseholds: false)
                #expect(k.total - k.kept == alternative.householdsMoved)
                #expect(Double(alternative.householdsMoved) <= 0.02 * Double(k.total))
            }
            let faults = try planner.validate(plan: altPlan).faults.filter { $0.kind == "out_of_band" }
            #expect(faults.count == alternative.gridsOutOfBand && alternative.gridsOutOfBand > 0)
            #expect(outcome.report.text.contains("draft \(altPlan) keeps within it: \(alternative.householdsMoved) households change grid"))
        }
        #expect(offered > 0, "10% growth needs more than 2% moved somewhere")
    }

    /// Publishes a fresh division of the demo, changes the buildings, rebalances and divides
    /// afresh, and compares the two.
    func rebalanceAgainstAFreshDivision(minimumKept: Double?, change: (GridStore) throws -> String) throws {
        let store = try demoStore()
        let planner = Planner(store: store)
        _ = try planner.partition(PartitionOptions())
        _ = try planner.publishNewestDrafts(override: nil, actor: "test")
        let label = try change(store)
        var options = PartitionOptions()
        options.rebalance = true
        let outcome = try planner.partition(options)
        let rebalanced = outcome.plans
        let fresh = try planner.partition(PartitionOptions()).plans
        var outOfBand = 0, freshOutOfBand = 0, feasiblePlans: [(Int64, Int64)] = []
        var keptRebalanced = (kept: 0, total: 0), keptFresh = (kept: 0, total: 0)
        try store.read { r in
            for (plan, freshPlan) in zip(rebalanced, fresh) {
                let p = try #require(try r.plan(id: plan))
                let a = try Self.kept(r, plan: plan, from: p.basedOn!, matchByHouseholds: false)
                let b = try Self.kept(r, plan: freshPlan, from: p.basedOn!, matchByHouseholds: true)
                keptRebalanced = (keptRebalanced.kept + a.kept, keptRebalanced.total + a.total)
                keptFresh = (keptFresh.kept + b.kept, keptFresh.total + b.total)
                if Band().isFeasible(try r.buildings(community: p.community).reduce(0) { $0 + $1.households }) { feasiblePlans.append((plan, freshPlan)) }
            }
        }
        var faults: [String] = []
        for (plan, freshPlan) in feasiblePlans {
            let found = try planner.validate(plan: plan).faults.filter { $0.kind == "out_of_band" }
            outOfBand += found.count
            faults += found.map(\.detail)
            freshOutOfBand += try planner.validate(plan: freshPlan).faults.filter { $0.kind == "out_of_band" }.count
        }
        let rebalancedShare = Double(keptRebalanced.kept) / Double(keptRebalanced.total)
        let freshShare = Double(keptFresh.kept) / Double(keptFresh.total)
        print("\(label): rebalance \(outOfBand) out of band where feasible, \(String(format: "%.1f", rebalancedShare * 100))% kept; fresh division \(freshOutOfBand) out of band, \(String(format: "%.1f", freshShare * 100))% kept")
        #expect(outOfBand == 0 && outOfBand <= freshOutOfBand, "\(faults)")
        #expect(rebalancedShare > freshShare)
        // The report says the same, per community, with a reason for each area drawn again.
        let changes = outcome.report.communities.compactMap(\.change)
        #expect(changes.count == rebalanced.count)
        let moved = changes.reduce(0) { $0 + $1.householdsMoved }, total = changes.reduce(0) { $0 + $1.householdsTotal }
        #expect(total == keptRebalanced.total && total - moved == keptRebalanced.kept)
        #expect(changes.allSatisfy { ($0.gridsRedrawn == 0) == $0.reasons.isEmpty })
        #expect(outcome.report.text.contains("rebalanced: "))
        if let minimumKept { #expect(rebalancedShare >= minimumKept) }
    }
}
