import CivicGridModel
import Foundation
import Testing

/// Every indicator over a hand-made history, its answer worked out by hand below: seven
/// cases in October 2026 (Beijing time) — one reworked, one returned twice (and late), one
/// extended, one suspended, one escalated across the month's end, one voided after filing,
/// one not true.
struct AssessmentTests {
    static func t(_ s: String) -> Date {
        ISO8601DateFormatter().date(from: s.replacingOccurrences(of: " ", with: "T") + ":00+08:00") ?? Date.distantPast
    }

    /// A history row: when, who, what, statuses, holder after it, the deadline it left.
    static func e(_ at: String, _ actor: String, _ action: String, _ from: CaseStatus?, _ to: CaseStatus, _ holder: String?,
                  due: String?, _ detail: [String: String] = [:]) -> TimedEvent {
        TimedEvent(CaseEvent(at: t(at), actor: actor, action: action, from: from, to: to, holder: holder, note: nil, detail: detail), due: due.map(t))
    }

    static let g1 = CasePlace(grid: "G1", community: "C1", street: "S1", district: "D")
    static let g2 = CasePlace(grid: "G2", community: "C1", street: "S1", district: "D")

    static let cases: [CaseFacts] = [
        // 1: reworked once, closed in time.
        CaseFacts(category: "0101", source: .gridStaff, place: g1, reporter: "li", history: [
            e("2026-10-05 09:00", "li", "report", nil, .reported, "C1", due: "2026-10-05 10:00"),
            e("2026-10-05 09:30", "li", "verify", .reported, .verified, "C1", due: "2026-10-05 10:30"),
            e("2026-10-05 10:00", "centre", "file", .verified, .filed, "C1", due: "2026-10-05 11:00"),
            e("2026-10-05 10:30", "centre", "dispatch", .filed, .dispatched, "SAN", due: "2026-10-07 10:30", ["department": "SAN"]),
            e("2026-10-05 14:00", "clean", "accept", .dispatched, .accepted, "SAN", due: "2026-10-07 10:30"),
            e("2026-10-06 09:00", "clean", "handle", .accepted, .handled, "SAN", due: "2026-10-06 11:00"),
            e("2026-10-06 10:00", "li", "fail", .handled, .dispatched, "SAN", due: "2026-10-08 10:00"),
            e("2026-10-07 09:00", "clean", "accept", .dispatched, .accepted, "SAN", due: "2026-10-08 10:00"),
            e("2026-10-07 15:00", "clean", "handle", .accepted, .handled, "SAN", due: "2026-10-07 17:00"),
            e("2026-10-07 16:00", "li", "pass", .handled, .checked, "SAN", due: nil),
            e("2026-10-07 16:30", "centre", "close", .checked, .closed, "SAN", due: nil),
        ]),
        // 2: from the public; returned by two departments, dispatched late the third time,
        // handled late, closed late.
        CaseFacts(category: "0101", source: .publicWeb, place: g1, reporter: nil, history: [
            e("2026-10-08 09:00", "public", "report", nil, .reported, "C1", due: "2026-10-08 11:00"),
            e("2026-10-08 10:00", "li", "verify", .reported, .verified, "C1", due: "2026-10-08 12:00"),
            e("2026-10-08 11:00", "centre", "file", .verified, .filed, "C1", due: "2026-10-08 12:00"),
            e("2026-10-08 11:30", "centre", "dispatch", .filed, .dispatched, "WATER", due: "2026-10-10 11:30", ["department": "WATER"]),
            e("2026-10-08 14:00", "water", "return", .dispatched, .filed, "C1", due: "2026-10-08 15:00"),
            e("2026-10-08 14:30", "centre", "dispatch", .filed, .dispatched, "PARKS", due: "2026-10-10 14:30", ["department": "PARKS"]),
            e("2026-10-08 16:00", "parks", "return", .dispatched, .filed, "C1", due: "2026-10-08 17:00"),
            e("2026-10-09 09:00", "centre", "dispatch", .filed, .dispatched, "SAN", due: "2026-10-09 15:00", ["department": "SAN"]),
            e("2026-10-09 10:00", "clean", "accept", .dispatched, .accepted, "SAN", due: "2026-10-09 15:00"),
            e("2026-10-09 16:00", "clean", "handle", .accepted, .handled, "SAN", due: "2026-10-09 17:00"),
            e("2026-10-09 16:30", "li", "pass", .handled, .checked, "SAN", due: nil),
            e("2026-10-09 17:30", "centre", "close", .checked, .closed, "SAN", due: nil),
        ]),
        // 3: extended by a day, handled within the extended limit.
        CaseFacts(category: "0101", source: .gridStaff, place: g2, reporter: "wang", history: [
            e("2026-10-12 09:00", "wang", "report", nil, .reported, "C1", due: "2026-10-12 10:00"),
            e("2026-10-12 09:20", "wang", "verify", .reported, .verified, "C1", due: "2026-10-12 10:20"),
            e("2026-10-12 09:40", "centre", "file", .verified, .filed, "C1", due: "2026-10-12 10:40"),
            e("2026-10-12 10:00", "centre", "dispatch", .filed, .dispatched, "SAN", due: "2026-10-13 10:00", ["department": "SAN"]),
            e("2026-10-12 11:00", "clean", "accept", .dispatched, .accepted, "SAN", due: "2026-10-13 10:00"),
            e("2026-10-13 09:00", "clean", "request_extension", .accepted, .accepted, "SAN", due: "2026-10-13 10:00", ["limit": "1d"]),
            e("2026-10-13 09:30", "centre", "approve", .accepted, .accepted, "SAN", due: "2026-10-14 10:00"),
            e("2026-10-14 09:00", "clean", "handle", .accepted, .handled, "SAN", due: "2026-10-14 11:00"),
            e("2026-10-14 10:00", "wang", "pass", .handled, .checked, "SAN", due: nil),
            e("2026-10-14 10:30", "centre", "close", .checked, .closed, "SAN", due: nil),
        ]),
        // 4: by the hotline; suspended with approval and still suspended.
        CaseFacts(category: "0101", source: .hotline, place: g2, reporter: nil, history: [
            e("2026-10-15 09:00", "centre", "report", nil, .reported, "C1", due: "2026-10-15 11:00"),
            e("2026-10-15 09:30", "wang", "verify", .reported, .verified, "C1", due: "2026-10-15 12:00"),
            e("2026-10-15 10:00", "centre", "file", .verified, .filed, "C1", due: "2026-10-15 11:00"),
            e("2026-10-15 10:30", "centre", "dispatch", .filed, .dispatched, "SAN", due: "2026-10-16 10:30", ["department": "SAN"]),
            e("2026-10-15 11:00", "clean", "accept", .dispatched, .accepted, "SAN", due: "2026-10-16 10:30"),
            e("2026-10-15 14:00", "clean", "request_suspension", .accepted, .accepted, "SAN", due: "2026-10-16 10:30"),
            e("2026-10-15 14:30", "centre", "approve", .accepted, .suspended, "SAN", due: "2026-10-16 10:30"),
        ]),
        // 5: by SMS on the 30th; not dispatched by the community in time, supervised, then
        // escalated to the street in November and dispatched there; still open.
        CaseFacts(category: "0101", source: .sms, place: g1, reporter: nil, history: [
            e("2026-10-30 16:00", "sms", "report", nil, .reported, "C1", due: "2026-10-30 17:00"),
            e("2026-10-30 16:30", "li", "verify", .reported, .verified, "C1", due: "2026-10-30 17:30"),
            e("2026-10-30 17:00", "centre", "file", .verified, .filed, "C1", due: "2026-10-30 17:30"),
            e("2026-11-02 09:00", "supervision", "supervise", .filed, .filed, "C1", due: "2026-11-02 10:00"),
            e("2026-11-02 10:30", "supervision", "escalate", .filed, .filed, "S1", due: "2026-11-02 11:30"),
            e("2026-11-02 11:00", "centre", "dispatch", .filed, .dispatched, "SAN", due: "2026-11-04 11:00", ["department": "SAN"]),
        ]),
        // 6: filed, then voided as a duplicate; verified late.
        CaseFacts(category: "0101", source: .gridStaff, place: g2, reporter: "wang", history: [
            e("2026-10-20 09:00", "wang", "report", nil, .reported, "C1", due: "2026-10-20 09:20"),
            e("2026-10-20 09:30", "wang", "verify", .reported, .verified, "C1", due: "2026-10-20 10:30"),
            e("2026-10-20 10:00", "centre", "file", .verified, .filed, "C1", due: "2026-10-20 11:00"),
            e("2026-10-20 10:20", "centre", "void", .filed, .voided, "C1", due: nil, ["reason": "duplicate", "duplicate_of": "1"]),
        ]),
        // 7: a report that was not true.
        CaseFacts(category: "0101", source: .gridStaff, place: g2, reporter: "wang", history: [
            e("2026-10-21 09:00", "wang", "report", nil, .reported, "C1", due: "2026-10-21 10:00"),
            e("2026-10-21 09:40", "centre", "void", .reported, .voided, "C1", due: nil, ["reason": "not_true"]),
        ]),
    ]

