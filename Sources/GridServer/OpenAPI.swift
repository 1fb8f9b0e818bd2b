import CivicGridModel
import Foundation
import GridGeometry
import GridPeople
import GridStore
import GridTiles
import GridTracking
import Hummingbird

/// The OpenAPI 3.0 document of the whole HTTP API, served at `/openapi.json`. Collection
/// parameters come from `FeatureLayer` and `ItemsParameters`, the same definitions the
/// handlers use; a test checks that its paths and the router's routes are the same set.
enum OpenAPI {
    /// The document for these layers, encoded once.
    static func response(_ document: JSONValue) -> JSONAnswer<JSONValue> {
        JSONAnswer(document, contentType: "application/vnd.oai.openapi+json;version=3.0")
    }

    /// z/x/y: z in 0…24, x and y in 0…2^24 − 1; past the zoom's last column or row: 404.
    static let tileParameters = [
        pathParameter("z", "Zoom", ["type": "integer", "minimum": 0, "maximum": .number(Double(TileID.maxZoom))]),
        pathParameter("x", "Column (past 2^z − 1: 404)", ["type": "integer", "minimum": 0, "maximum": .number(Double((1 << TileID.maxZoom) - 1))]),
        pathParameter("y", "Row (past 2^z − 1: 404)", ["type": "integer", "minimum": 0, "maximum": .number(Double((1 << TileID.maxZoom) - 1))]),
    ]

    static func document(layers: [FeatureLayer]) -> JSONValue {
        let tileLayer = "(" + layers.filter { $0.descriptor.zooms != nil }.map(\.name).joined(separator: "|") + ")"
        let tracking = Self.tracking
        func osmand(_ method: String) -> JSONValue {
            guard case .object(let item)? = tracking["/osmand"], let operation = item[method] else { return [:] }
            return operation
        }
        var paths: [String: JSONValue] = [
            "/": [
                "get": operation("Landing page", "Links to the API description, conformance and the collections; a browser (Accept: text/html) gets the map page. With id or deviceid in the query: an OsmAnd report (see /osmand).",
                                 tag: "OGC API", params: [query("f", "json, or html for the map page", enumeration(["json", "html"]))], ok: json("Landing", alsoHTML: true), badRequest: true),
                "post": osmand("post"), "put": osmand("put"),
            ],
            "/conformance": get("Conformance classes", "The OGC API conformance classes this server implements.", tag: "OGC API",
                                params: [ref("fJSON")], ok: json("Conformance"), badRequest: true),
            "/collections": get("Feature collections", "Every collection with its extent and links.", tag: "OGC API",
                                params: [ref("fJSON")], ok: json("Collections"), badRequest: true),
            "/collections/{collectionId}": get("A collection", "One collection's description.", tag: "OGC API",
                                               params: [ref("collectionId"), ref("fJSON")], ok: json("Collection"), badRequest: true, notFound: true),
            "/collections/{collectionId}/queryables": get("Queryables", "The collection's properties as a JSON Schema; each is a query parameter of items.",
                                                          tag: "OGC API", params: [ref("collectionId"), ref("fJSON")],
                                                          ok: ["description": "JSON Schema", "content": ["application/schema+json": ["schema": ["type": "object", "required": ["type", "properties"], "properties": ["type": ["type": "string", "enum": ["object"]], "properties": ["type": "object"]]]]]],
                                                          badRequest: true, notFound: true),
            "/collections/{collectionId}/items": get("Features", "A page of the collection's features. What only some collections take (property filters, datetime, plan): see the per-collection paths and /queryables. An id or property another collection has: 422.",
                                                     tag: "OGC API", params: ["collectionId", "bbox", "bbox-crs", "limit", "after", "before", "properties", "f"].map(ref),
                                                     ok: geoJSON("FeatureCollection"), badRequest: true, notFound: true),
            "/collections/{collectionId}/items/{featureId}": get("A feature", "One feature by id (a code for regions and grids, a number for buildings and roads, the device id for positions).",
                                                                 tag: "OGC API", params: [ref("collectionId"), ref("featureId"), ref("plan"), ref("f")],
                                                                 ok: geoJSON("Feature"), badRequest: true, notFound: true),
            "/openapi.json": get("This document", "The OpenAPI 3.0 description of the API.", tag: "Service", params: [],
                                 ok: ["description": "OpenAPI document", "content": ["application/vnd.oai.openapi+json;version=3.0": ["schema": ["type": "object"]]]]),
            "/health": get("Health", "Row counts; answers while the database is readable.", tag: "Service", params: [], ok: json("Health")),
            "/metrics": get("Metrics", "Prometheus text: requests by route, method and status with their durations (histograms), GPS fixes queued and each group commit's time, tile cache hits, misses, tiles and bytes, open and overdue cases by the level holding them, the webhook backlog, the database's size. From this machine without signing in; from another, an admin's token.",
                            tag: "Service", params: [], ok: ["description": "Prometheus text format 0.0.4", "content": ["text/plain": ["schema": ["type": "string"]]]]),
            "/map": get("Command-centre map", "The MapLibre page over the vector tiles.", tag: "Map", params: [], ok: html()),
            "/m": get("Grid staff's phone page", "Signed in by a one-time link (/m/#login=CODE): their grids with today's coverage, reports with photos, their queue, field updates; works offline (a service worker, an outbox on the phone).", tag: "Map", params: [], ok: html()),
            "/report": get("Residents' report page", "No account: the place, the words, up to three photos, a name and phone with consent; sent as an Open311 request.", tag: "Map", params: [], ok: html()),
            "/track/{token}": get("A report's tracking page", "The resident's report by its token: status, notes, the loop's messages, and the rating once it is closed.", tag: "Map",
                                  params: [pathParameter("token", "The token the report was answered with (the page says when there is no such report)", ["type": "string", "minLength": 1])], ok: html()),
            "/api/v1/login-links": ["post": operation("Make a sign-in link", #"Admins: {"name": account, "minutes": 1–1440 (default 15), "base": the page's origin}: a one-time link to /m/ with the code in its fragment, its QR code as SVG, and when it expires. 404 for an unknown account."#,
                                                      tag: "Access", params: [], ok: answer("LoginLink"), okStatus: "201",
                                                      body: ["required": true, "content": ["application/json": ["schema": ["type": "object", "required": ["name"], "properties": [
                                                          "name": text(1, 200), "minutes": ["type": "integer", "minimum": 1, "maximum": 1440], "base": ["type": "string", "maxLength": 200, "pattern": "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$"]]]]]],
                                                      badRequest: true, notFound: true, account: true)],
            "/api/v1/login": ["post": operation("Sign in with a link's code", #"{"code": …} from a sign-in link, once and before it expires: the account's new API token and a device (web-…) with its token for the phone's position fixes. 401 for any code that does not work; 429 past login-address."#,
                                                tag: "Access", params: [], ok: answer("Session"),
                                                body: ["required": true, "content": ["application/json": ["schema": ["type": "object", "required": ["code"], "properties": ["code": text(1, 200)]]]]],
                                                badRequest: true, more: ["401": problem("The code is unknown, used or expired"), "429": problem("Too many sign-ins from this address")])],
            "/assets/{file}": get("Map library files", "maplibre-gl.js and maplibre-gl.css, installed by Scripts/setup.", tag: "Map",
                                  params: [pathParameter("file", "maplibre-gl.js or maplibre-gl.css")],
                                  ok: ["description": "The file", "content": ["text/javascript": ["schema": ["type": "string"]], "text/css": ["schema": ["type": "string"]]]],
                                  notFound: true),
            "/web/{file}": get("The page's files", "The command-centre page's ES modules, style sheet and message catalogues (zh-CN.json, en.json).", tag: "Map",
                               params: [pathParameter("file", "e.g. main.js, page.css, zh-CN.json")],
                               ok: ["description": "The file", "content": ["text/javascript": ["schema": ["type": "string"]], "text/css": ["schema": ["type": "string"]],
                                                                          "application/json": ["schema": ["type": "object"]], "text/html": ["schema": ["type": "string"]]]],
                               notFound: true),
            "/fonts/{stack}/{range}": get("Label glyphs", "Signed-distance-field glyphs of 256 code points ({start}-{start+255}.pbf) for map labels, made at set-up from Noto Sans CJK; every font stack is the same; a range not made is empty.", tag: "Map",
                                          params: [pathParameter("stack", "Font stack (any)"), pathParameter("range", "e.g. 0-255.pbf")],
                                          ok: ["description": "Glyphs (MapLibre's glyphs.proto)", "content": ["application/x-protobuf": ["schema": ["type": "string", "format": "binary"]]]],
                                          notFound: true),
            "/styles/{name}.json": get("MapLibre style", "A style of Styles/ with this server's URL filled in, and the city's basemap under the data when the server was started with --basemap.", tag: "Map",
                                       params: [pathParameter("name", "Style name, e.g. command-centre")], ok: json(nil), notFound: true),
            "/tiles.json": get("TileJSON", "TileJSON 3.0.0 of the vector tiles: layers, fields, zooms, bounds.", tag: "Tiles", params: [], ok: answer("TileJSON")),
            "/tiles/{z}/{x}/{y}.mvt": get("Vector tile", "A Mapbox Vector Tile (web Mercator, z/x/y); gzip when accepted; ETag per data version.", tag: "Tiles",
                                          params: tileParameters,
                                          ok: ["description": "The tile", "content": ["application/vnd.mapbox-vector-tile": ["schema": ["type": "string", "format": "binary"]]]],
                                          badRequest: true, notFound: true, noContent: true),
            "/tiles/{layers}/{z}/{x}/{y}.mvt": get("Vector tile of some layers", "Same as /tiles/{z}/{x}/{y}.mvt with only the named layers; an unknown layer or an empty name is a 400.", tag: "Tiles",
                                                    params: [pathParameter("layers", "Comma-separated layers", ["type": "string", "pattern": .string("^\(tileLayer)(,\(tileLayer))*$")])] + tileParameters,
                                                    ok: ["description": "The tile", "content": ["application/vnd.mapbox-vector-tile": ["schema": ["type": "string", "format": "binary"]]]],
                                                    badRequest: true, notFound: true, noContent: true),
            "/api/v1/regions": get("Regions", "Every region's code, name, level, parent and bounding box (the map's region picker).", tag: "Map", params: [],
                                   ok: answer("RegionSummary", array: true)),
        ]
        for (path, item) in tracking { paths[path] = item }
        for (path, item) in plans { paths[path] = item }
        for (path, item) in cases { paths[path] = item }
        for (path, item) in assessment { paths[path] = item }
        for (path, item) in open311 { paths[path] = item }
        // One items path per collection, with its queryables as parameters.
        for layer in layers {
            var params = ["bbox", "bbox-crs", "limit", "f"].map(ref) + [propertiesParameter(layer)]
            let cursor: JSONValue = layer.textIDs ? text(1, 200) : ["type": "string", "pattern": "^[+-]?[0-9]{1,18}$"]
            params += [query("after", "Features after this id (the next link carries it)", cursor), query("before", "Features before this id (the prev link carries it)", cursor)]
            if layer.hasTime { params.append(ref("datetime")) }
            if layer.takesPlan { params.append(ref("plan")) }
            for p in layer.fields where !(layer.takesPlan && p.name == "plan") {  // plan= selects the plan
                let type: JSONValue = switch p.type {
                case .string: ["type": "string"]
                case .integer: ["type": "integer", "format": "int64", "minimum": .number(-Double(ItemsParameters.maxID)), "maximum": .number(Double(ItemsParameters.maxID))]
                case .number: ["type": "number"]
                case .dateTime: ["type": "string", "format": "date-time"]
                }
                if p.type != .dateTime { params.append(query(p.name, "Only features whose \(p.name) equals this (\(p.title))", type)) }
                if p.type == .integer || p.type == .number {
                    params.append(query("\(p.name)_min", "Only features whose \(p.name) is at least this", ["type": "number"]))
                    params.append(query("\(p.name)_max", "Only features whose \(p.name) is at most this", ["type": "number"]))
                }
            }
            paths["/collections/\(layer.name)/items"] = get(layer.title, layer.descriptor.summary, tag: "Collections", params: params,
                                                                ok: geoJSON("FeatureCollection"), badRequest: true)
        }
        // Operation ids from the paths: "/collections/{collectionId}/items" → getCollectionsCollectionIdItems.
        for (path, item) in paths {
            guard case .object(var item) = item else { continue }
            let words = path.split { !$0.isLetter && !$0.isNumber }.map { $0.prefix(1).uppercased() + $0.dropFirst() }
            for (method, operation) in item {
                guard case .object(var operation) = operation else { continue }
                operation["operationId"] = .string(method + (words.isEmpty ? (method == "get" ? "Landing" : "Root") : words.joined()))
                item[method] = .object(operation)
            }
            paths[path] = .object(item)
        }
        return [
            "openapi": "3.0.3",
            "info": [
                "title": "CivicGrid", "version": "1.0.0",
                "description": "Unit grids of city management: regions, grids, buildings, roads and live positions as OGC API – Features, vector tiles and the command-centre map.",
                "license": ["name": "Proprietary"],
            ],
            "servers": [["url": "/"]],
            "tags": .array(["OGC API", "Collections", "Tiles", "Map", "GPS", "Plans", "Cases", "Assessment", "People", "Open311", "Access", "Service"].map { ["name": .string($0)] }),
            "paths": .object(paths),
            "components": ["parameters": parameters(layers), "schemas": .object(schemas.merging(answerSchemas) { a, _ in a }), "securitySchemes": [
                "deviceToken": ["type": "http", "scheme": "bearer", "description": "A device token from civicgrid devices add"],
                "deviceBasic": ["type": "http", "scheme": "basic", "description": "Any user name (OwnTracks: the user), the device token as password"],
                "tokenParameter": ["type": "apiKey", "in": "query", "name": "token"],
                "apiToken": ["type": "http", "scheme": "bearer", "description": "An account's API token from civicgrid users add (or users token)"],
                "accessToken": ["type": "apiKey", "in": "query", "name": "access_token", "description": "The API token where no header can be sent (EventSource)"],
            ]],
        ]
    }

