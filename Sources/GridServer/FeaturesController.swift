import Foundation
import GridGeometry
import GridStore
import Hummingbird

/// OGC API – Features (Part 1 Core, GeoJSON, OpenAPI 3.0; Part 3 queryables as query
/// parameters): `/conformance`, `/collections`, `/collections/{id}`,
/// `/collections/{id}/queryables`, `/collections/{id}/items`, `/collections/{id}/items/{featureId}`.
/// The landing page (`/`) is the web controller's.
struct FeaturesController {
    let store: GridStore
    let fallbackHost: String
    let access: Access
    let cache = FeatureCache()

    static let conformance = [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    ]

    func register(on router: Router<CivicContext>) {
        router.get("conformance") { request, _ in try checkFormat(request); return try jsonResponse(["conformsTo": Self.conformance]) }
        router.get("collections") { request, _ in try collections(request) }
        router.get("collections/:collectionId") { request, context in try collection(request, context.parameters.require("collectionId")) }
        router.get("collections/:collectionId/queryables") { request, context in
            try queryables(request, context.parameters.require("collectionId"))
        }
        router.get("collections/:collectionId/items") { request, context in try items(request, context.parameters.require("collectionId")) }
        router.get("collections/:collectionId/items/:featureId") { request, context in
            try item(request, context.parameters.require("collectionId"), context.parameters.require("featureId"))
        }
    }

    // MARK: Metadata

    /// The layers offered: roads only once some are imported.
    func layers(_ r: StoreReader) throws -> [FeatureLayer] {
        let hasRoads = try r.hasFeatures(.roads)
        return FeatureLayer.allCases.filter { $0 != .roads || hasRoads }
    }

    func layer(_ id: String, _ r: StoreReader) throws -> FeatureLayer {
        let offered = try layers(r)
        guard let layer = FeatureLayer(rawValue: id), offered.contains(layer) else {
            throw Problem.notFound("no collection \"\(id)\"; collections: \(offered.map(\.rawValue).joined(separator: ", "))")
        }
        return layer
    }

    func collections(_ request: Request) throws -> Response {
        try checkFormat(request)
        let base = request.baseURL(fallbackHost: fallbackHost)
        let account = try access.account(request)
        let readable = FeatureLayer.allCases.filter { access.canRead(account, $0.rawValue) }
        let documents = try store.read { r in try layers(r).filter(readable.contains).map { try describe($0, base, r) } }
        return try jsonResponse([
            "links": [
                link("self", "application/json", "Collections", "\(base)/collections"),
                link("root", "application/json", "Landing page", "\(base)/"),
            ],
            "collections": documents,
        ])
    }

    func collection(_ request: Request, _ id: String) throws -> Response {
        try checkFormat(request)
        let base = request.baseURL(fallbackHost: fallbackHost)
        try access.checkLayer(try access.account(request), id)
        return try jsonResponse(try store.read { r in try describe(try layer(id, r), base, r) })
    }

    /// A collection's description: links, extent, item type, CRS.
    func describe(_ layer: FeatureLayer, _ base: String, _ r: StoreReader) throws -> [String: Any] {
        let url = "\(base)/collections/\(layer.rawValue)"
        var doc: [String: Any] = [
            "id": layer.rawValue, "title": layer.title, "description": layer.summary, "itemType": "feature",
            "crs": [ItemsParameters.crs84], "storageCrs": ItemsParameters.crs84,
            "links": [
                link("self", "application/json", layer.title, url),
                link("items", "application/geo+json", "\(layer.title) as GeoJSON", "\(url)/items"),
                link("http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryables", "\(url)/queryables"),
            ],
        ]
        if let extent = try r.extent(layer) {
            let b = extent.box
            var e: [String: Any] = ["spatial": ["bbox": [[b.minX, b.minY, b.maxX, b.maxY]], "crs": ItemsParameters.crs84]]
            if let (start, end) = extent.time {
                e["temporal"] = ["interval": [[StoreReader.isoTime(start), StoreReader.isoTime(end)]],
                                 "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"]
            }
            doc["extent"] = e
        }
        return doc
    }

