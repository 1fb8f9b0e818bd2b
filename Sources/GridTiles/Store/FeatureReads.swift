import CivicGridModel
import Foundation
import GridGeometry
import GridStore

/// A layer of the catalogue with the query its rows come from: what the OGC API features,
/// the vector tiles and the extents read. Adding a layer is a `LayerDescriptor` plus a
/// `LayerQuery`.
public struct FeatureLayer: Sendable {
    public let descriptor: LayerDescriptor
    public let query: LayerQuery

    /// Refuses a query that lacks a column for one of the descriptor's fields, or a
    /// descriptor whose fields expose a withheld column.
    public init(_ descriptor: LayerDescriptor, _ query: LayerQuery) throws(StoreError) {
        if let missing = descriptor.fields.first(where: { query.columns[$0.name] == nil }) {
            throw StoreError("layer \(descriptor.name): no column for field \(missing.name)")
        }
        guard descriptor.exposed.isEmpty else {
            throw StoreError("layer \(descriptor.name): fields \(descriptor.exposed.joined(separator: ", ")) are withheld")
        }
        guard query.geometry != nil || query.point != nil else { throw StoreError("layer \(descriptor.name): no geometry") }
        self.init(checked: descriptor, query)
    }

    private init(checked descriptor: LayerDescriptor, _ query: LayerQuery) {
        self.descriptor = descriptor
        self.query = query
    }

    public var name: String { descriptor.name }
    public var title: String { descriptor.title }
    public var fields: [LayerField] { descriptor.fields }
    public var hasTime: Bool { descriptor.hasTime }
    public var textIDs: Bool { descriptor.textIDs }
    /// Whether `plan=` selects the features of one plan.
    public var takesPlan: Bool { query.planCondition != nil }

    /// The standard layers over the standard tables.
    /// (Written together with their descriptors; a test checks them as `init` would.)
    public static let standard: [FeatureLayer] = LayerDescriptor.standard.compactMap { d in
        LayerQuery.standard[d.name].map { FeatureLayer(checked: d, $0) }
    }
}

extension Array where Element == FeatureLayer {
    public func named(_ name: String) -> FeatureLayer? { first { $0.name == name } }
}

/// How a layer's rows are read: one SELECT over the tables.
public struct LayerQuery: Sendable {
    /// FROM clause; a layer with time may hold `{time}`, which takes the time filter.
    public var from: String
    /// The feature id (text or integer) and the integer key tiles use.
    public var id: String
    public var key: String
    /// A GeoPackage geometry column, or point columns.
    public var geometry: String?
    public var point: (x: String, y: String)?
    /// The table whose spatial index finds rows by box, and its alias in `from` (whose `fid`
    /// the R-tree keys and whose `geom` the GiST index covers).
    public var indexed: (table: String, alias: String)?
    public var condition: String
    /// Replaces `condition` when `plan=` asks for one plan (`?` takes the plan id).
    public var planCondition: String?
    /// The time column of a layer with time.
    public var time: String?
    /// Field name → SQL expression.
    public var columns: [String: String]
    /// Whether written features may be kept until the data version changes (not for rows
    /// that change without one, such as positions).
    public var cacheable: Bool

    public init(from: String, id: String, key: String? = nil, geometry: String? = nil, point: (x: String, y: String)? = nil,
                indexed: (table: String, alias: String)? = nil, condition: String = "1 = 1", planCondition: String? = nil, time: String? = nil,
                columns: [String: String], cacheable: Bool = true) {
        self.from = from
        self.id = id
        self.key = key ?? id
        self.geometry = geometry
        self.point = point
        self.indexed = indexed
        self.condition = condition
        self.planCondition = planCondition
        self.time = time
        self.columns = columns
        self.cacheable = cacheable
    }

    private static func region(_ level: RegionLevel) -> LayerQuery {
        LayerQuery(from: "regions r", id: "r.code", key: "r.fid", geometry: "r.geom", indexed: ("regions", "r"),
                   condition: "r.level = '\(level.rawValue)'", columns: ["code": "r.code", "name": "r.name", "parent": "r.parent"])
    }

