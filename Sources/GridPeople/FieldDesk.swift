import CivicGridModel
import Foundation
import GridCases
import GridGeometry
import GridStore

/// Why a field update was refused.
public struct FieldError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case invalid, forbidden, notFound, conflict, unavailable }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}

/// Field updates over the store: grid staff submit changes to the basic data of their grids
/// (checked at once, stored pending, nothing applied); a reviewer whose region holds the change
/// approves it (checked again against the data as it is then and applied in the same
/// transaction as the approval is recorded) or rejects it with a note.
public struct FieldDesk: Sendable {
    public let store: GridStore
    /// Opens and seals ID numbers; without it, changes to people are refused.
    public let people: PeopleDesk?

    public init(store: GridStore, people: PeopleDesk?) {
        self.store = store
        self.people = people
    }

    /// Who submits: a name, the grids they may change (nil: any) and the communities (nil: any).
    public struct Submitter: Sendable {
        public var name: String
        public var grids: Set<String>?
        public var communities: Set<String>?
        public init(name: String, grids: Set<String>?, communities: Set<String>?) {
            self.name = name
            self.grids = grids
            self.communities = communities
        }
    }

    /// A change checked against the store: where it lies, the fields to keep, and how to apply it.
    struct Prepared {
        var grid: String?
        var community: String?
        var fields: [String: JSONValue]
        var apply: (StoreWriter) throws -> String
    }

    public func submit(_ kind: FieldUpdateKind, _ fields: [String: JSONValue], by who: Submitter, at: Date = Date()) throws(FieldError) -> FieldUpdate {
        do {
            return try store.write { w in
                let p = try prepare(kind, fields, in: w.reader)
                if let grids = who.grids, !(p.grid.map(grids.contains) ?? false) {
                    throw FieldError(.forbidden, "\(who.name) may change the basic data of their own grids only (this lies in \(p.grid ?? "no published grid"))")
                }
                if let communities = who.communities, !(p.community.map(communities.contains) ?? false) {
                    throw FieldError(.forbidden, "\(who.name) works elsewhere: this lies in \(p.community ?? "no community")")
                }
                var u = FieldUpdate(kind: kind, fields: p.fields, grid: p.grid, community: p.community, submittedBy: who.name, submittedAt: at)
                u.id = try w.insert(u)
                return u
            }
        } catch let e as FieldError {
            throw e
        } catch {
            throw FieldError(.unavailable, "\(error)")
        }
    }

    /// Approves (applying it) or rejects a pending update, for a reviewer whose region holds
    /// it (`communities` nil: everywhere).
    public func review(_ id: Int64, approve: Bool, by reviewer: String, communities: Set<String>?, note: String?, at: Date = Date()) throws(FieldError) -> FieldUpdate {
        do {
            return try store.write { w in
                guard var u = try w.reader.fieldUpdate(id) else { throw FieldError(.notFound, "no field update \(id)") }
                if let communities, !(u.community.map(communities.contains) ?? false) {
                    throw FieldError(.forbidden, "\(reviewer) reviews the updates of their own region only (this lies in \(u.community ?? "no community"))")
                }
                guard u.status == .pending else { throw FieldError(.conflict, "field update \(id) was \(u.status.rawValue) already") }
                var result: String?
                if approve {
                    result = try prepare(u.kind, u.fields, in: w.reader, stored: true).apply(w)
                }
                guard try w.review(update: id, status: approve ? .approved : .rejected, by: reviewer, at: at, note: note, result: result) else {
                    throw FieldError(.conflict, "field update \(id) was reviewed already")
                }
                (u.status, u.reviewedBy, u.reviewedAt, u.note, u.result) = (approve ? .approved : .rejected, reviewer, at, note, result)
                return u
            }
        } catch let e as FieldError {
            throw e
        } catch {
            throw FieldError(.unavailable, "\(error)")
        }
    }

    /// Checks a change against the data as it is. `stored`: the fields as kept (an ID number
    /// sealed), not as submitted.
    func prepare(_ kind: FieldUpdateKind, _ fields: [String: JSONValue], in r: StoreReader, stored: Bool = false) throws -> Prepared {
        let f = Fields(values: fields)
        let allowed = Self.allowed(kind)
        let unknown = fields.keys.filter { !allowed.contains($0) || (!stored && $0 == "id_sealed") }.sorted()
        guard unknown.isEmpty else { throw FieldError(.invalid, "\(kind.rawValue) takes \(allowed.subtracting(["id_sealed"]).sorted().joined(separator: ", ")), not \(unknown.joined(separator: ", "))") }
        switch kind {
        case .householdAdd: return try householdAdd(f, r)
        case .householdMoveOut: return try householdMoveOut(f, r)
        case .personAdd: return try personAdd(f, r, stored: stored)
        case .personUpdate: return try personUpdate(f, r)
        case .personRemove: return try personRemove(f, r)
        case .organisationAdd, .organisationUpdate: return try organisation(f, r, update: kind == .organisationUpdate)
        case .facilityStatus: return try facilityStatus(f, r)
        }
    }

