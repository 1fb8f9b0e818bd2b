import Foundation

/// GeoJSON read straight from its bytes, without building the whole document: an outline
/// first (the top-level type, the legacy `crs` name, where each feature of a collection lies),
/// then any feature on its own — in any order, on any thread. A syntax error between
/// features makes the document unreadable; one inside a feature refuses that feature.
extension GeoJSON {
    public struct Outline: Sendable {
        public enum Kind: Sendable { case collection, feature, geometry }
        public var kind: Kind
        /// The `crs` member's `properties.name` (e.g. `urn:ogc:def:crs:EPSG::4490`), if any.
        public var crsName: String?
        /// Where each feature of a FeatureCollection lies; for a Feature or a bare geometry,
        /// the whole document.
        public var features: [Range<Int>]

        /// Feature `i`, decoded from the document's bytes (the ones the outline was read from).
        public func feature(_ i: Int, in bytes: UnsafeRawBufferPointer) -> Result<Feature, GeometryError> {
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                return .failure(GeometryError(.invalidJSON("empty document")))
            }
            var r = JSONReader(base: base, start: features[i].lowerBound, end: features[i].upperBound)
            do throws(GeometryError) {
                switch kind {
                case .collection:
                    do throws(GeometryError) { return .success(try r.feature()) } catch {
                        var e = error.under("features[\(i)]")
                        e.featureIndex = i
                        throw e
                    }
                case .feature: return .success(try r.feature())
                case .geometry: return .success(Feature(geometry: try r.geometry()))
                }
            } catch {
                return .failure(error)
            }
        }
    }

    /// Reads a document's outline: where it holds features, without decoding them.
    public static func outline(_ bytes: UnsafeRawBufferPointer) throws(GeometryError) -> Outline {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), !bytes.isEmpty else {
            throw GeometryError(.invalidJSON("empty document"))
        }
        var r = JSONReader(base: base, start: 0, end: bytes.count)
        if bytes.count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { r.i = 3 }
        r.space()
        let start = r.i
        var type: String?
        var crs: Int?
        var features: [Range<Int>]?
        try r.object { r, key throws(GeometryError) in
            switch key {
            case .type: type = try r.string()
            case .crs:
                crs = r.i
                try r.skip()
            case .features:
                guard r.peek == UInt8(ascii: "[") else {
                    throw r.wrongType("an array", path: "features")
                }
                var ranges: [Range<Int>] = []
                try r.array { r, _ throws(GeometryError) in
                    let from = r.i
                    try r.skip()
                    ranges.append(from..<r.i)
                }
                features = ranges
            default: try r.skip()
            }
        }
        let end = r.i
        r.space()
        guard r.i == r.end else { throw r.syntax("text after the document") }
        guard let type else { throw GeometryError(.missingMember("type")) }
        var crsName: String?
        if let crs {
            r.i = crs
            crsName = r.crsName()
        }
        switch type {
        case "FeatureCollection":
            guard let features else { throw GeometryError(.missingMember("features")) }
            return Outline(kind: .collection, crsName: crsName, features: features)
        case "Feature": return Outline(kind: .feature, crsName: crsName, features: [start..<end])
        default: return Outline(kind: .geometry, crsName: crsName, features: [start..<end])
        }
    }
}

extension GeometryError {
    /// The error with its path placed under `parent` (`geometry` + `coordinates[0]` →
    /// `geometry.coordinates[0]`).
    func under(_ parent: String) -> GeometryError {
        var e = self
        e.path = path.isEmpty ? parent : path.hasPrefix("[") ? parent + path : parent + "." + path
        return e
    }
}

/// A cursor over JSON bytes that decodes GeoJSON members in place. Nesting is limited to
/// 512 levels; numbers are decoded exactly (Clinger's fast path, `strtod` otherwise).
struct JSONReader {
    let base: UnsafePointer<UInt8>
    let end: Int
    var i: Int

    init(base: UnsafePointer<UInt8>, start: Int, end: Int) {
        self.base = base
        self.i = start
        self.end = end
    }

    static let maxDepth = 512

    var peek: UInt8? { i < end ? base[i] : nil }

