import CivicGridModel
import Foundation
import GridGeometry
import GridStore
import GridTracking
import GridWire
import Hummingbird

/// What devices did: `GET /api/v1/events` (geofence events), `GET /api/v1/devices/{id}/track`
/// and `GET /api/v1/coverage` (daily patrol coverage per grid).
struct HistoryController {
    let watching: Watching
    var store: GridStore { watching.store }
    var access: Access { watching.access }

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("api/v1/events") { request, context in try await events(request, context) }
        router.get("api/v1/devices/:device/track") { request, context in try await track(request, context, context.parameters.require("device")) }
        router.get("api/v1/coverage") { request, context in try await coverage(request, context) }
    }

    struct Event: Encodable, Sendable {
        struct Properties: Encodable, Sendable {
            var device: String
            var member: Int64
            var kind: String
            var time: String
            var confirmedAt: String
            var grid: String?

            enum CodingKeys: String, CodingKey { case device, member, kind, time, confirmedAt = "confirmed_at", grid }
        }

        let type = "Feature"
        var id: Int64
        var geometry: PointGeometry
        var properties: Properties
    }

    /// Geofence events, newest first, as GeoJSON points where the crossing began.
    func events(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<FeatureCollectionAnswer<Event>> {
        let q = FormParameters.parse(request.uri.query ?? "")
        let from = try Watching.time(q["from"], "from"), to = try Watching.time(q["to"], "to")
        let limit = try q["limit"].map { s -> Int in
            guard let n = Int(s), (1...10_000).contains(n) else { throw Problem.badRequest("limit \"\(s)\" is not a whole number in 1…10000") }
            return n
        } ?? 1000
        let device = q["device"]
        if let device, !(1...100).contains(device.unicodeScalars.count) { throw Problem.badRequest("device: a device id of 1 to 100 characters") }
        let account = try access.require(context, Watching.watchers, to: "see geofence events")
        let scope = try await access.communities(account)
        let events = try await store.asyncRead { r in
            let events = try r.events(device: device, from: from, to: to, limit: limit)
            guard let scope else { return events }
            let communities = try r.publishedGridCommunities()
            return events.filter { $0.grid.flatMap { communities[$0] }.map(scope.contains) ?? false }
        }
        return JSONAnswer(FeatureCollectionAnswer(features: events.map { e in
            Event(id: e.id ?? 0, geometry: PointGeometry(e.lon, e.lat), properties: .init(
                device: e.device, member: e.member, kind: e.kind.rawValue, time: StoreReader.isoTime(e.time),
                confirmedAt: StoreReader.isoTime(e.confirmedAt), grid: e.grid))
        }), contentType: "application/geo+json")
    }

    struct TrackFeature: Encodable, Sendable {
        struct Line: Encodable, Sendable {
            let type = "LineString"
            var coordinates: [[Double]]
        }

        struct Properties: Encodable, Sendable {
            var device, from, to: String
            var fixes, points: Int
            var simplifyM: Double

            enum CodingKeys: String, CodingKey { case device, from, to, fixes, points, simplifyM = "simplify_m" }
        }

        let type = "Feature"
        var id: String
        /// Null with fewer than two points.
        var geometry: Nullable<Line>
        var properties: Properties
    }

    /// A device's plausible fixes over [from, to] (default: the last 24 hours) as a
    /// LineString, simplified to `simplify` metres if asked.
    func track(_ request: Request, _ context: CivicContext, _ device: String) async throws -> JSONAnswer<TrackFeature> {
        let q = FormParameters.parse(request.uri.query ?? "")
        let now = Date().timeIntervalSince1970
        let to = try Watching.time(q["to"], "to") ?? now
        let from = try Watching.time(q["from"], "from") ?? to - 86400
        guard from <= to else { throw Problem(.unprocessableContent, "Refused", detail: "from is after to") }
        let tolerance = try Watching.seconds(q["simplify"], "simplify") ?? 0
        let account = try access.require(context, Watching.watchers.union([.member]), to: "see tracks")
        let (owner, inScope) = try await store.asyncRead { r -> (Int64?, Bool) in
            let community = try r.latestCommunity(device: device)
            let inScope = try account.region == nil || community.map { try r.isRegion($0, under: account.region) } ?? false
            return (try r.device(id: device)?.member, inScope)
        }
        // Watchers see tracks of devices last seen in their scope; members their own devices'.
        if account.role == .member {
            guard owner == account.id else { throw Problem(.forbidden, "Forbidden", detail: "\(account.name) may see the tracks of their own devices only") }
        } else if let root = account.region, owner != nil, !inScope {
            throw Problem(.forbidden, "Forbidden", detail: "device \(device) was not last seen in \(root)")
        }
        guard owner != nil else { throw Problem.notFound("no device \"\(device)\"") }
        let pings = try await store.asyncRead { try $0.track(device: device, from: from, to: to) }
        let points = Track.simplify(pings.map { Coordinate($0.lon, $0.lat) }, tolerance: tolerance)
        return JSONAnswer(TrackFeature(
            id: device, geometry: Nullable(points.count >= 2 ? TrackFeature.Line(coordinates: points.map { [$0.x, $0.y] }) : nil),
            properties: .init(device: device, from: StoreReader.isoTime(from), to: StoreReader.isoTime(to), fixes: pings.count, points: points.count,
                              simplifyM: tolerance)), contentType: "application/geo+json")
    }

    struct Coverage: Encodable, Sendable {
        struct Grid: Encodable, Sendable {
            var grid, community: String
            var members: [Int64]
            var buildings, covered: Int
            var share: Double
            var fixes: Int
        }

        var date, from, to: String
        var radiusM: Double
        var grids: [Grid]

        enum CodingKeys: String, CodingKey { case date, from, to, radiusM = "radius_m", grids }
    }

    /// Daily patrol coverage per published grid: the share of its buildings within 50 m
    /// (`radius`) of a track of the grid's members. `date` (default today) is a day in
    /// `utc_offset` (default +08:00, China Standard Time).
    func coverage(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<Coverage> {
        let q = FormParameters.parse(request.uri.query ?? "")
        let offset = try Watching.utcOffset(q["utc_offset"] ?? "+08:00")
        let now = Date().timeIntervalSince1970
        let date = q["date"] ?? {
            let local = Date(timeIntervalSince1970: now + Double(offset))
            return local.formatted(Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day())
        }()
        guard let midnight = Timestamp.parse("\(date) 00:00:00") else { throw Problem.badRequest("date \"\(date)\" is not yyyy-MM-dd") }
        let from = midnight - Double(offset), to = from + 86400
        let radius = try Watching.seconds(q["radius"], "radius") ?? 50
        guard radius > 0, radius <= 1000 else { throw Problem.badRequest("radius must be in (0, 1000] metres") }
        // Grid staff see their own grids' (the phone page); watchers their region's.
        let own: Set<String>?, communities: Set<String>?
        if let account = context.account, account.role == .member {
            own = Set(try await store.asyncRead { try $0.memberGrids(account: account.id) })
            communities = Set(own?.map { String($0.prefix(12)) } ?? [])
        } else {
            own = nil
            communities = try await watching.communities(try await watching.scoped(context, q["region"], "see patrol coverage"))
        }
        let grids = try await store.asyncRead { try Patrol.coverage($0, from: from, to: to, communities: communities, radius: radius) }
            .filter { own?.contains($0.grid) ?? true }
        return JSONAnswer(Coverage(date: date, from: StoreReader.isoTime(from), to: StoreReader.isoTime(to), radiusM: radius, grids: grids.map { g in
            Coverage.Grid(grid: g.grid, community: g.community, members: g.members, buildings: g.buildings, covered: g.covered,
                          share: (g.share * 10000).rounded() / 10000, fixes: g.fixes)
        }))
    }
}
