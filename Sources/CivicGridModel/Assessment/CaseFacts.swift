import Foundation

/// A history row with the deadline in force after it (what the case desk set).
public struct TimedEvent: Hashable, Sendable {
    public var event: CaseEvent
    public var due: Date?

    public init(_ event: CaseEvent, due: Date?) {
        self.event = event
        self.due = due
    }
}

/// What the assessment needs to know of one case, read from its history: when each timed
/// step ran, who did it, whether in time, and the loop's outcomes. Pure: the same history
/// gives the same facts.
public struct CaseFacts: Hashable, Sendable {
    /// One run of a timed step: from the event that started it to the one that ended it.
    public struct StepRun: Hashable, Sendable {
        public var step: CaseStep
        /// The department or desk that held the case meanwhile.
        public var holder: String?
        public var started: Date
        /// The deadline (moved by extensions and suspensions, not by supervision's restart).
        public var due: Date?
        public var ended: Date?
        /// Ended by the step's own action (not by a return or an escalation).
        public var done = false
        /// Who ended it.
        public var by: String?
        /// Supervised for being overdue: late whatever happens next.
        public var supervised = false
        /// Suspensions within it: its clock stopped.
        public var pauses: [DateInterval] = []
    }

    /// A dispatch to a department or a desk.
    public struct Dispatch: Hashable, Sendable {
        public var at: Date
        /// The department it went to (nil: a desk).
        public var department: String?
        public var dispatcher: String
        public var returned = false
        public var extended = false
        /// To a department off the case's route (the dispatcher gave a reason).
        public var offRoute = false
    }

    public var category: String
    public var source: CaseSource
    public var place: CasePlace
    /// The grid member who reported it (for grid staff reports).
    public var reporter: String?
    public var reportedAt: Date
    public var verifiedTrue = false
    public var filedAt: Date?
    public var filer: String?
    public var voidedAfterFiling = false
    /// Moved to another category once filed (after a return): the filing was not accurate.
    public var recategorisedAfterFiling = false
    /// The reporter's first rating after closing, and when; when it was reopened for it.
    public var rating: Satisfaction?
    public var ratedAt: Date?
    public var reopenedAt: Date?
    public var voided = false
    public var closedAt: Date?
    public var failedChecks = 0
    public var suspended = false
    public var status: CaseStatus
    public var dispatches: [Dispatch] = []
    public var steps: [StepRun] = []

    /// Sources the public reports through (the 监督举报 channels).
    public static let publicSources: Set<CaseSource> = [.publicWeb, .open311, .sms, .hotline]

    public var isPublic: Bool { Self.publicSources.contains(source) }

    /// When it is due to close: the deadline of its last handling or, once handled, of the
    /// check that follows (extensions and suspensions included).
    public var closeDue: Date? { steps.last { $0.step == .handle || $0.step == .check }?.due }

    /// The department that handled it last.
    public var department: String? {
        guard let h = steps.last(where: { $0.step == .handle })?.holder, dispatches.contains(where: { $0.department == h }) else { return nil }
        return h
    }

    /// Reads a history (oldest first; the first row is the report).
    public init(category: String, source: CaseSource, place: CasePlace, reporter: String?, history: [TimedEvent]) {
        self.category = category
        self.source = source
        self.place = place
        self.reporter = reporter
        reportedAt = history.first?.event.at ?? Date(timeIntervalSince1970: 0)
        status = history.last?.event.to ?? .reported
        var current: StepRun?
        var pendingExtension = false
        var pausedAt: Date?
        for (i, row) in history.enumerated() {
            let e = row.event
            if i == 0 {
                if let step = e.to.step { current = StepRun(step: step, holder: e.holder, started: e.at, due: row.due) }
                continue
            }
            switch e.action {
            case "verify": verifiedTrue = true
            case "file":
                verifiedTrue = true
                filedAt = e.at
                filer = e.actor
            case "void":
                voided = true
                if e.from == .filed { voidedAfterFiling = true }
            case "recategorise":
                if filedAt != nil { recategorisedAfterFiling = true }
            case "rate":
                if rating == nil, let s = e.detail["rating"].flatMap(Satisfaction.init(rawValue:)) { (rating, ratedAt) = (s, e.at) }
            case "reopen":
                reopenedAt = e.at
                closedAt = nil
            case "dispatch":
                var d = Dispatch(at: e.at, department: e.detail["department"], dispatcher: e.actor)
                d.offRoute = e.detail["off_route"] == "true"
                dispatches.append(d)
            case "return": if !dispatches.isEmpty { dispatches[dispatches.count - 1].returned = true }
            case "request_extension": pendingExtension = true
            case "request_suspension", "refuse": pendingExtension = false
            case "approve":
                if pendingExtension, !dispatches.isEmpty { dispatches[dispatches.count - 1].extended = true }
                pendingExtension = false
            case "fail": failedChecks += 1
            case "close": closedAt = e.at
            default: break
            }
            // The clock of the step the case waits on.
            if e.action == "supervise" {
                current?.supervised = true
                continue
            }
            if e.to == .suspended {
                pausedAt = e.at
                continue
            }
            if e.action == "resume" || e.action == "approve" {
                if let p = pausedAt, e.action == "resume" { current?.pauses.append(DateInterval(start: p, end: max(p, e.at))) }
                pausedAt = nil
                current?.due = row.due
                continue
            }
            if e.to.step != current?.step || e.holder != current?.holder || e.action == "escalate" {
                if var run = current {
                    run.ended = e.at
                    run.by = e.actor
                    run.done = Self.completes(run.step, e.action)
                    steps.append(run)
                }
                current = e.to.step.map { StepRun(step: $0, holder: e.holder, started: e.at, due: row.due) }
            }
        }
        suspended = status == .suspended
        if var run = current {
            if let p = pausedAt { run.pauses.append(DateInterval(start: p, end: p)) }
            steps.append(run)
        }
    }

    /// Whether `action` is the one that does `step` (voiding answers verification, filing and
    /// dispatch; a failed check is a check done).
    static func completes(_ step: CaseStep, _ action: String) -> Bool {
        switch step {
        case .verify: action == "verify" || action == "void"
        case .file: action == "file" || action == "void"
        case .dispatch: action == "dispatch" || action == "void"
        case .handle: action == "handle"
        case .check: action == "pass" || action == "fail"
        }
    }
}