    // MARK: Building blocks

    static func get(_ summary: String, _ description: String, tag: String, params: [JSONValue], ok: JSONValue,
                    badRequest: Bool = false, notFound: Bool = false, noContent: Bool = false, account: Bool = false) -> JSONValue {
        ["get": operation(summary, description, tag: tag, params: params, ok: ok, badRequest: badRequest, notFound: notFound, noContent: noContent,
                          account: account)]
    }

    static func operation(_ summary: String, _ description: String, tag: String, params: [JSONValue], ok: JSONValue, okStatus: String = "200",
                          body: JSONValue? = nil, badRequest: Bool = false, notFound: Bool = false, noContent: Bool = false,
                          device: Bool = false, account: Bool = false, edit: Bool = false, more: [String: JSONValue] = [:]) -> JSONValue {
        var responses: [String: JSONValue] = [okStatus: ok, "default": problem("Unexpected error")].merging(more) { a, _ in a }
        if body != nil { responses["413"] = problem("The body is larger than this operation takes (a batch: more than 10,000 pings or 8 MB): nothing stored") }
        if badRequest { responses["400"] = problem("A parameter is invalid: the detail says which and why") }
        if notFound { responses["404"] = problem("No such collection, feature or file") }
        if noContent { responses["204"] = ["description": "The tile is empty"] }
        if device {
            responses["401"] = problem("No device token, or an unknown or revoked one: nothing stored")
            responses["403"] = problem("The token belongs to another device than the request names: nothing stored")
            responses["503"] = problem("The pings could not be written: nothing acknowledged")
        }
        if account {
            responses["401"] = problem("Not signed in, or an unknown or revoked API token")
            responses["403"] = problem("The account's role or region does not allow this: nothing changed")
        }
        if edit {
            responses["409"] = problem("The plan is not a draft (or a copy has no published plan to start from)")
            responses["412"] = problem("If-Match names an older version of the plan: nothing changed")
            responses["422"] = problem("The edit would break coverage or contiguity, or publishing meets faults without an override: nothing changed")
            responses["428"] = problem("If-Match is missing")
        }
        var op: [String: JSONValue] = ["summary": .string(summary), "description": .string(description), "tags": [.string(tag)],
                                       "parameters": .array(params), "responses": .object(responses)]
        if let body { op["requestBody"] = body }
        if device { op["security"] = [["deviceToken": []], ["deviceBasic": []], ["tokenParameter": []]] }
        if account { op["security"] = [["apiToken": []], ["accessToken": []]] }
        return .object(op)
    }

