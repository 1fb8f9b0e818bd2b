import Foundation
import GridGeometry

/// JSON Schemas (OpenAPI 3.0's dialect) made from the answer types themselves: an example value
/// is encoded through an `Encoder` that writes down the shape instead of the bytes — objects
/// and their members (required when the type always writes them, optional when it writes them
/// only if present), arrays and their items, strings, integers, numbers, booleans, and `null`
/// where the type is `Nullable`. The example fills the optional members so their types are
/// known; a `JSONValue` member is any JSON.
enum Schema {
    static func of<T: Encodable>(_ example: T) -> JSONValue {
        let root = Shape()
        try? root.take(example)  // the shape encoder itself never throws
        return root.schema
    }
}

/// What one value looks like, filled in as it is encoded.
private final class Shape {
    var type: String?
    var nullable = false
    var any = false
    var properties: [(name: String, shape: Shape, required: Bool)] = []
    var items: Shape?
    /// The strings an `EnumeratedAnswer` may be.
    var values: [String] = []
    /// What a member means (`DescribedAnswer`).
    var text: String?

    var schema: JSONValue {
        if any { return nullable ? ["nullable": true] : [:] }
        var s: [String: JSONValue] = [:]
        if let type { s["type"] = .string(type) }
        if nullable { s["nullable"] = true }
        if type == "object" && !properties.isEmpty {
            s["properties"] = .object(Dictionary(properties.map { ($0.name, $0.shape.schema) }, uniquingKeysWith: { a, _ in a }))
            let required = properties.filter(\.required).map(\.name)
            if !required.isEmpty { s["required"] = .array(required.map { .string($0) }) }
        }
        if type == "array" { s["items"] = items?.schema ?? [:] }
        if !values.isEmpty { s["enum"] = .array(values.map { .string($0) }) }
        if let text { s["description"] = .string(text) }
        return .object(s)
    }

    func member(_ name: String, required: Bool) -> Shape {
        if let i = properties.firstIndex(where: { $0.name == name }) { return properties[i].shape }
        let shape = Shape()
        properties.append((name, shape, required))
        return shape
    }

    /// Takes the shape of `value`: JSON values by what they hold, `Nullable` as nullable, the
    /// rest by encoding them.
    func take<T: Encodable>(_ value: T) throws {
        switch value {
        case let json as JSONValue: takeJSON(json)
        case let optional as any NullableAnswer:
            nullable = true
            if let wrapped = optional.wrappedAnswer { try takeAny(wrapped) } else { any = true }
        case is any StringKeyedDictionary: type = "object"  // its keys are data, not names
        case let word as any EnumeratedAnswer:
            type = "string"
            values = Swift.type(of: word).allValues
        case is String, is Substring: type = "string"
        case is Bool: type = "boolean"
        case is Int, is Int64, is Int32, is Int16, is Int8, is UInt, is UInt64, is UInt32, is UInt16, is UInt8: type = "integer"
        case is Double, is Float: type = "number"
        default:
            try value.encode(to: ShapeEncoder(shape: self))
            if let described = value as? any DescribedAnswer {
                for (name, text) in Swift.type(of: described).descriptions { member(name, required: false).text = text }
            }
        }
    }

    /// An answer built as JSON: its example's shape (a `JSONValue` member of a typed answer
    /// is any JSON instead).
    func takeJSON(_ json: JSONValue) {
        switch json {
        case .object(let o):
            type = "object"
            for (k, v) in o.sorted(by: { $0.key < $1.key }) { member(k, required: true).takeJSON(v) }
        case .array(let a):
            type = "array"
            let item = Shape()
            if let first = a.first { item.takeJSON(first) } else { item.any = true }
            items = item
        case .string: type = "string"
        case .number: type = "number"
        case .bool: type = "boolean"
        case .null: any = true
        }
    }
}

/// A dictionary by string: an object whose members are whatever the data holds.
protocol StringKeyedDictionary {}
extension Dictionary: StringKeyedDictionary where Key == String {}

/// `Nullable`, seen through its wrapped value.
/// An answer whose members are described in its schema, by their JSON names.
protocol DescribedAnswer: Encodable {
    static var descriptions: [String: String] { get }
}

/// A string of an answer that is one of a fixed set (its schema lists them).
protocol EnumeratedAnswer: Encodable {
    static var allValues: [String] { get }
}

extension EnumeratedAnswer where Self: CaseIterable & RawRepresentable, RawValue == String {
    static var allValues: [String] { allCases.map(\.rawValue) }
}

protocol NullableAnswer {
    var wrappedAnswer: (any Encodable)? { get }
}

extension Nullable: NullableAnswer {
    var wrappedAnswer: (any Encodable)? { value }
}

private extension Shape {
    func takeAny(_ value: any Encodable) throws {
        func open<T: Encodable>(_ v: T) throws { try take(v) }
        try open(value)
    }
}

private struct ShapeEncoder: Encoder {
    let shape: Shape
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        shape.type = "object"
        return KeyedEncodingContainer(Keyed<Key>(shape: shape))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        shape.type = "array"
        return Unkeyed(shape: shape)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(shape: shape) }
}

private struct Single: SingleValueEncodingContainer {
    let shape: Shape
    var codingPath: [any CodingKey] = []

    mutating func encodeNil() throws { shape.nullable = true; shape.any = shape.type == nil }
    mutating func encode<T: Encodable>(_ value: T) throws { try shape.take(value) }
}

private struct Unkeyed: UnkeyedEncodingContainer {
    let shape: Shape
    var codingPath: [any CodingKey] = []
    var count = 0

    mutating func next() -> Shape {
        count += 1
        if let items = shape.items { return count == 1 ? items : Shape() }  // later items: their shape is the first's
        let item = Shape()
        shape.items = item
        return item
    }

    mutating func encodeNil() throws { next().nullable = true }
    mutating func encode<T: Encodable>(_ value: T) throws { try next().take(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        ShapeEncoder(shape: next()).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { ShapeEncoder(shape: next()).unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { ShapeEncoder(shape: next()) }
}

private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let shape: Shape
    var codingPath: [any CodingKey] = []

    mutating func encodeNil(forKey key: Key) throws { shape.member(key.stringValue, required: true).nullable = true }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let member = shape.member(key.stringValue, required: true)
        if value is JSONValue { member.any = true } else { try member.take(value) }
    }

    /// Written only when present: an optional member.
    private func optional<T: Encodable>(_ value: T?, _ key: Key, _ type: String?) throws {
        let member = shape.member(key.stringValue, required: false)
        if let value {
            if value is JSONValue { member.any = true } else { try member.take(value) }
        } else if let type {
            member.type = type
        } else {
            member.any = true
        }
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try optional(value, key, "boolean") }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try optional(value, key, "string") }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try optional(value, key, "number") }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try optional(value, key, "number") }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try optional(value, key, "integer") }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try optional(value, key, "integer") }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try optional(value, key, "integer") }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try optional(value, key, "integer") }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try optional(value, key, "integer") }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try optional(value, key, "integer") }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try optional(value, key, "integer") }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try optional(value, key, "integer") }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try optional(value, key, "integer") }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try optional(value, key, "integer") }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try optional(value, key, nil) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        ShapeEncoder(shape: shape.member(key.stringValue, required: true)).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ShapeEncoder(shape: shape.member(key.stringValue, required: true)).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ShapeEncoder(shape: shape) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ShapeEncoder(shape: shape.member(key.stringValue, required: true)) }
}
