import CivicGridModel
import Foundation
import GridCases
import GridGeometry
import GridPeople
import GridStore
import GridWire
import HTTPTypes
import Hummingbird

/// Cases over HTTP:
///
/// - `POST /api/v1/cases`: a report by grid staff or the command centre (JSON), 201 with the
///   case, its `ETag` and the open cases of its category nearby (possible duplicates);
/// - `GET /api/v1/cases/{number}`: the case and its history (reporter's name and phone only for
///   the command centre, masked for others);
/// - `POST /api/v1/cases/{number}/actions` (`If-Match` required): one step of the loop,
///   `{"action":"dispatch","department":"D-ROADS","note":"…"}`; 409 when the step is not
///   allowed now, 412 when someone acted first, 428 without `If-Match`.
struct CasesController {
    let store: GridStore
    let access: Access
    let intake: CaseIntake

    static let reporters: Set<Role> = [.admin, .dispatcher, .member]
    static let readers: Set<Role> = [.admin, .dispatcher, .viewer, .member, .department]
    static let actors: Set<Role> = [.admin, .dispatcher, .member, .department]

    func register(on router: some RouterMethods<CivicContext>) {
        router.post("api/v1/cases") { request, context in try await report(request, context) }
        router.get("api/v1/cases") { request, context in try await list(request, context) }
        router.get("api/v1/departments") { _, context in try await departments(context) }
        router.get("api/v1/categories/suggest") { request, context in try await suggest(request, context) }
        router.get("api/v1/facilities/:code/cases") { _, context in try await facilityCases(context, try context.parameters.require("code")) }
        router.get("api/v1/me") { _, context in try await me(context) }
        router.get("api/v1/cases/:number") { _, context in try await show(context, try context.parameters.require("number")) }
        router.post("api/v1/cases/:number/actions") { request, context in try await act(request, context, try context.parameters.require("number")) }
        router.get("api/v1/cases/:number/photos/:sha256") { _, context in
            try await photo(context, try context.parameters.require("number"), try context.parameters.require("sha256"))
        }
    }

    // MARK: Routes

