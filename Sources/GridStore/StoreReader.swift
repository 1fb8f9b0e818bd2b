import CivicGridModel
import Foundation
import GridGeometry

/// Queries on one consistent snapshot. Map-facing queries never select personal columns.
public struct StoreReader {
    public let db: SQLDatabase

    public func integrityCheck() throws -> String {
        if db.isPostgres { return try Int.fetchOne(db, sql: "SELECT 1") == 1 ? "ok" : "no answer" }
        let rows = try String.fetchAll(db, sql: "PRAGMA integrity_check")
        return rows.joined(separator: "\n")
    }

    /// Row counts of the main tables, by table name.
    public func counts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for t in ["regions", "buildings", "households", "roads", "plans", "grids", "members", "devices", "pings"] {
            out[t] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(t)") ?? 0
        }
        return out
    }

    /// Household total over all buildings (declared, estimated or counted).
    public func householdTotal() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT coalesce(sum(households), 0) FROM buildings") ?? 0
    }

    // MARK: Regions

    public func regions(level: RegionLevel? = nil) throws -> [Region] {
        var sql = "SELECT fid, code, name, level, parent, geom FROM regions"
        var args: SQLArguments = []
        if let level {
            sql += " WHERE level = ?"
            args = [level.rawValue]
        }
        sql += " ORDER BY code"
        return try SQLRow.fetchAll(db, sql: sql, arguments: args).map(Self.region)
    }

    public func region(code: String) throws -> Region? {
        try SQLRow.fetchOne(db, sql: "SELECT fid, code, name, level, parent, geom FROM regions WHERE code = ?",
                         arguments: [code]).map(Self.region)
    }

    /// Every region's level by code, without geometries.
    public func regionLevels() throws -> [String: RegionLevel] {
        var out: [String: RegionLevel] = [:]
        for row in try SQLRow.fetchAll(db, sql: "SELECT code, level FROM regions") {
            out[try row["code"]] = RegionLevel(rawValue: try row["level"])
        }
        return out
    }

    static func region(_ row: SQLRow) throws -> Region {
        try Region(id: row["fid"], code: row["code"], name: row["name"],
               level: RegionLevel(rawValue: try row["level"]) ?? .community, parent: try row["parent"],
               geometry: try geometry(row["geom"]))
    }

    // MARK: Buildings

    /// Buildings, optionally of one community, in id order. No household detail.
    public func buildings(community: String? = nil) throws -> [Building] {
        var sql = """
            SELECT fid, ref, address, floors, households, households_source, area_m2, community,
                   label_x, label_y, geom, height FROM buildings
            """
        var args: SQLArguments = []
        if let community {
            sql += " WHERE community = ?"
            args = [community]
        }
        sql += " ORDER BY fid"
        return try SQLRow.fetchAll(db, sql: sql, arguments: args).map { row in
            try Building(id: row["fid"], ref: row["ref"], address: row["address"], floors: row["floors"],
                     households: try row["households"],
                     householdSource: HouseholdSource(rawValue: try row["households_source"]) ?? .declared,
                     areaM2: try row["area_m2"], community: try row["community"],
                     label: Coordinate(try row["label_x"], try row["label_y"]), geometry: try Self.geometry(row["geom"]), height: try row["height"])
        }
    }

    /// A building's id and label point by its ref.
    public func buildingLabel(ref: String) throws -> (id: Int64, label: Coordinate)? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT fid, label_x, label_y FROM buildings WHERE ref = ?"), arguments: [ref]).map { (try $0[0], Coordinate(try $0[1], try $0[2])) }
    }

    /// Every building's interior point, for linking to regions.
    public func buildingLabels() throws -> [(id: Int64, label: Coordinate)] {
        try SQLRow.fetchAll(db, sql: "SELECT fid, label_x, label_y FROM buildings ORDER BY fid").map {
            (id: try $0["fid"], label: Coordinate(try $0["label_x"], try $0["label_y"]))
        }
    }

    /// Building ids by source reference.
    /// The highest building id so far (0 when there is none).
    public func lastBuildingID() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(fid), 0) FROM buildings") ?? 0
    }

    public func buildingIDsByRef() throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for row in try SQLRow.fetchAll(db, sql: "SELECT ref, fid FROM buildings WHERE ref IS NOT NULL") {
            out[try row["ref"]] = try row["fid"]
        }
        return out
    }

    public func buildingCount(community: String?) throws -> Int {
        if let community {
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM buildings WHERE community = ?", arguments: [community]) ?? 0
        }
        return try Int.fetchOne(db, sql: "SELECT count(*) FROM buildings WHERE community IS NULL") ?? 0
    }

    // MARK: Households

    /// Existing (building, unit) pairs, to refuse duplicates.
    public func householdUnits() throws -> Set<HouseholdKey> {
        Set(try SQLRow.fetchAll(db, sql: "SELECT building, unit FROM households").map {
            try HouseholdKey(building: $0["building"], unit: $0["unit"])
        })
    }

    /// The households of a building, with personal fields: for authorised, household-level
    /// views only.
    public func householdsWithPersonalData(building: Int64) throws -> [Household] {
        try SQLRow.fetchAll(db, sql: """
            SELECT id, building, unit, size, head_name, phone FROM households WHERE building = ? ORDER BY unit
            """, arguments: [building]).map {
            try Household(id: $0["id"], building: $0["building"], unit: $0["unit"], size: $0["size"],
                      headName: try $0["head_name"], phone: try $0["phone"])
        }
    }

    // MARK: Roads

    public func roads() throws -> [Road] {
        try SQLRow.fetchAll(db, sql: "SELECT fid, name, kind, geom FROM roads ORDER BY fid").map {
            try Road(id: $0["fid"], name: $0["name"], kind: $0["kind"], geometry: Self.geometry($0["geom"]))
        }
    }

    public static func geometry(_ blob: Data?) throws -> Geometry {
        guard let blob else { throw StoreError("missing geometry") }
        do { return try StoredGeometry.decode(blob) } catch {
            throw StoreError("stored geometry unreadable: \(error)")
        }
    }
}

/// Identifies a household within its building.
public struct HouseholdKey: Hashable, Sendable {
    public var building: Int64
    public var unit: String

    public init(building: Int64, unit: String) {
        self.building = building
        self.unit = unit
    }
}
