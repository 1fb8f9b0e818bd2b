import CivicGridModel
import Foundation
import GRDB
import GridGeometry
import GridSchema
@testable import GridStore
import GridTestSupport
import GridTiles
import GridTracking
import Testing

private func temporaryDatabase() -> String { TestDatabase.make("civicgrid") }

/// The feature queries behind the OGC API, at the store: bbox exactness, keyset paging,
/// filters, the plan condition, positions and personal data.
struct FeatureQueryTests {
    static func layer(_ name: String) throws -> FeatureLayer { try #require(FeatureLayer.standard.named(name)) }

    /// Five communities in a row (0.01° squares from 120.0 east) and a diagonal road.
    func makeStore() throws -> GridStore {
        let store = try GridStore(path: temporaryDatabase())
        _ = try store.write { w in
            try w.save(squareRegion("1", level: .district, parent: nil, x: 120, y: 31, size: 0.05))
            try w.save(squareRegion("101", level: .street, parent: "1", x: 120, y: 31, size: 0.05))
            for i in 0..<5 {
                try w.save(squareRegion("10100\(i)", level: .community, parent: "101", x: 120 + Double(i) * 0.01, y: 31, size: 0.01))
            }
            // From the south-west corner of a box to beyond its north-east: its envelope covers
            // the box's corner (120.04, 31.0–31.001), the line itself does not.
            try w.insert(Road(name: "斜路", kind: "primary", geometry: .multiLineString([LineString(unchecked: [
                Coordinate(120.0, 31.0), Coordinate(120.05, 31.05),
            ])])))
        }
        return store
    }

    @Test func bboxIsExactNotTheEnvelope() throws {
        let store = try makeStore()
        var query = FeatureQuery()
        // Inside the road's envelope, away from the line (y = x - 89 here): no road.
        query.boxes = [BoundingBox(minX: 120.04, minY: 31.0, maxX: 120.045, maxY: 31.001)]
        let roads = try store.read { try $0.features(try Self.layer("roads"), query) }
        #expect(roads.numberMatched == 0 && roads.features.isEmpty)
        // Touching the line: the road.
        query.boxes = [BoundingBox(minX: 120.024, minY: 31.024, maxX: 120.026, maxY: 31.026)]
        #expect(try store.read { try $0.features(try Self.layer("roads"), query) }.numberMatched == 1)
        // Communities: a box inside community 2 meets only it; a box over the edge of 2 and 3, both.
        query.boxes = [BoundingBox(minX: 120.021, minY: 31.001, maxX: 120.022, maxY: 31.002)]
        #expect(try store.read { try $0.features(try Self.layer("communities"), query) }.numberMatched == 1)
        query.boxes = [BoundingBox(minX: 120.029, minY: 31.001, maxX: 120.031, maxY: 31.002)]
        let two = try store.read { try $0.features(try Self.layer("communities"), query) }
        #expect(two.numberMatched == 2 && two.features.count == 2)
    }

    @Test func keysetPagesGiveEachFeatureOnce() throws {
        let store = try makeStore()
        let communities = try Self.layer("communities")
        var query = FeatureQuery()
        query.limit = 2
        var seen: [String] = []
        var pages = 0
        var page = try store.read { try $0.features(communities, query) }
        while true {
            pages += 1
            seen += try page.features.map { try Self.id($0) }
            #expect(page.numberMatched == 5)
            guard let next = page.next else { break }
            query.after = next
            page = try store.read { try $0.features(communities, query) }
        }
        #expect(seen == (0..<5).map { "10100\($0)" } && pages == 3)
        // Back from the last page: the two before it.
        query.after = nil
        query.before = "101004"
        let back = try store.read { try $0.features(communities, query) }
        #expect(try back.features.map(Self.id) == ["101002", "101003"] && back.previous == "101002" && back.next == "101003")
    }

    @Test func filtersOnPropertiesAndRanges() throws {
        let store = try makeStore()
        var query = FeatureQuery()
        query.equals = [("parent", "101")]
        #expect(try store.read { try $0.features(try Self.layer("communities"), query) }.numberMatched == 5)
        query.equals = [("code", "101003")]
        #expect(try store.read { try $0.features(try Self.layer("communities"), query) }.numberMatched == 1)
        _ = try store.write { w in
            let plan = try w.insertPlan(community: "101000", status: .draft, basedOn: nil, author: "t", params: #"{"min":350,"max":500}"#)
            for (code, households) in [("101000001", 300), ("101000002", 420), ("101000003", 600)] {
                try w.insert(Grid(plan: plan, code: code, name: nil, geometry: squareRegion("x", level: .community, parent: nil, x: 120, y: 31, size: 0.01).geometry.polygons.first.map(Geometry.polygon)!,
                                  households: households, buildings: 1, areaM2: 1000), buildings: [])
            }
        }
        let grids = try Self.layer("grids")
        var byPlan = FeatureQuery()
        #expect(try store.read { try $0.features(grids, byPlan) }.numberMatched == 0)  // none published
        byPlan.plan = 1
        byPlan.ranges = [("households", 350, 500)]
        let inBand = try store.read { try $0.features(grids, byPlan) }
        #expect(try inBand.features.map(Self.id) == ["101000002"])
        byPlan.ranges = []
        byPlan.equals = [("band", "over")]
        #expect(try store.read { try $0.features(grids, byPlan) }.features.map(Self.id) == ["101000003"])
    }

    @Test func positionsAreTheLatestPlausibleFixAndNoPersonalField() throws {
        let store = try makeStore()
        // Written as the ingestor does, with a member whose name and phone are in the tables.
        try store.write { w in
            try w.db.execute(sql: "INSERT INTO members (id, name, phone) VALUES (100, '李娜', '13900000000')")
            try w.db.execute(sql: "INSERT INTO devices (id, member, token_hash, created_at) VALUES ('phone-1', 100, 'x', '2026-11-23T00:00:00Z')")
            _ = try w.insert([(1_795_420_800.0, 120.002, 0), (1_795_421_400.0, 120.007, 0), (1_795_422_000.0, 0.0, 1)].map { t, lon, flags in
                Ping(device: "phone-1", time: t, lon: lon, lat: 31.005, receivedAt: t, community: "101000", flags: flags)
            })
        }
        let positions = try Self.layer("positions")
        let page = try store.read { try $0.features(positions, FeatureQuery()) }
        #expect(page.numberMatched == 1)
        let text = String(decoding: page.features[0], as: UTF8.self)
        #expect(text.contains("120.007") && !text.contains("李娜") && !text.contains("13900000000"))
        var before = FeatureQuery()
        before.time = (nil, 1_795_421_000)
        #expect(String(decoding: try store.read { try $0.features(positions, before) }.features[0], as: UTF8.self).contains("120.002"))
        #expect(try store.read { try $0.extent(positions) }?.time.map { [$0.0, $0.1] } == [1_795_420_800, 1_795_421_400])
    }

    static func id(_ feature: [UInt8]) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(feature)) as? [String: Any])
        return try #require(object["id"] as? String)
    }
}
