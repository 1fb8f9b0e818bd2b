import Foundation

/// What the assessment measures: region levels, departments, people, and the case statistics'
/// breakdowns of a community, street or district (category, source, local hour of report,
/// status now; their units are `REGION:VALUE`).
public enum UnitLevel: String, CaseIterable, Sendable, Codable {
    case grid, community, street, district, department, person, category, source, hour, status

    /// The levels that are ranked.
    public static let assessed: [UnitLevel] = [.grid, .community, .street, .district, .department, .person]
}

/// The counts one unit gathers on one local day; tallies add up over days and cases.
public struct Tally: Hashable, Sendable {
    public enum Count: Int, CaseIterable, Sendable {
        case reports, reportsFiled, filed, voidedAfterFiling, publicTrue, missed, dueClose, closed, closedOnTime,
             reworked, failedChecks, threeFailed, dispatches, returns, extended,
             /// Filed, then moved to another category (and not voided): filed inaccurately.
             recategorisedAfterFiling,
             /// Dispatched to a department off the case's route (with a reason), not returned.
             offRouteDispatches,
             /// Rated by the reporter after closing; of those, satisfied or fairly satisfied;
             /// reopened because the reporter was not.
             rated, satisfied, reopened
    }

    /// The runs of one timed step.
    public struct Steps: Hashable, Sendable {
        /// Runs due (done, or ended or still open past the deadline).
        public var due = 0
        /// Of those, done within the deadline.
        public var onTime = 0
        /// Runs done, and their working time.
        public var done = 0
        public var seconds = 0.0
        /// Runs done by working minutes, in quarter-octave buckets (see `bucket`): empty, or
        /// `Tally.buckets` counts.
        public var histogram: [Int] = []

        public init() {}

        /// Counts a run done in `seconds` of working time.
        public mutating func count(seconds: Double) {
            if histogram.isEmpty { histogram = [Int](repeating: 0, count: Tally.buckets) }
            histogram[Tally.bucket(seconds: seconds)] += 1
        }

        /// Equal when the counts are (an empty histogram is all zeros).
        public static func == (a: Steps, b: Steps) -> Bool {
            a.due == b.due && a.onTime == b.onTime && a.done == b.done && a.seconds == b.seconds && a.buckets == b.buckets
        }

        public func hash(into h: inout Hasher) {
            h.combine(due); h.combine(onTime); h.combine(done); h.combine(seconds); h.combine(buckets)
        }

        private var buckets: [Int] { histogram.isEmpty ? [Int](repeating: 0, count: Tally.buckets) : histogram }

        /// Adds `n` runs to a bucket (a stored tally read back).
        public mutating func add(bucket: Int, _ n: Int) {
            guard (0..<Tally.buckets).contains(bucket) else { return }
            if histogram.isEmpty { histogram = [Int](repeating: 0, count: Tally.buckets) }
            histogram[bucket] += n
        }
    }

    public var counts = [Int](repeating: 0, count: Count.allCases.count)
    public var steps = [Steps](repeating: Steps(), count: CaseStep.allCases.count)

    public init() {}

    public subscript(_ c: Count) -> Int {
        get { counts[c.rawValue] }
        set { counts[c.rawValue] = newValue }
    }

    public subscript(_ s: CaseStep) -> Steps {
        get { steps[CaseStep.allCases.firstIndex(of: s) ?? 0] }
        set { steps[CaseStep.allCases.firstIndex(of: s) ?? 0] = newValue }
    }

    public var isZero: Bool {
        counts.allSatisfy { $0 == 0 } && steps.allSatisfy { $0.due == 0 && $0.onTime == 0 && $0.done == 0 && $0.histogram.allSatisfy { $0 == 0 } }
    }

    /// Adds (`sign` 1) or takes away (-1) another tally.
    public mutating func add(_ o: Tally, sign: Int = 1) {
        for i in counts.indices { counts[i] += sign * o.counts[i] }
        for i in steps.indices {
            steps[i].due += sign * o.steps[i].due
            steps[i].onTime += sign * o.steps[i].onTime
            steps[i].done += sign * o.steps[i].done
            steps[i].seconds += Double(sign) * o.steps[i].seconds
            if !o.steps[i].histogram.isEmpty {
                if steps[i].histogram.isEmpty { steps[i].histogram = [Int](repeating: 0, count: Self.buckets) }
                for b in 0..<Self.buckets { steps[i].histogram[b] += sign * o.steps[i].histogram[b] }
            }
        }
        // Sums of times taken away leave rounding dust.
        for i in steps.indices where steps[i].done == 0 { steps[i].seconds = 0 }
    }