    /// The fields each kind of change takes.
    static func allowed(_ kind: FieldUpdateKind) -> Set<String> {
        switch kind {
        case .householdAdd: ["building", "unit", "size"]
        case .householdMoveOut: ["household"]
        case .personAdd: ["household", "name", "relation", "sex", "birth_year", "id_number", "id_sealed", "phone", "tags"]
        case .personUpdate: ["person", "name", "relation", "sex", "birth_year", "phone", "tags"]
        case .personRemove: ["person"]
        case .organisationAdd, .organisationUpdate: Set(Organisations.properties + ["lon", "lat"])
        case .facilityStatus: ["code", "status"]
        }
    }

    /// A change's fields, read as text (trimmed, empty as none) or as a number.
    struct Fields {
        let values: [String: JSONValue]

        func text(_ k: String) -> String? {
            values[k]?.stringValue.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }

        func number(_ k: String) throws -> Int64 {
            guard let t = text(k), let n = Int64(t) else { throw FieldError(.invalid, "\(k): a number") }
            return n
        }
    }

    private func invalid(_ why: [String]) -> FieldError { FieldError(.invalid, why.joined(separator: "; ")) }

    /// A household's building, unit, community and grid.
    private func household(_ id: Int64, _ r: StoreReader) throws -> (building: Int64, unit: String, community: String?, grid: String?) {
        guard let h = try r.householdPlace(id) else { throw FieldError(.notFound, "no household \(id)") }
        return (h.building, h.unit, h.community, try r.publishedGrid(building: h.building))
    }

    private func requirePeople() throws -> PeopleDesk {
        guard let people else { throw FieldError(.unavailable, "this server was started without the key file that seals ID numbers (serve --key-file)") }
        return people
    }

    private func householdAdd(_ f: Fields, _ r: StoreReader) throws -> Prepared {
        guard let ref = f.text("building"), let b = try r.buildingLabel(ref: ref) else { throw FieldError(.notFound, "no building \(f.text("building") ?? "")") }
        let unit = f.text("unit") ?? ""
        var why: [String] = []
        if unit.isEmpty || unit.count > 32 { why.append("unit: 1 to 32 characters (3-1-502)") }
        if try r.household(building: ref, unit: unit) != nil { why.append("building \(ref) has a household in \(unit) already") }
        let size = f.text("size").flatMap { Int($0) }
        if f.text("size") != nil, !(size.map { (1...30).contains($0) } ?? false) { why.append("size: 1 to 30") }
        guard why.isEmpty else { throw invalid(why) }
        let place = try r.place(of: b.label)
        return Prepared(grid: try r.publishedGrid(building: b.id), community: place.community, fields: f.values) { w in
            let id = try w.insert(Household(building: b.id, unit: unit, size: size, headName: nil, phone: nil))
            try w.recountHouseholds(building: b.id, delta: 1)
            return "household \(id)"
        }
    }

    private func householdMoveOut(_ f: Fields, _ r: StoreReader) throws -> Prepared {
        let id = try f.number("household")
        let h = try household(id, r)
        return Prepared(grid: h.grid, community: h.community, fields: f.values) { w in
            try w.deleteHousehold(id)
            try w.recountHouseholds(building: h.building, delta: -1)
            return "household \(id) removed with its members"
        }
    }

    /// A person added: checked as an import's row is; the ID number sealed before the change
    /// is kept pending (`stored`: it was, and is opened to be checked again).
    private func personAdd(_ f: Fields, _ r: StoreReader, stored: Bool) throws -> Prepared {
        let desk = try requirePeople()
        let hid = try f.number("household")
        let h = try household(hid, r)
        var kept = f.values
        var idNumber = f.text("id_number") ?? ""
        if stored, case .string(let sealed)? = f.values["id_sealed"], let data = Data(base64Encoded: sealed) {
            idNumber = try desk.key.open(data).value
        }
        var seen: [String: Int] = [:]
        let (person, why) = try desk.check({ k in k == "id_number" ? idNumber : (k == "tags" ? Self.tags(f.values["tags"]) : f.text(k) ?? "") },
                                           household: hid, in: r, seen: &seen)
        guard let person, why.isEmpty else { throw invalid(why) }
        if !stored, let sealed = person.idSealed {
            kept["id_number"] = nil
            kept["id_sealed"] = .string(sealed.base64EncodedString())
        }
        return Prepared(grid: h.grid, community: h.community, fields: kept) { w in "person \(try w.insert(person))" }
    }

