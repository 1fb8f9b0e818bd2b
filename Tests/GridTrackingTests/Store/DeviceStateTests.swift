import CivicGridModel
import Foundation
import GridSchema
@testable import GridStore
import GridTestSupport
import GridTracking
import Testing

struct DeviceStateTests {
    /// A state saved is read back whole (a crossing being dwelt on included) and replaced by
    /// the next save; migration v22 fills each device's state from its pings and events: the
    /// newest unflagged fix, the side of its newest event.
    @Test func savedReadBackAndFilledFromHistory() throws {
        let store = try GridStore(path: TestDatabase.make("civicgrid"))
        let device = try store.write { try $0.add(Device(id: "p1", memberName: "Li", grids: ["G1"], tokenHash: "h")) }
        try store.write { try $0.add(Device(id: "p2", memberName: "Wang", grids: [], tokenHash: "h2")) }
        var state = DeviceState(plausible: .init(time: 100, lon: 120.7, lat: 31.3), grid: nil,
                                fence: Geofence(inside: true, lastGrid: "G1", pending: .init(inside: false, since: 90, grid: nil, lon: 120.71, lat: 31.3)))
        try store.write { try $0.save(["p1": state]) }
        #expect(try store.read { try $0.deviceStates(["p1", "p2", "p3"]) } == ["p1": state])
        state.fence.pending = nil
        state.plausible?.time = 130
        try store.write { try $0.save(["p1": state]) }
        #expect(try store.read { try $0.deviceStates(["p1"]) } == ["p1": state])

        try store.write { w in
            _ = try w.insert([Ping(device: "p1", time: 10, lon: 120.70, lat: 31.30, receivedAt: 10),
                              Ping(device: "p1", time: 20, lon: 120.71, lat: 31.31, receivedAt: 20),
                              Ping(device: "p1", time: 30, lon: 130.0, lat: 31.31, receivedAt: 30, flags: 4)])
            try w.insert([GeofenceEvent(device: "p1", member: device.member, kind: .left, time: 15, confirmedAt: 20, grid: "G1", lon: 120.71, lat: 31.31)])
            try w.db.execute(sql: "DELETE FROM device_states")
            try w.db.execute(sql: TrackingSchema.fillDeviceStates)
        }
        let filled = try store.read { try $0.deviceStates(["p1", "p2"]) }
        #expect(filled["p1"] == DeviceState(plausible: .init(time: 20, lon: 120.71, lat: 31.31), grid: nil, fence: Geofence(inside: false)))
        #expect(filled["p2"] == DeviceState())
    }
}
