import Foundation
import GridGeometry
@testable import GridStore
import GridTiles
import GridTracking
import Hummingbird
import HummingbirdTesting
import Testing
import GridTestSupport
@testable import GridServer
import GridWire

/// Regressions from probing the server as a hostile client would (issue 14): each request
/// here once crashed the process, leaked a private layer, half-applied an edit or was
/// taken when it should have been refused. Every refusal is a problem and changes nothing.
struct HostileTests {
    let plans = PlansTests()
    static let community = PlansTests.community

    func post(_ client: any TestClientProtocol, _ uri: String, _ body: String, token: String, ifMatch: String? = "*") async throws -> (HTTPResponse.Status, String) {
        var headers = PlansTests.auth(token)
        if let ifMatch { headers[.ifMatch] = ifMatch }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) { r in
            (r.status, String(buffer: r.body))
        }
    }

    /// A JSON array of edits holding a non-object ended the process (a force-cast in a
    /// JSONSerialization round trip): now each is a 400 naming the edit, and nothing changes.
    @Test(arguments: ["[null]", #"["x"]"#, "[1]", "[true]", "[[]]", #"[{"op":"merge","grids":["a","b"]}, null]"#, "null", #""x""#, "[]", "{", ""])
    func nonObjectEditsAreRefused(body: String) async throws {
        try await plans.withPlans { client, store, draft in
            let before = try PlansTests.State(store)
            let (status, answer) = try await post(client, "/api/v1/plans/\(draft)/edits", body, token: "t-li")
            #expect(status == .badRequest, "\(body): \(answer)")
            #expect(answer.contains("\"status\":400"))
            #expect(try PlansTests.State(store) == before)
        }
    }

    /// A row the store cannot read as its column's type (a file edited by hand: SQLite keeps
    /// any value in any column) stopped the process (a precondition in the row reader): now
    /// that request is a 500 naming the column, never the value, and the next is answered.
    @Test(.enabled(if: !TestDatabase.isPostgres, "a GeoPackage file keeps any value in any column"))
    func anUnreadableRowFailsItsRequestAlone() async throws {
        try await plans.withPlans { client, store, draft in
            _ = try store.write { w in try w.db.execute(sql: "UPDATE plans SET author = x'ff' WHERE id = ?", arguments: [draft]) }
            let broken = try await client.execute(uri: "/api/v1/plans/\(draft)", method: .get, headers: PlansTests.auth("t-li")) { r in
                (r.status, String(buffer: r.body))
            }
            #expect(broken.0 == .internalServerError, "\(broken.1)")
            #expect(broken.1.contains("column author: cannot read BLOB as String or NULL"), "\(broken.1)")
            #expect(try await client.execute(uri: "/health", method: .get) { $0.status } == .ok)
        }
    }

    /// Geometries from a client meet the import's rules: finite, longitude ±180, latitude ±90.
    @Test func editGeometriesAreRangeChecked() async throws {
        try await plans.withPlans { client, store, draft in
            let before = try PlansTests.State(store)
            for lat in ["1e308", "91", "-90.5"] {
                let body = #"{"op":"reshape","grid":"320599001001001","geometry":{"type":"Polygon","coordinates":[[[120.7,31.3],[120.705,31.3],[120.705,\#(lat)],[120.7,31.3]]]}}"#
                let (status, answer) = try await post(client, "/api/v1/plans/\(draft)/edits", body, token: "t-li")
                #expect(status == .unprocessableContent && answer.contains("latitude"), "\(lat): \(answer)")
            }
            let line = #"{"op":"split","grid":"320599001001001","line":{"type":"LineString","coordinates":[[120.7,31.3],[200,31.31]]}}"#
            let (status, answer) = try await post(client, "/api/v1/plans/\(draft)/edits", line, token: "t-li")
            #expect(status == .unprocessableContent && answer.contains("longitude"), "\(answer)")
            #expect(try PlansTests.State(store) == before)
        }
    }

    /// A code that is only the community's (no grid number) is refused, as is an override
    /// that says nothing ("\n").
    @Test func emptyCodesAndReasonsAreRefused() async throws {
        try await plans.withPlans { client, store, draft in
            let before = try PlansTests.State(store)
            let rename = #"{"op":"rename","grid":"320599001001001","code":"\#(Self.community)"}"#
            let (status, answer) = try await post(client, "/api/v1/plans/\(draft)/edits", rename, token: "t-li")
            #expect(status == .unprocessableContent && answer.contains("followed by"), "\(answer)")
            for reason in [#"\n"#, #" \t\r\n "#] {
                let (s, a) = try await post(client, "/api/v1/plans/\(draft)/publish", #"{"override":"\#(reason)"}"#, token: "t-li")
                #expect(s == .badRequest && a.contains("non-empty reason"), "\(a)")
            }
            #expect(try PlansTests.State(store) == before)
        }
    }

    /// Community A's grids uploaded as a draft of community B were taken, and publishing
    /// them moved A's codes to B. Now: codes must be under B, grids inside B.
    @Test func anUploadCannotTakeAnotherCommunitysGrids() async throws {
        try await plans.withPlans { client, store, draft in
            let before = try PlansTests.State(store)
            let gpkg = try await client.execute(uri: "/api/v1/plans/\(draft)/grids.gpkg", method: .get, headers: PlansTests.auth("t-admin")) { r in
                #expect(r.status == .ok)
                return Data(buffer: r.body)
            }
            func upload(_ data: Data) async throws -> (HTTPResponse.Status, String) {
                var headers = PlansTests.auth("t-admin")
                headers[.contentType] = "application/geopackage+sqlite3"
                return try await client.execute(uri: "/api/v1/communities/320599002001/plans", method: .post, headers: headers,
                                                body: ByteBuffer(bytes: data)) { r in (r.status, String(buffer: r.body)) }
            }
            let (status, answer) = try await upload(gpkg)
            #expect(status == .unprocessableContent && answer.contains("must be the community's code 320599002001"), "\(answer)")
            #expect(!answer.contains("upload-"), "no server path in the answer: \(answer)")
            // B's codes on A's ground: outside B.
            let grids = try store.read { try $0.grids(plan: draft) }
            let renamed = grids.enumerated().map { i, g in
                Result<Feature, GeometryError>.success(Feature(geometry: g.geometry, properties: ["code": .string("320599002001" + String(format: "%03d", i + 1))]))
            }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString).gpkg").path
            defer { try? FileManager.default.removeItem(atPath: file) }
            try GeoPackageWriter.write(renamed.map { try $0.get() }, layer: "grids", geometryType: "POLYGON", to: file)
            let (s2, a2) = try await upload(try Data(contentsOf: URL(fileURLWithPath: file)))
            #expect(s2 == .unprocessableContent && a2.contains("outside community 320599002001"), "\(a2)")
            // Not a GeoPackage at all: the reason, without the server's temporary path.
            let (s3, a3) = try await upload(Data("not a database".utf8))
            #expect(s3 == .badRequest && !a3.contains("/tmp") && !a3.contains("upload-"), "\(a3)")
            #expect(try PlansTests.State(store) == before)
        }
    }

    /// Bodies past a route's limit are 413 problems, not 500s.
    @Test func oversizedBodiesAre413() async throws {
        try await plans.withPlans { client, store, draft in
            let before = try PlansTests.State(store)
            let big = String(repeating: " ", count: (8 << 20) + 1) + "[]"
            let (status, answer) = try await post(client, "/api/v1/plans/\(draft)/edits", big, token: "t-li")
            #expect(status == .contentTooLarge && answer.contains("\"status\":413"), "\(status)")
            let (s2, _) = try await post(client, "/api/v1/plans/\(draft)/publish", String(repeating: " ", count: (1 << 20) + 1), token: "t-li")
            #expect(s2 == .contentTooLarge)
            #expect(try PlansTests.State(store) == before)
        }
    }

    /// An empty layer list reused the all-layers cache entry: anonymous callers got the
    /// tile an admin had just been served (buildings and roads), and admins an empty one.
    @Test func theTileCacheIsKeyedByWhatTheCallerMayRead() async throws {
        try await plans.withPlans { client, _, _ in
            let t = TilesTests().tile(16, at: 120.7025, 31.305)
            // Layer names, and two values only the private layers hold (a road's name, the
            // buildings' field "floors"; "buildings" alone is also a field of grids).
            let names = ["districts", "streets", "communities", "grids", "roads", "黄河路", "floors"]
            func layers(_ uri: String, _ token: String?) async throws -> (HTTPResponse.Status, Set<String>) {
                try await client.execute(uri: uri, method: .get, headers: PlansTests.auth(token)) { r in
                    let bytes = Array(Data(buffer: r.body))
                    return (r.status, r.status == .ok ? Set(names.filter { bytes.contains($0) }) : [])
                }
            }
            let all = "/tiles/\(t.z)/\(t.x)/\(t.y).mvt"
            let (s1, admin) = try await layers(all, "t-admin")
            #expect(s1 == .ok && admin.isSuperset(of: ["grids", "roads", "黄河路", "floors"]), "\(admin)")
            for list in [",", ",,", "grids,", "nothing"] {
                let (s, got) = try await layers("/tiles/\(list)/\(t.z)/\(t.x)/\(t.y).mvt", nil)
                #expect(s == .badRequest, "\(list): \(s) \(got)")
            }
            let (s2, anonymous) = try await layers(all, nil)
            #expect(s2 == .ok && !anonymous.isEmpty && anonymous.isDisjoint(with: ["roads", "黄河路", "floors"]), "\(anonymous)")
            let (s3, again) = try await layers(all, "t-admin")
            #expect(s3 == .ok && again == admin)
        }
    }

    /// Batches: empty is a 400; over 10,000 fixes a 413 while it is read; absurd speeds are
    /// refused, clock-less times stored flagged; nothing refused is stored.
    @Test func batchesAreBoundedAndJudged() async throws {
        let tracking = TrackingTests()
        try await tracking.withServer { client, store in
            let headers = PlansTests.auth("t-p1")
            func post(_ body: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                try await client.execute(uri: "/api/v1/positions", method: .post, headers: headers, body: ByteBuffer(string: body)) { r in
                    (r.status, tracking.json(r))
                }
            }
            #expect(try await post("[]").0 == .badRequest)
            let fix = #"{"time":\#(Int(tracking.now)),"lon":120.7025,"lat":31.305}"#
            let (status, _) = try await post("[" + Array(repeating: fix, count: 10_001).joined(separator: ",") + "]")
            #expect(status == .contentTooLarge)
            #expect(try tracking.count(store) == 0)
            let (s2, answer) = try await post(#"[{"time":\#(Int(tracking.now)),"lon":120.7025,"lat":31.305,"speed":1e308},{"time":0,"lon":120.7025,"lat":31.305}]"#)
            #expect(s2 == .ok)
            #expect((answer["rejected"] as? [[String: Any]])?.first?["reason"] as? String == "speed 1e+308 is not a ground speed (at most 1000 m/s)", "\(answer)")
            #expect((answer["flagged"] as? [[String: Any]])?.first?["flags"] as? [String] == ["bad-time"], "\(answer)")
            #expect(try tracking.count(store) == 1)
        }
    }
}

/// The third hostile pass (issue 33).
struct ThirdHostilePassTests {
    /// U+FFFE and U+FFFF in a description made `requests.xml` not well-formed: every character
    /// XML 1.0 does not allow is dropped, and the document parses.
    @Test func xmlDropsWhatXMLDoesNotAllow() {
        let text = "烟\u{FFFE}囱\u{FFFF}冒\u{1}黑\u{B}烟 <&> 😀\t\n"
        let escaped = Open311Controller.escape(text)
        #expect(escaped == "烟囱冒黑烟 &lt;&amp;&gt; 😀\t\n")
        let document = Open311Controller.xml("service_requests", .list("request", [.object([("description", .string(text))])]))
        #expect(document == "<service_requests><request><description>烟囱冒黑烟 &lt;&amp;&gt; 😀\t\n</description></request></service_requests>")
    }
}

extension ThirdHostilePassTests {
    /// A form field given twice is refused, not read as its first value.
    @Test func formFieldsAreGivenOnce() throws {
        #expect(try FormParameters.parseBody("a=1&b=%E7%83%9F") == ["a": "1", "b": "烟"])
        #expect(throws: WireError.self) { try FormParameters.parseBody("lat=31&long=120&lat=0") }
    }
}
