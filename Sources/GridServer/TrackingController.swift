import Foundation
import GridGeometry
import GridStore
import GridTracking
import Hummingbird
import ServiceLifecycle

/// GPS: ingestion in the three wire formats devices speak, live positions (JSON and a
/// server-sent event stream), geofence events, tracks and patrol coverage.
///
/// - `POST /api/v1/positions`: native batch (JSON array, ≤ 10,000), bearer token.
/// - `/osmand` (any method) and `/` when the query or form names `id`/`deviceid`: the OsmAnd
///   protocol as Traccar speaks it, and newer Traccar Client JSON bodies.
/// - `POST /owntracks`, `POST /pub`: OwnTracks HTTP mode.
struct TrackingController {
    let store: GridStore
    let ingestor: PingIngestor
    let configuration: ServerConfiguration
    let access: Access

    static let watchers: Set<Role> = [.admin, .viewer]

    static let osmandMethods: [HTTPRequest.Method] = [.get, .post, .put]

    func register(on router: Router<CivicContext>) {
        router.post("api/v1/positions") { request, _ in try await native(request) }
        for method in Self.osmandMethods {
            router.on("osmand", method: method) { request, _ in try await osmand(request) }
            if method != .get { router.on("/", method: method) { request, _ in try await osmand(request) } }  // GET / is WebController's
        }
        router.post("owntracks") { request, _ in try await ownTracks(request) }
        router.post("pub") { request, _ in try await ownTracks(request) }
        router.get("api/v1/live") { request, _ in try await live(request) }
        router.get("api/v1/live/stream") { request, _ in try await stream(request) }
        router.get("api/v1/events") { request, _ in try await events(request) }
        router.get("api/v1/devices/:device/track") { request, context in try await track(request, context.parameters.require("device")) }
        router.get("api/v1/coverage") { request, _ in try await coverage(request) }
    }

    /// Whether a request to `/` is an OsmAnd report rather than a visit.
    static func isOsmAnd(_ request: Request) -> Bool {
        let q = FormParameters.parse(request.uri.query ?? "")
        return q["id"] != nil || q["deviceid"] != nil
    }

    // MARK: Ingestion

    func native(_ request: Request) async throws -> Response {
        let device = try await authenticate(request, parameters: FormParameters.parse(request.uri.query ?? ""), deviceID: nil)
        let body = try await Self.collectBatch(request)
        let decoded: [Result<Fix, TrackingError>]
        do { decoded = try NativeBatch.decode(Data(buffer: body)) } catch { throw Problem.badRequest(error.reason) }
        var fixes: [Fix] = []
        var indexes: [Int] = []
        var rejected: [JSONValue] = []
        for (i, r) in decoded.enumerated() {
            switch r {
            case .success(let f):
                if let d = f.device, d != device.id {
                    throw Problem(.forbidden, "Forbidden", detail: "ping \(i) is for device \"\(d)\"; this token is device \"\(device.id)\"'s")
                }
                fixes.append(f)
                indexes.append(i)
            case .failure(let e):
                rejected.append(.object(["index": .number(Double(i)), "reason": .string(e.reason)]))
            }
        }
        let outcomes = try await submit(fixes, device: device)
        var stored = 0, duplicates = 0
        var flagged: [JSONValue] = []
        for (i, o) in zip(indexes, outcomes) {
            switch o {
            case .duplicate: duplicates += 1
            case .stored(let flags):
                stored += 1
                if !flags.isEmpty { flagged.append(.object(["index": .number(Double(i)), "flags": .array(flags.names.map(JSONValue.string))])) }
            }
        }
        let summary: [String: JSONValue] = ["accepted": .number(Double(stored + duplicates)), "stored": .number(Double(stored)),
                                            "duplicates": .number(Double(duplicates)), "flagged": .array(flagged), "rejected": .array(rejected)]
        if fixes.isEmpty && !rejected.isEmpty {
            throw Problem(.unprocessableContent, "No ping accepted", detail: "all \(rejected.count) pings were rejected; see rejected", extensions: summary)
        }
        return try jsonResponse(JSONValue.object(summary).foundationObject)
    }

