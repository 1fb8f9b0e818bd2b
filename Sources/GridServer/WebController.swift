import Foundation
import CivicGridModel
import GridGeometry
import GridStore
import HTTPTypes
import Hummingbird

/// The command-centre page and what it loads: `GET /map` (and `/` for browsers; other
/// clients get the JSON landing page of the OGC API); the phone pages — grid staff's `/m/`
/// (with its service worker), residents' `/report` and `/track/{token}`; their ES modules, style sheet and message
/// catalogues under `/web/`, MapLibre GL JS and Chart.js under `/assets/`, the map's label
/// glyphs under `/fonts/`, styles at `/styles/{name}.json`, and `GET /api/v1/regions` for the
/// region picker.
struct WebController {
    let store: GridStore
    let configuration: ServerConfiguration
    /// `/` also takes OsmAnd reports (apps configured with just the server's address).
    let ingest: IngestController

    /// The page's files (shell, modules, style sheet, catalogues), read once from the
    /// target's resources.
    static let files: [String: ByteBuffer] = {
        guard let dir = Bundle.module.url(forResource: "web", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [:] }
        var out: [String: ByteBuffer] = [:]
        for name in names { if let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) { out[name] = ByteBuffer(bytes: data) } }
        return out
    }()

    static let types = ["html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
                        "json": "application/json; charset=utf-8"]

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("map") { _, _ in try page() }
        router.get("m") { _, _ in try file("m.html") }
        router.get("report") { _, _ in try file("resident.html") }
        router.get("track/:token") { _, _ in try file("track.html") }
        router.get("/") { request, context in
            if IngestController.isOsmAnd(request) { return try await ingest.osmand(request, context) }
            if let f = request.uri.queryParameters["f"], f != "json", f != "html" { throw Problem.badRequest("f=\(f): json or html") }
            return try request.wantsHTML ? page() : landing(request).response(from: request, context: context)
        }
        router.get("assets/:file") { _, context in try asset(context.parameters.require("file")) }
        router.get("web/:file") { _, context in try file(context.parameters.require("file")) }
        router.get("fonts/:stack/:range") { _, context in try glyphs(context.parameters.require("range")) }
        router.get("styles/{name}.json") { request, context in try style(request, context.parameters.require("name")) }
        router.get("api/v1/regions") { _, _ in try await regions() }
    }

    func page() throws -> Response {
        guard Self.files["map.html"] != nil else {
            throw Problem(.internalServerError, "Page missing", detail: "web/map.html is not in the GridServer resources")
        }
        return try file("map.html")
    }

    /// One of the page's files; revalidated on each load (`no-cache`), so a new server's page is
    /// never mixed with an old module.
    func file(_ name: String) throws -> Response {
        guard let body = Self.files[name], let type = Self.types[String(name.split(separator: ".").last ?? "")] else {
            throw Problem.notFound("no page file \"\(name)\"")
        }
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-cache"]
        // The phone page's service worker serves /m/ from /web/.
        if name == "m-sw.js", let allowed = HTTPField.Name("Service-Worker-Allowed") { headers[allowed] = "/m/" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// A style with the city's basemap under everything but its background.
    static func withBasemap(_ style: String, _ basemap: (tiles: String, attribution: String)) throws -> String {
        guard case .object(var o) = try JSONValue.decode(Data(style.utf8)), case .object(var sources)? = o["sources"], case .array(var layers)? = o["layers"] else {
            throw Problem(.internalServerError, "Style unreadable", detail: "the style is not an object with sources and layers")
        }
        sources["basemap"] = ["type": "raster", "tiles": [.string(basemap.tiles)], "tileSize": 256, "attribution": .string(basemap.attribution)]
        let first = layers.firstIndex { if case .object(let l) = $0, l["type"] == "background" { false } else { true } } ?? layers.endIndex
        layers.insert(["id": "basemap", "type": "raster", "source": "basemap"], at: first)
        o["sources"] = .object(sources)
        o["layers"] = .array(layers)
        return String(decoding: try JSONEncoder().encode(JSONValue.object(o)), as: UTF8.self)
    }

    /// The label glyphs of 256 code points (`0-255.pbf`), made at set-up from the Noto CJK font
    /// (Scripts/glyphs.py): every font stack the style names is this one. A range not made is
    /// an empty one, so a label still shows its other characters (ideographs are drawn by
    /// the browser: MapLibre's `localIdeographFontFamily`).
    func glyphs(_ range: String) throws -> Response {
        let bounds = range.hasSuffix(".pbf") ? range.dropLast(4).split(separator: "-").compactMap { Int($0) } : []
        guard bounds.count == 2, bounds[0] % 256 == 0, bounds[1] == bounds[0] + 255, bounds[0] <= 0xFFFF else {
            throw Problem.notFound("no glyph range \"\(range)\": {start}-{start+255}.pbf")
        }
        let name = "\(bounds[0])-\(bounds[1])"
        let body = FileManager.default.contents(atPath: "\(configuration.webAssets)/glyphs/\(name).pbf").map { ByteBuffer(bytes: $0) }
            ?? Self.emptyGlyphs(name)
        return Response(status: .ok, headers: [.contentType: "application/x-protobuf", .cacheControl: "public, max-age=86400"], body: .init(byteBuffer: body))
    }

    /// A glyphs message with one font stack and no glyph.
    static func emptyGlyphs(_ range: String) -> ByteBuffer {
        let name = Array("CivicGrid Sans".utf8), r = Array(range.utf8)
        let stack: [UInt8] = [0x0A, UInt8(name.count)] + name + [0x12, UInt8(r.count)] + r
        return ByteBuffer(bytes: [0x0A, UInt8(stack.count)] + stack)
    }

    /// The JSON landing page: what this service offers.
    struct Landing: Encodable, Sendable {
        var title = "CivicGrid"
        var description = "Unit grids of city management: regions, grids, buildings, roads"
        var links: [Link]
    }

    func landing(_ request: Request) -> JSONAnswer<Landing> {
        let base = request.baseURL(fallbackHost: configuration.authority)
        return JSONAnswer(Landing(links: [
            Link("self", "application/json", "This document", "\(base)/"),
            Link("service-desc", "application/vnd.oai.openapi+json;version=3.0", "OpenAPI 3.0 document of the API", "\(base)/openapi.json"),
            Link("conformance", "application/json", "OGC API conformance classes", "\(base)/conformance"),
            Link("data", "application/json", "Feature collections", "\(base)/collections"),
            Link("alternate", "text/html", "The command-centre map", "\(base)/map"),
            Link("describedby", "application/json", "TileJSON of the vector tiles", "\(base)/tiles.json"),
            Link("stylesheet", "application/json", "MapLibre style", "\(base)/styles/command-centre.json"),
            Link("status", "application/json", "Health", "\(base)/health"),
        ]))
    }

    func asset(_ file: String) throws -> Response {
        let types = ["maplibre-gl.js": "text/javascript; charset=utf-8", "maplibre-gl.css": "text/css; charset=utf-8", "chart.min.js": "text/javascript; charset=utf-8"]
        guard let type = types[file] else { throw Problem.notFound("no asset \"\(file)\"") }
        let path = "\(configuration.webAssets)/\(file)"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem.notFound("\(path) is missing: Scripts/setup installs MapLibre GL JS and Chart.js there")
        }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=86400"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A style from the styles folder with `{base}` replaced by this server's URL.
    func style(_ request: Request, _ name: String) throws -> Response {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }),
              let data = FileManager.default.contents(atPath: "\(configuration.styles)/\(name).json"), let text = String(data: data, encoding: .utf8) else {
            throw Problem.notFound("no style \"\(name)\"")
        }
        var filled = text.replacingOccurrences(of: "{base}", with: request.baseURL(fallbackHost: configuration.authority))
        if let basemap = configuration.basemap { filled = try Self.withBasemap(filled, basemap) }
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(string: filled)))
    }

    struct RegionSummary: Encodable, Sendable {
        var code, name: String
        var level: RegionLevel
        var parent: String?
        var bbox: [Double]?
    }

    func regions() async throws -> JSONAnswer<[RegionSummary]> {
        let regions = try await store.asyncRead { try $0.regions() }
        return JSONAnswer(regions.map { r in
            RegionSummary(code: r.code, name: r.name, level: r.level, parent: r.parent,
                          bbox: r.geometry.boundingBox.map { [$0.minX, $0.minY, $0.maxX, $0.maxY] })
        })
    }
}
