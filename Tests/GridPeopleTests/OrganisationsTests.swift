import CivicGridModel
import Foundation
import GridDemo
import GridGeometry
import GridImport
import GridPeople
import GridStore
import Testing

struct OrganisationsTests {
    func feature(_ properties: [String: JSONValue], at p: Coordinate? = nil) -> Feature {
        Feature(geometry: p.map { .point($0) }, properties: properties)
    }

    @Test func importedAllOrNothingEveryRefusedFeatureNamed() throws {
        let (store, _, _) = try PeopleDeskTests().fixture()
        let b = try #require(try store.read { try $0.buildings() }.first { $0.ref != nil })
        let licence = try #require(CreditCode.completing("92320599MA1XW0123")).value
        let good = feature(["code": "O1", "name": "福兴便利店", "kind": "shop", "licence": .string(licence), "building": .string(b.ref ?? ""),
                            "contact_name": "王伟", "contact_phone": "13800001234", "employees": 3])
        let bad = [
            feature(["code": "O1", "name": "重复", "kind": "shop"], at: b.label),
            feature(["code": "O3", "name": "", "kind": "spaceship", "licence": .string(String(licence.dropLast()) + "0")], at: b.label),
            feature(["code": "O4", "name": "远方", "kind": "shop"], at: Coordinate(10, 10)),
            feature(["code": "O5", "name": "无处", "kind": "shop", "building": "B99999", "employees": -1]),
            feature(["code": "O6", "name": "同证", "kind": "shop", "licence": .string(licence)], at: b.label),
            // Numbers where text belongs, one too large for any integer: read as text, no crash.
            feature(["code": .number(1e300), "name": 7, "kind": "shop"], at: b.label),
        ]
        #expect {
            try Organisations.importFeatures([good] + bad, into: store)
        } throws: { e in
            let text = "\(e)"
            return text.contains("feature 1: code O1 also feature 0") && text.contains("feature 2: name: 1 to 200 characters; kind spaceship")
                && text.contains("licence") && text.contains("feature 3: outside every region") && text.contains("feature 4: employees: a whole number from 0; no building B99999")
                && text.contains("feature 5: licence \(licence) also feature 0") && !text.contains("feature 6") && text.contains("rejected 5 of 7")
        }
        #expect(try store.read { try $0.organisationCount() } == 0, "nothing written")
        #expect(try Organisations.importFeatures([good], into: store) == 1)
        let o = try #require(try store.read { try $0.organisation(code: "O1") })
        #expect(o.building == b.id && o.location == b.label && o.community == b.community && o.licence?.value == licence && o.employees == 3)
        // Once stored, the code and the licence are taken.
        #expect(throws: ImportError.self) { try Organisations.importFeatures([good], into: store) }
    }

    @Test func theDemosOrganisationsImportWhole() throws {
        let (store, _, _) = try PeopleDeskTests().fixture()
        let buildings = try store.read { try $0.buildings() }
        let features = DemoOrganisations().features(buildings: buildings)
        #expect(features.count > 1_000 && DemoOrganisations().features(buildings: buildings) == features, "deterministic")
        #expect(try Organisations.importFeatures(features, into: store) == features.count)
        let kinds = Set(try store.read { r in try features.compactMap { f -> OrganisationKind? in
            guard case .string(let code)? = f.properties["code"] else { return nil }
            return try r.organisation(code: code)?.kind
        } })
        #expect(kinds == Set(OrganisationKind.allCases), "every kind occurs")
    }
}
