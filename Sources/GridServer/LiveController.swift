import CivicGridModel
import Foundation
import GridStore
import GridTracking
import GridWire
import Hummingbird
import ServiceLifecycle

/// Live positions for watchers: `GET /api/v1/live` (GeoJSON) and `GET /api/v1/live/stream`
/// (server-sent events), each by its member's name with the work phone masked but for the
/// command centre; and the grid staff of the watcher's region, `GET /api/v1/staff`.
struct LiveController {
    let store: GridStore
    let ingestor: PingIngestor
    let configuration: ServerConfiguration
    let watching: Watching

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("api/v1/live") { request, context in try await live(request, context) }
        router.get("api/v1/live/stream") { request, context in try await stream(request, context) }
        router.get("api/v1/staff") { request, context in try await staff(request, context) }
    }

    /// Whether an account sees staff phones whole (the command centre calls them).
    static func wholePhones(_ account: Account?) -> Bool { account?.role == .admin || account?.role == .dispatcher }

    /// The grid staff by account id, phones as `account` may see them.
    func directory(_ account: Account?) async throws -> [Int64: Position.Staff] {
        let whole = Self.wholePhones(account)
        return try await store.asyncRead { try $0.staffMembers() }.reduce(into: [:]) { d, m in
            d[m.id] = Position.Staff(name: m.name, phone: m.phone.map { whole ? $0 : Masking.phone($0) })
        }
    }

    /// A grid staff member as the staff list answers: name, region, grids, phone (masked but for
    /// the command centre).
    struct StaffView: Codable, Sendable {
        var name: String
        var region: String?
        var grids: [String]
        var phone: String?
    }

    /// The grid staff working in the watcher's region (or a region inside it): those whose
    /// region lies inside it or holds it, by name.
    func staff(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<[StaffView]> {
        let q = FormParameters.parse(request.uri.query ?? "")
        if let region = q["region"], try await store.asyncRead({ try $0.region(code: region) }) == nil {
            throw region.isEmpty ? Problem.badRequest("region: a region's code") : Problem.notFound("no region \"\(region)\"")
        }
        let root = try await watching.scoped(context, q["region"], "see grid staff")
        let whole = Self.wholePhones(context.account)
        let members = try await store.asyncRead { r in
            try r.staffMembers().filter { m in
                guard let root else { return true }
                guard let region = m.region else { return false }
                return try r.isRegion(region, under: root) || r.isRegion(root, under: region)
            }
        }
        return JSONAnswer(members.map { StaffView(name: $0.name, region: $0.region, grids: $0.grids, phone: $0.phone.map { p in whole ? p : Masking.phone(p) }) })
    }

    /// A device's latest plausible fix as a GeoJSON Feature.
    struct Position: Encodable, Sendable {
        struct Staff: Sendable {
            var name: String
            var phone: String?
        }

        struct Properties: Encodable, Sendable {
            var device: String
            var member: Int64
            var memberName, phone: String?
            var time: String
            var ageS: Double
            var online: Bool
            var grid, community: String?
            var accuracy, speed, heading, altitude, battery: Double?

            enum CodingKeys: String, CodingKey {
                case device, member, memberName = "member_name", phone, time, ageS = "age_s", online, grid, community, accuracy, speed, heading, altitude, battery
            }
        }

        let type = "Feature"
        var id: String
        var geometry: PointGeometry
        var properties: Properties

        init(_ p: DevicePosition, now: Double, offlineAfter: Double, staff: Staff?) {
            let ping = p.ping
            id = ping.device
            geometry = PointGeometry(ping.lon, ping.lat)
            properties = Properties(device: ping.device, member: p.member, memberName: staff?.name, phone: staff?.phone, time: StoreReader.isoTime(ping.time), ageS: max(0, (now - ping.time).rounded()),
                                    online: now - ping.time <= offlineAfter, grid: p.gridCode, community: ping.community, accuracy: ping.accuracy,
                                    speed: ping.speed, heading: ping.heading, altitude: ping.altitude, battery: ping.battery)
        }
    }

    /// The latest plausible fix of each device in a region's subtree (all without `region`),
    /// online when younger than `offline_after` seconds (default: the server's setting).
    func live(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<FeatureCollectionAnswer<Position>> {
        let q = FormParameters.parse(request.uri.query ?? "")
        let within = try await watching.area(try await watching.scoped(context, q["region"], "see positions"))
        let offlineAfter = try Watching.seconds(q["offline_after"], "offline_after") ?? configuration.offlineAfter
        let positions = try await store.asyncRead { try $0.latestPositions() }.filter(within)
        let staff = try await directory(context.account)
        let now = Date().timeIntervalSince1970
        return JSONAnswer(FeatureCollectionAnswer(features: positions.map { Position($0, now: now, offlineAfter: offlineAfter, staff: staff[$0.member]) },
                                                  timeStamp: StoreReader.isoTime(now.rounded(.down))),
                          contentType: "application/geo+json")
    }

    /// Server-sent events: `snapshot` (the live FeatureCollection) first, then a `position`
    /// Feature for each new plausible fix in the region, until the token is revoked.
    func stream(_ request: Request, _ context: CivicContext) async throws -> Response {
        let q = FormParameters.parse(request.uri.query ?? "")
        let within = try await watching.area(try await watching.scoped(context, q["region"], "see positions"))
        let offlineAfter = try Watching.seconds(q["offline_after"], "offline_after") ?? configuration.offlineAfter
        let (id, positions) = ingestor.live.subscribe()  // before the snapshot: nothing falls between
        let snapshot = try await store.asyncRead { try $0.latestPositions() }.filter(within)
        let known = try await directory(context.account)
        let hub = ingestor.live, watch = TokenWatch(store, context), account = context.account, controller = self
        let body = ResponseBody { writer in
            defer { hub.unsubscribe(id) }
            var staff = known
            let now = Date().timeIntervalSince1970
            let first = FeatureCollectionAnswer(features: snapshot.map { Position($0, now: now, offlineAfter: offlineAfter, staff: staff[$0.member]) })
            try await writer.write(ByteBuffer(string: "retry: 2000\nevent: snapshot\ndata: \(try Self.line(first))\n\n"))
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        await watch.untilRevoked()
                        hub.unsubscribe(id)  // revoked: the positions end, and so does the stream
                    }
                    for await p in positions where within(p) {
                        // A member registered since the stream began: the directory read again.
                        if staff[p.member] == nil { staff = try await controller.directory(account) }
                        let f = Position(p, now: Date().timeIntervalSince1970, offlineAfter: offlineAfter, staff: staff[p.member])
                        try await writer.write(ByteBuffer(string: "event: position\ndata: \(try Self.line(f))\n\n"))
                    }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                hub.unsubscribe(id)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    static func line(_ value: some Encodable & Sendable) throws -> String {
        String(decoding: try JSONAnswer(value).bytes(), as: UTF8.self)
    }
}
