import Foundation

/// A calendar day, as the days since 1970-01-01 in the calendar's own time zone.
public struct Day: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var number: Int

    public init(number: Int) { self.number = number }

    /// From `YYYY-MM-DD`; nil unless it is a real date.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...Self.daysIn(month: m, year: y)).contains(d) else { return nil }
        number = Self.daysFromCivil(year: y, month: m, day: d)
    }

    /// ISO weekday: Monday 1 … Sunday 7.
    public var weekday: Int { ((number % 7) + 7 + 3) % 7 + 1 }  // 1970-01-01 was a Thursday

    public var description: String {
        let (y, m, d) = Self.civil(fromDays: number)
        return String(format: "%04d-%02d-%02d", y, m, d)
    }

    public static func < (a: Day, b: Day) -> Bool { a.number < b.number }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let day = Day(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(text): expected a date YYYY-MM-DD"))
        }
        self = day
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian (year, month, day) of a count of days since 1970-01-01.
    public static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// How long a step may take.
public enum TimeLimit: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Hours of working time.
    case workingHours(Double)
    /// Working days, each as long as the calendar's working day (filed at 10:00 with one
    /// working day: due at 10:00 on the next working day).
    case workingDays(Double)
    /// Hours on the clock, nights and holidays included (emergencies).
    case naturalHours(Double)

    /// `2h` working hours, `1d` working days, `4nh` natural hours; `10min` working minutes and
    /// `10nmin` natural minutes (as hours).
    public init?(_ text: some StringProtocol) {
        let t = text.trimmingCharacters(in: .whitespaces)
        for (suffix, make) in [("nmin", { TimeLimit.naturalHours($0 / 60) }), ("min", { TimeLimit.workingHours($0 / 60) }),
                               ("nh", TimeLimit.naturalHours), ("h", TimeLimit.workingHours), ("d", TimeLimit.workingDays)] as [(String, (Double) -> TimeLimit)] {
            if t.hasSuffix(suffix), let v = Double(t.dropLast(suffix.count)), v.isFinite, v > 0, v <= 10_000 {
                self = make(v)
                return
            }
        }
        return nil
    }

    private static func n(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
    /// Under an hour in whole minutes: as minutes.
    private static func minutes(_ h: Double) -> Int? { h < 1 && (h * 60 - (h * 60).rounded()).magnitude < 1e-9 ? Int((h * 60).rounded()) : nil }

    public var description: String {
        let (n, minutes) = (Self.n, Self.minutes)
        switch self {
        case .workingHours(let h): return minutes(h).map { "\($0)min" } ?? "\(n(h))h"
        case .workingDays(let d): return "\(n(d))d"
        case .naturalHours(let h): return minutes(h).map { "\($0)nmin" } ?? "\(n(h))nh"
        }
    }

    /// As the district says it: 30个工作分钟, 4个工作小时, 2个工作日, 10分钟, 4小时.
    public var chinese: String {
        let (n, minutes) = (Self.n, Self.minutes)
        switch self {
        case .workingHours(let h): return minutes(h).map { "\($0)个工作分钟" } ?? "\(n(h))个工作小时"
        case .workingDays(let d): return "\(n(d))个工作日"
        case .naturalHours(let h): return minutes(h).map { "\($0)分钟" } ?? "\(n(h))小时"
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let limit = TimeLimit(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(text): expected a limit such as 2h (working hours), 1d (working days) or 4nh (natural hours)"))
        }
        self = limit
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// When the clock of a case runs: working hours on working days, in one time zone. Weekends
/// are days off unless listed as make-up working days (调休); public holidays are days off.
public struct WorkingCalendar: Hashable, Sendable, Codable {
    /// Minutes east of UTC (China: 480, no daylight saving).
    public var utcOffsetMinutes: Int
    /// Working periods of a day, minutes from midnight, in order and apart: [start, end).
    public var periods: [Period]
    /// ISO weekdays off (6 Saturday, 7 Sunday).
    public var weekend: Set<Int>
    public var holidays: Set<Day>
    /// Weekend days that are working days.
    public var workdays: Set<Day>

    public struct Period: Hashable, Sendable, Codable {
        public var start: Int
        public var end: Int

        public init(start: Int, end: Int) {
            self.start = start
            self.end = end
        }
    }

    /// 08:30–12:00 and 13:30–17:30, Monday to Friday, UTC+8, no holidays.
    public init(utcOffsetMinutes: Int = 480, periods: [Period] = [Period(start: 510, end: 720), Period(start: 810, end: 1050)],
                weekend: Set<Int> = [6, 7], holidays: Set<Day> = [], workdays: Set<Day> = []) {
        self.utcOffsetMinutes = utcOffsetMinutes
        self.periods = periods
        self.weekend = weekend
        self.holidays = holidays
        self.workdays = workdays
    }

    /// Checks the calendar is usable: periods within a day, in order, not overlapping, some
    /// working time in every week.
    public func validate() throws(CaseError) {
        var last = 0
        for p in periods {
            guard p.start >= last, p.end > p.start, p.end <= 1440 else {
                throw CaseError(.invalid, "working periods must be in order within the day, each ending after it starts")
            }
            last = p.end
        }
        guard !periods.isEmpty else { throw CaseError(.invalid, "the calendar has no working periods: give the day's working hours") }
        if let bad = weekend.sorted().first(where: { !(1...7).contains($0) }) {
            throw CaseError(.invalid, "weekend day \(bad): weekdays are numbered 1 (Monday) to 7 (Sunday)")
        }
        guard weekend.count < 7 else {
            throw CaseError(.invalid, "every day of the week is a weekend day: cases would get no deadline and never be supervised")
        }
        guard !(utcOffsetMinutes < -720 || utcOffsetMinutes > 840) else { throw CaseError(.invalid, "UTC offset out of range") }
    }

    /// Minutes of working time in a working day.
    public var minutesPerDay: Int { periods.reduce(0) { $0 + $1.end - $1.start } }

    public func day(of date: Date) -> Day {
        Day(number: Int((local(date) / 86_400).rounded(.down)))
    }

    /// The instant a local day begins.
    public func midnight(of day: Day) -> Date { Date(timeIntervalSince1970: start(of: day)) }

    public func isWorkingDay(_ day: Day) -> Bool {
        if holidays.contains(day) { return false }
        return !weekend.contains(day.weekday) || workdays.contains(day)
    }

    /// When a step started at `start` with `limit` is due, the clock stopped during `pauses`
    /// (approved extensions and suspensions). Nil when the calendar has no working time
    /// within ten years.
    public func deadline(from start: Date, limit: TimeLimit, pauses: [DateInterval] = []) -> Date? {
        switch limit {
        case .naturalHours(let h):
            return advance(start, by: h * 3600, pauses: pauses) { day in [(self.start(of: day), self.start(of: day) + 86_400)] }
        case .workingHours(let h):
            return advance(start, by: h * 3600, pauses: pauses, workingIntervals)
        case .workingDays(let d):
            return advance(start, by: d * Double(minutesPerDay) * 60, pauses: pauses, workingIntervals)
        }
    }

    /// Working time between two instants (seconds), the clock stopped during `pauses`.
    public func workingSeconds(from a: Date, to b: Date, pauses: [DateInterval] = []) -> Double {
        guard b > a else { return 0 }
        var total = 0.0
        var day = self.day(of: a)
        let last = self.day(of: b)
        while day <= last {
            for (s, e) in workingIntervals(day) {
                let lo = max(s, a.timeIntervalSince1970), hi = min(e, b.timeIntervalSince1970)
                if hi > lo { total += running(lo, hi, pauses) }
            }
            day.number += 1
        }
        return total
    }

    // MARK: Private

    /// An instant as the district reads it: `2026-11-30 09:24` in the calendar's time.
    public func localText(_ date: Date) -> String {
        let minutes = Int((local(date) / 60).rounded(.down))
        let m = ((minutes % 1440) + 1440) % 1440
        return "\(day(of: date)) " + String(format: "%02d:%02d", m / 60, m % 60)
    }

    private func local(_ date: Date) -> Double { date.timeIntervalSince1970 + Double(utcOffsetMinutes * 60) }

    /// The instant (Unix seconds) a local day begins.
    private func start(of day: Day) -> Double { Double(day.number) * 86_400 - Double(utcOffsetMinutes * 60) }

    private func workingIntervals(_ day: Day) -> [(Double, Double)] {
        guard isWorkingDay(day) else { return [] }
        let base = start(of: day)
        return periods.map { (base + Double($0.start * 60), base + Double($0.end * 60)) }
    }

    /// Seconds of [lo, hi) outside every pause.
    private func running(_ lo: Double, _ hi: Double, _ pauses: [DateInterval]) -> Double {
        var covered: [(Double, Double)] = pauses.compactMap { p in
            let s = max(lo, p.start.timeIntervalSince1970), e = min(hi, p.end.timeIntervalSince1970)
            return e > s ? (s, e) : nil
        }
        covered.sort { $0.0 < $1.0 }
        var paused = 0.0, reach = lo
        for (s, e) in covered where e > reach {
            paused += e - max(s, reach)
            reach = e
        }
        return hi - lo - paused
    }

    /// The instant when `seconds` of clock time have run from `start` within `intervals`
    /// outside `pauses`.
    private func advance(_ start: Date, by seconds: Double, pauses: [DateInterval], _ intervals: (Day) -> [(Double, Double)]) -> Date? {
        var left = seconds
        let t0 = start.timeIntervalSince1970
        var day = self.day(of: start)
        for _ in 0..<3660 {
            for (s, e) in intervals(day) where e > t0 {
                var lo = max(s, t0)
                // Walk the interval around the pauses inside it.
                let inside = pauses.map { ($0.start.timeIntervalSince1970, $0.end.timeIntervalSince1970) }
                    .filter { $0.1 > lo && $0.0 < e }.sorted { $0.0 < $1.0 }
                for (ps, pe) in inside {
                    if ps > lo {
                        let run = ps - lo
                        if run >= left { return Date(timeIntervalSince1970: lo + left) }
                        left -= run
                    }
                    lo = max(lo, pe)
                }
                if e > lo {
                    if e - lo >= left { return Date(timeIntervalSince1970: lo + left) }
                    left -= e - lo
                }
            }
            day.number += 1
        }
        return nil
    }
}
