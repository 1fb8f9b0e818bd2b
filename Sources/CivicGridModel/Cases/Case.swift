import Foundation
import GridGeometry

/// Where a case came from.
public enum CaseSource: String, CaseIterable, Sendable, Codable {
    case gridStaff = "grid_staff", publicWeb = "public_web", open311, sms, hotline, video, referral
}

/// An event (something happening) or a defective public facility (a "part").
public enum CategoryKind: String, CaseIterable, Sendable, Codable {
    case event, facility
}

public enum Urgency: String, CaseIterable, Sendable, Codable {
    case normal, urgent, emergency
}

/// The steps that run against a time limit.
public enum CaseStep: String, CaseIterable, Sendable, Codable {
    case verify, file, dispatch, handle, check

    /// As the loop's people say it: 核实, 立案, 派遣, 处置, 核查.
    public var chinese: String {
        switch self {
        case .verify: "核实"
        case .file: "立案"
        case .dispatch: "派遣"
        case .handle: "处置"
        case .check: "核查"
        }
    }
}

/// A minor category of the two-level catalogue (the major one is named by `major`).
public struct CaseCategory: Hashable, Sendable, Codable {
    /// e.g. `0101` (major `01`).
    public var code: String
    public var major: String
    public var majorName: String
    public var majorNameEn: String
    public var name: String
    public var nameEn: String
    public var kind: CategoryKind
    public var urgency: Urgency
    /// Limits of the timed steps; a step without one is not timed.
    public var limits: [CaseStep: TimeLimit]
    /// The department that handles it by default (code).
    public var department: String?
    /// Open cases of the same category nearer than this are offered as duplicates (metres).
    public var duplicateRadius: Double
    /// The words and phrases residents use for it (the classifier's phrases).
    public var words: [String]
    /// Sources whose located reports of this category the system verifies, files and
    /// dispatches on its own route (actor `routing`), no person in between.
    public var autoDispatch: Set<CaseSource>

    public init(code: String, major: String, majorName: String, majorNameEn: String, name: String, nameEn: String,
                kind: CategoryKind, urgency: Urgency, limits: [CaseStep: TimeLimit], department: String?, duplicateRadius: Double = 50,
                words: [String] = [], autoDispatch: Set<CaseSource> = []) {
        self.code = code
        self.major = major
        self.majorName = majorName
        self.majorNameEn = majorNameEn
        self.name = name
        self.nameEn = nameEn
        self.kind = kind
        self.urgency = urgency
        self.limits = limits
        self.department = department
        self.duplicateRadius = duplicateRadius
        self.words = words
        self.autoDispatch = autoDispatch
    }
}

/// A body that handles cases: the region subtree it serves and the categories it handles.
public struct Department: Hashable, Sendable, Codable {
    public var code: String
    public var name: String
    public var nameEn: String?
    /// Root of the subtree it serves (nil: everywhere).
    public var region: String?
    /// Category codes (minor, or major to take all its minors).
    public var categories: [String]

    public init(code: String, name: String, nameEn: String? = nil, region: String?, categories: [String]) {
        self.code = code
        self.name = name
        self.nameEn = nameEn
        self.region = region
        self.categories = categories
    }

    public func handles(_ category: CaseCategory) -> Bool {
        categories.contains(category.code) || categories.contains(category.major)
    }
}

/// Who holds a case now: a region's triage desk (community, street, district) or a department.
public enum CaseHolder: Hashable, Sendable, Codable {
    case region(String)
    case department(String)

    public var code: String {
        switch self {
        case .region(let c), .department(let c): c
        }
    }
}

/// The state of a case's work: what the workflow reads and changes.
public struct CaseState: Hashable, Sendable, Codable {
    public var status: CaseStatus
    public var holder: CaseHolder?
    /// A department's request waiting for the dispatcher.
    public var pending: CaseRequest?
    /// The level that dispatched it: where a return goes back to.
    public var dispatchedFrom: String?
    public var returns: Int
    public var reworks: Int
    public var extensions: Int
    public var escalations: Int
    /// Supervision notices (督办) for overdue steps.
    public var supervisions: Int
    /// The grid staff member (account name) the dispatcher gave this verification or check to;
    /// it goes when the case leaves the step.
    public var assignee: String?

