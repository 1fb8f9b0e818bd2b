/// Writes GeoJSON text directly, with a fixed member order and number format, so that the
/// same values always give the same bytes.
public struct GeoJSONWriter: Sendable {
    /// Decimal places kept for coordinates; 7 is about 1 cm in longitude/latitude.
    public var coordinatePrecision: Int

    public init(coordinatePrecision: Int = 7) {
        self.coordinatePrecision = coordinatePrecision
    }

    /// A FeatureCollection with one feature per line.
    public func featureCollection(_ features: [Feature], foreignMembers: [(String, JSONValue)] = []) -> String {
        String(decoding: featureCollectionBytes(features, foreignMembers: foreignMembers), as: UTF8.self)
    }

    /// The same, as UTF-8 bytes (for servers: no String in between).
    public func featureCollectionBytes(_ features: [Feature], foreignMembers: [(String, JSONValue)] = []) -> [UInt8] {
        featureCollectionBytes(encoded: features.map(featureBytes), foreignMembers: foreignMembers)
    }

    /// A FeatureCollection of features already written by `featureBytes`.
    public func featureCollectionBytes(encoded features: [[UInt8]], foreignMembers: [(String, JSONValue)] = []) -> [UInt8] {
        var out = Sink()
        out.bytes.reserveCapacity(256 + features.reduce(0) { $0 + $1.count + 2 })
        out.append("{\"type\":\"FeatureCollection\"")
        for (k, v) in foreignMembers {
            out.append(",")
            Self.appendString(k, to: &out)
            out.append(":")
            Self.appendValue(v, to: &out)
        }
        out.append(",\"features\":[\n")
        for (i, f) in features.enumerated() {
            if i > 0 { out.append(",\n") }
            out.bytes.append(contentsOf: f)
        }
        out.append("\n]}\n")
        return out.bytes
    }

    /// One Feature object as UTF-8 bytes.
    public func featureBytes(_ f: Feature) -> [UInt8] {
        var out = Sink()
        appendFeature(f, to: &out)
        return out.bytes
    }

    public func feature(_ f: Feature) -> String {
        var out = Sink()
        appendFeature(f, to: &out)
        return out.string
    }

    public func geometry(_ g: Geometry) -> String {
        var out = Sink()
        appendGeometry(g, to: &out)
        return out.string
    }

    /// Bytes being written; appends ASCII and UTF-8 without going through String.
    struct Sink {
        var bytes: [UInt8] = []

        mutating func append(_ s: StaticString) {
            s.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        mutating func append(_ s: String) {
            var s = s
            s.withUTF8 { bytes.append(contentsOf: $0) }
        }

        var string: String { String(decoding: bytes, as: UTF8.self) }
    }

    func appendFeature(_ f: Feature, to out: inout Sink) {
        out.append("{\"type\":\"Feature\"")
        if let id = f.id {
            out.append(",\"id\":")
            switch id {
            case .string(let s): Self.appendString(s, to: &out)
            case .number(let d): out.append(JSONValue.format(d))
            }
        }
        out.append(",\"properties\":")
        Self.appendValue(.object(f.properties), to: &out)
        out.append(",\"geometry\":")
        if let g = f.geometry { appendGeometry(g, to: &out) } else { out.append("null") }
        out.append("}")
    }

    func appendGeometry(_ g: Geometry, to out: inout Sink) {
        out.append("{\"type\":\"")
        out.append(g.typeName)
        out.append("\",")
        if case .geometryCollection(let gs) = g {
            out.append("\"geometries\":")
            Self.appendList(gs, to: &out) { appendGeometry($0, to: &$1) }
            out.append("}")
            return
        }
        out.append("\"coordinates\":")
        switch g {
        case .point(let c): appendPosition(c, to: &out)
        case .multiPoint(let cs): appendPositions(cs, to: &out)
        case .lineString(let l): appendPositions(l.coordinates, to: &out)
        case .multiLineString(let ls): Self.appendList(ls, to: &out) { appendPositions($0.coordinates, to: &$1) }
        case .polygon(let p): appendPolygon(p, to: &out)
        case .multiPolygon(let ps): Self.appendList(ps, to: &out) { appendPolygon($0, to: &$1) }
        case .geometryCollection: break
        }
        out.append("}")
    }

