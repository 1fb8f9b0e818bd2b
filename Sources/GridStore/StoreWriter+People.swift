import CivicGridModel
import Foundation

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

    /// The access log since an instant, oldest first.
    public func accessLog(since: Date, limit: Int = 10_000) throws -> [AccessRecord] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT at, account, role, what, subject, reason FROM access_log WHERE at >= ? ORDER BY id LIMIT ?"),
                         arguments: [StoreTime.text(since), limit]).map {
            try AccessRecord(at: StoreTime.date($0[0]) ?? since, account: $0[1], role: $0[2], what: $0[3], subject: $0[4], reason: $0[5])
        }
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

    public func peopleCount() throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM people")) ?? 0
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

extension StoreReader {
    /// A building's households by unit (floor by floor, entrance by entrance where units are
    /// `block-entrance-room`), with how many members are recorded; nothing personal.
    public func householdUnits(building: Int64) throws -> [HouseholdUnit] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT h.id, h.unit, h.size, (SELECT count(*) FROM people p WHERE p.household = h.id) FROM households h WHERE h.building = ? ORDER BY h.id
            """), arguments: [building]).map { HouseholdUnit(id: try $0[0], unit: try $0[1], size: try $0[2], members: try $0[3]) }
            .sorted { ($0.floor ?? 0, $0.entrance ?? 0, $0.unit) < ($1.floor ?? 0, $1.entrance ?? 0, $1.unit) }
    }

    /// A building's community and floors (for scope and the 3D view).
    public func buildingPlace(_ id: Int64) throws -> (community: String?, floors: Int?, households: Int, height: Double?)? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT community, floors, households, height FROM buildings WHERE fid = ?"), arguments: [id]).map { (try $0[0], try $0[1], try $0[2], try $0[3]) }
    }
}