    /// Tallies of a unit over days [first, last].
    static func tally(_ level: UnitLevel, _ unit: String, _ period: Period) -> Tally {
        let calendar = WorkingCalendar()
        var total = Tally()
        for c in cases {
            for (key, t) in c.tallies(calendar: calendar) where key.level == level && key.unit == unit && (period.first.number...period.last.number).contains(key.day) {
                total.add(t)
            }
        }
        return total
    }

    static let october = Period("2026-10")!, november = Period("2026-11")!

    @Test func theDistrictInOctober() {
        let t = Self.tally(.district, "D", Self.october)
        func v(_ i: Indicator) -> Double? { i.value(t) }
        // Reports 7, six filed; one voided after filing.
        #expect(t[.reports] == 7 && t[.reportsFiled] == 6 && t[.filed] == 6)
        #expect(v(.validReportRate) == 85.71)
        #expect(v(.accurateFilingRate) == 83.33)
        // Due to close in October: 1, 2, 3 (4 is suspended, 5 falls due in November, 6 and 7
        // are voided); all closed, 2 late; 1 reworked.
        #expect(t[.dueClose] == 3 && t[.closed] == 3 && t[.closedOnTime] == 2)
        #expect(v(.closingRate) == 100 && v(.onTimeClosingRate) == 66.67 && v(.reworkRate) == 33.33)
        // Dispatches: 1 + 3 + 1 + 1 (5's is in November); two returned; one extended.
        #expect(t[.dispatches] == 6 && t[.returns] == 2 && t[.extended] == 1)
        #expect(v(.returnRate) == 33.33 && v(.accurateDispatchRate) == 66.67 && v(.extensionRate) == 16.67)
        // Handling due: 1 twice, 2 at SAN (late), 3 (extended, in time); the returned runs
        // ended before their deadlines and 4 is suspended: 3 of 4 in time.
        #expect(t[.handle].due == 4 && v(.onTimeHandlingRate) == 75)
        // Verification: all seven, 6's late. Filing: six in time.
        #expect(v(.timelyVerificationRate) == 85.71 && t[.verify].due == 7)
        #expect(v(.timelyFilingRate) == 100 && t[.file].due == 6)
        // Dispatch steps: 1; 2 three times (the third late); 3; 4; 5 at the community (passed up
        // after its deadline: late, on the 30th); 6 (voided in time): 6 of 8.
        #expect(t[.dispatch].due == 8 && v(.timelyDispatchRate) == 75)
        // Checks: 1 twice (one failed), 2, 3.
        #expect(t[.check].due == 4 && v(.timelyCheckRate) == 100 && t[.failedChecks] == 1)
        // From the public and true: 2, 4, 5 of six filed; none merged into a staff report.
        #expect(v(.publicReportShare) == 50 && v(.missedReportRate) == 50)
        // Verification times: 30, 60, 20, 30, 30, 30, 40 minutes of working time.
        #expect(t[.verify].done == 7 && abs(t[.verify].seconds - 240 * 60) < 1)
        let p90 = (t.quantile(0.9, of: .verify) ?? 0) / 60
        #expect(p90 > 53 && p90 <= 64, "p90 of the verification times (60 min) within its bucket: \(p90)")
    }

