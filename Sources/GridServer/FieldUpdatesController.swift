import CivicGridModel
import Foundation
import GridGeometry
import GridPeople
import GridStore
import Hummingbird

/// Field updates over HTTP: grid staff (and admins) `POST /api/v1/updates` a change to the basic
/// data of their grids; an admin whose region holds it approves or rejects it
/// (`POST /api/v1/updates/{id}/approve|reject`); `GET /api/v1/updates` lists them — an admin's
/// region's, a member's own — with names, phones and ID numbers masked.
struct FieldUpdatesController {
    let desk: FieldDesk
    let access: Access

    func register(on router: some RouterMethods<CivicContext>) {
        router.post("api/v1/updates") { request, context in try await submit(request, context) }
        router.get("api/v1/updates") { request, context in try await list(request, context) }
        router.post("api/v1/updates/:id/approve") { request, context in try await review(request, context, approve: true) }
        router.post("api/v1/updates/:id/reject") { request, context in try await review(request, context, approve: false) }
    }

    struct Submission: Decodable {
        var kind: String
        var fields: [String: JSONValue]
    }

    struct Review: Decodable {
        var note: String?
    }

    struct View: Codable, Sendable {
        var id: Int64
        var kind: String
        var fields: [String: JSONValue]
        var grid: String?
        var community: String?
        var submittedBy: String
        var submittedAt: String
        var status: String
        var reviewedBy: String?
        var reviewedAt: String?
        var note: String?
        var result: String?

        enum CodingKeys: String, CodingKey {
            case id, kind, fields, grid, community, submittedBy = "submitted_by", submittedAt = "submitted_at", status, reviewedBy = "reviewed_by",
                 reviewedAt = "reviewed_at", note, result
        }
    }

    func view(_ u: FieldUpdate) -> View {
        View(id: u.id ?? 0, kind: u.kind.rawValue, fields: desk.masked(u), grid: u.grid, community: u.community, submittedBy: u.submittedBy,
             submittedAt: StoreTime.text(u.submittedAt), status: u.status.rawValue, reviewedBy: u.reviewedBy, reviewedAt: u.reviewedAt.map(StoreTime.text),
             note: u.note, result: u.result)
    }

    static func problem(_ e: FieldError) -> Problem {
        switch e.kind {
        case .invalid: Problem(.unprocessableContent, "Refused", detail: e.message)
        case .forbidden: Problem(.forbidden, "Forbidden", detail: e.message)
        case .notFound: Problem.notFound(e.message)
        case .conflict: Problem(.conflict, "Conflict", detail: e.message)
        case .unavailable: Problem(.serviceUnavailable, "Service unavailable", detail: e.message)
        }
    }

    func submit(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<View> {
        let account = try access.require(context, [.admin, .member], to: "submit changes to the basic data")
        var request = request
        let body = try await request.collectBody(limit: 64 << 10)
        let s: Submission
        do { s = try JSONDecoder().decode(Submission.self, from: Data(buffer: body)) } catch {
            throw Problem.badRequest("a field update is {\"kind\": …, \"fields\": {…}}")
        }
        guard let kind = FieldUpdateKind(rawValue: s.kind) else {
            throw Problem.badRequest("kind: one of \(FieldUpdateKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let grids: Set<String>? = account.role == .member ? Set(try await access.store.asyncRead { try $0.memberGrids(account: account.id) }) : nil
        let who = FieldDesk.Submitter(name: account.name, grids: grids, communities: try await access.communities(account))
        let desk = self.desk
        do {
            let u = try await offload { try desk.submit(kind, s.fields, by: who) }
            return JSONAnswer(view(u), status: .created)
        } catch let e as FieldError {
            throw Self.problem(e)
        }
    }

    func list(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<[View]> {
        let account = try access.require(context, [.admin, .member], to: "see field updates")
        var status: FieldUpdateStatus?
        if let s = request.uri.queryParameters["status"] {
            guard let known = FieldUpdateStatus(rawValue: String(s)) else { throw Problem.badRequest("status: pending, approved or rejected") }
            status = known
        }
        let communities = try await access.communities(account)
        let mine = account.role == .member ? account.name : nil
        let asked = status
        let found = try await access.store.asyncRead { try $0.fieldUpdates(status: asked, communities: communities, submittedBy: mine) }
        return JSONAnswer(found.map(view))
    }

    func review(_ request: Request, _ context: CivicContext, approve: Bool) async throws -> JSONAnswer<View> {
        let account = try access.require(context, [.admin], to: "review field updates")
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw Problem.badRequest("a field update id is a number") }
        var request = request
        let body = try await request.collectBody(limit: 16 << 10)
        var note: String?
        if body.readableBytes > 0 {
            do { note = try JSONDecoder().decode(Review.self, from: Data(buffer: body)).note } catch { throw Problem.badRequest("a review is {\"note\": \"…\"}") }
        }
        if let n = note, n.unicodeScalars.count > 500 { throw Problem.badRequest("note: up to 500 characters") }
        if !approve, (note ?? "").isBlank { throw Problem.badRequest("a rejection gives a note saying why") }
        let communities = try await access.communities(account)
        let desk = self.desk, reviewer = account.name, why = note
        do {
            return JSONAnswer(view(try await offload { try desk.review(id, approve: approve, by: reviewer, communities: communities, note: why) }))
        } catch let e as FieldError {
            throw Self.problem(e)
        }
    }
}