    /// Bytes a batch may take: 10,000 fixes of some 400 bytes each, with room for attributes.
    static let batchBytes = 8 << 20

    /// A native batch's body, refused (413) as soon as it passes `batchBytes` or holds more
    /// than `NativeBatch.limit` elements: nothing past the limit is kept or parsed.
    static func collectBatch(_ request: Request) async throws -> ByteBuffer {
        var buffer = ByteBuffer()
        var counter = ArrayCounter()
        for try await chunk in request.body {
            guard buffer.readableBytes + chunk.readableBytes <= batchBytes else {
                throw Problem(.contentTooLarge, "Content too large", detail: "a batch takes at most \(batchBytes) bytes; send the pings in several requests")
            }
            counter.feed(chunk.readableBytesView)
            guard counter.count <= NativeBatch.limit else {
                throw Problem(.contentTooLarge, "Content too large", detail: "more than \(NativeBatch.limit) pings in one request; send them in several")
            }
            buffer.writeImmutableBuffer(chunk)
        }
        return buffer
    }

    func osmand(_ request: Request) async throws -> Response {
        var request = request
        var parameters = FormParameters.parse(request.uri.query ?? "")
        let body = try await request.collectBody(upTo: 1 << 20)
        let text = String(buffer: body)
        let fix: Fix
        let device: Device
        if text.first == "{" || request.headers[.contentType]?.hasPrefix("application/json") == true {
            let decoded: Fix
            do { decoded = try OsmAnd.decodeJSON(Data(buffer: body)) } catch { throw Problem.badRequest(error.reason) }
            guard let id = decoded.device ?? OsmAnd.deviceID(parameters) else { throw Problem.badRequest("missing device_id") }
            device = try await authenticate(request, parameters: parameters, deviceID: id)
            fix = decoded
        } else {
            if OsmAnd.deviceID(parameters) == nil, !text.isEmpty { parameters.merge(FormParameters.parse(text)) { a, _ in a } }
            guard let id = OsmAnd.deviceID(parameters) else {
                throw Problem.badRequest("missing id (or deviceid): the OsmAnd protocol names the device in its parameters")
            }
            device = try await authenticate(request, parameters: parameters, deviceID: id)
            do { fix = try OsmAnd.decode(parameters, speedUnit: device.speedUnit) } catch { throw Problem.badRequest(error.reason) }
        }
        _ = try await submit([fix], device: device)
        return Response(status: .ok)
    }

