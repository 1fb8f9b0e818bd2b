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

struct TilesTests {
    static let styles = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Styles").standardized.path

    func tile(_ z: Int, at lon: Double, _ lat: Double) -> TileID {
        TileID.covering(WebMercator.project(BoundingBox(minX: lon, minY: lat, maxX: lon, maxY: lat)), zoom: z)[0]
    }

    func withApp(_ body: @escaping @Sendable (any TestClientProtocol, GridStore, TileProvider) async throws -> Void) async throws {
        let store = try makeTestStore()
        let tiles = TileProvider(set: try TileSet.load(from: store))
        let app = Application(router: buildRouter(store: store, tiles: tiles, ingestor: PingIngestor(store: store), configuration: .init(styles: Self.styles, publicLayers: openLayers.publicLayers, trustedProxies: ["*"])))
        try await app.test(.router) { client in try await body(client, store, tiles) }
    }

    @Test func tileHasEveryLayerAndNoPersonalData() async throws {
        try await withApp { client, _, _ in
            let t = tile(15, at: 120.7025, 31.305)
            try await client.execute(uri: "/tiles/\(t.z)/\(t.x)/\(t.y).mvt", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/vnd.mapbox-vector-tile")
                #expect(response.headers[.cacheControl] == "no-cache")
                let bytes = Array(Data(buffer: response.body))
                for text in ["districts", "streets", "communities", "grids", "buildings", "roads", "320599001001001", "黄河路"] {
                    #expect(bytes.contains(text), "\(text) missing")
                }
            }
            // Personal fields never reach a tile, at any zoom; a building's address (its label)
            // only at the highest.
            for z in 0...16 {
                let t = tile(z, at: 120.7025, 31.305)
                try await client.execute(uri: "/tiles/\(t.z)/\(t.x)/\(t.y).mvt", method: .get) { response in
                    let bytes = Array(Data(buffer: response.body))
                    #expect(!bytes.contains("张伟") && !bytes.contains("13800000000") && !bytes.contains("1-101"))
                    #expect(bytes.contains("梅巷12幢") == (z == 16), "z\(z)")
                }
            }
        }
    }

    @Test func layerListGzipETagAndEmptyTiles() async throws {
        try await withApp { client, _, _ in
            let t = tile(14, at: 120.705, 31.305)
            let uri = "/tiles/grids,roads/\(t.z)/\(t.x)/\(t.y).mvt"
            var etag = ""
            try await client.execute(uri: uri, method: .get) { response in
                let bytes = Array(Data(buffer: response.body))
                #expect(bytes.contains("grids") && bytes.contains("黄河路"))
                #expect(!bytes.contains("floors") && !bytes.contains("三香社区"))  // only in buildings and communities
                etag = try #require(response.headers[.eTag])
            }
            try await client.execute(uri: uri, method: .get, headers: [.acceptEncoding: "gzip, deflate"]) { response in
                #expect(response.headers[.contentEncoding] == "gzip")
                #expect(Array(Data(buffer: response.body).prefix(2)) == [0x1f, 0x8b])
                #expect(response.headers[.eTag] == String(etag.dropLast()) + "-gzip\"")
            }
            // The list's commas percent-encoded are the same list (schemathesis writes them so).
            try await client.execute(uri: uri.replacingOccurrences(of: ",", with: "%2C"), method: .get) { response in
                #expect(response.status == .ok && response.headers[.eTag] == etag, "\(String(buffer: response.body))")
            }
            try await client.execute(uri: uri, method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/tiles/14/0/0.mvt", method: .get) { response in
                #expect(response.status == .noContent)
            }
        }
    }

