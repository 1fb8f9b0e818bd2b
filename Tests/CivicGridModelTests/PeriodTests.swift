import CivicGridModel
import Foundation
import Testing

/// The periods indicators and rankings are computed over, and the ones they are compared with.
struct PeriodTests {
    @Test func parsesEveryKindAndWritesItBack() throws {
        for (text, first, last) in [("2026-10-05", "2026-10-05", "2026-10-05"), ("2026-10", "2026-10-01", "2026-10-31"), ("2026-02", "2026-02-01", "2026-02-28"),
                                    ("2024-02", "2024-02-01", "2024-02-29"), ("2026-Q4", "2026-10-01", "2026-12-31"), ("2026-Q1", "2026-01-01", "2026-03-31"),
                                    ("2026", "2026-01-01", "2026-12-31"), ("2026-10-01..2026-10-15", "2026-10-01", "2026-10-15")] {
            let p = try #require(Period(text), "\(text)")
            #expect(p.first.description == first && p.last.description == last, "\(text)")
            #expect(p.description == text)
        }
        for bad in ["2026-13", "2026-Q5", "2026-Q0", "2026-02-30", "26-10", "2026-10-15..2026-10-01", "", "last month", "2026-1"] {
            #expect(Period(bad) == nil, "\(bad)")
        }
    }

    @Test func previousAndYearEarlier() throws {
        #expect(try #require(Period("2026-01")).previous.description == "2025-12")
        #expect(try #require(Period("2026-03")).previous.description == "2026-02")
        #expect(try #require(Period("2026-Q1")).previous.description == "2025-Q4")
        #expect(try #require(Period("2026-Q3")).previous.description == "2026-Q2")
        #expect(try #require(Period("2026")).previous.description == "2025")
        #expect(try #require(Period("2026-03-01")).previous.description == "2026-02-28")
        #expect(try #require(Period("2026-10-11..2026-10-20")).previous.description == "2026-10-01..2026-10-10")
        #expect(try #require(Period("2026-10")).yearEarlier.description == "2025-10")
        #expect(try #require(Period("2026-Q4")).yearEarlier.description == "2025-Q4")
        #expect(try #require(Period("2024-02-29")).yearEarlier.description == "2023-02-28")
    }

    @Test func coversLocalDays() throws {
        let interval = try #require(Period("2026-10")).interval(in: WorkingCalendar())
        let iso = ISO8601DateFormatter()
        #expect(interval.start == iso.date(from: "2026-09-30T16:00:00Z") && interval.end == iso.date(from: "2026-10-31T16:00:00Z"), "Beijing time")
    }
}
