import CivicGridModel
import Foundation
import GridGeometry
import GridStore

/// A person as stored: the ID number only as its keyed hash and sealed bytes (the key is not
/// in the database; GridPeople holds it).
public struct StoredPerson: Hashable, Sendable {
    public var person: Person
    public var idHash: String?
    public var idSealed: Data?

    public init(person: Person, idHash: String?, idSealed: Data?) {
        self.person = person
        self.idHash = idHash
        self.idSealed = idSealed
    }
}

/// One read of personal fields: who, when, what and why.
public struct AccessRecord: Hashable, Sendable {
    public var at: Date
    public var account: String
    public var role: String
    /// What was read, e.g. `household members`, `case reporter`, `export`.
    public var what: String
    /// Which: a household id, a case number.
    public var subject: String
    public var reason: String?

    public init(at: Date, account: String, role: String, what: String, subject: String, reason: String?) {
        self.at = at
        self.account = account
        self.role = role
        self.what = what
        self.subject = subject
        self.reason = reason
    }
}

/// A household of a building as anyone allowed in may see it: no name, no phone.
public struct HouseholdUnit: Hashable, Sendable, Codable {
    public var id: Int64
    public var unit: String
    /// From a `block-entrance-room` unit; nil for other names.
    public var entrance: Int?
    public var floor: Int?
    public var size: Int?
    /// Members recorded.
    public var members: Int

    init(id: Int64, unit: String, size: Int?, members: Int) {
        let address = UnitAddress(unit)
        self.id = id
        self.unit = unit
        self.entrance = address?.entrance
        self.floor = address?.floor
        self.size = size
        self.members = members
    }
}

/// The people's tables (`people`, `access_log`): persons with their sealed ID numbers, and who
/// read personal data.
extension StoreWriter {
    @discardableResult
    public func insert(_ p: StoredPerson) throws -> Int64 {
        let x = p.person
        try db.cachedStatement(sql: """
            INSERT INTO people (household, name, relation, sex, birth_year, id_hash, id_sealed, phone, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [x.household, x.name, x.relation.rawValue, x.sex?.rawValue, x.birthYear, p.idHash, p.idSealed, x.phone,
                                     try StoreJSON.encode(x.tags.map(\.rawValue).sorted())])
        return try db.lastInsertedRowID()
    }

    /// Appends to the access log.
    public func log(_ r: AccessRecord) throws {
        try db.cachedStatement(sql: "INSERT INTO access_log (at, account, role, what, subject, reason) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [StoreTime.text(r.at), r.account, r.role, r.what, r.subject, r.reason])
    }
}

extension StoreReader {
    /// A household's members, oldest first by relation to the head.
    public func people(household: Int64) throws -> [StoredPerson] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT id, household, name, relation, sex, birth_year, id_hash, id_sealed, phone, tags FROM people WHERE household = ? ORDER BY id
            """), arguments: [household]).map(Self.person)
    }

    /// The person an ID number's keyed hash names.
    public func person(idHash: String) throws -> StoredPerson? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: """
            SELECT id, household, name, relation, sex, birth_year, id_hash, id_sealed, phone, tags FROM people WHERE id_hash = ?
            """), arguments: [idHash]).map(Self.person)
    }

    static func person(_ row: SQLRow) throws -> StoredPerson {
        let tags = try StoreJSON.decode([String].self, row["tags"], "a person's tags").compactMap(PersonTag.init(rawValue:))
        let relation: String = try row["relation"]
        return try StoredPerson(person: Person(id: row["id"], household: row["household"], name: row["name"], relation: Relation(rawValue: relation) ?? .other,
                                           sex: (try row["sex"] as String?).flatMap(Sex.init), birthYear: try row["birth_year"], idNumber: nil,
                                           phone: try row["phone"], tags: Set(tags)),
                            idHash: try row["id_hash"], idSealed: try row["id_sealed"])
    }

    /// The access log since an instant, oldest first.
    public func accessLog(since: Date, limit: Int = 10_000) throws -> [AccessRecord] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT at, account, role, what, subject, reason FROM access_log WHERE at >= ? ORDER BY id LIMIT ?"),
                         arguments: [StoreTime.text(since), limit]).map {
            try AccessRecord(at: StoreTime.date($0[0]) ?? since, account: $0[1], role: $0[2], what: $0[3], subject: $0[4], reason: $0[5])
        }
    }

    public func peopleCount() throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM people")) ?? 0
    }

    /// A building's households by unit (floor by floor, entrance by entrance where units are
    /// `block-entrance-room`), with how many members are recorded; nothing personal.
    public func householdUnits(building: Int64) throws -> [HouseholdUnit] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT h.id, h.unit, h.size, (SELECT count(*) FROM people p WHERE p.household = h.id) FROM households h WHERE h.building = ? ORDER BY h.id
            """), arguments: [building]).map { HouseholdUnit(id: try $0[0], unit: try $0[1], size: try $0[2], members: try $0[3]) }
            .sorted { ($0.floor ?? 0, $0.entrance ?? 0, $0.unit) < ($1.floor ?? 0, $1.entrance ?? 0, $1.unit) }
    }

    /// People whose name starts with `prefix` (an index range), or whose ID number's keyed hash
    /// is `idHash`, with their household, building and its label point: personal, for the roles
    /// that may see people; within `communities`.
    public func people(named prefix: String?, idHash: String?, communities: Set<String>?, limit: Int) throws -> [(person: StoredPerson, building: Int64, unit: String, address: String?, at: Coordinate, community: String?)] {
        let scope = Self.scope(communities)
        let condition = idHash != nil ? "p.id_hash = ?2" : "p.name >= ?2 AND p.name < ?3"
        return try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT p.id, p.household, p.name, p.relation, p.sex, p.birth_year, p.id_hash, p.id_sealed, p.phone, p.tags,
                   b.fid AS b_fid, h.unit AS h_unit, b.address AS b_address, b.label_x, b.label_y, b.community AS b_community
            FROM people p JOIN households h ON h.id = p.household JOIN buildings b ON b.fid = h.building
            WHERE \(condition) AND (?1 IS NULL OR b.community IN (\(db.jsonStrings("?1")))) ORDER BY p.name, p.id LIMIT ?4
            """), arguments: [scope, idHash ?? prefix ?? "", Self.prefixEnd(prefix ?? ""), limit]).map { row in
            (try Self.person(row), try row["b_fid"], try row["h_unit"], try row["b_address"], Coordinate(try row["label_x"], try row["label_y"]), try row["b_community"])
        }
    }
}
