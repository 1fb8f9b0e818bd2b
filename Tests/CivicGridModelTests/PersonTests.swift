import CivicGridModel
import Testing

/// ID numbers by GB 11643 and how personal values are masked.
struct PersonTests {
    @Test func idNumbersAreCheckedByTheirCheckCharacter() throws {
        // 11010519491231002X: the standard's worked example (check character X).
        let id = try #require(IDNumber("11010519491231002x"))
        #expect(id.value == "11010519491231002X" && id.birthYear == 1949)
        #expect(IDNumber("110105194912310021") == nil, "a wrong check character")
        #expect(IDNumber.problem("110105194912310021") == "the check character is wrong (GB 11643)")
        #expect(IDNumber.problem("11010519491231002") == "an ID number has 18 characters, not 17")
        #expect(IDNumber.problem("1101051949123100AX")?.contains("digits") == true)
        // A well-formed check over an impossible date (1949-02-30).
        let digits = "11010519490230002"
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(digits, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        let bad = digits + String(Array("10X98765432")[sum % 11])
        #expect(IDNumber(bad) == nil && IDNumber.problem(bad) == "the birth date in the ID number is not a date")
        #expect(id.masked == "110***********002X")
        #expect(IDNumber.completing("11010519491231002")?.value == id.value && IDNumber.completing("1101051949123100") == nil)
    }

    @Test func maskedAsChineseServicesShowThem() {
        #expect(Masking.phone("13812341234") == "138****1234")
        #expect(Masking.phone("0512-6512") == "05*****12")
        #expect(Masking.name("王小明") == "王**" && Masking.name("李") == "李**" && Masking.name("欧阳小明") == "欧**")
    }
}

@Suite struct UnitAddressTests {
    @Test func readsAndWritesBlockEntranceRoom() {
        let u = UnitAddress("3-1-502")
        #expect(u == UnitAddress(block: 3, entrance: 1, room: 502) && u?.floor == 5 && u?.description == "3-1-502")
        for bad in ["3-1", "3-1-502-1", "a-1-502", "3--502", "3-1-99", "3-1-500", "0-1-101", "3-1-+502", "3-1-５０２"] { #expect(UnitAddress(bad) == nil, "\(bad)") }
    }

    @Test func layoutFillsEntrancesFloorByFloor() {
        // A two-floor house with two households: one a floor.
        #expect(UnitAddress.layout(block: 1, floors: 2, households: 2).map(\.description) == ["1-1-101", "1-1-201"])
        // Three on two floors: two a floor.
        #expect(UnitAddress.layout(block: 1, floors: 2, households: 3).map(\.description) == ["1-1-101", "1-1-102", "1-1-201"])
        // A 21-floor tower of 147: four a floor, a second entrance for the rest; no room twice.
        let tower = UnitAddress.layout(block: 2, floors: 21, households: 147)
        #expect(tower.count == 147 && Set(tower).count == 147 && tower.allSatisfy { (1...21).contains($0.floor) && $0.room % 100 <= 4 })
        #expect(tower.filter { $0.entrance == 1 }.count == 84 && tower.last == UnitAddress(block: 2, entrance: 2, room: 1603))
        #expect(UnitAddress.layout(block: 1, floors: 5, households: 0).isEmpty)
    }
}

@Suite struct CreditCodeTests {
    @Test func checkCharacterOfGB32100() throws {
        let code = try #require(CreditCode.completing("91320599MA1XW0123"))
        #expect(code.value.count == 18 && CreditCode(code.value) == code && CreditCode(code.value.lowercased()) == code)
        // Any other last character is refused; so are the letters the code leaves out.
        let others = Array("0123456789ABCDEFGHJKLMNPQRTUWXY").filter { $0 != code.value.last }
        #expect(others.allSatisfy { CreditCode(code.value.dropLast() + String($0)) == nil })
        for bad in ["91320599MA1XYZ12", "91320599MA1XW01234", "91320599IA1XYZ123", "91320599OA1XYZ123", "91320599ZA1XYZ123"] {
            #expect(CreditCode.completing(bad) == nil, "\(bad)")
        }
    }
}
