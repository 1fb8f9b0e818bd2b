import Foundation

/// One unit's figures for a period: counts, indicators, step times, score, grade, rank, and
/// the change against the period before and a year earlier.
public struct UnitFigures: Hashable, Sendable, Codable {
    public var level: UnitLevel
    public var unit: String
    public var name: String?
    public var volume: Int
    public var counts: [String: Int]
    /// Percent; absent when nothing was due.
    public var indicators: [String: Double]
    /// Per step: runs done, mean and p90 working hours.
    public var stepHours: [String: StepHours]
    public var score: Double?
    public var deductions: Double?
    public var grade: String?
    /// Nil: fewer cases than the minimum sample (listed, not ranked).
    public var rank: Int?
    /// Period on period (month on month for a month) and year on year: score and indicator
    /// differences in points, where both periods have them.
    public var change: [String: [String: Double]]?

    public struct StepHours: Hashable, Sendable, Codable {
        public var done: Int
        public var mean: Double
        public var p90: Double
    }

    enum CodingKeys: String, CodingKey {
        case level, unit, name, volume, counts, indicators, stepHours = "step_hours", score, deductions, grade, rank, change
    }

    /// The figures of a tally (no score yet).
    public init(level: UnitLevel, unit: String, name: String?, tally t: Tally) {
        self.level = level
        self.unit = unit
        self.name = name
        volume = CivicGridModel.volume(t, level: level)
        var counts: [String: Int] = [:]
        for c in Tally.Count.allCases { counts[Self.countName(c)] = t[c] }
        self.counts = counts
        indicators = [:]
        for i in Indicator.allCases { indicators[i.rawValue] = i.value(t) }
        stepHours = [:]
        for s in CaseStep.allCases where t[s].done > 0 {
            func hours(_ seconds: Double) -> Double { (seconds / 36).rounded() / 100 }
            stepHours[s.rawValue] = StepHours(done: t[s].done, mean: hours(t[s].seconds / Double(t[s].done)), p90: hours(t.quantile(0.9, of: s) ?? 0))
        }
    }

    static func countName(_ c: Tally.Count) -> String {
        switch c {
        case .reports: "reports"
        case .reportsFiled: "reports_filed"
        case .filed: "filed"
        case .voidedAfterFiling: "voided_after_filing"
        case .publicTrue: "public_true"
        case .missed: "missed"
        case .dueClose: "due_to_close"
        case .closed: "closed"
        case .closedOnTime: "closed_on_time"
        case .reworked: "reworked"
        case .failedChecks: "failed_checks"
        case .threeFailed: "three_failed_checks"
        case .dispatches: "dispatches"
        case .returns: "returns"
        case .extended: "extended"
        case .recategorisedAfterFiling: "recategorised_after_filing"
        case .offRouteDispatches: "off_route_dispatches"
        case .rated: "rated"
        case .satisfied: "satisfied"
        case .reopened: "reopened"
        }
    }
}

/// A level's units in a period, scored and ranked; what `GET /api/v1/rankings` answers and
/// what is kept for each closed month.
public struct Ranking: Hashable, Sendable, Codable {
    public var period: String
    public var level: UnitLevel
    /// The configuration in force when it was made.
    public var config: AssessmentConfig
    /// Ranked units best first, then the units below the minimum sample.
    public var units: [UnitFigures]

    public init(period: String, level: UnitLevel, config: AssessmentConfig, units: [UnitFigures]) {
        self.period = period
        self.level = level
        self.config = config
        self.units = units
    }

    /// Scores, grades and ranks `current`'s units by `config`; the change against `previous`
    /// and `yearEarlier` (the same units' tallies then), keyed by "previous" and "year".
    public static func make(period: String, level: UnitLevel, config: AssessmentConfig, names: [String: String],
                            current: [String: Tally], previous: [String: Tally], yearEarlier: [String: Tally]) -> Ranking {
        func scored(_ tallies: [String: Tally]) -> [String: UnitFigures] {
            let maxVolume = tallies.values.map { volume($0, level: level) }.max() ?? 0
            var out: [String: UnitFigures] = [:]
            for (unit, t) in tallies {
                var f = UnitFigures(level: level, unit: unit, name: names[unit], tally: t)
                if let weights = config.weights[level.rawValue] {
                    var sum = 0.0, total = 0.0
                    for (name, w) in weights where w > 0 {
                        let v: Double?
                        if name == "volume" {
                            v = maxVolume > 0 ? 100 * Double(f.volume) / Double(maxVolume) : nil
                        } else if let i = Indicator(rawValue: name), let x = i.value(t) {
                            v = i.higherIsBetter ? x : 100 - x
                        } else {
                            v = nil
                        }
                        if let v { sum += w * v; total += w }
                    }
                    let d = config.deductions
                    let deductions = d.overdueCase * Double(t[.dueClose] - t[.closedOnTime]) + d.failedCheck * Double(t[.failedChecks])
                        + d.threeFailedChecks * Double(t[.threeFailed])
                    if total > 0 {
                        let score = (max(0, min(100, sum / total - deductions)) * 100).rounded() / 100
                        f.score = score
                        f.deductions = (deductions * 100).rounded() / 100
                        f.grade = config.grade(score)
                    }
                }
                out[unit] = f
            }
            return out
        }
        let now = scored(current), before = scored(previous), yearAgo = scored(yearEarlier)
        var units = Array(now.values)
        for i in units.indices {
            var change: [String: [String: Double]] = [:]
            for (key, other) in [("previous", before), ("year", yearAgo)] {
                guard let o = other[units[i].unit] else { continue }
                var d: [String: Double] = [:]
                if let a = units[i].score, let b = o.score { d["score"] = ((a - b) * 100).rounded() / 100 }
                for (name, a) in units[i].indicators { if let b = o.indicators[name] { d[name] = ((a - b) * 100).rounded() / 100 } }
                change[key] = d
            }
            units[i].change = change.isEmpty ? nil : change
        }
        let sample = config.minimumSample
        units.sort { a, b in
            let ra = a.volume >= sample && a.score != nil, rb = b.volume >= sample && b.score != nil
            if ra != rb { return ra }
            if ra, a.score != b.score { return (a.score ?? 0) > (b.score ?? 0) }
            return a.unit < b.unit
        }
        var rank = 0
        for i in units.indices where units[i].volume >= sample && units[i].score != nil {
            // Equal scores share a rank (1, 2, 2, 4).
            rank = i > 0 && units[i - 1].score == units[i].score && units[i - 1].rank != nil ? rank : i + 1
            units[i].rank = rank
        }
        return Ranking(period: period, level: level, config: config, units: units)
    }

    /// The bytes kept and answered: keys sorted, so that the same ranking is the same bytes.
    public var json: Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(self)) ?? Data("{}".utf8)
    }
}