    /// The queries of `LayerDescriptor.standard`, by layer name.
    static let standard: [String: LayerQuery] = [
        "districts": region(.district),
        "streets": region(.street),
        "communities": region(.community),
        "grids": LayerQuery(
            from: "grids g JOIN plans p ON p.id = g.plan", id: "g.code", key: "g.fid", geometry: "g.geom", indexed: ("grids", "g"),
            condition: "p.status = 'published'", planCondition: "g.plan = ?",
            columns: ["code": "g.code", "name": "g.name", "community": "p.community", "plan": "g.plan", "households": "g.households",
                      "buildings": "g.buildings", "band": "civicgrid_band(g.households, p.params)", "area_m2": "round(g.area_m2, 1)"]),
        // The building's grid in its community's published plan: two index lookups.
        "buildings": LayerQuery(
            from: "buildings b", id: "b.fid", geometry: "b.geom", indexed: ("buildings", "b"),
            columns: ["ref": "b.ref", "address": "b.address", "floors": "b.floors", "height": "b.height", "households": "b.households", "households_source": "b.households_source",
                      "area_m2": "round(b.area_m2, 1)", "community": "b.community", "grid": """
                          (SELECT gg.code FROM grid_buildings gb JOIN grids gg ON gg.fid = gb.grid
                           WHERE gb.plan = (SELECT id FROM plans WHERE community = b.community AND status = 'published') AND gb.building = b.fid)
                          """]),
        "roads": LayerQuery(from: "roads x", id: "x.fid", geometry: "x.geom", indexed: ("roads", "x"),
                            columns: ["name": "x.name", "kind": "x.kind"]),
        // The latest fix per device among unflagged fixes (within the time filter, which
        // `features` puts inside the subquery).
        "positions": LayerQuery(
            from: """
                pings q JOIN (SELECT device, max(time) AS latest FROM pings WHERE flags = 0 AND {time} GROUP BY device) l
                  ON l.device = q.device AND l.latest = q.time
                """, id: "q.device", point: ("q.lon", "q.lat"), time: "time",
            columns: ["device": "q.device", "time": "q.time", "accuracy": "q.accuracy", "speed": "q.speed", "heading": "q.heading",
                      "battery": "q.battery", "community": "q.community", "grid": "(SELECT code FROM grids WHERE fid = q.grid)"],
            cacheable: false),
        "cases": LayerQuery(
            from: "cases c", id: "c.number", key: "c.fid", geometry: "c.geom", indexed: ("cases", "c"),
            columns: ["number": "c.number", "category": "c.category", "urgency": "c.urgency", "source": "c.source", "status": "c.status",
                      "holder": "c.holder", "grid": "c.grid", "community": "c.community", "created_at": "c.created_at", "due": "c.due"],
            cacheable: false),
        "facilities": LayerQuery(
            from: "facilities x", id: "x.code", key: "x.fid", geometry: "x.geom", indexed: ("facilities", "x"),
            columns: ["code": "x.code", "category": "x.category", "status": "x.status", "department": "x.department", "grid": "x.grid",
                      "community": "x.community"],
            cacheable: false),
        "organisations": LayerQuery(
            from: "organisations o", id: "o.code", key: "o.fid", geometry: "o.geom", indexed: ("organisations", "o"),
            columns: ["name": "o.name", "kind": "o.kind"], cacheable: false),
    ]
}

/// Which features of a layer, and which page of them.
public struct FeatureQuery: Sendable {
    /// Features whose geometry meets one of these boxes (lon/lat): one box, or two for a
    /// `bbox` that crosses the antimeridian (its west edge east of its east edge). Empty: no
    /// spatial filter.
    public var boxes: [BoundingBox] = []
    /// Property equal to a value (text, compared as the property's type).
    public var equals: [(property: String, value: String)] = []
    /// Numeric property within bounds (inclusive).
    public var ranges: [(property: String, min: Double?, max: Double?)] = []
    /// Time within [start, end] (Unix seconds; open ends nil), for layers with time.
    public var time: (start: Double?, end: Double?)?
    /// Features after (or before) this id in the layer's order.
    public var after: String?
    public var before: String?
    public var limit = 100
    /// Output only these properties (all when nil).
    public var properties: [String]?
    /// For grids: this plan instead of the published ones.
    public var plan: Int64?

