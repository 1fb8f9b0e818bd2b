import CivicGridModel
import Foundation
import GridGeometry
import GridStore

/// Which public facility a case names (`case_facilities`).
extension StoreWriter {
    /// Notes that a case names a facility.
    public func link(case fid: Int64, facility: Int64) throws {
        try db.cachedStatement(sql: "INSERT INTO case_facilities (case_fid, facility) VALUES (?, ?) ON CONFLICT (case_fid) DO UPDATE SET facility = excluded.facility").execute(arguments: [fid, facility])
    }
}

extension StoreReader {
    /// The cases that named a facility, newest first.
    public func cases(facility fid: Int64) throws -> [CaseRecord] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.qualifiedCaseColumns) FROM cases c JOIN case_facilities l ON l.case_fid = c.fid WHERE l.facility = ? ORDER BY c.created_at DESC, c.fid DESC
            """), arguments: [fid]).map(Self.caseRecord)
    }
}

// Public facilities: a point layer of the catalogue's facility categories, their status kept by
// cases and field updates.
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
