import Foundation

/// A tally as stored: varints (zigzag), the counts, then per step due, on time, done, whole
/// seconds and the histogram's (bucket, runs) pairs.
public enum TallyCodec {
    /// Bytes that are not a stored tally.
    public struct Unreadable: Error, CustomStringConvertible {
        public var description: String { "an unreadable assessment tally" }
    }

    public static func encode(_ t: Tally) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(64)
        func put(_ v: Int) {
            var u = UInt64(bitPattern: Int64((v << 1) ^ (v >> 63)))
            while u >= 0x80 { out.append(UInt8(u & 0x7f) | 0x80); u >>= 7 }
            out.append(UInt8(u))
        }
        put(t.counts.count)
        t.counts.forEach(put)
        put(t.steps.count)
        for s in t.steps {
            put(s.due); put(s.onTime); put(s.done); put(Int(s.seconds.rounded()))
            put(s.histogram.count { $0 != 0 })
            for (b, n) in s.histogram.enumerated() where n != 0 { put(b); put(n) }
        }
        return Data(out)
    }

    public static func decode(_ data: Data) throws -> Tally {
        var t = Tally()
        try data.withUnsafeBytes { try add(UnsafeRawBufferPointer($0), into: &t) }
        return t
    }

    /// Adds a stored tally to `t` as it reads it (no tally made in between: what sums a
    /// period's rows fast).
    public static func add(_ bytes: UnsafeRawBufferPointer, into t: inout Tally) throws {
        var i = 0
        func get() throws -> Int {
            var u: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < bytes.count, shift < 64 else { throw Unreadable() }
                let b = bytes[i]
                i += 1
                u |= UInt64(b & 0x7f) << shift
                if b < 0x80 { break }
                shift += 7
            }
            return Int(Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))))
        }
        let n = try get()
        for k in 0..<n { let v = try get(); if k < t.counts.count { t.counts[k] += v } }
        let steps = try get()
        for k in 0..<steps {
            let (due, onTime, done, seconds) = (try get(), try get(), try get(), try get())
            let pairs = try get()
            guard k < t.steps.count else {
                for _ in 0..<pairs { _ = try get(); _ = try get() }
                continue
            }
            t.steps[k].due += due
            t.steps[k].onTime += onTime
            t.steps[k].done += done
            t.steps[k].seconds += Double(seconds)
            for _ in 0..<pairs { let b = try get(); t.steps[k].add(bucket: b, try get()) }
        }
    }
}

/// Calendar months as numbers (year × 12 + month − 1), for the monthly tallies.
public enum AssessmentMonth {
    public static func of(day: Int) -> Int {
        let (y, m, _) = Day.civil(fromDays: day)
        return y * 12 + m - 1
    }

    /// The first and last day of a month number.
    public static func days(_ month: Int) -> ClosedRange<Int> {
        let (y, m) = (month / 12, month % 12 + 1)
        return Day.daysFromCivil(year: y, month: m, day: 1)...Day.daysFromCivil(year: y, month: m, day: Day.daysIn(month: m, year: y))
    }

    /// A run of days as the whole months in it and the days before and after them.
    public static func split(_ days: ClosedRange<Int>) -> (months: ClosedRange<Int>?, days: [ClosedRange<Int>]) {
        var first = of(day: days.lowerBound), last = of(day: days.upperBound)
        if Self.days(first).lowerBound < days.lowerBound { first += 1 }
        if Self.days(last).upperBound > days.upperBound { last -= 1 }
        guard first <= last else { return (nil, [days]) }
        var rest: [ClosedRange<Int>] = []
        let covered = Self.days(first).lowerBound...Self.days(last).upperBound
        if days.lowerBound < covered.lowerBound { rest.append(days.lowerBound...(covered.lowerBound - 1)) }
        if covered.upperBound < days.upperBound { rest.append((covered.upperBound + 1)...days.upperBound) }
        return (first...last, rest)
    }
}
