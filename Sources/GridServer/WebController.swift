import Foundation
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
    let tracking: TrackingController

    /// The page, read once from the target's resources.
    static let pageHTML: ByteBuffer? = Bundle.module.url(forResource: "map", withExtension: "html")
        .flatMap { FileManager.default.contents(atPath: $0.path) }.map { ByteBuffer(bytes: $0) }

    func register(on router: Router<CivicContext>) {
        router.get("map") { _, _ in try page() }
        router.get("/") { request, _ in
            if TrackingController.isOsmAnd(request) { return try await tracking.osmand(request) }
            return try request.wantsHTML ? page() : landing(request)
        }
        router.get("assets/:file") { _, context in try asset(context.parameters.require("file")) }
        router.get("styles/{name}.json") { request, context in try style(request, context.parameters.require("name")) }
        router.get("api/v1/regions") { _, _ in try regions() }
    }

    func page() throws -> Response {
        guard let html = Self.pageHTML else {
            throw Problem(.internalServerError, "Page missing", detail: "map.html is not in the GridServer resources")
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                        body: .init(byteBuffer: html))
    }

    /// The JSON landing page: what this service offers.
    func landing(_ request: Request) throws -> Response {
        let base = request.baseURL(fallbackHost: configuration.authority)
        let links: [[String: String]] = [
            ["rel": "self", "type": "application/json", "title": "This document", "href": "\(base)/"],
            ["rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "title": "OpenAPI 3.0 document of the API", "href": "\(base)/openapi.json"],
            ["rel": "conformance", "type": "application/json", "title": "OGC API conformance classes", "href": "\(base)/conformance"],
            ["rel": "data", "type": "application/json", "title": "Feature collections", "href": "\(base)/collections"],
            ["rel": "alternate", "type": "text/html", "title": "The command-centre map", "href": "\(base)/map"],
            ["rel": "describedby", "type": "application/json", "title": "TileJSON of the vector tiles", "href": "\(base)/tiles.json"],
            ["rel": "stylesheet", "type": "application/json", "title": "MapLibre style", "href": "\(base)/styles/command-centre.json"],
            ["rel": "status", "type": "application/json", "title": "Health", "href": "\(base)/health"],
        ]
        return try jsonResponse(["title": "CivicGrid", "description": "Unit grids of city management: regions, grids, buildings, roads", "links": links])
    }

    func asset(_ file: String) throws -> Response {
        let types = ["maplibre-gl.js": "text/javascript; charset=utf-8", "maplibre-gl.css": "text/css; charset=utf-8"]
        guard let type = types[file] else { throw Problem.notFound("no asset \"\(file)\"") }
        let path = "\(configuration.webAssets)/\(file)"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem.notFound("\(path) is missing: Scripts/setup installs MapLibre GL JS there")
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

    func regions() throws -> Response {
        let regions = try store.read { try $0.regions() }
        return try jsonResponse(regions.map { r -> [String: Any] in
            var o: [String: Any] = ["code": r.code, "name": r.name, "level": r.level.rawValue]
            if let parent = r.parent { o["parent"] = parent }
            if let b = r.geometry.boundingBox { o["bbox"] = [b.minX, b.minY, b.maxX, b.maxY] }
            return o
        })
    }
}
