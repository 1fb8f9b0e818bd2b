import CivicGridModel
import Foundation
import Testing

@Suite struct HexTests {
    @Test func twoLowerCaseDigitsAByte() {
        #expect([UInt8]().hex == "")
        #expect([0x00, 0x0f, 0x10, 0xab, 0xff].hex == "000f10abff")
        let all = (0...255).map(UInt8.init)
        #expect(all.hex == all.map { String(format: "%02x", $0) }.joined())
    }
}
