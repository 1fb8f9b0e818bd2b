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
        var out = "{\"type\":\"FeatureCollection\""
        for (k, v) in foreignMembers {
            out += ","
            Self.appendString(k, to: &out)
            out += ":"
            Self.appendValue(v, to: &out)
        }
        out += ",\"features\":[\n"
        for (i, f) in features.enumerated() {
            if i > 0 { out += ",\n" }
            appendFeature(f, to: &out)
        }
        out += "\n]}\n"
        return out
    }

    public func feature(_ f: Feature) -> String {
        var out = ""
        appendFeature(f, to: &out)
        return out
    }

    public func geometry(_ g: Geometry) -> String {
        var out = ""
        appendGeometry(g, to: &out)
        return out
    }

    public func appendFeature(_ f: Feature, to out: inout String) {
        out += "{\"type\":\"Feature\""
        if let id = f.id {
            out += ",\"id\":"
            switch id {
            case .string(let s): Self.appendString(s, to: &out)
            case .number(let d): out += JSONValue.format(d)
            }
        }
        out += ",\"properties\":"
        Self.appendValue(.object(f.properties), to: &out)
        out += ",\"geometry\":"
        if let g = f.geometry { appendGeometry(g, to: &out) } else { out += "null" }
        out += "}"
    }

    public func appendGeometry(_ g: Geometry, to out: inout String) {
        out += "{\"type\":\"\(g.typeName)\","
        if case .geometryCollection(let gs) = g {
            out += "\"geometries\":["
            for (i, child) in gs.enumerated() {
                if i > 0 { out += "," }
                appendGeometry(child, to: &out)
            }
            out += "]}"
            return
        }
        out += "\"coordinates\":"
        switch g {
        case .point(let c): appendPosition(c, to: &out)
        case .multiPoint(let cs): appendPositions(cs, to: &out)
        case .lineString(let l): appendPositions(l.coordinates, to: &out)
        case .multiLineString(let ls): appendList(ls) { appendPositions($0.coordinates, to: &$1) }
        case .polygon(let p): appendPolygon(p, to: &out)
        case .multiPolygon(let ps): appendList(ps) { appendPolygon($0, to: &$1) }
        case .geometryCollection: break
        }
        out += "}"

        func appendList<T>(_ items: [T], _ body: (T, inout String) -> Void) {
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                body(item, &out)
            }
            out += "]"
        }
    }

    private func appendPolygon(_ p: Polygon, to out: inout String) {
        out += "["
        for (i, r) in p.rings.enumerated() {
            if i > 0 { out += "," }
            appendPositions(r.coordinates, to: &out)
        }
        out += "]"
    }

    private func appendPositions(_ cs: [Coordinate], to out: inout String) {
        out += "["
        for (i, c) in cs.enumerated() {
            if i > 0 { out += "," }
            appendPosition(c, to: &out)
        }
        out += "]"
    }

    private func appendPosition(_ c: Coordinate, to out: inout String) {
        out += "["
        out += Self.number(c.x, precision: coordinatePrecision)
        out += ","
        out += Self.number(c.y, precision: coordinatePrecision)
        out += "]"
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
        switch v {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += d.isFinite ? JSONValue.format(d) : "null"
        case .string(let s): appendString(s, to: &out)
        case .array(let a):
            out += "["
            for (i, e) in a.enumerated() {
                if i > 0 { out += "," }
                appendValue(e, to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, key) in o.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                appendString(key, to: &out)
                out += ":"
                appendValue(o[key]!, to: &out)
            }
            out += "}"
        }
    }

    public static func appendString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
