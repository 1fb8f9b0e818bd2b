import CivicGridModel
import Foundation
import GridGeometry

extension StoreReader {
    /// Plans, newest first, optionally of one community.
    public func plans(community: String? = nil) throws -> [Plan] {
        var sql = "SELECT * FROM plans"
        var args: SQLArguments = []
        if let community {
            sql += " WHERE community = ?"
            args = [community]
        }
        return try SQLRow.fetchAll(db, sql: sql + " ORDER BY id DESC", arguments: args).map(Self.plan)
    }

    public func plan(id: Int64) throws -> Plan? {
        try SQLRow.fetchOne(db, sql: "SELECT * FROM plans WHERE id = ?", arguments: [id]).map(Self.plan)
    }

    public func publishedPlan(community: String) throws -> Plan? {
        try SQLRow.fetchOne(db, sql: "SELECT * FROM plans WHERE community = ? AND status = 'published'", arguments: [community]).map(Self.plan)
    }

    static func plan(_ row: SQLRow) throws(StoreError) -> Plan {
        try Plan(id: row["id"], community: row["community"], status: PlanStatus(rawValue: row["status"]) ?? .draft,
             basedOn: try row["based_on"], author: try row["author"], createdAt: try row["created_at"], updatedAt: try row["updated_at"],
             version: try row["version"], params: try row["params"])
    }

    /// The grids of a plan, by code.
    public func grids(plan: Int64) throws -> [Grid] {
        try SQLRow.fetchAll(db, sql: """
            SELECT fid, plan, code, name, geom, households, buildings, area_m2 FROM grids WHERE plan = ? ORDER BY code
            """, arguments: [plan]).map {
            try Grid(id: $0["fid"], plan: $0["plan"], code: $0["code"], name: $0["name"], geometry: Self.geometry($0["geom"]),
                 households: try $0["households"], buildings: try $0["buildings"], areaM2: try $0["area_m2"] ?? 0)
        }
    }

    /// The grid of every building in a plan: building id → grid id.
    public func gridOfBuildings(plan: Int64) throws -> [Int64: Int64] {
        var out: [Int64: Int64] = [:]
        for row in try SQLRow.fetchAll(db, sql: "SELECT building, grid FROM grid_buildings WHERE plan = ?", arguments: [plan]) {
            out[try row["building"]] = try row["grid"]
        }
        return out
    }

    /// Roads whose extent meets the box (through the spatial index).
    public func roads(in box: BoundingBox) throws -> [Road] {
        let roads = db.spatial("roads", "r")
        return try SQLRow.fetchAll(db, sql: """
            SELECT r.fid, r.name, r.kind, r.geom FROM \(roads.from()) WHERE \(roads.meets) ORDER BY r.fid
            """, arguments: [box.maxX, box.minX, box.maxY, box.minY]).map {
            try Road(id: $0["fid"], name: $0["name"], kind: $0["kind"], geometry: Self.geometry($0["geom"]))
        }
    }

    /// Regions in the subtree of `code` (itself included) at `level`.
    public func regions(under code: String, level: RegionLevel) throws -> [Region] {
        try SQLRow.fetchAll(db, sql: """
            WITH RECURSIVE subtree(code) AS (
              SELECT code FROM regions WHERE code = ?
              UNION SELECT r.code FROM regions r JOIN subtree s ON r.parent = s.code)
            SELECT fid, code, name, level, parent, geom FROM regions
            WHERE code IN (SELECT code FROM subtree) AND level = ? ORDER BY code
            """, arguments: [code, level.rawValue]).map(Self.region)
    }
}

extension StoreReader {
    /// The grids of every community's published plan, with the community, by code.
    public func publishedGrids() throws -> [(grid: Grid, community: String)] {
        try SQLRow.fetchAll(db, sql: """
            SELECT g.fid, g.plan, g.code, g.name, g.geom, g.households, g.buildings, g.area_m2, p.community
            FROM grids g JOIN plans p ON p.id = g.plan WHERE p.status = 'published' ORDER BY g.code
            """).map {
            (Grid(id: try $0["fid"], plan: try $0["plan"], code: try $0["code"], name: try $0["name"], geometry: try Self.geometry($0["geom"]),
                  households: try $0["households"], buildings: try $0["buildings"], areaM2: try $0["area_m2"] ?? 0), try $0["community"])
        }
    }

    /// The published grid code of every building that has one: building id → code.
    public func publishedGridCodes() throws -> [Int64: String] {
        var out: [Int64: String] = [:]
        for row in try SQLRow.fetchAll(db, sql: """
            SELECT gb.building, g.code FROM grid_buildings gb JOIN grids g ON g.fid = gb.grid
            JOIN plans p ON p.id = gb.plan WHERE p.status = 'published'
            """) {
            out[try row["building"]] = try row["code"]
        }
        return out
    }
}