    /// `[a,b,…]` with each item written by `body`.
    private static func appendList<T>(_ items: [T], to out: inout Sink, _ body: (T, inout Sink) -> Void) {
        out.append("[")
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(",") }
            body(item, &out)
        }
        out.append("]")
    }

    private func appendPolygon(_ p: Polygon, to out: inout Sink) {
        Self.appendList(p.rings, to: &out) { appendPositions($0.coordinates, to: &$1) }
    }

    private func appendPositions(_ cs: [Coordinate], to out: inout Sink) {
        Self.appendList(cs, to: &out) { appendPosition($0, to: &$1) }
    }

    private func appendPosition(_ c: Coordinate, to out: inout Sink) {
        out.append("[")
        appendNumber(c.x, to: &out)
        out.append(",")
        appendNumber(c.y, to: &out)
        out.append("]")
    }

    /// `number(value, precision:)` written digit by digit: the same text (the shortest that
    /// reads back as the rounded value has exactly these digits) without formatting a Double.
    /// Values under 0.001 and huge ones take the general path.
    private func appendNumber(_ value: Double, to out: inout Sink) {
        let scale = Self.pow10(coordinatePrecision)
        let r = (value * scale).rounded()
        guard r != 0 else { out.bytes.append(UInt8(ascii: "0")); return }
        guard abs(value) >= 1e-3, abs(r) < 9e15 else { out.append(Self.number(value, precision: coordinatePrecision)); return }
        var n = Int64(r)
        if n < 0 { out.bytes.append(UInt8(ascii: "-")); n = -n }
        let unit = Int64(scale)
        appendDigits(n / unit, to: &out)
        var fraction = n % unit
        guard fraction != 0 else { return }
        var digits = coordinatePrecision
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        out.bytes.append(UInt8(ascii: "."))
        out.bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))  // then filled from the right
        var i = out.bytes.count - 1
        while fraction > 0 { out.bytes[i] = UInt8(ascii: "0") + UInt8(fraction % 10); fraction /= 10; i -= 1 }
    }

    private func appendDigits(_ n: Int64, to out: inout Sink) {
        if n >= 10 { appendDigits(n / 10, to: &out) }
        out.bytes.append(UInt8(ascii: "0") + UInt8(n % 10))
    }

    /// Shortest text that reads back as `value` rounded to `precision` decimals.
    public static func number(_ value: Double, precision: Int) -> String {
        let scale = pow10(precision)
        let rounded = (value * scale).rounded() / scale
        return JSONValue.format(rounded == 0 ? 0 : rounded)
    }

    private static func pow10(_ n: Int) -> Double {
        var p = 1.0
        for _ in 0..<n { p *= 10 }
        return p
    }

    public static func appendValue(_ v: JSONValue, to out: inout String) {
        var sink = Sink()
        appendValue(v, to: &sink)
        out += sink.string
    }

    public static func appendString(_ s: String, to out: inout String) {
        var sink = Sink()
        appendString(s, to: &sink)
        out += sink.string
    }

    static func appendValue(_ v: JSONValue, to out: inout Sink) {
        switch v {
        case .null: out.append("null")
        case .bool(let b): out.append(b ? "true" : "false")
        case .number(let d): out.append(d.isFinite ? JSONValue.format(d) : "null")
        case .string(let s): appendString(s, to: &out)
        case .array(let a): appendList(a, to: &out) { appendValue($0, to: &$1) }
        case .object(let o):
            out.append("{")
            for (i, key) in o.keys.sorted().enumerated() {
                if i > 0 { out.append(",") }
                appendString(key, to: &out)
                out.append(":")
                appendValue(o[key]!, to: &out)
            }
            out.append("}")
        }
    }

    static func appendString(_ s: String, to out: inout Sink) {
        out.bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append("\\\"")
            case UInt8(ascii: "\\"): out.append("\\\\")
            case 0x0A: out.append("\\n")
            case 0x0D: out.append("\\r")
            case 0x09: out.append("\\t")
            case 0..<0x20:
                let hex = String(b, radix: 16)
                out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: out.bytes.append(b)
            }
        }
        out.bytes.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// The value as JSON text: keys sorted, slashes as they are (what JSONEncoder writes with
    /// .sortedKeys and .withoutEscapingSlashes), without a Codable round.
    public var jsonBytes: [UInt8] {
        var sink = GeoJSONWriter.Sink()
        GeoJSONWriter.appendValue(self, to: &sink)
        return sink.bytes
    }
}