    public init() {}
}

/// A page of features in id order (each a GeoJSON Feature object, UTF-8), the number
/// matching in all, and cursors to the pages around it (nil when there are none).
public struct FeaturePage: Sendable {
    public var features: [[UInt8]]
    public var numberMatched: Int
    /// The last id of this page, when features follow it.
    public var next: String?
    /// The first id of this page, when features precede it.
    public var previous: String?
}

/// Features already written as GeoJSON, by layer and id, for one data version (a change
/// anywhere empties it): most requests then only find ids. Shared by requests; bounded in
/// bytes (beyond, features are written per request).
public final class FeatureCache: @unchecked Sendable {
    private let lock = NSLock()
    private var version: Int64 = -1
    private var entries: [String: [String: [UInt8]]] = [:]
    private var size = 0
    public let capacity: Int

    public init(capacity: Int = 128 << 20) { self.capacity = capacity }

    func lookup(_ layer: FeatureLayer, _ ids: [String], version: Int64) -> [[UInt8]?] {
        lock.withLock {
            if version != self.version { (self.version, entries, size) = (version, [:], 0) }
            let table = entries[layer.name] ?? [:]
            return ids.map { table[$0] }
        }
    }

    func store(_ layer: FeatureLayer, _ features: [(String, [UInt8])], version: Int64) {
        lock.withLock {
            guard version == self.version else { return }
            for (id, bytes) in features where size + bytes.count <= capacity {
                entries[layer.name, default: [:]][id] = bytes
                size += bytes.count
            }
        }
    }
}

extension StoreReader {
    /// One page of a layer's features matching `query`, in id order. With a cache, features
    /// with every property (published grids, buildings, regions, roads) are written once per
    /// data version.
    public func features(_ layer: FeatureLayer, _ query: FeatureQuery, cache: FeatureCache? = nil) throws -> FeaturePage {
        let s = layer.query
        var (from, conditions, args) = try clauses(layer, query)
        let boxes = query.boxes
        let index = spatialIndex(s)
        if !boxes.isEmpty, let index {
            from += index.join
            conditions.append("(" + boxes.map { _ in "(\(index.meets))" }.joined(separator: " OR ") + ")")
            for b in boxes { args += [b.maxX, b.minX, b.maxY, b.minY] }
        } else if !boxes.isEmpty, let point = s.point {
            conditions.append("(" + boxes.map { _ in "(\(point.x) BETWEEN ? AND ? AND \(point.y) BETWEEN ? AND ?)" }.joined(separator: " OR ") + ")")
            for b in boxes { args += [b.minX, b.maxX, b.minY, b.maxY] }
        }
        let filter = conditions.joined(separator: " AND ")
        let matched = try count(s, from: from, filter: filter, args, boxes: boxes)

        // The page's ids, walking in id order from the cursor until limit + 1 meet the box.
        var cursorCondition = "", descending = false
        var pageArgs = args
        if let after = query.after {
            cursorCondition = " AND \(s.id) > ?"
            pageArgs += [layer.textIDs ? after : Int64(after) as (any SQLArgument)?]
        } else if let before = query.before {
            cursorCondition = " AND \(s.id) < ?"
            pageArgs += [layer.textIDs ? before : Int64(before) as (any SQLArgument)?]
            descending = true
        }
        let envelope = boxes.isEmpty ? "" : index.map { ", \($0.minX) AS bx0, \($0.minY) AS by0, \($0.maxX) AS bx1, \($0.maxY) AS by1" } ?? ""
        var ids: [String] = []
        let rows = try SQLRow.fetchCursor(db, sql: """
            SELECT \(s.id) AS fid_, \(geometryColumns(s))\(envelope) FROM \(from) WHERE \(filter)\(cursorCondition)
            ORDER BY \(s.id)\(descending ? " DESC" : "")
            """, arguments: SQLArguments(pageArgs))
        while ids.count <= query.limit, let row = try rows.next() {
            if !boxes.isEmpty, try !meets(row, s, boxes) { continue }
            try ids.append(layer.textIDs ? row["fid_"] : String(row["fid_"] as Int64))
        }
        let more = ids.count > query.limit
        if more { ids.removeLast() }
        if descending { ids.reverse() }

        // Their GeoJSON: from the cache, or read and written now.
        let cached = cache != nil && query.properties == nil && query.plan == nil && layer.query.cacheable
        let version = cached ? try dataVersion() : 0
        var encoded = cached ? cache!.lookup(layer, ids, version: version) : [[UInt8]?](repeating: nil, count: ids.count)
        let missing = ids.indices.filter { encoded[$0] == nil }
        if !missing.isEmpty {
            var base = FeatureQuery()
            (base.plan, base.time, base.properties) = (query.plan, query.time, query.properties)
            let writer = GeoJSONWriter()
            let written = try readFeatures(layer, ids: missing.map { ids[$0] }, base).mapValues(writer.featureBytes)
            for i in missing { encoded[i] = written[ids[i]] }
            if cached { cache!.store(layer, missing.compactMap { i in written[ids[i]].map { (ids[i], $0) } }, version: version) }
        }
        let features = encoded.compactMap { $0 }
        if descending {
            return FeaturePage(features: features, numberMatched: matched, next: ids.last, previous: more ? ids.first : nil)
        }
        return FeaturePage(features: features, numberMatched: matched, next: more ? ids.last : nil,
                           previous: query.after != nil ? ids.first ?? query.after : nil)
    }

