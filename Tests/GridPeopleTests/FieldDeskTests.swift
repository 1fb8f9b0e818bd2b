import CivicGridModel
import Foundation
import GridGeometry
import GridPeople
import GridStore
import GridTestSupport
import Testing

/// Field updates over a real database: nothing applied until approved, checked again when
/// approved, reviewed once, within the reviewer's region; ID numbers kept only sealed.
struct FieldDeskTests {
    func fixture() throws -> (GridStore, String, FieldDesk, Building, String) {
        let (store, path, people) = try PeopleDeskTests().fixture()
        let b = try #require(try store.read { r in try r.buildings().first { $0.ref == "B00988" } })
        return (store, path, FieldDesk(store: store, people: people), b, b.community ?? "")
    }

    let staff = FieldDesk.Submitter(name: "grid staff", grids: nil, communities: nil)

    @Test func aNewHouseholdAndItsMemberAppliedOnlyWhenApproved() throws {
        let (store, path, desk, b, community) = try fixture()
        let before = try #require(try store.read { try $0.buildingPlace(b.id ?? 0) }).households
        let u = try desk.submit(.householdAdd, ["building": "B00988", "unit": "1-1-301", "size": 2], by: staff)
        #expect(u.status == .pending && u.community == community)
        #expect(try store.read { try $0.household(building: "B00988", unit: "1-1-301") } == nil, "not applied before approval")
        // Someone else submits the same unit; the first approval wins, the second no longer holds.
        let twin = try desk.submit(.householdAdd, ["building": "B00988", "unit": "1-1-301"], by: staff)
        let done = try desk.review(u.id ?? 0, approve: true, by: "boss", communities: [community], note: nil)
        #expect(done.status == .approved && done.reviewedBy == "boss" && done.result?.hasPrefix("household ") == true)
        let household = try #require(try store.read { try $0.household(building: "B00988", unit: "1-1-301") })
        #expect(try store.read { try $0.buildingPlace(b.id ?? 0) }?.households == before + 1)
        #expect(throws: FieldError.self) { try desk.review(twin.id ?? 0, approve: true, by: "boss", communities: nil, note: nil) }
        #expect(try store.read { try $0.fieldUpdate(twin.id ?? 0) }?.status == .pending, "a refused approval changes nothing")
        #expect { try desk.review(u.id ?? 0, approve: true, by: "boss", communities: nil, note: nil) } throws: { ($0 as? FieldError)?.kind == .conflict }
        // Outside the reviewer's region.
        #expect { try desk.review(twin.id ?? 0, approve: false, by: "far boss", communities: ["320599001001"], note: "no") } throws: { ($0 as? FieldError)?.kind == .forbidden }
        #expect(try desk.review(twin.id ?? 0, approve: false, by: "boss", communities: nil, note: "the same unit").status == .rejected)

        // A member with an ID number: kept sealed while pending, masked to the reviewer.
        let id = PeopleDeskTests.id("19800215", "031")
        #expect { try desk.submit(.personAdd, ["household": .number(Double(household)), "name": "赵新", "relation": "head", "id_number": .string(String(id.dropLast()) + (id.hasSuffix("0") ? "1" : "0"))], by: staff) }
            throws: { ($0 as? FieldError)?.kind == .invalid }
        let p = try desk.submit(.personAdd, ["household": .number(Double(household)), "name": "赵新", "relation": "head", "sex": "male",
                                             "id_number": .string(id), "phone": "13900001111", "tags": ["veteran"]], by: staff)
        #expect(p.fields["id_number"] == nil && p.fields["id_sealed"] != nil)
        #expect(try TestDatabase.contents(path).range(of: Data(id.utf8)) == nil, "no ID number in the database file")
        let shown = desk.masked(p)
        #expect(shown["name"] == .string(Masking.name("赵新")) && shown["phone"] == "139****1111" && shown["id_number"] == .string(IDNumber(id)?.masked ?? "-"))
        #expect(try store.read { try $0.people(household: household) }.isEmpty)
        _ = try desk.review(p.id ?? 0, approve: true, by: "boss", communities: nil, note: nil)
        let person = try #require(try store.read { try $0.people(household: household) }.first)
        #expect(person.person.name == "赵新" && person.person.tags == [.veteran] && person.idSealed != nil)

        // A change of phone, then the household moves out with its members.
        let change = try desk.submit(.personUpdate, ["person": .number(Double(person.person.id ?? 0)), "phone": "13900002222"], by: staff)
        _ = try desk.review(change.id ?? 0, approve: true, by: "boss", communities: nil, note: nil)
        #expect(try store.read { try $0.person(id: person.person.id ?? 0) }?.person.phone == "13900002222")
        #expect(try store.read { try $0.person(id: person.person.id ?? 0) }?.person.name == "赵新", "fields not given stay")
        let out = try desk.submit(.householdMoveOut, ["household": .number(Double(household))], by: staff)
        _ = try desk.review(out.id ?? 0, approve: true, by: "boss", communities: nil, note: nil)
        #expect(try store.read { try $0.person(id: person.person.id ?? 0) } == nil)
        #expect(try store.read { try $0.buildingPlace(b.id ?? 0) }?.households == before)
        // A building counted from its declared figure gains one, not the count of its one record.
        let tower = try #require(try store.read { try $0.buildings().first { $0.householdSource == .declared && $0.households > 10 && $0.ref != nil } })
        let moveIn = try desk.submit(.householdAdd, ["building": .string(tower.ref ?? ""), "unit": "1-1-101"], by: staff)
        _ = try desk.review(moveIn.id ?? 0, approve: true, by: "boss", communities: nil, note: nil)
        #expect(try store.read { try $0.buildingPlace(tower.id ?? 0) }?.households == tower.households + 1)
        // Unknown fields and kinds of field are refused at once.
        #expect { try desk.submit(.householdAdd, ["building": "B00988", "unit": "1-1-302", "colour": "red"], by: staff) } throws: { "\($0)".contains("not colour") }
    }

    @Test func organisationsAddedAndChanged() throws {
        let (store, _, desk, _, _) = try fixture()
        let add = try desk.submit(.organisationAdd, ["code": "O9", "name": "新开便利店", "kind": "shop", "building": "B00988", "contact_name": "钱多多",
                                                     "contact_phone": "13700001234"], by: staff)
        #expect(desk.masked(add)["contact_name"] == .string(Masking.name("钱多多")) && Masking.name("钱多多") != "钱多多")
        _ = try desk.review(add.id ?? 0, approve: true, by: "boss", communities: nil, note: nil)
        let o = try #require(try store.read { try $0.organisation(code: "O9") })
        let edit = try desk.submit(.organisationUpdate, ["code": "O9", "name": "新开超市", "employees": 4], by: staff)
        _ = try desk.review(edit.id ?? 0, approve: true, by: "boss", communities: nil, note: nil)
        let changed = try #require(try store.read { try $0.organisation(code: "O9") })
        #expect(changed.name == "新开超市" && changed.employees == 4 && changed.contactName == "钱多多" && changed.building == o.building && changed.location == o.location)
        #expect { try desk.submit(.organisationUpdate, ["code": "NONE", "name": "x"], by: staff) } throws: { ($0 as? FieldError)?.kind == .notFound }
    }
}
