import CivicGridModel
import Foundation
import GridCases
import GridStore

/// A case as the API answers it: its state, place, route, history and photos; the reporter
/// whole for the command centre, masked for the rest.
struct CaseDocument: Encodable, Sendable, DescribedAnswer {
    var number: String
    var category: String
    var urgency: Urgency
    var description: String
    var source: CaseSource
    var location: PointGeometry
    var status: CaseStatus
    var version: Int
    var createdAt: String
    var updatedAt: String
    var overdue: Bool
    var counts: Counts
    var history: [Step]
    var place: Place
    var address: String?
    var holder: Holder?
    var pending: Pending?
    var due: String?
    var stepStarted: String?
    var closedAt: String?
    var duplicateOf: String?
    var assignee: String?
    var categoryConfidence: Double?
    var needsCategory: Bool
    var followUps: Int
    var route: Route
    var photos: [Photo]
    var reporter: ReporterView?
    var possibleDuplicates: [Duplicate]?

    enum CodingKeys: String, CodingKey {
        case number, category, urgency, description, source, location, status, version, overdue, counts, history, place, address, holder, pending, due
        case assignee, route, photos, reporter
        case createdAt = "created_at", updatedAt = "updated_at", stepStarted = "step_started", closedAt = "closed_at", duplicateOf = "duplicate_of"
        case categoryConfidence = "category_confidence", needsCategory = "needs_category", followUps = "follow_ups", possibleDuplicates = "possible_duplicates"
    }

    static let descriptions = [
        "category_confidence": "How sure the classifier was of the category it chose (absent: a person chose it)",
        "route": "Where the case goes: the department its category and place give (routing rules, the catalogue's, or one that handles the category there), and why",
        "follow_ups": "Repeats of the report by its reporter while it was open, attached to it instead of filed again",
        "possible_duplicates": "Open cases of its category within the category's radius (20 at most), whatever their source: when reported, and when an open case is read",
        "needs_category": "Filed as a resident's request because the classifier was unsure: recategorise it",
        "reporter": "Whole for the command centre, masked for others",
    ]

    struct Counts: Encodable, Sendable {
        var returns, reworks, extensions, escalations, supervisions: Int
    }

    /// A step of the history, as the export holds it (`CaseEvent.json`).
    struct Step: Encodable, Sendable {
        var action: String
        var at: String
        var actor: String
        var from: CaseStatus?
        var to: CaseStatus
        var holder: String?
        var note: String?
        var detail: [String: String]?
    }

    struct Place: Encodable, Sendable {
        var grid, community, street, district: String?
    }

    /// Who holds the case: a region's desk or a department.
    struct Holder: Encodable, Sendable {
        var region, department: String?
    }

    /// A request waiting on the desk's decision: an extension (by `limit`) or a suspension.
    struct Pending: Encodable, Sendable {
        var request: Request
        var limit: String?

        enum Request: String, Encodable, Sendable, CaseIterable, EnumeratedAnswer {
            case extend = "extension", suspension
        }
    }

    struct Route: Encodable, Sendable {
        var department: String?
        var why: String
        var rule: Int64?
    }

    struct Photo: Encodable, Sendable {
        var sha256: String
        var mediaType: String
        var bytes: Int
        /// The index of the step it came with in `history`.
        var step: Int
        var href: String

        enum CodingKeys: String, CodingKey {
            case sha256, bytes, step, href
            case mediaType = "media_type"
        }
    }

    struct ReporterView: Encodable, Sendable {
        var name, phone: String?
    }

    struct Duplicate: Encodable, Sendable {
        var number: String
        var metres: Double
    }

    init(_ c: CaseRecord, history: [CaseEvent], photos: [CasePhoto], route: CaseRoute, personal: Bool, duplicates: [(number: String, metres: Double)]?, now: Date) {
        (number, category, urgency, description, source) = (c.number, c.category, c.urgency, c.description, c.source)
        (location, status, version) = (PointGeometry(c.location.x, c.location.y), c.state.status, c.version)
        (createdAt, updatedAt, overdue) = (StoreTime.text(c.createdAt), StoreTime.text(c.updatedAt), c.isOverdue(at: now))
        let s = c.state
        counts = Counts(returns: s.returns, reworks: s.reworks, extensions: s.extensions, escalations: s.escalations, supervisions: s.supervisions)
        self.history = history.map { Step(action: $0.action, at: StoreTime.text($0.at), actor: $0.actor, from: $0.from, to: $0.to, holder: $0.holder, note: $0.note,
                                         detail: $0.detail.isEmpty ? nil : $0.detail) }
        place = Place(grid: c.place.grid, community: c.place.community, street: c.place.street, district: c.place.district)
        address = c.address
        holder = s.holder.map { h in
            switch h {
            case .region(let code): Holder(region: code)
            case .department(let code): Holder(department: code)
            }
        }
        pending = s.pending.map { p in
            switch p {
            case .extension(let limit): Pending(request: .extend, limit: limit.description)
            case .suspension: Pending(request: .suspension)
            }
        }
        (due, stepStarted, closedAt) = (c.due.map(StoreTime.text), c.stepStarted.map(StoreTime.text), c.closedAt.map(StoreTime.text))
        (duplicateOf, assignee) = (c.duplicateOf, s.assignee)
        categoryConfidence = c.categoryConfidence.map { ($0 * 1000).rounded() / 1000 }
        (needsCategory, followUps) = (c.needsCategory, c.followUps)
        self.route = Route(department: route.department, why: route.why, rule: route.rule)
        self.photos = photos.map { Photo(sha256: $0.sha256, mediaType: $0.mediaType, bytes: $0.bytes, step: $0.event, href: "/api/v1/cases/\(c.number)/photos/\($0.sha256)") }
        let name = c.reporter.name.map { personal ? $0 : Masking.name($0) }, phone = c.reporter.phone.map { personal ? $0 : Masking.phone($0) }
        reporter = name == nil && phone == nil ? nil : ReporterView(name: name, phone: phone)
        possibleDuplicates = duplicates?.map { Duplicate(number: $0.number, metres: ($0.metres * 10).rounded() / 10) }
    }
}
