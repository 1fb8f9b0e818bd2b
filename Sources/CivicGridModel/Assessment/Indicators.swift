import Foundation

/// The standard indicators of the loop, each a share (in percent) of two counts of a tally.
public enum Indicator: String, CaseIterable, Sendable, Codable {
    case closingRate = "closing_rate"
    case onTimeClosingRate = "on_time_closing_rate"
    case onTimeHandlingRate = "on_time_handling_rate"
    case reworkRate = "rework_rate"
    case returnRate = "return_rate"
    case extensionRate = "extension_rate"
    case timelyVerificationRate = "timely_verification_rate"
    case timelyFilingRate = "timely_filing_rate"
    case timelyDispatchRate = "timely_dispatch_rate"
    case timelyCheckRate = "timely_check_rate"
    case accurateFilingRate = "accurate_filing_rate"
    case accurateDispatchRate = "accurate_dispatch_rate"
    case publicReportShare = "public_report_share"
    case validReportRate = "valid_report_rate"
    case missedReportRate = "missed_report_rate"
    case satisfactionRate = "satisfaction_rate"
    case reopenRate = "reopen_rate"

    /// The name Chinese reports use.
    public var chinese: String {
        switch self {
        case .closingRate: "结案率"
        case .onTimeClosingRate: "按期结案率"
        case .onTimeHandlingRate: "按期处置率"
        case .reworkRate: "返工率"
        case .returnRate: "回退率"
        case .extensionRate: "延期率"
        case .timelyVerificationRate: "按时核实率"
        case .timelyFilingRate: "按时立案率"
        case .timelyDispatchRate: "按时派遣率"
        case .timelyCheckRate: "按时核查率"
        case .accurateFilingRate: "立案准确率"
        case .accurateDispatchRate: "派遣准确率"
        case .publicReportShare: "监督举报率"
        case .validReportRate: "有效上报率"
        case .missedReportRate: "漏报率"
        case .satisfactionRate: "满意率"
        case .reopenRate: "重办率"
        }
    }

    /// Whether a higher value is better (a score takes 100 − value of the others).
    public var higherIsBetter: Bool {
        switch self {
        case .reworkRate, .returnRate, .extensionRate, .missedReportRate, .publicReportShare, .reopenRate: false
        default: true
        }
    }

    /// Numerator and denominator.
    public func fraction(_ t: Tally) -> (Int, Int) {
        switch self {
        case .closingRate: (t[.closed], t[.dueClose])
        case .onTimeClosingRate: (t[.closedOnTime], t[.dueClose])
        case .onTimeHandlingRate: (t[.handle].onTime, t[.handle].due)
        case .reworkRate: (t[.reworked], t[.dueClose])
        case .returnRate: (t[.returns], t[.dispatches])
        case .extensionRate: (t[.extended], t[.dispatches])
        case .timelyVerificationRate: (t[.verify].onTime, t[.verify].due)
        case .timelyFilingRate: (t[.file].onTime, t[.file].due)
        case .timelyDispatchRate: (t[.dispatch].onTime, t[.dispatch].due)
        case .timelyCheckRate: (t[.check].onTime, t[.check].due)
        case .accurateFilingRate: (t[.filed] - t[.voidedAfterFiling] - t[.recategorisedAfterFiling], t[.filed])
        case .accurateDispatchRate: (t[.dispatches] - t[.returns] - t[.offRouteDispatches], t[.dispatches])
        case .publicReportShare: (t[.publicTrue], t[.filed])
        case .validReportRate: (t[.reportsFiled], t[.reports])
        case .missedReportRate: (t[.missed], t[.filed])
        case .satisfactionRate: (t[.satisfied], t[.rated])
        case .reopenRate: (t[.reopened], t[.closed])
        }
    }

    /// Percent to two decimals; nil when nothing was due.
    public func value(_ t: Tally) -> Double? {
        let (n, d) = fraction(t)
        return d > 0 ? (10_000 * Double(n) / Double(d)).rounded() / 100 : nil
    }
}

