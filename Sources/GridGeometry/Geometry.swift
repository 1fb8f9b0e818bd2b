/// A line of two or more positions.
public struct LineString: Hashable, Sendable {
    public private(set) var coordinates: [Coordinate]

    public init(_ coordinates: [Coordinate]) throws(GeometryError) {
        guard coordinates.count >= 2 else {
            throw GeometryError(.tooFewPositions(count: coordinates.count, minimum: 2))
        }
        self.coordinates = coordinates
    }

    /// For coordinates known to satisfy the invariant (library output).
    public init(unchecked coordinates: [Coordinate]) { self.coordinates = coordinates }
}

/// A closed ring: at least four positions, the last equal to the first.
public struct LinearRing: Hashable, Sendable {
    public private(set) var coordinates: [Coordinate]

    public init(_ coordinates: [Coordinate]) throws(GeometryError) {
        guard coordinates.count >= 4 else {
            throw GeometryError(.tooFewPositions(count: coordinates.count, minimum: 4))
        }
        guard coordinates.first == coordinates.last else { throw GeometryError(.unclosedRing) }
        self.coordinates = coordinates
    }

    /// For coordinates known to satisfy the invariant (library output).
    public init(unchecked coordinates: [Coordinate]) { self.coordinates = coordinates }

    /// Closes an open list of at least three distinct vertices.
    public init(closing vertices: [Coordinate]) throws(GeometryError) {
        var c = vertices
        if let first = c.first, c.last != first { c.append(first) }
        try self.init(c)
    }
}

/// A polygon: one exterior ring and any number of holes.
public struct Polygon: Hashable, Sendable {
    public var exterior: LinearRing
    public var holes: [LinearRing]

    public init(exterior: LinearRing, holes: [LinearRing] = []) {
        self.exterior = exterior
        self.holes = holes
    }

    public var rings: [LinearRing] { [exterior] + holes }
}

/// The geometry kinds of GeoJSON (RFC 7946) and Simple Features, in two dimensions.
public enum Geometry: Hashable, Sendable {
    case point(Coordinate)
    case multiPoint([Coordinate])
    case lineString(LineString)
    case multiLineString([LineString])
    case polygon(Polygon)
    case multiPolygon([Polygon])
    case geometryCollection([Geometry])

    /// The GeoJSON / Simple Features type name.
    public var typeName: String {
        switch self {
        case .point: "Point"
        case .multiPoint: "MultiPoint"
        case .lineString: "LineString"
        case .multiLineString: "MultiLineString"
        case .polygon: "Polygon"
        case .multiPolygon: "MultiPolygon"
        case .geometryCollection: "GeometryCollection"
        }
    }

    public var isEmpty: Bool {
        switch self {
        case .point: false
        case .multiPoint(let p): p.isEmpty
        case .lineString: false
        case .multiLineString(let l): l.isEmpty
        case .polygon: false
        case .multiPolygon(let p): p.isEmpty
        case .geometryCollection(let g): g.allSatisfy(\.isEmpty)
        }
    }

    /// Calls `body` with every coordinate array (point lists, lines, rings) in order.
    public func forEachCoordinateArray(_ body: ([Coordinate]) throws -> Void) rethrows {
        switch self {
        case .point(let c): try body([c])
        case .multiPoint(let cs): try body(cs)
        case .lineString(let l): try body(l.coordinates)
        case .multiLineString(let ls): for l in ls { try body(l.coordinates) }
        case .polygon(let p): for r in p.rings { try body(r.coordinates) }
        case .multiPolygon(let ps): for p in ps { for r in p.rings { try body(r.coordinates) } }
        case .geometryCollection(let gs): for g in gs { try g.forEachCoordinateArray(body) }
        }
    }

    /// The same geometry with every coordinate array replaced by `transform(array)`.
    /// The transform must keep each array's length (it is for reprojection).
    public func mapCoordinateArrays(_ transform: ([Coordinate]) throws -> [Coordinate]) rethrows -> Geometry {
        func ring(_ r: LinearRing) throws -> LinearRing { LinearRing(unchecked: try transform(r.coordinates)) }
        func polygon(_ p: Polygon) throws -> Polygon {
            Polygon(exterior: try ring(p.exterior), holes: try p.holes.map(ring))
        }
        switch self {
        case .point(let c): return .point(try transform([c])[0])
        case .multiPoint(let cs): return .multiPoint(try transform(cs))
        case .lineString(let l): return .lineString(LineString(unchecked: try transform(l.coordinates)))
        case .multiLineString(let ls):
            return .multiLineString(try ls.map { LineString(unchecked: try transform($0.coordinates)) })
        case .polygon(let p): return .polygon(try polygon(p))
        case .multiPolygon(let ps): return .multiPolygon(try ps.map(polygon))
        case .geometryCollection(let gs): return .geometryCollection(try gs.map { try $0.mapCoordinateArrays(transform) })
        }
    }

    public var boundingBox: BoundingBox? {
        var box: BoundingBox?
        forEachCoordinateArray { cs in
            guard let b = BoundingBox(covering: cs) else { return }
            box = box.map { $0.union(b) } ?? b
        }
        return box
    }

    /// The polygons of a Polygon or MultiPolygon (empty for other kinds).
    public var polygons: [Polygon] {
        switch self {
        case .polygon(let p): [p]
        case .multiPolygon(let ps): ps
        case .geometryCollection(let gs): gs.flatMap(\.polygons)
        default: []
        }
    }

    /// The points of a Point or MultiPoint (empty for other kinds).
    public var points: [Coordinate] {
        switch self {
        case .point(let c): [c]
        case .multiPoint(let cs): cs
        case .geometryCollection(let gs): gs.flatMap(\.points)
        default: []
        }
    }

    /// The lines of a LineString or MultiLineString (empty for other kinds).
    public var lineStrings: [LineString] {
        switch self {
        case .lineString(let l): [l]
        case .multiLineString(let ls): ls
        case .geometryCollection(let gs): gs.flatMap(\.lineStrings)
        default: []
        }
    }
}
