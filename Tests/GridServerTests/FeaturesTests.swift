import CivicGridModel
import Foundation
import GridGeometry
import GridStore
import GridTracking
import GridTiles
import Hummingbird
import HummingbirdTesting
import Testing
@testable import GridServer

struct FeaturesTests {
    func withApp(_ body: @escaping @Sendable (any TestClientProtocol, GridStore) async throws -> Void) async throws {
        let store = try makeTestStore()
        let app = Application(router: buildRouter(store: store, tiles: TileProvider(set: try TileSet.load(from: store)), ingestor: PingIngestor(store: store), configuration: openLayers))
        try await app.test(.router) { client in try await body(client, store) }
    }

    func get(_ client: any TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, [String: Any], String?) {
        try await client.execute(uri: uri, method: .get, headers: [.accept: "application/json", .init("X-Forwarded-Host")!: "cg.example"]) { r in
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:]
            return (r.status, object, r.headers[.contentType])
        }
    }

    func links(_ doc: [String: Any]) -> [String: String] {
        Dictionary((doc["links"] as? [[String: Any]] ?? []).map { ($0["rel"] as! String, $0["href"] as! String) }) { a, _ in a }
    }

    func ids(_ doc: [String: Any]) -> [String] {
        (doc["features"] as? [[String: Any]] ?? []).map { "\($0["id"]!)" }
    }

    @Test func landingConformanceAndCollections() async throws {
        try await withApp { client, _ in
            let (_, landing, _) = try await get(client, "/")
            let rels = links(landing)
            #expect(rels["service-desc"] == "http://cg.example/openapi.json")
            #expect(rels["conformance"] == "http://cg.example/conformance")
            #expect(rels["data"] == "http://cg.example/collections")
            let (_, conformance, _) = try await get(client, "/conformance")
            let classes = conformance["conformsTo"] as? [String] ?? []
            for c in ["core", "geojson", "oas30"] {
                #expect(classes.contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/\(c)"))
            }
            let (_, all, type) = try await get(client, "/collections?access_token=t-admin")
            #expect(type == "application/json")
            let collections = all["collections"] as? [[String: Any]] ?? []
            #expect(collections.map { $0["id"] as! String } == ["districts", "streets", "communities", "grids", "buildings", "roads", "positions", "cases", "facilities", "organisations"])
            let (_, grids, _) = try await get(client, "/collections/grids")
            #expect(grids["itemType"] as? String == "feature")
            let bbox = try #require(((grids["extent"] as? [String: Any])?["spatial"] as? [String: Any])?["bbox"] as? [[Double]])
            for (a, b) in zip(bbox[0], [120.7, 31.3, 120.71, 31.31]) { #expect(abs(a - b) < 3e-5) }  // the R-tree keeps 32-bit floats, rounded outward
            #expect(links(grids)["items"] == "http://cg.example/collections/grids/items")
            let (_, queryables, schemaType) = try await get(client, "/collections/grids/queryables")
            #expect(schemaType == "application/schema+json")
            let props = queryables["properties"] as? [String: [String: Any]] ?? [:]
            #expect(props["households"]?["type"] as? String == "integer")
            #expect(props["community"]?["type"] as? String == "string")
        }
    }

    @Test func itemsFilterSelectAndPage() async throws {
        try await withApp { client, _ in
            let (status, page, type) = try await get(client, "/collections/grids/items")
            #expect(status == .ok)
            #expect(type == "application/geo+json")
            #expect(page["numberMatched"] as? Int == 2 && page["numberReturned"] as? Int == 2)
            #expect(page["timeStamp"] is String)
            let first = try #require((page["features"] as? [[String: Any]])?.first)
            #expect(first["id"] as? String == "320599001001001")
            let p = first["properties"] as? [String: Any] ?? [:]
            #expect(p["households"] as? Int == 420 && p["buildings"] as? Int == 1 && p["community"] as? String == "320599001001" && p["area_m2"] as? Double == 530_000)
            // Queryables as parameters.
            let (_, big, _) = try await get(client, "/collections/grids/items?community=320599001001&households_min=500")
            #expect(ids(big) == ["320599001001002"] && big["numberMatched"] as? Int == 1)
            let (_, buildings, _) = try await get(client, "/collections/buildings/items?grid=320599001001001&properties=households,grid")
            #expect(ids(buildings) == ["1"])
            let bp = (buildings["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any] ?? [:]
            #expect(Set(bp.keys) == ["households", "grid"] && bp["grid"] as? String == "320599001001001")
            // Paging: next then prev, each feature once.
            let (_, one, _) = try await get(client, "/collections/grids/items?limit=1")
            #expect(ids(one) == ["320599001001001"] && links(one)["prev"] == nil)
            let next = try #require(links(one)["next"])
            #expect(next == "http://cg.example/collections/grids/items?limit=1&after=320599001001001")
            let (_, two, _) = try await get(client, String(next.dropFirst("http://cg.example".count)))
            #expect(ids(two) == ["320599001001002"] && links(two)["next"] == nil)
            let prev = try #require(links(two)["prev"])
            let (_, back, _) = try await get(client, String(prev.dropFirst("http://cg.example".count)))
            #expect(ids(back) == ["320599001001001"])
            // One feature; the unknown one is a 404.
            let (_, item, _) = try await get(client, "/collections/buildings/items/2")
            #expect((item["properties"] as? [String: Any])?["households"] as? Int == 510)
            #expect(links(item)["collection"] == "http://cg.example/collections/buildings")
            #expect(try await get(client, "/collections/buildings/items/99").0 == .notFound)
            #expect(try await get(client, "/collections/grids/items/nope").0 == .notFound)
        }
    }

    /// Features are written once per data version: a change is seen at once.
    @Test func aChangeReachesTheNextRequest() async throws {
        try await withApp { client, store in
            func households() async throws -> Int? {
                let (_, page, _) = try await get(client, "/collections/buildings/items")
                return ((page["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any])?["households"] as? Int
            }
            #expect(try await households() == 420)
            #expect(try await households() == 420)  // from the cache
            try store.write { w in
                _ = try w.insert(Household(building: 1, unit: "1-102", size: 2, headName: nil, phone: nil))
                try w.countHouseholdsFromRecords()
            }
            #expect(try await households() == 2)  // two records now
        }
    }

    /// Without a configured proxy, X-Forwarded-Host is any client's say: links keep the
    /// request's own host (a paging link carries the caller's access_token).
    @Test func forwardedHeadersOnlyFromTrustedProxies() async throws {
        let store = try makeTestStore()
        var configuration = openLayers
        configuration.trustedProxies = []
        let app = Application(router: buildRouter(store: store, tiles: TileProvider(set: try TileSet.load(from: store)), ingestor: PingIngestor(store: store),
                                                  configuration: configuration))
        try await app.test(.router) { client in
            let (_, page, _) = try await get(client, "/collections/grids/items?limit=1")
            let next = ((page["links"] as? [[String: Any]]) ?? []).first { $0["rel"] as? String == "next" }?["href"] as? String
            #expect(next?.hasPrefix("http://localhost/") == true, "\(next ?? "no next link")")
            #expect(next?.contains("cg.example") == false)
        }
    }

    @Test func bboxMeetsTheGeometryNotJustItsBox() async throws {
        try await withApp { client, store in
            _ = try store.write { w in  // a diagonal across the community
                try w.insert(Road(name: "斜路", kind: "residential",
                                  geometry: .multiLineString([LineString(unchecked: [Coordinate(120.7, 31.3), Coordinate(120.71, 31.31)])])))
            }
            // The south-east corner: inside the diagonal's box, off the line.
            let (_, corner, _) = try await get(client, "/collections/roads/items?bbox=120.708,31.300,120.710,31.302")
            #expect(ids(corner).isEmpty && corner["numberMatched"] as? Int == 0)
            let (_, south, _) = try await get(client, "/collections/roads/items?bbox=120.700,31.300,120.702,31.302")
            #expect(ids(south) == ["2"] && south["numberMatched"] as? Int == 1)
            let (_, west, _) = try await get(client, "/collections/buildings/items?bbox=120.69,31.29,120.7049,31.32&bbox-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84")
            #expect(ids(west) == ["1"])
            // West edge east of the east edge: the box crosses the antimeridian, from 120.7065
            // east round the world to 120.7015: the east building is in it, the west one
            // (120.702–120.703) not.
            let (status, wrapped, _) = try await get(client, "/collections/buildings/items?bbox=120.7065,31.29,120.7015,31.32")
            #expect(status == .ok && ids(wrapped) == ["2"] && wrapped["numberMatched"] as? Int == 1, "\(status) \(wrapped)")
        }
    }

    @Test(arguments: [
        ("/collections/buildings/items?bbox=1,2,3", 400, "must be 4 numbers"),
        ("/collections/buildings/items?bbox=120.7,31.4,120.8,31.3", 422, "minimum latitude 31.4 is greater than the maximum 31.3"),
        ("/collections/buildings/items?bbox=120.7,-95,120.8,31.4", 422, "latitudes -95.0, 31.4 must be within -90…90"),
        ("/collections/buildings/items?bbox=a,b,c,d", 400, "must be 4 numbers"),
        ("/collections/buildings/items?bbox-crs=EPSG:3857", 400, "only http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
        ("/collections/buildings/items?limit=0", 400, "limit \"0\" must be an integer from 1 to 10000"),
        ("/collections/buildings/items?limit=10001", 400, "from 1 to 10000"),
        ("/collections/buildings/items?households_min=many", 400, "households_min \"many\" is not a number"),
        ("/collections/buildings/items?colour=red", 400, "unknown parameter \"colour\""),
        ("/collections/buildings/items?properties=phone", 422, "no property \"phone\""),
        ("/collections/buildings/items?datetime=2026-11-23T08:00:00Z", 400, "unknown parameter \"datetime\""),
        ("/collections/positions/items?datetime=yesterday&access_token=t-admin", 400, "not an RFC 3339 time"),
        ("/collections/nothing/items", 404, "no collection \"nothing\""),
        ("/collections/nothing", 404, "no collection \"nothing\""),
    ])
    func badRequestsAreProblems(uri: String, status: Int, detail: String) async throws {
        try await withApp { client, _ in
            let (s, problem, type) = try await get(client, uri)
            #expect(Int(s.code) == status)
            #expect(type == "application/problem+json")
            #expect((problem["detail"] as? String ?? "").contains(detail), "\(problem)")
        }
    }

    @Test func personalDataIsInNoCollection() async throws {
        try await withApp { client, _ in
            for layer in FeatureLayer.standard.map(\.name) {
                try await client.execute(uri: "/collections/\(layer)/items?limit=10000&access_token=t-admin", method: .get) { r in
                    #expect(r.status == .ok)
                    let text = String(buffer: r.body)
                    for secret in ["张伟", "13800000000", "1-101"] { #expect(!text.contains(secret), "\(secret) in \(layer)") }
                }
            }
        }
    }

    @Test func positionsAreTheLatestPlausibleFixPerDevice() async throws {
        try await withApp { client, store in
            // A member's device and its fixes, one flagged doubtful (the store's own tests cover
            // the query with personal fields in every column; this is the HTTP answer).
            _ = try store.write { w in
                try w.add(Device(id: "phone-1", memberName: "李娜", grids: [], tokenHash: "x"))
                return try w.insert([(1_795_420_800.0, 120.702, 0), (1_795_421_400.0, 120.707, 0), (1_795_422_000.0, 0.0, 1)].map { t, lon, flags in
                    Ping(device: "phone-1", time: t, lon: lon, lat: 31.305, receivedAt: t, community: "320599001001", flags: flags)
                })
            }
            let (_, latest, _) = try await get(client, "/collections/positions/items?access_token=t-admin")
            let f = try #require((latest["features"] as? [[String: Any]])?.first)
            #expect(f["id"] as? String == "phone-1")
            #expect(((f["geometry"] as? [String: Any])?["coordinates"] as? [Double]) == [120.707, 31.305])
            #expect((f["properties"] as? [String: Any])?["time"] as? String == "2026-11-23T08:10:00Z")
            let (_, earlier, _) = try await get(client, "/collections/positions/items?datetime=../2026-11-23T08:05:00Z&access_token=t-admin")
            #expect(((earlier["features"] as? [[String: Any]])?.first?["geometry"] as? [String: Any])?["coordinates"] as? [Double] == [120.702, 31.305])
            let (_, none, _) = try await get(client, "/collections/positions/items?datetime=2026-11-24&access_token=t-admin")
            #expect(none["numberMatched"] as? Int == 0)
            let (_, collection, _) = try await get(client, "/collections/positions?access_token=t-admin")
            let temporal = ((collection["extent"] as? [String: Any])?["temporal"] as? [String: Any])?["interval"] as? [[String]]
            #expect(temporal == [["2026-11-23T08:00:00Z", "2026-11-23T08:10:00Z"]])
            let (_, all, _) = try await get(client, "/collections/positions/items?limit=10000&access_token=t-admin")
            #expect(!"\(all)".contains("李娜"))
        }
    }

    /// The OpenAPI document and the router describe the same paths with the same methods.
    @Test func openAPIPathsAreTheRoutes() async throws {
        let store = try makeTestStore()
        let router = buildRouter(store: store, tiles: TileProvider(set: try TileSet.load(from: store)), ingestor: PingIngestor(store: store))
        func shape(_ path: String) -> String {
            path.replacing(/:[A-Za-z0-9_]+/, with: "{}").replacing(/\{[A-Za-z0-9_]+\}/, with: "{}")
        }
        let routes = Set(router.routes.filter { $0.method != .head }.map {
            "\($0.method.rawValue) " + shape("/" + "\($0.path)".trimmingCharacters(in: CharacterSet(charactersIn: "/")))
        })
        guard case .object(let document) = OpenAPI.document(layers: FeatureLayer.standard), case .object(let described)? = document["paths"] else {
            Issue.record("no paths in the OpenAPI document")
            return
        }
        let paths = described.keys
        var templates = Set<String>()
        for (path, item) in described where !path.hasPrefix("/collections/") || path.contains("{") {
            guard case .object(let operations) = item else { continue }
            for method in operations.keys { templates.insert("\(method.uppercased()) \(shape(path))") }
        }
        #expect(routes == templates, "routes only: \(routes.subtracting(templates)); documented only: \(templates.subtracting(routes))")
        for layer in FeatureLayer.standard { #expect(paths.contains("/collections/\(layer.name)/items")) }
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { r in
                #expect(r.headers[.contentType] == "application/vnd.oai.openapi+json;version=3.0")
                let doc = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                #expect(doc?["openapi"] as? String == "3.0.3")
            }
        }
    }
}
