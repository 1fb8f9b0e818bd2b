import CivicGridModel
import Foundation
import GridGeometry
import GridSchema
import GridServer
import GridStore
import GridTestSupport
import GridTracking

/// A small store: one district, street and community (a 0.01° square at 120.7, 31.3), two
/// buildings with household records (one with personal fields), a road, and a published
/// plan of two grids splitting the community west and east.
func makeTestStore() throws -> GridStore {
    let path = TestDatabase.make("srv")
    let store = try GridStore(path: path)
    func box(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Polygon {
        Polygon(exterior: LinearRing(unchecked: [Coordinate(x0, y0), Coordinate(x1, y0), Coordinate(x1, y1), Coordinate(x0, y1), Coordinate(x0, y0)]))
    }
    let square = Geometry.multiPolygon([box(120.7, 31.3, 120.71, 31.31)])
    try store.write { w in
        try w.save(Region(code: "320599", name: "青禾区", level: .district, parent: nil, geometry: square))
        try w.save(Region(code: "320599001", name: "枫桥街道", level: .street, parent: "320599", geometry: square))
        try w.save(Region(code: "320599001001", name: "三香社区", level: .community, parent: "320599001", geometry: square))
        let west = try w.insert(Building(ref: "b1", address: "梅巷12幢", floors: 6, households: 420, householdSource: .declared, areaM2: 900,
                                         community: "320599001001", label: Coordinate(120.7025, 31.305),
                                         geometry: .multiPolygon([box(120.702, 31.3045, 120.703, 31.3055)])))
        let east = try w.insert(Building(ref: "b2", address: nil, floors: 18, households: 510, householdSource: .declared, areaM2: 1200,
                                         community: "320599001001", label: Coordinate(120.7075, 31.305),
                                         geometry: .multiPolygon([box(120.707, 31.3045, 120.708, 31.3055)])))
        try w.insert(Household(building: west, unit: "1-101", size: 3, headName: "张伟", phone: "13800000000"))
        try w.insert(Road(name: "黄河路", kind: "primary", geometry: .multiLineString([LineString(unchecked: [Coordinate(120.705, 31.299), Coordinate(120.705, 31.311)])])))
        let plan = try w.insertPlan(community: "320599001001", status: .draft, basedOn: nil, author: "test", params: nil)
        try w.insert(Grid(plan: plan, code: "320599001001001", name: nil, geometry: .polygon(box(120.7, 31.3, 120.705, 31.31)),
                          households: 420, buildings: 1, areaM2: 530_000), buildings: [west])
        try w.insert(Grid(plan: plan, code: "320599001001002", name: nil, geometry: .polygon(box(120.705, 31.3, 120.71, 31.31)),
                          households: 510, buildings: 1, areaM2: 530_000), buildings: [east])
        try w.publish(plan: plan)
        try w.addToken(account: try w.addAccount(name: "root", role: .admin, region: nil), tokenHash: DeviceToken.hash("t-admin"))
    }
    return store
}

/// Every layer public: for tests of what the layers hold rather than who may read them.
let openLayers = ServerConfiguration(publicLayers: ["districts", "streets", "communities", "grids", "buildings", "roads"], trustedProxies: ["*"])
