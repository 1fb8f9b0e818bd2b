import Foundation
import GridStore
import Hummingbird

/// The OpenAPI 3.0 document of the whole HTTP API, served at `/openapi.json`. Collection
/// parameters come from `FeatureLayer` and `ItemsParameters`, the same definitions the
/// handlers use; a test checks that its paths and the router's routes are the same set.
enum OpenAPI {
    static let response: Response = {
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: [.contentType: "application/vnd.oai.openapi+json;version=3.0"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }()

    static var document: [String: Any] {
        var paths: [String: Any] = [
            "/": get("Landing page", "Links to the API description, conformance and the collections; a browser (Accept: text/html) gets the map page.",
                     tag: "OGC API", params: [ref("f")], ok: json("LandingPage", alsoHTML: true)),
            "/conformance": get("Conformance classes", "The OGC API conformance classes this server implements.", tag: "OGC API",
                                params: [ref("f")], ok: json("Conformance")),
            "/collections": get("Feature collections", "Every collection with its extent and links.", tag: "OGC API",
                                params: [ref("f")], ok: json("Collections")),
            "/collections/{collectionId}": get("A collection", "One collection's description.", tag: "OGC API",
                                               params: [ref("collectionId"), ref("f")], ok: json("Collection"), notFound: true),
            "/collections/{collectionId}/queryables": get("Queryables", "The collection's properties as a JSON Schema; each is a query parameter of items.",
                                                          tag: "OGC API", params: [ref("collectionId"), ref("f")],
                                                          ok: ["description": "JSON Schema", "content": ["application/schema+json": ["schema": ["type": "object"]]]],
                                                          notFound: true),
            "/collections/{collectionId}/items": get("Features", "A page of the collection's features. Property filters: see the per-collection paths and /queryables.",
                                                     tag: "OGC API", params: ["collectionId", "bbox", "bbox-crs", "limit", "after", "before", "properties", "datetime", "plan", "f"].map(ref),
                                                     ok: geoJSON("FeatureCollection"), badRequest: true, notFound: true),
            "/collections/{collectionId}/items/{featureId}": get("A feature", "One feature by id (a code for regions and grids, a number for buildings and roads, the device id for positions).",
                                                                 tag: "OGC API", params: [ref("collectionId"), ref("featureId"), ref("plan"), ref("f")],
                                                                 ok: geoJSON("Feature"), badRequest: true, notFound: true),
            "/openapi.json": get("This document", "The OpenAPI 3.0 description of the API.", tag: "Service", params: [],
                                 ok: ["description": "OpenAPI document", "content": ["application/vnd.oai.openapi+json;version=3.0": ["schema": ["type": "object"]]]]),
            "/health": get("Health", "Row counts; answers while the database is readable.", tag: "Service", params: [], ok: json("Health")),
            "/map": get("Command-centre map", "The MapLibre page over the vector tiles.", tag: "Map", params: [], ok: html()),
            "/assets/{file}": get("Map library files", "maplibre-gl.js and maplibre-gl.css, installed by Scripts/setup.", tag: "Map",
                                  params: [pathParameter("file", "maplibre-gl.js or maplibre-gl.css")],
                                  ok: ["description": "The file", "content": ["text/javascript": ["schema": ["type": "string"]], "text/css": ["schema": ["type": "string"]]]],
                                  notFound: true),
            "/styles/{name}.json": get("MapLibre style", "A style of Styles/ with this server's URL filled in.", tag: "Map",
                                       params: [pathParameter("name", "Style name, e.g. command-centre")], ok: json(nil), notFound: true),
            "/tiles.json": get("TileJSON", "TileJSON 3.0.0 of the vector tiles: layers, fields, zooms, bounds.", tag: "Tiles", params: [], ok: json(nil)),
            "/tiles/{z}/{x}/{y}.mvt": get("Vector tile", "A Mapbox Vector Tile (web Mercator, z/x/y); gzip when accepted; ETag per data version.", tag: "Tiles",
                                          params: ["z", "x", "y"].map { pathParameter($0, "Tile \($0)", integer: true) },
                                          ok: ["description": "The tile", "content": ["application/vnd.mapbox-vector-tile": ["schema": ["type": "string", "format": "binary"]]]],
                                          badRequest: true, notFound: true, noContent: true),
            "/tiles/{layers}/{z}/{x}/{y}.mvt": get("Vector tile of some layers", "Same as /tiles/{z}/{x}/{y}.mvt with only the named layers; an unknown layer is a 404.", tag: "Tiles",
                                                    params: [pathParameter("layers", "Comma-separated layers: districts, streets, communities, grids, buildings, roads")] + ["z", "x", "y"].map { pathParameter($0, "Tile \($0)", integer: true) },
                                                    ok: ["description": "The tile", "content": ["application/vnd.mapbox-vector-tile": ["schema": ["type": "string", "format": "binary"]]]],
                                                    badRequest: true, notFound: true, noContent: true),
            "/api/v1/regions": get("Regions", "Every region's code, name, level, parent and bounding box (the map's region picker).", tag: "Map", params: [],
                                   ok: ["description": "Regions", "content": ["application/json": ["schema": ["type": "array", "items": ["type": "object"]]]]]),
        ]
        // One items path per collection, with its queryables as parameters.
        for layer in FeatureLayer.allCases {
            var params = ["bbox", "bbox-crs", "limit", "after", "before", "f"].map(ref) + [propertiesParameter(layer)]
            if layer.hasTime { params.append(ref("datetime")) }
            if layer == .grids { params.append(ref("plan")) }
            for p in layer.properties where !(layer == .grids && p.name == "plan") {  // plan= selects the plan
                let type: [String: Any] = switch p.type {
                case .string: ["type": "string"]
                case .integer: ["type": "integer"]
                case .number: ["type": "number"]
                case .dateTime: ["type": "string", "format": "date-time"]
                }
                if p.type != .dateTime { params.append(query(p.name, "Only features whose \(p.name) equals this (\(p.title))", type)) }
                if p.type == .integer || p.type == .number {
                    params.append(query("\(p.name)_min", "Only features whose \(p.name) is at least this", ["type": "number"]))
                    params.append(query("\(p.name)_max", "Only features whose \(p.name) is at most this", ["type": "number"]))
                }
            }
            paths["/collections/\(layer.rawValue)/items"] = get(layer.title, layer.summary, tag: "Collections", params: params,
                                                                ok: geoJSON("FeatureCollection"), badRequest: true)
        }
        // Operation ids from the paths: "/collections/{collectionId}/items" → getCollectionsCollectionIdItems.
        for (path, item) in paths {
            guard var item = item as? [String: Any], var operation = item["get"] as? [String: Any] else { continue }
            let words = path.split { !$0.isLetter && !$0.isNumber }.map { $0.prefix(1).uppercased() + $0.dropFirst() }
            operation["operationId"] = "get" + (words.isEmpty ? "Landing" : words.joined())
            item["get"] = operation
            paths[path] = item
        }
        return [
            "openapi": "3.0.3",
            "info": [
                "title": "CivicGrid", "version": "1.0.0",
                "description": "Unit grids of city management: regions, grids, buildings, roads and live positions as OGC API – Features, vector tiles and the command-centre map.",
                "license": ["name": "Proprietary"],
            ],
            "servers": [["url": "/"]],
            "tags": ["OGC API", "Collections", "Tiles", "Map", "Service"].map { ["name": $0] },
            "paths": paths,
            "components": ["parameters": parameters, "schemas": schemas],
        ]
    }

    // MARK: Building blocks

    static func get(_ summary: String, _ description: String, tag: String, params: [[String: Any]], ok: [String: Any],
                    badRequest: Bool = false, notFound: Bool = false, noContent: Bool = false) -> [String: Any] {
        var responses: [String: Any] = ["200": ok, "default": problem("Unexpected error")]
        if badRequest { responses["400"] = problem("A parameter is invalid: the detail says which and why") }
        if notFound { responses["404"] = problem("No such collection, feature or file") }
        if noContent { responses["204"] = ["description": "The tile is empty"] }
        return ["get": ["summary": summary, "description": description, "tags": [tag], "parameters": params, "responses": responses]]
    }

    static func ref(_ name: String) -> [String: Any] { ["$ref": "#/components/parameters/\(name)"] }

    static func json(_ schema: String?, alsoHTML: Bool = false) -> [String: Any] {
        var content: [String: Any] = ["application/json": ["schema": schema.map { ["$ref": "#/components/schemas/\($0)"] } ?? ["type": "object"]]]
        if alsoHTML { content["text/html"] = ["schema": ["type": "string"]] }
        return ["description": "OK", "content": content]
    }

    static func geoJSON(_ schema: String) -> [String: Any] {
        ["description": "GeoJSON", "content": ["application/geo+json": ["schema": ["$ref": "#/components/schemas/\(schema)"]]]]
    }

    static func html() -> [String: Any] { ["description": "HTML page", "content": ["text/html": ["schema": ["type": "string"]]]] }

    static func problem(_ description: String) -> [String: Any] {
        ["description": description, "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]]
    }

    static func pathParameter(_ name: String, _ description: String, integer: Bool = false) -> [String: Any] {
        ["name": name, "in": "path", "required": true, "description": description, "schema": ["type": integer ? "integer" : "string"]]
    }

    static func query(_ name: String, _ description: String, _ schema: [String: Any]) -> [String: Any] {
        ["name": name, "in": "query", "required": false, "description": description, "schema": schema]
    }

    static func propertiesParameter(_ layer: FeatureLayer) -> [String: Any] {
        ["name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
         "description": "Only these properties in each feature",
         "schema": ["type": "array", "items": ["type": "string", "enum": layer.properties.map(\.name)]]]
    }

    static var parameters: [String: Any] {
        [
            "collectionId": ["name": "collectionId", "in": "path", "required": true, "description": "Collection id",
                             "schema": ["type": "string", "enum": FeatureLayer.allCases.map(\.rawValue)]],
            "featureId": pathParameter("featureId", "Feature id"),
            "f": query("f", "Output format: json (GeoJSON for features)", ["type": "string", "enum": ["json", "geojson"]]),
            "bbox": ["name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                     "description": "minLon,minLat,maxLon,maxLat (CRS84): only features that meet this box",
                     "schema": ["type": "array", "minItems": 4, "maxItems": 6, "items": ["type": "number"]]],
            "bbox-crs": query("bbox-crs", "CRS of bbox; only CRS84", ["type": "string", "format": "uri", "enum": [ItemsParameters.crs84]]),
            "limit": query("limit", "Features per page", ["type": "integer", "minimum": 1, "maximum": ItemsParameters.maxLimit, "default": 100]),
            "after": query("after", "Features after this id (the next link carries it)", ["type": "string"]),
            "before": query("before", "Features before this id (the prev link carries it)", ["type": "string"]),
            "properties": ["name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
                           "description": "Only these properties in each feature", "schema": ["type": "array", "items": ["type": "string"]]],
            "datetime": query("datetime", "RFC 3339 instant or interval (start/end, .. for open), for collections with time", ["type": "string"]),
            "plan": query("plan", "Grids of this plan (a draft) instead of the published ones", ["type": "integer"]),
        ]
    }

    static var schemas: [String: Any] {
        let link: [String: Any] = ["type": "object", "required": ["href", "rel"],
                                   "properties": ["href": ["type": "string"], "rel": ["type": "string"], "type": ["type": "string"], "title": ["type": "string"]]]
        let links: [String: Any] = ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]
        let collection: [String: Any] = [
            "type": "object", "required": ["id", "links"],
            "properties": ["id": ["type": "string"], "title": ["type": "string"], "description": ["type": "string"], "links": links,
                           "itemType": ["type": "string"], "crs": ["type": "array", "items": ["type": "string"]], "storageCrs": ["type": "string"],
                           "extent": ["type": "object"]],
        ]
        return [
            "Link": link,
            "Problem": ["type": "object", "description": "RFC 9457 problem details",
                        "properties": ["type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
                                       "detail": ["type": "string"], "instance": ["type": "string"]]],
            "LandingPage": ["type": "object", "required": ["links"], "properties": ["title": ["type": "string"], "description": ["type": "string"], "links": links]],
            "Conformance": ["type": "object", "required": ["conformsTo"], "properties": ["conformsTo": ["type": "array", "items": ["type": "string"]]]],
            "Collection": collection,
            "Collections": ["type": "object", "required": ["links", "collections"],
                            "properties": ["links": links, "collections": ["type": "array", "items": ["$ref": "#/components/schemas/Collection"]]]],
            "Feature": ["type": "object", "required": ["type", "geometry", "properties"],
                        "properties": ["type": ["type": "string", "enum": ["Feature"]], "id": ["oneOf": [["type": "string"], ["type": "integer"]]],
                                       "geometry": ["type": "object", "nullable": true], "properties": ["type": "object", "nullable": true], "links": links]],
            "FeatureCollection": ["type": "object", "required": ["type", "features"],
                                  "properties": ["type": ["type": "string", "enum": ["FeatureCollection"]],
                                                 "features": ["type": "array", "items": ["$ref": "#/components/schemas/Feature"]],
                                                 "links": links, "timeStamp": ["type": "string", "format": "date-time"],
                                                 "numberMatched": ["type": "integer", "minimum": 0], "numberReturned": ["type": "integer", "minimum": 0]]],
            "Health": ["type": "object", "properties": ["status": ["type": "string"], "regions": ["type": "integer"], "buildings": ["type": "integer"],
                                                        "households": ["type": "integer"], "roads": ["type": "integer"]]],
        ]
    }
}