    /// The GPS paths: ingestion in three wire formats, live positions, events, tracks, coverage.
    static var tracking: [String: JSONValue] {
        let empty: JSONValue = ["description": "Stored (on disk)"]
        // The fields of one fix, as query parameters (GET) or a form (POST, PUT). Also read:
        // deviceid for id, location=lat,lon for lat and lon, heading for bearing.
        let fields: [(String, String, JSONValue, Bool)] = [
            ("id", "Device id", text(1, 100), true),
            ("lat", "Latitude (WGS-84 or the device's GCJ-02)", ["type": "number", "minimum": -90, "maximum": 90], true),
            ("lon", "Longitude", ["type": "number", "minimum": -180, "maximum": 180], true),
            ("timestamp", "Seconds (< 2^31) or milliseconds since 1970, RFC 3339 with a zone, or yyyy-MM-dd HH:mm:ss UTC; default now", time, false),
            ("speed", "Speed in the device's unit (knots unless registered otherwise); negative: unknown", ["type": "number"], false),
            ("bearing", "Heading, degrees", ["type": "number"], false), ("altitude", "Metres", ["type": "number", "minimum": -20000, "maximum": 100000], false),
            ("accuracy", "Metres", ["type": "number", "minimum": 0, "maximum": 1000000], false), ("batt", "Battery, %", ["type": "number"], false),
        ]
        let osmandParams = fields.map { f in
            JSONValue.object(["name": .string(f.0), "in": "query", "required": .bool(f.3), "description": .string(f.1), "schema": f.2])
        } + [query("token", "The device token, for apps that can only set a URL", text(1, 200))]
        let form: JSONValue = ["type": "object", "required": ["id", "lat", "lon"], "properties": .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.0, $0.2) }))]
        let traccar: JSONValue = ["type": "object", "required": ["location", "device_id"], "description": "Traccar Client's JSON",
                                  "properties": ["device_id": text(1, 100), "location": ["type": "object", "required": ["coords"], "properties": [
                                      "timestamp": time,
                                      "coords": ["type": "object", "required": ["latitude", "longitude"], "properties": [
                                          "latitude": ["type": "number", "minimum": -90, "maximum": 90], "longitude": ["type": "number", "minimum": -180, "maximum": 180],
                                          "accuracy": ["type": "number", "minimum": 0, "maximum": 1000000], "speed": ["type": "number", "maximum": 1000, "description": "m/s; negative: unknown"],
                                          "heading": ["type": "number"], "altitude": ["type": "number", "minimum": -20000, "maximum": 100000]]],
                                      "battery": ["type": "object", "properties": ["level": ["type": "number", "description": "0…1"], "is_charging": ["type": "boolean"]]]]]]]
        let osmandBody: JSONValue = ["required": true, "content": ["application/x-www-form-urlencoded": ["schema": form], "application/json": ["schema": traccar]]]
        let osmand: (String) -> JSONValue = { method in
            operation("OsmAnd protocol (\(method.uppercased()))", "One fix as Traccar's OsmAnd protocol has it: parameters in the query (GET), or form-encoded in the body, or a Traccar Client JSON body (POST, PUT). Also read: deviceid for id, location=lat,lon for lat and lon, heading for bearing; other parameters are kept as the fix's attributes. Also accepted on / when the parameters name id or deviceid, and with a request line lacking the leading slash.",
                      tag: "GPS", params: method == "get" ? osmandParams : [query("token", "The device token, for apps that can only set a URL", text(1, 200))],
                      ok: empty, body: method == "get" ? nil : osmandBody, badRequest: true, device: true)
        }
        let region = query("region", "Only devices whose latest fix is in this region's subtree (district, street or community code) or in this published grid", text(1, 64))
        let offline = query("offline_after", "Seconds after which a device is offline (default: the server's, 600)", ["type": "number", "minimum": 0])
        let from = query("from", "Start (RFC 3339 with a zone, or epoch seconds or ms)", time)
        let to = query("to", "End; before from: 422", time)
        var paths: [String: JSONValue] = [
            "/api/v1/positions": ["post": operation(
                "Native batch of pings", "1 to 10,000 pings of the token's device (8 MB at most; more is refused with a 413 while the body is read); answers after they are on disk with the number accepted, duplicates (same device and time: stored once), doubtful ones (stored flagged) and each rejected ping's index and reason. 422 when none is accepted.",
                tag: "GPS", params: [], ok: json("IngestReport"),
                body: ["required": true, "content": ["application/json": ["schema": ["type": "array", "minItems": 1, "maxItems": 10000, "items": ["$ref": "#/components/schemas/Ping"]]]]],
                badRequest: true, device: true)],
            "/osmand": .object(Dictionary(uniqueKeysWithValues: ["get", "post", "put"].map { ($0, osmand($0)) })),
            "/owntracks": ["post": operation("OwnTracks HTTP mode", "An OwnTracks message; location messages are stored, others dropped. The device is the token's (X-Limit-D must name it if sent). Answers [].",
                                             tag: "GPS", params: [], ok: ["description": "[] (OwnTracks reads friends' positions from it: none)", "content": ["application/json": ["schema": ["type": "array", "maxItems": 0]]]], body: ["required": true, "content": ["application/json": ["schema": ["type": "object"]]]],
                                             badRequest: true, device: true)],
            "/api/v1/staff": get("Grid staff", "The grid staff (member accounts and the members devices are registered to) working in the region (default: the account's) or above it: name, region, grids and work phone — whole for the command centre and admins, masked (138****5678) for viewers.",
                                 tag: "GPS", params: [query("region", "Only staff working in this region's subtree or above it (default: the account's)", text(1, 64))],
                                 ok: answer("StaffMember", array: true), badRequest: true, notFound: true, account: true),
            "/api/v1/live": get("Live positions", "The latest plausible fix of each device as GeoJSON points, with the member (id and name), their work phone (whole for the command centre and admins, masked for viewers), grid, community, age and online.",
                                tag: "GPS", params: [region, offline], ok: answer("LivePositions", geo: true), badRequest: true, notFound: true, account: true),
            "/api/v1/live/stream": get("Live position stream", "Server-sent events: a snapshot FeatureCollection, then a position Feature for every new plausible fix in the region.",
                                       tag: "GPS", params: [region, offline], ok: stream(["snapshot": "FeatureCollection", "position": "Feature"]),
                                       badRequest: true, notFound: true, account: true),
            "/api/v1/events": get("Geofence events", "Devices leaving and returning to their members' grids (after the dwell time), newest first, as GeoJSON points.",
                                  tag: "GPS", params: [query("device", "Only this device's", text(1, 100)), from, to,
                                                       query("limit", "At most this many", ["type": "integer", "minimum": 1, "maximum": 10000, "default": 1000])],
                                  ok: answer("GeofenceEvents", geo: true), badRequest: true, account: true),
            "/api/v1/devices/{device}/track": get("A device's track", "Its plausible fixes over [from, to] (default: the last 24 hours) as a GeoJSON LineString.",
                                                  tag: "GPS", params: [pathParameter("device", "Device id", text(1, 100)), from, to,
                                                                       query("simplify", "Douglas–Peucker tolerance, metres", ["type": "number", "minimum": 0])],
                                                  ok: answer("Track", geo: true), badRequest: true, notFound: true, account: true),
            "/api/v1/coverage": get("Daily patrol coverage", "Per published grid: the share of its buildings that came within radius metres of a track of one of its members' devices that day. Grid staff: their own grids (region is then ignored).",
                                    tag: "GPS", params: [query("date", "yyyy-MM-dd (default today)", ["type": "string", "format": "date"]),
                                                         query("utc_offset", "The day's zone, ±HH:MM (default +08:00)", ["type": "string", "pattern": "^[+ -](0[0-9]|1[0-4]):[0-5][0-9]$"]),
                                                         query("radius", "Metres (default 50)", ["type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1000]),
                                                         query("region", "Only grids in this region's subtree (district, street or community code)", text(1, 64))],
                                    ok: answer("Coverage"), badRequest: true, notFound: true, account: true),
        ]
        paths["/pub"] = paths["/owntracks"]
        return paths
    }

    /// Planners' routes (roles: reading for admins, planners and viewers; writing for admins
    /// and planners; each within the account's region).
    static var plans: [String: JSONValue] {
        let id = pathParameter("id", "Plan id", integer: true)
        let ifMatch: JSONValue = ["name": "If-Match", "in": "header", "required": true, "description": "The plan's ETag as last read", "schema": text(1, 200)]
        let plan = json("PlanDocument")
        let editBody: JSONValue = ["required": true, "content": ["application/json": ["schema": ["oneOf": [
            ["$ref": "#/components/schemas/Edit"], ["type": "array", "items": ["$ref": "#/components/schemas/Edit"], "minItems": 1],
        ]]]]]
        return [
            "/api/v1/communities/{code}/plans": [
                "get": operation("A community's plans", "Every plan of the community, newest first, with status, version and ETag.", tag: "Plans",
                                 params: [pathParameter("code", "Community code", text(1, 64))], ok: answer("PlanSummary", array: true), notFound: true, account: true),
                "post": operation("New draft", #"A draft by automatic partition ({"from":"partition"}), as a copy of the published plan ({"from":"published"}), or from a GeoPackage edited in a desktop GIS (Content-Type application/geopackage+sqlite3; layer grids or the only one, fields code and name; buildings go to the grid containing them). Answers 201 with the plan document."#,
                                  tag: "Plans", params: [pathParameter("code", "Community code", text(1, 64))], ok: plan, okStatus: "201",
                                  body: ["required": true, "content": [
                                      "application/json": ["schema": ["type": "object", "required": ["from"], "properties": ["from": ["type": "string", "enum": ["partition", "published"]]]]],
                                      "application/geopackage+sqlite3": ["schema": ["type": "string", "format": "binary"]],
                                  ]], badRequest: true, notFound: true, account: true, edit: true),
            ],
            "/api/v1/plans/{id}": get("A plan", "The plan (status, version, ETag header), its grids with their band, its community's buildings as points with their grid (households counts only), and the validation report with the faults that block publishing.",
                                      tag: "Plans", params: [id], ok: plan, notFound: true, account: true),
            "/api/v1/plans/{id}/edits": ["post": operation(
                "Edit a draft", "One edit or a list, applied all or none: move buildings to a neighbouring grid, merge two adjacent grids, split a grid (in two automatically, or along a drawn line), reshape a grid (neighbours adjusted, buildings by containment), rename or recode. Answers the plan document at its new version.",
                tag: "Plans", params: [id, ifMatch], ok: plan, body: editBody, badRequest: true, notFound: true, account: true, edit: true)],
            "/api/v1/plans/{id}/publish": ["post": operation(
                "Publish a draft", #"Makes the draft the community's published plan and archives the previous one, atomically; tiles, features and GPS assignment follow at once. A plan with faults needs {"override":"reason"} (kept in the audit log)."#,
                tag: "Plans", params: [id, ifMatch], ok: plan,
                body: ["required": false, "content": ["application/json": ["schema": ["type": "object", "properties": ["override": text(1, 2000)]]]]],
                badRequest: true, notFound: true, account: true, edit: true)],
            "/api/v1/plans/{id}/diff/{other}": get("Difference between two plans", "Grids added, removed and changed (by code) and buildings moved with their households, from plan id to plan other of the same community; f=geojson for the map (grids and moved buildings as features).",
                                                   tag: "Plans", params: [id, pathParameter("other", "The other plan's id", integer: true),
                                                                          query("f", "json or geojson", ["type": "string", "enum": ["json", "geojson"]])],
                                                   ok: ["description": "The difference (f=json), or grids and moved buildings as features (f=geojson)",
                                                        "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Diff"]], "application/geo+json": ["schema": ["$ref": "#/components/schemas/FeatureCollection"]]]],
                                                   badRequest: true, notFound: true, account: true),
            "/api/v1/plans/{id}/audit": get("A plan's audit log", "Every change to the plan: who, when, what (edits, publication with any override and its reason, archiving).",
                                            tag: "Plans", params: [id], ok: answer("AuditLine", array: true),
                                            notFound: true, account: true),
            "/api/v1/plans/{id}/grids.gpkg": get("A plan as GeoPackage", "The plan's grids (code, name, counts) as a GeoPackage layer grids, to edit in QGIS and upload back as a new draft.",
                                                 tag: "Plans", params: [id], ok: ["description": "GeoPackage", "content": ["application/geopackage+sqlite3": ["schema": ["type": "string", "format": "binary"]]]],
                                                 notFound: true, account: true),
        ]
    }

    /// The case loop (roles: reports by grid staff and the command centre; steps by whoever
    /// the workflow allows; each within the account's region).
    static var cases: [String: JSONValue] {
        let number = pathParameter("number", "Case number, e.g. 202611300042", text(1, 64))
        let ifMatch: JSONValue = ["name": "If-Match", "in": "header", "required": true, "description": "The case's ETag as last read", "schema": text(1, 200)]
        let idempotencyKey: JSONValue = ["name": "Idempotency-Key", "in": "header", "required": false,
                                         "description": "The client's key for this report (a UUID, say): its retries file one case",
                                         "schema": ["type": "string", "minLength": 1, "maxLength": 257, "pattern": #"^([!#-~]{1,255}|"[!#-~]{1,255}")$"#]]
        let reportSchema: JSONValue = [
            "type": "object", "required": ["description"],
            "description": "lon and lat, with the category (empty or left out: the classifier reads it from the description, a resident's request flagged needs_category when unsure); or facility (a public facility's code: the case takes its category and place), with lon and lat both (422 for one alone) or neither",
            "anyOf": [["required": ["lon", "lat"]], ["required": ["facility"]]],
            "properties": [
                "category": text(0, 16), "description": text(0, 2000),
                "lon": ["type": "number", "minimum": -180, "maximum": 180], "lat": ["type": "number", "minimum": -90, "maximum": 90],
                "address": text(0, 200),
                "source": enumeration(CaseSource.allCases.map(\.rawValue)), "urgency": enumeration(Urgency.allCases.map(\.rawValue)),
                "reporter": ["type": "object", "additionalProperties": false, "properties": ["name": text(0, 100), "phone": text(0, 100)]],
                "facility": text(0, 64),
            ],
        ]
        let report: JSONValue = ["required": true, "content": [
            "application/json": ["schema": reportSchema],
            "multipart/form-data": ["schema": ["type": "object", "required": ["report"], "properties": [
                "report": reportSchema, "photo": ["type": "array", "maxItems": 6, "items": ["type": "string", "format": "binary"]]]]],
        ]]
        let plain = ["verify", "file", "accept", "return", "request_suspension", "approve", "refuse", "resume", "handle", "pass", "fail", "close", "supervise"]
        let stepSchema: JSONValue = [
            "type": "object", "required": ["action"],
            "description": "void needs reason; dispatch takes department (or region, a desk), or neither for the case's route (422 when it has none; a department off the route needs a note saying why); escalate needs to; request_extension needs limit; recategorise needs category; assign (a reported or handled case) needs assignee, a grid staff member's account whose region holds the case: the verification or check is theirs, on the same deadline",
            "anyOf": [["properties": ["action": enumeration(plain)]],
                      ["properties": ["action": enumeration(["void"])], "required": ["reason"]],
                      ["properties": ["action": enumeration(["dispatch"])]],
                      ["properties": ["action": enumeration(["escalate"])], "required": ["to"]],
                      ["properties": ["action": enumeration(["request_extension"])], "required": ["limit"]],
                      ["properties": ["action": enumeration(["recategorise"])], "required": ["category"]],
                      ["properties": ["action": enumeration(["assign"])], "required": ["assignee"]]],
            "properties": [
                "action": enumeration(CaseAction.peoples),
                "department": text(1, 2000), "region": text(1, 2000), "to": text(1, 2000), "category": text(1, 2000), "assignee": text(1, 2000),
                "reason": enumeration(VoidReason.allCases.map(\.rawValue)), "duplicate_of": text(1, 2000),
                "limit": ["type": "string", "pattern": "^([1-9][0-9]{0,3}(\\.[0-9]{1,3})?|0\\.[0-9]{0,2}[1-9])(nh|h|d)$", "description": "4h (working hours), 2d (working days) or 12nh (natural hours)"],
                "note": text(1, 2000),
            ],
        ]
        let step: JSONValue = ["required": true, "content": [
            "application/json": ["schema": stepSchema],
            "multipart/form-data": ["schema": ["type": "object", "required": ["action"], "properties": [
                "action": stepSchema, "photo": ["type": "array", "maxItems": 6, "items": ["type": "string", "format": "binary"]]]]],
        ]]
        let caseDocument = answer("Case")
        // Empty values are as if not given.
        let caseFilters = [query("status", "Comma list", list(CaseStatus.allCases.map(\.rawValue))),
                           query("category", "Comma list of category codes (up to 16 characters each)", ["type": "string", "pattern": "^,*([^,]{1,16}(,+[^,]{1,16})*)?,*$"]),
                           query("source", "Comma list", list(CaseSource.allCases.map(\.rawValue))), query("overdue", "true or false", enumeration(["true", "false", ""])),
                           query("region", "A region code in the account's subtree", ["type": "string"])]
        return [
            "/api/v1/cases": ["get": operation(
                "Cases", "Cases in the account's region, newest first or by deadline (sort), a department: those it holds, without reporters: filters status, category, source (comma lists), overdue, region, queue=mine (what waits on the account's role); limit and offset, a next link when the page is full; numberMatched counts every case the filters pass.",
                tag: "Cases", params: caseFilters + [query("queue", "mine (what waits on the account's role — grid staff: to verify and check in their grids or assigned to them; a role with no queue: 422)", enumeration(["mine"])),
                                                     query("sort", "created (newest first, the default) or due (soonest deadline first, none last)", enumeration(["created", "due"])),
                                                     query("limit", "1 to 1000 (default 100)", ["type": "integer", "minimum": 1, "maximum": 1000]),
                                                     query("offset", "0 or more", ["type": "integer", "minimum": 0, "maximum": 10_000_000])],
                ok: answer("CaseList"), badRequest: true, account: true),
                              "post": operation(
                "Report a case", "Files a problem where it lies (published grid, community, street, district), numbered by day, at its community's desk; reports by grid staff and the command centre are verified as made. Answers 201 with the case and its ETag. With photos: multipart/form-data, the JSON in a part named report and up to 6 JPEG or PNG images (10 MB each) in parts named photo. With an Idempotency-Key, a retry of the same report (same key, same body, same account, within a day) files nothing new and answers the case filed the first time, with Idempotent-Replayed: true, whichever server it reaches.",
                tag: "Cases", params: [idempotencyKey], ok: caseDocument, okStatus: "201", body: report, badRequest: true, account: true,
                more: ["409": problem("The Idempotency-Key was used for another report: nothing filed")])],
            "/api/v1/facilities/{code}/cases": get("A facility's cases", "The public facility (code, category, status, owner department, location) and the cases that named it, newest first, with how many are open.",
                                                   tag: "Cases", params: [pathParameter("code", "The facility's code")], ok: json(nil), notFound: true, account: true),
            "/api/v1/me": get("Who am I", "The token's account: name, role, region, department; grid staff's grids.", tag: "Cases", params: [],
                              ok: ["description": "OK", "content": ["application/json": ["schema": [
                                  "type": "object", "required": ["name", "role"],
                                  "properties": ["name": ["type": "string"], "role": enumeration(Role.allCases.map(\.rawValue)),
                                                 "region": ["type": "string"], "department": ["type": "string"],
                                                 "grids": ["type": "array", "items": ["type": "string"]]]]]]], account: true),
            "/api/v1/categories/suggest": get("Category suggestions", "The categories the classifier reads in a resident's words, best first (at most 3), with names, urgency and confidence (0–1; below 0.4 a message is filed as a resident's request flagged needs_category).",
                                              tag: "Cases", params: [["name": "text", "in": "query", "required": true, "description": "The words (1 to 2000 characters)",
                                                                                "schema": ["type": "string", "minLength": 1, "maxLength": 2000, "pattern": "[^\\s]"]]],
                                              ok: array(["type": "object", "required": ["category", "confidence", "name", "name_en", "major_name", "urgency"],
                                                         "properties": ["category": ["type": "string"], "confidence": ["type": "number", "minimum": 0, "maximum": 1],
                                                                        "name": ["type": "string"], "name_en": ["type": "string"], "major_name": ["type": "string"],
                                                                        "urgency": enumeration(Urgency.allCases.map(\.rawValue))]]),
                                              badRequest: true),
            "/api/v1/departments": get("Departments", "The departments cases are dispatched to: code, name, name_en, the region they serve, the categories they handle.",
                                       tag: "Cases", params: [], ok: array([
                                           "type": "object", "required": ["code", "name", "categories"],
                                           "properties": ["code": ["type": "string"], "name": ["type": "string"], "name_en": ["type": "string"], "region": ["type": "string"],
                                                          "categories": ["type": "array", "items": ["type": "string"]]]]), account: true),
            "/api/v1/cases/tiles/{z}/{x}/{y}.mvt": get("Case tiles", "The cases as Mapbox vector tiles (layer cases), made at each request with the list's filters (status, category, source, overdue, region) and scope: from zoom 14 a point per case (number, status, overdue); farther out, or past 5,000 in a tile, counts in cells of about 32 × 32 tile units (count). 204 when empty.",
                                                       tag: "Cases", params: tileParameters + caseFilters,
                                                       ok: ["description": "A vector tile", "content": ["application/vnd.mapbox-vector-tile": ["schema": ["type": "string", "format": "binary"]]]],
                                                       badRequest: true, noContent: true, account: true),
            "/api/v1/cases/stream": get("Live case feed", "Server-sent events: an event `case` for every transition stored after the stream opens (kind new, overdue, escalated or update; the case's public fields as they are now); the SSE id is the history row, resumed from with Last-Event-ID. Scoped to the account's region, a department's steps, grid staff's grids.",
                                        tag: "Cases", params: [], ok: stream(["case": nil]), account: true),
            "/api/v1/cases/{number}": get("A case", "The case, its place, holder, current deadline, counts (returns, reworks, extensions, escalations, supervisions) and history; the reporter's name and phone only for the command centre, masked for others.",
                                          tag: "Cases", params: [number], ok: caseDocument, notFound: true, account: true),
            "/api/v1/cases/{number}/photos/{sha256}": get("A case's photo", "The image (JPEG or PNG) without its metadata (EXIF, XMP, IPTC, comments, text chunks), for whoever may read the case.",
                                                          tag: "Cases", params: [number, pathParameter("sha256", "The photo's SHA-256")],
                                                          ok: ["description": "The image", "content": ["image/jpeg": ["schema": ["type": "string", "format": "binary"]],
                                                                                                     "image/png": ["schema": ["type": "string", "format": "binary"]]]],
                                                          notFound: true, account: true),
            "/api/v1/cases/{number}/actions": ["post": operation(
                "Take a step", "One step of the loop (GB/T 30428): verify, void, file, dispatch, escalate, accept, return, request_extension, request_suspension, approve, refuse, resume, handle, pass, fail, close, supervise. 409 when the step is not allowed in the case's status, 422 for a target that does not exist or fit. With photos: multipart/form-data, the JSON in a part named action, images in parts named photo.",
                tag: "Cases", params: [number, ifMatch], ok: caseDocument, body: step, badRequest: true, notFound: true, account: true, edit: true)],
        ]
    }

    /// Indicators, rankings and statistics (scoped: a street sees its communities and grids, a
    /// department itself, grid staff their own figures).
    static var assessment: [String: JSONValue] {
        var period = query("period", "2026-10, 2026-Q4, 2026, 2026-10-05 or 2026-10-01..2026-10-15 (local days; a day the calendar lacks, a range ending before it starts or longer than ten years: 422)",
                           ["type": "string", "pattern": .string("^\(AssessmentController.periodPattern)$")])
        if case .object(var p) = period { p["required"] = true; period = .object(p) }
        let level = query("level", "The units (default street)", ["type": "string", "enum": .array(UnitLevel.assessed.map { .string($0.rawValue) })])
        let region = query("region", "Only units under this region (drill down); statistics: the region (default the account's or the district)", text(1, 64))
        let format = [query("f", "json (default) or csv", ["type": "string", "enum": ["json", "csv"]]),
                      query("excel", "CSV with a byte order mark and Chinese headers", ["type": "string", "enum": ["true", "false"]])]
        let figures: JSONValue = ["description": "The units' figures (JSON: period, level, config in force, units with counts, indicators in percent, step_hours, score, grade, rank, change), or CSV",
                                  "content": ["application/json": ["schema": ["type": "object"]], "text/csv": ["schema": ["type": "string"]]]]
        let who = [query("department", "One department's figures (with region or person: 422)", text(1, 64)), query("person", "One person's figures (by account name)", text(1, 64))]
        return [
            "/api/v1/indicators": get("Indicators", "Each unit of a level in a period, counted now from the case histories: closing, on-time closing and handling, rework, return, extension, timely verification, filing, dispatch and check, accurate filing and dispatch, public report share, valid and missed report rates (percent), mean and p90 working hours per step, score, grade, rank among the level (units below the minimum sample are listed, not ranked), and the change against the period before and a year earlier.",
                                      tag: "Assessment", params: [period, level, region] + who + format, ok: figures, badRequest: true, notFound: true, account: true),
            "/api/v1/rankings": get("Rankings", "The same figures ranked; a closed month's ranking is made once and kept with the configuration in force (it does not change when later cases arrive).",
                                    tag: "Assessment", params: [period, level, region] + format, ok: figures, badRequest: true, notFound: true, account: true),
            "/api/v1/statistics/cases": get("Case statistics", "The cases reported in a community, street or district in the period: by category, source, status now and local hour; per day reported, filed, due to close and closed.",
                                            tag: "Assessment", params: [period, region], ok: answer("CaseStatistics"), badRequest: true, notFound: true, account: true),
            "/api/v1/households/{id}/members": get("A household's members", "Name, relation, sex, birth year, ID number, phone and tags of each member: masked (陈**, 132****6915, 320***********123X) for the command centre, viewers and the grid staff of the household's grid; unmask=true answers them whole to an admin, or to the grid's staff with a reason, and the read is recorded (civicgrid audit access).",
                                                   tag: "People", params: [pathParameter("id", "The household's id", integer: true),
                                                                               query("unmask", "true: whole (admins; grid staff with a reason), recorded", ["type": "string", "enum": ["true", "false"]]),
                                                                               query("reason", "Why (required of grid staff to unmask; not only spaces)", text(1, 200, pattern: "[^ \\t\\r\\n]"))],
                                                   ok: answer("Member", array: true),
                                                   badRequest: true, notFound: true, account: true),
            "/api/v1/buildings/{id}/households": get("A building's households", "The building's floors, stored height, household count, its households by unit (floor and entrance from `block-entrance-room`) with the number of members recorded, and the organisations in it (code, name, kind); nothing personal (the 3D view's building panel).",
                                                     tag: "People", params: [pathParameter("id", "The building's id (its feature id in the tiles)", integer: true)],
                                                     ok: answer("BuildingHouseholds"), badRequest: true, notFound: true, account: true),
            "/api/v1/search": get("Search", "Regions and grids by code or name, buildings by address or ref, organisations by name, code or licence, facilities by code and cases by number (dispatchers, viewers and admins), within the caller's scope; people by name prefix, or by ID number for admins — whole for admins, masked for grid staff and only in their grids, every answer with people recorded (civicgrid audit access). Up to `limit` of each kind.",
                                  tag: "People", params: [["name": "q", "in": "query", "required": true, "description": "What to look for (not only spaces)", "schema": text(1, 100, pattern: "[^ \\t\\r\\n]")],
                                                          query("limit", "Hits of each kind", ["type": "integer", "minimum": 1, "maximum": 50, "default": 10]),
                                                          query("kinds", "Comma-separated: region, grid, building, organisation, facility, case, person", list(SearchHit.Kind.allCases.map(\.rawValue), empty: false))],
                                  ok: answer("SearchHit", array: true),
                                  badRequest: true, account: true),
            "/api/v1/updates": [
                "get": operation("Field updates", "Changes to the basic data submitted from the field: an admin's region's, a member's own; newest first; names, phones and ID numbers masked.",
                                 tag: "People", params: [query("status", "pending, approved or rejected", ["type": "string", "enum": ["pending", "approved", "rejected"]])],
                                 ok: answer("FieldUpdate", array: true),
                                 badRequest: true, account: true),
                "post": operation("Submit a field update", "Grid staff (their grids) and admins (their region): {\"kind\": household.add | household.move_out | person.add | person.update | person.remove | organisation.add | organisation.update | facility.status, \"fields\": {…}}; checked now, stored pending (answers 201), applied only when an admin whose region holds it approves. 422 with the reasons when the change does not hold.",
                                  tag: "People", params: [], ok: answer("FieldUpdate"), okStatus: "201",
                                  body: ["required": true, "content": ["application/json": ["schema": ["type": "object", "required": ["kind", "fields"], "properties": [
                                      "kind": ["type": "string", "enum": .array(FieldUpdateKind.allCases.map { .string($0.rawValue) })], "fields": ["type": "object"]]]]]],
                                  badRequest: true, notFound: true, account: true),
            ],
            "/api/v1/updates/{id}/approve": ["post": operation("Approve a field update", "An admin whose region holds it: checked again against the data as it is, applied and recorded (who, when, what it made) in one transaction; 409 when reviewed already, 422 when it no longer holds.",
                                                               tag: "People", params: [pathParameter("id", "The update's id", integer: true)], ok: answer("FieldUpdate"),
                                                               body: ["required": false, "content": ["application/json": ["schema": ["type": "object", "properties": ["note": ["type": "string", "maxLength": 500]]]]]],
                                                               badRequest: true, notFound: true, account: true)],
            "/api/v1/updates/{id}/reject": ["post": operation("Reject a field update", "An admin whose region holds it, with a note saying why; 409 when reviewed already.",
                                                              tag: "People", params: [pathParameter("id", "The update's id", integer: true)], ok: answer("FieldUpdate"),
                                                              body: ["required": true, "content": ["application/json": ["schema": ["type": "object", "required": ["note"], "properties": ["note": text(1, 500, pattern: "[^ \\t\\r\\n]")]]]]],
                                                              badRequest: true, notFound: true, account: true)],
            "/api/v1/organisations/{code}": get("An organisation", "Name, kind, licence (unified social credit code), contact, building and unit, employees, grid and community; the contact masked (陈**, 132****6915) unless an admin asks unmask=true, which is recorded (civicgrid audit access).",
                                                tag: "People", params: [pathParameter("code", "The organisation's code", text(1, 64)),
                                                                        query("unmask", "true: the contact whole (admins), recorded", ["type": "string", "enum": ["true", "false"]])],
                                                ok: answer("Organisation"), notFound: true, account: true),
            "/api/v1/statistics/basic": get("Basic statistics", "A region's basic data: published grids by households (bins of 25) against the 350–500 band, grids by band per community, buildings by floors, buildings, households, people and grids per region one level down, grids by staff assigned.",
                                            tag: "Assessment", params: [region], ok: answer("BasicStatistics"), badRequest: true, notFound: true, account: true),
        ]
    }

    /// Open311 GeoReport v2 (public; answers in the spec's JSON or XML by the file extension).
    static var open311: [String: JSONValue] {
        let file = pathParameter("file", "The resource with its format: name.json or name.xml")
        let both: JSONValue = ["description": "The spec's answer", "content": ["application/json": ["schema": ["type": "array", "items": ["type": "object"]]],
                                                                             "text/xml": ["schema": ["type": "string"]]]]
        let q = { (name: String, description: String) -> JSONValue in query(name, description, ["type": "string"]) }
        let when = { (name: String, description: String) -> JSONValue in query(name, description, ["anyOf": [["type": "string", "format": "date-time"], ["type": "string", "maxLength": 0]]]) }
        // GeoReport v2's own error answer: a list of {code, description}, in the file's format.
        // (A parameter given twice, or a method the path does not take, is refused before the
        // Open311 code sees it: as a problem.)
        let errors: JSONValue = ["content": ["application/json": ["schema": ["type": "array", "items": [
            "type": "object", "required": ["code", "description"], "properties": ["code": ["type": "integer"], "description": ["type": "string"]]]]],
                                             "text/xml": ["schema": ["type": "string"]],
                                             "application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]]
        func spec(_ operation: JSONValue, _ codes: [String: String]) -> JSONValue {
            guard case .object(var o) = operation, case .object(var responses)? = o["responses"] else { return operation }
            for (code, why) in codes {
                guard case .object(var e) = errors else { continue }
                e["description"] = .string(why)
                responses[code] = .object(e)
            }
            o["responses"] = .object(responses)
            return .object(o)
        }
        let notFound = ["404": "No such resource, service, request or token, or no .json or .xml"]
        return [
            "/open311/v2/{file}": [
                "get": spec(operation("Open311: discovery, services or requests", "discovery.json|xml, services.json|xml (the minor categories), requests.json|xml (filters: service_request_id, service_code, start_date, end_date (default the last 90 days), status open|closed, lat and long with radius in metres (default 1000, at most 50000; by the public point: a case located at a reporter's home by its grid's label point), page, page_size ≤ 1000), servicerequestupdates.json|xml (FixMyStreet's: what reporters were told, step by step, from start_date to end_date — default the last day, 90 days at most —, oldest first, at most 1000: update_id, service_request_id, status investigating|in_progress|fixed|closed|reopen|duplicate|not_councils_responsibility|no_further_action, updated_datetime, description). No reporter in any answer.",
                                 tag: "Open311", params: [file, q("service_request_id", "Comma-separated numbers"), q("service_code", "Comma-separated codes"),
                                                          when("start_date", "W3C date-time"), when("end_date", "W3C date-time"),
                                                          query("status", "open or closed (a comma list)", list(["open", "closed"])),
                                                          query("lat", "Latitude of the centre (WGS84), with long", ["type": "number", "minimum": -90, "maximum": 90]),
                                                          query("long", "Longitude of the centre (WGS84), with lat", ["type": "number", "minimum": -180, "maximum": 180]),
                                                          query("radius", "Metres from lat, long (default 1000)", ["type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 50_000]),
                                                          query("page", "From 1", ["type": "integer", "minimum": 1, "maximum": 1_000_000]),
                                                          query("page_size", "1 to 1000", ["type": "integer", "minimum": 1, "maximum": 1000])],
                                 ok: both), notFound.merging(["400": "A parameter is invalid"]) { a, _ in a }),
                "post": spec(operation("Open311: post a request", "requests.json|xml, form-encoded or multipart/form-data: api_key (civicgrid open311 key; without one, a resident's own report from the /report page: source public_web, a name or phone only with consent=yes (else 422)), service_code (left out: the classifier chooses from the description), lat and long — or address_string alone (located by a building's address or a region's name in it, else held at the district's desk in no grid) —, description, first_name, last_name, phone (kept for the command centre, never shown), media_url (an http or https address, kept and shown), jurisdiction_id (when given, a district or city served; else 404); as multipart, up to six JPEG or PNG photos in parts named media (stored without their metadata). 201 with the request's number and a token (to follow the request and rate it once closed).",
                                       tag: "Open311", params: [file], ok: both, okStatus: "201",
                                       body: ["required": true, "content": ["application/x-www-form-urlencoded": ["schema": Self.open311Request(media: false)],
                                                                            "multipart/form-data": ["schema": Self.open311Request(media: true)]]]),
                             notFound.merging(["400": "A field is missing or invalid, or the place is outside the jurisdiction", "403": "An unknown or revoked api_key",
                                               "422": "A name or phone without consent=yes (no api_key)",
                                               "429": "Too many requests from this key or address (Retry-After)"]) { a, _ in a }),
            ],
            "/sms/outbox": get("Messages for residents", "What waits to be sent by SMS (a resident's report merged into another case), oldest first: id, to, case, text. The gateway's key as api_key or a bearer token.",
                               tag: "Open311", params: [query("api_key", "The gateway's key", text(1, 200))], ok: answer("SMSOutbox"), account: true),
            "/sms/outbox/{id}/sent": ["post": operation("A message was sent", "Marks one message sent; 404 when none with that id waits.",
                                                        tag: "Open311", params: [pathParameter("id", "The message's id", text(1, 64)), query("api_key", "The gateway's key", text(1, 200))],
                                                        ok: ["description": "Marked sent"], okStatus: "204", notFound: true, account: true)],
            "/sms": ["post": operation("SMS gateway webhook", "A resident's text message (form or JSON: from, text, optional category; the gateway's key as api_key or a bearer token). Located by the sender's household, a building address or region name in the text, or else held at the district's desk (in no grid). Without a category the classifier reads one from the text. 201 with the case number and the acknowledgement to send back; 200 when the sender's open case of the same category and place is repeated (attached to it as a follow-up, its number in the reply), or when the text is a rating (1 满意, 2 基本满意, 3 不满意) of the sender's case closed in the last 7 days (不满意 reopens it once).",
                                       tag: "Open311", params: [], ok: answer("SMSReply"), okStatus: "201",
                                       body: ["required": true, "content": ["application/x-www-form-urlencoded": ["schema": ["type": "object"]],
                                                                            "application/json": ["schema": ["type": "object", "required": ["from", "text"],
                                                                                                            "properties": ["from": ["type": "string", "maxLength": 32], "text": ["type": "string"],
                                                                                                                           "category": ["type": "string"], "api_key": ["type": "string"]]]]]],
                                       badRequest: true, account: true, more: ["200": answer("SMSReply")])],
            "/open311/v2/services/{file}": ["get": spec(operation("Open311: a service definition", "{code}.json|xml: the service's attributes (none).", tag: "Open311", params: [file], ok: both), notFound)],
            "/open311/v2/requests/{file}": ["get": spec(operation("Open311: a request", "{number}.json|xml: the request as a one-element list.", tag: "Open311", params: [file], ok: both), notFound)],
            "/open311/v2/tokens/{file}": [
                "get": spec(operation("Open311: a request by token", "{token}.json|xml: the request the token follows (the reporter's view, the tracking page's): token, the request's public fields, updates (what the reporter was told: status, updated_datetime, description) and rateable (closed in the last 7 days, not rated since).", tag: "Open311", params: [file], ok: both), notFound),
                "post": spec(operation("Open311: the reporter rates the request", "{token}.json|xml, form-encoded rating: 1 (满意), 2 (基本满意) or 3 (不满意), within 7 days of closing and once per closing. 不满意 reopens the case to its last handler, once. The token is the reporter's: no api_key. Answers the request, the thanks in service_notice.",
                                      tag: "Open311", params: [file], ok: both,
                                      body: ["required": true, "content": ["application/x-www-form-urlencoded": ["schema": [
                                          "type": "object", "required": ["rating"], "properties": ["rating": enumeration(["1", "2", "3", "satisfied", "fairly_satisfied", "dissatisfied"])]]]]]),
                             notFound.merging(["400": "No rating, or not one of 1, 2, 3", "409": "The request is not closed, was closed more than 7 days ago, or is rated already",
                                               "429": "Too many requests from this address (Retry-After)"]) { a, _ in a }),
            ],
        ]
    }

    /// An Open311 POST's fields (as multipart, with its photos).
    static func open311Request(media: Bool) -> JSONValue {
        var properties: [String: JSONValue] = [
            "api_key": text(1, 200), "service_code": text(1, 16), "lat": ["type": "number", "minimum": -90, "maximum": 90],
            "long": ["type": "number", "minimum": -180, "maximum": 180], "description": text(1, 2000), "address_string": text(0, 200),
            "first_name": text(0, 50), "last_name": text(0, 50), "phone": text(0, 32), "jurisdiction_id": text(1, 32), "consent": enumeration(["yes"]),
            "media_url": ["type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2000]]
        if media { properties["media"] = ["type": "array", "maxItems": 6, "items": ["type": "string", "format": "binary"]] }
        return ["type": "object", "required": ["description"],
                "anyOf": [["required": ["lat", "long"]], ["required": ["address_string"]]], "properties": .object(properties)]
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": "#/components/parameters/\(name)"] }

    static func json(_ schema: String?, alsoHTML: Bool = false) -> JSONValue {
        var content: [String: JSONValue] = ["application/json": ["schema": schema.map { ["$ref": "#/components/schemas/\($0)"] } ?? ["type": "object"]]]
        if alsoHTML { content["text/html"] = ["schema": ["type": "string"]] }
        return ["description": "OK", "content": .object(content)]
    }

    static func geoJSON(_ schema: String) -> JSONValue {
        ["description": "GeoJSON", "content": ["application/geo+json": ["schema": ["$ref": "#/components/schemas/\(schema)"]]]]
    }

    static func array(_ items: JSONValue) -> JSONValue {
        ["description": "OK", "content": ["application/json": ["schema": ["type": "array", "items": items]]]]
    }

    /// Server-sent events: each event's name and the schema its JSON data follows (nil: any object).
    static func stream(_ events: [String: String?]) -> JSONValue {
        let names = events.keys.sorted()
        let data = names.compactMap { events[$0] ?? nil }.map { "\($0)" }.joined(separator: ", ")
        return ["description": "Event stream: \(names.joined(separator: ", ")) events whose data is one line of JSON\(data.isEmpty ? "" : " (\(data))"); comments keep the connection alive",
                "content": ["text/event-stream": ["schema": [
                    "type": "object", "description": "One event",
                    "properties": ["event": enumeration(names), "data": ["type": "string", "description": "JSON"], "id": ["type": "string"], "retry": ["type": "integer", "minimum": 0]]]]]]
    }

    static func html() -> JSONValue { ["description": "HTML page", "content": ["text/html": ["schema": ["type": "string"]]]] }

    static func problem(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]]
    }

    static func pathParameter(_ name: String, _ description: String, integer: Bool = false) -> JSONValue {
        pathParameter(name, description, integer ? id : text(1, 200))
    }

    static func pathParameter(_ name: String, _ description: String, _ schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "description": .string(description), "schema": schema]
    }

    /// A row id: an integer that fits a JSON number exactly (larger ones are 400, unknown ones 404).
    static let id: JSONValue = ["type": "integer", "format": "int64", "minimum": 0, "maximum": .number(Double(ItemsParameters.maxID))]

    /// Text of `min` to `max` characters (Unicode code points), optionally matching `pattern`.
    static func text(_ min: Int, _ max: Int, pattern: String? = nil) -> JSONValue {
        var schema: [String: JSONValue] = ["type": "string", "minLength": .number(Double(min)), "maxLength": .number(Double(max))]
        if let pattern { schema["pattern"] = .string(pattern) }
        return .object(schema)
    }

    /// A comma-separated list of these words (empty items are skipped).
    static func list(_ words: [String], empty: Bool = true) -> JSONValue {
        let word = "(" + words.joined(separator: "|") + ")"
        let items = "\(word)(,+\(word))*"
        return ["type": "string", "pattern": .string(empty ? "^,*(\(items))?,*$" : "^,*\(items),*$")]
    }

    static func enumeration(_ words: [String]) -> JSONValue { ["type": "string", "enum": .array(words.map { .string($0) })] }

    /// A time as the API reads it: RFC 3339 with a zone, or epoch seconds or milliseconds.
    static let time: JSONValue = ["anyOf": [["type": "string", "format": "date-time"], ["type": "string", "pattern": "^[0-9]{1,15}(\\.[0-9]{1,6})?$"]]]

    static func query(_ name: String, _ description: String, _ schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "query", "required": false, "description": .string(description), "schema": schema]
    }

    static func propertiesParameter(_ layer: FeatureLayer) -> JSONValue {
        ["name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
         "description": "Only these properties in each feature",
         "schema": ["type": "array", "items": ["type": "string", "enum": .array(layer.fields.map { .string($0.name) })]]]
    }

    static func parameters(_ layers: [FeatureLayer]) -> JSONValue {
        // An RFC 3339 date or date-time with a zone (the calendar is the server's to check: 422).
        let instant = ItemsParameters.instantPattern
        return [
            "collectionId": ["name": "collectionId", "in": "path", "required": true, "description": "Collection id",
                             "schema": ["type": "string", "enum": .array(layers.map { .string($0.name) })]],
            "featureId": pathParameter("featureId", "Feature id", text(1, 200)),
            "f": query("f", "Output format: json or geojson (both GeoJSON)", enumeration(["json", "geojson"])),
            "fJSON": query("f", "Output format: json", enumeration(["json"])),
            "bbox": ["name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
                     "description": "minLon,minLat,maxLon,maxLat (CRS84), or six numbers with heights: only features that meet this box. A latitude past ±90 or a minimum latitude above the maximum: 422",
                     "schema": ["type": "array", "oneOf": [["minItems": 4, "maxItems": 4], ["minItems": 6, "maxItems": 6]],
                                "items": ["type": "number", "minimum": -180, "maximum": 180]]],
            "bbox-crs": query("bbox-crs", "CRS of bbox; only CRS84", ["type": "string", "format": "uri", "enum": [.string(ItemsParameters.crs84)]]),
            "limit": query("limit", "Features per page", ["type": "integer", "minimum": 1, "maximum": .number(Double(ItemsParameters.maxLimit)), "default": 100]),
            "after": query("after", "Features after this id (the next link carries it); a number where ids are numbers", text(1, 200)),
            "before": query("before", "Features before this id (the prev link carries it)", text(1, 200)),
            "properties": ["name": "properties", "in": "query", "required": false, "style": "form", "explode": false,
                           "description": "Only these properties in each feature", "schema": ["type": "array", "items": ["type": "string"]]],
            "datetime": query("datetime", "RFC 3339 instant or date, or an interval start/end with .. or nothing for an open end (not both), for collections with time",
                              ["type": "string", "pattern": .string("^(\(instant)|(\(instant)|\\.\\.)?/(\(instant)|\\.\\.)?)$")]),
            "plan": query("plan", "Grids of this plan (a draft) instead of the published ones", id),
        ]
    }

    /// One edit's schema: its op and members (all required but `optional`).
    static func edit(_ op: String, _ members: [String: JSONValue], optional: Set<String> = [], oneOf: [String] = []) -> JSONValue {
        var properties = members
        properties["op"] = enumeration(op == "rename" ? ["rename", "recode"] : [op])
        var schema: [String: JSONValue] = ["type": "object", "required": .array((["op"] + members.keys.filter { !optional.contains($0) }.sorted()).map { .string($0) }),
                                           "properties": .object(properties), "additionalProperties": false]
        if !oneOf.isEmpty { schema["anyOf"] = .array(oneOf.map { ["required": [.string($0)]] }) }  // at least one of them
        return .object(schema)
    }

    /// A GeoJSON position: lon, lat (and a height).
    static let position: JSONValue = ["type": "array", "minItems": 2, "maxItems": 3, "items": ["type": "number", "minimum": -180, "maximum": 180]]

    static func geometry(_ type: String, _ coordinates: JSONValue) -> JSONValue {
        ["type": "object", "required": ["type", "coordinates"], "properties": ["type": enumeration([type]), "coordinates": coordinates], "description": "GeoJSON \(type), lon/lat"]
    }

    static var schemas: [String: JSONValue] {
        let link: JSONValue = ["type": "object", "required": ["href", "rel"],
                                   "properties": ["href": ["type": "string"], "rel": ["type": "string"], "type": ["type": "string"], "title": ["type": "string"]]]
        let links: JSONValue = ["type": "array", "items": ["$ref": "#/components/schemas/Link"]]
        let collection: JSONValue = [
            "type": "object", "required": ["id", "links"],
            "properties": ["id": ["type": "string"], "title": ["type": "string"], "description": ["type": "string"], "links": links,
                           "itemType": ["type": "string"], "crs": ["type": "array", "items": ["type": "string"]], "storageCrs": ["type": "string"],
                           "extent": ["type": "object"]],
        ]
        let string: JSONValue = ["type": "string"]
        let caseStatus = enumeration(CaseStatus.allCases.map(\.rawValue))
        return [
            "Edit": ["description": "move {buildings, to}; merge {grids: [a, b]}; split {grid, line?}; reshape {grid, geometry}; rename {grid, name?, code?}. A geometry out of range or not simple: 422.",
                     "oneOf": [
                        edit("move", ["buildings": ["type": "array", "minItems": 1, "items": id], "to": text(1, 64)]),
                        edit("merge", ["grids": ["type": "array", "items": text(1, 64), "minItems": 2, "maxItems": 2, "uniqueItems": true]]),
                        edit("split", ["grid": text(1, 64), "line": geometry("LineString", ["type": "array", "minItems": 2, "items": position])], optional: ["line"]),
                        edit("reshape", ["grid": text(1, 64), "geometry": geometry("Polygon", ["type": "array", "minItems": 1, "items": ["type": "array", "minItems": 4, "items": position]])]),
                        edit("rename", ["grid": text(1, 64), "name": text(1, 100), "code": text(1, 64)], optional: ["name", "code"], oneOf: ["name", "code"]),
                     ]],
            "PlanDocument": ["type": "object", "required": ["id", "community", "status", "version", "etag", "grids", "buildings", "validation"],
                             "properties": ["id": ["type": "integer"], "community": ["type": "string"],
                                            "status": ["type": "string", "enum": ["draft", "published", "archived"]], "version": ["type": "integer"],
                                            "etag": ["type": "string"], "based_on": ["type": "integer", "nullable": true], "author": ["type": "string", "nullable": true],
                                            "created_at": ["type": "string"], "updated_at": ["type": "string"],
                                            "grids": ["$ref": "#/components/schemas/FeatureCollection"], "buildings": ["$ref": "#/components/schemas/FeatureCollection"],
                                            "validation": ["type": "object", "properties": ["report": ["type": "object"], "publishable": ["type": "boolean"],
                                                                                            "faults": ["type": "array", "items": ["type": "object"]]]]]],
            "Link": link,
            "Problem": ["type": "object", "description": "RFC 9457 problem details",
                        "properties": ["type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
                                       "detail": ["type": "string"], "instance": ["type": "string"]]],
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
            "Ping": ["type": "object", "required": ["time", "lon", "lat"],
                     "properties": ["device": ["type": "string", "description": "Must be the token's device if given"],
                                    "time": ["oneOf": [["type": "number", "description": "Seconds (< 2^31) or milliseconds since 1970"], ["type": "string", "format": "date-time"]]],
                                    "lon": ["type": "number", "minimum": -180, "maximum": 180], "lat": ["type": "number", "minimum": -90, "maximum": 90],
                                    "accuracy": ["type": "number", "description": "m"], "speed": ["type": "number", "description": "m/s"],
                                    "heading": ["type": "number"], "altitude": ["type": "number"], "battery": ["type": "number", "description": "%"]],
                     "additionalProperties": ["type": "string", "description": "Kept as attributes"]],
            "Health": ["type": "object", "properties": ["status": ["type": "string"], "regions": ["type": "integer"], "buildings": ["type": "integer"],
                                                        "households": ["type": "integer"], "roads": ["type": "integer"]]],
        ]
    }
}