    /// One feature by id, or nil.
    public func feature(_ layer: FeatureLayer, id: String, plan: Int64? = nil) throws -> Feature? {
        var query = FeatureQuery()
        query.plan = plan
        return try readFeatures(layer, ids: [id], query)[id]
    }

    /// The features with these ids (those that exist and pass the plan and time filters of
    /// `query`), with `query.properties` or every property, by id.
    private func readFeatures(_ layer: FeatureLayer, ids: [String], _ query: FeatureQuery) throws -> [String: Feature] {
        let s = layer.query
        // Ids that are not numbers where ids are numbers match nothing.
        let keys: [(any SQLArgument)?] = ids.compactMap { id -> (any SQLArgument)? in layer.textIDs ? id : Int64(id) }
        guard !keys.isEmpty else { return [:] }
        let wanted = query.properties.map(Set.init)
        let properties = layer.fields.filter { wanted?.contains($0.name) ?? true }
        let (from, conditions, args) = try clauses(layer, query)
        var out: [String: Feature] = [:]
        for row in try SQLRow.fetchAll(db, sql: """
            SELECT \(s.id) AS fid_, \(geometryColumns(s))\(fieldColumns(s, properties))
            FROM \(from) WHERE \(conditions.joined(separator: " AND ")) AND \(s.id) IN (\(keys.map { _ in "?" }.joined(separator: ",")))
            """, arguments: SQLArguments(args + keys)) {
            var props: [String: JSONValue] = [:]
            for (i, p) in properties.enumerated() { props[p.name] = Self.value(try row["p\(i)"], p.type) }
            let id: String = layer.textIDs ? try row["fid_"] : String(try row["fid_"] as Int64)
            out[id] = Feature(id: layer.textIDs ? .string(id) : .number(Double(id)!), geometry: try readGeometry(row, s), properties: props)
        }
        return out
    }