    /// The queryable properties as a JSON Schema (OGC API – Features Part 3).
    func queryables(_ request: Request, _ id: String) throws -> Response {
        try checkFormat(request)
        let base = request.baseURL(fallbackHost: fallbackHost)
        try access.checkLayer(try access.account(request), id)
        let layer = try store.read { try self.layer(id, $0) }
        var properties: [String: Any] = [:]
        for p in layer.properties {
            var schema: [String: Any] = ["title": p.title]
            switch p.type {
            case .string: schema["type"] = "string"
            case .integer: schema["type"] = "integer"
            case .number: schema["type"] = "number"
            case .dateTime: schema["type"] = "string"; schema["format"] = "date-time"
            }
            properties[p.name] = schema
        }
        properties["geometry"] = ["format": "geometry-\(layer.geometryType.lowercased())"]
        let body = try JSONSerialization.data(withJSONObject: [
            "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "\(base)/collections/\(id)/queryables",
            "type": "object", "title": layer.title, "properties": properties, "additionalProperties": false,
        ] as [String: Any], options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: [.contentType: "application/schema+json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: Features

    func items(_ request: Request, _ id: String) throws -> Response {
        let base = request.baseURL(fallbackHost: fallbackHost)
        let sent = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        let parameters = sent.filter { $0.0 != "access_token" }
        let account = try access.account(request)
        try access.checkLayer(account, id)
        if id == FeatureLayer.grids.rawValue, let plan = parameters.last(where: { $0.0 == "plan" }).flatMap({ Int64($0.1) }) { try checkPlan(account, plan) }
        let (layer, page, query) = try store.read { r -> (FeatureLayer, FeaturePage, FeatureQuery) in
            let found = try self.layer(id, r)
            let query = try ItemsParameters.parse(found, parameters)
            return (found, try r.features(found, query, cache: cache), query)
        }
        let url = "\(base)/collections/\(layer.rawValue)/items"
        // Links keep every parameter but the cursors (the caller's access_token too: the next
        // page needs it as much as this one).
        let kept = sent.filter { $0.0 != "after" && $0.0 != "before" }
        func href(_ extra: [(String, String)]) -> String {
            let all = kept + extra
            return all.isEmpty ? url : url + "?" + all.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        var links: [JSONValue] = [
            linkValue("self", "application/geo+json", "This page", href(query.after.map { [("after", $0)] } ?? query.before.map { [("before", $0)] } ?? [])),
            linkValue("collection", "application/json", layer.title, "\(base)/collections/\(layer.rawValue)"),
        ]
        if let next = page.next { links.append(linkValue("next", "application/geo+json", "Next page", href([("after", next)]))) }
        if let previous = page.previous { links.append(linkValue("prev", "application/geo+json", "Previous page", href([("before", previous)]))) }
        let bytes = GeoJSONWriter().featureCollectionBytes(encoded: page.features, foreignMembers: [
            ("links", .array(links)),
            ("numberMatched", .number(Double(page.numberMatched))),
            ("numberReturned", .number(Double(page.features.count))),
            ("timeStamp", .string(Date().formatted(.iso8601))),
        ])
        return Response(status: .ok, headers: [.contentType: "application/geo+json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func item(_ request: Request, _ id: String, _ featureID: String) throws -> Response {
        let base = request.baseURL(fallbackHost: fallbackHost)
        var plan: Int64?
        for (name, value) in request.uri.queryParameters {
            switch name {
            case "f": guard ["json", "geojson"].contains(value) else { throw Problem.badRequest("f=\(value): features are served as f=json (GeoJSON) only") }
            case "plan":
                guard let p = Int64(value) else { throw Problem.badRequest("plan \"\(value)\" is not a plan id") }
                plan = p
            case "access_token": continue
            default: throw Problem.badRequest("unknown parameter \"\(name)\"; a feature takes f and, for grids, plan")
            }
        }
        let account = try access.account(request)
        try access.checkLayer(account, id)
        if id == FeatureLayer.grids.rawValue, let plan { try checkPlan(account, plan) }
        let (layer, feature) = try store.read { r -> (FeatureLayer, Feature?) in
            let found = try self.layer(id, r)
            return (found, try r.feature(found, id: featureID, plan: found == .grids ? plan : nil))
        }
        guard let feature else { throw Problem.notFound("no feature \"\(featureID)\" in \(layer.rawValue)") }
        var text = GeoJSONWriter().feature(feature)
        let url = "\(base)/collections/\(layer.rawValue)"
        var links = ""
        GeoJSONWriter.appendValue(.array([
            linkValue("self", "application/geo+json", "This feature", "\(url)/items/\(Self.escape(featureID))"),
            linkValue("collection", "application/json", layer.title, url),
        ]), to: &links)
        text.removeLast()
        text += ",\"links\":\(links)}"
        return Response(status: .ok, headers: [.contentType: "application/geo+json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: Helpers

    /// Grids of a plan other than a published one are for those who may read plans in its community.
    func checkPlan(_ account: Account?, _ id: Int64) throws {
        guard let plan = try store.read({ try $0.plan(id: id) }), plan.status != .published else { return }
        let account = try access.require(account, PlansController.readers, to: "read draft and archived plans")
        try access.checkScope(account, plan.community, "read plan \(id)")
    }

    /// Metadata documents are JSON only.
    func checkFormat(_ request: Request) throws {
        if let f = request.uri.queryParameters["f"], f != "json" { throw Problem.badRequest("f=\(f): this document is served as f=json only") }
    }

    func link(_ rel: String, _ type: String, _ title: String, _ href: String) -> [String: String] {
        ["rel": rel, "type": type, "title": title, "href": href]
    }

    func linkValue(_ rel: String, _ type: String, _ title: String, _ href: String) -> JSONValue {
        .object(["rel": .string(rel), "type": .string(type), "title": .string(title), "href": .string(href)])
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#?"))) ?? s
    }
}
