import CivicGridModel
import Foundation
import GridStore
import GridTiles
import GridTracking
import Hummingbird
import HummingbirdTesting
import Testing
@testable import GridServer

/// The GPS endpoints in process, with the writer running: each wire format from
/// real-shaped requests, auth failures storing nothing, live, events, tracks, coverage.
struct TrackingTests {
    let now = Date().timeIntervalSince1970.rounded(.down)

    /// The test store with devices "p1" (token "t-p1", member Wang of grid …001, with a work
    /// phone) and "p2" (Zhao), a viewer ("t-viewer").
    func withServer(_ body: @escaping @Sendable (any TestClientProtocol, GridStore) async throws -> Void) async throws {
        let store = try makeTestStore()
        try store.write { w in
            _ = try w.addAccount(name: "Wang", role: .member, region: "320599001001", phone: "13812345678")
            try w.addToken(account: try w.addAccount(name: "viewer", role: .viewer, region: "320599"), tokenHash: DeviceToken.hash("t-viewer"))
            try w.add(Device(id: "p1", memberName: "Wang", grids: ["320599001001001"], tokenHash: DeviceToken.hash("t-p1")))
            try w.add(Device(id: "p2", memberName: "Zhao", grids: [], tokenHash: DeviceToken.hash("t-p2"), speedUnit: .kmh))
            try w.add(Device(id: "gone", memberName: "Zhao", grids: [], tokenHash: DeviceToken.hash("t-gone")))
            _ = try w.revokeDevice(id: "gone")
        }
        let ingestor = PingIngestor(store: store)
        let app = Application(router: buildRouter(store: store, tiles: TileProvider(set: try TileSet.load(from: store)), ingestor: ingestor),
                              services: [IngestService(ingestor: ingestor)])
        try await app.test(.router) { client in try await body(client, store) }
    }

