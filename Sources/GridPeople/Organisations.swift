import CivicGridModel
import Foundation
import GridGeometry
import GridImport
import GridStore

/// Organisations over the store: checking a record (for imports and field updates alike) and
/// importing a GeoJSON of them all or nothing.
public enum Organisations {
    /// The properties an organisation feature carries.
    public static let properties = ["code", "name", "kind", "licence", "contact_name", "contact_phone", "building", "unit", "employees"]

    /// The organisation a feature describes, or why not. A point, or a `building` ref (then the
    /// building's label point); inside the jurisdiction; `kind` one of `OrganisationKind`;
    /// `licence` a valid unified social credit code, unique; `employees` a whole number.
    /// `existing`: the record it replaces (an edit keeps its id and may keep its code and licence).
    public static func check(_ f: Feature, in r: StoreReader, existing: Organisation? = nil) throws -> (organisation: Organisation?, refused: String?) {
        func string(_ k: String) -> String? {
            f.properties[k]?.stringValue.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        var why: [String] = []
        let code = string("code") ?? existing?.code ?? ""
        if code.isEmpty || code.count > 64 { why.append("code: 1 to 64 characters") }
        if code != existing?.code, try r.organisation(code: code) != nil { why.append("code \(code) exists already") }
        let name = string("name") ?? ""
        if name.isEmpty || name.count > 200 { why.append("name: 1 to 200 characters") }
        let kind = OrganisationKind(rawValue: string("kind") ?? "")
        if kind == nil { why.append("kind \(string("kind") ?? ""): one of \(OrganisationKind.allCases.map(\.rawValue).joined(separator: ", "))") }
        var licence: CreditCode?
        if let l = string("licence") {
            licence = CreditCode(l)
            if licence == nil { why.append("licence \(l): not a unified social credit code (18 characters, GB 32100 check character)") }
            if let licence, licence != existing?.licence, try r.organisation(licence: licence.value) != nil { why.append("licence \(licence): recorded already") }
        }
        let phone = string("contact_phone")
        if let phone, phone.count > 32 || !phone.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+") }) { why.append("contact_phone: digits, + and -") }
        let contact = string("contact_name")
        if let contact, contact.count > 100 { why.append("contact_name: up to 100 characters") }
        var employees: Int?
        if let e = f.properties["employees"], e != .null {
            if case .number(let n) = e, n >= 0, n <= 1_000_000, n == n.rounded() { employees = Int(n) } else { why.append("employees: a whole number from 0") }
        }
        var building: Int64?, location: Coordinate?
        if let ref = string("building") {
            if let b = try r.buildingLabel(ref: ref) { building = b.id; location = b.label } else { why.append("no building \(ref)") }
        }
        if string("building") == nil { building = existing?.building }
        let unit = string("unit")
        if let unit, unit.count > 32 { why.append("unit: up to 32 characters") }
        if unit != nil, building == nil { why.append("unit: only with a building") }
        switch f.geometry {
        case .point(let p)?: location = p
        case nil: if string("building") == nil { why.append("a point, or the building it occupies") }
        default: why.append("an organisation is a point")
        }
        var place = CasePlace()
        if let location {
            place = try r.place(of: location)
            if place.desks.isEmpty { why.append("outside every region of the jurisdiction") }
        }
        guard why.isEmpty, let kind, let location else { return (nil, why.joined(separator: "; ")) }
        return (Organisation(id: existing?.id, code: code, name: name, kind: kind, licence: licence, contactName: contact, contactPhone: phone,
                                     building: building, unit: unit, employees: employees, location: location, grid: place.grid, community: place.community), nil)
    }

    /// Imports organisations: every feature checked, all written in one transaction or none,
    /// every refused feature named.
    public static func importFeatures(_ features: [Feature], into store: GridStore) throws(ImportError) -> Int {
        do {
            return try store.write { w in
                var made: [Organisation] = [], refused: [Rejection] = []
                var codes: [String: Int] = [:], licences: [String: Int] = [:]
                for (i, f) in features.enumerated() {
                    let (organisation, why) = try check(f, in: w.reader)
                    if let why { refused.append(Rejection(index: i, reason: why)) }
                    if let o = organisation {
                        if let earlier = codes[o.code] { refused.append(Rejection(index: i, reason: "code \(o.code) also feature \(earlier)")); continue }
                        if let l = o.licence?.value, let earlier = licences[l] { refused.append(Rejection(index: i, reason: "licence \(l) also feature \(earlier)")); continue }
                        codes[o.code] = i
                        if let l = o.licence?.value { licences[l] = i }
                        made.append(o)
                    }
                }
                guard refused.isEmpty else { throw ImportError.rejected(total: features.count, refused) }
                for o in made { try w.insert(o) }
                return made.count
            }
        } catch let e as ImportError {
            throw e
        } catch {
            throw .store("\(error)")
        }
    }
}
