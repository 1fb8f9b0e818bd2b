import Foundation
import GridGeometry
import GridTiles
import Hummingbird

/// Vector tiles and their TileJSON:
/// `GET /tiles/{z}/{x}/{y}.mvt`, `GET /tiles/{layers}/{z}/{x}/{y}.mvt`, `GET /tiles.json`.
struct TilesController {
    let provider: TileProvider
    let fallbackHost: String
    let access: Access

    static let contentType = "application/vnd.mapbox-vector-tile"

    func register(on router: some RouterMethods<CivicContext>) {
        // The router wants the same parameter name at the same depth: s1, s2, ... by position.
        router.get("tiles/:s1/:s2/{s3}.mvt") { request, context in
            try tile(request, context, z: context.parameters.get("s1"), x: context.parameters.get("s2"), y: context.parameters.get("s3"), layers: nil)
        }
        router.get("tiles/:s1/:s2/:s3/{s4}.mvt") { request, context in
            try tile(request, context, z: context.parameters.get("s2"), x: context.parameters.get("s3"), y: context.parameters.get("s4"),
                     layers: context.parameters.get("s1"))
        }
        router.get("tiles.json") { request, _ in tileJSON(request) }
    }

    /// z/x/y as the API documents them: integers, z in 0…24, x and y in 0…2^24 − 1 (else 400);
    /// x or y past the zoom's last column or row is no tile (404).
    static func tileID(z: String?, x: String?, y: String?) throws(Problem) -> TileID {
        func int(_ name: String, _ text: String?, _ range: ClosedRange<Int>) throws(Problem) -> Int {
            guard let text, let v = Int(text) else { throw .badRequest("\(name) must be an integer, got \"\(text ?? "")\"") }
            guard range.contains(v) else { throw .badRequest("\(name) \(v) is outside \(range.lowerBound)…\(range.upperBound)") }
            return v
        }
        let z = try int("z", z, 0...TileID.maxZoom)
        let (x, y) = (try int("x", x, 0...(1 << TileID.maxZoom) - 1), try int("y", y, 0...(1 << TileID.maxZoom) - 1))
        guard let id = TileID(z: z, x: x, y: y) else { throw .notFound("no tile \(z)/\(x)/\(y): x and y are in 0…\((1 << z) - 1) at zoom \(z)") }
        return id
    }

    func tile(_ request: Request, _ context: CivicContext, z: String?, x: String?, y: String?, layers: String?) throws -> Response {
        let id = try Self.tileID(z: z, x: x, y: y)
        // The exact layers this caller reads, always named: the cache is keyed by them, so a
        // tile rendered for one caller is served only to callers who may read the same layers.
        let anonymous = context.account == nil
        let known = provider.set.layerNames
        let names: Set<String>
        if let layers {
            // A client may write the list's commas percent-encoded (`%2C`): the same list.
            let requested = (layers.removingPercentEncoding ?? layers).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if let unknown = requested.first(where: { !known.contains($0) }) {
                throw Problem.badRequest(unknown.isEmpty ? "an empty layer name in \"\(layers)\"; layers are \(known.joined(separator: ", "))"
                                         : "no layer \"\(unknown)\"; layers are \(known.joined(separator: ", "))")
            }
            for layer in requested { try access.checkLayer(context, layer) }
            names = Set(requested)
        } else {
            names = Set(known.filter { access.canRead(context, $0) })  // every layer of the tile the caller may read
        }
        let gzip = (request.headers[.acceptEncoding] ?? "").contains("gzip")
        let tile = provider.tile(id, layers: names, gzip: gzip)
        // Each encoding is its own representation, with its own strong validator.
        let zippedTag = String(tile.etag.dropLast()) + "-gzip\""
        var headers: HTTPFields = [.eTag: tile.gzipped ? zippedTag : tile.etag, .cacheControl: anonymous ? "no-cache" : "private, no-cache",
                                   .vary: "Accept-Encoding, Authorization"]
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: {
            var tag = $0.trimmingCharacters(in: .whitespaces)
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == "*" || tag == tile.etag || tag == zippedTag
        }) {
            return Response(status: .notModified, headers: headers)
        }
        if tile.isEmpty { return Response(status: .noContent, headers: headers) }
        headers[.contentType] = Self.contentType
        if tile.gzipped { headers[.contentEncoding] = "gzip" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: tile.body))
    }

    /// TileJSON 3.0.0 of the tile set, from the layer catalogue.
    struct TileJSON: Codable, Sendable {
        var tilejson = "3.0.0"
        var name = "CivicGrid"
        var description = "Regions, unit grids, buildings and roads of CivicGrid"
        var version = "1.0.0"
        var scheme = "xyz"
        var tiles: [String]
        var minzoom, maxzoom: Int
        var vectorLayers: [VectorLayerMetadata]
        var bounds: [Double]?
        var center: [Double]?

        enum CodingKeys: String, CodingKey {
            case tilejson, name, description, version, scheme, tiles, minzoom, maxzoom, vectorLayers = "vector_layers", bounds, center
        }
    }

    func tileJSON(_ request: Request) -> JSONAnswer<TileJSON> {
        let set = provider.set
        let base = request.baseURL(fallbackHost: fallbackHost)
        var doc = TileJSON(tiles: ["\(base)/tiles/{z}/{x}/{y}.mvt"], minzoom: set.minZoom, maxzoom: set.maxZoom, vectorLayers: set.vectorLayers)
        if let world = set.bounds {
            let b = WebMercator.unproject(world)
            let round = { (v: Double) in (v * 1e6).rounded() / 1e6 }
            doc.bounds = [b.minX, b.minY, b.maxX, b.maxY].map(round)
            doc.center = [round(b.center.x), round(b.center.y), Double(Self.fittingZoom(world))]
        }
        return JSONAnswer(doc, headers: [.cacheControl: "no-cache"])
    }

    /// The zoom at which a world-unit box spans about two tiles.
    static func fittingZoom(_ box: BoundingBox) -> Int {
        let span = max(box.width, box.height, 1e-9)
        return max(0, min(16, Int(log2(2 / span).rounded(.down))))
    }
}