/// How units are scored, graded and ranked: weights per level, grade thresholds, point
/// deductions and the minimum sample. Loaded from a JSON file (Data/assessment.json is the
/// default); the one in force is kept with every ranking.
public struct AssessmentConfig: Hashable, Sendable, Codable {
    /// Units with a smaller volume are listed but not ranked.
    public var minimumSample: Int
    /// Lowest score of each grade, best first; below the last: E.
    public var grades: [Grade]
    public var deductions: Deductions
    /// Per level: weights of indicators (by name) and of `volume` (the unit's volume relative
    /// to the largest of its level). An indicator where lower is better enters as 100 − value.
    public var weights: [String: [String: Double]]

    public struct Grade: Hashable, Sendable, Codable {
        public var grade: String
        public var minimum: Double

        public init(grade: String, minimum: Double) {
            self.grade = grade
            self.minimum = minimum
        }
    }

    public struct Deductions: Hashable, Sendable, Codable {
        public var overdueCase: Double
        public var failedCheck: Double
        public var threeFailedChecks: Double

        public init(overdueCase: Double, failedCheck: Double, threeFailedChecks: Double) {
            self.overdueCase = overdueCase
            self.failedCheck = failedCheck
            self.threeFailedChecks = threeFailedChecks
        }

        enum CodingKeys: String, CodingKey {
            case overdueCase = "overdue_case", failedCheck = "failed_check", threeFailedChecks = "three_failed_checks"
        }
    }

    enum CodingKeys: String, CodingKey {
        case minimumSample = "minimum_sample", grades, deductions, weights
    }

    public init(minimumSample: Int, grades: [Grade], deductions: Deductions, weights: [String: [String: Double]]) {
        self.minimumSample = minimumSample
        self.grades = grades
        self.deductions = deductions
        self.weights = weights
    }

    /// Reads and checks a configuration.
    public static func decode(_ data: Data) throws(CaseError) -> AssessmentConfig {
        let c: AssessmentConfig
        do {
            c = try JSONDecoder().decode(AssessmentConfig.self, from: data)
        } catch {
            throw CaseError(.invalid, "assessment configuration: \(error)")
        }
        try c.validate()
        return c
    }

    public func validate() throws(CaseError) {
        guard minimumSample >= 0 else { throw CaseError(.invalid, "minimum_sample must not be negative") }
        guard zip(grades, grades.dropFirst()).allSatisfy({ $0.minimum > $1.minimum }) else { throw CaseError(.invalid, "grades go from the highest minimum down") }
        for d in [deductions.overdueCase, deductions.failedCheck, deductions.threeFailedChecks] where !(0...100).contains(d) {
            throw CaseError(.invalid, "deductions are points per case, 0 to 100")
        }
        for g in grades where !(0...100).contains(g.minimum) { throw CaseError(.invalid, "grade \(g.grade): a minimum score of 0 to 100") }
        let names = Set(Indicator.allCases.map(\.rawValue) + ["volume"])
        for (level, w) in weights {
            guard let l = UnitLevel(rawValue: level), UnitLevel.assessed.contains(l) else { throw CaseError(.invalid, "weights: no level \(level)") }
            for (name, v) in w {
                guard names.contains(name) else { throw CaseError(.invalid, "weights.\(level): no indicator \(name)") }
                guard (0...1_000_000).contains(v) else { throw CaseError(.invalid, "weights.\(level).\(name): 0 to 1,000,000") }
            }
            guard w.values.reduce(0, +) > 0 else { throw CaseError(.invalid, "weights.\(level) are all zero") }
        }
    }

    public func grade(_ score: Double) -> String {
        grades.first { score >= $0.minimum }?.grade ?? "E"
    }

    /// The JSON written back, keys sorted: what a ranking records.
    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// How much a unit did in a period: what its minimum sample and `volume` weight count.
/// Regions: cases filed; departments: dispatches received; people: reports made and steps done.
public func volume(_ t: Tally, level: UnitLevel) -> Int {
    switch level {
    case .department: t[.dispatches]
    case .person: t[.reports] + t.steps.reduce(0) { $0 + $1.done }
    default: t[.filed]
    }
}
