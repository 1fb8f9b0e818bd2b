import Foundation

/// Any JSON value: feature properties and foreign members.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public var doubleValue: Double? {
        switch self {
        case .number(let d): d
        case .string(let s): Double(s.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }

    /// The value as text: strings as they are, numbers without a trailing `.0`.
    public var stringValue: String? {
        switch self {
        case .string(let s): s
        case .number(let d): JSONValue.format(d)
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }

    public var isNull: Bool { self == .null }

    /// A number as JSON text: whole numbers without a fraction.
    public static func format(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 9.007_199_254_740_992e15 { return String(Int64(d)) }
        return String(d)
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

// Literals, so that JSON documents (the OpenAPI description) are written as JSON. Not `nil`:
// an optional JSONValue set to nil must stay absent, not become null.
extension JSONValue: ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(Dictionary(elements) { $1 }) }
}

extension JSONValue {
    /// A key said twice in one object of a request.
    public struct DuplicateKey: Error, CustomStringConvertible {
        public var key: String
        public var description: String { "\"\(key)\" appears twice in one object: say each member once" }
    }

    /// A JSON text, refusing one that gives a key twice in an object (a decoder would keep
    /// one of the two and ignore the other without a word).
    public static func decode(_ data: Data) throws -> JSONValue {
        let value = try JSONDecoder().decode(JSONValue.self, from: data)
        if let key = duplicateKey(in: data) { throw DuplicateKey(key: key) }
        return value
    }

    /// The first key that appears twice in one object of a JSON text, if any (by its decoded
    /// value, so `"a"` and `"\u0061"` are the same key). Decoders keep one of the two silently;
    /// a request that says a thing twice is refused instead. Not a validator: run it on text a
    /// JSON decoder accepted.
    public static func duplicateKey(in data: Data) -> String? {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> String? in
            let b = raw.bindMemory(to: UInt8.self)
            // Per open container, the index of its keys in `seen` (-1: an array); each set is
            // changed in place, so a wide object costs what its keys cost.
            var stack: [Int] = [], seen: [Set<String>] = []
            var expectKey = false
            var i = 0
            while i < b.count {
                switch b[i] {
                case UInt8(ascii: "{"):
                    seen.append([]); stack.append(seen.count - 1); expectKey = true
                case UInt8(ascii: "["):
                    stack.append(-1); expectKey = false
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if let top = stack.popLast(), top >= 0 { seen.removeLast() }
                    expectKey = false
                case UInt8(ascii: ","):
                    expectKey = (stack.last ?? -1) >= 0
                case UInt8(ascii: "\""):
                    let start = i
                    var escaped = false
                    i += 1
                    while i < b.count, b[i] != UInt8(ascii: "\"") {
                        if b[i] == UInt8(ascii: "\\") { escaped = true; i += 1 }
                        i += 1
                    }
                    if expectKey, let top = stack.last, top >= 0, i < b.count {
                        let text = Data(b[start...i])
                        let key = escaped ? ((try? JSONDecoder().decode(String.self, from: text)) ?? String(decoding: text, as: UTF8.self))
                                          : String(decoding: text.dropFirst().dropLast(), as: UTF8.self)
                        if !seen[top].insert(key).inserted { return key }
                        expectKey = false
                    }
                default:
                    break
                }
                i += 1
            }
            return nil
        }
    }
}
