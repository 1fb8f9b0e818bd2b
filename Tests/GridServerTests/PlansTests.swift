import CivicGridModel
import Foundation
import GridGeometry
import GridServer
import GridStore
import GridTiles
import GridTracking
import Hummingbird
import HummingbirdTesting
import Testing

/// Plans over HTTP and who may touch them: each role against each write endpoint, every
/// denial changing nothing; versions (If-Match), refused edits, publishing and what follows it.
struct PlansTests {
    static let community = "320599001001"

    /// The test store plus a second street and community, and one account of each kind.
    func withPlans(_ body: @escaping @Sendable (any TestClientProtocol, GridStore, Int64) async throws -> Void) async throws {
        let store = try makeTestStore()
        let draft = try store.write { w -> Int64 in
            let far = Geometry.multiPolygon([Polygon(exterior: LinearRing(unchecked: [
                Coordinate(120.8, 31.3), Coordinate(120.81, 31.3), Coordinate(120.81, 31.31), Coordinate(120.8, 31.31), Coordinate(120.8, 31.3),
            ]))])
            try w.save(Region(code: "320599002", name: "第二街道", level: .street, parent: "320599", geometry: far))
            try w.save(Region(code: "320599002001", name: "第二社区", level: .community, parent: "320599002", geometry: far))
            for (name, role, region) in [("li", Role.planner, "320599001"), ("zhou", .planner, "320599002"), ("chen", .viewer, "320599001"),
                                         ("wu", .member, "320599001"), ("gone", .planner, "320599001")] {
                try w.addToken(account: try w.addAccount(name: name, role: role, region: region), tokenHash: DeviceToken.hash("t-\(name)"))
            }
            _ = try w.revokeTokens(account: try w.reader.account(name: "gone")!.id)
            return try w.copyPlan(try w.reader.publishedPlan(community: Self.community)!.id, author: "fixture")
        }
        let tiles = TileProvider(set: try TileSet.load(from: store))
        let app = Application(router: buildRouter(store: store, tiles: tiles, ingestor: PingIngestor(store: store)))
        try await app.test(.router) { client in try await body(client, store, draft) }
    }

    /// Everything a denied request must leave as it was.
    struct State: Equatable {
        var plans: [String]
        var grids: Int
        var audit: Int

        init(_ store: GridStore) throws {
            (plans, grids, audit) = try store.read { r in
                (try r.plans().map { "\($0.id) \($0.status.rawValue) v\($0.version)" }, try r.plans().reduce(0) { $0 + (try r.grids(plan: $1.id).count) },
                 try r.audit().count)
            }
        }
    }

    static func auth(_ token: String?) -> HTTPFields {
        token.map { [.authorization: "Bearer \($0)"] } ?? [:]
    }

