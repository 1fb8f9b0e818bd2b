import CivicGridModel
import Foundation
import GridGeometry

extension StoreWriter {
    /// Creates a plan and returns its id.
    public func insertPlan(community: String, status: PlanStatus, basedOn: Int64?, author: String?, params: String?) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO plans (community, status, based_on, author, created_at, updated_at, params)
            VALUES (?, ?, ?, ?, \(db.now), \(db.now), ?)
            """, arguments: [community, status.rawValue, basedOn, author, params])
        let id = try db.lastInsertedRowID()
        if status == .draft, let file = db.sqlite { try Schema.createDraftView(file, plan: id, community: community) }
        return id
    }

    /// Adds a grid to a plan with its buildings.
    @discardableResult
    public func insert(_ g: Grid, buildings: [Int64]) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO grids (geom, plan, code, name, households, buildings, area_m2) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [SQLGeometry(g.geometry), g.plan, g.code, g.name, g.households, g.buildings, g.areaM2])
        let id = try db.lastInsertedRowID()
        try db.insertRows("grid_buildings", columns: ["plan", "building", "grid"], rows: buildings.map { [g.plan, $0, id] },
                          suffix: "ON CONFLICT (plan, building) DO UPDATE SET grid = excluded.grid")
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
            UPDATE plans SET status = 'archived', updated_at = \(db.now)
            WHERE community = ? AND status = 'published'
            """, arguments: [plan.community])
        try db.execute(sql: """
            UPDATE plans SET status = 'published', updated_at = \(db.now), version = version + 1
            WHERE id = ?
            """, arguments: [id])
        if let file = db.sqlite { try Schema.dropView(file, Schema.draftView(id)) }
    }
}

extension StoreWriter {
    /// A new draft of `source`'s community holding a copy of its grids and their buildings.
    public func copyPlan(_ source: Int64, author: String?) throws -> Int64 {
        guard let plan = try reader.plan(id: source) else { throw StoreError("no plan \(source)") }
        let id = try insertPlan(community: plan.community, status: .draft, basedOn: source, author: author,
                                params: #"{"method":"copy","from":\#(source)}"#)
        let assignment = try reader.gridOfBuildings(plan: source)
        var members: [Int64: [Int64]] = [:]
        for (b, g) in assignment { members[g, default: []].append(b) }
        for var g in try reader.grids(plan: source) {
            let old = g.id!
            g.id = nil
            g.plan = id
            try insert(g, buildings: (members[old] ?? []).sorted())
        }
        return id
    }

    /// Moves a draft from `version` to the next; false (and nothing changes) when the plan is
    /// no longer at `version` or no longer a draft.
    public func advance(plan id: Int64, from version: Int) throws -> Bool {
        try db.execute(sql: """
            UPDATE plans SET version = version + 1, updated_at = \(db.now)
            WHERE id = ? AND version = ? AND status = 'draft'
            """, arguments: [id, version])
        return db.changesCount == 1
    }

    /// Deletes a grid of a plan (its building links go with it).
    public func deleteGrid(_ id: Int64) throws {
        try db.execute(sql: "DELETE FROM grids WHERE fid = ?", arguments: [id])
    }

    /// Rewrites a stored grid: geometry, code, name, counts and its buildings.
    public func update(_ g: Grid, buildings: [Int64]) throws {
        guard let id = g.id else { throw StoreError("a grid to update needs its id") }
        try db.execute(sql: """
            UPDATE grids SET geom = ?, code = ?, name = ?, households = ?, buildings = ?, area_m2 = ? WHERE fid = ?
            """, arguments: [SQLGeometry(g.geometry), g.code, g.name, g.households, g.buildings, g.areaM2, id])
        try db.execute(sql: "DELETE FROM grid_buildings WHERE grid = ?", arguments: [id])
        try db.insertRows("grid_buildings", columns: ["plan", "building", "grid"], rows: buildings.map { [g.plan, $0, id] },
                          suffix: "ON CONFLICT (plan, building) DO UPDATE SET grid = excluded.grid")
    }
}
