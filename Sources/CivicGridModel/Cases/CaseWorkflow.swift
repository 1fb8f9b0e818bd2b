/// One step a person takes on a case (GB/T 30428's loop and its branches).
public enum CaseAction: Hashable, Sendable {
    /// The report is true (on-site verification).
    case verify
    /// Not true, a duplicate (of the case numbered), or not ours.
    case void(VoidReason, duplicateOf: String?)
    /// Filed (立案).
    case file
    /// Sent to a department or a region's desk to act (派遣).
    case dispatch(CaseHolder)
    /// Passed one level up (community → street → district) for triage.
    case escalate(to: String)
    /// The holder takes it on.
    case accept
    /// The holder sends it back: not theirs (回退).
    case `return`
    case requestExtension(TimeLimit)
    case requestSuspension
    case approve
    case refuse
    /// A suspended case runs again.
    case resume
    /// Feedback: done.
    case handle
    /// The on-site check passed.
    case pass
    /// The on-site check failed: rework (返工), back to the holder.
    case fail
    case close
    /// Supervision (督办) of an overdue step.
    case supervise
    /// Moves a case filed under the wrong category to another (before dispatch, or after a
    /// department returned it): its steps are timed by the new category's limits.
    case recategorise(String)
    /// The dispatcher gives a case's on-site verification or check to a grid staff member
    /// (account name), whose grid it need not be; the step's clock runs on.
    case assign(String)
    /// The reporter's rating of a closed case.
    case rate(Satisfaction)
    /// A closed case the reporter was not satisfied with goes back to whoever handled it
    /// (once; it counts as rework).
    case reopen(to: CaseHolder)

    public var name: String {
        switch self {
        case .verify: "verify"
        case .void: "void"
        case .file: "file"
        case .dispatch: "dispatch"
        case .escalate: "escalate"
        case .accept: "accept"
        case .return: "return"
        case .requestExtension: "request_extension"
        case .requestSuspension: "request_suspension"
        case .approve: "approve"
        case .refuse: "refuse"
        case .resume: "resume"
        case .handle: "handle"
        case .pass: "pass"
        case .fail: "fail"
        case .close: "close"
        case .supervise: "supervise"
        case .recategorise: "recategorise"
        case .assign: "assign"
        case .rate: "rate"
        case .reopen: "reopen"
        }
    }

    /// The values the step names, as stored with it in the history.
    public var detail: [String: String] {
        switch self {
        case .void(let reason, let original):
            var d = ["reason": reason.rawValue]
            if let original { d["duplicate_of"] = original }
            return d
        case .dispatch(.department(let code)): return ["department": code]
        case .dispatch(.region(let code)): return ["region": code]
        case .escalate(let to): return ["to": to]
        case .requestExtension(let limit): return ["limit": limit.description]
        case .recategorise(let code): return ["category": code]
        case .assign(let member): return ["assignee": member]
        case .rate(let s): return ["rating": s.rawValue]
        case .reopen(to: .department(let code)): return ["department": code]
        case .reopen(to: .region(let code)): return ["region": code]
        default: return [:]
        }
    }

    /// The actions people take (the API's): every one but the reporter's rating and the
    /// reopening it may bring, which the system takes for them.
    public static var peoples: [String] { names.filter { $0 != "rate" && $0 != "reopen" } }

    /// Every action's name, for documents and errors.
    public static let names = ["verify", "void", "file", "dispatch", "escalate", "accept", "return", "request_extension",
                               "request_suspension", "approve", "refuse", "resume", "handle", "pass", "fail", "close", "supervise", "recategorise", "assign", "rate", "reopen"]
}

/// The person acting, as far as the workflow needs to know: role, the department a
/// `department` account belongs to, whether the case lies in the account's scope and (for grid
/// staff) in one of their grids.
public struct CaseActor: Hashable, Sendable {
    public var name: String
    public var role: Role
    public var department: String?
    public var inScope: Bool
    public var ownGrid: Bool

    public init(name: String, role: Role, department: String? = nil, inScope: Bool, ownGrid: Bool = false) {
        self.name = name
        self.role = role
        self.department = department
        self.inScope = inScope
        self.ownGrid = ownGrid
    }
}

