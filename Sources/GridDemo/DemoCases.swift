import CivicGridModel
import Foundation
import GridCases
import GridGeometry
import GridStore

/// A deterministic history of cases for the demo district: reports from every source spread
/// over months (grid staff in working hours, residents mostly by day), each run through the
/// loop by the people who would act — the command centre verifies, files and dispatches,
/// departments accept and hand in, grid staff check — with returns, extensions,
/// suspensions, reworks, duplicates merged, escalations up the desks, and late steps the
/// supervision sweep catches as it would have. Cases reported near the end are still open.
/// Every step goes through `CaseDesk`, so the store holds what the workflow allows.
public struct DemoCases: Sendable {
    public var seed: UInt64 = 2026
    public var count = 20_000
    /// Local midnight ending the history (the calendar's UTC offset): 2026-11-30.
    public var end: Day = Day("2026-11-30")!
    public var days = 183

    public init() {}

    /// What was made.
    public struct Summary: Sendable, CustomStringConvertible {
        public var cases = 0
        public var bySource: [CaseSource: Int] = [:]
        public var byStatus: [CaseStatus: Int] = [:]
        public var returns = 0, extensions = 0, suspensions = 0, reworks = 0, escalations = 0, supervisions = 0, duplicates = 0

        public var description: String {
            let sources = CaseSource.allCases.map { "\($0.rawValue) \(bySource[$0, default: 0])" }.joined(separator: ", ")
            let statuses = CaseStatus.allCases.filter { byStatus[$0] != nil }.map { "\($0.rawValue) \(byStatus[$0, default: 0])" }.joined(separator: ", ")
            return "\(cases) cases (\(sources))\nstatus: \(statuses)\nreturns \(returns), extensions \(extensions), suspensions \(suspensions), "
                + "reworks \(reworks), escalations \(escalations), supervisions \(supervisions), duplicates merged \(duplicates)"
        }
    }

    private struct Intake {
        var at: Date
        var source: CaseSource
        var category: CaseCategory
        var building: Int
        var duplicate: Bool
    }

    /// Files the cases into `store` (which holds the district, a published plan and the case
    /// catalogue), in one transaction: all or nothing; `progress` gets (done, total).
    public func generate(into store: GridStore, progress: (Int, Int) -> Void = { _, _ in }) throws -> Summary {
        let (categories, calendar, buildings) = try store.read { r in (try r.categories(), try r.calendar(), try r.buildings()) }
        guard !categories.isEmpty else { throw CaseError(.precondition, "no case categories: import Data/cases/categories.csv first") }
        guard !buildings.isEmpty else { throw CaseError(.precondition, "no buildings: load the demo district first") }
        let start = calendar.midnight(of: Day(number: end.number - days)), stop = calendar.midnight(of: end)
        var rng = SeededRandom(seed: seed)
        let intakes = plan(&rng, categories, calendar, buildings.map(\.households), from: start)
        var summary = Summary()
        var recent: [(number: String, category: String, location: Coordinate, at: Date)] = []
        try store.write { w in
            for (done, intake) in intakes.enumerated() {
                var life = CaseLife(rng: rng, calendar: calendar, end: stop, w: w)
                let building = buildings[intake.building]
                var original: (number: String, category: String, location: Coordinate, at: Date)?
                if intake.duplicate {
                    original = recent.last { intake.at.timeIntervalSince($0.at) < 6 * 3600 }
                }
                let category = original.flatMap { o in categories.first { $0.code == o.category } } ?? intake.category
                let location = life.jitter(original?.location ?? building.label, metres: original == nil ? 15 : 10)
                let made = try life.run(intake.source, category, location, building.address, intake.at, duplicateOf: original?.number)
                rng = life.rng
                if (done + 1) % 500 == 0 || done + 1 == intakes.count { progress(done + 1, intakes.count) }
                guard let c = made else { continue }
                recent.append((c.number, c.category, c.location, c.createdAt))
                if recent.count > 400 { recent.removeFirst(100) }
                summary.count(c, duplicate: original != nil)
                if life.suspended { summary.suspensions += 1 }
            }
        }
        return summary
    }