    static func json(_ r: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:]
    }

    static let merge = #"{"op":"merge","grids":["320599001001001","320599001001002"]}"#

    /// Anonymous, a revoked and an unknown token (401); a member, a viewer and a planner of
    /// another street (403).
    @Test(arguments: ["", "t-gone", "t-nobody", "t-wu", "t-chen", "t-zhou"])
    func deniedWritesChangeNothing(token name: String) async throws {
        let token: String? = name.isEmpty ? nil : name
        let status: HTTPResponse.Status = ["", "t-gone", "t-nobody"].contains(name) ? .unauthorized : .forbidden
        try await withPlans { client, store, draft in
            let before = try State(store)
            let etag = "\"plan-\(draft)-v1-draft\""
            var fields = Self.auth(token)
            try await client.execute(uri: "/api/v1/communities/\(Self.community)/plans", method: .post, headers: fields,
                                     body: ByteBuffer(string: #"{"from":"published"}"#)) { r in #expect(r.status == status, "create") }
            try await client.execute(uri: "/api/v1/communities/\(Self.community)/plans", method: .post, headers: fields,
                                     body: ByteBuffer(string: #"{"from":"partition"}"#)) { r in #expect(r.status == status, "partition") }
            fields[.ifMatch] = etag
            try await client.execute(uri: "/api/v1/plans/\(draft)/edits", method: .post, headers: fields, body: ByteBuffer(string: Self.merge)) { r in
                #expect(r.status == status, "edit")
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/api/v1/plans/\(draft)/publish", method: .post, headers: fields,
                                     body: ByteBuffer(string: #"{"override":"because"}"#)) { r in #expect(r.status == status, "publish") }
            if status == .unauthorized {
                try await client.execute(uri: "/api/v1/plans/\(draft)", method: .get, headers: Self.auth(token)) { r in
                    #expect(r.status == .unauthorized)
                    #expect(r.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                }
            }
            #expect(try State(store) == before)
        }
    }

    @Test(arguments: ["t-li", "t-admin"])
    func plannersAndAdminsWriteInScope(token: String) async throws {
        try await withPlans { client, store, draft in
            let fields = Self.auth(token)
            var created: Int64 = 0
            try await client.execute(uri: "/api/v1/communities/\(Self.community)/plans", method: .post, headers: fields,
                                     body: ByteBuffer(string: #"{"from":"published"}"#)) { r in
                #expect(r.status == .created)
                created = (Self.json(r)["id"] as? NSNumber)?.int64Value ?? 0
                #expect(r.headers[.location] == "/api/v1/plans/\(created)")
            }
            #expect(created > draft)
            var etag = ""
            try await client.execute(uri: "/api/v1/plans/\(draft)", method: .get, headers: fields) { r in
                #expect(r.status == .ok)
                etag = r.headers[.eTag] ?? ""
                let doc = Self.json(r)
                #expect((doc["grids"] as? [String: Any])?["type"] as? String == "FeatureCollection")
                #expect(((doc["validation"] as? [String: Any])?["publishable"] as? Bool) == true, "\(doc["validation"] ?? "")")
                #expect(!String(buffer: r.body).contains("张伟") && !String(buffer: r.body).contains("13800000000"))
            }
            #expect(etag == "\"plan-\(draft)-v1-draft\"")
            var conditional = fields
            conditional[.ifNoneMatch] = etag
            try await client.execute(uri: "/api/v1/plans/\(draft)", method: .get, headers: conditional) { r in #expect(r.status == .notModified) }
            // Without If-Match: 428; with an old one: 412; both change nothing.
            let before = try State(store)
            try await client.execute(uri: "/api/v1/plans/\(draft)/edits", method: .post, headers: fields, body: ByteBuffer(string: Self.merge)) { r in
                #expect(r.status == .preconditionRequired)
            }
            var stale = fields
            stale[.ifMatch] = "\"plan-\(draft)-v0-draft\""
            try await client.execute(uri: "/api/v1/plans/\(draft)/edits", method: .post, headers: stale, body: ByteBuffer(string: Self.merge)) { r in
                #expect(r.status == .preconditionFailed)
            }
            // An edit that would leave a grid without area: 422, nothing changes.
            var current = fields
            current[.ifMatch] = etag
            let emptying = #"{"op":"move","buildings":[1],"to":"320599001001002"}"#
            try await client.execute(uri: "/api/v1/plans/\(draft)/edits", method: .post, headers: current, body: ByteBuffer(string: emptying)) { r in
                #expect(r.status == .unprocessableContent)
                #expect((Self.json(r)["detail"] as? String)?.contains("no area") == true)
            }
            try await client.execute(uri: "/api/v1/plans/\(draft)/edits", method: .post, headers: current,
                                     body: ByteBuffer(string: #"{"op":"teleport"}"#)) { r in #expect(r.status == .badRequest) }
            #expect(try State(store) == before)

            // Merge: the answer is the new version with the out-of-band grid in its report.
            try await client.execute(uri: "/api/v1/plans/\(draft)/edits", method: .post, headers: current, body: ByteBuffer(string: Self.merge)) { r in
                #expect(r.status == .ok)
                etag = r.headers[.eTag] ?? ""
                let validation = Self.json(r)["validation"] as? [String: Any]
                #expect(validation?["publishable"] as? Bool == false)
                #expect((validation?["faults"] as? [[String: Any]])?.first?["kind"] as? String == "out_of_band")
                // Each grid's band, in the tiles' words (under, ok, over).
                let grids = ((Self.json(r)["grids"] as? [String: Any])?["features"] as? [[String: Any]] ?? []).compactMap { $0["properties"] as? [String: Any] }
                #expect(!grids.isEmpty)
                for g in grids {
                    let n = g["households"] as? Int ?? 0
                    #expect(g["band"] as? String == (n < 350 ? "under" : n > 500 ? "over" : "ok"), "\(g)")
                }
            }
            #expect(etag == "\"plan-\(draft)-v2-draft\"")
            // Publishing needs the override; with it the old plan is archived and every reader follows.
            current[.ifMatch] = etag
            try await client.execute(uri: "/api/v1/plans/\(draft)/publish", method: .post, headers: current) { r in #expect(r.status == .unprocessableContent) }
            try await client.execute(uri: "/api/v1/plans/\(draft)/publish", method: .post, headers: current,
                                     body: ByteBuffer(string: #"{"override":"one grid until the new towers fill"}"#)) { r in
                #expect(r.status == .ok)
                #expect(Self.json(r)["status"] as? String == "published")
            }
            try await client.execute(uri: "/collections/grids/items", method: .get) { r in
                let codes = ((Self.json(r)["features"] as? [[String: Any]]) ?? []).compactMap { ($0["properties"] as? [String: Any])?["code"] as? String }
                #expect(codes == ["320599001001001"])
            }
            try await client.execute(uri: "/tiles/14/13685/6690.mvt", method: .get) { r in
                #expect(!String(buffer: r.body).contains("320599001001002"), "the tile shows the new plan")
            }
            try await client.execute(uri: "/api/v1/plans/\(draft)/audit", method: .get, headers: fields) { r in
                let entries = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [[String: Any]] ?? []
                #expect(entries.map { $0["action"] as? String } == ["edit", "publish"])
                #expect(entries.last?["actor"] as? String == (token == "t-li" ? "li" : "root"))
                let detail = "\(entries.last?["detail"] ?? "")"
                #expect(detail.contains("one grid until the new towers fill"), "\(detail)")
            }
            let statuses = try store.read { try $0.plans(community: Self.community).map(\.status) }
            #expect(statuses.filter { $0 == .published }.count == 1 && statuses.contains(.archived))
            // The diff from the archived plan to the published one.
            let archived = try store.read { try $0.plans(community: Self.community).first { $0.status == .archived }!.id }
            try await client.execute(uri: "/api/v1/plans/\(archived)/diff/\(draft)", method: .get, headers: fields) { r in
                let d = Self.json(r)
                #expect((d["grids"] as? [String: Any])?["removed"] as? [String] == ["320599001001002"])
                #expect(d["households_moved"] as? Int == 510)
            }
            try await client.execute(uri: "/api/v1/plans/\(archived)/diff/\(draft)?f=geojson", method: .get, headers: fields) { r in
                #expect(r.headers[.contentType] == "application/geo+json")
                #expect(String(buffer: r.body).contains(#""to":"320599001001001""#))
            }
        }
    }

    @Test func readersAndScopes() async throws {
        try await withPlans { client, _, draft in
            for (token, status) in [("t-chen", HTTPResponse.Status.ok), ("t-li", .ok), ("t-zhou", .forbidden), ("t-wu", .forbidden)] {
                try await client.execute(uri: "/api/v1/plans/\(draft)", method: .get, headers: Self.auth(token)) { r in #expect(r.status == status, "\(token)") }
                try await client.execute(uri: "/collections/grids/items?plan=\(draft)", method: .get, headers: Self.auth(token)) { r in
                    #expect(r.status == status, "draft grids for \(token)")
                }
            }
            // Anonymous: outlines only; never buildings, drafts or positions.
            try await client.execute(uri: "/collections/grids/items?plan=\(draft)", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/collections/grids/items", method: .get) { r in #expect(r.status == .ok) }
            for uri in ["/collections/buildings/items", "/collections/positions/items", "/api/v1/live", "/api/v1/events", "/api/v1/coverage"] {
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .unauthorized, "\(uri)") }
            }
            try await client.execute(uri: "/collections", method: .get) { r in
                let ids = ((Self.json(r)["collections"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
                #expect(Set(ids) == ["districts", "streets", "communities", "grids"])
            }
            try await client.execute(uri: "/tiles/14/13685/6690.mvt", method: .get) { r in
                let text = String(buffer: r.body)
                #expect(text.contains("\n\u{5}grids") && !text.contains("\n\u{9}buildings") && !text.contains("黄河路"))  // layer names: field 1
            }
            try await client.execute(uri: "/tiles/buildings/14/13685/6690.mvt", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/tiles/14/13685/6690.mvt", method: .get, headers: Self.auth("t-wu")) { r in
                #expect(String(buffer: r.body).contains("\n\u{9}buildings"))
                #expect(r.headers[.cacheControl] == "private, no-cache")
            }
            // Positions: viewers in scope; planners and members not; a region outside the scope is 403.
            try await client.execute(uri: "/api/v1/live", method: .get, headers: Self.auth("t-chen")) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/api/v1/live?region=320599002", method: .get, headers: Self.auth("t-chen")) { r in #expect(r.status == .forbidden) }
            try await client.execute(uri: "/api/v1/live", method: .get, headers: Self.auth("t-li")) { r in #expect(r.status == .forbidden) }
            try await client.execute(uri: "/api/v1/live?access_token=t-chen", method: .get) { r in #expect(r.status == .ok) }
            // The collection list offers positions only to those who may open them.
            for (token, listed) in [("t-admin", true), ("t-chen", false), ("t-li", false)] {
                try await client.execute(uri: "/collections", method: .get, headers: Self.auth(token)) { r in
                    let ids = ((Self.json(r)["collections"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
                    #expect(ids.contains("positions") == listed && ids.contains("buildings"), "\(token): \(ids)")
                }
            }
            try await client.execute(uri: "/collections/positions/items", method: .get, headers: Self.auth("t-chen")) { r in #expect(r.status == .forbidden) }
            // A token given as access_token stays in the paging links, so the next page opens too.
            let next = try await client.execute(uri: "/collections/buildings/items?limit=1&access_token=t-wu", method: .get) { r in
                #expect(r.status == .ok)
                return ((Self.json(r)["links"] as? [[String: Any]]) ?? []).first { $0["rel"] as? String == "next" }?["href"] as? String
            }
            let path = try #require(next.flatMap { URL(string: $0) }.map { "\($0.path)?\($0.query ?? "")" })
            #expect(path.contains("access_token=t-wu") && path.contains("after="), "\(path)")
            try await client.execute(uri: path, method: .get) { r in #expect(r.status == .ok) }
        }
    }

    @Test func concurrentEditsOneWins() async throws {
        try await withPlans { client, store, draft in
            var headers = Self.auth("t-li")
            headers[.ifMatch] = "\"plan-\(draft)-v1-draft\""
            let fields = headers
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for body in [Self.merge, #"{"op":"rename","grid":"320599001001002","name":"东区"}"#] {
                    group.addTask {
                        try await client.execute(uri: "/api/v1/plans/\(draft)/edits", method: .post, headers: fields, body: ByteBuffer(string: body)).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.sorted { $0.code < $1.code } == [.ok, .preconditionFailed])
            #expect(try store.read { try $0.plan(id: draft)!.version } == 2)
            #expect(try store.read { try $0.audit(plan: draft).count } == 1)
        }
    }

    /// An edit over HTTP costs three trips to the database: the token (once, by the
    /// middleware), the plan's workspace (plan, community, buildings, roads, grids in one
    /// read) and the write transaction that also reads the edited grids back.
    @Test func anEditReadsTheCommunityOnce() async throws {
        try await withPlans { client, store, draft in
            let before = store.trips
            var fields = Self.auth("t-li")
            fields[.ifMatch] = "\"plan-\(draft)-v1-draft\""
            try await client.execute(uri: "/api/v1/plans/\(draft)/edits", method: .post, headers: fields, body: ByteBuffer(string: Self.merge)) { r in
                #expect(r.status == .ok)
                #expect((Self.json(r)["version"] as? Int) == 2)
            }
            #expect(store.trips - before == 3)
            let read = store.trips
            try await client.execute(uri: "/api/v1/plans/\(draft)", method: .get, headers: Self.auth("t-li")) { r in #expect(r.status == .ok) }
            #expect(store.trips - read == 2)  // the token, the workspace
        }
    }
}
