import CivicGridModel
import Foundation
import GridGeometry
import GridImport
import GridPlanning
import GridStore
import Testing

/// Growth without a fresh division: new buildings holding about 10% more households in each
/// community of the demo, then `partition --rebalance`: every grid in band where the
/// community's total allows it, and at least 85% of the households keep their grid (before
/// areas could widen: 9 grids out of band, 87.9% kept; widening with codes in reading order:
/// 0 and 80.2%; with each redrawn grid keeping the code of the grid it holds most of: 0 and
/// 92.1%).
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

    @Test func tenPercentGrowthEndsInBandWithMostHouseholdsInPlace() throws {
        let store = try demoStore()
        let planner = Planner(store: store)
        _ = try planner.partition(PartitionOptions())
        _ = try planner.publishNewestDrafts(override: nil, actor: "test")
        let added = try Self.grow(store, share: 0.10)
        #expect(added > 5000)
        var options = PartitionOptions()
        options.rebalance = true
        let outcome = try planner.partition(options)
        var outOfBand: [String] = [], kept = 0, total = 0, feasiblePlans: [Int64] = []
        try store.read { r in
            for plan in outcome.plans {
                let p = try #require(try r.plan(id: plan))
                let feasible = Band().isFeasible(try r.buildings(community: p.community).reduce(0) { $0 + $1.households })
                let households = Dictionary(uniqueKeysWithValues: try r.buildings(community: p.community).map { ($0.id!, $0.households) })
                func codes(_ id: Int64) throws -> [Int64: String] {
                    let grids = Dictionary(uniqueKeysWithValues: try r.grids(plan: id).map { ($0.id!, $0.code) })
                    return try r.gridOfBuildings(plan: id).compactMapValues { grids[$0] }
                }
                let before = try codes(p.basedOn!), after = try codes(plan)
                for (building, code) in before {
                    total += households[building] ?? 0
                    if after[building] == code { kept += households[building] ?? 0 }
                }
                if feasible { feasiblePlans.append(plan) }
            }
        }
        for plan in feasiblePlans {
            outOfBand += try planner.validate(plan: plan).faults.filter { $0.kind == "out_of_band" }.map(\.detail)
        }
        #expect(outOfBand.isEmpty, "\(outOfBand)")
        let share = Double(kept) / Double(total)
        print("rebalance after \(added) new households: \(outOfBand.count) grids out of band where feasible, \(String(format: "%.1f", share * 100))% of households kept in place")
        #expect(share >= 0.85)  // 92.1% on the demo
    }
}
