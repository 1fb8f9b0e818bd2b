import Foundation
import GridGeometry
import Testing

/// Input said in one way only (issue 33): decimal numbers, each JSON key once.
struct StrictInputTests {
    @Test(arguments: [("31.3", 31.3), ("-120.5", -120.5), ("+7", 7), ("1e-3", 0.001), ("2.", 2), (".5", 0.5), ("1E+2", 100)])
    func decimalsAreRead(text: String, value: Double) {
        #expect(Double(decimal: text) == value)
    }

    @Test(arguments: ["0x10", "0X1p4", "inf", "-infinity", "nan", "NaN", "1e999", "", "-", ".", "1e", "e5", "1.2.3", " 1", "1 ", "١٢", "1_000"])
    func anythingElseIsNot(text: String) {
        #expect(Double(decimal: text) == nil, "\(text)")
    }

    @Test func aKeyGivenTwiceIsFound() throws {
        #expect(JSONValue.duplicateKey(in: Data(#"{"a":1,"b":{"a":2},"c":[{"a":1},{"a":2}]}"#.utf8)) == nil, "the same key in other objects is fine")
        #expect(JSONValue.duplicateKey(in: Data(#"{"action":"verify","action":"close"}"#.utf8)) == "action")
        #expect(JSONValue.duplicateKey(in: Data(#"{"x":{"a":1,"\u0061":2}}"#.utf8)) == "a", "escapes are decoded")
        #expect(JSONValue.duplicateKey(in: Data(#"{"s":"a\"b","t":["{\"a\":1,\"a\":2}"]}"#.utf8)) == nil, "keys inside strings are text")
        #expect(throws: JSONValue.DuplicateKey.self) { try JSONValue.decode(Data(#"[{"k":1,"k":1}]"#.utf8)) }
        // A wide object costs what its keys cost.
        let wide = "{" + (0..<50_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k7\":0}"
        #expect(JSONValue.duplicateKey(in: Data(wide.utf8)) == "k7")
    }
}
