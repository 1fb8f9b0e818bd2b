import CivicGridModel
import Foundation
import GridGeometry
import GridStore

/// Field updates (`field_updates`) and the people they change.
extension StoreWriter {
    @discardableResult
    public func insert(_ u: FieldUpdate) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO field_updates (kind, fields, grid, community, submitted_by, submitted_at, status) VALUES (?, ?, ?, ?, ?, ?, 'pending')
            """).execute(arguments: [u.kind.rawValue, try StoreJSON.encode(u.fields), u.grid, u.community, u.submittedBy, StoreTime.text(u.submittedAt)])
        return try db.lastInsertedRowID()
    }

    /// Records a pending update's review; false when it was reviewed already.
    public func review(update id: Int64, status: FieldUpdateStatus, by: String, at: Date, note: String?, result: String?) throws -> Bool {
        try db.cachedStatement(sql: """
            UPDATE field_updates SET status = ?, reviewed_by = ?, reviewed_at = ?, note = ?, result = ? WHERE id = ? AND status = 'pending'
            """).execute(arguments: [status.rawValue, by, StoreTime.text(at), note, result, id])
        return db.changesCount == 1
    }

    public func deletePerson(_ id: Int64) throws {
        try db.cachedStatement(sql: "DELETE FROM people WHERE id = ?").execute(arguments: [id])
    }

    /// Replaces a person's fields (not the ID number).
    public func update(_ p: Person) throws {
        try db.cachedStatement(sql: "UPDATE people SET name = ?, relation = ?, sex = ?, birth_year = ?, phone = ?, tags = ? WHERE id = ?")
            .execute(arguments: [p.name, p.relation.rawValue, p.sex?.rawValue, p.birthYear, p.phone, try StoreJSON.encode(p.tags.map(\.rawValue).sorted()), p.id])
    }
}

extension StoreReader {
    static let fieldUpdateColumns = "id, kind, fields, grid, community, submitted_by, submitted_at, status, reviewed_by, reviewed_at, note, result"

    public func fieldUpdate(_ id: Int64) throws -> FieldUpdate? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.fieldUpdateColumns) FROM field_updates WHERE id = ?"), arguments: [id]).map(Self.fieldUpdate)
    }

    /// Updates by status (nil: any), within `communities` (nil: all), or one submitter's; newest first.
    public func fieldUpdates(status: FieldUpdateStatus?, communities: Set<String>?, submittedBy: String?, limit: Int = 1000) throws -> [FieldUpdate] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.fieldUpdateColumns) FROM field_updates
            WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR community IN (\(db.jsonStrings("?2")))) AND (?3 IS NULL OR submitted_by = ?3)
            ORDER BY id DESC LIMIT ?4
            """), arguments: [status?.rawValue, Self.scope(communities), submittedBy, limit]).map(Self.fieldUpdate)
    }

    static func fieldUpdate(_ row: SQLRow) throws -> FieldUpdate {
        guard let kind = FieldUpdateKind(rawValue: try row["kind"]), let status = FieldUpdateStatus(rawValue: try row["status"]) else {
            throw StoreError("field update \(try row["id"] as Int64? ?? 0): unreadable")
        }
        return try FieldUpdate(id: row["id"], kind: kind, fields: StoreJSON.decode([String: JSONValue].self, row["fields"], "a field update"),
                           grid: try row["grid"], community: try row["community"], submittedBy: try row["submitted_by"],
                           submittedAt: StoreTime.date(try row["submitted_at"]) ?? Date(timeIntervalSince1970: 0), status: status,
                           reviewedBy: try row["reviewed_by"], reviewedAt: (try row["reviewed_at"] as String?).flatMap(StoreTime.date), note: try row["note"], result: try row["result"])
    }

    /// A person by id.
    public func person(id: Int64) throws -> StoredPerson? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: """
            SELECT id, household, name, relation, sex, birth_year, id_hash, id_sealed, phone, tags FROM people WHERE id = ?
            """), arguments: [id]).map(Self.person)
    }
}