    /// A case moved to another category once filed counts against accurate filing; one moved
    /// before it was filed does not.
    @Test func recategorisingAfterFilingIsInaccurateFiling() {
        let after = CaseFacts(category: "0107", source: .sms, place: Self.g1, reporter: nil, history: [
            Self.e("2026-10-05 09:00", "sms", "report", nil, .reported, "C1", due: "2026-10-05 10:00"),
            Self.e("2026-10-05 09:10", "centre", "verify", .reported, .verified, "C1", due: "2026-10-05 10:10"),
            Self.e("2026-10-05 09:20", "centre", "file", .verified, .filed, "C1", due: "2026-10-05 10:20"),
            Self.e("2026-10-05 09:30", "centre", "dispatch", .filed, .dispatched, "ROADS", due: "2026-10-06 09:30", ["department": "ROADS"]),
            Self.e("2026-10-05 10:00", "roads", "return", .dispatched, .filed, "C1", due: "2026-10-05 11:00"),
            Self.e("2026-10-05 10:05", "centre", "recategorise", .filed, .filed, "C1", due: "2026-10-05 11:00", ["category": "0107", "from": "0901"]),
        ])
        let before = CaseFacts(category: "0107", source: .sms, place: Self.g1, reporter: nil, history: [
            Self.e("2026-10-06 09:00", "sms", "report", nil, .reported, "C1", due: "2026-10-06 10:00"),
            Self.e("2026-10-06 09:05", "centre", "recategorise", .reported, .reported, "C1", due: "2026-10-06 10:00", ["category": "0107", "from": "0901"]),
            Self.e("2026-10-06 09:10", "centre", "verify", .reported, .verified, "C1", due: "2026-10-06 10:10"),
            Self.e("2026-10-06 09:20", "centre", "file", .verified, .filed, "C1", due: "2026-10-06 10:20"),
        ])
        #expect(after.recategorisedAfterFiling && !before.recategorisedAfterFiling)
        func district(_ facts: [CaseFacts]) -> Tally {
            var total = Tally()
            for c in facts { for (key, t) in c.tallies(calendar: WorkingCalendar()) where key.level == .district { total.add(t) } }
            return total
        }
        #expect(district([after])[.recategorisedAfterFiling] == 1 && Indicator.accurateFilingRate.value(district([after])) == 0)
        #expect(Indicator.accurateFilingRate.value(district([before])) == 100)
        #expect(Indicator.accurateFilingRate.value(district([after, before])) == 50)
    }

