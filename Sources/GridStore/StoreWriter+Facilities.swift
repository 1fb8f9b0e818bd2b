import CivicGridModel
import Foundation
import GridGeometry

extension StoreWriter {
    @discardableResult
    public func insert(_ f: Facility) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO facilities (geom, code, category, status, department, grid, community) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [SQLGeometry(.point(f.location)), f.code, f.category, f.status.rawValue, f.department, f.place.grid, f.place.community])
        return try db.lastInsertedRowID()
    }

    public func setFacility(code: String, status: FacilityStatus) throws {
        try db.cachedStatement(sql: "UPDATE facilities SET status = ? WHERE code = ?").execute(arguments: [status.rawValue, code])
    }
}

extension StoreReader {
    public func facility(code: String) throws -> Facility? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT fid, geom, code, category, status, department, grid, community FROM facilities WHERE code = ?"),
                         arguments: [code]).map { row in
            guard case .point(let p) = try StoredGeometry.decode(row["geom"]), let status = FacilityStatus(rawValue: try row["status"]) else {
                throw StoreError("facility \(code): unreadable")
            }
            return try Facility(id: row["fid"], code: row["code"], category: row["category"], status: status, department: row["department"], location: p,
                            place: try CasePlace(grid: row["grid"], community: row["community"]))
        }
    }

    public func facilityCount() throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM facilities")) ?? 0
    }
}
