import CivicGridModel
import Foundation
import GridCases
import GridGeometry
import GridPeople
import GridStore
import GridTracking
import GridWire
import Hummingbird

/// `POST /sms`: the webhook an SMS gateway posts a resident's message to (form-encoded or
/// JSON: `from`, `text`, optional `time` and `category`; the gateway's key as `api_key` or a
/// bearer token, issued by `civicgrid sms key`: an Open311 app's key opens none of this). The case is located by the sender's
/// household, a building address or region name in the text, or waits at the district's
/// desk; the answer carries the acknowledgement for the gateway to send back.
///
/// `GET /sms/outbox` (the same key): messages to residents waiting to be sent (a report merged
/// into another case), oldest first, with their whole phone numbers: each read is recorded in
/// the access log (the gateway, the messages' numbers); `POST /sms/outbox/{id}/sent` once the
/// gateway sent one.
struct SMSController {
    let store: GridStore
    let intake: CaseIntake
    /// Messages per sender (`sms-sender`): a resident, not a flood.
    let limiters: Limiters

    func register(on router: some RouterMethods<CivicContext>) {
        router.post("sms") { request, _ in try await receive(request) }
        router.get("sms/outbox") { request, _ in try await outbox(request) }
        router.post("sms/outbox/:id/sent") { request, context in try await sent(request, try context.parameters.require("id")) }
    }

    func receive(_ request: Request) async throws -> JSONAnswer<Reply> {
        var request = request
        let body = try await request.collectBody(limit: 16 << 10)
        var fields: [String: String] = [:]
        if request.headers[.contentType]?.hasPrefix("application/json") == true {
            let o = try JSONBody.object(Data(buffer: body), #"the body must be a JSON object {"from":"138…","text":"…"}"#)
            for (k, v) in o { if case .string(let s) = v { fields[k] = s } }
        } else {
            do { fields = try FormParameters.parseBody(String(buffer: body)) } catch { throw Problem.badRequest(error.reason) }
        }
        try await gateway(request, fields["api_key"])
        guard let from = fields["from"]?.trimmingCharacters(in: .whitespaces), !from.isEmpty, let text = fields["text"] else {
            throw Problem.badRequest("from and text are required")
        }
        try limiters.enforce("sms-sender", from, "this sender sent too many messages")
        // Without one, the classifier reads it from the words (a resident's request when unsure).
        let category = fields["category"] ?? ""
        let desk = CaseDesk(store: store)
        do {
            // "1", "2", "3" (or the words) after a closing: the sender's rating of that case.
            if let (rated, reply) = try await store.blocking({ try desk.rate(from: from, text: text) }) {
                return JSONAnswer(Reply(case: rated.number, reply: reply, repeat: false), status: .ok)
            }
            let report = try await store.blocking { try desk.smsReport(from: from, text: text, category: category) }
            let filed = try await intake.report(report, by: nil)
            let reply = CaseDesk.smsReply(CaseDesk.Intake(record: filed.record, repeated: filed.repeated))
            return JSONAnswer(Reply(case: filed.record.number, reply: reply, repeat: filed.repeated), status: filed.repeated ? .ok : .created)
        } catch let e as CaseError {
            throw Problem(e.kind == .store ? .internalServerError : .unprocessableContent, "Refused", detail: e.message)
        }
    }

    /// The gateway's name from its key, as a bearer token or `api_key`; 401 without a live SMS key.
    @discardableResult
    func gateway(_ request: Request, _ apiKey: String?) async throws -> String {
        let bearer = request.headers[.authorization].flatMap { $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst(7)) : nil }
        guard let key = bearer ?? apiKey, !key.isEmpty else {
            throw Problem(.unauthorized, "Unauthorized", detail: "the gateway's key is required (api_key or a bearer token)", headers: Access.challenge)
        }
        guard let name = try await store.asyncRead({ try $0.appKey(hash: DeviceToken.hash(key), kind: .sms) }) else {
            throw Problem(.unauthorized, "Unauthorized", detail: "unknown or revoked SMS gateway key (civicgrid sms key)", headers: Access.challenge)
        }
        return name
    }

    func outbox(_ request: Request) async throws -> JSONAnswer<Messages> {
        let name = try await gateway(request, request.uri.queryParameters["api_key"].map(String.init))
        // Whole phone numbers leave here: the read and what it held are recorded with it.
        let waiting = try await store.asyncWrite { w in
            let waiting = try w.reader.waitingNotices(channel: "sms")
            if !waiting.isEmpty {
                try w.log(AccessRecord(at: Date(), account: "sms:\(name)", role: "sms-gateway", what: "sms outbox phones",
                                       subject: waiting.map { "\($0.id):\($0.case)" }.joined(separator: ","), reason: nil))
            }
            return waiting
        }
        return JSONAnswer(Messages(messages: waiting.map { Messages.Message(id: $0.id, to: $0.to, case: $0.case, text: $0.text) }),
                          headers: [.cacheControl: "private, no-store"])
    }

    func sent(_ request: Request, _ id: String) async throws -> Response {
        try await gateway(request, request.uri.queryParameters["api_key"].map(String.init))
        guard let n = Int64(id) else { throw Problem.notFound("no message \(id)") }
        guard try await store.asyncWrite({ try $0.noticeSent(n, channel: "sms", at: Date()) }) else { throw Problem.notFound("no message \(id) waits to be sent") }
        return Response(status: .noContent)
    }

    /// `POST /sms`'s answer: the case, and the reply the gateway sends back.
    struct Reply: Codable, Sendable {
        var `case`: String
        var reply: String
        /// Attached to the sender's open case.
        var `repeat`: Bool
    }

    /// `GET /sms/outbox`: messages for residents, oldest first (whole phone numbers).
    struct Messages: Codable, Sendable {
        var messages: [Message]

        struct Message: Codable, Sendable {
            var id: Int64
            var to: String
            var `case`: String
            var text: String
        }
    }
}
