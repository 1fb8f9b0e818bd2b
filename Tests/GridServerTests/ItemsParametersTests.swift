import GridGeometry
@testable import GridServer
import GridStore
import GridTiles
import Testing

struct ItemsParametersTests {
    @Test func datetimes() throws {
        let t = 1_795_420_800.0  // 2026-11-23T08:00:00Z
        #expect(try ItemsParameters.interval("2026-11-23T08:00:00Z") == (t, t))
        #expect(try ItemsParameters.interval("2026-11-23T16:00:00+08:00") == (t, t))
        #expect(try ItemsParameters.interval("2026-11-23T08:00:00.500Z") == (t + 0.5, t + 0.5))
        #expect(try ItemsParameters.interval("../2026-11-23T08:00:00Z") == (nil, t))
        #expect(try ItemsParameters.interval("2026-11-23T08:00:00Z/") == (t, nil))
        #expect(try ItemsParameters.interval("2026-11-23") == (t - 8 * 3600, t + 16 * 3600 - 0.001))  // the whole UTC day
        for bad in ["../..", "2026-11-24T00:00:00Z/2026-11-23T00:00:00Z", "yesterday", "a/b/c"] {
            #expect(throws: Problem.self) { try ItemsParameters.interval(bad) }
        }
    }

    @Test func bboxWithHeightsAndFilters() throws {
        #expect(try ItemsParameters.boxes("120.1,31.1,0,120.2,31.2,100") == [BoundingBox(minX: 120.1, minY: 31.1, maxX: 120.2, maxY: 31.2)])
        // Across the antimeridian (OGC API – Features 7.15.3): two boxes, west and east of it.
        #expect(try ItemsParameters.boxes("170,-10,-170,10") == [BoundingBox(minX: 170, minY: -10, maxX: 180, maxY: 10),
                                                                BoundingBox(minX: -180, minY: -10, maxX: -170, maxY: 10)])
        #expect(throws: Problem.self) { try ItemsParameters.boxes("170,10,-170,-10") }  // south above north
        let q = try ItemsParameters.parse(try #require(FeatureLayer.standard.named("grids")), [("households_min", "400"), ("community", "320599001001"), ("plan", "7"), ("limit", "10")])
        #expect(q.ranges.count == 1 && q.ranges[0].property == "households" && q.ranges[0].min == 400)
        #expect(q.equals.count == 1 && q.equals[0].value == "320599001001" && q.plan == 7 && q.limit == 10)
        #expect(ItemsParameters.names(try #require(FeatureLayer.standard.named("grids"))).filter { $0 == "plan" }.count == 1)
        #expect(throws: Problem.self) { try ItemsParameters.parse(try #require(FeatureLayer.standard.named("grids")), [("limit", "5"), ("limit", "6")]) }
        #expect(throws: Problem.self) { try ItemsParameters.parse(try #require(FeatureLayer.standard.named("grids")), [("after", "a"), ("before", "b")]) }
        #expect(throws: Problem.self) { try ItemsParameters.parse(try #require(FeatureLayer.standard.named("buildings")), [("after", "x")]) }  // ids are numbers there
    }
}