    func json(_ r: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:]
    }

    func count(_ store: GridStore) throws -> Int { try store.read { try $0.pingCount() } }

    @Test func osmAndInEveryShape() async throws {
        try await withServer { client, store in
            // Traccar Client: GET / with everything in the query, token included.
            try await client.execute(uri: "/?id=p1&lat=31.305&lon=120.7025&timestamp=\(Int(now) - 60)&speed=10&batt=80&token=t-p1", method: .get) { r in
                #expect(r.status == .ok)
            }
            // GPSLogger: POST /osmand with a form body, bearer token, ISO time.
            let form = "deviceid=p2&lat=31.305&lon=120.7075&timestamp=\(StoreReader.isoTime(now - 50))&speed=36&hdop=0.8".replacingOccurrences(of: "+", with: "%2B")
            try await client.execute(uri: "/osmand", method: .post, headers: [.authorization: "Bearer t-p2", .contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: form)) { r in #expect(r.status == .ok) }
            // Newer Traccar Client: a JSON body on /, basic auth.
            let traccar = #"{"location":{"timestamp":"\#(StoreReader.isoTime(now - 40))","coords":{"latitude":31.306,"longitude":120.7026,"accuracy":4,"speed":1.5},"battery":{"level":0.5},"is_moving":true},"device_id":"p1"}"#
            try await client.execute(uri: "/", method: .post, headers: [.authorization: "Basic " + Data("p1:t-p1".utf8).base64EncodedString(), .contentType: "application/json"],
                                     body: ByteBuffer(string: traccar)) { r in #expect(r.status == .ok) }
            let p1 = try store.read { try $0.track(device: "p1", from: 0, to: now) }
            #expect(p1.count == 2 && p1[0].battery == 0.8 && abs(p1[0].speed! - 5.1444) < 1e-3 && p1[1].speed == 1.5 && p1[1].attributes == #"{"is_moving":"true"}"#)
            let p2 = try #require(try store.read { try $0.track(device: "p2", from: 0, to: now) }.first)
            #expect(p2.speed == 10 && p2.time == now - 50 && p2.attributes == #"{"hdop":"0.8"}"#)  // p2 reports km/h
            // Malformed: 400 with the reason, nothing stored.
            try await client.execute(uri: "/osmand?id=p1&lat=abc&lon=120.7&token=t-p1", method: .get) { r in
                #expect(r.status == .badRequest)
                #expect(json(r)["detail"] as? String == "lat \"abc\" is not a number")
            }
            #expect(try count(store) == 3)
            // GET / with the device token as a bearer token: a report, not an account's sign-in.
            try await client.execute(uri: "/?id=p2&lat=31.305&lon=120.7075&timestamp=\(Int(now) - 30)", method: .get,
                                     headers: [.authorization: "Bearer t-p2"]) { r in #expect(r.status == .ok) }
            #expect(try count(store) == 4)
        }
    }

    @Test func authFailuresStoreNothing() async throws {
        try await withServer { client, store in
            let q = "lat=31.305&lon=120.7025&timestamp=\(Int(now))"
            try await client.execute(uri: "/?id=p1&\(q)", method: .get) { r in
                #expect(r.status == .unauthorized && r.headers[.wwwAuthenticate]?.contains("Bearer") == true)
            }
            try await client.execute(uri: "/?id=p1&\(q)&token=wrong", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/?id=gone&\(q)&token=t-gone", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/?id=nobody&\(q)&token=t-p1", method: .get) { r in #expect(r.status == .forbidden) }
            try await client.execute(uri: "/osmand?id=p2&\(q)", method: .get, headers: [.authorization: "Bearer t-p1"]) { r in #expect(r.status == .forbidden) }
            let batch = #"[{"time":\#(Int(now)),"lon":120.7,"lat":31.3},{"device":"p2","time":\#(Int(now)),"lon":120.7,"lat":31.3}]"#
            try await client.execute(uri: "/api/v1/positions", method: .post, headers: [.authorization: "Bearer t-p1"], body: ByteBuffer(string: batch)) { r in
                #expect(r.status == .forbidden)
                #expect((json(r)["detail"] as? String)?.contains("ping 1 is for device \"p2\"") == true)
            }
            try await client.execute(uri: "/api/v1/positions", method: .post, body: ByteBuffer(string: batch)) { r in #expect(r.status == .unauthorized) }
            let owntracks = #"{"_type":"location","lat":31.305,"lon":120.7025,"tst":\#(Int(now))}"#
            try await client.execute(uri: "/owntracks", method: .post, headers: [.authorization: "Basic " + Data("wang:nope".utf8).base64EncodedString()],
                                     body: ByteBuffer(string: owntracks)) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/owntracks", method: .post, headers: [.authorization: "Basic " + Data("wang:t-p1".utf8).base64EncodedString(),
                                                                               .init("X-Limit-U")!: "wang", .init("X-Limit-D")!: "p2"],
                                     body: ByteBuffer(string: owntracks)) { r in #expect(r.status == .forbidden) }
            #expect(try count(store) == 0)
        }
    }

    @Test func nativeBatchAndOwnTracks() async throws {
        try await withServer { client, store in
            let batch = """
                [{"time":\(Int(now) - 30),"lon":120.7025,"lat":31.305,"accuracy":5},
                 {"time":"\(StoreReader.isoTime(now - 30))","lon":120.7025,"lat":31.305},
                 {"time":\(Int(now) - 20),"lon":0,"lat":0},
                 {"time":\(Int(now) - 10),"lat":31.3},
                 {"time":\(Int(now) - 10),"lon":120.7,"lat":"x"}]
                """
            try await client.execute(uri: "/api/v1/positions", method: .post, headers: [.authorization: "Bearer t-p1"], body: ByteBuffer(string: batch)) { r in
                #expect(r.status == .ok)
                let o = json(r)
                #expect(o["accepted"] as? Int == 3 && o["stored"] as? Int == 2 && o["duplicates"] as? Int == 1)
                let flagged = o["flagged"] as? [[String: Any]]
                #expect(flagged?.count == 1 && flagged?[0]["index"] as? Int == 2 && (flagged?[0]["flags"] as? [String])?.contains("null-island") == true)
                let rejected = o["rejected"] as? [[String: Any]]
                #expect(rejected?.map { $0["index"] as? Int } == [3, 4])
                #expect(rejected?.map { $0["reason"] as? String } == ["missing lon", "lat \"x\" is not a number"])
            }
            try await client.execute(uri: "/api/v1/positions", method: .post, headers: [.authorization: "Bearer t-p1"],
                                     body: ByteBuffer(string: #"[{"lat":1}]"#)) { r in
                #expect(r.status == .unprocessableContent && r.headers[.contentType] == "application/problem+json")
                #expect((json(r)["rejected"] as? [Any])?.count == 1)
            }
            try await client.execute(uri: "/api/v1/positions", method: .post, headers: [.authorization: "Bearer t-p1"], body: ByteBuffer(string: "{")) { r in
                #expect(r.status == .badRequest)
            }
            let owntracks = #"{"_type":"location","tid":"WA","lat":31.306,"lon":120.7025,"tst":\#(Int(now) - 5),"acc":8,"vel":36,"batt":40}"#
            try await client.execute(uri: "/pub", method: .post, headers: [.authorization: "Basic " + Data("wang:t-p1".utf8).base64EncodedString(),
                                                                         .init("X-Limit-U")!: "wang", .init("X-Limit-D")!: "p1"],
                                     body: ByteBuffer(string: owntracks)) { r in
                #expect(r.status == .ok && String(buffer: r.body) == "[]")
            }
            try await client.execute(uri: "/owntracks?token=t-p1", method: .post, body: ByteBuffer(string: #"{"_type":"waypoint","desc":"home"}"#)) { r in
                #expect(r.status == .ok && String(buffer: r.body) == "[]")
            }
            let all = try store.read { try $0.track(device: "p1", from: 0, to: now) }
            #expect(all.count == 2 && all[1].speed == 10 && all[1].battery == 0.4 && all[1].attributes == #"{"tid":"WA"}"#)
            #expect(try count(store) == 3)  // the flagged one is stored too
        }
    }

    @Test func liveEventsTrackAndCoverage() async throws {
        try await withServer { client, store in
            // p1 walks past the west building (120.7025, 31.305), then crosses into the east grid and stays.
            var pings: [String] = []
            for k in 0..<20 { pings.append(#"{"time":\#(Int(now) - 1200 + k * 10),"lon":\#(120.7015 + Double(k) * 0.0001),"lat":31.3051}"#) }
            for k in 0..<20 { pings.append(#"{"time":\#(Int(now) - 500 + k * 15),"lon":120.7065,"lat":31.3051}"#) }
            try await client.execute(uri: "/api/v1/positions", method: .post, headers: [.authorization: "Bearer t-p1"],
                                     body: ByteBuffer(string: "[" + pings.joined(separator: ",") + "]")) { r in
                #expect(r.status == .ok && (json(r)["stored"] as? Int) == 40)
            }
            try await client.execute(uri: "/?id=p2&lat=31.305&lon=120.708&timestamp=\(Int(now) - 3600)&token=t-p2", method: .get) { r in #expect(r.status == .ok) }

            // Online within half an hour: p1's last fix is 215 s old when sent, p2's an hour (a
            // loaded machine may take minutes to get here, past the default 600 s).
            try await client.execute(uri: "/api/v1/live?region=320599001&offline_after=1800&access_token=t-admin", method: .get) { r in
                #expect(r.status == .ok && r.headers[.contentType] == "application/geo+json")
                let features = json(r)["features"] as? [[String: Any]] ?? []
                #expect(features.map { $0["id"] as? String } == ["p1", "p2"])
                let p = features.map { $0["properties"] as? [String: Any] ?? [:] }
                guard p.count == 2 else { return }
                #expect(p[0]["grid"] as? String == "320599001001002" && p[0]["online"] as? Bool == true && p[1]["online"] as? Bool == false)
                // By the member's name; the work phone whole for an admin, masked for a viewer.
                #expect(p.map { $0["member_name"] as? String } == ["Wang", "Zhao"] && p[0]["phone"] as? String == "13812345678" && p[1]["phone"] == nil)
            }
            try await client.execute(uri: "/api/v1/live?region=320599001&access_token=t-viewer", method: .get) { r in
                let p = (json(r)["features"] as? [[String: Any]] ?? []).map { $0["properties"] as? [String: Any] ?? [:] }
                #expect(p.first?["member_name"] as? String == "Wang" && p.first?["phone"] as? String == "138****5678")
            }
            // The staff list: the region's grid staff with their grids, phones masked as above;
            // a member registered by a device alone (no region) is listed only to the whole
            // jurisdiction.
            try await client.execute(uri: "/api/v1/staff?access_token=t-viewer", method: .get) { r in
                let staff = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [[String: Any]] ?? []
                #expect(r.status == .ok && staff.map { $0["name"] as? String } == ["Wang"], "\(String(buffer: r.body))")
                #expect(staff.first?["phone"] as? String == "138****5678" && staff.first?["grids"] as? [String] == ["320599001001001"])
            }
            try await client.execute(uri: "/api/v1/staff?access_token=t-admin", method: .get) { r in
                let staff = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [[String: Any]] ?? []
                #expect(staff.map { $0["name"] as? String } == ["Wang", "Zhao"] && staff.first?["phone"] as? String == "13812345678")
            }
            try await client.execute(uri: "/api/v1/staff", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/staff?region=&access_token=t-admin", method: .get) { r in #expect(r.status == .badRequest) }
            try await client.execute(uri: "/api/v1/staff?region=nowhere&access_token=t-admin", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/api/v1/live?region=320599001001002&access_token=t-admin", method: .get) { r in  // a grid: both are in the east one
                #expect((json(r)["features"] as? [[String: Any]])?.map { $0["id"] as? String } == ["p1", "p2"])
            }
            try await client.execute(uri: "/api/v1/live?region=320599001001001&access_token=t-admin", method: .get) { r in
                #expect((json(r)["features"] as? [[String: Any]])?.isEmpty == true)
            }
            try await client.execute(uri: "/api/v1/live?region=nowhere&access_token=t-admin", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/api/v1/events?device=p1&access_token=t-admin", method: .get) { r in
                let features = json(r)["features"] as? [[String: Any]] ?? []
                let p = features.map { $0["properties"] as? [String: Any] ?? [:] }
                #expect(p.count == 1 && p.first?["kind"] as? String == "left" && p.first?["grid"] as? String == "320599001001001")
                #expect(p.first?["time"] as? String == StoreReader.isoTime(now - 500))
            }
            try await client.execute(uri: "/api/v1/devices/p1/track?from=\(Int(now) - 1200)&to=\(Int(now))&simplify=2&access_token=t-admin", method: .get) { r in
                let o = json(r)
                let geometry = o["geometry"] as? [String: Any]
                #expect(geometry?["type"] as? String == "LineString")
                #expect((geometry?["coordinates"] as? [[Double]])?.count == 2)  // a straight walk east, then standing still further east
                #expect((o["properties"] as? [String: Any])?["fixes"] as? Int == 40)
            }
            try await client.execute(uri: "/api/v1/devices/nobody/track?access_token=t-admin", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/api/v1/devices/p1/track?from=yesterday&access_token=t-admin", method: .get) { r in #expect(r.status == .badRequest) }
            let offset = TimeZone(identifier: "Asia/Shanghai")!.secondsFromGMT()
            let day = Date(timeIntervalSince1970: now - 1200 + Double(offset)).formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day())
            try await client.execute(uri: "/api/v1/coverage?date=\(day)&region=320599001001&access_token=t-admin", method: .get) { r in
                let grids = json(r)["grids"] as? [[String: Any]] ?? []
                #expect(grids.map { $0["grid"] as? String } == ["320599001001001", "320599001001002"])
                #expect(grids.map { $0["covered"] as? Int } == [1, 0])  // only p1's grid counts, and p1 passed the west building
                #expect(grids.first?["share"] as? Double == 1)
            }
            try await client.execute(uri: "/api/v1/coverage?date=2024-13-01&access_token=t-admin", method: .get) { r in #expect(r.status == .badRequest) }
        }
    }
}