    func report(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<CaseDocument> {
        let account = try access.require(context, Self.reporters, to: "report cases")
        let key = try Self.idempotencyKey(request)
        let (body, form) = try await Self.body(request, part: "report")
        var o = try JSONBody.object(body, #"the body (or its part "report") must be a JSON object: {"category":"0101","description":"…","lon":120.7,"lat":31.3}"#)
        if o["lon"] == nil, o["lat"] == nil, account.role == .member {
            // Grid staff on patrol: their phone's latest fix (15 minutes at most) stands in.
            guard let fix = try await store.asyncRead({ try $0.latestFix(member: account.id, since: Date().timeIntervalSince1970 - 900) }) else {
                throw Problem.badRequest("lon and lat are required: no fix from \(account.name)'s phone in the last 15 minutes")
            }
            (o["lon"], o["lat"]) = (.number(fix.x), .number(fix.y))
        }
        var report = try Self.caseReport(o, defaultSource: account.role == .member ? .gridStaff : .hotline)
        do {
            report = try CaseDesk.validated(report)
        } catch {
            throw Self.problem(error)
        }
        report.photos = try await savePhotos(form)
        let filed: CaseIntake.Filed
        do {
            filed = try await intake.report(report, by: account, key: key.map { CaseIntake.RequestKey(scope: "account \(account.id)", key: $0, body: body, photos: report.photos.map(\.sha256)) })
        } catch {
            throw Self.problem(error)
        }
        let record = filed.record
        let duplicates = try await run { [store] in try CaseDesk(store: store).duplicates(of: record.number) }
        var response = try await document(record, history: [], photos: report.photos, account: account,
                                    duplicates: duplicates)
        response.status = .created
        response.headers[.location] = "/api/v1/cases/\(record.number)"
        if filed.replayed, let name = Self.replayed { response.headers[name] = "true" }
        return response
    }

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")
    static let replayed = HTTPField.Name("Idempotent-Replayed")
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options") ?? .contentType

    /// The client's key for a report (`Idempotency-Key`, bare or as a quoted string): 1 to 255
    /// visible ASCII characters. The same key with the same body files one case, whichever
    /// server the retries reach.
    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let name = idempotencyKeyHeader else { return nil }
        let values = request.headers[values: name]
        guard var key = values.first else { return nil }
        guard values.count == 1 else { throw Problem.badRequest("Idempotency-Key: one key, not \(values.count)") }
        if key.count >= 2, key.hasPrefix("\""), key.hasSuffix("\"") { key = String(key.dropFirst().dropLast()) }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "\"") }) else {
            throw Problem.badRequest("Idempotency-Key: 1 to 255 visible ASCII characters (a UUID, say)")
        }
        return key
    }

    /// The list's filters from the query (see `list`), within the account's scope.
    func filter(_ request: Request, _ account: Account) async throws -> CaseFilter {
        let q = request.uri.queryParameters
        func value(_ key: String) -> String? { q[key[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
        func listOf<T>(_ key: String, _ make: (String) -> T?) throws -> [T] {
            guard let v = value(key) else { return [] }
            return try v.split(separator: ",").map { part in
                guard let t = make(String(part)) else { throw Problem.badRequest("\(key): \(part) is not a known value") }
                return t
            }
        }
        var f = CaseFilter()
        f.statuses = try listOf("status", CaseStatus.init(rawValue:))
        f.categories = try listOf("category") { $0.unicodeScalars.count <= 16 ? $0 : nil }
        f.sources = try listOf("source", CaseSource.init(rawValue:))
        if let o = value("overdue") {
            guard o == "true" || o == "false" else { throw Problem.badRequest("overdue: true or false") }
            if o == "true" { f.overdueAt = Date() }
        }
        f.limit = try value("limit").map { v in
            guard let n = Int(v), (1...1000).contains(n) else { throw Problem.badRequest("limit \(v): 1 to 1000") }
            return n
        } ?? 100
        f.offset = try value("offset").map { v in
            guard let n = Int(v), (0...10_000_000).contains(n) else { throw Problem.badRequest("offset \(v): 0 or more") }
            return n
        } ?? 0
        let region = value("region") ?? account.region
        if let region, let root = account.region, region != root {
            guard try await store.asyncRead({ try $0.isRegion(region, under: root) }) else { throw Access.outOfScope(account, region, "list cases") }
        }
        f.region = region
        if account.role == .department { f.holder = account.department ?? "" }
        if let queue = value("queue") {
            guard queue == "mine" else { throw Problem.badRequest("queue: mine") }
            switch account.role {
            case .dispatcher, .admin: if f.statuses.isEmpty { f.statuses = [.reported, .verified, .filed, .checked] }
            case .department: if f.statuses.isEmpty { f.statuses = [.dispatched, .accepted, .suspended] }
            case .member:
                if f.statuses.isEmpty { f.statuses = [.reported, .handled] }
                f.mine = (try await store.asyncRead { try $0.memberGrids(account: account.id) }, account.name)
            default: throw Problem(.unprocessableContent, "Refused", detail: "a \(account.role.rawValue) has no queue")
            }
        }
        return f
    }

    /// Cases in the account's region, newest first: filters status, category, source (comma
    /// lists), overdue=true, region (a subtree inside the account's), queue=mine (what waits on
    /// the account's role: the centre's to verify, file, dispatch and close; a department's to
    /// accept and handle; grid staff's to verify and check in their grids or assigned to them); sort (created:
    /// newest first, or due: soonest deadline first); limit (1–1000, default 100) and offset;
    /// numberMatched, every case the filter passes.
    func list(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<CaseList> {
        let account = try access.require(context, Self.readers, to: "list cases")
        let q = request.uri.queryParameters
        var f = try await filter(request, account)
        switch q["sort"].map(String.init) {
        case nil, "created": break
        case "due": f.byDeadline = true
        case let other?: throw Problem.badRequest("sort \(other): created or due")
        }
        let filter = f
        let (found, matched) = try await store.asyncRead { r in (try r.cases(filter), try r.caseCount(filter)) }
        let now = Date()
        var answer = CaseList(cases: found.map { CaseList.Item($0, now: now) }, numberReturned: found.count, numberMatched: matched)
        if found.count == f.limit {
            func encoded(_ s: some StringProtocol) -> String { String(s).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }
            var params = q.map { ($0.key, $0.value) }.filter { $0.0 != "offset" }.map { "\(encoded($0.0))=\(encoded($0.1))" }
            params.append("offset=\(f.offset + f.limit)")
            answer.next = request.uri.path + "?" + params.joined(separator: "&")
        }
        return JSONAnswer(answer)
    }

    /// A page of the case list: the cases, how many the filter passes, the next page's path.
    struct CaseList: Encodable, Sendable {
        var cases: [Item]
        var numberReturned: Int
        var numberMatched: Int
        var next: String?

        /// A case as the list shows it (nothing personal).
        struct Item: Encodable, Sendable {
            var number: String
            var category: String
            var urgency: Urgency
            var source: CaseSource
            var status: CaseStatus
            var version: Int
            /// [lon, lat]
            var location: [Double]
            var createdAt: String
            var overdue: Bool
            var holder: String?
            var grid: String?
            var community: String?
            var due: String?
            var assignee: String?

            enum CodingKeys: String, CodingKey {
                case number, category, urgency, source, status, version, location, overdue, holder, grid, community, due, assignee
                case createdAt = "created_at"
            }

            init(_ c: CaseRecord, now: Date) {
                (number, category, urgency, source, status, version) = (c.number, c.category, c.urgency, c.source, c.state.status, c.version)
                (location, createdAt, overdue) = ([c.location.x, c.location.y], StoreTime.text(c.createdAt), c.isOverdue(at: now))
                (holder, grid, community, due, assignee) = (c.state.holder?.code, c.place.grid, c.place.community, c.due.map(StoreTime.text), c.state.assignee)
            }
        }
    }

    /// Who the token belongs to: name, role, region, department, and grid staff's grids (the
    /// pages show the steps the role may take).
    func me(_ context: CivicContext) async throws -> JSONAnswer<JSONValue> {
        let account = try access.require(context, Set(Role.allCases), to: "ask who they are")
        var o: [String: JSONValue] = ["name": .string(account.name), "role": .string(account.role.rawValue)]
        if let r = account.region { o["region"] = .string(r) }
        if let d = account.department { o["department"] = .string(d) }
        if account.role == .member { o["grids"] = .array(try await store.asyncRead { try $0.memberGrids(account: account.id) }.map(JSONValue.string)) }
        return JSONAnswer(.object(o))
    }

    /// A facility and the cases that named it, newest first (public fields, within the
    /// account's region).
    func facilityCases(_ context: CivicContext, _ code: String) async throws -> JSONAnswer<JSONValue> {
        let account = try access.require(context, [.admin, .dispatcher, .viewer, .member, .department], to: "read a facility's cases")
        guard let f = try await store.asyncRead({ try $0.facility(code: code) }) else { throw Problem.notFound("no facility \(code)") }
        if let community = f.place.community { try await access.checkScope(account, community, "read its facilities") }
        let found = try await store.asyncRead { try $0.cases(facility: f.id ?? 0) }
        let items: [JSONValue] = found.map { c in
            ["number": .string(c.number), "category": .string(c.category), "status": .string(c.state.status.rawValue), "open": .bool(c.state.status.isOpen),
             "created_at": .string(StoreTime.text(c.createdAt)), "closed_at": c.closedAt.map { .string(StoreTime.text($0)) } ?? .null]
        }
        return JSONAnswer(["facility": ["code": .string(f.code), "category": .string(f.category), "status": .string(f.status.rawValue),
                                        "department": f.department.map(JSONValue.string) ?? .null, "location": [.number(f.location.x), .number(f.location.y)]],
                           "open": .number(Double(found.filter { $0.state.status.isOpen }.count)), "cases": .array(items)])
    }

    /// The departments cases go to: code, names, the region they serve, the categories they
    /// handle (what the dispatcher picks from).
    func departments(_ context: CivicContext) async throws -> JSONAnswer<JSONValue> {
        _ = try access.require(context, Self.readers, to: "list departments")
        let all = try await store.asyncRead { try $0.departments() }
        return JSONAnswer(.array(all.map { d in
            var o: [String: JSONValue] = ["code": .string(d.code), "name": .string(d.name), "categories": .array(d.categories.map(JSONValue.string))]
            if let en = d.nameEn { o["name_en"] = .string(en) }
            if let r = d.region { o["region"] = .string(r) }
            return .object(o)
        }))
    }

    /// The categories the classifier reads in a text, best first (at most 3), with names and
    /// confidence: what a person picking a category is offered.
    /// Public: the residents' report page asks it too.
    func suggest(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<JSONValue> {
        let text = request.uri.queryParameters["text"].map(String.init) ?? ""
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.count <= 2000 else { throw Problem.badRequest("text: 1 to 2000 characters") }
        let desk = CaseDesk(store: store)
        let guesses = try await run { try desk.suggest(text) }
        let categories = Dictionary(try await store.asyncRead { try $0.categories() }.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        return JSONAnswer(.array(guesses.map { g in
            let c = categories[g.category]
            return ["category": .string(g.category), "confidence": .number((g.confidence * 1000).rounded() / 1000),
                    "name": .string(c?.name ?? ""), "name_en": .string(c?.nameEn ?? ""), "major_name": .string(c?.majorName ?? ""),
                    "urgency": .string(c?.urgency.rawValue ?? "")]
        }))
    }

    func show(_ context: CivicContext, _ number: String) async throws -> JSONAnswer<CaseDocument> {
        let account = try access.require(context, Self.readers, to: "read cases")
        let (record, history) = try await readable(account, number)
        let photos = try await store.asyncRead { try $0.photos(case: number) }
        try await recordReporterRead(record, account)
        // Open cases of its category near it, whatever its source: what a dispatcher merges.
        let duplicates = record.state.status.isOpen ? try await run { [store] in try CaseDesk(store: store).duplicates(of: number) } : []
        return try await document(record, history: history, photos: photos, account: account,
                                  duplicates: duplicates)
    }

    /// Who read a reporter's name or phone whole (the command centre) is recorded.
    func recordReporterRead(_ c: CaseRecord, _ account: Account) async throws {
        guard Self.seesReporters(account), c.reporter.name != nil || c.reporter.phone != nil else { return }
        let entry = AccessRecord(at: Date(), account: account.name, role: account.role.rawValue, what: "case reporter", subject: c.number, reason: nil)
        try await store.asyncWrite { try $0.log(entry) }
    }

    static func seesReporters(_ account: Account) -> Bool { account.role == .admin || account.role == .dispatcher }

    func act(_ request: Request, _ context: CivicContext, _ number: String) async throws -> JSONAnswer<CaseDocument> {
        let account = try access.require(context, Self.actors, to: "act on cases")
        let (body, form) = try await Self.body(request, part: "action")
        let o = try JSONBody.object(body, #"the body (or its part "action") must be a JSON object: {"action":"verify"}"#)
        let (parsed, note) = try Self.action(o)
        let (current, _) = try await readable(account, number)
        // A dispatch naming no one goes the case's route.
        let action: CaseAction
        if let parsed {
            action = parsed
        } else {
            let route = try await store.asyncRead { try CaseDesk.route(for: current, in: $0) }
            guard let department = route.department else {
                throw Problem(.unprocessableContent, "Refused", detail: "case \(number) has no route (\(route.why)): name a department or a region's desk")
            }
            action = .dispatch(.department(department))
        }
        guard let header = request.headers[.ifMatch] else {
            throw Problem(.preconditionRequired, "Precondition required",
                          detail: "send If-Match with the case's ETag (\(Self.etag(current))) so that no one's step is overwritten")
        }
        let tags = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let version = tags.contains("*") ? current.version : tags.compactMap(Self.version).first else {
            throw Problem(.preconditionFailed, "Precondition failed", detail: "If-Match \(header) names no version of case \(number)",
                          headers: [.eTag: Self.etag(current)])
        }
        let photos = try await savePhotos(form)
        let record = try await run { [store] in try CaseDesk(store: store).act(action, on: number, by: account, version: version, note: note, photos: photos) }
        let (history, all) = try await store.asyncRead { r in (try r.history(case: number), try r.photos(case: number)) }
        try await recordReporterRead(record, account)
        return try await document(record, history: history, photos: all, account: account)
    }

    /// A photo of a case, without its metadata, for whoever may read the case.
    func photo(_ context: CivicContext, _ number: String, _ sha256: String) async throws -> Response {
        let account = try access.require(context, Self.readers, to: "read cases")
        _ = try await readable(account, number)
        let store = self.store
        guard let p = try await store.asyncRead({ try $0.photos(case: number) }).first(where: { $0.sha256 == sha256 }),
              let bytes = try await store.blocking({ store.photo(sha256: sha256).map(PhotoBytes.stripped) }) else {
            throw Problem.notFound("case \(number) has no photo \(sha256)")
        }
        return Response(status: .ok, headers: [.contentType: p.mediaType, .cacheControl: "private, max-age=86400", .eTag: "\"\(sha256)\"",
                                               Self.contentTypeOptions: "nosniff"],
                         body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Bodies with photos

    /// Photos at most per request.
    static let maxPhotos = 6

    /// A JSON body, or a multipart/form-data one whose part `part` holds the JSON (the photos
    /// in parts named `photo`).
    static func body(_ request: Request, part: String) async throws -> (Data, MultipartBody?) {
        var request = request
        guard let boundary = MultipartBody.boundary(request.headers[.contentType]) else {
            return (Data(buffer: try await request.collectBody(limit: 64 << 10)), nil)
        }
        let buffer = try await request.collectBody(limit: maxPhotos * PhotoCheck.maxBytes + (1 << 20))
        let form: MultipartBody
        do { form = try MultipartBody(buffer, boundary: boundary) } catch { throw Problem.badRequest(error.reason) }
        guard let json = form.text(part) else { throw Problem.badRequest("the multipart body needs a part named \(part) holding the JSON") }
        return (Data(json.utf8), form)
    }

    /// The photos of a multipart body, checked and stored (synced) before the case changes.
    func savePhotos(_ form: MultipartBody?) async throws -> [CasePhoto] {
        try await Self.savePhotos(form?.parts.filter { $0.name == "photo" } ?? [], store: store)
    }

    /// Photos (each a part of a multipart body) checked and stored, without their metadata.
    static func savePhotos(_ files: [MultipartBody.Part], store: GridStore) async throws -> [CasePhoto] {
        guard files.count <= Self.maxPhotos else { throw Problem(.unprocessableContent, "Refused", detail: "at most \(Self.maxPhotos) photos at once") }
        var photos: [CasePhoto] = []
        for (i, file) in files.enumerated() {
            let photo: CasePhoto, bytes: [UInt8]
            do {
                (photo, bytes) = try PhotoCheck.prepared(file.body)  // stored without its metadata
            } catch {
                throw Problem(.unprocessableContent, "Refused", detail: "photo \(i + 1)\(file.filename.map { " (\($0))" } ?? ""): \(error.message)")
            }
            try await store.blocking { try store.savePhoto(bytes, sha256: photo.sha256) }
            if !photos.contains(where: { $0.sha256 == photo.sha256 }) { photos.append(photo) }
        }
        return photos
    }

    // MARK: Reading

    /// The case and its history; 404 when there is no such case or the account may not read it
    /// (outside its region; a department sees the cases it holds or held).
    func readable(_ account: Account, _ number: String) async throws -> (CaseRecord, [CaseEvent]) {
        let (found, inScope, history) = try await store.asyncRead { r -> (CaseRecord?, Bool, [CaseEvent]) in
            guard let c = try r.case(number: number), let desk = c.place.desks.first else { return (nil, false, []) }
            let history = try r.history(case: number)
            var inScope = try r.isRegion(desk, under: account.region)
            if account.role == .department {
                inScope = inScope && (c.state.holder == .department(account.department ?? "") || history.contains { $0.holder == account.department })
            }
            return (c, inScope, history)
        }
        // A case one may not read is answered as one that does not exist: a 403 naming its
        // community would let anyone walking the numbers map every case.
        guard let found, inScope else { throw Problem.notFound("no case \(number)") }
        return (found, history)
    }

    static func etag(_ c: CaseRecord) -> String { "\"case-\(c.number)-v\(c.version)\"" }

    static func version(_ tag: some StringProtocol) -> Int? {
        let t = tag.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")).replacingOccurrences(of: "W/", with: "")
        guard let v = t.range(of: "-v", options: .backwards) else { return nil }
        return Int(t[v.upperBound...])
    }

    /// The case document; personal fields only for roles whose work needs them.
    func document(_ c: CaseRecord, history: [CaseEvent], photos: [CasePhoto] = [], account: Account,
                  duplicates: [(number: String, metres: Double)]? = nil) async throws -> JSONAnswer<CaseDocument> {
        let route = try await store.asyncRead { try CaseDesk.route(for: c, in: $0) }
        let document = CaseDocument(c, history: history, photos: photos, route: route, personal: Self.seesReporters(account), duplicates: duplicates, now: Date())
        // An answer with a reporter in it is kept by no cache, shared or the browser's.
        return JSONAnswer(document, headers: document.reporter == nil ? [.eTag: Self.etag(c)] : [.eTag: Self.etag(c), .cacheControl: "private, no-store"])
    }

    // MARK: Bodies

    static func caseReport(_ o: [String: JSONValue], defaultSource: CaseSource) throws -> CaseReport {
        func string(_ key: String, max: Int) throws -> String? {
            guard let v = o[key] else { return nil }
            guard case .string(let s) = v, s.unicodeScalars.count <= max else { throw Problem.badRequest("\(key) must be a string of at most \(max) characters") }
            return s
        }
        func number(_ key: String) throws -> Double {
            guard case .number(let n)? = o[key], n.isFinite else { throw Problem.badRequest("\(key) must be a number") }
            return n
        }
        let facility = try string("facility", max: 64)
        // No category (or an empty one): the classifier reads it from the description.
        let category = try string("category", max: 16) ?? ""
        guard let description = try string("description", max: 2000) else { throw Problem.badRequest("description is required") }
        var source = defaultSource
        if let s = try string("source", max: 20) {
            guard let parsed = CaseSource(rawValue: s) else { throw Problem.badRequest("source \(s): expected \(CaseSource.allCases.map(\.rawValue).joined(separator: ", "))") }
            source = parsed
        }
        var urgency: Urgency?
        if let u = try string("urgency", max: 20) {
            guard let parsed = Urgency(rawValue: u) else { throw Problem.badRequest("urgency \(u): expected normal, urgent or emergency") }
            urgency = parsed
        }
        var reporter = Reporter()
        if let r = o["reporter"] {
            guard case .object(let ro) = r else { throw Problem.badRequest(#"reporter must be an object {"name":…,"phone":…}"#) }
            for (key, value) in ro {
                guard case .string(let s) = value, s.unicodeScalars.count <= 100 else { throw Problem.badRequest("reporter.\(key) must be a string of at most 100 characters") }
                switch key {
                case "name": reporter.name = s
                case "phone": reporter.phone = s
                default: throw Problem.badRequest("reporter.\(key): only name and phone")
                }
            }
        }
        // A facility's case lies where the facility stands.
        if facility != nil, (o["lon"] == nil) != (o["lat"] == nil) {
            throw Problem(.unprocessableContent, "Refused", detail: "lon and lat go together: give both, or neither for the facility's place")
        }
        let location = facility != nil && o["lon"] == nil && o["lat"] == nil ? Coordinate(0, 0) : Coordinate(try number("lon"), try number("lat"))
        var report = CaseReport(category: category, description: description, location: location,
                                address: try string("address", max: 200), source: source, reporter: reporter, urgency: urgency)
        report.facility = facility
        return report
    }

    /// `{"action": name, …}` with the fields the action needs; nil for a dispatch that names
    /// no department or desk (the case's route decides).
    static func action(_ o: [String: JSONValue]) throws -> (CaseAction?, String?) {
        func string(_ key: String) throws -> String? {
            guard let v = o[key] else { return nil }
            guard case .string(let s) = v, !s.isEmpty, s.unicodeScalars.count <= 2000 else { throw Problem.badRequest("\(key) must be a non-empty string") }
            return s
        }
        func required(_ key: String, _ action: String) throws -> String {
            guard let s = try string(key) else { throw Problem.badRequest("\(action) needs \(key)") }
            return s
        }
        // Every member is checked, whichever the action reads.
        for key in ["department", "region", "to", "duplicate_of", "note", "category", "assignee"] { _ = try string(key) }
        if let r = try string("reason"), VoidReason(rawValue: r) == nil { throw Problem.badRequest("reason \(r): expected not_true, duplicate or not_ours") }
        if let l = try string("limit"), TimeLimit(l) == nil { throw Problem.badRequest("limit \(l): expected e.g. 4h, 2d or 12nh") }
        guard let name = try string("action") else { throw Problem.badRequest("action is required: one of \(CaseAction.peoples.joined(separator: ", "))") }
        let action: CaseAction?
        switch name {
        case "verify": action = .verify
        case "void":
            let r = try required("reason", name)
            guard let reason = VoidReason(rawValue: r) else { throw Problem.badRequest("reason \(r): expected not_true, duplicate or not_ours") }
            action = .void(reason, duplicateOf: try string("duplicate_of"))
        case "file": action = .file
        case "dispatch":
            if let d = try string("department") { action = .dispatch(.department(d)) } else { action = try string("region").map { .dispatch(.region($0)) } }
        case "escalate": action = .escalate(to: try required("to", name))
        case "accept": action = .accept
        case "return": action = .return
        case "request_extension":
            let l = try required("limit", name)
            guard let limit = TimeLimit(l) else { throw Problem.badRequest("limit \(l): expected e.g. 4h, 2d or 12nh") }
            action = .requestExtension(limit)
        case "request_suspension": action = .requestSuspension
        case "approve": action = .approve
        case "refuse": action = .refuse
        case "resume": action = .resume
        case "handle": action = .handle
        case "pass": action = .pass
        case "fail": action = .fail
        case "close": action = .close
        case "supervise": action = .supervise
        case "recategorise": action = .recategorise(try required("category", name))
        case "assign": action = .assign(try required("assignee", name))
        default: throw Problem.badRequest("unknown action \(name): one of \(CaseAction.peoples.joined(separator: ", "))")
        }
        return (action, try string("note"))
    }

    /// Case work off the cooperative pool, its errors as problems.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await store.blocking {
            do {
                return try work()
            } catch let e as CaseError {
                throw Self.problem(e)
            }
        }
    }

    /// The HTTP problem a refused step or report is.
    static func problem(_ e: CaseError) -> Problem {
        switch e.kind {
        case .invalid: Problem(.unprocessableContent, "Refused", detail: e.message)
        case .forbidden: Problem(.forbidden, "Forbidden", detail: e.message)
        case .conflict: Problem(.conflict, "Conflict", detail: e.message)
        case .notFound: Problem.notFound(e.message)
        case .precondition: Problem(.preconditionFailed, "Precondition failed", detail: e.message)
        case .store: Problem(.internalServerError, "Store failed", detail: "nothing was changed")
        }
    }
}

extension Urgency: EnumeratedAnswer {}
extension CaseSource: EnumeratedAnswer {}
extension CaseStatus: EnumeratedAnswer {}
