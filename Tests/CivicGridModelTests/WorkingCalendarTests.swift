import CivicGridModel
import Foundation
import Testing

/// Deadlines on a working calendar: 08:30–12:00 and 13:30–17:30, UTC+8, with 2026's National
/// Day holiday (1–7 October) and its make-up working days (Sunday 20 September, Saturday 10
/// October), as in Data/cases/calendar-2026.json.
struct WorkingCalendarTests {
    static let calendar = WorkingCalendar(
        holidays: Set((1...7).map { Day(String(format: "2026-10-%02d", $0))! }),
        workdays: [Day("2026-09-20")!, Day("2026-10-10")!])

    /// A local time in China.
    static func at(_ text: String) -> Date {
        let f = ISO8601DateFormatter()
        return f.date(from: text + ":00+08:00")!
    }

    @Test func daysAndWeekdays() {
        #expect(Day("2026-11-30")?.weekday == 1)
        #expect(Day("2026-10-10")?.weekday == 6)
        #expect(Day("2026-11-30")?.description == "2026-11-30")
        #expect(Day("2024-02-29") != nil && Day("2026-02-29") == nil && Day("2026-13-01") == nil && Day("2026-1-01") == nil)
        #expect(Self.calendar.day(of: Self.at("2026-11-30T23:59")) == Day("2026-11-30"))
        #expect(Self.calendar.day(of: Self.at("2026-12-01T00:00")) == Day("2026-12-01"))
    }

    /// Friday 16:50 with two working hours: 40 minutes that evening, 80 the next working
    /// morning — Monday, or the make-up Saturday when there is one.
    @Test func twoWorkingHoursFromFridayAfternoon() {
        let c = Self.calendar
        #expect(c.deadline(from: Self.at("2026-11-27T16:50"), limit: .workingHours(2)) == Self.at("2026-11-30T09:50"))
        #expect(c.deadline(from: Self.at("2026-10-09T16:50"), limit: .workingHours(2)) == Self.at("2026-10-10T09:50"), "make-up Saturday")
        #expect(c.deadline(from: Self.at("2026-09-18T16:50"), limit: .workingHours(2)) == Self.at("2026-09-20T09:50"), "make-up Sunday")
        #expect(c.deadline(from: Self.at("2026-09-30T16:50"), limit: .workingHours(2)) == Self.at("2026-10-08T09:50"), "over the holiday")
        // Filed in the lunch break or at night: the clock starts at the next working period.
        #expect(c.deadline(from: Self.at("2026-11-30T12:10"), limit: .workingHours(1)) == Self.at("2026-11-30T14:30"))
        #expect(c.deadline(from: Self.at("2026-11-28T22:00"), limit: .workingHours(1)) == Self.at("2026-11-30T09:30"))
        #expect(c.workingSeconds(from: Self.at("2026-11-27T16:50"), to: Self.at("2026-11-30T09:50")) == 7200)
    }

    @Test func workingDaysAndNaturalHours() {
        let c = Self.calendar
        #expect(c.minutesPerDay == 450)
        #expect(c.deadline(from: Self.at("2026-11-30T10:00"), limit: .workingDays(1)) == Self.at("2026-12-01T10:00"))
        #expect(c.deadline(from: Self.at("2026-11-27T10:00"), limit: .workingDays(1)) == Self.at("2026-11-30T10:00"))
        #expect(c.deadline(from: Self.at("2026-11-28T23:00"), limit: .naturalHours(4)) == Self.at("2026-11-29T03:00"))
        #expect(c.deadline(from: Self.at("2026-09-30T10:00"), limit: .naturalHours(48)) == Self.at("2026-10-02T10:00"), "holidays count on the clock")
    }

    /// An approved extension or suspension stops the clock while it runs.
    @Test func pausesStopTheClock() {
        let c = Self.calendar
        let start = Self.at("2026-11-30T09:00")
        #expect(c.deadline(from: start, limit: .workingDays(1)) == Self.at("2026-12-01T09:00"))
        // Stopped from 10:00 to 14:30: 180 working minutes later.
        let pause = DateInterval(start: Self.at("2026-11-30T10:00"), end: Self.at("2026-11-30T14:30"))
        #expect(c.deadline(from: start, limit: .workingDays(1), pauses: [pause]) == Self.at("2026-12-01T12:00"))
        #expect(c.workingSeconds(from: start, to: Self.at("2026-11-30T17:30"), pauses: [pause]) == (450 - 30 - 180) * 60)
        // Overlapping pauses count once.
        let overlap = DateInterval(start: Self.at("2026-11-30T11:00"), end: Self.at("2026-11-30T12:00"))
        #expect(c.deadline(from: start, limit: .workingDays(1), pauses: [pause, overlap]) == Self.at("2026-12-01T12:00"))
    }

    @Test func limitsAndCalendarsAreChecked() throws {
        #expect(TimeLimit("2h") == .workingHours(2) && TimeLimit("1.5d") == .workingDays(1.5) && TimeLimit("4nh") == .naturalHours(4))
        for bad in ["", "h", "0h", "-1h", "2", "2x", "nanh", "1e9h"] { #expect(TimeLimit(bad) == nil, "\(bad)") }
        #expect(throws: CaseError.self) { try WorkingCalendar(periods: [.init(start: 600, end: 500)]).validate() }
        #expect(throws: CaseError.self) { try WorkingCalendar(weekend: Set(1...7)).validate() }
        #expect(WorkingCalendar(weekend: Set(1...7)).deadline(from: Date(), limit: .workingHours(1)) == nil)
        try Self.calendar.validate()
        let decoded = try JSONDecoder().decode(WorkingCalendar.self, from: try JSONEncoder().encode(Self.calendar))
        #expect(decoded == Self.calendar)
    }
}
