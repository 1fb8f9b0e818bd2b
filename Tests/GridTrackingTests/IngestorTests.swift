import CivicGridModel
import Foundation
import GridGeometry
import GridSchema
import GridStore
import GridTestSupport
import Testing
@testable import GridTracking
import GridWire

@Suite struct IngestorTests {
    let now = Date().timeIntervalSince1970.rounded(.down)

    @Test func assignsGridsAtBoundariesAndCommunitiesWithoutPlans() async throws {
        let store = try makeStore()
        let device = try addDevice(store, "p1")
        let fixes = [
            Fix(time: now - 5000, lon: 120.7025, lat: 31.305),  // G1
            Fix(time: now - 4000, lon: 120.705, lat: 31.305),  // on the G1|G2 edge: the first grid by code
            Fix(time: now - 3000, lon: 120.705_000_1, lat: 31.305),  // just east: G2, although the last grid was G1 (fast path missed)
            Fix(time: now - 2000, lon: 120.715, lat: 31.305),  // community C2, no plan
            Fix(time: now - 1000, lon: 120.73, lat: 31.305),  // outside everything
            Fix(time: now, lon: 120.7075, lat: 31.305),  // back to G2
        ]
        let outcomes = try await withIngestor(store) { try await $0.submit(fixes, device: device) }
        #expect(outcomes == Array(repeating: .stored([]), count: 6))
        let rows = try store.read { try $0.track(device: "p1", from: 0, to: now + 1) }
        let codes = try store.read { r in try r.publishedGrids().reduce(into: [Int64: String]()) { $0[$1.grid.id!] = $1.grid.code } }
        #expect(rows.map { $0.grid.flatMap { codes[$0] } } == ["G1", "G1", "G2", nil, nil, "G2"])
        #expect(rows.map(\.community) == ["C1", "C1", "C1", "C2", nil, "C1"])
    }

    /// Publishing a plan (as plans publish does: one write that records the change) reaches
    /// the next fix's assignment without a restart.
    @Test func assignmentFollowsANewlyPublishedPlan() async throws {
        let store = try makeStore()
        let device = try addDevice(store, "p1")
        let (before, after) = try await withIngestor(store) { ingestor in
            _ = try await ingestor.submit([Fix(time: now - 10, lon: 120.7075, lat: 31.305)], device: device)
            let merged = try store.write { w -> Int64 in
                let plan = try w.insertPlan(community: "C1", status: .draft, basedOn: nil, author: "test", params: nil)
                let id = try w.insert(Grid(plan: plan, code: "G3", name: nil, geometry: .polygon(box(120.7, 31.3, 120.71, 31.31)),
                                           households: 800, buildings: 2, areaM2: 1), buildings: [1, 2])
                try w.publish(plan: plan)
                return id
            }
            _ = try await ingestor.submit([Fix(time: now, lon: 120.7075, lat: 31.305)], device: device)
            return (try store.read { try $0.track(device: "p1", from: 0, to: now + 1) }.map(\.grid), merged)
        }
        #expect(before.count == 2 && before[0] != nil && before[1] == after)
    }

    @Test func duplicatesAreStoredOnceAndConcurrentRequestsAllLand() async throws {
        let store = try makeStore()
        let device = try addDevice(store, "p1")
        let fix = Fix(time: now, lon: 120.7025, lat: 31.305)
        let (first, again, both) = try await withIngestor(store) { ingestor in
            (try await ingestor.submit([fix], device: device), try await ingestor.submit([fix], device: device),
             try await ingestor.submit([fix, Fix(time: now + 1, lon: 120.7025, lat: 31.305), Fix(time: now + 1, lon: 120.7025, lat: 31.305)], device: device))
        }
        #expect(first == [.stored([])] && again == [.duplicate] && both == [.duplicate, .stored([]), .duplicate])
        #expect(try store.read { try $0.pingCount() } == 2)

        // 200 requests at once from 20 devices: every fix stored exactly once.
        let devices = try (0..<20).map { try addDevice(store, "d\($0)", grids: []) }
        let results = try await withIngestor(store) { ingestor in
            try await withThrowingTaskGroup(of: [IngestOutcome].self) { group in
                for k in 0..<200 {
                    group.addTask {
                        try await ingestor.submit([Fix(time: now - 1000 + Double(k), lon: 120.7025, lat: 31.305)], device: devices[k % 20])
                    }
                }
                return try await group.reduce(into: [IngestOutcome]()) { $0 += $1 }
            }
        }
        #expect(results.count == 200 && results.allSatisfy { $0 == .stored([]) })
        #expect(try store.read { try $0.pingCount() } == 202)
    }

