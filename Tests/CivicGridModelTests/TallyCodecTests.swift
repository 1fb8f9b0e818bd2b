import CivicGridModel
import Foundation
import Testing

/// A tally as the store keeps it: written and read back the same, summed as read, and bytes
/// that are not one refused.
struct TallyCodecTests {
    @Test func roundTripsAndSumsAsRead() throws {
        let october = AssessmentTests.tally(.district, "D", AssessmentTests.october)
        #expect(october != Tally())
        #expect(try TallyCodec.decode(TallyCodec.encode(october)) == october)
        var twice = october
        try TallyCodec.encode(october).withUnsafeBytes { try TallyCodec.add($0, into: &twice) }
        var doubled = october
        doubled.add(october)
        #expect(twice == doubled)
    }

    @Test func bytesThatAreNotATallyAreRefused() {
        #expect(throws: TallyCodec.Unreadable.self) { try TallyCodec.decode(Data([0xff, 0xff])) }
        #expect(throws: TallyCodec.Unreadable.self) { try TallyCodec.decode(Data([0x04, 0x02])) }
    }

    @Test func monthsSplitARunOfDays() {
        let days = Period("2026-10")!.first.number...Period("2026-12")!.first.number + 3
        let (months, rest) = AssessmentMonth.split(days)
        #expect(months.map { AssessmentMonth.days($0.lowerBound).lowerBound } == Period("2026-10")!.first.number)
        #expect(months.map { AssessmentMonth.days($0.upperBound).upperBound } == Period("2026-11")!.last.number)
        #expect(rest == [Period("2026-12")!.first.number...Period("2026-12")!.first.number + 3])
    }
}
