import CivicGridModel
import Foundation
import GridDemo
import GridImport
import GridPeople
import GridSchema
import GridStore
import GridTestSupport
import Testing

/// People over a real database: the demo's regions, buildings and households; a key file
/// beside it.
struct PeopleDeskTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// An ID number of the district for a birth date and a sequence.
    static func id(_ birth: String, _ seq: String) -> String { IDNumber.completing("320505" + birth + seq)?.value ?? "" }

    func fixture() throws -> (GridStore, String, PeopleDesk) {
        let path = TestDatabase.make("people")
        let store = try GridStore(path: path)
        let importer = Importer(store: store)
        for file in ["regions.geojson", "buildings.geojson", "households.geojson"] {
            _ = try importer.run(ImportKind(rawValue: String(file.dropLast(8)))!, path: Self.repository.appendingPathComponent("Data/demo/\(file)").path)
        }
        let desk = PeopleDesk(store: store, key: try PersonalKey.load(path: PersonalKey.path(for: path)))
        return (store, path, desk)
    }

    @Test func importedAllOrNothingSealedMaskedAndRecorded() throws {
        let (store, path, desk) = try fixture()
        let (head, spouse) = (Self.id("19580312", "123"), Self.id("19600101", "224"))
        let good = """
            building,unit,name,relation,sex,birth_year,id_number,phone,tags
            B00988,1-1-101,陈洋磊,head,male,1958,\(head),13294276915,elderly_alone;veteran
            B00988,1-1-101,林秀英,spouse,female,,\(spouse),13800001234,
            """
        // One bad line refuses the whole file, every bad line named.
        let bad = good + "\nB00988,1-1-101,王某,cousin,,,\(head.dropLast())0,12x,\nB99999,9,李某,child,,,,,\n"
        #expect(throws: ImportError.self) { try desk.importCSV(bad) }
        do { _ = try desk.importCSV(bad) } catch {
            let text = "\(error)"
            #expect(text.contains("line 4: relation cousin") && text.contains("id_number: the check character is wrong") && text.contains("phone: digits"), "\(text)")
            #expect(text.contains("line 5: no household 9 in building B99999"), "\(text)")
        }
        let household = try #require(try store.read { try $0.household(building: "B00988", unit: "1-1-101") })
        #expect(try store.read { try $0.people(household: household) }.isEmpty, "nothing written")
        #expect(try desk.importCSV(good) == 2)
        #expect(throws: ImportError.self) { try desk.importCSV(good) }  // the same ID numbers again

        // The database alone holds neither ID number, in any table or page.
        let bytes = try TestDatabase.contents(path)
        for n in [head, spouse] { #expect(bytes.range(of: Data(n.utf8)) == nil, "\(n) in the database file") }
        #expect(FileManager.default.fileExists(atPath: PersonalKey.path(for: path)))

        // Masked by default; whole for a reader, who is recorded with the reason.
        let masked = try desk.members(household: household)
        #expect(masked.map(\.name) == ["陈**", "林**"] && masked[0].phone == "132****6915" && masked[0].idNumber == String(head.prefix(3)) + "***********" + String(head.suffix(4)))
        #expect(masked[0].tags == ["elderly_alone", "veteran"] && masked[1].birthYear == 1960, "the birth year from the ID number")
        #expect(try store.read { try $0.accessLog(since: .distantPast) }.isEmpty, "a masked read records nothing")
        let whole = try desk.members(household: household, unmaskedFor: ("grid staff 1", "member", "visiting the elderly"))
        #expect(whole.map(\.idNumber) == [head, spouse] && whole[0].phone == "13294276915" && whole.allSatisfy { !$0.masked })
        let log = try store.read { try $0.accessLog(since: .distantPast) }
        #expect(log.count == 1 && log[0].account == "grid staff 1" && log[0].subject == String(household) && log[0].reason == "visiting the elderly")

        // Found by ID number through the keyed hash; another key opens nothing.
        let key = try PersonalKey.load(path: PersonalKey.path(for: path))
        #expect(try store.read { try $0.person(idHash: key.hash(try #require(IDNumber(head)))) }?.person.name == "陈洋磊")
        let other = try PersonalKey.load(path: FileManager.default.temporaryDirectory.appendingPathComponent("other-\(UUID().uuidString).key").path)
        let sealed = try #require(try store.read { try $0.people(household: household) }.first?.idSealed)
        #expect(throws: PeopleError.self) { try other.open(sealed) }
        #expect(try store.read { try $0.person(idHash: other.hash(try #require(IDNumber(head)))) } == nil)
    }

    /// The demo's made-up members: the same every time, every line accepted by the import's
    /// checks (valid ID numbers, one per person), heads as recorded.
    @Test func theDemosPeopleImportWhole() throws {
        let (store, _, desk) = try fixture()
        let households = try store.read { try $0.householdRecords() }
        let csv = DemoPeople().csv(households)
        #expect(csv == DemoPeople().csv(households))
        let n = try desk.importCSV(csv)
        #expect(n >= households.count && n == csv.split(separator: "\n").count - 1)
        let first = try #require(households.first)
        let members = try desk.members(household: first.id, unmaskedFor: ("test", "admin", nil))
        #expect(members.first?.name == first.headName && members.first?.relation == "head" && members.allSatisfy { $0.idNumber.flatMap(IDNumber.init) != nil })
    }
}