    mutating func space() {
        while i < end {
            switch base[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    /// A syntax error at the cursor, with its line and column.
    func syntax(_ what: String) -> GeometryError {
        var line = 1, column = 1
        for k in 0..<min(i, end) {
            if base[k] == 0x0A { line += 1; column = 1 } else if base[k] & 0xC0 != 0x80 { column += 1 }
        }
        let found = i < end ? (base[i] >= 0x20 && base[i] < 0x7F ? "'\(Character(UnicodeScalar(base[i])))'" : "byte \(base[i])") : "the end"
        return GeometryError(.invalidJSON("\(what), found \(found) at line \(line), column \(column)"))
    }

    /// What the value at the cursor is, for "expected …, found …".
    var found: String {
        switch peek {
        case UInt8(ascii: "{"): "an object"
        case UInt8(ascii: "["): "an array"
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "a boolean"
        case UInt8(ascii: "n"): "null"
        case nil: "the end"
        default: "a number"
        }
    }

    func wrongType(_ expected: String, path: String = "") -> GeometryError {
        GeometryError(.wrongType(expected: expected, found: found), path: path)
    }

    mutating func expect(_ c: UInt8, _ what: String) throws(GeometryError) {
        guard i < end, base[i] == c else { throw syntax("expected \(what)") }
        i += 1
    }

    // MARK: Structure

    enum Key { case type, coordinates, geometries, geometry, properties, id, crs, features, other }

    /// Calls `body` with each member's key, the cursor on its value; `body` must consume the
    /// value. The cursor must be on `{`.
    mutating func object(_ body: (inout JSONReader, Key) throws(GeometryError) -> Void) throws(GeometryError) {
        try expect(UInt8(ascii: "{"), "'{'")
        space()
        if peek == UInt8(ascii: "}") { i += 1; return }
        while true {
            space()
            let key = try key()
            space()
            try expect(UInt8(ascii: ":"), "':'")
            space()
            try body(&self, key)
            space()
            guard i < end else { throw syntax("expected ',' or '}'") }
            if base[i] == UInt8(ascii: ",") { i += 1; continue }
            try expect(UInt8(ascii: "}"), "',' or '}'")
            return
        }
    }

    /// Calls `body` with each element's index, the cursor on it. The cursor must be on `[`.
    mutating func array(_ body: (inout JSONReader, Int) throws(GeometryError) -> Void) throws(GeometryError) {
        try expect(UInt8(ascii: "["), "'['")
        space()
        if peek == UInt8(ascii: "]") { i += 1; return }
        var n = 0
        while true {
            space()
            try body(&self, n)
            n += 1
            space()
            guard i < end else { throw syntax("expected ',' or ']'") }
            if base[i] == UInt8(ascii: ",") { i += 1; continue }
            try expect(UInt8(ascii: "]"), "',' or ']'")
            return
        }
    }

    private static let keys: [(bytes: [UInt8], key: Key)] = [
        (Array("type".utf8), .type), (Array("coordinates".utf8), .coordinates), (Array("geometries".utf8), .geometries),
        (Array("geometry".utf8), .geometry), (Array("properties".utf8), .properties), (Array("id".utf8), .id),
        (Array("crs".utf8), .crs), (Array("features".utf8), .features),
    ]

    /// A member name, told apart without making a string.
    mutating func key() throws(GeometryError) -> Key {
        guard peek == UInt8(ascii: "\"") else { throw syntax("expected a member name") }
        let from = i + 1
        var k = from
        while k < end, base[k] != UInt8(ascii: "\""), base[k] != UInt8(ascii: "\\") { k += 1 }
        if k < end, base[k] == UInt8(ascii: "\"") {
            i = k + 1
            let n = k - from
            for (bytes, key) in Self.keys where bytes.count == n && memcmp(base + from, bytes, n) == 0 { return key }
            return .other
        }
        let name = try string()
        return Self.keys.first { String(decoding: $0.bytes, as: UTF8.self) == name }?.key ?? .other
    }

    /// Steps over one value, checking its syntax.
    mutating func skip(depth: Int = 0) throws(GeometryError) {
        guard depth < Self.maxDepth else { throw syntax("nested more than \(Self.maxDepth) deep") }
        guard i < end else { throw syntax("expected a value") }
        switch base[i] {
        case UInt8(ascii: "{"):
            try object { r, _ throws(GeometryError) in try r.skip(depth: depth + 1) }
        case UInt8(ascii: "["):
            try array { r, _ throws(GeometryError) in try r.skip(depth: depth + 1) }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try numberSpan()
        }
    }

    mutating func literal(_ word: StaticString) throws(GeometryError) {
        let n = word.utf8CodeUnitCount
        guard end - i >= n, memcmp(base + i, word.utf8Start, n) == 0 else { throw syntax("expected a value") }
        i += n
    }

    // MARK: Values

    mutating func skipString() throws(GeometryError) {
        try expect(UInt8(ascii: "\""), "a string")
        while i < end {
            let c = base[i]
            if c == UInt8(ascii: "\"") { i += 1; return }
            if c < 0x20 { throw syntax("control character in a string") }
            i += c == UInt8(ascii: "\\") ? 2 : 1
        }
        throw syntax("unterminated string")
    }

    mutating func string() throws(GeometryError) -> String {
        guard peek == UInt8(ascii: "\"") else { throw wrongType("a string") }
        i += 1
        let from = i
        while i < end, base[i] != UInt8(ascii: "\""), base[i] != UInt8(ascii: "\\"), base[i] >= 0x20 { i += 1 }
        if i < end, base[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            return try utf8(UnsafeBufferPointer(start: base + from, count: i - from))
        }
        var bytes = Array(UnsafeBufferPointer(start: base + from, count: i - from))
        while i < end {
            let c = base[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return try bytes.withUnsafeBufferPointer { b throws(GeometryError) in try utf8(b) }
            }
            if c < 0x20 { throw syntax("control character in a string") }
            guard c == UInt8(ascii: "\\") else { bytes.append(c); i += 1; continue }
            i += 1
            guard i < end else { break }
            switch base[i] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(base[i])
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), end - i >= 7, base[i + 1] == UInt8(ascii: "\\"), base[i + 2] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw syntax("invalid surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = UnicodeScalar(scalar) else { throw syntax("invalid \\u escape") }
                bytes.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw syntax("invalid escape")
            }
            i += 1
        }
        throw syntax("unterminated string")
    }

    /// The four hex digits after `\u` (the cursor on the `u`, left on the last digit).
    private mutating func hex4() throws(GeometryError) -> UInt32 {
        guard end - i > 4 else { throw syntax("invalid \\u escape") }
        var v: UInt32 = 0
        for k in 1...4 {
            let c = base[i + k]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw syntax("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
        }
        i += 4
        return v
    }

    private func utf8(_ b: UnsafeBufferPointer<UInt8>) throws(GeometryError) -> String {
        guard let s = String(validating: b, as: UTF8.self) else { throw syntax("a string that is not UTF-8") }
        return s
    }

    /// A JSON number's extent, checked against the grammar.
    mutating func numberSpan() throws(GeometryError) -> Range<Int> {
        let from = i
        func digits(_ r: inout JSONReader) -> Int {
            let s = r.i
            while r.i < r.end, r.base[r.i] &- UInt8(ascii: "0") < 10 { r.i += 1 }
            return r.i - s
        }
        if peek == UInt8(ascii: "-") { i += 1 }
        let whole = digits(&self)
        guard whole > 0, !(whole > 1 && base[i - whole] == UInt8(ascii: "0")) else { i = from; throw syntax("expected a value") }
        if peek == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { throw syntax("expected a digit") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            i += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw syntax("expected a digit") }
        }
        return from..<i
    }

    private static let powers: [Double] = (0...22).map { pow(10, Double($0)) }

    /// A number, or nil (the cursor unmoved) when the value there is not a number.
    mutating func number() throws(GeometryError) -> Double? {
        guard let c = peek, c == UInt8(ascii: "-") || c &- UInt8(ascii: "0") < 10 else { return nil }
        let span = try numberSpan()
        // Exact when the digits fit in 2^53 and the power of ten in 22 (Clinger).
        var k = span.lowerBound
        let negative = base[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        var mantissa: UInt64 = 0, digits = 0, scale = 0
        while k < span.upperBound, base[k] &- UInt8(ascii: "0") < 10 {
            mantissa = mantissa &* 10 &+ UInt64(base[k] - UInt8(ascii: "0")); digits += 1; k += 1
        }
        if k < span.upperBound, base[k] == UInt8(ascii: ".") {
            k += 1
            while k < span.upperBound, base[k] &- UInt8(ascii: "0") < 10 {
                mantissa = mantissa &* 10 &+ UInt64(base[k] - UInt8(ascii: "0")); digits += 1; scale += 1; k += 1
            }
        }
        if k == span.upperBound, digits <= 15, scale <= 22 {
            let v = Double(mantissa) / Self.powers[scale]
            return negative ? -v : v
        }
        var text = Array(UnsafeBufferPointer(start: base + span.lowerBound, count: span.count))
        text.append(0)
        return text.withUnsafeBufferPointer { $0.baseAddress.map { strtod($0, nil) } ?? .nan }
    }

    /// Any value as a JSONValue (properties).
    mutating func value(depth: Int = 0) throws(GeometryError) -> JSONValue {
        guard depth < Self.maxDepth else { throw syntax("nested more than \(Self.maxDepth) deep") }
        guard let c = peek else { throw syntax("expected a value") }
        switch c {
        case UInt8(ascii: "{"):
            var members: [String: JSONValue] = [:]
            try expect(c, "'{'")
            space()
            if peek == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                space()
                guard peek == UInt8(ascii: "\"") else { throw syntax("expected a member name") }
                let name = try string()
                space()
                try expect(UInt8(ascii: ":"), "':'")
                space()
                members[name] = try value(depth: depth + 1)
                space()
                guard i < end else { throw syntax("expected ',' or '}'") }
                if base[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                return .object(members)
            }
        case UInt8(ascii: "["):
            var items: [JSONValue] = []
            try array { r, _ throws(GeometryError) in items.append(try r.value(depth: depth + 1)) }
            return .array(items)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            guard let d = try number() else { throw syntax("expected a value") }
            return .number(d)
        }
    }

    /// Steps over `null` if it is at the cursor.
    mutating func null() -> Bool {
        let word: StaticString = "null"
        guard end - i >= 4, memcmp(base + i, word.utf8Start, 4) == 0 else { return false }
        i += 4
        return true
    }

    /// The legacy `crs` member's `properties.name`; nil when it has another shape.
    mutating func crsName() -> String? {
        var name: String?
        try? object { r, key throws(GeometryError) in
            guard key == .properties else { return try r.skip() }
            if case .object(let o) = try r.value(), case .string(let s)? = o["name"] { name = s }
        }
        return name
    }

    // MARK: GeoJSON

    /// A Feature object; errors are located relative to it.
    mutating func feature() throws(GeometryError) -> Feature {
        guard peek == UInt8(ascii: "{") else { throw wrongType("an object") }
        var type: String?
        var id: FeatureID?
        var geometry: Geometry?
        var properties: [String: JSONValue] = [:]
        try object { r, key throws(GeometryError) in
            switch key {
            case .type:
                do throws(GeometryError) { type = try r.string() } catch { throw error.under("type") }
            case .id:
                if r.peek == UInt8(ascii: "\"") { id = .string(try r.string()) }
                else if let d = try r.number() { id = .number(d) }
                else { try r.skip() }
            case .geometry:
                if r.null() { geometry = nil; return }
                do throws(GeometryError) { geometry = try r.geometry() } catch { throw error.under("geometry") }
            case .properties:
                if r.null() { properties = [:]; return }
                guard r.peek == UInt8(ascii: "{") else { throw r.wrongType("an object", path: "properties") }
                guard case .object(let o) = try r.value() else { return }
                properties = o
            default: try r.skip()
            }
        }
        guard let type else { throw GeometryError(.missingMember("type")) }
        guard type == "Feature" else {
            throw GeometryError(.wrongType(expected: "\"Feature\"", found: "\"\(type)\""), path: "type")
        }
        return Feature(id: id, geometry: geometry, properties: properties)
    }

    private static let depths = ["Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3]

    /// A geometry object; errors are located relative to it.
    mutating func geometry(depth: Int = 0) throws(GeometryError) -> Geometry {
        guard depth < 64 else { throw syntax("geometry collections nested more than 64 deep") }
        guard peek == UInt8(ascii: "{") else { throw wrongType("an object") }
        var type: String?
        var coordinates: Int?
        var geometriesAt: Int?
        try object { r, key throws(GeometryError) in
            switch key {
            case .type:
                do throws(GeometryError) { type = try r.string() } catch { throw error.under("type") }
            case .coordinates:
                coordinates = r.i
                try r.skip()
            case .geometries:
                geometriesAt = r.i
                try r.skip()
            default: try r.skip()
            }
        }
        let after = i
        defer { i = after }
        guard let type else { throw GeometryError(.missingMember("type")) }
        if type == "GeometryCollection" {
            guard let at = geometriesAt else { throw GeometryError(.missingMember("geometries")) }
            i = at
            guard peek == UInt8(ascii: "[") else { throw wrongType("an array", path: "geometries") }
            var gs: [Geometry] = []
            try array { r, n throws(GeometryError) in
                do throws(GeometryError) { gs.append(try r.geometry(depth: depth + 1)) } catch { throw error.under("geometries[\(n)]") }
            }
            return .geometryCollection(gs)
        }
        guard let depthOfType = Self.depths[type] else {
            throw GeometryError(.unknownType(type), path: "type")
        }
        guard let at = coordinates else { throw GeometryError(.missingMember("coordinates")) }
        i = at
        do throws(GeometryError) {
            guard peek == UInt8(ascii: "[") else { throw wrongType("an array") }
            switch depthOfType {
            case 0: return .point(try position())
            case 1:
                let cs = try positions()
                if type == "MultiPoint" { return .multiPoint(cs) }
                return .lineString(try Self.line(cs, ""))
            case 2:
                let lists = try lists()
                if type == "Polygon" { return .polygon(try Self.polygon(lists, "")) }
                var ls: [LineString] = []
                ls.reserveCapacity(lists.count)
                for (n, l) in lists.enumerated() { ls.append(try Self.line(l, "[\(n)]")) }
                return .multiLineString(ls)
            default:
                var polygons: [Polygon] = []
                try list { r, n throws(GeometryError) in
                    do throws(GeometryError) { polygons.append(try Self.polygon(try r.lists(), "")) } catch { throw error.under("[\(n)]") }
                }
                return .multiPolygon(polygons)
            }
        } catch {
            throw error.under("coordinates")
        }
    }

    private static func line(_ cs: [Coordinate], _ path: String) throws(GeometryError) -> LineString {
        do throws(GeometryError) { return try LineString(cs) } catch { throw GeometryError(error.rule, path: path) }
    }

    private static func polygon(_ rings: [[Coordinate]], _ path: String) throws(GeometryError) -> Polygon {
        var out: [LinearRing] = []
        out.reserveCapacity(rings.count)
        for (n, r) in rings.enumerated() {
            do throws(GeometryError) { out.append(try LinearRing(r)) } catch { throw GeometryError(error.rule, path: path + "[\(n)]") }
        }
        guard let exterior = out.first else {
            throw GeometryError(.tooFewPositions(count: 0, minimum: 4), path: path + "[0]")
        }
        return Polygon(exterior: exterior, holes: Array(out.dropFirst()))
    }

    /// `[x, y, …]`; errors relative to it.
    mutating func position() throws(GeometryError) -> Coordinate {
        guard peek == UInt8(ascii: "[") else { throw GeometryError(.nonNumericCoordinate) }
        let open = i
        i += 1
        space()
        if peek == UInt8(ascii: "[") || peek == UInt8(ascii: "]") {
            i = open
            throw GeometryError(.wrongType(expected: "a position [x, y]", found: "nested arrays"))
        }
        var x = 0.0, y = 0.0, n = 0
        i = open
        try array { r, k throws(GeometryError) in
            guard let v = try r.number() else { throw GeometryError(.nonNumericCoordinate, path: "[\(k)]") }
            if k == 0 { x = v } else if k == 1 { y = v }
            n += 1
        }
        guard n >= 2 else { throw GeometryError(.positionTooShort(count: n)) }
        return Coordinate(x, y)
    }

    /// An array whose elements are arrays, each read by `body`; an array of numbers is "a
    /// position" where a list was expected.
    mutating func list(_ body: (inout JSONReader, Int) throws(GeometryError) -> Void) throws(GeometryError) {
        guard peek == UInt8(ascii: "[") else { throw GeometryError(.nonNumericCoordinate) }
        let open = i
        i += 1
        space()
        if let c = peek, c == UInt8(ascii: "-") || c &- UInt8(ascii: "0") < 10 {
            i = open
            throw GeometryError(.wrongType(expected: "an array of positions", found: "a position"))
        }
        i = open
        try array { r, k throws(GeometryError) in
            guard r.peek == UInt8(ascii: "[") else { throw GeometryError(.nonNumericCoordinate, path: "[\(k)]") }
            try body(&r, k)
        }
    }

    mutating func positions() throws(GeometryError) -> [Coordinate] {
        var out: [Coordinate] = []
        try list { r, k throws(GeometryError) in
            do throws(GeometryError) { out.append(try r.position()) } catch { throw error.under("[\(k)]") }
        }
        return out
    }

    mutating func lists() throws(GeometryError) -> [[Coordinate]] {
        var out: [[Coordinate]] = []
        try list { r, k throws(GeometryError) in
            do throws(GeometryError) { out.append(try r.positions()) } catch { throw error.under("[\(k)]") }
        }
        return out
    }
}