    /// Satisfaction (满意率: satisfied and fairly satisfied of those rated, the first rating
    /// after each case's closing counted) and reopening (重办率: of the cases closed).
    @Test func satisfactionAndReopenRates() {
        func closed(_ day: String, _ ratings: [(String, String)]) -> CaseFacts {
            var h = [Self.e("2026-10-\(day) 09:00", "sms", "report", nil, .reported, "C1", due: nil),
                     Self.e("2026-10-\(day) 09:10", "centre", "verify", .reported, .verified, "C1", due: nil),
                     Self.e("2026-10-\(day) 09:20", "centre", "file", .verified, .filed, "C1", due: nil),
                     Self.e("2026-10-\(day) 09:30", "centre", "dispatch", .filed, .dispatched, "SAN", due: nil, ["department": "SAN"]),
                     Self.e("2026-10-\(day) 10:00", "clean", "accept", .dispatched, .accepted, "SAN", due: nil),
                     Self.e("2026-10-\(day) 11:00", "clean", "handle", .accepted, .handled, "SAN", due: nil),
                     Self.e("2026-10-\(day) 12:00", "li", "pass", .handled, .checked, "SAN", due: nil),
                     Self.e("2026-10-\(day) 13:00", "centre", "close", .checked, .closed, "SAN", due: nil)]
            for (time, rating) in ratings {
                h.append(Self.e("2026-10-\(day) \(time)", "reporter", "rate", .closed, .closed, "SAN", due: nil, ["rating": rating]))
                if rating == "dissatisfied" {
                    h.append(Self.e("2026-10-\(day) \(time)", "reporter", "reopen", .closed, .dispatched, "SAN", due: nil, ["department": "SAN"]))
                }
            }
            return CaseFacts(category: "0101", source: .sms, place: Self.g1, reporter: nil, history: h)
        }
        let facts = [closed("05", [("14:00", "satisfied")]), closed("06", [("14:00", "fairly_satisfied")]), closed("07", [("14:00", "dissatisfied")]), closed("08", [])]
        var t = Tally()
        for c in facts { for (key, x) in c.tallies(calendar: WorkingCalendar()) where key.level == .district { t.add(x) } }
        #expect(t[.rated] == 3 && t[.satisfied] == 2 && t[.reopened] == 1)
        #expect(Indicator.satisfactionRate.value(t) == 66.67 && Indicator.reopenRate.value(t) == 33.33, "1 of 3 closed (the reopened one is open again)")
        #expect(Indicator.satisfactionRate.chinese == "满意率" && Indicator.reopenRate.chinese == "重办率" && !Indicator.reopenRate.higherIsBetter)
    }