    /// Histogram bucket of a time: 0 below a minute, then quarter octaves of minutes (each
    /// bucket 19% wider than the one before), the last open-ended.
    public static func bucket(seconds: Double) -> Int {
        let minutes = seconds / 60
        guard minutes >= 1 else { return 0 }
        return min(Self.buckets - 1, Int((log2(minutes) * 4).rounded(.down)) + 1)
    }

    public static let buckets = 80

    /// The bounds of a bucket, in seconds.
    public static func bounds(_ b: Int) -> (Double, Double) {
        b == 0 ? (0, 60) : (60 * pow(2, Double(b - 1) / 4), 60 * pow(2, Double(b) / 4))
    }

    /// The `q` quantile of a step's times (seconds), interpolated within its bucket (within
    /// 19%); nil without runs.
    public func quantile(_ q: Double, of s: CaseStep) -> Double? {
        let h = self[s].histogram
        let n = h.reduce(0, +)
        guard n > 0 else { return nil }
        let rank = q * Double(n)
        var below = 0
        for (b, c) in h.enumerated() where c > 0 {
            if Double(below + c) >= rank {
                let (lo, hi) = Self.bounds(b)
                return lo + (hi - lo) * max(0, min(1, (rank - Double(below)) / Double(c)))
            }
            below += c
        }
        return Self.bounds(h.lastIndex { $0 > 0 } ?? 0).1
    }
}

/// Where a tally goes: a unit of a level, on a local day.
public struct TallyKey: Hashable, Sendable {
    public var level: UnitLevel
    public var unit: String
    public var day: Int

    public init(_ level: UnitLevel, _ unit: String, day: Int) {
        self.level = level
        self.unit = unit
        self.day = day
    }
}

extension CaseFacts {
    /// What this case adds to each unit on each day. Each count falls on the day it is
    /// decided: a report on its day, filing and its accuracy on the filing day, a dispatch
    /// and its return or extension on the dispatch day, a timed step on the day it was done
    /// or fell due (whichever came first; an open step on its deadline's day), closing on the
    /// day the case closed or fell due to close (the deadline of its last handling). A voided
    /// case and a case suspended now are not due to close; a suspended step is not due.
    public func tallies(calendar: WorkingCalendar) -> [TallyKey: Tally] {
        var regions: [(UnitLevel, String)] = []
        for (level, code) in [(UnitLevel.grid, place.grid), (.community, place.community), (.street, place.street), (.district, place.district)] {
            if let code { regions.append((level, code)) }
        }
        var book = TallyBook(calendar: calendar, regions: regions, departments: Set(dispatches.compactMap(\.department)))
        countReport(&book)
        countFiling(&book)
        countClosing(&book)
        countDispatches(&book)
        countSteps(&book)
        return book.tallies
    }

    /// The report, on its day: for its regions, the statistics' breakdowns (per community,
    /// street and district: `REGION:VALUE`) and the grid staff member who reported it.
    private func countReport(_ book: inout TallyBook) {
        let hour = Int(reportedAt.timeIntervalSince(book.calendar.midnight(of: book.calendar.day(of: reportedAt))) / 3600)
        var breakdowns: [(UnitLevel, String)] = []
        for (_, region) in book.regions.dropFirst(place.grid == nil ? 0 : 1) {
            for (level, value) in [(UnitLevel.category, category), (.source, source.rawValue), (.hour, String(hour)), (.status, status.rawValue)] {
                breakdowns.append((level, region + ":" + value))
            }
        }
        book.add(book.regions + breakdowns + TallyBook.person(reporter), reportedAt) {
            $0[.reports] += 1
            if filedAt != nil { $0[.reportsFiled] += 1 }
        }
    }