    public init(status: CaseStatus, holder: CaseHolder?, pending: CaseRequest? = nil, dispatchedFrom: String? = nil,
                returns: Int = 0, reworks: Int = 0, extensions: Int = 0, escalations: Int = 0, supervisions: Int = 0, assignee: String? = nil) {
        self.assignee = assignee
        self.status = status
        self.holder = holder
        self.pending = pending
        self.dispatchedFrom = dispatchedFrom
        self.returns = returns
        self.reworks = reworks
        self.extensions = extensions
        self.escalations = escalations
        self.supervisions = supervisions
    }
}

public enum CaseStatus: String, CaseIterable, Sendable, Codable {
    /// Reported, to be verified on site.
    case reported
    /// True, to be filed.
    case verified
    /// Filed, at a triage desk, to be dispatched (or escalated).
    case filed
    /// With the department or desk that must act, to be accepted.
    case dispatched
    /// Being handled.
    case accepted
    /// Stopped with approval; its clock does not run.
    case suspended
    /// Handled (feedback given), to be checked on site.
    case handled
    /// The check passed, to be closed.
    case checked
    case closed
    /// Not true, a duplicate, or not ours.
    case voided

    public var isOpen: Bool { self != .closed && self != .voided }

    /// The timed step a case in this status waits on.
    public var step: CaseStep? {
        switch self {
        case .reported: .verify
        case .verified: .file
        case .filed: .dispatch
        case .dispatched, .accepted: .handle
        case .handled: .check
        case .suspended, .checked, .closed, .voided: nil
        }
    }
}

/// A request from the handling department.
public enum CaseRequest: Hashable, Sendable, Codable {
    case `extension`(TimeLimit)
    case suspension
}

/// Why a case was voided.
public enum VoidReason: String, CaseIterable, Sendable, Codable {
    case notTrue = "not_true", duplicate, notOurs = "not_ours"
}

/// The reporter's answer to "was it fixed?" after closing (回访): 1 满意, 2 基本满意, 3 不满意.
public enum Satisfaction: String, CaseIterable, Sendable, Codable {
    case satisfied, fairlySatisfied = "fairly_satisfied", dissatisfied

    public var chinese: String {
        switch self {
        case .satisfied: "满意"
        case .fairlySatisfied: "基本满意"
        case .dissatisfied: "不满意"
        }
    }

    /// A reply as residents send it: the digit, or the words (with spaces and punctuation
    /// around); nil for anything else.
    public init?(reply: String) {
        let t = reply.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
        switch t {
        case "1", "１", "满意", "非常满意": self = .satisfied
        case "2", "２", "基本满意", "一般": self = .fairlySatisfied
        case "3", "３", "不满意", "很不满意", "没解决", "没有解决": self = .dissatisfied
        default: return nil
        }
    }
}

/// Where a case lies: the published grid and the regions above it (any may be unknown).
public struct CasePlace: Hashable, Sendable, Codable {
    public var grid: String?
    public var community: String?
    public var street: String?
    public var district: String?

    public init(grid: String? = nil, community: String? = nil, street: String? = nil, district: String? = nil) {
        self.grid = grid
        self.community = community
        self.street = street
        self.district = district
    }

    /// The triage desk of a level: where a case waits first (the community's), and one level
    /// up on escalation.
    public var desks: [String] { [community, street, district].compactMap { $0 } }
}

/// The phone a department's or a desk's duty officer carries (值班手机): supervision and
/// escalation reach it by SMS.
public struct DutyPhone: Hashable, Sendable, Codable {
    /// A department's code or a region's (its desk).
    public var holder: String
    /// Who answers it, e.g. 区生态环境局值班室.
    public var name: String
    public var phone: String

    public init(holder: String, name: String, phone: String) {
        self.holder = holder
        self.name = name
        self.phone = phone
    }
}

/// Who reported a case: personal data, never in public output.
public struct Reporter: Hashable, Sendable, Codable {
    public var name: String?
    public var phone: String?
    /// The account, for grid staff and dispatchers.
    public var account: Int64?

    public init(name: String? = nil, phone: String? = nil, account: Int64? = nil) {
        self.name = name
        self.phone = phone
        self.account = account
    }
}