    /// Whether the layer has any feature (one index probe, not a count).
    public func hasFeatures(_ layer: FeatureLayer) throws -> Bool {
        let (from, conditions, args) = try clauses(layer, FeatureQuery())
        return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(from) WHERE \(conditions.joined(separator: " AND ")))",
                                 arguments: SQLArguments(args)) ?? false
    }

    /// The box of a layer's features (lon/lat), and for layers with time its first and last
    /// time (Unix seconds); nil when the layer is empty.
    public func extent(_ layer: FeatureLayer, plan: Int64? = nil) throws -> (box: BoundingBox, time: (Double, Double)?)? {
        let s = layer.query
        var query = FeatureQuery()
        query.plan = plan
        let (from, conditions, args) = try clauses(layer, query)
        let filter = conditions.joined(separator: " AND ")
        // Bounds from the R-tree (32-bit floats, rounded outward) or from point columns.
        let (x0, y0, x1, y1, join) = spatialIndex(s).map { ($0.minX, $0.minY, $0.maxX, $0.maxY, $0.join) }
            ?? (s.point!.x, s.point!.y, s.point!.x, s.point!.y, "")
        let box = try SQLRow.fetchOne(db, sql: """
            SELECT min(\(x0)) AS a, min(\(y0)) AS b, max(\(x1)) AS c, max(\(y1)) AS d FROM \(from)\(join) WHERE \(filter)
            """, arguments: SQLArguments(args)).flatMap { row in
            try (try row["a"] as Double?).map { try BoundingBox(minX: $0, minY: row["b"], maxX: row["c"], maxY: row["d"]) }
        }
        guard var box else { return nil }
        // PostGIS's bounds are exact: round them as SQLite's R-tree does, so both stores answer alike.
        if db.isPostgres, s.indexed != nil { box = box.roundedOutwardToFloat32 }
        var time: (Double, Double)?
        if let column = s.time {
            let row = try SQLRow.fetchOne(db, sql: "SELECT min(\(column)) AS a, max(\(column)) AS b FROM pings WHERE flags = 0")
            if let a: Double = try row?["a"] { time = (a, try row!["b"]) }
        }
        return (box, time)
    }

    // MARK: Pieces

    /// FROM, conditions and arguments for the layer's base, plan, property and time filters.
    private func clauses(_ layer: FeatureLayer, _ query: FeatureQuery) throws -> (String, [String], [(any SQLArgument)?]) {
        let s = layer.query
        var from = s.from, conditions = [s.condition], args: [(any SQLArgument)?] = []
        if let planCondition = s.planCondition, let plan = query.plan {
            conditions = [planCondition]
            args.append(plan)
        }
        if s.time != nil {
            var time = ["1 = 1"], timeArgs: [(any SQLArgument)?] = []
            if let start = query.time?.start { time.append("time >= ?"); timeArgs.append(start) }
            if let end = query.time?.end { time.append("time <= ?"); timeArgs.append(end) }
            from = from.replacingOccurrences(of: "{time}", with: time.joined(separator: " AND "))
            args = timeArgs + args
        }
        for (name, value) in query.equals {
            guard let p = layer.descriptor.field(name), let column = s.columns[name] else { throw StoreError("no property \(name)") }
            conditions.append("\(column) = ?")
            switch p.type {
            case .integer: args.append(Int64(value))
            case .number: args.append(Double(value))
            case .string, .dateTime: args.append(value)
            }
        }
        for (name, low, high) in query.ranges {
            guard let column = s.columns[name] else { throw StoreError("no property \(name)") }
            if let low { conditions.append("\(column) >= ?"); args.append(low) }
            if let high { conditions.append("\(column) <= ?"); args.append(high) }
        }
        return (from, conditions, args)
    }

    /// How many features match: with boxes, those whose envelope lies inside one are counted
    /// by SQL, the rest (envelopes across an edge) by their geometry.
    private func count(_ s: LayerQuery, from: String, filter: String, _ args: [(any SQLArgument)?], boxes: [BoundingBox]) throws -> Int {
        guard !boxes.isEmpty, let index = spatialIndex(s), let geometry = s.geometry else {
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM \(from) WHERE \(filter)", arguments: SQLArguments(args)) ?? 0
        }
        let inside = "(" + boxes.map { _ in "(\(index.inside))" }.joined(separator: " OR ") + ")"
        let boxArgs: [(any SQLArgument)?] = boxes.flatMap { b -> [(any SQLArgument)?] in [b.minX, b.maxX, b.minY, b.maxY] }
        var n = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(from) WHERE \(filter) AND \(inside)",
                                 arguments: SQLArguments(args + boxArgs)) ?? 0
        let edge = try SQLRow.fetchCursor(db, sql: "SELECT \(geometry) AS geom FROM \(from) WHERE \(filter) AND NOT \(inside)",
                                       arguments: SQLArguments(args + boxArgs))
        while let row = try edge.next() {
            let g = try Self.geometry(row["geom"])
            if boxes.contains(where: { g.intersects($0) }) { n += 1 }
        }
        return n
    }

    private func spatialIndex(_ s: LayerQuery) -> BoxIndex? {
        s.indexed.map { db.spatial($0.table, $0.alias) }
    }

    /// The fields' SQL expressions as the select list's p0, p1, … (read back with `value`).
    private func fieldColumns(_ s: LayerQuery, _ fields: [LayerField]) -> String {
        fields.enumerated().map { ", \(s.columns[$1.name] ?? "NULL") AS p\($0)" }.joined()
    }

    private func geometryColumns(_ s: LayerQuery) -> String {
        if let g = s.geometry { return "\(g) AS geom" }
        return "\(s.point!.x) AS gx, \(s.point!.y) AS gy"
    }

    private func readGeometry(_ row: SQLRow, _ s: LayerQuery) throws -> Geometry {
        s.geometry != nil ? try Self.geometry(row["geom"]) : .point(Coordinate(try row["gx"], try row["gy"]))
    }

    /// Whether a row's geometry meets one of the boxes: at once when its envelope lies inside
    /// one, otherwise by the geometry itself.
    private func meets(_ row: SQLRow, _ s: LayerQuery, _ boxes: [BoundingBox]) throws -> Bool {
        if let x0: Double = try row["bx0"] {
            let envelope = try BoundingBox(minX: x0, minY: row["by0"], maxX: row["bx1"], maxY: row["by1"])
            if boxes.contains(where: { $0.contains(envelope) }) { return true }
        }
        let g = try readGeometry(row, s)
        return boxes.contains { g.intersects($0) }
    }

    static func value(_ value: SQLValue, _ type: FieldType) -> JSONValue {
        if case .null = value { return .null }
        switch type {
        case .string: return String.decode(value).map(JSONValue.string) ?? .null
        case .integer: return Int64.decode(value).map { .number(Double($0)) } ?? .null
        case .number: return Double.decode(value).map(JSONValue.number) ?? .null
        case .dateTime:
            // Times are stored as seconds (pings) or as RFC 3339 text (cases): both answer RFC 3339.
            if case .text(let text) = value { return StoreTime.date(text).map { .string(Self.isoTime($0.timeIntervalSince1970)) } ?? .null }
            return Double.decode(value).map { .string(Self.isoTime($0)) } ?? .null
        }
    }

    /// RFC 3339 UTC time with milliseconds when they are not zero.
    public static func isoTime(_ seconds: Double) -> String {
        let date = Date(timeIntervalSince1970: seconds)
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: seconds.rounded() != seconds)
        return date.formatted(style)
    }
}

/// A row of a layer for the vector tiles: its integer key, its tile fields' values (in the
/// descriptor's order; null when absent) and its geometry.
public struct LayerRow: Sendable {
    public var key: Int64
    public var values: [JSONValue]
    public var geometry: Geometry
}

extension StoreReader {
    /// Every feature of a layer with the fields tiles carry, in key order.
    public func tileRows(_ layer: FeatureLayer) throws -> [LayerRow] {
        let s = layer.query
        let fields = layer.descriptor.tileFields
        let (from, conditions, args) = try clauses(layer, FeatureQuery())
        return try SQLRow.fetchAll(db, sql: """
            SELECT \(s.key) AS key_, \(geometryColumns(s))\(fieldColumns(s, fields))
            FROM \(from) WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(s.key)
            """, arguments: SQLArguments(args)).map { row in
            LayerRow(key: try row["key_"], values: try fields.enumerated().map { Self.value(try row["p\($0)"], $1.type) }, geometry: try readGeometry(row, s))
        }
    }
}
