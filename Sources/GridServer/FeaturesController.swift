import CivicGridModel
import CivicGridModel
import Foundation
import GridGeometry
import GridStore
import GridTiles
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

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("conformance") { request, _ in try checkFormat(request); return JSONAnswer(["conformsTo": Self.conformance]) }
        router.get("collections") { request, context in try await collections(request, context) }
        router.get("collections/:collectionId") { request, context in try await collection(request, context, context.parameters.require("collectionId")) }
        router.get("collections/:collectionId/queryables") { request, context in
            try await queryables(request, context, context.parameters.require("collectionId"))
        }
        router.get("collections/:collectionId/items") { request, context in
            try await items(request, context, context.parameters.require("collectionId"))
        }
        router.get("collections/:collectionId/items/:featureId") { request, context in
            try await item(request, context, context.parameters.require("collectionId"), context.parameters.require("featureId"))
        }
    }

    // MARK: Metadata

    /// The layers offered: those shown only when present (roads) once they have features.
    func layers(_ r: StoreReader) throws -> [FeatureLayer] {
        try access.layers.filter { try !$0.descriptor.onlyWhenPresent || r.hasFeatures($0) }
    }

    func layer(_ id: String, _ r: StoreReader) throws -> FeatureLayer {
        let offered = try layers(r)
        guard let layer = offered.named(id) else {
            throw Problem.notFound("no collection \"\(id)\"; collections: \(offered.map(\.name).joined(separator: ", "))")
        }
        return layer
    }

    struct Collections: Encodable, Sendable {
        var links: [Link]
        var collections: [Collection]
    }

    /// A collection's description: links, extent, item type, CRS.
    struct Collection: Encodable, Sendable {
        struct Extent: Encodable, Sendable {
            struct Spatial: Encodable, Sendable {
                var bbox: [[Double]]
                var crs: String
            }

            struct Temporal: Encodable, Sendable {
                var interval: [[String]]
                var trs: String
            }

            var spatial: Spatial
            var temporal: Temporal?
        }

        var id, title, description: String
        var itemType = "feature"
        var crs = [ItemsParameters.crs84]
        var storageCrs = ItemsParameters.crs84
        var links: [Link]
        var extent: Extent?
    }

    func collections(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<Collections> {
        try checkFormat(request)
        let base = request.baseURL(fallbackHost: fallbackHost)
        let documents = try await store.asyncRead { r in
            try layers(r).filter { access.canRead(context, $0.name) }.map { try describe($0, base, r) }
        }
        return JSONAnswer(Collections(links: [
            Link("self", "application/json", "Collections", "\(base)/collections"),
            Link("root", "application/json", "Landing page", "\(base)/"),
        ], collections: documents))
    }

    func collection(_ request: Request, _ context: CivicContext, _ id: String) async throws -> JSONAnswer<Collection> {
        try checkFormat(request)
        let base = request.baseURL(fallbackHost: fallbackHost)
        try access.checkLayer(context, id)
        return JSONAnswer(try await store.asyncRead { r in try describe(try layer(id, r), base, r) })
    }

    func describe(_ layer: FeatureLayer, _ base: String, _ r: StoreReader) throws -> Collection {
        let url = "\(base)/collections/\(layer.name)"
        var doc = Collection(id: layer.name, title: layer.title, description: layer.descriptor.summary, links: [
            Link("self", "application/json", layer.title, url),
            Link("items", "application/geo+json", "\(layer.title) as GeoJSON", "\(url)/items"),
            Link("http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryables", "\(url)/queryables"),
        ])
        if let extent = try r.extent(layer) {
            let b = extent.box
            doc.extent = .init(spatial: .init(bbox: [[b.minX, b.minY, b.maxX, b.maxY]], crs: ItemsParameters.crs84),
                               temporal: extent.time.map { start, end in
                                   .init(interval: [[StoreReader.isoTime(start), StoreReader.isoTime(end)]],
                                         trs: "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian")
                               })
        }
        return doc
    }

    /// The queryable properties as a JSON Schema (OGC API – Features Part 3).
    struct Queryables: Encodable, Sendable {
        struct Property: Encodable, Sendable {
            var title: String?
            var type: String?
            var format: String?
        }

        var schema = "https://json-schema.org/draft/2020-12/schema"
        var id: String
        var type = "object"
        var title: String
        var properties: [String: Property]
        var additionalProperties = false

        enum CodingKeys: String, CodingKey { case schema = "$schema", id = "$id", type, title, properties, additionalProperties }
    }

    func queryables(_ request: Request, _ context: CivicContext, _ id: String) async throws -> JSONAnswer<Queryables> {
        try checkFormat(request)
        let base = request.baseURL(fallbackHost: fallbackHost)
        try access.checkLayer(context, id)
        let layer = try await store.asyncRead { try self.layer(id, $0) }
        var properties: [String: Queryables.Property] = [:]
        for p in layer.fields {
            properties[p.name] = switch p.type {
            case .string: .init(title: p.title, type: "string")
            case .integer: .init(title: p.title, type: "integer")
            case .number: .init(title: p.title, type: "number")
            case .dateTime: .init(title: p.title, type: "string", format: "date-time")
            }
        }
        properties["geometry"] = .init(format: "geometry-\(layer.descriptor.geometry.rawValue.lowercased())")
        return JSONAnswer(Queryables(id: "\(base)/collections/\(id)/queryables", title: layer.title, properties: properties),
                          contentType: "application/schema+json")
    }

    // MARK: Features

    func items(_ request: Request, _ context: CivicContext, _ id: String) async throws -> Response {
        let base = request.baseURL(fallbackHost: fallbackHost)
        let sent = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        let parameters = sent.filter { $0.0 != "access_token" }
        try access.checkLayer(context, id)
        if access.layers.named(id)?.takesPlan == true, let plan = parameters.last(where: { $0.0 == "plan" }).flatMap({ Int64($0.1) }) {
            try await checkPlan(context, plan)
        }
        let (layer, page, query) = try await store.asyncRead { r -> (FeatureLayer, FeaturePage, FeatureQuery) in
            let found = try self.layer(id, r)
            let query = try ItemsParameters.parse(found, parameters)
            return (found, try r.features(found, query, cache: cache), query)
        }
        let url = "\(base)/collections/\(layer.name)/items"
        // Links keep every parameter but the cursors (the caller's access_token too: the next
        // page needs it as much as this one).
        let kept = sent.filter { $0.0 != "after" && $0.0 != "before" }
        func href(_ extra: [(String, String)]) -> String {
            let all = kept + extra
            return all.isEmpty ? url : url + "?" + all.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        var links: [JSONValue] = [
            linkValue("self", "application/geo+json", "This page", href(query.after.map { [("after", $0)] } ?? query.before.map { [("before", $0)] } ?? [])),
            linkValue("collection", "application/json", layer.title, "\(base)/collections/\(layer.name)"),
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

    func item(_ request: Request, _ context: CivicContext, _ id: String, _ featureID: String) async throws -> Response {
        let base = request.baseURL(fallbackHost: fallbackHost)
        var plan: Int64?
        for (name, value) in request.uri.queryParameters {
            switch name {
            case "f": guard ["json", "geojson"].contains(value) else { throw Problem.badRequest("f=\(value): features are served as f=json (GeoJSON) only") }
            case "plan":
                guard let p = Int64(value), (0...ItemsParameters.maxID).contains(p) else { throw Problem.badRequest("plan \"\(value)\" is not a plan id (0 to 2^53 − 1)") }
                plan = p
            case "access_token": continue
            default: throw Problem.badRequest("unknown parameter \"\(name)\"; a feature takes f and, for grids, plan")
            }
        }
        try access.checkLayer(context, id)
        if access.layers.named(id)?.takesPlan == true, let plan { try await checkPlan(context, plan) }
        let (layer, feature) = try await store.asyncRead { [plan] r -> (FeatureLayer, Feature?) in
            let found = try self.layer(id, r)
            return (found, try r.feature(found, id: featureID, plan: found.takesPlan ? plan : nil))
        }
        guard let feature else { throw Problem.notFound("no feature \"\(featureID)\" in \(layer.name)") }
        var text = GeoJSONWriter().feature(feature)
        let url = "\(base)/collections/\(layer.name)"
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
    func checkPlan(_ context: CivicContext, _ id: Int64) async throws {
        guard let plan = try await store.asyncRead({ try $0.plan(id: id) }), plan.status != .published else { return }
        let account = try access.require(context, PlansController.readers, to: "read draft and archived plans")
        try await access.checkScope(account, plan.community, "read plan \(id)")
    }

    /// Metadata documents are JSON only.
    func checkFormat(_ request: Request) throws {
        if let f = request.uri.queryParameters["f"], f != "json" { throw Problem.badRequest("f=\(f): this document is served as f=json only") }
    }

    func linkValue(_ rel: String, _ type: String, _ title: String, _ href: String) -> JSONValue {
        .object(["rel": .string(rel), "type": .string(type), "title": .string(title), "href": .string(href)])
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+#?"))) ?? s
    }
}
