import CivicGridModel
import Foundation
import GridGeometry
import GridStore
import GridTracking
import GridWire
import Hummingbird

/// GPS ingestion in the three wire formats devices speak; devices sign in with their own
/// tokens (bearer, basic-auth password or `token=`), checked here per request.
///
/// - `POST /api/v1/positions`: native batch (JSON array, ≤ 10,000), bearer token.
/// - `/osmand` (any method) and `/` when the query or form names `id`/`deviceid`: the OsmAnd
///   protocol as Traccar speaks it, and newer Traccar Client JSON bodies.
/// - `POST /owntracks`, `POST /pub`: OwnTracks HTTP mode.
struct IngestController {
    let store: GridStore
    let ingestor: PingIngestor
    /// Requests per device (`gps-device`) and per client address (`gps-address`).
    let limiters: Limiters

    static let osmandMethods: [HTTPRequest.Method] = [.get, .post, .put]

    func register(on router: some RouterMethods<CivicContext>) {
        router.post("api/v1/positions") { request, context in try await native(request, context) }
        for method in Self.osmandMethods {
            router.on("osmand", method: method) { request, context in try await osmand(request, context) }
            if method != .get { router.on("/", method: method) { request, context in try await osmand(request, context) } }  // GET / is WebController's
        }
        router.post("owntracks") { request, context in try await ownTracks(request, context) }
        router.post("pub") { request, context in try await ownTracks(request, context) }
    }

    /// Whether a request to `/` is an OsmAnd report rather than a visit.
    static func isOsmAnd(_ request: Request) -> Bool {
        let q = FormParameters.parse(request.uri.query ?? "")
        return q["id"] != nil || q["deviceid"] != nil
    }

    // MARK: Ingestion

    func native(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<IngestReport> {
        let device = try await authenticate(request, context, parameters: FormParameters.parse(request.uri.query ?? ""), deviceID: nil)
        let body = try await Self.collectBatch(request)
        let decoded: [Result<Fix, WireError>]
        do { decoded = try NativeBatch.decode(Data(buffer: body)) } catch { throw Problem.badRequest(error.reason) }
        var fixes: [Fix] = []
        var indexes: [Int] = []
        var report = IngestReport()
        for (i, r) in decoded.enumerated() {
            switch r {
            case .success(let f):
                if let d = f.device, d != device.id {
                    throw Problem(.forbidden, "Forbidden", detail: "ping \(i) is for device \"\(d)\"; this token is device \"\(device.id)\"'s")
                }
                fixes.append(f)
                indexes.append(i)
            case .failure(let e):
                report.rejected.append(.init(index: i, reason: e.reason))
            }
        }
        for (i, o) in zip(indexes, try await submit(fixes, device: device)) {
            switch o {
            case .duplicate: report.duplicates += 1
            case .stored(let flags):
                report.stored += 1
                if !flags.isEmpty { report.flagged.append(.init(index: i, flags: flags.names.map(IngestReport.Flag.init))) }
            }
        }
        report.accepted = report.stored + report.duplicates
        if fixes.isEmpty && !report.rejected.isEmpty {
            throw Problem(.unprocessableContent, "No ping accepted", detail: "all \(report.rejected.count) pings were rejected; see rejected", extensions: report.members)
        }
        return JSONAnswer(report)
    }

    /// What a native batch did: pings accepted (stored, or duplicates of stored ones), the
    /// doubtful ones stored flagged, the rejected ones with why.
    struct IngestReport: Codable, Sendable {
        var accepted = 0
        var stored = 0
        var duplicates = 0
        var flagged: [Flagged] = []
        var rejected: [Rejected] = []

        struct Flagged: Codable, Sendable {
            var index: Int
            var flags: [Flag]
        }

        struct Rejected: Codable, Sendable {
            var index: Int
            var reason: String
        }

        /// A doubt rule's name (`FixFlags.names`).
        struct Flag: Codable, Sendable, EnumeratedAnswer {
            var name: String
            init(_ name: String) { self.name = name }
            init(from decoder: any Decoder) throws { name = try decoder.singleValueContainer().decode(String.self) }
            func encode(to encoder: any Encoder) throws {
                var c = encoder.singleValueContainer()
                try c.encode(name)
            }
            static var allValues: [String] { FixFlags.names.map(\.1) }
        }

        /// The report as a problem's members (a 422 carries it).
        var members: [String: JSONValue] {
            guard let data = try? JSONAnswer<IngestReport>.encoder.encode(self), case .object(let o)? = try? JSONValue.decode(data) else { return [:] }
            return o
        }
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

    func osmand(_ request: Request, _ context: CivicContext) async throws -> Response {
        var request = request
        var parameters = FormParameters.parse(request.uri.query ?? "")
        let body = try await request.collectBody(limit: 1 << 20)
        let text = String(buffer: body)
        let fix: Fix
        let device: Device
        if text.first == "{" || request.headers[.contentType]?.hasPrefix("application/json") == true {
            let decoded: Fix
            do { decoded = try OsmAnd.decodeJSON(Data(buffer: body)) } catch { throw Problem.badRequest(error.reason) }
            guard let id = decoded.device ?? OsmAnd.deviceID(parameters) else { throw Problem.badRequest("missing device_id") }
            device = try await authenticate(request, context, parameters: parameters, deviceID: id)
            fix = decoded
        } else {
            if OsmAnd.deviceID(parameters) == nil, !text.isEmpty { parameters.merge(FormParameters.parse(text)) { a, _ in a } }
            guard let id = OsmAnd.deviceID(parameters) else {
                throw Problem.badRequest("missing id (or deviceid): the OsmAnd protocol names the device in its parameters")
            }
            device = try await authenticate(request, context, parameters: parameters, deviceID: id)
            do { fix = try OsmAnd.decode(parameters, speedUnit: device.speedUnit) } catch { throw Problem.badRequest(error.reason) }
        }
        _ = try await submit([fix], device: device)
        return Response(status: .ok)
    }

    func ownTracks(_ request: Request, _ context: CivicContext) async throws -> Response {
        var request = request
        let parameters = FormParameters.parse(request.uri.query ?? "")
        let user = request.headers[.init("X-Limit-U")!]
        let named = request.headers[.init("X-Limit-D")!]
        let device = try await authenticate(request, context, parameters: parameters, deviceID: nil)
        if let named, device.id != named, device.id != "\(user ?? "")/\(named)" {
            throw Problem(.forbidden, "Forbidden", detail: "X-Limit-D names device \"\(named)\"; this token is device \"\(device.id)\"'s")
        }
        let body = try await request.collectBody(limit: 1 << 20)
        let fix: Fix?
        do { fix = try OwnTracks.decode(Data(buffer: body)) } catch { throw Problem.badRequest(error.reason) }
        if let fix { _ = try await submit([fix], device: device) }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "[]")))  // what OwnTracks expects
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
    func authenticate(_ request: Request, _ context: CivicContext, parameters: [String: String], deviceID: String?) async throws -> Device {
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
        try limiters.enforce("gps-device", device.id, "device \(device.id) sent too many requests")
        try limiters.enforce("gps-address", context.remoteAddress?.ipAddress ?? "unknown", "too many requests from this address")
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
}
