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

/// A layer is one descriptor plus one query: a made-up layer, added here and nowhere else,
/// appears in the tiles, TileJSON, the collections, their queryables and the OpenAPI document.
struct LayerCatalogueTests {
    /// Buildings of ten floors or more (the test store's east building has 18, the west 6).
    static let towers: FeatureLayer = {
        let descriptor = LayerDescriptor(name: "towers", title: "Towers", summary: "Buildings of ten floors or more.", geometry: .multiPolygon,
                                         fields: [LayerField("floors", .integer, "Floors"), LayerField("households", .integer, "Households")],
                                         zooms: 12...16, publicByDefault: true)
        let query = LayerQuery(from: "buildings t", id: "t.fid", geometry: "t.geom", indexed: ("buildings", "t"),
                               condition: "t.floors >= 10", columns: ["floors": "t.floors", "households": "t.households"])
        do { return try FeatureLayer(descriptor, query) } catch { fatalError("\(error)") }
    }()

    @Test func aMadeUpLayerShowsUpEverywhere() async throws {
        let store = try makeTestStore()
        let layers = FeatureLayer.standard + [Self.towers]
        let tiles = TileProvider(set: try TileSet.load(from: store, layers: layers))
        let app = Application(router: buildRouter(store: store, tiles: tiles, ingestor: PingIngestor(store: store),
                                                  configuration: ServerConfiguration(layers: layers)))
        try await app.test(.router) { client in
            func json(_ uri: String) async throws -> [String: Any] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .ok, "\(uri)")
                    return try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                }
            }
            // Tiles: the layer alone, at the tower (its feature) and at the low building (none).
            for (lon, expected) in [(120.7075, HTTPResponse.Status.ok), (120.7025, .noContent)] {
                let t = TileID.covering(WebMercator.project(BoundingBox(minX: lon, minY: 31.305, maxX: lon, maxY: 31.305)), zoom: 16)[0]
                try await client.execute(uri: "/tiles/towers/16/\(t.x)/\(t.y).mvt", method: .get) { r in
                    #expect(r.status == expected, "\(lon)")
                    if expected == .ok { #expect(Array(Data(buffer: r.body)).contains("towers") && Array(Data(buffer: r.body)).contains("floors")) }
                }
            }
            let tileJSON = try await json("/tiles.json")
            let vector = try #require((tileJSON["vector_layers"] as? [[String: Any]])?.first { $0["id"] as? String == "towers" })
            #expect(vector["fields"] as? [String: String] == ["floors": "Number", "households": "Number"])
            #expect(vector["minzoom"] as? Int == 12)
            let collections = try await json("/collections")
            #expect((collections["collections"] as? [[String: Any]])?.contains { $0["id"] as? String == "towers" } == true)
            let items = try await json("/collections/towers/items")
            #expect(items["numberMatched"] as? Int == 1)
            let queryables = try await json("/collections/towers/queryables")
            #expect(((queryables["properties"] as? [String: Any])?["floors"] as? [String: Any])?["type"] as? String == "integer")
            let openAPI = try await json("/openapi.json")
            let paths = try #require(openAPI["paths"] as? [String: Any])
            #expect(paths["/collections/towers/items"] != nil)
            let towersParameters = ((paths["/collections/towers/items"] as? [String: Any])?["get"] as? [String: Any])?["parameters"] as? [[String: Any]]
            #expect(towersParameters?.contains { $0["name"] as? String == "floors_min" } == true)
        }
        // Without the layer, none of it is there.
        let plain = Application(router: buildRouter(store: store, tiles: TileProvider(set: try TileSet.load(from: store)), ingestor: PingIngestor(store: store)))
        try await plain.test(.router) { client in
            try await client.execute(uri: "/collections/towers/items", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/tiles/towers/16/0/0.mvt", method: .get) { r in #expect(r.status == .badRequest) }
        }
    }

    /// The catalogue's own rules: every standard layer passes the checks `FeatureLayer.init`
    /// makes; a field over a withheld column or without a column is refused.
    @Test func descriptorsAndQueriesAgree() throws {
        for layer in FeatureLayer.standard { _ = try FeatureLayer(layer.descriptor, layer.query) }
        #expect(FeatureLayer.standard.map(\.name) == LayerDescriptor.standard.map(\.name))
        var leaky = LayerDescriptor.buildings
        leaky.fields.append(LayerField("phone", .string, "Phone"))
        var query = try #require(FeatureLayer.standard.named("buildings")).query
        query.columns["phone"] = "'x'"
        #expect(throws: StoreError.self) { try FeatureLayer(leaky, query) }
        var missing = LayerDescriptor.roads
        missing.fields.append(LayerField("lanes", .integer, "Lanes"))
        #expect(throws: StoreError.self) { try FeatureLayer(missing, try #require(FeatureLayer.standard.named("roads")).query) }
    }
}
