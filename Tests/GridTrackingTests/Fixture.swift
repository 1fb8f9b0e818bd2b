import CivicGridModel
import Foundation
import GridGeometry
import GridSchema
import GridStore
import GridTestSupport
@testable import GridTracking

/// A district with two communities side by side (0.01° squares at 120.70 and 120.71, 31.30):
/// the west one has a published plan of two grids (west "G1", east "G2", meeting at
/// lon 120.705) and one building in each; the east one has no plan.
func makeStore() throws -> GridStore {
    let path = TestDatabase.make("trk")
    let store = try GridStore(path: path)
    try store.write { w in
        try w.save(Region(code: "D", name: "District", level: .district, parent: nil, geometry: .multiPolygon([box(120.7, 31.3, 120.72, 31.31)])))
        try w.save(Region(code: "S", name: "Street", level: .street, parent: "D", geometry: .multiPolygon([box(120.7, 31.3, 120.72, 31.31)])))
        try w.save(Region(code: "C1", name: "West", level: .community, parent: "S", geometry: .multiPolygon([box(120.7, 31.3, 120.71, 31.31)])))
        try w.save(Region(code: "C2", name: "East", level: .community, parent: "S", geometry: .multiPolygon([box(120.71, 31.3, 120.72, 31.31)])))
        let west = try w.insert(Building(ref: "b1", address: nil, floors: 6, households: 400, householdSource: .declared, areaM2: 900,
                                         community: "C1", label: Coordinate(120.7025, 31.305), geometry: .multiPolygon([box(120.7024, 31.3049, 120.7026, 31.3051)])))
        let east = try w.insert(Building(ref: "b2", address: nil, floors: 6, households: 400, householdSource: .declared, areaM2: 900,
                                         community: "C1", label: Coordinate(120.7075, 31.305), geometry: .multiPolygon([box(120.7074, 31.3049, 120.7076, 31.3051)])))
        let plan = try w.insertPlan(community: "C1", status: .draft, basedOn: nil, author: "test", params: nil)
        try w.insert(Grid(plan: plan, code: "G1", name: nil, geometry: .polygon(box(120.7, 31.3, 120.705, 31.31)), households: 400, buildings: 1, areaM2: 1), buildings: [west])
        try w.insert(Grid(plan: plan, code: "G2", name: nil, geometry: .polygon(box(120.705, 31.3, 120.71, 31.31)), households: 400, buildings: 1, areaM2: 1), buildings: [east])
        try w.publish(plan: plan)
    }
    return store
}

func box(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> Polygon {
    Polygon(exterior: LinearRing(unchecked: [Coordinate(x0, y0), Coordinate(x1, y0), Coordinate(x1, y1), Coordinate(x0, y1), Coordinate(x0, y0)]))
}

/// Registers a device to a member with grids.
func addDevice(_ store: GridStore, _ id: String, member: String = "Li", grids: [String] = ["G1"], crs: CoordinateSystem = .wgs84) throws -> Device {
    try store.write { try $0.add(Device(id: id, memberName: member, grids: grids, tokenHash: DeviceToken.hash("token-\(id)"), crs: crs)) }
}

/// Runs an ingestor for the duration of `body`, then drains it.
func withIngestor<T>(_ store: GridStore, dwell: Double = 120, _ body: (PingIngestor) async throws -> T) async throws -> T {
    var settings = IngestSettings()
    settings.dwell = dwell
    let ingestor = PingIngestor(store: store, settings: settings)
    let writer = Task { await ingestor.run() }
    do {
        let result = try await body(ingestor)
        ingestor.close()
        await writer.value
        return result
    } catch {
        ingestor.close()
        await writer.value
        throw error
    }
}
