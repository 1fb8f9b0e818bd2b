import CivicGridModel
import Foundation
import GridGeometry
import GridStore

/// Shops, enterprises, schools … (`organisations`, a point layer; the contact is personal).

extension StoreWriter {
    @discardableResult
    public func insert(_ o: Organisation) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO organisations (geom, code, name, kind, licence, contact_name, contact_phone, building, unit, employees, grid, community)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [SQLGeometry(.point(o.location)), o.code, o.name, o.kind.rawValue, o.licence?.value, o.contactName,
                                     o.contactPhone, o.building, o.unit, o.employees, o.grid, o.community])
        return try db.lastInsertedRowID()
    }

    /// Replaces an organisation's record (found by its id).
    public func update(_ o: Organisation) throws {
        guard let id = o.id else { throw PeopleError("an organisation to update has an id") }
        try db.cachedStatement(sql: """
            UPDATE organisations SET geom = ?, code = ?, name = ?, kind = ?, licence = ?, contact_name = ?, contact_phone = ?, building = ?, unit = ?,
              employees = ?, grid = ?, community = ? WHERE fid = ?
            """).execute(arguments: [SQLGeometry(.point(o.location)), o.code, o.name, o.kind.rawValue, o.licence?.value, o.contactName,
                                     o.contactPhone, o.building, o.unit, o.employees, o.grid, o.community, id])
    }
}

extension StoreReader {
    static let organisationColumns = "fid, geom, code, name, kind, licence, contact_name, contact_phone, building, unit, employees, grid, community"

    public func organisation(code: String) throws -> Organisation? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.organisationColumns) FROM organisations WHERE code = ?"), arguments: [code]).map(Self.organisation)
    }

    public func organisation(licence: String) throws -> Organisation? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.organisationColumns) FROM organisations WHERE licence = ?"), arguments: [licence]).map(Self.organisation)
    }

    /// The organisations in a building, by code.
    public func organisations(building: Int64) throws -> [Organisation] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT \(Self.organisationColumns) FROM organisations WHERE building = ? ORDER BY code"),
                         arguments: [building]).map(Self.organisation)
    }

    public func organisationCount() throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM organisations")) ?? 0
    }

    static func organisation(_ row: SQLRow) throws -> Organisation {
        let code: String = try row["code"]
        guard case .point(let p) = try StoredGeometry.decode(row["geom"]), let kind = OrganisationKind(rawValue: try row["kind"]) else {
            throw PeopleError("organisation \(code): unreadable")
        }
        return try Organisation(id: row["fid"], code: code, name: row["name"], kind: kind, licence: (row["licence"] as String?).flatMap(CreditCode.init),
                            contactName: try row["contact_name"], contactPhone: try row["contact_phone"], building: try row["building"], unit: try row["unit"],
                            employees: try row["employees"], location: p, grid: try row["grid"], community: try row["community"])
    }
}