    @Test func theDistrictInNovember() {
        let t = Self.tally(.district, "D", Self.november)
        // 5: its street desk dispatched in time; the department's handling fell due on the 4th
        // and it is open: due to close, not closed.
        #expect(t[.dispatch].due == 1 && t[.dispatch].onTime == 1 && t[.dispatches] == 1)
        #expect(t[.handle].due == 1 && t[.handle].onTime == 0)
        #expect(Indicator.closingRate.value(t) == 0 && t[.reports] == 0)
    }

    @Test func departmentsAndPeople() {
        let san = Self.tally(.department, "SAN", Self.october)
        #expect(san[.dispatches] == 4 && san[.returns] == 0 && Indicator.extensionRate.value(san) == 25)
        #expect(san[.handle].due == 4 && Indicator.onTimeHandlingRate.value(san) == 75)
        #expect(san[.dueClose] == 3 && san[.closedOnTime] == 2 && san[.reworked] == 1)
        let water = Self.tally(.department, "WATER", Self.october)
        #expect(water[.dispatches] == 1 && Indicator.returnRate.value(water) == 100 && water[.handle].due == 0)
        // wang reported 3, 2 filed; verified 3, 4 and 6 (6 late).
        let wang = Self.tally(.person, "wang", Self.october)
        #expect(wang[.reports] == 3 && Indicator.validReportRate.value(wang) == 66.67)
        #expect(wang[.verify].due == 3 && wang[.verify].onTime == 2)
        // The command centre filed six (one voided after) and dispatched six.
        let centre = Self.tally(.person, "centre", Self.october)
        #expect(centre[.filed] == 6 && Indicator.accurateFilingRate.value(centre) == 83.33 && centre[.dispatches] == 6)
        // Grid 2: cases 3, 4, 6, 7.
        let g2 = Self.tally(.grid, "G2", Self.october)
        #expect(g2[.reports] == 4 && g2[.filed] == 3 && g2[.dueClose] == 1 && Indicator.missedReportRate.value(g2) == 33.33)
    }

    @Test func scoresGradesAndTheMinimumSample() throws {
        let config = try AssessmentConfig.decode(Data("""
            {"minimum_sample": 2, "grades": [{"grade": "A", "minimum": 90}, {"grade": "B", "minimum": 75}, {"grade": "C", "minimum": 60}, {"grade": "D", "minimum": 40}],
             "deductions": {"overdue_case": 1, "failed_check": 0.5, "three_failed_checks": 5},
             "weights": {"department": {"volume": 10, "closing_rate": 30, "on_time_handling_rate": 30, "rework_rate": 30}}}
            """.utf8))
        let tallies = ["SAN": Self.tally(.department, "SAN", Self.october), "WATER": Self.tally(.department, "WATER", Self.october),
                       "PARKS": Self.tally(.department, "PARKS", Self.october)]
        let r = Ranking.make(period: "2026-10", level: .department, config: config, names: [:], current: tallies, previous: [:], yearEarlier: [:])
        // SAN: volume 4 of 4 → 100; closing 100; on-time handling 75; rework 33.33 → 66.67:
        // (10·100 + 30·100 + 30·75 + 30·66.67)/100 = 82.50; deductions: 1 overdue (3 due, 2 in
        // time) + 0.5 for one failed check = 1.5 → 81, B.
        let san = try #require(r.units.first)
        #expect(san.unit == "SAN" && san.score == 81 && san.grade == "B" && san.rank == 1 && san.deductions == 1.5)
        // WATER and PARKS: one dispatch each, below the sample: listed, not ranked.
        #expect(r.units.count == 3 && r.units.dropFirst().allSatisfy { $0.rank == nil })
        #expect(throws: CaseError.self) { try AssessmentConfig.decode(Data(#"{"minimum_sample": 1, "grades": [], "deductions": {"overdue_case": 0, "failed_check": 0, "three_failed_checks": 0}, "weights": {"street": {"speed": 1}}}"#.utf8)) }
    }
}