    /// A person changed: the fields not given stay as they are.
    private func personUpdate(_ f: Fields, _ r: StoreReader) throws -> Prepared {
        let desk = try requirePeople()
        let pid = try f.number("person")
        guard let old = try r.person(id: pid) else { throw FieldError(.notFound, "no person \(pid)") }
        let h = try household(old.person.household, r)
        let current: [String: String] = ["name": old.person.name, "relation": old.person.relation.rawValue, "sex": old.person.sex?.rawValue ?? "",
                                         "birth_year": old.person.birthYear.map(String.init) ?? "", "phone": old.person.phone ?? "",
                                         "tags": old.person.tags.map(\.rawValue).sorted().joined(separator: ";")]
        var seen: [String: Int] = [:]
        let (person, why) = try desk.check({ k in
            guard f.values[k] != nil else { return current[k] ?? "" }
            return k == "tags" ? Self.tags(f.values[k]) : f.text(k) ?? ""
        }, household: old.person.household, in: r, seen: &seen)
        guard var person, why.isEmpty else { throw invalid(why) }
        person.person.id = pid
        let changed = person.person
        return Prepared(grid: h.grid, community: h.community, fields: f.values) { w in
            try w.update(changed)
            return "person \(pid)"
        }
    }

    private func personRemove(_ f: Fields, _ r: StoreReader) throws -> Prepared {
        _ = try requirePeople()
        let pid = try f.number("person")
        guard let old = try r.person(id: pid) else { throw FieldError(.notFound, "no person \(pid)") }
        let h = try household(old.person.household, r)
        return Prepared(grid: h.grid, community: h.community, fields: f.values) { w in
            try w.deletePerson(pid)
            return "person \(pid) removed"
        }
    }

    /// An organisation added or changed (the fields not given stay as they are), at a point or
    /// in a building, checked as an import's feature is.
    private func organisation(_ f: Fields, _ r: StoreReader, update: Bool) throws -> Prepared {
        var existing: Organisation?
        var properties: [String: JSONValue] = f.values.filter { $0.key != "lon" && $0.key != "lat" }
        if update {
            guard let code = f.text("code"), let o = try r.organisation(code: code) else { throw FieldError(.notFound, "no organisation \(f.text("code") ?? "")") }
            existing = o
            let was: [String: JSONValue] = ["code": .string(o.code), "name": .string(o.name), "kind": .string(o.kind.rawValue),
                                            "licence": o.licence.map { .string($0.value) } ?? .null, "contact_name": o.contactName.map { .string($0) } ?? .null,
                                            "contact_phone": o.contactPhone.map { .string($0) } ?? .null, "unit": o.unit.map { .string($0) } ?? .null,
                                            "employees": o.employees.map { .number(Double($0)) } ?? .null]
            properties = was.merging(properties) { _, new in new }
        }
        var geometry: Geometry?
        if case .number(let lon)? = f.values["lon"], case .number(let lat)? = f.values["lat"] {
            guard (-180...180).contains(lon), (-90...90).contains(lat) else { throw FieldError(.invalid, "lon, lat: a place on Earth") }
            geometry = .point(Coordinate(lon, lat))
        } else if let o = existing, f.values["building"] == nil {
            geometry = .point(o.location)
        }
        let (organisation, why) = try Organisations.check(Feature(geometry: geometry, properties: properties), in: r, existing: existing)
        guard let made = organisation, why == nil else { throw FieldError(.invalid, why ?? "") }
        return Prepared(grid: made.grid, community: made.community ?? existing?.community, fields: f.values) { w in
            if made.id != nil { try w.update(made) } else { return "organisation \(made.code) (\(try w.insert(made)))" }
            return "organisation \(made.code)"
        }
    }

    private func facilityStatus(_ f: Fields, _ r: StoreReader) throws -> Prepared {
        guard let code = f.text("code"), let facility = try r.facility(code: code) else { throw FieldError(.notFound, "no facility \(f.text("code") ?? "")") }
        guard let status = FacilityStatus(rawValue: f.text("status") ?? "") else { throw FieldError(.invalid, "status: intact, damaged or lost") }
        return Prepared(grid: facility.place.grid, community: facility.place.community, fields: f.values) { w in
            try w.setFacility(code: code, status: status)
            return "facility \(code) \(status.rawValue)"
        }
    }

    /// Tags as the CSV writes them: an array of strings, or a `;`-separated string.
    static func tags(_ v: JSONValue?) -> String {
        switch v {
        case .array(let a)?: a.compactMap { if case .string(let s) = $0 { s } else { nil } }.joined(separator: ";")
        case .string(let s)?: s
        default: ""
        }
    }

    /// An update as a reviewer sees it: names and phones masked, an ID number masked.
    public func masked(_ u: FieldUpdate) -> [String: JSONValue] {
        var f = u.fields
        for k in ["name", "contact_name"] { if case .string(let s)? = f[k] { f[k] = .string(Masking.name(s)) } }
        for k in ["phone", "contact_phone"] { if case .string(let s)? = f[k] { f[k] = .string(Masking.phone(s)) } }
        if case .string(let sealed)? = f["id_sealed"] {
            f["id_sealed"] = nil
            f["id_number"] = (Data(base64Encoded: sealed).flatMap { try? people?.key.open($0) }).map { .string($0.masked) } ?? .string("(sealed)")
        }
        return f
    }
}
