import CivicGridModel
import Foundation
import GridGeometry
import GridStore

/// A new problem as reported: what, where, by whom.
public struct CaseReport: Sendable {
    /// A category code, or empty for the classifier to choose one from the description.
    public var category: String
    public var description: String
    public var location: Coordinate
    public var address: String?
    public var source: CaseSource
    public var reporter: Reporter
    /// Defaults to the category's.
    public var urgency: Urgency?
    /// A token the reporter can follow the case by (Open311).
    public var token: String?
    /// Photos sent with the report (their files stored already: `GridStore.savePhoto`).
    public var photos: [CasePhoto] = []
    /// A picture kept elsewhere (Open311's `media_url`): an http(s) address.
    public var mediaURL: String?
    /// A public facility's code: the case takes its category and location.
    public var facility: String?
    /// The location is the reporter's home (and so personal); the public sees `publicLocation`.
    public var locatedAtHome = false
    public var publicLocation: Coordinate?
    /// Set when the classifier chose the category: how sure it was, and whether it was too
    /// unsure to choose (then the case is a resident's request a person must categorise).
    public var categoryConfidence: Double?
    public var needsCategory = false
    /// Located nowhere (a message naming no known place): held at this district's desk,
    /// counted in no grid, community or street.
    public var unlocatedIn: String?

    public init(category: String, description: String, location: Coordinate, address: String? = nil, source: CaseSource,
                reporter: Reporter = Reporter(), urgency: Urgency? = nil, token: String? = nil) {
        self.token = token
        self.category = category
        self.description = description
        self.location = location
        self.address = address
        self.source = source
        self.reporter = reporter
        self.urgency = urgency
    }
}

/// The case loop over the store: intake, every step of `CaseWorkflow` with its deadlines on
/// the working calendar, in one transaction each, with a history row for every change.
public struct CaseDesk: Sendable {
    let store: GridStore
    /// The clock (tests set it).
    public var now: @Sendable () -> Date = { Date() }

    public init(store: GridStore) {
        self.store = store
    }

    /// Files a new case where it lies: in its published grid, at its community's desk.
    /// Reports by grid staff and the command centre are verified as they are made.
    public func report(_ r: CaseReport, by account: Account?) throws(CaseError) -> CaseRecord {
        try intake(r, by: account).record
    }

    /// `report`, saying whether the report was a repeat attached to an open case.
    public func intake(_ r: CaseReport, by account: Account?) throws(CaseError) -> Intake {
        let r = try Self.validated(r)
        let at = now()
        return try transaction { w throws in try Self.intake(r, by: account, at: at, in: w) }
    }

    /// What intake made of a report: a new case, or the open case it repeats.
    public struct Intake: Sendable {
        public var record: CaseRecord
        /// The report repeated an open case of its reporter (same phone, category and place):
        /// attached to it as a follow-up, not filed again.
        public var repeated: Bool

        public init(record: CaseRecord, repeated: Bool) {
            self.record = record
            self.repeated = repeated
        }
    }

    /// Sources the public reports through, whose repeats attach to the open case.
    static let publicSources: Set<CaseSource> = [.sms, .open311, .publicWeb, .hotline]

