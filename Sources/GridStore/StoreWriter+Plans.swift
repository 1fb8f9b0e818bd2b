import Foundation
import GRDB
import GridGeometry

extension StoreWriter {
    /// Creates a plan and returns its id.
    public func insertPlan(community: String, status: PlanStatus, basedOn: Int64?, author: String?, params: String?) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO plans (community, status, based_on, author, created_at, updated_at, params)
            VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)
            """, arguments: [community, status.rawValue, basedOn, author, params])
        return db.lastInsertedRowID
    }

    /// Adds a grid to a plan with its buildings.
    @discardableResult
    public func insert(_ g: Grid, buildings: [Int64]) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO grids (geom, plan, code, name, households, buildings, area_m2) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [GeoPackageBinary.encode(g.geometry), g.plan, g.code, g.name, g.households, g.buildings, g.areaM2])
        let id = db.lastInsertedRowID
        let statement = try db.makeStatement(sql: "INSERT INTO grid_buildings (plan, building, grid) VALUES (?, ?, ?)")
        for b in buildings { try statement.execute(arguments: [g.plan, b, id]) }
        return id
    }

    /// Makes a draft the published plan of its community; the plan published before is
    /// archived, never deleted.
    public func publish(plan id: Int64) throws {
        guard let plan = try reader.plan(id: id) else { throw StoreError("no plan \(id)") }
        guard plan.status == .draft else { throw StoreError("plan \(id) is \(plan.status.rawValue), not a draft") }
        changed(.grids, try reader.extent(of: "grids", where: "f.plan = ? OR f.plan IN (SELECT id FROM plans WHERE community = ? AND status = 'published')",
                                          [id, plan.community]))
        try db.execute(sql: """
            UPDATE plans SET status = 'archived', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
            WHERE community = ? AND status = 'published'
            """, arguments: [plan.community])
        try db.execute(sql: """
            UPDATE plans SET status = 'published', updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1
            WHERE id = ?
            """, arguments: [id])
    }
}
