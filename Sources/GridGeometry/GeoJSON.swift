import Foundation

/// GeoJSON (RFC 7946) reading with precise, located errors.
public enum GeoJSON {
    /// A decoded document: its features, each decoded or refused on its own, and the
    /// legacy `crs` member's name (e.g. `urn:ogc:def:crs:EPSG::4490`) if present.
    public struct Document: Sendable {
        public var features: [Result<Feature, GeometryError>]
        public var crsName: String?
    }

    /// Decodes a FeatureCollection, a single Feature, or a bare geometry. A feature that
    /// breaks a rule is returned as a failure naming its index; the rest still decode.
    /// Throws only when the document as a whole is unreadable.
    public static func decodeDocument(_ data: Data) throws(GeometryError) -> Document {
        let top: TopLevel
        do {
            top = try JSONDecoder().decode(TopLevel.self, from: data)
        } catch let e as GeometryError {
            throw e
        } catch {
            throw located(error)
        }
        switch top.type {
        case "FeatureCollection":
            guard let slots = top.features else { throw GeometryError(.missingMember("features")) }
            let features = slots.enumerated().map { i, slot in
                slot.result.mapError { e -> GeometryError in
                    var e = e
                    e.featureIndex = i
                    return e
                }
            }
            return Document(features: features, crsName: top.crsName)
        case "Feature":
            return Document(features: [try decodeSingle(Feature.self, data)], crsName: top.crsName)
        default:
            let g = try decodeSingle(Geometry.self, data)
            return Document(features: [g.map { Feature(geometry: $0) }], crsName: top.crsName)
        }
    }

    /// Decodes one geometry object.
    public static func decodeGeometry(_ data: Data) throws(GeometryError) -> Geometry {
        try decodeSingle(Geometry.self, data).get()
    }

    private static func decodeSingle<T: Decodable>(_: T.Type, _ data: Data) throws(GeometryError) -> Result<T, GeometryError> {
        do {
            return .success(try JSONDecoder().decode(T.self, from: data))
        } catch let e as GeometryError {
            return .failure(e)
        } catch {
            return .failure(located(error))
        }
    }

    /// Turns a Foundation decoding error into a GeometryError with a readable path.
    static func located(_ error: any Error) -> GeometryError {
        guard let d = error as? DecodingError else { return GeometryError(.invalidJSON("\(error)")) }
        switch d {
        case .typeMismatch(let type, let ctx):
            return GeometryError(.wrongType(expected: typeName(type), found: ctx.debugDescription),
                                 path: path(ctx.codingPath))
        case .valueNotFound(let type, let ctx):
            return GeometryError(.wrongType(expected: typeName(type), found: "null"), path: path(ctx.codingPath))
        case .keyNotFound(let key, let ctx):
            return GeometryError(.missingMember(key.stringValue), path: path(ctx.codingPath))
        case .dataCorrupted(let ctx):
            let underlying = (ctx.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return GeometryError(.invalidJSON(underlying ?? ctx.debugDescription), path: path(ctx.codingPath))
        @unknown default:
            return GeometryError(.invalidJSON("\(d)"))
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type, is Int.Type: "a number"
        case is String.Type: "a string"
        default: "\(type)".contains("Array") || "\(type)".contains("Unkeyed") ? "an array" : "an object"
        }
    }

    /// `features[3].geometry.coordinates[0][7]`
    static func path(_ codingPath: [any CodingKey]) -> String {
        var s = ""
        for key in codingPath {
            if let i = key.intValue { s += "[\(i)]" } else { s += s.isEmpty ? key.stringValue : "." + key.stringValue }
        }
        return s
    }

    private struct TopLevel: Decodable {
        var type: String
        var features: [FeatureSlot]?
        var crsName: String?

        enum CodingKeys: String, CodingKey { case type, features, crs }
        struct CRS: Decodable {
            struct Properties: Decodable { var name: String? }
            var properties: Properties?
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(String.self, forKey: .type)
            features = type == "FeatureCollection" ? try c.decodeIfPresent([FeatureSlot].self, forKey: .features) : nil
            crsName = (try? c.decodeIfPresent(CRS.self, forKey: .crs))??.properties?.name
        }
    }

    /// One feature of a collection, decoded on its own so a bad one does not stop the rest.
    private struct FeatureSlot: Decodable {
        var result: Result<Feature, GeometryError>
        init(from decoder: any Decoder) throws {
            do {
                result = .success(try Feature(from: decoder))
            } catch let e as GeometryError {
                result = .failure(e)
            } catch {
                result = .failure(GeoJSON.located(error))
            }
        }
    }
}

extension Feature: Decodable {
    enum CodingKeys: String, CodingKey { case type, id, geometry, properties }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        guard type == "Feature" else {
            throw GeometryError(.wrongType(expected: "\"Feature\"", found: "\"\(type)\""),
                                path: GeoJSON.path(c.codingPath + [CodingKeys.type]))
        }
        if let s = try? c.decodeIfPresent(String.self, forKey: .id) {
            id = .string(s)
        } else if let d = try? c.decodeIfPresent(Double.self, forKey: .id) {
            id = .number(d)
        } else {
            id = nil
        }
        geometry = try c.decodeIfPresent(Geometry.self, forKey: .geometry)
        properties = try c.decodeIfPresent([String: JSONValue].self, forKey: .properties) ?? [:]
    }
}

