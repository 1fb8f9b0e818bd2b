import CivicGridModel
import Foundation

/// Times as devices send them.
public enum Timestamp {
    /// A number: seconds below 2^31, milliseconds from there on (as Traccar reads it).
    public static func fromNumber(_ n: Double) -> Double {
        n < 2_147_483_648 ? n : n / 1000
    }

    /// A number (see `fromNumber`), RFC 3339 / ISO 8601 text with a zone
    /// (`2024-05-01T08:30:00.250+08:00`, `…Z`), or `yyyy-MM-dd HH:mm:ss[.SSS]` taken as UTC
    /// when it has no zone. Nil for anything else.
    public static func parse(_ text: some StringProtocol) -> Double? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if let n = Double(s) { return n.isFinite && n >= 0 ? fromNumber(n) : nil }
        return parseISO(Array(s.utf8))
    }

    public static func parseISO(_ b: [UInt8]) -> Double? {
        var i = 0
        func number(_ width: Int) -> Int? {
            guard i + width <= b.count else { return nil }
            var v = 0
            for k in i..<(i + width) {
                let d = Int(b[k]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                v = v * 10 + d
            }
            i += width
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")), let day = number(2),
              i < b.count else { return nil }
        let separator = b[i]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = number(2), expect(UInt8(ascii: ":")), let minute = number(2), expect(UInt8(ascii: ":")), let second = number(2) else {
            return nil
        }
        var fraction = 0.0
        if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        var offset = 0
        if i == b.count {
            // No zone: only the space-separated form, which OsmAnd apps send in UTC.
            guard separator == UInt8(ascii: " ") else { return nil }
        } else if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: " ") {
            // A space stands for "+" when a URL's "+" was decoded as form data.
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let h = number(2) else { return nil }
            var m = 0
            if i < b.count {
                _ = expect(UInt8(ascii: ":"))
                guard let mm = number(2) else { return nil }
                m = mm
            }
            guard h <= 23, m <= 59 else { return nil }
            offset = sign * (h * 3600 + m * 60)
        }
        guard i == b.count, (1...12).contains(month), day >= 1, day <= Day.daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        let days = Day.daysFromCivil(year: year, month: month, day: day)
        return Double(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }
}
