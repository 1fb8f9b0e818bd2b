import Foundation
import GridGeometry
import GridPartition
import GridPlanning
import GridStore
import GridTiles
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
    let band: Band

    static let geoPackageType = "application/geopackage+sqlite3"

    func register(on router: Router<CivicContext>) {
        router.get("api/v1/communities/:code/plans") { request, context in try list(request, context.parameters.require("code")) }
        router.post("api/v1/communities/:code/plans") { request, context in try await create(request, context.parameters.require("code")) }
        router.get("api/v1/plans/:id") { request, context in try show(request, try id(context)) }
        router.post("api/v1/plans/:id/edits") { request, context in try await edit(request, try id(context)) }
        router.post("api/v1/plans/:id/publish") { request, context in try await publish(request, try id(context)) }
        router.get("api/v1/plans/:id/diff/:other") { request, context in
            try diff(request, try id(context), try id(context, "other"))
        }
        router.get("api/v1/plans/:id/audit") { request, context in try audit(request, try id(context)) }
        router.get("api/v1/plans/:id/grids.gpkg") { request, context in try export(request, try id(context)) }
    }

    func id(_ context: CivicContext, _ name: String = "id") throws -> Int64 {
        let text = try context.parameters.require(name)
        guard let id = Int64(text) else { throw Problem.notFound("no plan \"\(text)\"") }
        return id
    }

    // MARK: Access

    static let readers: Set<Role> = [.admin, .planner, .viewer]
    static let writers: Set<Role> = [.admin, .planner]

    /// The plan, after checking the account may `action` it (404 before 403 would leak
    /// nothing: plan ids are not secret, their contents are).
    func authorize(_ request: Request, plan id: Int64, _ roles: Set<Role>, _ action: String) throws -> (Account, Plan) {
        try authorize(try access.account(request), plan: id, roles, action)
    }

    func authorize(_ signedIn: Account?, plan id: Int64, _ roles: Set<Role>, _ action: String) throws -> (Account, Plan) {
        let account = try access.require(signedIn, roles, to: action)
        guard let plan = try store.read({ try $0.plan(id: id) }) else { throw Problem.notFound("no plan \(id)") }
        try access.checkScope(account, plan.community, action)
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

    /// A planning error as a problem.
    func planning<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as PlanningError {
            switch e.kind {
            case .refused: throw Problem(.unprocessableContent, "Edit refused", detail: e.message)
            case .notFound: throw Problem.notFound(e.message)
            case .stale: throw Problem(.preconditionFailed, "Precondition failed", detail: e.message)
            case .conflict: throw Problem(.conflict, "Conflict", detail: e.message)
            case .malformed: throw Problem.badRequest(e.message)
            }
        }
    }

    // MARK: Routes

    func list(_ request: Request, _ code: String) throws -> Response {
        let account = try access.require(request, Self.readers, to: "read plans")
        guard try store.read({ try $0.region(code: code) })?.level == .community else { throw Problem.notFound("no community \(code)") }
        try access.checkScope(account, code, "read plans of \(code)")
        let plans = try store.read { try $0.plans(community: code) }
        return try jsonResponse(plans.map(summary))
    }

    func create(_ request: Request, _ code: String) async throws -> Response {
        let account = try access.require(request, Self.writers, to: "create plans")
        guard try store.read({ try $0.region(code: code) })?.level == .community else { throw Problem.notFound("no community \(code)") }
        try access.checkScope(account, code, "create plans in \(code)")
        var request = request
        let body = try await request.collectBody(upTo: 64 << 20)
        let planner = Planner(store: store)
        let id: Int64
        if request.headers[.contentType]?.hasPrefix(Self.geoPackageType) == true {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID().uuidString).gpkg")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(buffer: body).write(to: file)
            id = try planning {
                try planner.importDraft(community: code, geoPackage: file.path, layer: nil, actor: account.name, source: "the upload")
            }
        } else {
            guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body)),
                  case .string(let from)? = object["from"], let source = DraftSource(rawValue: from) else {
                throw Problem.badRequest(#"the body must be {"from":"partition"} or {"from":"published"} (or a GeoPackage, Content-Type \#(Self.geoPackageType))"#)
            }
            id = try planning { try planner.createDraft(community: code, from: source, actor: account.name, band: band) }
        }
        var response = try document(id)
        response.status = .created
        response.headers[.location] = "/api/v1/plans/\(id)"
        return response
    }

    func show(_ request: Request, _ id: Int64) throws -> Response {
        let (_, plan) = try authorize(request, plan: id, Self.readers, "read plan \(id)")
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == Self.etag(plan) }) {
            return Response(status: .notModified, headers: [.eTag: Self.etag(plan)])
        }
        return try document(id)
    }

    func edit(_ request: Request, _ id: Int64) async throws -> Response {
        let (account, plan) = try authorize(request, plan: id, Self.writers, "edit plan \(id)")
        var request = request
        let body = Data(buffer: try await request.collectBody(upTo: 8 << 20))
        let edits = try planning { try Edit.list(json: body) }
        guard plan.status == .draft else { throw Problem(.conflict, "Conflict", detail: "plan \(id) is \(plan.status.rawValue): only drafts are edited") }
        try Self.checkIfMatch(request, plan)
        let (_, validation) = try planning { try Planner(store: store).edit(plan: id, version: plan.version, edits: edits, actor: account.name, band: band) }
        return try document(id, validation: validation)
    }

    func publish(_ request: Request, _ id: Int64) async throws -> Response {
        let (account, plan) = try authorize(request, plan: id, Self.writers, "publish plan \(id)")
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        var reason: String?
        if body.readableBytes > 0 {
            guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: body)) else {
                throw Problem.badRequest(#"the body must be empty or {"override":"why the faults are accepted"}"#)
            }
            if let o = object["override"] {
                guard case .string(let text) = o, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw Problem.badRequest("override must be a non-empty reason")
                }
                reason = text
            }
        }
        guard plan.status == .draft else { throw Problem(.conflict, "Conflict", detail: "plan \(id) is \(plan.status.rawValue), not a draft") }
        try Self.checkIfMatch(request, plan)
        let planner = Planner(store: store)
        let validation = try planner.validate(plan: id, band: band)
        if !validation.publishable, reason == nil {
            throw Problem(.unprocessableContent, "Plan has faults",
                          detail: "plan \(id) has \(validation.faults.count) fault(s): \(validation.faults.map(\.detail).joined(separator: "; ")); publish with {\"override\":\"reason\"} to accept them",
                          extensions: ["faults": .array(validation.faults.map { .string($0.detail) })])
        }
        _ = try planning { try planner.publish(plan: id, version: plan.version, override: reason, actor: account.name, band: band, validation: validation) }
        _ = try tiles.refresh(from: store)  // the map shows the new grids with this answer
        return try document(id, validation: validation)  // publishing changes no grid: the same report
    }

    func diff(_ request: Request, _ a: Int64, _ b: Int64) throws -> Response {
        let (account, _) = try authorize(request, plan: a, Self.readers, "read plan \(a)")
        _ = try authorize(account, plan: b, Self.readers, "read plan \(b)")
        let d = try planning { try Planner(store: store).diff(a, b) }
        let f = request.uri.queryParameters["f"].map(String.init) ?? "json"
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
        guard f == "json" else { throw Problem.badRequest("f=\(f): a diff is served as f=json or f=geojson") }
        func codes(_ gs: [Grid]) -> [String] { gs.map(\.code) }
        return try jsonResponse([
            "from": d.from.id, "to": d.to.id, "community": d.from.community,
            "grids": ["added": codes(d.added), "removed": codes(d.removed), "changed": d.changed.map(\.1.code), "unchanged": d.unchanged] as [String: Any],
            "buildings_moved": d.moves.count, "households_moved": d.householdsMoved,
            "moves": d.moves.map { m -> [String: Any] in
                ["building": m.building, "households": m.households, "from": m.from ?? NSNull(), "to": m.to ?? NSNull()]
            },
        ])
    }

    func audit(_ request: Request, _ id: Int64) throws -> Response {
        _ = try authorize(request, plan: id, Self.readers, "read plan \(id)")
        let entries = try store.read { try $0.audit(plan: id) }
        return try jsonResponse(entries.map { e -> [String: Any] in
            ["id": e.id, "at": e.at, "actor": e.actor, "plan": e.plan ?? NSNull(), "community": e.community ?? NSNull(), "action": e.action,
             "detail": (try? JSONSerialization.jsonObject(with: Data(e.detail.utf8))) ?? e.detail]
        })
    }

    func export(_ request: Request, _ id: Int64) throws -> Response {
        _ = try authorize(request, plan: id, Self.readers, "read plan \(id)")
        let features = try planning { try Planner(store: store).features(plan: id) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).gpkg")
        defer { try? FileManager.default.removeItem(at: file) }
        try GeoPackageWriter.write(features, layer: "grids", geometryType: "POLYGON", to: file.path)
        let data = try Data(contentsOf: file)
        return Response(status: .ok, headers: [.contentType: Self.geoPackageType, .contentDisposition: "attachment; filename=\"plan-\(id).gpkg\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    // MARK: Documents

    func summary(_ p: Plan) -> [String: Any] {
        ["id": p.id, "community": p.community, "status": p.status.rawValue, "version": p.version, "based_on": p.basedOn ?? NSNull(),
         "author": p.author ?? NSNull(), "created_at": p.createdAt, "updated_at": p.updatedAt, "etag": Self.etag(p)]
    }

    /// The plan, its grids (GeoJSON, with their band), its community's buildings as points
    /// with their grid (households counts only: no household detail), and its validation.
    func document(_ id: Int64, validation known: Validation? = nil) throws -> Response {
        let validation = try known ?? planning { try Planner(store: store).validate(plan: id, band: band) }
        let (plan, grids, assignment, buildings) = try store.read { r in
            let plan = try r.plan(id: id)!
            return (plan, try r.grids(plan: id), try r.gridOfBuildings(plan: id), try r.buildings(community: plan.community))
        }
        let codes = Dictionary(uniqueKeysWithValues: grids.map { ($0.id!, $0.code) })
        let writer = GeoJSONWriter()
        let gridFeatures = grids.map { g in
            Feature(id: .string(g.code), geometry: g.geometry, properties: [
                "code": .string(g.code), "name": g.name.map(JSONValue.string) ?? .null, "households": .number(Double(g.households)),
                "buildings": .number(Double(g.buildings)), "area_m2": .number(g.areaM2.rounded()),
                "band": .string(g.households < band.min ? "under" : g.households > band.max ? "over" : "ok"),  // as in the tiles
            ])
        }
        let buildingFeatures = buildings.map { b in
            Feature(id: .number(Double(b.id!)), geometry: .point(b.label), properties: [
                "households": .number(Double(b.households)), "grid": assignment[b.id!].flatMap { codes[$0] }.map(JSONValue.string) ?? .null,
            ])
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var head = try JSONSerialization.data(withJSONObject: summary(plan), options: [.sortedKeys, .withoutEscapingSlashes])
        head.removeLast()  // "}"
        var text = String(decoding: head, as: UTF8.self)
        text += ",\"grids\":" + writer.featureCollection(gridFeatures)
        text += ",\"buildings\":" + writer.featureCollection(buildingFeatures)
        text += ",\"validation\":" + String(decoding: try encoder.encode(validation), as: UTF8.self) + "}"
        return Response(status: .ok, headers: [.contentType: "application/json", .eTag: Self.etag(plan), .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
