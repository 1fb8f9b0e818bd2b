import CivicGridModel
import Foundation
import GridGeometry
import GridPlanning
import GridStore
import GridTiles
import GridWire
import Hummingbird

/// Grid plans over HTTP, for planners:
///
/// - `GET /api/v1/communities/{code}/plans`: the community's plans;
/// - `POST /api/v1/communities/{code}/plans`: a new draft (`{"from":"partition"|"published"}`,
///   or a GeoPackage body edited in a desktop GIS);
/// - `GET /api/v1/plans/{id}`: the plan, its grids, buildings and validation report, with an `ETag`;
/// - `POST /api/v1/plans/{id}/edits` (`If-Match` required): one edit or an array, all or none;
/// - `POST /api/v1/plans/{id}/publish` (`If-Match` required; `{"override":"reason"}` to accept faults);
/// - `GET /api/v1/plans/{id}/diff/{other}` (`?f=geojson` for the map);
/// - `GET /api/v1/plans/{id}/audit`, `GET /api/v1/plans/{id}/grids.gpkg`.
struct PlansController {
    let store: GridStore
    let tiles: TileProvider
    let access: Access

    static let geoPackageType = "application/geopackage+sqlite3"

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("api/v1/communities/:code/plans") { _, context in try await list(context, context.parameters.require("code")) }
        router.post("api/v1/communities/:code/plans") { request, context in try await create(request, context, context.parameters.require("code")) }
        router.get("api/v1/plans/:id") { request, context in try await show(request, context, try id(context)) }
        router.post("api/v1/plans/:id/edits") { request, context in try await edit(request, context, try id(context)) }
        router.post("api/v1/plans/:id/publish") { request, context in try await publish(request, context, try id(context)) }
        router.get("api/v1/plans/:id/diff/:other") { request, context in
            try await diff(request, context, try id(context), try id(context, "other"))
        }
        router.get("api/v1/plans/:id/audit") { _, context in try await audit(context, try id(context)) }
        router.get("api/v1/plans/:id/grids.gpkg") { _, context in try await export(context, try id(context)) }
    }

    func id(_ context: CivicContext, _ name: String = "id") throws -> Int64 {
        let text = try context.parameters.require(name)
        guard let id = Int64(text) else { throw Problem.notFound("no plan \"\(text)\"") }
        return id
    }

    // MARK: Access

    static let readers: Set<Role> = [.admin, .planner, .viewer]
    static let writers: Set<Role> = [.admin, .planner]

    /// The plan's workspace (one read: the plan, its community, buildings, roads and grids),
    /// after checking the account may `action` it (404 before 403 would leak nothing: plan
    /// ids are not secret, their contents are).
    func workspace(_ context: CivicContext, plan id: Int64, _ roles: Set<Role>, _ action: String,
                   forEditing: Bool = false) async throws -> (Account, PlanWorkspace) {
        let account = try access.require(context, roles, to: action)
        let workspace = try await run { [store] in try Planner(store: store).workspace(plan: id, scope: account.region, forEditing: forEditing) }
        guard workspace.inScope else { throw Access.outOfScope(account, workspace.plan.community, action) }
        return (account, workspace)
    }

    /// The plan alone, after the same checks (for routes that need no community data).
    func plan(_ context: CivicContext, _ id: Int64, _ roles: Set<Role>, _ action: String) async throws -> (Account, Plan) {
        let account = try access.require(context, roles, to: action)
        let (plan, inScope) = try await store.asyncRead { r -> (Plan?, Bool) in
            guard let plan = try r.plan(id: id) else { return (nil, false) }
            return (plan, try r.isRegion(plan.community, under: account.region))
        }
        guard let plan else { throw Problem.notFound("no plan \(id)") }
        guard inScope else { throw Access.outOfScope(account, plan.community, action) }
        return (account, plan)
    }

    static func etag(_ plan: Plan) -> String { "\"plan-\(plan.id)-v\(plan.version)-\(plan.status.rawValue)\"" }

    /// 428 without `If-Match`, 412 when it names another version than the plan's.
    static func checkIfMatch(_ request: Request, _ plan: Plan) throws {
        guard let header = request.headers[.ifMatch] else {
            throw Problem(.preconditionRequired, "Precondition required",
                          detail: "send If-Match with the plan's ETag (\(etag(plan))) so that no one's edit is overwritten")
        }
        let tags = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard tags.contains("*") || tags.contains(etag(plan)) else {
            throw Problem(.preconditionFailed, "Precondition failed",
                          detail: "plan \(plan.id) is now \(etag(plan)), not \(header): read it again and redo the edit",
                          headers: [.eTag: etag(plan)])
        }
    }

    /// Planning work off the cooperative pool, its errors as problems.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await offload {
            do {
                return try work()
            } catch let e as PlanningError {
                switch e.kind {
                case .refused: throw Problem(.unprocessableContent, "Edit refused", detail: e.message)
                case .notFound: throw Problem.notFound(e.message)
                case .stale: throw Problem(.preconditionFailed, "Precondition failed", detail: e.message)
                case .conflict: throw Problem(.conflict, "Conflict", detail: e.message)
                case .malformed: throw Problem.badRequest(e.message)
                }
            } catch let e as WireError {
                switch e.kind {
                case .refused: throw Problem(.unprocessableContent, "Edit refused", detail: e.reason)
                case .malformed: throw Problem.badRequest(e.reason)
                }
            }
        }
    }

    // MARK: Routes

    func list(_ context: CivicContext, _ code: String) async throws -> JSONAnswer<[Summary]> {
        _ = try await checkCommunity(context, code, Self.readers, "read plans of \(code)")
        return JSONAnswer(try await store.asyncRead { try $0.plans(community: code) }.map(Summary.init))
    }

    /// The account, after a 404 unless `code` is a community and a 403 outside its scope.
    func checkCommunity(_ context: CivicContext, _ code: String, _ roles: Set<Role>, _ action: String) async throws -> Account {
        let account = try access.require(context, roles, to: action)
        let (isCommunity, inScope) = try await store.asyncRead { r in
            (try r.region(code: code)?.level == .community, try r.isRegion(code, under: account.region))
        }
        guard isCommunity else { throw Problem.notFound("no community \(code)") }
        guard inScope else { throw Access.outOfScope(account, code, action) }
        return account
    }

    func create(_ request: Request, _ context: CivicContext, _ code: String) async throws -> Response {
        let actor = try await checkCommunity(context, code, Self.writers, "create plans in \(code)").name
        var request = request
        let body = try await request.collectBody(limit: 64 << 20)
        let store = store
        let id: Int64
        if request.headers[.contentType]?.hasPrefix(Self.geoPackageType) == true {
            let data = Data(buffer: body)
            id = try await run {
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID().uuidString).gpkg")
                defer { try? FileManager.default.removeItem(at: file) }
                try data.write(to: file)
                return try Planner(store: store).importDraft(community: code, geoPackage: file.path, layer: nil, actor: actor, source: "the upload")
            }
        } else {
            let expected = #"the body must be {"from":"partition"} or {"from":"published"} (or a GeoPackage, Content-Type \#(Self.geoPackageType))"#
            let object = try JSONBody.object(Data(buffer: body), expected)
            guard case .string(let from)? = object["from"], let source = DraftSource(rawValue: from) else { throw Problem.badRequest(expected) }
            id = try await run { try Planner(store: store).createDraft(community: code, from: source, actor: actor) }
        }
        let workspace = try await run { try Planner(store: store).workspace(plan: id) }
        var response = try await document(workspace)
        response.status = .created
        response.headers[.location] = "/api/v1/plans/\(id)"
        return response
    }

    func show(_ request: Request, _ context: CivicContext, _ id: Int64) async throws -> Response {
        let (_, workspace) = try await workspace(context, plan: id, Self.readers, "read plan \(id)")
        if let match = request.headers[.ifNoneMatch],
           match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == Self.etag(workspace.plan) }) {
            return Response(status: .notModified, headers: [.eTag: Self.etag(workspace.plan)])
        }
        return try await document(workspace)
    }

    func edit(_ request: Request, _ context: CivicContext, _ id: Int64) async throws -> Response {
        let (account, workspace) = try await workspace(context, plan: id, Self.writers, "edit plan \(id)", forEditing: true)
        var request = request
        let body = Data(buffer: try await request.collectBody(limit: 8 << 20))
        let edits = try await run { try Edit.list(json: body) }
        let plan = workspace.plan
        guard plan.status == .draft else { throw Problem(.conflict, "Conflict", detail: "plan \(id) is \(plan.status.rawValue): only drafts are edited") }
        try Self.checkIfMatch(request, plan)
        let (edited, validation) = try await run { [store] in
            try Planner(store: store).edit(workspace, version: plan.version, edits: edits, actor: account.name)
        }
        return try await document(edited, validation: validation)
    }

    func publish(_ request: Request, _ context: CivicContext, _ id: Int64) async throws -> Response {
        let (account, workspace) = try await workspace(context, plan: id, Self.writers, "publish plan \(id)")
        var request = request
        let body = try await request.collectBody(limit: 1 << 20)
        var reason: String?
        if body.readableBytes > 0 {
            let object = try JSONBody.object(Data(buffer: body), #"the body must be empty or {"override":"why the faults are accepted"}"#)
            if let o = object["override"] {
                guard case .string(let text) = o, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, text.unicodeScalars.count <= 2000 else {
                    throw Problem.badRequest("override must be a non-empty reason of at most 2000 characters")
                }
                reason = text
            }
        }
        let plan = workspace.plan
        guard plan.status == .draft else { throw Problem(.conflict, "Conflict", detail: "plan \(id) is \(plan.status.rawValue), not a draft") }
        try Self.checkIfMatch(request, plan)
        let planner = Planner(store: store)
        let validation = try await run { try planner.validate(workspace) }
        if !validation.publishable, reason == nil {
            throw Problem(.unprocessableContent, "Plan has faults",
                          detail: "plan \(id) has \(validation.faults.count) fault(s): \(validation.faults.map(\.detail).joined(separator: "; ")); publish with {\"override\":\"reason\"} to accept them",
                          extensions: ["faults": .array(validation.faults.map { .string($0.detail) })])
        }
        let published = try await run { [reason] in
            _ = try planner.publish(plan: id, version: plan.version, override: reason, actor: account.name, validation: validation)
            return try planner.workspace(plan: id)
        }
        _ = try await offload { [tiles, store] in try tiles.refresh(from: store) }  // the map shows the new grids with this answer
        return try await document(published, validation: validation)  // publishing changes no grid: the same report
    }

    struct Diff: Encodable, Sendable {
        struct Grids: Encodable, Sendable {
            var added, removed, changed: [String]
            var unchanged: Int
        }

        struct Move: Encodable, Sendable {
            var building: Int64
            var households: Int
            var from, to: Nullable<String>
        }

        var from, to: Int64
        var community: String
        var grids: Grids
        var buildingsMoved, householdsMoved: Int
        var moves: [Move]

        enum CodingKeys: String, CodingKey {
            case from, to, community, grids, buildingsMoved = "buildings_moved", householdsMoved = "households_moved", moves
        }
    }

    func diff(_ request: Request, _ context: CivicContext, _ a: Int64, _ b: Int64) async throws -> Response {
        _ = try await plan(context, a, Self.readers, "read plan \(a)")
        _ = try await plan(context, b, Self.readers, "read plan \(b)")
        let f = request.uri.queryParameters["f"].map(String.init) ?? "json"
        guard f == "json" || f == "geojson" else { throw Problem.badRequest("f=\(f): a diff is served as f=json or f=geojson") }
        let d = try await run { [store] in try Planner(store: store).diff(a, b) }
        if f == "geojson" {
            var features: [Feature] = []
            func grid(_ g: Grid, _ change: String) -> Feature {
                Feature(id: .string("\(change):\(g.code)"), geometry: g.geometry, properties: [
                    "kind": .string("grid"), "change": .string(change), "code": .string(g.code), "households": .number(Double(g.households)),
                ])
            }
            features += d.added.map { grid($0, "added") } + d.removed.map { grid($0, "removed") } + d.changed.map { grid($0.1, "changed") }
            features += d.moves.map { m in
                Feature(id: .string("building:\(m.building)"), geometry: .point(m.label), properties: [
                    "kind": .string("building"), "building": .number(Double(m.building)), "households": .number(Double(m.households)),
                    "from": m.from.map(JSONValue.string) ?? .null, "to": m.to.map(JSONValue.string) ?? .null,
                ])
            }
            return Response(status: .ok, headers: [.contentType: "application/geo+json"],
                            body: .init(byteBuffer: ByteBuffer(string: GeoJSONWriter().featureCollection(features))))
        }
        let answer = Diff(from: d.from.id, to: d.to.id, community: d.from.community,
                          grids: .init(added: d.added.map(\.code), removed: d.removed.map(\.code), changed: d.changed.map(\.1.code), unchanged: d.unchanged),
                          buildingsMoved: d.moves.count, householdsMoved: d.householdsMoved,
                          moves: d.moves.map { .init(building: $0.building, households: $0.households, from: Nullable($0.from), to: Nullable($0.to)) })
        return try JSONAnswer(answer).response(from: request, context: context)
    }

    struct AuditLine: Encodable, Sendable {
        var id: Int64
        var at, actor: String
        var plan: Nullable<Int64>
        var community: Nullable<String>
        var action: String
        /// The entry's JSON detail as stored.
        var detail: JSONValue
    }

    func audit(_ context: CivicContext, _ id: Int64) async throws -> JSONAnswer<[AuditLine]> {
        _ = try await plan(context, id, Self.readers, "read plan \(id)")
        let entries = try await store.asyncRead { try $0.audit(plan: id) }
        return JSONAnswer(entries.map { e in
            AuditLine(id: e.id, at: e.at, actor: e.actor, plan: Nullable(e.plan), community: Nullable(e.community), action: e.action,
                      detail: (try? JSONDecoder().decode(JSONValue.self, from: Data(e.detail.utf8))) ?? .string(e.detail))
        })
    }

    func export(_ context: CivicContext, _ id: Int64) async throws -> Response {
        _ = try await plan(context, id, Self.readers, "read plan \(id)")
        let data = try await run { [store] in
            let features = try Planner(store: store).features(plan: id)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).gpkg")
            defer { try? FileManager.default.removeItem(at: file) }
            try GeoPackageWriter.write(features, layer: "grids", geometryType: "POLYGON", to: file.path)
            return try Data(contentsOf: file)
        }
        return Response(status: .ok, headers: [.contentType: Self.geoPackageType, .contentDisposition: "attachment; filename=\"plan-\(id).gpkg\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: Documents

    /// A plan as the list and the document head show it.
    struct Summary: Encodable, Sendable {
        var id: Int64
        var community: String
        var status: PlanStatus
        var version: Int
        var basedOn: Nullable<Int64>
        var author: Nullable<String>
        var createdAt, updatedAt, etag: String

        init(_ p: Plan) {
            (id, community, status, version) = (p.id, p.community, p.status, p.version)
            (basedOn, author, createdAt, updatedAt, etag) = (Nullable(p.basedOn), Nullable(p.author), p.createdAt, p.updatedAt, PlansController.etag(p))
        }

        enum CodingKeys: String, CodingKey {
            case id, community, status, version, basedOn = "based_on", author, createdAt = "created_at", updatedAt = "updated_at", etag
        }
    }

    /// The plan, its grids (GeoJSON, with their band), its community's buildings as points
    /// with their grid (households counts only: no household detail), and its validation,
    /// all from the workspace: no further read.
    func document(_ w: PlanWorkspace, validation known: Validation? = nil) async throws -> Response {
        let validation: Validation
        if let known { validation = known } else { validation = try await run { [store] in try Planner(store: store).validate(w) } }
        let band = w.band
        let codes = Dictionary(uniqueKeysWithValues: w.grids.compactMap { g in g.id.map { ($0, g.code) } })
        let writer = GeoJSONWriter()
        let gridFeatures = w.grids.map { g in
            Feature(id: .string(g.code), geometry: g.geometry, properties: [
                "code": .string(g.code), "name": g.name.map(JSONValue.string) ?? .null, "households": .number(Double(g.households)),
                "buildings": .number(Double(g.buildings)), "area_m2": .number(g.areaM2.rounded()),
                "band": .string(band.classify(g.households).rawValue),
            ])
        }
        let buildingFeatures = w.buildings.compactMap { b in
            b.id.map { id in
                Feature(id: .number(Double(id)), geometry: .point(b.label), properties: [
                    "households": .number(Double(b.households)), "grid": w.assignment[id].flatMap { codes[$0] }.map(JSONValue.string) ?? .null,
                ])
            }
        }
        var head = try JSONAnswer(Summary(w.plan)).bytes()
        head.removeLast()  // "}"
        var text = String(decoding: head, as: UTF8.self)
        text += ",\"grids\":" + writer.featureCollection(gridFeatures)
        text += ",\"buildings\":" + writer.featureCollection(buildingFeatures)
        text += ",\"validation\":" + String(decoding: try JSONAnswer(validation).bytes(), as: UTF8.self) + "}"
        return Response(status: .ok, headers: [.contentType: "application/json", .eTag: Self.etag(w.plan), .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