    /// The report with its description trimmed, or why it is refused (nothing stored yet).
    public static func validated(_ r: CaseReport) throws(CaseError) -> CaseReport {
        var r = r
        r.description = r.description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !r.description.isEmpty, r.description.count <= 2000 else { throw CaseError(.invalid, "description: 1 to 2000 characters") }
        guard r.location.x.isFinite, r.location.y.isFinite, abs(r.location.x) <= 180, abs(r.location.y) <= 90 else {
            throw CaseError(.invalid, "location: longitude within ±180 and latitude within ±90")
        }
        if let a = r.address, a.count > 200 { throw CaseError(.invalid, "address: at most 200 characters") }
        if let m = r.mediaURL {
            guard m.count <= 2000, let url = URL(string: m), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
                throw CaseError(.invalid, "media_url: an http or https address of at most 2000 characters")
            }
        }
        for text in [r.reporter.name, r.reporter.phone].compactMap({ $0 }) where text.count > 100 {
            throw CaseError(.invalid, "reporter name and phone: at most 100 characters")
        }
        return r
    }

    /// `report` inside `w`, for a validated report: the account's scope checked, the case filed
    /// — or, for a public reporter's repeat of their open case, attached to it — and, for a
    /// category the catalogue dispatches automatically from this source, verified, filed and
    /// dispatched on its route by `routing`.
    public static func intake(_ report: CaseReport, by account: Account?, at: Date, in w: StoreWriter) throws -> Intake {
        var r = report
        var facility: Facility?
        if let code = r.facility {
            guard let f = try w.reader.facility(code: code) else { throw CaseError(.invalid, "no facility \(code)") }
            (r.category, r.location, facility) = (f.category, f.location, f)
        }
        if let account, let root = account.region {
            let place = try w.reader.place(of: r.location)
            if let desk = place.desks.first, try !w.reader.isRegion(desk, under: root) {
                throw CaseError(.forbidden, "the location lies outside \(account.name)'s region")
            }
        }
        r = try categorised(r, in: w.reader)
        // A resident's repeat (no account: grid staff and the hotline's operators judge their own).
        if account == nil, publicSources.contains(r.source), let phone = r.reporter.phone, facility == nil {
            let place = try r.unlocatedIn.map { CasePlace(grid: nil, community: nil, street: nil, district: $0) } ?? w.reader.place(of: r.location)
            if let number = try w.reader.openCase(reportedBy: phone, category: r.category, place: place), let open = try w.reader.case(number: number) {
                try w.addFollowUp(case: open, source: r.source.rawValue, text: r.description, at: at)
                return Intake(record: try w.reader.case(number: number) ?? open, repeated: true)
            }
        }
        let verified = account.map { [.member, .dispatcher, .admin].contains($0.role) } ?? false
        // Grid staff's own reports are theirs (counted for them in the assessment).
        if let account, account.role == .member { r.reporter.account = account.id }
        var record = try file(r, number: nil, actor: account?.name ?? r.source.rawValue, verified: verified, at: at, in: w)
        if let id = record.id, let fid = facility?.id { try w.link(case: id, facility: fid) }
        record = try dispatchAutomatically(record, r, at: at, in: w)
        return Intake(record: record, repeated: false)
    }

    /// A classifier's category is trusted to dispatch on its own from this confidence up.
    public static let automaticConfidence = 0.7

    /// The loop's first steps taken by the system for a located report whose category the
    /// catalogue dispatches automatically from its source (and, chosen by the classifier, with
    /// `automaticConfidence` at least): verified, filed and dispatched on its route, the
    /// history saying why. Otherwise the case as it is.
    static func dispatchAutomatically(_ c: CaseRecord, _ r: CaseReport, at: Date, in w: StoreWriter) throws -> CaseRecord {
        guard r.unlocatedIn == nil, !r.needsCategory, (r.categoryConfidence ?? 1) >= automaticConfidence,
              let category = try w.reader.category(code: c.category), category.autoDispatch.contains(r.source) else { return c }
        let route = try route(for: c, in: w.reader)
        guard let department = route.department else { return c }
        let system = CaseActor(name: "routing", role: .admin, inScope: true)
        let why = "automatic for \(category.code) \(category.name) from \(r.source.rawValue)"
            + (r.categoryConfidence.map { String(format: " (category read from the words, confidence %.2f)", $0) } ?? "")
        var record = c
        if record.state.status == .reported { record = try step(.verify, on: record, by: system, note: why, at: at, in: w, notify: true) }
        record = try step(.file, on: record, by: system, note: why, at: at, in: w, notify: true)
        return try step(.dispatch(.department(department)), on: record, by: system, note: "route: " + route.why, at: at, in: w, notify: true)
    }

    /// Imports public facilities (GeoJSON points with `code`, `category` — a facility category
    /// of the catalogue —, `status` intact|damaged|lost, `department`?): every feature checked,
    /// all written in one transaction or none; every refused feature named by its index.
    public func importFacilities(_ features: [Feature]) throws(CaseError) -> Int {
        try transaction { w throws in
            let r = w.reader
            let categories = Dictionary(try r.categories().map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
            let departments = Set(try r.departments().map(\.code))
            var refused: [String] = [], codes: [String: Int] = [:], made: [Facility] = []
            for (i, f) in features.enumerated() {
                func string(_ k: String) -> String? { if case .string(let s)? = f.properties[k] { s } else { nil } }
                var why: [String] = []
                guard case .point(let p)? = f.geometry else { refused.append("feature \(i): a facility is a point"); continue }
                let code = string("code") ?? ""
                if code.isEmpty || code.count > 64 { why.append("code: 1 to 64 characters") }
                if let earlier = codes[code] { why.append("code \(code) also feature \(earlier)") }
                codes[code] = i
                if try r.facility(code: code) != nil { why.append("code \(code) exists already") }
                let category = categories[string("category") ?? ""]
                if category == nil { why.append("category \(string("category") ?? ""): not in the catalogue") } else if category?.kind != .facility { why.append("category \(category?.code ?? ""): not a facility category") }
                let status = FacilityStatus(rawValue: string("status") ?? "intact")
                if status == nil { why.append("status: intact, damaged or lost") }
                let department = string("department")
                if let d = department, !departments.contains(d) { why.append("department \(d): none such") }
                let place = try r.place(of: p)
                if place.desks.isEmpty { why.append("outside every region of the jurisdiction") }
                guard why.isEmpty, let category, let status else { refused.append("feature \(i): " + why.joined(separator: "; ")); continue }
                made.append(Facility(code: code, category: category.code, status: status, department: department ?? category.department, location: p, place: place))
            }
            guard refused.isEmpty else {
                throw CaseError(.invalid, refused.joined(separator: "\n") + "\nrefused \(refused.count) of \(features.count) facilities; nothing was written")
            }
            for f in made { try w.insert(f) }
            return made.count
        }
    }

    /// A new case in `w`: where it lies, numbered by day unless `number` is given, its first
    /// step's clock started, stored with its first history row.
    public static func file(_ report: CaseReport, number given: String?, actor: String, verified: Bool, at: Date, in w: StoreWriter) throws -> CaseRecord {
        let reader = w.reader
        let r = try categorised(report, in: reader)
        guard let category = try reader.category(code: r.category) else { throw CaseError(.invalid, "no category \(r.category)") }
        let place = try r.unlocatedIn.map { CasePlace(grid: nil, community: nil, street: nil, district: $0) } ?? reader.place(of: r.location)
        guard let desk = place.desks.first else { throw CaseError(.invalid, "the location lies outside every region of the jurisdiction") }
        let state = CaseState(status: verified ? .verified : .reported, holder: .region(desk))
        let calendar = try reader.calendar()
        let number: String
        if let given {
            guard try reader.case(number: given) == nil else { throw CaseError(.conflict, "case \(given) exists already") }
            number = given
            try w.noteCaseNumber(given)
        } else {
            number = try w.nextCaseNumber(day: calendar.day(of: at).description.replacingOccurrences(of: "-", with: ""))
        }
        var record = CaseRecord(number: number, category: category.code, urgency: r.urgency ?? category.urgency, description: r.description,
                                source: r.source, location: r.location, address: r.address, place: place, reporter: r.reporter,
                                state: state, stepStarted: nil, due: nil, token: r.token, createdAt: at, updatedAt: at,
                                locatedAtHome: r.locatedAtHome, publicLocation: r.publicLocation,
                                categoryConfidence: r.categoryConfidence, needsCategory: r.needsCategory)
        record.mediaURL = r.mediaURL
        startStep(&record, category, calendar, at)
        record.id = try w.insert(record, event: CaseEvent(at: at, actor: actor, action: "report", from: nil, to: state.status, holder: desk, note: nil))
        try w.attach(r.photos, toLatestStepOf: record)
        return record
    }

    /// Takes one step on a case as `account`, if the case is still at `version` (nil: no
    /// check; the HTTP API always asks for one).
    public func act(_ action: CaseAction, on number: String, by account: Account, version: Int?, note: String? = nil,
                    photos: [CasePhoto] = []) throws(CaseError) -> CaseRecord {
        if let note, note.count > 2000 { throw CaseError(.invalid, "note: at most 2000 characters") }
        let at = now()
        return try transaction { w throws in
            let reader = w.reader
            guard let record = try reader.case(number: number) else { throw CaseError(.notFound, "no case \(number)") }
            guard let desk = record.place.desks.first else { throw CaseError(.conflict, "case \(number) lies outside every region") }
            let actor = CaseActor(name: account.name, role: account.role, department: account.department,
                                  inScope: try reader.isRegion(desk, under: account.region),
                                  ownGrid: try record.place.grid.map { try reader.isMemberGrid(account: account.id, grid: $0) } ?? false)
            if let version, version != record.version { throw CaseError(.precondition, "case \(number) is at version \(record.version), not \(version): reload it") }
            try Self.checkPersonalStep(action, on: record, by: account, note: note, in: reader)
            let after = try Self.step(action, on: record, by: actor, note: note, at: at, in: w, notify: true)
            try w.attach(photos, toLatestStepOf: after)
            return after
        }
    }

    /// Whether `department` is off a case's route: neither its route nor a department that
    /// handles its category.
    static func isOffRoute(_ department: String, _ c: CaseRecord, _ category: CaseCategory, in r: StoreReader) throws -> Bool {
        guard let d = try r.department(code: department), !d.handles(category), category.department != department else { return false }
        return try route(for: c, in: r).department != department
    }

    /// What a person's step may name and who may take it, beyond the workflow's roles.
    /// Separation of duties: a dispatcher sends a case only to desks in its own subtree
    /// (escalating is how a case goes up), and whoever handed a case in as handled never checks
    /// it (pass or fail) — an admin neither, and a desk that handled its own case needs another
    /// account to check it. A duplicate's original must be a case the account may read: one
    /// outside its region is refused exactly as one that does not exist.
    static func checkPersonalStep(_ action: CaseAction, on record: CaseRecord, by account: Account, note: String?, in reader: StoreReader) throws {
        switch action {
        case .void(.duplicate, let original?):
            guard let desk = try reader.case(number: original)?.place.desks.first, try reader.isRegion(desk, under: account.region) else {
                throw CaseError(.invalid, "no other case \(original)")
            }
        case .dispatch(.region(let code)):
            guard try reader.isRegion(code, under: account.region) else {
                throw CaseError(.forbidden, "\(account.name) works in \(account.region ?? ""): \(code) is above it, so may not dispatch there (escalate instead)")
            }
        case .dispatch(.department(let code)):
            // Off the route, the dispatcher says why (it counts against accurate dispatch).
            if let category = try reader.category(code: record.category), try isOffRoute(code, record, category, in: reader),
               (note ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                let route = try route(for: record, in: reader)
                throw CaseError(.invalid, "\(code) does not handle \(category.code) \(category.name)\(route.department.map { " (its route: \($0))" } ?? ""): give the reason in note")
            }
        case .assign(let name):
            // Grid staff whose region holds the case (grid staff never handle one: the check
            // stays separate).
            guard let member = try reader.account(name: name), member.role == .member else { throw CaseError(.invalid, "no grid staff member \(name)") }
            guard let desk = record.place.desks.first, try reader.isRegion(desk, under: member.region) else {
                throw CaseError(.invalid, "\(name) works in \(member.region ?? ""): case \(record.number) lies outside it")
            }
        case .pass, .fail:
            if try reader.history(case: record.number).last(where: { $0.action == CaseAction.handle.name })?.actor == account.name {
                throw CaseError(.forbidden, "\(account.name) handled case \(record.number): another account checks it")
            }
        default:
            break
        }
    }

    /// One step on a stored case in `w`: the targets checked, the workflow applied, deadlines
    /// moved, the row and a history row written (and the outbox, with `notify`).
    public static func step(_ action: CaseAction, on current: CaseRecord, by actor: CaseActor, note: String?, at: Date, in w: StoreWriter,
                     notify: Bool) throws -> CaseRecord {
        let reader = w.reader
        var record = current
        let number = record.number
        guard let desk = record.place.desks.first else { throw CaseError(.conflict, "case \(number) lies outside every region") }
        guard let category = try reader.category(code: record.category) else { throw CaseError(.conflict, "case \(number)'s category \(record.category) is gone") }
        let before = record.state
        var offRoute = false
        // The targets a step names must exist and fit.
        switch action {
        case .dispatch(.department(let code)):
            guard let d = try reader.department(code: code) else { throw CaseError(.invalid, "no department \(code)") }
            if let root = d.region, try !reader.isRegion(desk, under: root) { throw CaseError(.invalid, "department \(code) does not serve \(desk)") }
            offRoute = try Self.isOffRoute(code, record, category, in: reader)
        case .dispatch(.region(let code)), .escalate(to: let code):
            guard try reader.region(code: code) != nil, record.place.desks.contains(code) else {
                throw CaseError(.invalid, "\(code) is not a desk over this case (\(record.place.desks.joined(separator: ", ")))")
            }
        case .void(.duplicate, let original?):
            guard original != number, try reader.case(number: original) != nil else { throw CaseError(.invalid, "no other case \(original)") }
            record.duplicateOf = original
        default: break
        }
        record.state = try CaseWorkflow.apply(action, to: before, by: actor)
        let calendar = try reader.calendar()
        var detail = action.detail
        if offRoute { detail["off_route"] = "true" }
        if case .recategorise(let code) = action {
            guard code != category.code else { throw CaseError(.invalid, "case \(number) is under \(code) already") }
            guard let next = try reader.category(code: code) else { throw CaseError(.invalid, "no category \(code)") }
            detail["from"] = category.code
            // A person chose: the classifier's guess and its flag go; the step keeps its start
            // and takes the new category's limit (re-filing gains no time).
            (record.category, record.urgency, record.categoryConfidence, record.needsCategory) = (next.code, next.urgency, nil, false)
            record.due = record.stepStarted.flatMap { started in
                record.state.status.step.flatMap { next.limits[$0] }.flatMap { calendar.deadline(from: started, limit: $0) }
            }
        }
        time(&record, action, before, category, calendar, at)
        record.updatedAt = at
        if record.state.status.isOpen { record.closedAt = nil } else if before.status.isOpen { record.closedAt = at }
        let from = record.version
        record.version += 1
        let event = CaseEvent(at: at, actor: actor.name, action: action.name, from: before.status, to: record.state.status,
                              holder: record.state.holder?.code, note: note, detail: detail)
        guard try w.update(record, from: from, event: event) else { throw CaseError(.precondition, "case \(number) changed meanwhile: reload it") }
        if notify {
            try Self.notify(w, record, event, previous: before.holder)
            // The reporter hears of it the way they reported (the gateway sends an SMS).
            try ReporterNotices.tell(w, &record, action, note: note, at: at)
        }
        return record
    }

    /// Where a case goes and why (`Routing.route`): the routing rules, the catalogue's
    /// department, or one that handles the category where the case lies.
    public func route(_ number: String) throws(CaseError) -> CaseRoute? {
        try read { r throws in try r.case(number: number).map { try Self.route(for: $0, in: r) } }
    }

    /// `route` for a case in hand.
    public static func route(for c: CaseRecord, in r: StoreReader) throws -> CaseRoute {
        guard let category = try r.category(code: c.category) else { return CaseRoute(department: nil, why: "category \(c.category) is not in the catalogue") }
        let chain = try c.place.desks.first.map { try r.regionChain($0) } ?? []
        return Routing.route(category: category, chain: chain, departments: try r.departments(), rules: try r.routingRules())
    }

    /// The department of `route`, if any.
    public static func department(for c: CaseRecord, in r: StoreReader) throws -> String? {
        try route(for: c, in: r).department
    }

    /// Open cases of the same category near a case (within the category's radius): the
    /// duplicates the dispatcher is offered.
    public func duplicates(of number: String) throws(CaseError) -> [(number: String, metres: Double)] {
        try read { r throws in
            guard let c = try r.case(number: number), let category = try r.category(code: c.category) else { return [] }
            return try r.openCases(category: c.category, near: c.location, radius: category.duplicateRadius, excluding: number)
        }
    }

    /// The supervision sweep (督办): a case whose step is overdue is supervised once and given
    /// the step's limit again; overdue a second time in the same step it is escalated — a case
    /// at a desk goes to the desk one level up, a case with a department comes under the
    /// supervision of the level above the desk that dispatched it — and its clock restarts.
    /// Returns the cases supervised and escalated.
    @discardableResult
    public func superviseOverdue() throws(CaseError) -> (supervised: [String], escalated: [String]) {
        let at = now()
        let due = try read { try $0.overdueCases(at: at) }
        var supervised: [String] = [], escalated: [String] = []
        for number in due {
            try transaction { w throws in
                guard let c = try w.reader.case(number: number), let (_, event) = try Self.supervise(c, at: at, in: w) else { return }
                if event.action == "escalate" { escalated.append(number) } else { supervised.append(number) }
            }
        }
        return (supervised, escalated)
    }

    /// The triage sweep: a new case no person has acted on that has waited at a desk longer
    /// than its level's limit for its urgency (`civicgrid triage import`) goes one desk up —
    /// community, street, district —, recorded as `escalate` by `triage`; its step's deadline
    /// stands. So an urgent report no one picks up reaches the district within the configured
    /// time. Returns the cases moved.
    @discardableResult
    public func triageUntouched() throws(CaseError) -> [String] {
        let at = now()
        let (limits, calendar) = try read { r throws in (try r.triageLimits(), try r.calendar()) }
        guard !limits.isEmpty else { return [] }
        let waiting = try read { try $0.untouchedAtDesks(changedBefore: at) }
        var moved: [String] = []
        for (number, level, since) in waiting {
            guard let limit = limits[level]?[try read { try $0.case(number: number)?.urgency } ?? .normal],
                  let due = calendar.deadline(from: since, limit: limit), due <= at else { continue }
            try transaction { w throws in
                guard var c = try w.reader.case(number: number), c.updatedAt == since, case .region(let desk)? = c.state.holder,
                      let i = c.place.desks.firstIndex(of: desk), i + 1 < c.place.desks.count else { return }
                let next = c.place.desks[i + 1], previous = c.state.holder, version = c.version
                c.state.holder = .region(next)
                c.state.escalations += 1
                c.updatedAt = at
                c.version += 1
                let names = try w.reader.region(code: desk)?.name ?? desk, upper = try w.reader.region(code: next)?.name ?? next
                let event = CaseEvent(at: at, actor: "triage", action: "escalate", from: c.state.status, to: c.state.status, holder: next,
                                      note: "\(names)受理台\(limit.chinese)内无人处理，上移至\(upper)", detail: ["to": next])
                guard try w.update(c, from: version, event: event) else { return }  // changed meanwhile: the next sweep looks again
                try Self.notify(w, c, event, previous: previous)
                try ReporterNotices.alertDuty(w, c, event)
                moved.append(number)
            }
        }
        return moved
    }

    /// The sweep's work on one case in `w`, if it is overdue at `at`: supervised, or escalated
    /// when it was supervised already in this step; stored with its history row and queued.
    public static func supervise(_ current: CaseRecord, at: Date, in w: StoreWriter) throws -> (CaseRecord, CaseEvent)? {
        let r = w.reader
        var c = current
        guard c.isOverdue(at: at), let step = c.state.status.step, let category = try r.category(code: c.category) else { return nil }
        let calendar = try r.calendar()
        let already = try r.history(case: c.number).contains { $0.action == "supervise" && $0.at >= (c.stepStarted ?? .distantPast) }
        let before = c.state.status, version = c.version
        let note: String
        if !already {
            c.state.supervisions += 1
            note = "\(step.chinese)超期（期限\(calendar.localText(c.due ?? at))），已督办"
            c.due = category.limits[step].flatMap { calendar.deadline(from: at, limit: $0) }
        } else {
            c.state.escalations += 1
            let desks = c.place.desks
            switch c.state.holder {
            case .region(let desk)?:
                if let i = desks.firstIndex(of: desk), i + 1 < desks.count { c.state.holder = .region(desks[i + 1]) }
            default:
                if let from = c.state.dispatchedFrom, let i = desks.firstIndex(of: from), i + 1 < desks.count { c.state.dispatchedFrom = desks[i + 1] }
            }
            let up = c.state.holder.map { if case .region(let d) = $0 { d } else { c.state.dispatchedFrom ?? "" } } ?? ""
            note = "\(step.chinese)督办后再次超期，已升级至\(try r.region(code: up)?.name ?? up)"
            Self.startStep(&c, category, calendar, at)
        }
        c.updatedAt = at
        c.version += 1
        let event = CaseEvent(at: at, actor: "supervision", action: already ? "escalate" : "supervise", from: before, to: c.state.status,
                              holder: c.state.holder?.code, note: note)
        guard try w.update(c, from: version, event: event) else { return nil }  // changed meanwhile: the next sweep looks again
        try Self.notify(w, c, event, previous: c.state.holder)
        try ReporterNotices.alertDuty(w, c, event)
        return (c, event)
    }

    /// A resident's text message: located by the sender's household when the phone is in
    /// the records, else by a building address or region name in the text, else at the
    /// district's triage desk; under `category`, or (empty) the one the classifier reads in the
    /// text, until the dispatcher recategorises it.
    /// Returns the case and the acknowledgement the gateway sends back.
    public func reportSMS(from phone: String, text: String, category: String = "") throws(CaseError) -> (CaseRecord, reply: String) {
        let done = try intake(try smsReport(from: phone, text: text, category: category), by: nil)
        return (done.record, Self.smsReply(done))
    }

    /// The report a text message makes, located as `reportSMS` says.
    public func smsReport(from phone: String, text: String, category: String = "") throws(CaseError) -> CaseReport {
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else { throw CaseError(.invalid, "the message is empty") }
        guard phone.count <= 32, phone.allSatisfy({ $0.isNumber || $0 == "+" || $0 == "-" }) else { throw CaseError(.invalid, "from: a phone number") }
        // Found from the sender's home, the point is personal: the public is shown the home
        // grid's label point instead (a noise complaint must not say which building it came from).
        let (location, home, shown, unlocated): (Coordinate?, Bool, Coordinate?, String?) = try read { r throws in
            if let home = try r.homeOf(phone: phone) { return (home, true, try r.place(of: home).grid.flatMap { try r.gridLabel(code: $0) }, nil) }
            if let named = try r.placeNamed(in: body) { return (named, false, nil, nil) }
            // Named nowhere: the district's desk holds it, at no place of the map.
            let district = try r.regions(level: .district).first
            return (district?.geometry.pointInside, false, nil, district?.code)
        }
        guard let location else { throw CaseError(.invalid, "no district to take the message") }
        var report = CaseReport(category: category, description: String(body.prefix(2000)), location: location, source: .sms, reporter: Reporter(phone: phone))
        report.locatedAtHome = home
        report.publicLocation = shown
        report.unlocatedIn = unlocated
        return report
    }

    /// How long after closing a reporter may still rate a case.
    public static let ratingWindow: TimeInterval = 7 * 86_400

    /// A reporter's rating by SMS (`1`, `2`, `3` or the words): recorded on the sender's latest
    /// case closed in the last seven days and not yet rated; 不满意 reopens it to whoever
    /// handled it, once (a second 不满意 is recorded, nothing more). nil when the text is no
    /// rating or the sender has no such case (then it is a message like any other).
    public func rate(from phone: String, text: String) throws(CaseError) -> (CaseRecord, reply: String)? {
        guard let rating = Satisfaction(reply: text) else { return nil }
        let at = now()
        return try transaction { w throws -> (CaseRecord, String)? in
            guard let number = try w.reader.latestRateable(phone: phone, closedSince: at.addingTimeInterval(-Self.ratingWindow)) else { return nil }
            return try Self.rate(number, rating, at: at, in: w)
        }
    }

    /// A rating with the case's own token (the Open311 reporter's, the tracking page's): the
    /// case must be closed in the last seven days and not rated since; then as by SMS.
    public func rate(token: String, rating: Satisfaction) throws(CaseError) -> (CaseRecord, reply: String) {
        let at = now()
        return try transaction { w throws -> (CaseRecord, String) in
            guard let c = try w.reader.case(token: token) else { throw CaseError(.notFound, "no case has this token") }
            guard try w.reader.rateable(c.number, closedSince: at.addingTimeInterval(-Self.ratingWindow)) else {
                throw CaseError(.conflict, c.state.status == .closed
                    ? "case \(c.number) was rated already, or closed more than 7 days ago"
                    : "case \(c.number) is not closed: it can be rated once it is")
            }
            return try Self.rate(c.number, rating, at: at, in: w)
        }
    }

    /// The rating recorded on a closed case in `w`, and 不满意's one reopening.
    static func rate(_ number: String, _ rating: Satisfaction, at: Date, in w: StoreWriter) throws -> (CaseRecord, reply: String) {
        let r = w.reader
        guard let closed = try r.case(number: number) else { throw CaseError(.notFound, "no case \(number)") }
        let system = CaseActor(name: "reporter", role: .admin, inScope: true)
        var c = try Self.step(.rate(rating), on: closed, by: system, note: nil, at: at, in: w, notify: true)
        let history = try r.history(case: number)
        var reply = "感谢您的评价（编号\(number)：\(rating.chinese)）。Thank you: case \(number) rated \(rating.rawValue)."
        if rating == .dissatisfied, !history.contains(where: { $0.action == "reopen" }),
           let last = history.last(where: { $0.action == "dispatch" }) {
            let holder: CaseHolder = last.detail["department"].map(CaseHolder.department) ?? .region(last.detail["region"] ?? number)
            c = try Self.step(.reopen(to: holder), on: c, by: system, note: "不满意：重新办理 (the reporter was not satisfied)", at: at, in: w, notify: true)
            reply = "您的不满意评价已收到，编号\(number)已重新交办理单位处理。Case \(number) was reopened for the handler."
        }
        return (c, reply)
    }

    /// The acknowledgement the gateway sends back: the new case's number, or the open case a
    /// repeat was attached to.
    public static func smsReply(_ done: Intake) -> String {
        let n = done.record.number
        return done.repeated
            ? "您反映的问题正在处理中（编号\(n)），您的补充已记录，无需重复反映。Already being handled: case \(n); your message was added to it."
            : "您反映的问题已受理，编号\(n)。Received: case \(n)."
    }

    // MARK: Events out

    /// Queues the event for the department that holds the case after it, and for the one
    /// that held it before if that was another (a return): in the same transaction as the
    /// change, so that none is lost and none is sent for a change that did not happen. The
    /// body carries no reporter.
    static func notify(_ w: StoreWriter, _ c: CaseRecord, _ e: CaseEvent, previous: CaseHolder?) throws {
        var departments: [String] = []
        for holder in [c.state.holder, previous] {
            if case .department(let code)? = holder, !departments.contains(code) { departments.append(code) }
        }
        for department in departments {
            try w.enqueue(department: department, case: c.number, body: { id in
                var o: [String: Any] = ["id": id, "case": c.number, "action": e.action, "status": c.state.status.rawValue,
                                        "at": StoreTime.text(e.at), "category": c.category, "urgency": c.urgency.rawValue,
                                        "description": c.description, "location": [c.location.x, c.location.y], "version": c.version]
                if let from = e.from { o["from"] = from.rawValue }
                if let h = c.state.holder { o["holder"] = h.code }
                if let due = c.due { o["due"] = StoreTime.text(due) }
                if let note = e.note { o["note"] = note }
                if let address = c.address { o["address"] = address }
                let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
                return String(decoding: data, as: UTF8.self)
            }, at: e.at)
        }
    }

    // MARK: Timing

    /// The clock of the step the case waits on starts now.
    static func startStep(_ c: inout CaseRecord, _ category: CaseCategory, _ calendar: WorkingCalendar, _ at: Date) {
        c.stepStarted = at
        c.due = c.state.status.step.flatMap { category.limits[$0] }.flatMap { calendar.deadline(from: at, limit: $0) }
    }

    /// Deadlines after a step: a new step starts its clock; an approved extension adds its
    /// working time to the deadline; a suspension stops the clock and resuming restarts it with
    /// the working time that was left.
    static func time(_ c: inout CaseRecord, _ action: CaseAction, _ before: CaseState, _ category: CaseCategory, _ calendar: WorkingCalendar, _ at: Date) {
        switch action {
        case .approve:
            if case .extension(let limit)? = before.pending, let due = c.due {
                c.due = calendar.deadline(from: max(due, at), limit: limit)
            } else if c.state.status == .suspended {
                c.stepStarted = at  // the clock stopped here; `due` keeps the deadline it had
            }
        case .resume:
            let left = c.stepStarted.flatMap { s in c.due.map { calendar.workingSeconds(from: s, to: $0) } } ?? 0
            c.stepStarted = at
            c.due = left > 0 ? calendar.deadline(from: at, limit: .workingHours(left / 3600)) : at
        case .supervise, .requestExtension, .requestSuspension, .refuse, .accept, .recategorise, .assign, .rate:
            break
        default:
            if c.state.status != before.status || c.state.holder != before.holder { startStep(&c, category, calendar, at) }
        }
        if !c.state.status.isOpen { c.due = nil }
    }

    // MARK: Store

    @discardableResult
    private func transaction<T>(_ body: (StoreWriter) throws -> T) throws(CaseError) -> T {
        do {
            return try store.write(body)
        } catch let e as CaseError {
            throw e
        } catch {
            throw CaseError(.store, "\(error)")
        }
    }

    func read<T>(_ body: (StoreReader) throws -> T) throws(CaseError) -> T {
        do {
            return try store.read(body)
        } catch let e as CaseError {
            throw e
        } catch {
            throw CaseError(.store, "\(error)")
        }
    }
}