    /// Filing and its accuracy, on the filing day (a public report found true and merged before
    /// filing counts on its verification's day).
    private func countFiling(_ book: inout TallyBook) {
        if let filed = filedAt {
            book.add(book.regions + TallyBook.person(filer), filed) {
                $0[.filed] += 1
                if voidedAfterFiling { $0[.voidedAfterFiling] += 1 } else if recategorisedAfterFiling { $0[.recategorisedAfterFiling] += 1 }
                if isPublic, !voidedAfterFiling { $0[.missed] += 1 }
                if isPublic { $0[.publicTrue] += 1 }
            }
        } else if isPublic, verifiedTrue, let verified = steps.first(where: { $0.step == .verify && $0.done })?.ended {
            book.add(book.regions, verified) { $0[.publicTrue] += 1 }
        }
    }

    /// Closing (on the day the case closed or fell due to close), the rating and a reopening.
    private func countClosing(_ book: inout TallyBook) {
        let handler = book.regions + book.department(department)
        if !voided, !suspended, let at = [closedAt, closeDue].compactMap({ $0 }).min() {
            book.add(handler, at) {
                $0[.dueClose] += 1
                if let closed = closedAt {
                    $0[.closed] += 1
                    if closed <= closeDue ?? closed { $0[.closedOnTime] += 1 }
                }
                if failedChecks > 0 { $0[.reworked] += 1 }
                $0[.failedChecks] += failedChecks
                if failedChecks >= 3 { $0[.threeFailed] += 1 }
            }
        }
        if let rating, let at = ratedAt {
            book.add(handler, at) {
                $0[.rated] += 1
                if rating != .dissatisfied { $0[.satisfied] += 1 }
            }
        }
        if let at = reopenedAt { book.add(handler, at) { $0[.reopened] += 1 } }
    }

    /// Each dispatch, with its return or extension, on the dispatch day.
    private func countDispatches(_ book: inout TallyBook) {
        for d in dispatches {
            book.add(book.regions + book.department(d.department) + TallyBook.person(d.dispatcher), d.at) {
                $0[.dispatches] += 1
                if d.returned { $0[.returns] += 1 } else if d.offRoute { $0[.offRouteDispatches] += 1 }
                if d.extended { $0[.extended] += 1 }
            }
        }
    }

    /// Each timed step, on the day it was done or fell due, whichever came first.
    private func countSteps(_ book: inout TallyBook) {
        for run in steps {
            let units = book.regions + book.department(run.holder)
            if let ended = run.ended, run.done {
                let seconds = book.calendar.workingSeconds(from: run.started, to: ended, pauses: run.pauses)
                book.add(units + TallyBook.person(run.by), run.due.map { min($0, ended) } ?? ended) {
                    var s = $0[run.step]
                    if let due = run.due {
                        s.due += 1
                        if !run.supervised, ended <= due { s.onTime += 1 }
                    }
                    s.done += 1
                    s.seconds += seconds.rounded()  // whole seconds: sums are exact however they are grouped
                    s.count(seconds: seconds)
                    $0[run.step] = s
                }
            } else if let due = run.due, run.ended.map({ run.supervised || $0 > due }) ?? !suspended {
                // Passed on (returned, escalated) after its deadline, or still open: due, late.
                book.add(units, min(due, run.ended ?? due)) { $0[run.step].due += 1 }
            }
        }
    }
}

/// One case's tallies as they are counted: changes to units on local days.
private struct TallyBook {
    let calendar: WorkingCalendar
    /// The case's grid, community, street and district that it has.
    let regions: [(UnitLevel, String)]
    /// The departments the case was dispatched to (a holder counts as one only if it was).
    let departments: Set<String>
    var tallies: [TallyKey: Tally] = [:]

    mutating func add(_ units: [(UnitLevel, String)], _ at: Date, _ change: (inout Tally) -> Void) {
        let day = calendar.day(of: at).number
        for (level, unit) in units { change(&tallies[TallyKey(level, unit, day: day), default: Tally()]) }
    }

    func department(_ holder: String?) -> [(UnitLevel, String)] { holder.flatMap { departments.contains($0) ? [(.department, $0)] : nil } ?? [] }

    static func person(_ name: String?) -> [(UnitLevel, String)] { name.map { [(.person, $0)] } ?? [] }
}
