import CivicGridModel
import Foundation
import GridGeometry
import GridStore

/// One thing a search found: what it is, its id, what to show, where it is and the community
/// it lies in (for scope).
public struct SearchHit: Hashable, Sendable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable { case region, grid, building, organisation, facility, `case`, person }
    public var kind: Kind
    public var id: String
    public var title: String
    public var subtitle: String?
    public var lon: Double?
    public var lat: Double?
    public var community: String?
    /// For people: their household and building (the page opens the building's units).
    public var household: Int64?
    public var building: Int64?

    public init(kind: Kind, id: String, title: String, subtitle: String? = nil, lon: Double? = nil, lat: Double? = nil, community: String? = nil,
                household: Int64? = nil, building: Int64? = nil) {
        self.kind = kind
        self.id = id
        self.title = title
        self.subtitle = subtitle
        self.lon = lon
        self.lat = lat
        self.community = community
        self.household = household
        self.building = building
    }
}

extension StoreReader {
    /// The end of the range of strings that start with `prefix` (for index range scans).
    public static func prefixEnd(_ prefix: String) -> String { prefix + "\u{10FFFF}" }

    /// Regions, published grids, buildings (by address or ref), organisations (by name, code or
    /// licence), facilities (by code) and cases (by number) matching `q`, each kind up to `limit`,
    /// within `communities` (nil: everywhere; regions by code under the account's root are
    /// the caller's to filter). Nothing personal: people are `people(named:)`.
    public func search(_ q: String, kinds: Set<SearchHit.Kind>, communities: Set<String>?, limit: Int) throws -> [SearchHit] {
        let end = Self.prefixEnd(q)
        let scope = Self.scope(communities)
        func inScope(_ column: String) -> String { "(?1 IS NULL OR \(column) IN (\(db.jsonStrings("?1"))))" }
        var hits: [SearchHit] = []
        if kinds.contains(.region) {
            hits += try SQLRow.fetchAll(try db.cachedStatement(sql: """
                SELECT code, name, level FROM regions WHERE (code >= ?2 AND code < ?3 OR \(db.instr("name", "?4")) > 0) ORDER BY length(name), code LIMIT ?5
                """), arguments: [scope, q, end, q, limit]).map { SearchHit(kind: .region, id: try $0[0], title: try $0[1], subtitle: try $0[2]) }
        }
        if kinds.contains(.grid) {
            let g = db.spatial("published_grids", "g", rtree: "rtree_grids_geom")
            hits += try SQLRow.fetchAll(try db.cachedStatement(sql: """
                SELECT g.code, g.name, g.households, g.community, (\(g.minX) + \(g.maxX)) / 2, (\(g.minY) + \(g.maxY)) / 2
                FROM \(g.from())
                WHERE (g.code >= ?2 AND g.code < ?3 OR \(db.instr("g.name", "?4")) > 0) AND \(inScope("g.community")) ORDER BY g.code LIMIT ?5
                """), arguments: [scope, q, end, q, limit]).map {
                SearchHit(kind: .grid, id: try $0[0], title: try ($0[1] as String?) ?? $0[0], subtitle: "\(try $0[2] as Int? ?? 0) households", lon: try $0[4], lat: try $0[5], community: try $0[3])
            }
        }
        if kinds.contains(.building) {
            hits += try SQLRow.fetchAll(try db.cachedStatement(sql: """
                SELECT fid, ref, address, floors, label_x, label_y, community FROM buildings
                WHERE (\(db.instr("address", "?4")) > 0 OR ref >= ?2 AND ref < ?3) AND \(inScope("community")) ORDER BY length(address), fid LIMIT ?5
                """), arguments: [scope, q, end, q, limit]).map {
                SearchHit(kind: .building, id: String(try $0[0] as Int64), title: try ($0[2] as String?) ?? ($0[1] as String?) ?? "building \(try $0[0] as Int64)",
                          subtitle: (try $0[3] as Int?).map { "\($0) floors" }, lon: try $0[4], lat: try $0[5], community: try $0[6])
            }
        }
        if kinds.contains(.organisation) {
            hits += try SQLRow.fetchAll(try db.cachedStatement(sql: """
                SELECT code, name, kind, geom, community FROM organisations
                WHERE (\(db.instr("name", "?4")) > 0 OR code >= ?2 AND code < ?3 OR licence = upper(?2)) AND \(inScope("community")) ORDER BY length(name), code LIMIT ?5
                """), arguments: [scope, q, end, q, limit]).map { row in
                let p = try Self.point(row["geom"])
                return try SearchHit(kind: .organisation, id: row[0], title: row[1], subtitle: row[2], lon: p?.x, lat: p?.y, community: row[4])
            }
        }
        // Facilities by code and cases by number: a range of their unique index, titled with
        // their category's name.
        for (kind, table, key) in [(SearchHit.Kind.facility, "facilities", "code"), (.case, "cases", "number")] where kinds.contains(kind) {
            hits += try SQLRow.fetchAll(try db.cachedStatement(sql: """
                SELECT x.\(key), c.name, x.status, x.geom, x.community FROM \(table) x LEFT JOIN case_categories c ON c.code = x.category
                WHERE x.\(key) >= ?2 AND x.\(key) < ?3 AND \(inScope("x.community")) ORDER BY x.\(key) LIMIT ?5
                """), arguments: [scope, q, end, q, limit]).map { row in
                let p = try Self.point(row["geom"])
                return SearchHit(kind: kind, id: try row[0], title: "\(try row[0] as String) \((try row[1] as String?) ?? "")", subtitle: try row[2], lon: p?.x, lat: p?.y, community: try row[4])
            }
        }
        return hits
    }

    /// Communities as the JSON array `json_each` reads (nil: everywhere).
    public static func scope(_ communities: Set<String>?) -> String? {
        communities.map { (try? StoreJSON.encode($0.sorted())) ?? "[]" }
    }

    static func point(_ blob: Data?) throws -> Coordinate? {
        guard let blob, case .point(let p) = try StoredGeometry.decode(blob) else { return nil }
        return p
    }
}