    /// When, from where, what and where each case is reported, in time order.
    private func plan(_ rng: inout SeededRandom, _ categories: [CaseCategory], _ calendar: WorkingCalendar, _ households: [Int],
                      from start: Date) -> [Intake] {
        let sources: [(CaseSource, Double)] = [(.gridStaff, 0.52), (.sms, 0.12), (.open311, 0.10), (.hotline, 0.10), (.publicWeb, 0.08),
                                               (.video, 0.06), (.referral, 0.02)]
        let categoryWeights = categories.map { c in (c.kind == .event ? 2.0 : 1.0) * (c.urgency == .emergency ? 0.2 : 1) }
        let buildingWeights = households.map { Double(max($0, 1)) }
        let pickCategory = Weighted(categoryWeights), pickBuilding = Weighted(buildingWeights), pickSource = Weighted(sources.map(\.1))
        var intakes: [Intake] = []
        intakes.reserveCapacity(count)
        for _ in 0..<count {
            let source = sources[pickSource.pick(&rng)].0
            var day = Day(number: 0), minute = 0
            repeat {
                day = Day(number: end.number - days + rng.int(0...(days - 1)))
                switch source {
                case .gridStaff, .hotline, .referral:  // on duty: working periods, some weekend patrols
                    let p = rng.pick(calendar.periods)
                    minute = rng.int(p.start...(p.end - 1))
                case .open311, .publicWeb, .sms, .video:  // residents and cameras: mostly by day
                    minute = rng.chance(0.9) ? rng.int(420...1379) : rng.int(0...1439)
                }
            } while source == .gridStaff && !calendar.isWorkingDay(day) && rng.chance(0.7)
            let at = calendar.midnight(of: day).addingTimeInterval(Double(minute * 60 + rng.int(0...59)))
            let duplicate = [.open311, .sms, .publicWeb, .hotline].contains(source) && rng.chance(0.05)
            intakes.append(Intake(at: at, source: source, category: categories[pickCategory.pick(&rng)], building: pickBuilding.pick(&rng),
                                  duplicate: duplicate))
        }
        return intakes.sorted { $0.at < $1.at }
    }
}

extension DemoCases.Summary {
    mutating func count(_ c: CaseRecord, duplicate: Bool) {
        cases += 1
        bySource[c.source, default: 0] += 1
        byStatus[c.state.status, default: 0] += 1
        returns += c.state.returns
        extensions += c.state.extensions
        reworks += c.state.reworks
        escalations += c.state.escalations
        supervisions += c.state.supervisions
        if duplicate, c.duplicateOf != nil { duplicates += 1 }
    }
}

/// One case's life, step by step, each at a time drawn against the step's limit (a few late),
/// the sweep run before it.
private struct CaseLife {
    var rng: SeededRandom
    let calendar: WorkingCalendar
    let end: Date
    let w: StoreWriter
    var suspended = false
    private var c: CaseRecord?
    private var category: CaseCategory?
    private var at = Date.distantPast

    init(rng: SeededRandom, calendar: WorkingCalendar, end: Date, w: StoreWriter) {
        self.rng = rng
        self.calendar = calendar
        self.end = end
        self.w = w
    }

    mutating func jitter(_ p: Coordinate, metres: Double) -> Coordinate {
        let dy = rng.uniform(-metres, metres) / 111_320, dx = rng.uniform(-metres, metres) / (111_320 * cos(p.y * .pi / 180))
        return Coordinate(p.x + dx, p.y + dy)
    }

    mutating func run(_ source: CaseSource, _ category: CaseCategory, _ location: Coordinate, _ address: String?, _ reported: Date,
                      duplicateOf original: String?) throws -> CaseRecord? {
        let place = try w.reader.place(of: location)
        guard place.community != nil else { return nil }
        let staff = "staff-\(place.grid ?? place.community ?? "")"
        let reporter: Reporter, actor: String
        switch source {
        case .gridStaff: (reporter, actor) = (Reporter(), staff)
        case .hotline, .video: (reporter, actor) = (source == .hotline ? resident() : Reporter(), dispatcher())
        case .referral: (reporter, actor) = (Reporter(name: "区12345热线"), dispatcher())
        case .open311, .publicWeb, .sms: (reporter, actor) = (resident(), source.rawValue)
        }
        let verified = [.gridStaff, .hotline, .video, .referral].contains(source)
        let report = CaseReport(category: category.code, description: "\(category.name)：\(address ?? "附近")", location: location, address: address,
                                source: source, reporter: reporter)
        self.category = category
        at = reported
        c = try CaseDesk.file(report, number: nil, actor: actor, verified: verified, at: reported, in: w)
        try live(staff, duplicateOf: original)
        try sweep(until: end)
        return c
    }

    /// The steps after the report, until the case closes or the history ends.
    private mutating func live(_ staff: String, duplicateOf original: String?) throws {
        guard let first = c else { return }
        let member = CaseActor(name: staff, role: .member, inScope: true, ownGrid: true)
        if first.state.status == .reported {
            if let original {
                guard try step(.void(.duplicate, duplicateOf: original), by: desk(), f: 0.3) else { return }
                return
            }
            let r = rng.unit()
            if r < 0.04 { _ = try step(.void(.notTrue, duplicateOf: nil), by: desk()); return }
            if r < 0.06 { _ = try step(.void(.notOurs, duplicateOf: nil), by: desk()); return }
            guard try step(.verify, by: member) else { return }
        }
        guard try step(.file, by: desk()) else { return }
        // The Zhoushan path: the community's desk passes it up for triage now and then.
        if rng.chance(0.1), let c, let i = c.place.desks.firstIndex(of: c.state.holder?.code ?? ""), i + 1 < c.place.desks.count {
            guard try step(.escalate(to: c.place.desks[i + 1]), by: desk()) else { return }
        }
        guard try dispatch(avoiding: nil) else { return }
        if rng.chance(0.05) {  // a wrong dispatch comes back (回退) and goes out again
            let wrong = c?.state.holder?.code
            guard try step(.return, by: holder()), try dispatch(avoiding: wrong) else { return }
        }
        guard try step(.accept, by: holder()) else { return }
        let r = rng.unit()
        if r < 0.06 {
            guard try step(.requestExtension(rng.chance(0.5) ? .workingDays(1) : .workingDays(2)), by: holder(), f: 0.5),
                  try step(rng.chance(0.8) ? .approve : .refuse, by: desk(), f: 0.2) else { return }
        } else if r < 0.08 {
            guard try step(.requestSuspension, by: holder(), f: 0.3), try step(.approve, by: desk(), f: 0.1) else { return }
            suspended = true
            let resume = calendar.deadline(from: at, limit: .workingDays(Double(rng.int(1...5)))) ?? at
            guard resume < end else { return }
            at = resume
            guard try step(.resume, by: holder(), f: 0) else { return }
        }
        guard try step(.handle, by: holder()) else { return }
        if rng.chance(0.08) {  // the check fails: rework (返工)
            guard try step(.fail, by: member), try step(.accept, by: holder()), try step(.handle, by: holder()) else { return }
        }
        guard try step(.pass, by: member), try step(.close, by: desk()) else { return }
    }