/// The rules of the loop: who may take which step from which status, and what it changes.
/// Pure: the caller stores the new state and a history row.
public enum CaseWorkflow {
    /// The state after `action`, or why it is refused (forbidden: the role or scope; conflict:
    /// not in this status).
    public static func apply(_ action: CaseAction, to state: CaseState, by actor: CaseActor) throws(CaseError) -> CaseState {
        guard actor.inScope else {
            throw CaseError(.forbidden, "the case lies outside \(actor.name)'s region")
        }
        try authorize(action, state, actor)
        var s = state
        func require(_ statuses: CaseStatus...) throws(CaseError) {
            guard statuses.contains(state.status) else {
                throw CaseError(.conflict, "cannot \(action.name) a case that is \(state.status.rawValue)"
                                + " (allowed when \(statuses.map(\.rawValue).joined(separator: " or ")))")
            }
        }
        switch action {
        case .verify:
            try require(.reported)
            s.status = .verified
        case .void(let reason, let original):
            try require(.reported, .verified, .filed)
            if reason == .duplicate, original == nil { throw CaseError(.invalid, "a duplicate names the case it repeats") }
            s.status = .voided
        case .file:
            try require(.verified)
            s.status = .filed
        case .escalate(let to):
            try require(.filed)
            s.holder = .region(to)
            s.escalations += 1
        case .dispatch(let holder):
            try require(.filed)
            s.dispatchedFrom = state.holder?.code
            s.holder = holder
            s.status = .dispatched
        case .accept:
            try require(.dispatched)
            s.status = .accepted
        case .return:
            try require(.dispatched, .accepted)
            guard state.pending == nil else { throw CaseError(.conflict, "a request is waiting for the dispatcher: withdraw it by waiting for the answer") }
            s.status = .filed
            s.holder = state.dispatchedFrom.map(CaseHolder.region)
            s.returns += 1
        case .requestExtension(let limit):
            try require(.accepted)
            guard state.pending == nil else { throw CaseError(.conflict, "a request is already waiting") }
            s.pending = .extension(limit)
        case .requestSuspension:
            try require(.accepted)
            guard state.pending == nil else { throw CaseError(.conflict, "a request is already waiting") }
            s.pending = .suspension
        case .approve:
            try require(.accepted)
            guard let request = state.pending else { throw CaseError(.conflict, "no request is waiting") }
            s.pending = nil
            switch request {
            case .extension: s.extensions += 1
            case .suspension: s.status = .suspended
            }
        case .refuse:
            try require(.accepted)
            guard state.pending != nil else { throw CaseError(.conflict, "no request is waiting") }
            s.pending = nil
        case .resume:
            try require(.suspended)
            s.status = .accepted
        case .handle:
            try require(.accepted)
            guard state.pending == nil else { throw CaseError(.conflict, "a request is waiting for the dispatcher") }
            s.status = .handled
        case .pass:
            try require(.handled)
            s.status = .checked
        case .fail:
            try require(.handled)
            s.status = .dispatched
            s.reworks += 1
        case .close:
            try require(.checked)
            s.status = .closed
        case .supervise:
            guard state.status.isOpen, state.status.step != nil else {
                throw CaseError(.conflict, "cannot supervise a case that is \(state.status.rawValue)")
            }
            s.supervisions += 1
        case .recategorise:
            try require(.reported, .verified, .filed)
        case .assign(let member):
            try require(.reported, .handled)
            s.assignee = member
        case .rate:
            try require(.closed)
        case .reopen(let holder):
            try require(.closed)
            s.status = .dispatched
            s.holder = holder
            s.reworks += 1
        }
        if s.status != state.status { s.assignee = nil }
        return s
    }

    /// The roles that may take each step: grid staff verify and check in their own grids and
    /// where the dispatcher assigned them;
    /// the department holding a case accepts, returns, asks and hands in; the command centre
    /// (dispatcher) does the rest; an admin anything.
    static func authorize(_ action: CaseAction, _ state: CaseState, _ actor: CaseActor) throws(CaseError) {
        if actor.role == .admin { return }
        let allowed: Bool
        switch action {
        case .verify, .pass, .fail:
            allowed = actor.role == .dispatcher || actor.role == .member && (actor.ownGrid || state.assignee == actor.name)
        case .accept, .return, .requestExtension, .requestSuspension, .handle:
            allowed = holds(state, actor)
        case .resume:
            allowed = actor.role == .dispatcher || holds(state, actor)
        case .void, .file, .dispatch, .escalate, .approve, .refuse, .close, .supervise, .recategorise, .assign:
            allowed = actor.role == .dispatcher
        case .rate, .reopen:
            allowed = false  // the reporter's, taken by the system for them
        }
        guard allowed else { throw CaseError(.forbidden, "a \(actor.role.rawValue) may not \(action.name) this case") }
    }

    /// Whether the actor acts for the case's holder: the department itself, or the command
    /// centre for a region's desk (flat dispatch to a community or street).
    static func holds(_ state: CaseState, _ actor: CaseActor) -> Bool {
        switch state.holder {
        case .department(let code): actor.role == .department && actor.department == code
        case .region: actor.role == .dispatcher
        case nil: false
        }
    }
}
