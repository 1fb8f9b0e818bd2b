import CivicGridModel
import Foundation
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