    private mutating func dispatch(avoiding wrong: String?) throws -> Bool {
        guard let c, let category else { return false }
        let departments = try w.reader.departments()
        var target: CaseHolder
        if let d = try CaseDesk.department(for: c, in: w.reader) { target = .department(d) } else { target = .region(c.place.desks[0]) }
        if category.kind == .event, rng.chance(0.12) { target = .region(c.place.desks[0]) }  // flat dispatch to the community
        if let wrong, target.code == wrong {
            if let other = departments.first(where: { $0.code != wrong && $0.handles(category) }) { target = .department(other.code) }
        }
        return try step(.dispatch(target), by: desk())
    }

    /// Takes `action` after a delay drawn against the step's limit (a fraction `f` of it, or
    /// late now and then), once the sweep has done what it would have; false once the history
    /// ends before it.
    private mutating func step(_ action: CaseAction, by actor: CaseActor, f given: Double? = nil) throws -> Bool {
        guard let current = c, let category else { return false }
        let limit = current.state.status.step.flatMap { category.limits[$0] } ?? .workingHours(2)
        let f = given ?? (rng.chance(0.025) ? rng.uniform(1.1, 2.3) : rng.uniform(0.05, 0.85))
        // A share of the time the step has left (the clock of a step may have started before).
        var next = calendar.deadline(from: at, limit: limit.scaled(f)) ?? at
        if f == 0 {
            next = at
        } else if let due = current.due, due > at {
            if case .naturalHours = limit {
                next = at.addingTimeInterval(due.timeIntervalSince(at) * f)
            } else {
                next = calendar.deadline(from: at, limit: .workingHours(max(calendar.workingSeconds(from: at, to: due), 60) * f / 3600)) ?? at
            }
        }
        try sweep(until: min(next, end))
        guard next < end, let now = c else { return false }
        at = max(next, now.updatedAt)
        c = try CaseDesk.step(action, on: now, by: actor, note: nil, at: at, in: w, notify: false)
        return true
    }

    /// The supervision sweep's passes over the case before `t`.
    private mutating func sweep(until t: Date) throws {
        for _ in 0..<6 {
            guard let current = c, let due = current.due, current.state.status.step != nil else { return }
            let pass = due.addingTimeInterval(Double(rng.int(1...60)))
            guard pass < t, let (next, _) = try CaseDesk.supervise(current, at: pass, in: w) else { return }
            c = next
        }
    }

    private mutating func desk() -> CaseActor { CaseActor(name: dispatcher(), role: .dispatcher, inScope: true) }

    private mutating func dispatcher() -> String { "dispatcher-\(rng.int(1...4))" }

    /// Whoever holds the case: its department's handler, or the command centre for a desk.
    private mutating func holder() -> CaseActor {
        switch c?.state.holder {
        case .department(let code)?: CaseActor(name: "\(code.lowercased())-handler", role: .department, department: code, inScope: true)
        default: desk()
        }
    }

    private mutating func resident() -> Reporter {
        let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"), given = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平")
        let name = String(rng.pick(surnames)) + String(rng.pick(given)) + (rng.chance(0.5) ? String(rng.pick(given)) : "")
        return Reporter(name: name, phone: "1" + String(rng.pick([3, 5, 8])) + String(format: "%09d", rng.int(0...999_999_999)))
    }
}

private extension TimeLimit {
    func scaled(_ f: Double) -> TimeLimit {
        switch self {
        case .workingHours(let h): .workingHours(h * f)
        case .workingDays(let d): .workingDays(d * f)
        case .naturalHours(let h): .naturalHours(h * f)
        }
    }
}

/// Picks an index with probability proportional to its weight.
private struct Weighted {
    let cumulative: [Double]

    init(_ weights: [Double]) {
        var sum = 0.0
        cumulative = weights.map { sum += $0; return sum }
    }

    func pick(_ rng: inout SeededRandom) -> Int {
        let x = rng.unit() * (cumulative.last ?? 0)
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
