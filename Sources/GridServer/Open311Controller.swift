import CivicGridModel
import Foundation
import GridCases
import GridGeometry
import GridStore
import GridTracking
import GridWire
import Hummingbird

/// Open311 GeoReport v2 at `/open311/v2/`, for the public's reports: `discovery`, `services`,
/// `services/{code}`, `requests` (GET with filters and pages, POST form-encoded or multipart
/// with photos, with an `api_key`), `requests/{id}`, `tokens/{token}` (POST: the reporter's
/// rating), FixMyStreet's `servicerequestupdates`, each as `.json` or `.xml`. Services are the
/// minor categories; a request is a case (its number is the `service_request_id`). No GET
/// answer carries the reporter; errors are the spec's list of code and description.
struct Open311Controller {
    let store: GridStore
    let intake: CaseIntake
    let fallbackHost: String
    /// Posts per api_key and per client address (`open311-key`, `open311-address`).
    let limiters: Limiters

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("open311/v2/:file") { request, _ in try await top(request) }
        router.post("open311/v2/:file") { request, context in try await post(request, context) }
        router.get("open311/v2/services/:file") { request, _ in try await service(request) }
        router.get("open311/v2/requests/:file") { request, _ in try await one(request) }
        router.get("open311/v2/tokens/:file") { request, _ in try await token(request) }
        router.post("open311/v2/tokens/:file") { request, context in try await rate(request, context) }
    }

    enum Format: String { case json, xml }

    /// `name.json` or `name.xml`.
    static func split(_ file: String) -> (String, Format)? {
        guard let dot = file.lastIndex(of: "."), let format = Format(rawValue: String(file[file.index(after: dot)...]).lowercased()) else { return nil }
        return (String(file[..<dot]), format)
    }

    static func file(_ request: Request) -> (String, Format)? {
        request.uri.path.split(separator: "/").last.flatMap { split(String($0)) }
    }

    // MARK: Routes

    func top(_ request: Request) async throws -> Response {
        guard let (name, format) = Self.file(request) else { return Self.error(404, "use .json or .xml", .json) }
        switch name {
        case "discovery":
            let base = request.baseURL(fallbackHost: fallbackHost) + "/open311/v2/"
            return Self.answer(.object([
                ("changeset", .string("2026-11-30T00:00:00Z")), ("contact", .string("The command centre of the jurisdiction")),
                ("key_service", .string("Keys are issued by the administrator: civicgrid open311 key")),
                ("endpoints", .list("endpoint", [.object([("specification", .string("http://wiki.open311.org/GeoReport_v2")), ("url", .string(base)),
                                                          ("changeset", .string("2026-11-30T00:00:00Z")), ("type", .string("production")),
                                                          ("formats", .list("format", [.string("application/json"), .string("text/xml")]))])])),
            ]), root: "discovery", format)
        case "services":
            let categories = try await store.asyncRead { try $0.categories() }
            return Self.answer(.list("service", categories.map(Self.service)), root: "services", format)
        case "requests":
            return try await list(request, format)
        case "servicerequestupdates":
            return try await updates(request, format)
        default:
            return Self.error(404, "no resource \(name): discovery, services, requests, servicerequestupdates, tokens", format)
        }
    }

    static func service(_ c: CaseCategory) -> Value {
        // Chinese first: the name and class, then the English; the residents' words as keywords.
        .object([("service_code", .string(c.code)), ("service_name", .string(c.name)),
                 ("description", .string("\(c.majorName)·\(c.name)（\(c.majorNameEn): \(c.nameEn)）")),
                 ("metadata", .bool(false)), ("type", .string("realtime")),
                 ("keywords", .string(([c.name] + c.words.prefix(12) + [c.nameEn.lowercased()]).joined(separator: ","))),
                 ("group", .string(c.majorName))])
    }

    func service(_ request: Request) async throws -> Response {
        guard let (code, format) = Self.file(request) else { return Self.error(404, "use .json or .xml", .json) }
        guard let category = try await store.asyncRead({ try $0.category(code: code) }) else { return Self.error(404, "no service \(code)", format) }
        return Self.answer(.object([("service_code", .string(category.code)), ("attributes", .list("attribute", []))]),
                           root: "service_definition", format)
    }

    func one(_ request: Request) async throws -> Response {
        guard let (number, format) = Self.file(request) else { return Self.error(404, "use .json or .xml", .json) }
        let (found, categories, departments) = try await store.asyncRead { r in (try r.case(number: number), try r.categories(), try r.departments()) }
        guard let found else { return Self.error(404, "no request \(number)", format) }
        return Self.answer(.list("request", [Self.request(found, categories, departments)]), root: "service_requests", format)
    }

    /// GET tokens/{token}: the request the token follows — GeoReport's id and token, then (the
    /// reporter's own view, the tracking page's) its public fields, what the reporter was told
    /// step by step (`updates`) and whether it may be rated now (`rateable`).
    func token(_ request: Request) async throws -> Response {
        guard let (token, format) = Self.file(request) else { return Self.error(404, "use .json or .xml", .json) }
        let window = CaseDesk.ratingWindow
        guard let (found, categories, departments, told, rateable) = try await store.asyncRead({ r -> (CaseRecord, [CaseCategory], [Department], [ReporterNotices.Update], Bool)? in
            guard let c = try r.case(token: token) else { return nil }
            return (c, try r.categories(), try r.departments(), try ReporterNotices.updates(of: c.number, in: r),
                    try r.rateable(c.number, closedSince: Date().addingTimeInterval(-window)))
        }) else { return Self.error(404, "no request has token \(token)", format) }
        guard case .object(let fields) = Self.request(found, categories, departments) else { return Self.error(500, "unexpected answer", format) }
        let updates = Value.list("request_update", told.map { u in
            .object([("status", .string(u.status)), ("updated_datetime", .string(Self.w3c(u.at))), ("description", .string(u.text))])
        })
        return Self.answer(.list("request", [.object([("token", .string(token))] + fields + [("updates", updates), ("rateable", .bool(rateable))])]),
                           root: "service_requests", format)
    }

    /// POST tokens/{token}: the reporter's rating of their closed case (`rating` 1 满意, 2 基本满意,
    /// 3 不满意, or the words), within seven days of closing and once per closing; 不满意 reopens
    /// it to its last handler, once. The token is the reporter's own: no api_key.
    func rate(_ request: Request, _ context: CivicContext) async throws -> Response {
        guard let (token, format) = Self.file(request) else { return Self.error(404, "use .json or .xml", .json) }
        if let wait = limiters.wait("open311-address", context.remoteAddress?.ipAddress ?? "unknown") {
            var r = Self.error(429, "too many requests: try again in \(wait) s", format)
            r.headers[.retryAfter] = String(wait)
            return r
        }
        var request = request
        let form: [String: String]
        let body = try await request.collectBody(limit: 4 << 10)
        do { form = try FormParameters.parseBody(String(buffer: body)) } catch { return Self.error(400, error.reason, format) }
        guard let text = form["rating"], let rating = Satisfaction(reply: text) ?? Satisfaction(rawValue: text) else {
            return Self.error(400, "rating: 1 (满意 satisfied), 2 (基本满意 fairly_satisfied) or 3 (不满意 dissatisfied)", format)
        }
        let rated: CaseRecord, reply: String
        do {
            (rated, reply) = try await store.blocking { [store] in try CaseDesk(store: store).rate(token: token, rating: rating) }
        } catch let e as CaseError {
            return Self.error(e.kind == .notFound ? 404 : e.kind == .conflict ? 409 : e.kind == .store ? 500 : 400, e.message, format)
        }
        let (categories, departments) = try await store.asyncRead { r in (try r.categories(), try r.departments()) }
        guard case .object(let fields) = Self.request(rated, categories, departments) else { return Self.error(500, "unexpected answer", format) }
        return Self.answer(.list("request", [.object(fields.map { $0.0 == "service_notice" ? ($0.0, .string(reply)) : $0 })]), root: "service_requests", format)
    }

    /// GET servicerequestupdates (FixMyStreet's extension): what each reporter was told, step by
    /// step — start_date, end_date (default: the last day; 90 days at most), at most 1000,
    /// oldest first; status as FixMyStreet names it, description the text of the notice.
    func updates(_ request: Request, _ format: Format) async throws -> Response {
        let q = request.uri.queryParameters
        func date(_ key: String) throws -> Date? {
            guard let v = q[key[...]].map(String.init), !v.isEmpty else { return nil }
            guard let t = Timestamp.parseISO(Array(v.utf8)) else { throw Open311Error(400, "\(key) \(v): expected a W3C date-time such as 2026-11-30T00:00:00Z") }
            return Date(timeIntervalSince1970: t)
        }
        let from: Date, to: Date
        do {
            to = try date("end_date") ?? Date()
            from = try date("start_date") ?? to.addingTimeInterval(-86_400)
            guard from <= to, to.timeIntervalSince(from) <= 90 * 86_400 else { throw Open311Error(400, "start_date must come before end_date, at most 90 days apart") }
        } catch let e as Open311Error {
            return Self.error(e.code, e.description, format)
        }
        let found = try await store.asyncRead { r in try ReporterNotices.updates(from: from, to: to, limit: 1000, in: r) }
        return Self.answer(.list("request_update", found.map { u in
            .object([("update_id", .string(String(u.id))), ("service_request_id", .string(u.number)), ("status", .string(u.status)),
                     ("updated_datetime", .string(Self.w3c(u.at))), ("description", .string(u.text)), ("media_url", .null)])
        }), root: "service_request_updates", format)
    }

    /// GET requests: service_request_id (comma list: overrides the rest), service_code (comma
    /// list), start_date, end_date (default: the last 90 days), status (open, closed),
    /// page and page_size (FixMyStreet's; 1–1000, default 1000), lat and long with radius
    /// (metres, default 1000, at most 50 000: requests whose public point lies that near).
    func list(_ request: Request, _ format: Format) async throws -> Response {
        let q = request.uri.queryParameters
        func value(_ key: String) -> String? { q[key[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        var f = CaseFilter()
        func dates(_ key: String) throws -> Date? {
            guard let v = value(key) else { return nil }
            guard let t = Timestamp.parseISO(Array(v.utf8)) else { throw Open311Error(400, "\(key) \(v): expected a W3C date-time such as 2026-11-30T00:00:00Z") }
            return Date(timeIntervalSince1970: t)
        }
        do {
            if let ids = value("service_request_id") {
                f.numbers = ids.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            } else {
                f.categories = value("service_code")?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
                f.to = try dates("end_date")
                f.from = try dates("start_date") ?? (f.to ?? Date()).addingTimeInterval(-90 * 86_400)
                if let s = value("status") {
                    var statuses: [CaseStatus] = []
                    for part in s.split(separator: ",") {
                        switch part.trimmingCharacters(in: .whitespaces) {
                        case "open": statuses += CaseStatus.allCases.filter(\.isOpen)
                        case "closed": statuses += CaseStatus.allCases.filter { !$0.isOpen }
                        default: throw Open311Error(400, "status \(part): expected open or closed")
                        }
                    }
                    f.statuses = statuses
                }
            }
            switch (value("lat"), value("long")) {
            case (nil, nil):
                guard value("radius") == nil else { throw Open311Error(400, "radius needs lat and long") }
            case (let lat?, let long?):
                guard let y = Double(decimal: lat), let x = Double(decimal: long), abs(y) <= 90, abs(x) <= 180 else {
                    throw Open311Error(400, "lat and long are decimal degrees (WGS84)")
                }
                let radius = try value("radius").map { v in
                    guard let r = Double(decimal: v), r > 0, r <= 50_000 else { throw Open311Error(400, "radius \(v): metres, above 0 and at most 50000") }
                    return r
                } ?? 1000
                f.near = (Coordinate(x, y), radius)
            default:
                throw Open311Error(400, "lat and long go together")
            }
            let size = try value("page_size").map { v in
                guard let n = Int(v), (1...1000).contains(n) else { throw Open311Error(400, "page_size \(v): expected 1 to 1000") }
                return n
            } ?? 1000
            let page = try value("page").map { v in
                guard let n = Int(v), n >= 1, n <= 1_000_000 else { throw Open311Error(400, "page \(v): expected a number from 1") }
                return n
            } ?? 1
            f.limit = size
            f.offset = (page - 1) * size
        } catch let e as Open311Error {
            return Self.error(e.code, e.description, format)
        }
        let filter = f
        let (found, categories, departments) = try await store.asyncRead { r in (try r.cases(filter), try r.categories(), try r.departments()) }
        return Self.answer(.list("request", found.map { Self.request($0, categories, departments) }), root: "service_requests", format)
    }

    /// POST requests: api_key (without one: the residents' page, `public_web`, a name or phone
    /// only with consent=yes), service_code, lat and long — or address_string alone: located by
    /// a building's address or a region's name in it, else held at the district's desk in no
    /// grid —, description, first_name, last_name, phone, email, media_url; jurisdiction_id,
    /// when given, must be the district or city served. Form-encoded, or multipart/form-data
    /// with the same fields as parts and up to six photos in parts named `media`. Answers the
    /// request's number and a token.
    func post(_ request: Request, _ context: CivicContext) async throws -> Response {
        guard let (resource, format) = Self.file(request), resource == "requests" else {
            return Self.error(404, "POST requests.json or requests.xml", Self.file(request)?.1 ?? .json)
        }
        do {
            let form = try await Open311Form(request)
            let key = try await checkCaller(form, context)
            let (location, unlocated) = try await locate(form)
            guard let description = form.value("description") else { throw Refusal(400, "description is required") }
            let reporter = [form.value("last_name"), form.value("first_name")].compactMap { $0 }.joined()
            let token = DeviceToken.generate()
            var report = CaseReport(category: form.value("service_code") ?? "", description: description, location: location, address: form.value("address_string"),
                                    source: key == nil ? .publicWeb : .open311, reporter: Reporter(name: reporter.isEmpty ? nil : reporter, phone: form.value("phone")), token: token)
            report.unlocatedIn = unlocated
            report.mediaURL = form.value("media_url")
            let record: CaseRecord
            do {
                report = try CaseDesk.validated(report)  // before a photo is stored
                report.photos = try await CasesController.savePhotos(form.media, store: store)
                record = try await intake.report(report, by: nil).record
            } catch let e as CaseError {
                throw Refusal(e.kind == .store ? 500 : 400, e.message)
            } catch let p as Problem {
                throw Refusal(400, p.detail)
            }
            return Self.answer(.list("request", [.object([
                ("service_request_id", .string(record.number)), ("token", .string(token)),
                ("service_notice", .string("Case \(record.number) received; it is at the desk of \(record.place.desks.first ?? "the district").")),
                ("account_id", .null),
            ])]), root: "service_requests", format, status: .created)
        } catch let r as Refusal {
            var response = Self.error(r.status, r.message, format)
            if let wait = r.retryAfter { response.headers[.retryAfter] = String(wait) }
            return response
        }
    }

    /// A request refused, as Open311's error answer.
    struct Refusal: Error {
        var status: Int
        var message: String
        var retryAfter: Int?

        init(_ status: Int, _ message: String, retryAfter: Int? = nil) {
            self.status = status
            self.message = message
            self.retryAfter = retryAfter
        }
    }

    /// Who posts: an application by its key (returned), or the residents' page without one, a
    /// name or phone only with consent; within the rate limits, for the jurisdiction served.
    private func checkCaller(_ form: Open311Form, _ context: CivicContext) async throws -> String? {
        let key = form.value("api_key")
        if let key, try await store.asyncRead({ try $0.appKey(hash: DeviceToken.hash(key), kind: .open311) }) == nil {
            throw Refusal(403, "unknown or revoked api_key")
        }
        if let consent = form.fields["consent"], consent != "yes" { throw Refusal(400, "consent: yes, or left out") }
        if key == nil, form.value("first_name") != nil || form.value("last_name") != nil || form.value("phone") != nil, form.value("consent") != "yes" {
            throw Refusal(422, "consent=yes is required with a name or phone (what is kept, who sees it, for how long: the page says)")
        }
        let address = context.remoteAddress?.ipAddress ?? "unknown"
        if let wait = key.flatMap({ limiters.wait("open311-key", DeviceToken.hash($0)) }) ?? limiters.wait("open311-address", address) {
            throw Refusal(429, "too many requests: try again in \(wait) s", retryAfter: wait)
        }
        if let jurisdiction = form.value("jurisdiction_id") {
            let served = try await store.asyncRead { r in Set(try r.regions(level: .district).map(\.code) + (try r.regions(level: .city).map(\.code))) }
            guard served.contains(jurisdiction) else { throw Refusal(404, "jurisdiction_id \(jurisdiction) is not served here (\(served.sorted().joined(separator: ", ")))") }
        }
        // Without a service_code the classifier picks the category from the description.
        if form.fields["service_code"] != nil, form.value("service_code") == nil { throw Refusal(400, "service_code: a category's code, or left out") }
        return key
    }

    /// Where the report is: lat and long, or a place its address_string names — else the
    /// district's desk, in no grid (`unlocated`: the district's code).
    private func locate(_ form: Open311Form) async throws -> (location: Coordinate, unlocated: String?) {
        if let latText = form.value("lat"), let longText = form.value("long") {
            guard let lat = Double(decimal: latText), let lon = Double(decimal: longText) else { throw Refusal(400, "lat and long are decimal degrees (WGS84)") }
            return (Coordinate(lon, lat), nil)
        }
        guard form.value("lat") == nil, form.value("long") == nil, let address = form.value("address_string") else {
            throw Refusal(400, "lat and long are required (decimal degrees, WGS84), or address_string alone")
        }
        let (named, district) = try await store.asyncRead { r in (try r.placeNamed(in: address), try r.regions(level: .district).first) }
        if let named { return (named, nil) }
        guard let district, let inside = district.geometry.pointInside else {
            throw Refusal(400, "address_string names no place of the jurisdiction: give lat and long")
        }
        return (inside, district.code)
    }

    /// A case as an Open311 request: public fields only.
    static func request(_ c: CaseRecord, _ categories: [CaseCategory], _ departments: [Department]) -> Value {
        let category = categories.first { $0.code == c.category }
        var agency: String?
        if case .department(let code)? = c.state.holder { agency = departments.first { $0.code == code }?.name ?? code }
        return .object([
            ("service_request_id", .string(c.number)),
            ("status", .string(c.state.status.isOpen ? "open" : "closed")),
            ("status_notes", .string(c.publicNote ?? c.duplicateOf.map { "duplicate: follow request \($0)" } ?? c.state.status.rawValue)),
            ("service_name", category.map { .string($0.name) } ?? .null),
            ("service_code", .string(c.category)),
            ("description", .string(c.description)),
            ("agency_responsible", agency.map(Value.string) ?? .null),
            ("service_notice", .null),
            ("requested_datetime", .string(Self.w3c(c.createdAt))),
            ("updated_datetime", .string(Self.w3c(c.updatedAt))),
            ("expected_datetime", c.due.map { .string(Self.w3c($0)) } ?? .null),
            ("address", c.address.map(Value.string) ?? .null),
            ("address_id", .null),
            ("zipcode", .null),
            // A case located only by the reporter's home shows its grid's label point.
            ("lat", c.publicPoint.map { .number($0.y) } ?? .null),
            ("long", c.publicPoint.map { .number($0.x) } ?? .null),
            ("media_url", c.mediaURL.map(Value.string) ?? .null),
        ])
    }

    static func w3c(_ d: Date) -> String { d.formatted(Date.ISO8601FormatStyle()) }

    // MARK: Writing JSON and XML

    /// An ordered value: objects keep their keys' order (XML elements must); a list names
    /// its items' element.
    indirect enum Value {
        case string(String), number(Double), bool(Bool), null
        case object([(String, Value)])
        case list(String, [Value])
    }

    static func answer(_ v: Value, root: String, _ format: Format, status: HTTPResponse.Status = .ok) -> Response {
        let text: String
        let type: String
        switch format {
        case .json:
            text = json(v)
            type = "application/json; charset=utf-8"
        case .xml:
            text = #"<?xml version="1.0" encoding="utf-8"?>"# + xml(root, v)
            type = "text/xml; charset=utf-8"
        }
        return Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ code: Int, _ description: String, _ format: Format) -> Response {
        var r = answer(.list("error", [.object([("code", .number(Double(code))), ("description", .string(description))])]), root: "errors", format)
        r.status = HTTPResponse.Status(code: code)
        return r
    }

    static func json(_ v: Value) -> String {
        switch v {
        case .string(let s): return jsonString(s)
        case .number(let n): return JSONValue.format(n)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .object(let pairs): return "{" + pairs.map { jsonString($0.0) + ":" + json($0.1) }.joined(separator: ",") + "}"
        case .list(_, let items): return "[" + items.map(json).joined(separator: ",") + "]"
        }
    }

    static func jsonString(_ s: String) -> String {
        var out = ""
        GeoJSONWriter.appendString(s, to: &out)
        return out
    }

    static func xml(_ name: String, _ v: Value) -> String {
        switch v {
        case .string(let s): return "<\(name)>\(escape(s))</\(name)>"
        case .number, .bool: return "<\(name)>\(json(v))</\(name)>"
        case .null: return "<\(name)/>"
        case .object(let pairs): return "<\(name)>" + pairs.map { xml($0.0, $0.1) }.joined() + "</\(name)>"
        case .list(let item, let items): return "<\(name)>" + items.map { xml(item, $0) }.joined() + "</\(name)>"
        }
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0's Char: tab, newline, carriage return, then 0x20–0xD7FF, 0xE000–0xFFFD
                // and above 0xFFFF; nothing else may appear, escaped or not.
                if u.value < 0x20 && u != "\t" && u != "\n" && u != "\r" { continue }
                if u.value == 0xFFFE || u.value == 0xFFFF { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}

struct Open311Error: Error, CustomStringConvertible {
    var code: Int
    var description: String

    init(_ code: Int, _ description: String) {
        self.code = code
        self.description = description
    }
}

/// A POST's fields: form-encoded, or multipart/form-data with the same fields as parts and up to
/// six photos in parts named `media`.
struct Open311Form {
    var fields: [String: String] = [:]
    var media: [MultipartBody.Part] = []

    init(_ request: Request) async throws {
        var request = request
        if let boundary = MultipartBody.boundary(request.headers[.contentType]) {
            let body = try await request.collectBody(limit: CasesController.maxPhotos * PhotoCheck.maxBytes + (1 << 20))
            do {
                for part in try MultipartBody(body, boundary: boundary).parts {
                    guard let name = part.name else { continue }
                    if name == "media" { media.append(part) } else if part.filename == nil, part.body.count <= 16 << 10 { fields[name] = String(decoding: part.body, as: UTF8.self) }
                }
            } catch { throw Open311Controller.Refusal(400, error.reason) }
            guard media.count <= CasesController.maxPhotos else { throw Open311Controller.Refusal(400, "at most \(CasesController.maxPhotos) media parts") }
        } else {
            let body = try await request.collectBody(limit: 64 << 10)
            do { fields = try FormParameters.parseBody(String(buffer: body)) } catch { throw Open311Controller.Refusal(400, error.reason) }
        }
    }

    /// A field's value, nil when it is missing or blank.
    func value(_ key: String) -> String? { fields[key].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } }
}
