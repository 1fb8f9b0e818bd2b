import CivicGridModel
import Foundation
import GridStore
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import Synchronization

/// `GET /api/v1/cases/stream`: the command centre's live feed of cases (server-sent events).
/// Each transition stored after the stream opens — by this server, another one on the same
/// database or the CLI — is sent as an event `case` whose `kind` is `new` (reported),
/// `overdue` (supervised), `escalated` or `update`, with the case's public fields as they are
/// now; the SSE `id` is the history row, so a client that reconnects with `Last-Event-ID`
/// misses nothing within the last `resumeWindow` events. The stream ends within seconds of its
/// token's revocation. Scoped like the list: the account's region, a department's steps while it
/// held a case, grid staff's grids. The store is polled once a second per stream.
struct CaseStreamController {
    let store: GridStore
    let access: Access
    var interval: Duration = .seconds(1)

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("api/v1/cases/stream") { request, context in try await stream(request, context) }
    }

    struct Event: Encodable, Sendable {
        var id: Int64
        var kind: String
        var action: String
        var at: String
        var number: String
        var category: String
        var urgency: String
        var source: String
        var status: String
        var holder: String?
        var location: [Double]
        var grid: String?
        var community: String?
        var due: String?
        var overdue: Bool
        var version: Int
        var note: String?

        init(_ id: Int64, _ c: CaseRecord, _ e: CaseEvent, now: Date) {
            self.id = id
            kind = switch e.action {
            case "report": "new"
            case "supervise": "overdue"
            case "escalate": "escalated"
            default: "update"
            }
            action = e.action
            at = StoreTime.text(e.at)
            number = c.number
            category = c.category
            urgency = c.urgency.rawValue
            source = c.source.rawValue
            status = e.to.rawValue  // as the step left it, not as the case is now
            holder = e.holder
            location = [c.location.x, c.location.y]
            grid = c.place.grid
            community = c.place.community
            due = c.due.map(StoreTime.text)
            overdue = c.isOverdue(at: now)
            version = c.version
            note = e.note
        }
    }

    /// What an account may watch: its region's communities, a department's own cases, grid
    /// staff's grids (nil: no limit of that kind).
    struct Scope: Sendable {
        var communities: Set<String>?
        var grids: Set<String>?
        var department: String?

        func shows(_ c: CaseRecord, _ e: CaseEvent) -> Bool {
            if let communities, !communities.contains(c.place.community ?? "") { return false }
            if let grids, !grids.contains(c.place.grid ?? "") { return false }
            if let department, e.holder != department { return false }  // what happened while the department held the case
            return true
        }
    }

    /// How many events back a `Last-Event-ID` may resume; an older one resumes here, and the
    /// stream's first event (`gap`) says where.
    static let resumeWindow: Int64 = 10_000

    /// Set once, at shutdown.
    final class Flag: Sendable {
        private let value = Atomic(false)
        var isSet: Bool { value.load(ordering: .relaxed) }
        func set() { value.store(true, ordering: .relaxed) }
    }

    func stream(_ request: Request, _ context: CivicContext) async throws -> Response {
        let account = try access.require(context, CasesController.readers, to: "watch cases")
        let newest = try await store.asyncRead { try $0.lastCaseEvent() }
        var start = newest, requested: Int64?
        if let header = HTTPField.Name("Last-Event-ID"), let last = request.headers[header].flatMap({ Int64($0.trimmingCharacters(in: .whitespaces)) }),
           last >= 0, last < newest {
            // A resume goes back at most `resumeWindow` events: a client that was away longer
            // reads the list, not the whole history through the stream.
            start = max(last, newest - Self.resumeWindow)
            if start > last { requested = last }
        }
        let scope = try await store.asyncRead { r in
            Scope(communities: try account.region.map { root in Set(try r.regions(level: .community).map(\.code).filter { try r.isRegion($0, under: root) }) },
                  grids: account.role == .member ? Set(try r.memberGrids(account: account.id)) : nil,
                  department: account.role == .department ? (account.department ?? "") : nil)
        }
        let store = self.store, interval = self.interval, first = start, gapFrom = requested, watch = TokenWatch(store, context)
        let body = ResponseBody { writer in
            var head = "retry: 2000\n: cases after \(first)\n\n"
            if let requested = gapFrom {
                head += "event: gap\ndata: {\"requested_after\":\(requested),\"resumed_after\":\(first)}\n\n"
            }
            try await writer.write(ByteBuffer(string: head))
            let stopped = Flag()
            try await withGracefulShutdownHandler {
                var last = first, quiet = Duration.zero, checked = ContinuousClock.now, misses = 0
                while !stopped.isSet, !Task.isCancelled {
                    if ContinuousClock.now - checked >= watch.every {
                        if await !watch.stillValid(&misses) { break }  // revoked: the stream ends
                        checked = .now
                    }
                    let after = last
                    let events = try await store.asyncRead { try $0.caseEvents(after: after) }
                    var text = ""
                    for (id, c, e) in events {
                        last = id
                        if scope.shows(c, e) { text += "id: \(id)\nevent: case\ndata: \(try LiveController.line(Event(id, c, e, now: Date())))\n\n" }
                    }
                    if !text.isEmpty {
                        try await writer.write(ByteBuffer(string: text))
                        quiet = .zero
                    } else if quiet >= .seconds(15) {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        quiet = .zero
                    }
                    if events.count < 500 {
                        try await Task.sleep(for: interval)
                        quiet += interval
                    }
                }
            } onGracefulShutdown: {
                stopped.set()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}
