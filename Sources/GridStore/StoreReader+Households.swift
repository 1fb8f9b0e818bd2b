import CivicGridModel
import Foundation

/// Households as the basic data holds them (a building's units, its head and phone); the
/// people living in them are GridPeople's.
extension StoreWriter {
    /// Gives every building household records up to its household count, in the units its
    /// floors lay out (`block-entrance-room`, the block its fid), skipping units taken; for
    /// benchmarks. Returns how many were added.
    public func fillHouseholdRecords() throws -> Int {
        let rows = try SQLRow.fetchAll(db, sql: "SELECT fid, floors, households FROM buildings WHERE households > 0 AND ref IS NOT NULL ORDER BY fid")
        var added = 0
        for row in rows {
            let (fid, floors, count): (Int64, Int?, Int) = (try row[0], try row[1], try row[2])
            let taken = Set(try String.fetchAll(db, sql: "SELECT unit FROM households WHERE building = ?", arguments: [fid]))
            guard taken.count < count else { continue }
            for unit in UnitAddress.layout(block: Int(fid), floors: floors ?? 1, households: count).map(\.description).filter({ !taken.contains($0) }).prefix(count - taken.count) {
                try db.cachedStatement(sql: "INSERT INTO households (building, unit) VALUES (?, ?)").execute(arguments: [fid, unit])
                added += 1
            }
        }
        return added
    }

    /// A household moved into (`delta` 1) or out of (-1) a building: its count is that of its
    /// records when it is counted from them, else the declared or estimated count moved by
    /// `delta`; every plan's grid holding it counts again.
    public func recountHouseholds(building: Int64, delta: Int) throws {
        changed(.buildings, try reader.extent(of: "buildings", where: "f.fid = ?", [building]))
        try db.cachedStatement(sql: """
            UPDATE buildings SET households = CASE households_source WHEN 'records' THEN (SELECT count(*) FROM households h WHERE h.building = buildings.fid)
                                                                     ELSE \(db.greatest("0", "households + ?")) END
            WHERE fid = ?
            """).execute(arguments: [delta, building])
        try recount(grids: Set(try Int64.fetchAll(db, sql: "SELECT grid FROM grid_buildings WHERE building = ?", arguments: [building])))
    }

    public func deleteHousehold(_ id: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM households WHERE id = ?").execute(arguments: [id])
    }
}

extension StoreReader {
    /// The household of a building's unit.
    public func household(building ref: String, unit: String) throws -> Int64? {
        try Int64.fetchOne(try db.cachedStatement(sql: """
            SELECT h.id FROM households h JOIN buildings b ON b.fid = h.building WHERE b.ref = ? AND h.unit = ?
            """), arguments: [ref, unit])
    }

    /// The household's building, unit and community (for scope).
    public func householdPlace(_ id: Int64) throws -> (building: Int64, unit: String, community: String?)? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: """
            SELECT h.building, h.unit, b.community FROM households h JOIN buildings b ON b.fid = h.building WHERE h.id = ?
            """), arguments: [id]).map { (try $0[0], try $0[1], try $0[2]) }
    }

    /// The code of the published grid a building lies in.
    public func publishedGrid(building: Int64) throws -> String? {
        try String.fetchOne(try db.cachedStatement(sql: """
            SELECT g.code FROM grid_buildings gb JOIN plans p ON p.id = gb.plan AND p.status = 'published' JOIN grids g ON g.fid = gb.grid
            WHERE gb.building = ?
            """), arguments: [building])
    }
}

/// A household record with its building's ref, for generators and exports (personal).
public struct HouseholdRecord: Hashable, Sendable {
    public var id: Int64
    public var building: String
    public var unit: String
    public var size: Int?
    public var headName: String?
    public var phone: String?
}

extension StoreReader {
    /// Every household record with personal fields, by building and unit: for the demo's
    /// generator only, never an answer.
    public func householdRecords() throws -> [HouseholdRecord] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT h.id, b.ref, h.unit, h.size, h.head_name, h.phone FROM households h JOIN buildings b ON b.fid = h.building
            WHERE b.ref IS NOT NULL ORDER BY b.ref, h.unit
            """)).map { HouseholdRecord(id: try $0[0], building: try $0[1], unit: try $0[2], size: try $0[3], headName: try $0[4], phone: try $0[5]) }
    }

    /// A building's community and floors (for scope and the 3D view).
    public func buildingPlace(_ id: Int64) throws -> (community: String?, floors: Int?, households: Int, height: Double?)? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT community, floors, households, height FROM buildings WHERE fid = ?"), arguments: [id]).map { (try $0[0], try $0[1], try $0[2], try $0[3]) }
    }
}