extension Geometry: Decodable {
    enum CodingKeys: String, CodingKey { case type, coordinates, geometries }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let type = try c.decode(String.self, forKey: .type)
        if type == "GeometryCollection" {
            self = .geometryCollection(try c.decode([Geometry].self, forKey: .geometries))
            return
        }
        guard Self.coordinateDepth[type] != nil else {
            throw GeometryError(.unknownType(type), path: GeoJSON.path(c.codingPath + [CodingKeys.type]))
        }
        let raw = try c.decode(Positions.self, forKey: .coordinates)
        let base = c.codingPath + [CodingKeys.coordinates]
        self = try Self.build(type, raw, GeoJSON.path(base))
    }

    private static let coordinateDepth = [
        "Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3,
    ]

    private static func build(_ type: String, _ raw: Positions, _ path: String) throws(GeometryError) -> Geometry {
        func position(_ p: Positions, _ path: String) throws(GeometryError) -> Coordinate {
            guard case .position(let c) = p else {
                throw GeometryError(.wrongType(expected: "a position [x, y]", found: "nested arrays"), path: path)
            }
            return c
        }
        func list(_ p: Positions, _ path: String) throws(GeometryError) -> [Positions] {
            guard case .list(let l) = p else {
                throw GeometryError(.wrongType(expected: "an array of positions", found: "a position"), path: path)
            }
            return l
        }
        func positions(_ p: Positions, _ path: String) throws(GeometryError) -> [Coordinate] {
            var out: [Coordinate] = []
            for (i, e) in try list(p, path).enumerated() { out.append(try position(e, "\(path)[\(i)]")) }
            return out
        }
        func line(_ p: Positions, _ path: String) throws(GeometryError) -> LineString {
            do { return try LineString(try positions(p, path)) } catch { throw GeometryError(error.rule, path: path) }
        }
        func ring(_ p: Positions, _ path: String) throws(GeometryError) -> LinearRing {
            let cs = try positions(p, path)
            do { return try LinearRing(cs) } catch { throw GeometryError(error.rule, path: path) }
        }
        func polygon(_ p: Positions, _ path: String) throws(GeometryError) -> Polygon {
            var rings: [LinearRing] = []
            for (i, r) in try list(p, path).enumerated() { rings.append(try ring(r, "\(path)[\(i)]")) }
            guard let exterior = rings.first else {
                throw GeometryError(.tooFewPositions(count: 0, minimum: 4), path: path + "[0]")
            }
            return Polygon(exterior: exterior, holes: Array(rings.dropFirst()))
        }
        switch type {
        case "Point": return .point(try position(raw, path))
        case "MultiPoint": return .multiPoint(try positions(raw, path))
        case "LineString": return .lineString(try line(raw, path))
        case "MultiLineString":
            var ls: [LineString] = []
            for (i, l) in try list(raw, path).enumerated() { ls.append(try line(l, "\(path)[\(i)]")) }
            return .multiLineString(ls)
        case "Polygon": return .polygon(try polygon(raw, path))
        default:
            var ps: [Polygon] = []
            for (i, p) in try list(raw, path).enumerated() { ps.append(try polygon(p, "\(path)[\(i)]")) }
            return .multiPolygon(ps)
        }
    }
}

/// Nested coordinate arrays as they appear in GeoJSON, before their shape is checked.
private indirect enum Positions: Decodable {
    case position(Coordinate)
    case list([Positions])

    init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        // An array of numbers is a position; an array of arrays is a list.
        if c.isAtEnd { self = .list([]); return }
        if (try? c.decode(Double.self)) != nil {
            var p = try decoder.unkeyedContainer()
            var values: [Double] = []
            while !p.isAtEnd {
                let index = p.currentIndex
                guard let v = try? p.decode(Double.self) else {
                    throw GeometryError(.nonNumericCoordinate, path: GeoJSON.path(decoder.codingPath) + "[\(index)]")
                }
                values.append(v)
            }
            guard values.count >= 2 else {
                throw GeometryError(.positionTooShort(count: values.count), path: GeoJSON.path(decoder.codingPath))
            }
            self = .position(Coordinate(values[0], values[1]))
            return
        }
        var l = try decoder.unkeyedContainer()
        var items: [Positions] = []
        while !l.isAtEnd {
            let index = l.currentIndex
            do {
                items.append(try l.decode(Positions.self))
            } catch let e as GeometryError {
                throw e
            } catch {
                // A string or null where a coordinate belongs.
                throw GeometryError(.nonNumericCoordinate, path: GeoJSON.path(decoder.codingPath) + "[\(index)]")
            }
        }
        self = .list(items)
    }
}
