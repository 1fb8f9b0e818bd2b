import CivicGridModel
import Foundation
import GridGeometry
import GridImport
import GridStore

/// A household member as answered: masked unless the reader may see and asked to.
public struct MemberView: Hashable, Sendable, Codable {
    public var id: Int64
    public var name: String
    public var relation: String
    public var sex: String?
    public var birthYear: Int?
    public var idNumber: String?
    public var phone: String?
    public var tags: [String]
    public var masked: Bool

    enum CodingKeys: String, CodingKey { case id, name, relation, sex, birthYear = "birth_year", idNumber = "id_number", phone, tags, masked }
}

/// People over the store: import, reading masked or whole (and recorded), lookup by ID number.
public struct PeopleDesk: Sendable {
    public let store: GridStore
    public let key: PersonalKey

    public init(store: GridStore, key: PersonalKey) {
        self.store = store
        self.key = key
    }

    /// The columns of a people CSV.
    public static let columns = ["building", "unit", "name", "relation", "sex", "birth_year", "id_number", "phone", "tags"]

    /// Imports household members from CSV (`building` ref and `unit` name the household;
    /// `relation` head, spouse, child, …; `tags` separated by `;`): every row checked first,
    /// all written in one transaction or none, every refused line named.
    public func importCSV(_ text: String) throws(ImportError) -> Int {
        let table = try CSVTable(text)
        try table.require(["building", "unit", "name", "relation"])
        return try importRows(table.records.map { line, fields in (line, { table.value(fields, $0) }) }, unit: "line")
    }

    /// Imports household members from GeoJSON features or a GeoPackage table's rows (their
    /// properties the CSV's columns; no geometry needed), as `importCSV` does.
    public func importFeatures(_ features: [Result<Feature, GeometryError>]) throws(ImportError) -> Int {
        var rows: [(Int, (String) -> String)] = [], unreadable: [Rejection] = []
        for (i, f) in features.enumerated() {
            switch f {
            case .failure(let e): unreadable.append(Rejection(index: i, reason: "\(e)"))
            case .success(let f):
                rows.append((i, { k in
                    if case .array(let a)? = f.properties[k] { return a.compactMap(\.stringValue).joined(separator: ";") }
                    return f.properties[k]?.stringValue ?? ""
                }))
            }
        }
        guard unreadable.isEmpty else { throw .rejected(total: features.count, unreadable) }
        return try importRows(rows, unit: "feature")
    }

    /// Checks every row (its index, and its value of a column), then writes all in one
    /// transaction or none.
    func importRows(_ rows: [(index: Int, value: (String) -> String)], unit: String) throws(ImportError) -> Int {
        var people: [StoredPerson] = [], refused: [Rejection] = []
        var seenIDs: [String: Int] = [:]
        do {
            try store.read { r in
                for (line, value) in rows {
                    func v(_ c: String) -> String { value(c).trimmingCharacters(in: .whitespaces) }
                    let household = try r.household(building: v("building"), unit: v("unit"))
                    let (person, why) = try check(v, household: household, in: r, line: line, unit: unit, seen: &seenIDs)
                    guard let person, why.isEmpty, household != nil else {
                        let reasons = (household == nil ? ["no household \(v("unit")) in building \(v("building"))"] : []) + why
                        refused.append(Rejection(index: line, reason: reasons.joined(separator: "; "), unit: unit))
                        continue
                    }
                    people.append(person)
                }
            }
        } catch let e as ImportError {
            throw e
        } catch {
            throw .store("\(error)")
        }
        guard refused.isEmpty else { throw .rejected(total: rows.count, refused) }
        do {
            try store.write { w in for p in people { try w.insert(p) } }
        } catch {
            throw .store("\(error)")
        }
        return people.count
    }

    /// A person from fields (`v(column)`: name, relation, sex, birth_year, id_number, phone,
    /// tags) of a household, or why not: the ID number by GB 11643, not recorded already nor
    /// earlier in `seen` (by line), its birth year the stated one.
    public func check(_ v: (String) -> String, household: Int64?, in r: StoreReader, line: Int = 0, unit: String = "line", seen: inout [String: Int]) throws -> (StoredPerson?, [String]) {
        var why: [String] = []
        let name = v("name")
        if name.isEmpty || name.count > 100 { why.append("name: 1 to 100 characters") }
        let relation = Relation(rawValue: v("relation"))
        if relation == nil { why.append("relation \(v("relation")): one of \(Relation.allCases.map(\.rawValue).joined(separator: ", "))") }
        let sex = v("sex").isEmpty ? nil : Sex(rawValue: v("sex"))
        if !v("sex").isEmpty, sex == nil { why.append("sex: male or female") }
        let year = v("birth_year").isEmpty ? nil : Int(v("birth_year"))
        if !v("birth_year").isEmpty, !(year.map { (1900...2100).contains($0) } ?? false) { why.append("birth_year: 1900 to 2100") }
        var id: IDNumber?
        if !v("id_number").isEmpty {
            if let problem = IDNumber.problem(v("id_number")) { why.append("id_number: \(problem)") } else { id = IDNumber(v("id_number")) }
            if let id, let earlier = seen[id.value] { why.append("id_number: the same as \(unit) \(earlier)") }
            if let id { seen[id.value] = line }
            if let id, try r.person(idHash: key.hash(id)) != nil { why.append("id_number: already recorded") }
        }
        let phone = v("phone")
        if phone.count > 32 || !phone.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "+" }) { why.append("phone: digits, + and -") }
        var tags: Set<PersonTag> = []
        for t in v("tags").split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !t.isEmpty {
            if let tag = PersonTag(rawValue: t) { tags.insert(tag) } else { why.append("tag \(t): one of \(PersonTag.allCases.map(\.rawValue).joined(separator: ", "))") }
        }
        if let id, let year, id.birthYear != year { why.append("birth_year \(year) is not the ID number's \(id.birthYear)") }
        guard why.isEmpty, let relation else { return (nil, why) }
        let person = Person(household: household ?? 0, name: name, relation: relation, sex: sex, birthYear: year ?? id?.birthYear,
                            phone: phone.isEmpty ? nil : phone, tags: tags)
        return (StoredPerson(person: person, idHash: id.map(key.hash), idSealed: try id.map(key.seal)), [])
    }

    /// A household's members: masked, or whole when `reader` is given (then the read is
    /// recorded in the same transaction as it is made, with the reason).
    public func members(household: Int64, unmaskedFor reader: (account: String, role: String, reason: String?)? = nil, at: Date = Date()) throws -> [MemberView] {
        let stored: [StoredPerson]
        if let reader {
            stored = try store.write { w in
                try w.log(AccessRecord(at: at, account: reader.account, role: reader.role, what: "household members", subject: String(household), reason: reader.reason))
                return try w.reader.people(household: household)
            }
        } else {
            stored = try store.read { try $0.people(household: household) }
        }
        return try stored.map { s in
            let p = s.person, whole = reader != nil
            let id = try s.idSealed.map(key.open)
            return MemberView(id: p.id ?? 0, name: whole ? p.name : Masking.name(p.name), relation: p.relation.rawValue, sex: p.sex?.rawValue,
                              birthYear: p.birthYear, idNumber: id.map { whole ? $0.value : $0.masked },
                              phone: p.phone.map { whole ? $0 : Masking.phone($0) }, tags: p.tags.map(\.rawValue).sorted(), masked: !whole)
        }
    }
}