    @Test func doubtfulFixesAreStoredFlaggedAndKeptOutOfLiveViews() async throws {
        let store = try makeStore()
        let device = try addDevice(store, "p1")
        let outcomes = try await withIngestor(store) { ingestor in
            try await ingestor.submit([
                Fix(time: now - 30, lon: 120.7025, lat: 31.305),
                Fix(time: now - 29, lon: 120.7125, lat: 31.305),  // 950 m in a second
                Fix(time: now - 28, lon: 0, lat: 0),
                Fix(time: now + 3600, lon: 120.7025, lat: 31.305),
                Fix(time: now - 20, lon: 120.7026, lat: 31.305, accuracy: 900),
            ], device: device)
        }
        #expect(outcomes == [.stored([]), .stored(.jump), .stored([.nullIsland, .jump]), .stored(.future), .stored(.inaccurate)])
        let live = try store.read { try $0.latestPositions() }
        #expect(live.count == 1 && live[0].ping.time == now - 30 && live[0].gridCode == "G1")
        #expect(try store.read { try $0.track(device: "p1", from: 0, to: now + 7200) }.count == 1)
    }

    /// A fix dated 9999-01-01 is stored flagged and is not the device's state: the real fixes
    /// after it still make geofence events and reach the live stream, before and after a
    /// restart; a 1,000 km jump in a second is flagged and shown nowhere; times 0 and
    /// 0001-01-01 are flagged.
    @Test func oneBadFixDoesNotSilenceADevice() async throws {
        let store = try makeStore()
        let device = try addDevice(store, "p1", grids: ["G1"])
        let t0 = now - 1000
        let future = try #require(Timestamp.parse("9999-01-01T00:00:00Z"))
        var settings = IngestSettings()
        settings.dwell = 60
        let ingestor = PingIngestor(store: store, settings: settings)
        let (_, stream) = ingestor.live.subscribe()
        let writer = Task { await ingestor.run() }
        #expect(try await ingestor.submit([Fix(time: t0, lon: 120.7025, lat: 31.305)], device: device) == [.stored([])])
        #expect(try await ingestor.submit([Fix(time: future, lon: 120.7025, lat: 31.305)], device: device) == [.stored(.future)])
        #expect(try await ingestor.submit([Fix(time: 0, lon: 120.7025, lat: 31.305), Fix(time: -62_135_596_800, lon: 120.7025, lat: 31.305)],
                                          device: device) == [.stored(.badTime), .stored(.badTime)])
        for dt in [60.0, 120, 180] {  // into G2 and staying
            #expect(try await ingestor.submit([Fix(time: t0 + dt, lon: 120.7075, lat: 31.305)], device: device) == [.stored([])])
        }
        ingestor.close()
        await writer.value
        var got: [DevicePosition] = []
        for await p in stream { got.append(p) }
        #expect(got.map(\.ping.time) == [t0, t0 + 60, t0 + 120, t0 + 180])
        #expect(try store.read { try $0.events() }.map(\.kind) == [.left])
        #expect(try store.read { try $0.latestPositions() }.first?.ping.time == t0 + 180)

        // A restart: the state is read back from the plausible fixes, not the 9999 one.
        let outcomes = try await withIngestor(store) { ingestor in
            [try await ingestor.submit([Fix(time: t0 + 181, lon: 130.7075, lat: 31.305)], device: device),  // 950 km in a second
             try await ingestor.submit([Fix(time: t0 + 240, lon: 120.7026, lat: 31.305)], device: device)]  // home, plausible
        }
        #expect(outcomes == [[.stored(.jump)], [.stored([])]])
        let live = try store.read { try $0.latestPositions() }
        #expect(live.count == 1 && live[0].ping.time == t0 + 240 && live[0].gridCode == "G1")
    }

    @Test func gcj02DevicesAreStoredInWGS84WithTheRawValuesKept() async throws {
        let store = try makeStore()
        let device = try addDevice(store, "cn", crs: .gcj02)
        let reported = GCJ02.fromWGS84(lon: 120.7025, lat: 31.305)
        _ = try await withIngestor(store) { try await $0.submit([Fix(time: now, lon: reported.lon, lat: reported.lat)], device: device) }
        let p = try #require(try store.read { try $0.track(device: "cn", from: 0, to: now + 1) }.first)
        #expect(distanceMetres(lon1: p.lon, lat1: p.lat, lon2: 120.7025, lat2: 31.305) < 0.01)
        #expect(p.grid != nil)
        let attributes = try JSONSerialization.jsonObject(with: Data(p.attributes!.utf8)) as! [String: String]
        #expect(Double(attributes["gcj02_lon"]!) == reported.lon && Double(attributes["gcj02_lat"]!) == reported.lat)
    }

    /// Leaving G1 (the member's grid) for G2 and staying 2 minutes: one "left" event at the
    /// first fix in G2; a fresh ingestor (a restart) knows the device is out, and records the
    /// return.
    @Test func geofenceEventsAreStoredAndSurviveARestart() async throws {
        let store = try makeStore()
        let device = try addDevice(store, "p1", grids: ["G1"])
        let t0 = now - 1000
        let walk = [(0.0, 120.7025), (30, 120.704), (60, 120.706), (90, 120.704), (120, 120.706), (180, 120.707), (240, 120.708)]
        try await withIngestor(store) { ingestor in
            for (dt, lon) in walk { _ = try await ingestor.submit([Fix(time: t0 + dt, lon: lon, lat: 31.305)], device: device) }
        }
        var events = try store.read { try $0.events() }
        #expect(events.count == 1)
        #expect(events.first?.kind == .left && events.first?.time == t0 + 120 && events.first?.confirmedAt == t0 + 240 && events.first?.grid == "G1")
        try await withIngestor(store) { ingestor in
            for dt in [300.0, 360, 420] { _ = try await ingestor.submit([Fix(time: t0 + dt, lon: 120.703, lat: 31.305)], device: device) }
        }
        events = try store.read { try $0.events() }
        #expect(events.map(\.kind) == [.returned, .left] && events[0].time == t0 + 300 && events[0].confirmedAt == t0 + 420)
    }

    /// Two servers over one database take a device's fixes in turn (a balancer without sticky
    /// sessions): the crossing begun on one is confirmed on the other, once, at the same times
    /// as one server would; a jump is judged from the other server's last fix.
    @Test func serversTakingTurnsJudgeAsOne() async throws {
        let store = try makeStore()
        let other = try GridStore(path: store.path)
        let device = try addDevice(store, "p1", grids: ["G1"])
        let t0 = now - 1000
        let walk = [(0.0, 120.7025), (60, 120.707), (120, 120.707), (180, 120.707), (240, 120.708), (300, 120.703), (420, 120.703), (480, 120.703)]
        var settings = IngestSettings()
        settings.dwell = 120
        let a = PingIngestor(store: store, settings: settings), b = PingIngestor(store: other, settings: settings)
        let writers = [Task { await a.run() }, Task { await b.run() }]
        for (i, (dt, lon)) in walk.enumerated() {
            #expect(try await (i % 2 == 0 ? a : b).submit([Fix(time: t0 + dt, lon: lon, lat: 31.305)], device: device) == [.stored([])])
        }
        #expect(try await a.submit([Fix(time: t0 + 481, lon: 121.5, lat: 31.305)], device: device) == [.stored(.jump)])
        a.close(); b.close()
        for w in writers { await w.value }
        let events = try store.read { try $0.events() }
        #expect(events.map(\.kind) == [.returned, .left])
        #expect(events.map(\.time) == [t0 + 300, t0 + 60] && events.map(\.confirmedAt) == [t0 + 420, t0 + 180])
    }

    @Test func liveHubGetsNewPlausibleFixes() async throws {
        let store = try makeStore()
        let device = try addDevice(store, "p1")
        var settings = IngestSettings()
        settings.dwell = 120
        let ingestor = PingIngestor(store: store, settings: settings)
        let (_, stream) = ingestor.live.subscribe()
        let writer = Task { await ingestor.run() }
        _ = try await ingestor.submit([Fix(time: now, lon: 0, lat: 0), Fix(time: now + 1, lon: 120.7075, lat: 31.305)], device: device)
        ingestor.close()
        await writer.value
        var got: [DevicePosition] = []
        for await p in stream { got.append(p) }  // the hub finishes when the writer stops
        #expect(got.count == 1 && got[0].gridCode == "G2" && got[0].ping.time == now + 1)
    }

    /// Two servers over one PostgreSQL database: a fix one stores reaches the other's watchers
    /// (NOTIFY after the commit); a file has one server and no relay.
    @Test(.enabled(if: TestDatabase.isPostgres, "servers sharing a PostgreSQL database"))
    func liveFixesReachTheOtherServersWatchers() async throws {
        let path = try makeStore().path
        let (storeA, storeB) = (try GridStore(path: path), try GridStore(path: path))
        let device = try addDevice(storeA, "p1")
        let (a, b) = (PingIngestor(store: storeA), PingIngestor(store: storeB))
        let (_, stream) = b.live.subscribe()
        let relay = Task { await b.relayOtherServers() }
        let writer = Task { await a.run() }
        // B's LISTEN starts in the background, and nothing says when it is in (a fixed 500 ms
        // wait raced it on a loaded machine): a fix a second until one reaches B's watchers.
        let sender = Task {
            for k in 0..<40 where !Task.isCancelled {
                _ = try? await a.submit([Fix(time: now - 60 + Double(k), lon: 120.7075, lat: 31.305)], device: device)
                try? await Task.sleep(for: .seconds(1))
            }
        }
        let got = await withTaskGroup(of: DevicePosition?.self) { group in  // at most 60 s
            group.addTask { var iterator = stream.makeAsyncIterator(); return await iterator.next() }
            group.addTask { try? await Task.sleep(for: .seconds(60)); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        sender.cancel()
        await sender.value
        #expect(got?.ping.device == "p1" && got?.gridCode == "G2" && got?.member == device.member)
        #expect((got?.ping.time ?? 0) >= now - 60 && (got?.ping.time ?? .infinity) < now - 20, "a fix A stored: \(String(describing: got?.ping.time))")
        a.close()
        await writer.value
        relay.cancel()
    }

    @Test func coverageAndRetention() async throws {
        let store = try makeStore()
        let device = try addDevice(store, "p1", grids: ["G1", "G2"])
        // A walk along lat 31.3051 through G1's building (at 120.7025), stopping before G2's.
        let fixes = (0..<40).map { Fix(time: now - 4000 + Double($0) * 10, lon: 120.701 + Double($0) * 0.0001, lat: 31.3051) }
        _ = try await withIngestor(store) { try await $0.submit(fixes, device: device) }
        let coverage = try store.read { try Patrol.coverage($0, from: now - 86400, to: now + 1) }
        #expect(coverage.map(\.grid) == ["G1", "G2"])
        #expect(coverage.map(\.covered) == [1, 0] && coverage.allSatisfy { $0.members == [device.member] })
        #expect(try store.read { try Patrol.coverage($0, from: now - 86400, to: now - 5000) }.map(\.covered) == [0, 0])

        let deleted = try await Retention.prune(store, before: now - 3800, batch: 7)
        #expect(deleted == 20)
        #expect(try store.read { try $0.pingCount() } == 20)
    }
}
