import Foundation

/// A period the assessment measures: a local day, month, quarter or year, or any run of days
/// (`from`…`to`, both included). Written as `2026-10-05`, `2026-10`, `2026-Q4`, `2026` or
/// `2026-10-01..2026-10-15`.
public struct Period: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case day, month, quarter, year, range
    }

    public var kind: Kind
    /// The first day, included.
    public var first: Day
    /// The last day, included.
    public var last: Day

    public init?(_ text: some StringProtocol) {
        let t = text.trimmingCharacters(in: .whitespaces)
        let parts = t.components(separatedBy: "..")
        if parts.count == 2 {
            guard let a = Day(parts[0]), let b = Day(parts[1]), a <= b else { return nil }
            self.init(from: a, to: b)
            return
        }
        let fields = t.split(separator: "-", omittingEmptySubsequences: false)
        guard let head = fields.first, head.count == 4, let year = Int(head), (1970...9999).contains(year) else { return nil }
        switch fields.count {
        case 1:
            self.init(kind: .year, year: year, firstMonth: 1, months: 12)
        case 2 where fields[1].hasPrefix("Q"):
            guard fields[1].count == 2, let q = Int(fields[1].dropFirst()), (1...4).contains(q) else { return nil }
            self.init(kind: .quarter, year: year, firstMonth: 3 * q - 2, months: 3)
        case 2:
            guard fields[1].count == 2, let m = Int(fields[1]), (1...12).contains(m) else { return nil }
            self.init(kind: .month, year: year, firstMonth: m, months: 1)
        case 3:
            guard let d = Day(t) else { return nil }
            self.init(kind: .day, first: d, last: d)
        default:
            return nil
        }
    }

    public init(from: Day, to: Day) {
        (kind, first, last) = (.range, from, to)
    }

    private init(kind: Kind, year: Int, firstMonth: Int, months: Int) {
        let lastMonth = firstMonth + months - 1
        self.kind = kind
        first = Day(number: Day.daysFromCivil(year: year, month: firstMonth, day: 1))
        last = Day(number: Day.daysFromCivil(year: year, month: lastMonth, day: Day.daysIn(month: lastMonth, year: year)))
    }

    public var description: String {
        let (y, m, _) = Day.civil(fromDays: first.number)
        switch kind {
        case .day: return first.description
        case .month: return String(format: "%04d-%02d", y, m)
        case .quarter: return String(format: "%04d-Q%d", y, (m - 1) / 3 + 1)
        case .year: return String(format: "%04d", y)
        case .range: return "\(first)..\(last)"
        }
    }

    /// How many days it spans.
    public var dayCount: Int { last.number - first.number + 1 }

    /// The period just before, of the same kind (a range: as many days before), for
    /// period-on-period change.
    public var previous: Period {
        let (y, m, _) = Day.civil(fromDays: first.number)
        switch kind {
        case .day: return Period(kind: .day, first: Day(number: first.number - 1), last: Day(number: first.number - 1))
        case .month: return m == 1 ? Period(kind: .month, year: y - 1, firstMonth: 12, months: 1) : Period(kind: .month, year: y, firstMonth: m - 1, months: 1)
        case .quarter: return m == 1 ? Period(kind: .quarter, year: y - 1, firstMonth: 10, months: 3) : Period(kind: .quarter, year: y, firstMonth: m - 3, months: 3)
        case .year: return Period(kind: .year, year: y - 1, firstMonth: 1, months: 12)
        case .range: return Period(from: Day(number: first.number - dayCount), to: Day(number: first.number - 1))
        }
    }

    /// The same period a year earlier, for year-on-year change (29 February: the 28th).
    public var yearEarlier: Period {
        func back(_ d: Day) -> Day {
            let (y, m, day) = Day.civil(fromDays: d.number)
            return Day(number: Day.daysFromCivil(year: y - 1, month: m, day: min(day, Day.daysIn(month: m, year: y - 1))))
        }
        let (y, m, _) = Day.civil(fromDays: first.number)
        switch kind {
        case .month: return Period(kind: .month, year: y - 1, firstMonth: m, months: 1)
        case .quarter: return Period(kind: .quarter, year: y - 1, firstMonth: m, months: 3)
        case .year: return Period(kind: .year, year: y - 1, firstMonth: 1, months: 12)
        case .day, .range: return Period(kind: kind, first: back(first), last: back(last))
        }
    }

    /// The instants it covers on a calendar's local time: from the first day's midnight to the
    /// midnight after the last.
    public func interval(in calendar: WorkingCalendar) -> DateInterval {
        DateInterval(start: calendar.midnight(of: first), end: calendar.midnight(of: Day(number: last.number + 1)))
    }

    private init(kind: Kind, first: Day, last: Day) {
        (self.kind, self.first, self.last) = (kind, first, last)
    }
}
