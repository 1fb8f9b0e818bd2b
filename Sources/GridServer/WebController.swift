import Foundation
import CivicGridModel
import GridGeometry
import GridStore
import Hummingbird

/// The command-centre page and what it loads: `GET /map` (and `/` for browsers; other
/// clients get the JSON landing page of the OGC API), MapLibre
/// GL JS under `/assets/`, styles at `/styles/{name}.json`, and `GET /api/v1/regions` for
/// the region picker.
struct WebController {
    let store: GridStore
    let configuration: ServerConfiguration
    /// `/` also takes OsmAnd reports (apps configured with just the server's address).
    let ingest: IngestController

    /// The page, read once from the target's resources.
    static let pageHTML: ByteBuffer? = Bundle.module.url(forResource: "map", withExtension: "html")
        .flatMap { FileManager.default.contents(atPath: $0.path) }.map { ByteBuffer(bytes: $0) }

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("map") { _, _ in try page() }
        router.get("/") { request, context in
            if IngestController.isOsmAnd(request) { return try await ingest.osmand(request, context) }
            if let f = request.uri.queryParameters["f"], f != "json", f != "html" { throw Problem.badRequest("f=\(f): json or html") }
            return try request.wantsHTML ? page() : landing(request).response(from: request, context: context)
        }
        router.get("assets/:file") { _, context in try asset(context.parameters.require("file")) }
        router.get("styles/{name}.json") { request, context in try style(request, context.parameters.require("name")) }
        router.get("api/v1/regions") { _, _ in try await regions() }
    }

    func page() throws -> Response {
        guard let html = Self.pageHTML else {
            throw Problem(.internalServerError, "Page missing", detail: "map.html is not in the GridServer resources")
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                        body: .init(byteBuffer: html))
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
        let filled = text.replacingOccurrences(of: "{base}", with: request.baseURL(fallbackHost: configuration.authority))
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