    func ownTracks(_ request: Request) async throws -> Response {
        var request = request
        let parameters = FormParameters.parse(request.uri.query ?? "")
        let user = request.headers[.init("X-Limit-U")!]
        let named = request.headers[.init("X-Limit-D")!]
        let device = try await authenticate(request, parameters: parameters, deviceID: nil)
        if let named, device.id != named, device.id != "\(user ?? "")/\(named)" {
            throw Problem(.forbidden, "Forbidden", detail: "X-Limit-D names device \"\(named)\"; this token is device \"\(device.id)\"'s")
        }
        let body = try await request.collectBody(upTo: 1 << 20)
        let fix: Fix?
        do { fix = try OwnTracks.decode(Data(buffer: body)) } catch { throw Problem.badRequest(error.reason) }
        if let fix { _ = try await submit([fix], device: device) }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "[]")))
    }

    func submit(_ fixes: [Fix], device: Device) async throws -> [IngestOutcome] {
        do {
            return try await ingestor.submit(fixes, device: device)
        } catch {
            throw Problem(.serviceUnavailable, "Not stored", detail: "the pings were not stored: \(error)")
        }
    }

    /// The device a request's token belongs to: a bearer token, a basic-auth password, or a
    /// `token` parameter. 401 without a valid token; 403 when the request names another
    /// device than the token's.
    func authenticate(_ request: Request, parameters: [String: String], deviceID: String?) async throws -> Device {
        let challenge: HTTPFields = [.wwwAuthenticate: "Bearer realm=\"civicgrid\", Basic realm=\"civicgrid\""]
        guard let token = Self.token(request, parameters: parameters) else {
            throw Problem(.unauthorized, "Unauthorized", detail: "no device token: send it as a bearer token, a basic-auth password or a token parameter",
                          headers: challenge)
        }
        let hash = DeviceToken.hash(token)
        guard let device = try await store.asyncRead({ try $0.device(tokenHash: hash) }), device.revokedAt == nil else {
            throw Problem(.unauthorized, "Unauthorized", detail: "unknown or revoked device token", headers: challenge)
        }
        if let deviceID, deviceID != device.id {
            throw Problem(.forbidden, "Forbidden", detail: "the request is for device \"\(deviceID)\"; this token is device \"\(device.id)\"'s")
        }
        return device
    }

    static func token(_ request: Request, parameters: [String: String]) -> String? {
        if let auth = request.headers[.authorization] {
            if auth.lowercased().hasPrefix("bearer ") { return String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            if auth.lowercased().hasPrefix("basic "), let data = Data(base64Encoded: String(auth.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
               let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":") {
                return String(pair[pair.index(after: colon)...])
            }
        }
        return parameters["token"].flatMap { $0.isEmpty ? nil : $0 }
    }

    // MARK: Live

    /// The latest plausible fix of each device in a region's subtree (all without `region`),
    /// online when younger than `offline_after` seconds (default: the server's setting).
    func live(_ request: Request) async throws -> Response {
        let q = FormParameters.parse(request.uri.query ?? "")
        let within = try await area(try scoped(request, q["region"], "see positions"))
        let offlineAfter = try seconds(q["offline_after"], "offline_after") ?? configuration.offlineAfter
        let positions = try await store.asyncRead { try $0.latestPositions() }.filter(within)
        let now = Date().timeIntervalSince1970
        return try geoJSONResponse([
            "type": "FeatureCollection", "timeStamp": StoreReader.isoTime(now.rounded(.down)),
            "features": positions.map { feature($0, now: now, offlineAfter: offlineAfter) },
        ])
    }

    /// Server-sent events: `snapshot` (the live FeatureCollection) first, then a `position`
    /// Feature for each new plausible fix in the region.
    func stream(_ request: Request) async throws -> Response {
        let q = FormParameters.parse(request.uri.query ?? "")
        let within = try await area(try scoped(request, q["region"], "see positions"))
        let offlineAfter = try seconds(q["offline_after"], "offline_after") ?? configuration.offlineAfter
        let (id, positions) = ingestor.live.subscribe()  // before the snapshot: nothing falls between
        let snapshot = try await store.asyncRead { try $0.latestPositions() }.filter(within)
        let hub = ingestor.live
        let body = ResponseBody { writer in
            defer { hub.unsubscribe(id) }
            let now = Date().timeIntervalSince1970
            let first: [String: Any] = ["type": "FeatureCollection", "features": snapshot.map { feature($0, now: now, offlineAfter: offlineAfter) }]
            try await writer.write(ByteBuffer(string: "retry: 2000\nevent: snapshot\ndata: \(try Self.line(first))\n\n"))
            try await withGracefulShutdownHandler {
                for await p in positions where within(p) {
                    let f = feature(p, now: Date().timeIntervalSince1970, offlineAfter: offlineAfter)
                    try await writer.write(ByteBuffer(string: "event: position\ndata: \(try Self.line(f))\n\n"))
                }
            } onGracefulShutdown: {
                hub.unsubscribe(id)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    func feature(_ p: DevicePosition, now: Double, offlineAfter: Double) -> [String: Any] {
        let ping = p.ping
        var properties: [String: Any] = [
            "device": ping.device, "member": p.member, "time": StoreReader.isoTime(ping.time),
            "age_s": max(0, (now - ping.time).rounded()), "online": now - ping.time <= offlineAfter,
        ]
        let optional: [(String, Any?)] = [("grid", p.gridCode), ("community", ping.community), ("accuracy", ping.accuracy), ("speed", ping.speed),
                                          ("heading", ping.heading), ("altitude", ping.altitude), ("battery", ping.battery)]
        for (k, v) in optional { if let v { properties[k] = v } }
        return ["type": "Feature", "id": ping.device, "geometry": ["type": "Point", "coordinates": [ping.lon, ping.lat]], "properties": properties]
    }

    // MARK: History

    /// Geofence events, newest first, as GeoJSON points where the crossing began.
    func events(_ request: Request) async throws -> Response {
        let q = FormParameters.parse(request.uri.query ?? "")
        let from = try time(q["from"], "from"), to = try time(q["to"], "to")
        let limit = try q["limit"].map { s -> Int in
            guard let n = Int(s), (1...10_000).contains(n) else { throw Problem.badRequest("limit \"\(s)\" is not a whole number in 1…10000") }
            return n
        } ?? 1000
        let device = q["device"]
        let account = try access.require(request, Self.watchers, to: "see geofence events")
        let scope = try access.communities(account)
        var events = try await store.asyncRead { try $0.events(device: device, from: from, to: to, limit: limit) }
        if let scope {
            let communities = try await store.asyncRead { try $0.publishedGridCommunities() }
            events = events.filter { $0.grid.flatMap { communities[$0] }.map(scope.contains) ?? false }
        }
        return try geoJSONResponse([
            "type": "FeatureCollection",
            "features": events.map { e -> [String: Any] in
                var properties: [String: Any] = ["device": e.device, "member": e.member, "kind": e.kind.rawValue, "time": StoreReader.isoTime(e.time),
                                                 "confirmed_at": StoreReader.isoTime(e.confirmedAt)]
                if let g = e.grid { properties["grid"] = g }
                return ["type": "Feature", "id": e.id ?? 0, "geometry": ["type": "Point", "coordinates": [e.lon, e.lat]], "properties": properties]
            },
        ])
    }

    /// A device's plausible fixes over [from, to] (default: the last 24 hours) as a
    /// LineString, simplified to `simplify` metres if asked.
    func track(_ request: Request, _ device: String) async throws -> Response {
        let q = FormParameters.parse(request.uri.query ?? "")
        let now = Date().timeIntervalSince1970
        let to = try time(q["to"], "to") ?? now
        let from = try time(q["from"], "from") ?? to - 86400
        guard from <= to else { throw Problem.badRequest("from is after to") }
        let tolerance = try seconds(q["simplify"], "simplify") ?? 0
        try await checkTrack(request, device)
        let (known, pings) = try await store.asyncRead { r in (try r.device(id: device) != nil, try r.track(device: device, from: from, to: to)) }
        guard known else { throw Problem.notFound("no device \"\(device)\"") }
        let points = Track.simplify(pings.map { Coordinate($0.lon, $0.lat) }, tolerance: tolerance)
        let geometry: Any = points.count >= 2 ? ["type": "LineString", "coordinates": points.map { [$0.x, $0.y] }] as [String: Any] : NSNull()
        return try geoJSONResponse([
            "type": "Feature", "id": device, "geometry": geometry,
            "properties": ["device": device, "from": StoreReader.isoTime(from), "to": StoreReader.isoTime(to), "fixes": pings.count,
                           "points": points.count, "simplify_m": tolerance] as [String: Any],
        ])
    }

    /// Daily patrol coverage per published grid: the share of its buildings within 50 m
    /// (`radius`) of a track of the grid's members. `date` (default today) is a day in
    /// `utc_offset` (default +08:00, China Standard Time).
    func coverage(_ request: Request) async throws -> Response {
        let q = FormParameters.parse(request.uri.query ?? "")
        let offset = try Self.utcOffset(q["utc_offset"] ?? "+08:00")
        let now = Date().timeIntervalSince1970
        let date = q["date"] ?? {
            let local = Date(timeIntervalSince1970: now + Double(offset))
            return local.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day())
        }()
        guard let midnight = Timestamp.parse("\(date) 00:00:00") else { throw Problem.badRequest("date \"\(date)\" is not yyyy-MM-dd") }
        let from = midnight - Double(offset), to = from + 86400
        let radius = try seconds(q["radius"], "radius") ?? 50
        guard radius > 0, radius <= 1000 else { throw Problem.badRequest("radius must be in (0, 1000] metres") }
        let communities = try await communities(try scoped(request, q["region"], "see patrol coverage"))
        let grids = try await store.asyncRead { try Patrol.coverage($0, from: from, to: to, communities: communities, radius: radius) }
        return try jsonResponse([
            "date": date, "from": StoreReader.isoTime(from), "to": StoreReader.isoTime(to), "radius_m": radius,
            "grids": grids.map { g -> [String: Any] in
                ["grid": g.grid, "community": g.community, "members": g.members, "buildings": g.buildings, "covered": g.covered,
                 "share": (g.share * 10000).rounded() / 10000, "fixes": g.fixes]
            },
        ])
    }

    // MARK: Access

    /// The region a watcher asks for, checked against the account's scope (default: the scope).
    func scoped(_ request: Request, _ region: String?, _ action: String) throws -> String? {
        let account = try access.require(request, Self.watchers, to: action)
        if let region {
            // A published grid's code stands for its community; anything else is a region code.
            let community = try store.read { try $0.publishedGridCommunities()[region] }
            try access.checkScope(account, community ?? region, action)
            return region
        }
        return account.region
    }

    /// Watchers see tracks of devices last seen in their scope; members their own devices'.
    func checkTrack(_ request: Request, _ device: String) async throws {
        let account = try access.require(request, Self.watchers.union([.member]), to: "see tracks")
        let (owner, community) = try await store.asyncRead { r in (try r.device(id: device)?.member, try r.latestCommunity(device: device)) }
        if account.role == .member {
            guard owner == account.id else { throw Problem(.forbidden, "Forbidden", detail: "\(account.name) may see the tracks of their own devices only") }
            return
        }
        guard let root = account.region, owner != nil else { return }
        guard let community, try store.read({ try $0.isRegion(community, under: root) }) else {
            throw Problem(.forbidden, "Forbidden", detail: "device \(device) was not last seen in \(root)")
        }
    }

    // MARK: Parameters

    /// Which positions a `region` parameter selects: those in the subtree of a district,
    /// street or community, or in a published grid of that code; all without one; 404 for an
    /// unknown code.
    func area(_ region: String?) async throws -> @Sendable (DevicePosition) -> Bool {
        guard let region else { return { _ in true } }
        if try await store.asyncRead({ try $0.isPublishedGrid(code: region) }) { return { $0.gridCode == region } }
        let communities = try await communities(region)!
        return { p in p.ping.community.map(communities.contains) ?? false }
    }

    /// The communities under a region code (nil without one); 404 for an unknown code.
    func communities(_ region: String?) async throws -> Set<String>? {
        guard let region else { return nil }
        guard let set = try await store.asyncRead({ try $0.communityCodes(under: region) }) else {
            throw Problem.notFound("no region \"\(region)\"")
        }
        return set
    }

    func time(_ value: String?, _ name: String) throws -> Double? {
        guard let value else { return nil }
        guard let t = Timestamp.parse(value) else {
            throw Problem.badRequest("\(name) \"\(value)\" is not a time (RFC 3339 with a zone, or epoch seconds or milliseconds)")
        }
        return t
    }

    func seconds(_ value: String?, _ name: String) throws -> Double? {
        guard let value else { return nil }
        guard let d = Double(value), d.isFinite, d >= 0 else { throw Problem.badRequest("\(name) \"\(value)\" is not a non-negative number") }
        return d
    }

    static func utcOffset(_ s: String) throws -> Int {
        let b = Array(s.utf8)
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: " "), b[3] == UInt8(ascii: ":"),
              let h = Int(String(s.dropFirst().prefix(2))), let m = Int(String(s.suffix(2))), h <= 14, m < 60 else {
            throw Problem.badRequest("utc_offset \"\(s)\" is not ±HH:MM")
        }
        return (b[0] == UInt8(ascii: "-") ? -1 : 1) * (h * 3600 + m * 60)
    }

    static func line(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    func geoJSONResponse(_ object: Any) throws -> Response {
        try jsonResponse(object, contentType: "application/geo+json")
    }
}

/// `application/x-www-form-urlencoded` (also query strings): "+" is a space, %XX a byte;
/// the first of repeated keys wins.
enum FormParameters {
    static func parse(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in s.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(kv[0]), value = kv.count > 1 ? decode(kv[1]) : ""
            if out[key] == nil { out[key] = value }
        }
        return out
    }

    static func decode(_ s: Substring) -> String {
        let plain = s.replacingOccurrences(of: "+", with: " ")
        return plain.removingPercentEncoding ?? plain
    }
}