    @Test func badTileAddressesAreProblems() async throws {
        try await withApp { client, _, _ in
            for (uri, status, detail) in [("/tiles/25/0/0.mvt", HTTPResponse.Status.badRequest, "z 25 is outside 0…24"),
                                          ("/tiles/3/8/0.mvt", .notFound, "x and y are in 0…7 at zoom 3"),
                                          ("/tiles/3/0/16777216.mvt", .badRequest, "y 16777216 is outside 0…16777215"),
                                          ("/tiles/3/a/0.mvt", .badRequest, "x must be an integer"),
                                          ("/tiles/grids,people/3/0/0.mvt", .badRequest, "no layer \"people\"")] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == status, "\(uri)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    #expect((body?["detail"] as? String)?.contains(detail) == true, "\(uri): \(body ?? [:])")
                    #expect(body?["status"] as? Int == Int(status.code))
                }
            }
        }
    }

    @Test func tileJSONAndStyleNameThisHost() async throws {
        try await withApp { client, _, _ in
            try await client.execute(uri: "/tiles.json", method: .get, headers: [.init("X-Forwarded-Host")!: "maps.example:9000"]) { response in
                let doc = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(doc["tilejson"] as? String == "3.0.0")
                #expect(doc["tiles"] as? [String] == ["http://maps.example:9000/tiles/{z}/{x}/{y}.mvt"])
                let bounds = try #require(doc["bounds"] as? [Double])
                #expect(abs(bounds[0] - 120.7) < 1e-6 && abs(bounds[3] - 31.311) < 1e-6)
                let layers = try #require(doc["vector_layers"] as? [[String: Any]])
                #expect(layers.map { $0["id"] as? String } == ["districts", "streets", "communities", "grids", "buildings", "roads"])
                let grids = layers[3]["fields"] as? [String: String]
                #expect(grids?["households"] == "Number" && grids?["band"] == "String")
            }
            try await client.execute(uri: "/styles/command-centre.json", method: .get, headers: [.init("X-Forwarded-Host")!: "maps.example:9000"]) { response in
                #expect(response.status == .ok)
                let style = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(style["version"] as? Int == 8)
                let source = (style["sources"] as? [String: Any])?["civicgrid"] as? [String: Any]
                #expect(source?["url"] as? String == "http://maps.example:9000/tiles.json")
            }
            try await client.execute(uri: "/styles/..%2Fsecret.json", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    /// `serve --basemap`: the city's raster tiles under every layer but the background, with
    /// their attribution; without it the style names no outside source.
    @Test func aBasemapGoesUnderTheData() throws {
        let style = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Styles/command-centre.json"), encoding: .utf8)
        #expect(!style.contains("http"), "no outside source by default")
        let filled = try WebController.withBasemap(style, ("https://tiles.example.cn/{z}/{x}/{y}.png", "© 某市测绘院"))
        let o = try #require(try JSONSerialization.jsonObject(with: Data(filled.utf8)) as? [String: Any])
        let layers = try #require(o["layers"] as? [[String: Any]]).compactMap { $0["id"] as? String }
        #expect(layers.prefix(2) == ["background", "basemap"] && layers.count > 10, "\(layers)")
        let source = try #require((o["sources"] as? [String: Any])?["basemap"] as? [String: Any])
        #expect(source["tiles"] as? [String] == ["https://tiles.example.cn/{z}/{x}/{y}.png"] && source["attribution"] as? String == "© 某市测绘院")
    }

    @Test func rootNegotiatesPageOrLanding() async throws {
        try await withApp { client, _, _ in
            try await client.execute(uri: "/", method: .get, headers: [.accept: "text/html,application/xhtml+xml"]) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: response.body).contains(#"<script type="module" src="/web/main.js">"#))
            }
            try await client.execute(uri: "/", method: .get, headers: [.accept: "application/json"]) { response in
                let doc = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let rels = (doc?["links"] as? [[String: String]])?.compactMap { $0["rel"] }
                #expect(rels?.contains("self") == true && rels?.contains("alternate") == true)
            }
            try await client.execute(uri: "/map", method: .get) { response in
                #expect(String(buffer: response.body).contains(#"<html lang="zh-CN">"#))
            }
            // The page's modules, catalogues (the same keys in both) and label glyphs.
            try await client.execute(uri: "/web/app.js", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/javascript") == true)
                #expect(String(buffer: response.body).contains("/styles/command-centre.json"))
            }
            var keys: [Set<String>] = []
            for locale in ["zh-CN", "en"] {
                try await client.execute(uri: "/web/\(locale).json", method: .get) { response in
                    keys.append(Set(((try JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: String] ?? [:]).keys))
                }
            }
            #expect(keys.count == 2 && keys[0] == keys[1] && keys[0].count > 300, "\(keys.map { $0.symmetricDifference(keys.first ?? []) })")
            try await client.execute(uri: "/web/../Package.swift", method: .get) { response in #expect(response.status == .notFound) }
            try await client.execute(uri: "/fonts/CivicGrid%20Sans/65280-65535.pbf", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "application/x-protobuf")
            }
            try await client.execute(uri: "/fonts/CivicGrid%20Sans/1-300.pbf", method: .get) { response in #expect(response.status == .notFound) }
            try await client.execute(uri: "/api/v1/regions", method: .get) { response in
                let regions = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]]
                #expect(regions?.map { $0["level"] as? String } == ["district", "street", "community"])
            }
        }
    }

    @Test func changesDropOnlyTheTilesTheyTouch() async throws {
        try await withApp { client, store, tiles in
            let west = tile(16, at: 120.7025, 31.305), east = tile(16, at: 120.7075, 31.305)
            var before: [TileID: String] = [:]
            for t in [west, east] {
                try await client.execute(uri: "/tiles/\(t.z)/\(t.x)/\(t.y).mvt", method: .get) { before[t] = $0.headers[.eTag] }
            }
            #expect(tiles.statistics.renders == 2)
            // A new building in the east, written as another process would.
            _ = try store.write { w in
                try w.insert(Building(ref: "b3", address: nil, floors: 3, households: 12, householdSource: .declared, areaM2: 300,
                                      community: "320599001001", label: Coordinate(120.7076, 31.3052),
                                      geometry: .multiPolygon([Polygon(exterior: LinearRing(unchecked: [
                                          Coordinate(120.7074, 31.305), Coordinate(120.7078, 31.305), Coordinate(120.7078, 31.3054),
                                          Coordinate(120.7074, 31.3054), Coordinate(120.7074, 31.305)]))])))
            }
            #expect(try tiles.refresh(from: store) == 1)
            for t in [west, east] {
                try await client.execute(uri: "/tiles/\(t.z)/\(t.x)/\(t.y).mvt", method: .get, headers: [.ifNoneMatch: before[t]!]) { response in
                    #expect(response.status == (t == west ? .notModified : .ok), "\(t)")
                }
            }
            #expect(tiles.statistics.renders == 3)  // only the east tile again
            #expect(tiles.statistics.hits == 1)
        }
    }
}

extension Array where Element == UInt8 {
    func contains(_ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
