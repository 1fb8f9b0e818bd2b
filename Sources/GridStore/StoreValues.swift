import CivicGridModel
import Foundation
import Synchronization

/// JSON in a text column.
public enum StoreJSON {
    public static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ text: String, _ what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError("\(what) holds unreadable JSON: \(error)")
        }
    }

    /// `decode` remembered by the text: for the catalogue (the calendar, a category's limits),
    /// read at every step of every case and changed rarely. At most 512 texts are kept.
    public static func decodeCached<T: Decodable & Sendable>(_ type: T.Type, _ text: String, _ what: String) throws -> T {
        let key = "\(T.self)\u{0}\(text)"
        if let hit = memo.withLock({ $0[key] }) as? T { return hit }
        let value = try decode(type, text, what)
        memo.withLock {
            if $0.count >= 512 { $0.removeAll() }
            $0[key] = value
        }
        return value
    }

    private static let memo = Mutex<[String: any Sendable]>([:])
}

/// Instants as text: UTC with milliseconds, as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ'),
/// rounded to the millisecond both ways so that text → date → text gives the same text.
public enum StoreTime {
    /// `2026-11-30T01:50:00.000Z`: UTC to the millisecond.
    public static func text(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let fraction = Int(ms - seconds * 1000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let inDay = Int(seconds - days * 86_400)
        let (y, m, d) = Day.civil(fromDays: Int(days))
        var out = [UInt8]()
        out.reserveCapacity(24)
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: 48, count: width), v = v
            for i in stride(from: width - 1, through: 0, by: -1) { digits[i] = UInt8(48 + v % 10); v /= 10 }
            out += digits
        }
        put(y, 4); out.append(45); put(m, 2); out.append(45); put(d, 2); out.append(84)
        put(inDay / 3600, 2); out.append(58); put(inDay / 60 % 60, 2); out.append(58); put(inDay % 60, 2)
        out.append(46); put(fraction, 3); out.append(90)
        return String(decoding: out, as: UTF8.self)
    }

    /// The time `text` writes (read fast), or any ISO 8601 time with a zone.
    public static func date(_ text: String) -> Date? {
        let b = Array(text.utf8)
        if b.count == 24, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 46, b[23] == 90 {
            func n(_ r: Range<Int>) -> Int? {
                var v = 0
                for i in r { guard (48...57).contains(b[i]) else { return nil }; v = v * 10 + Int(b[i] - 48) }
                return v
            }
            guard let y = n(0..<4), let mo = n(5..<7), let d = n(8..<10), let h = n(11..<13), let mi = n(14..<16), let s = n(17..<19), let f = n(20..<23),
                  (1...12).contains(mo), (1...Day.daysIn(month: mo, year: y)).contains(d), h < 24, mi < 60, s < 60 else { return nil }
            let days = Int64(Day.daysFromCivil(year: y, month: mo, day: d))
            let ms = ((days * 86_400 + Int64(h * 3600 + mi * 60 + s)) * 1000) + Int64(f)
            return Date(timeIntervalSince1970: Double(ms) / 1000)
        }
        guard let d = (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
                ?? (try? Date.ISO8601FormatStyle().parse(text)) else { return nil }
        return Date(timeIntervalSince1970: (d.timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