/// A case as stored.
public struct CaseRecord: Hashable, Sendable {
    public var id: Int64?
    /// Readable: the local date and a sequence of the day, `202611300042`.
    public var number: String
    public var category: String
    public var urgency: Urgency
    public var description: String
    public var source: CaseSource
    public var location: Coordinate
    public var address: String?
    public var place: CasePlace
    public var reporter: Reporter
    public var state: CaseState
    /// When the current timed step started, and when it is due.
    public var stepStarted: Date?
    public var due: Date?
    public var duplicateOf: String?
    /// Open311's token for a request not yet given its number (also lets a reporter follow it).
    public var token: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var closedAt: Date?
    /// Raised by every change: the ETag of If-Match.
    public var version: Int
    /// Where the case lies was found only from the reporter's own home (an SMS from a
    /// registered household): personal, so public answers carry `publicLocation` instead.
    public var locatedAtHome: Bool
    /// What the public is shown of a case located at home: its grid's label point (nil: none).
    public var publicLocation: Coordinate?
    /// How sure the classifier was of the category it filed the case under (nil: a person chose).
    public var categoryConfidence: Double?
    /// Filed as a resident's request because the classifier was unsure: a person must categorise it.
    public var needsCategory: Bool
    /// Repeats of the report by its reporter while it was open, attached to it.
    public var followUps: Int
    /// What the reporter was last told (Open311's status notes).
    public var publicNote: String?
    /// A picture the reporter's app keeps elsewhere (Open311's `media_url`).
    public var mediaURL: String?

    /// Where the public may see the case: its location, or for one located at the reporter's
    /// home the grid's label point (or nothing).
    public var publicPoint: Coordinate? { locatedAtHome ? publicLocation : location }

    public init(id: Int64? = nil, number: String, category: String, urgency: Urgency, description: String, source: CaseSource,
                location: Coordinate, address: String?, place: CasePlace, reporter: Reporter, state: CaseState,
                stepStarted: Date?, due: Date?, duplicateOf: String? = nil, token: String? = nil,
                createdAt: Date, updatedAt: Date, closedAt: Date? = nil, version: Int = 1,
                locatedAtHome: Bool = false, publicLocation: Coordinate? = nil, categoryConfidence: Double? = nil, needsCategory: Bool = false,
                followUps: Int = 0, publicNote: String? = nil) {
        self.followUps = followUps
        self.publicNote = publicNote
        self.categoryConfidence = categoryConfidence
        self.needsCategory = needsCategory
        self.locatedAtHome = locatedAtHome
        self.publicLocation = publicLocation
        self.id = id
        self.number = number
        self.category = category
        self.urgency = urgency
        self.description = description
        self.source = source
        self.location = location
        self.address = address
        self.place = place
        self.reporter = reporter
        self.state = state
        self.stepStarted = stepStarted
        self.due = due
        self.duplicateOf = duplicateOf
        self.token = token
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.closedAt = closedAt
        self.version = version
    }

    /// Whether the step it waits on is past its deadline (a suspended case is not).
    public func isOverdue(at now: Date) -> Bool { state.status.step != nil && due.map { $0 < now } ?? false }
}

/// One transition of a case: who did what, when, from which status to which.
public struct CaseEvent: Hashable, Sendable, Codable {
    public var at: Date
    public var actor: String
    public var action: String
    public var from: CaseStatus?
    public var to: CaseStatus
    public var holder: String?
    public var note: String?
    /// The step's own values (reason, duplicate_of, limit, department, region, to), so that
    /// a history can be replayed.
    public var detail: [String: String]

    public init(at: Date, actor: String, action: String, from: CaseStatus?, to: CaseStatus, holder: String?, note: String?,
                detail: [String: String] = [:]) {
        self.at = at
        self.actor = actor
        self.action = action
        self.from = from
        self.to = to
        self.holder = holder
        self.note = note
        self.detail = detail
    }
}

/// A photo of a case, as stored: its file is named by the SHA-256 of its bytes.
public struct CasePhoto: Hashable, Sendable {
    public var sha256: String
    public var mediaType: String
    public var bytes: Int
    /// The step it came with: its index in the case's history (0: the report).
    public var event: Int

    public init(sha256: String, mediaType: String, bytes: Int, event: Int = 0) {
        self.sha256 = sha256
        self.mediaType = mediaType
        self.bytes = bytes
        self.event = event
    }
}
