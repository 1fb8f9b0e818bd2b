import Foundation
import GridPlanning
import GridWire
import Testing

/// An edit is read with the limits the API document gives (issue 33): a body the document rules
/// out is refused as malformed, before the plan's version is compared.
struct EditTests {
    @Test func membersPastTheDocumentsLimitsAreMalformed() throws {
        let long = String(repeating: "格", count: 101), code = String(repeating: "9", count: 65)
        for body in [#"{"op":"rename","grid":"g1","name":"\#(long)"}"#, #"{"op":"rename","grid":"g1","code":"\#(code)"}"#,
                     #"{"op":"move","buildings":[1],"to":"\#(code)"}"#, #"{"op":"merge","grids":["g1","\#(code)"]}"#,
                     #"{"op":"split","grid":"\#(code)"}"#] {
            do {
                _ = try Edit.list(json: Data(body.utf8))
                Issue.record("taken: \(body.prefix(60))")
            } catch {
                #expect(error.kind == .malformed, "\(error)")
            }
        }
        #expect(try Edit.list(json: Data(#"{"op":"rename","grid":"g1","name":"\#(String(repeating: "格", count: 100))"}"#.utf8)).count == 1)
        #expect(throws: WireError.self) { try Edit.list(json: Data(#"{"op":"merge","op":"split","grids":["a","b"]}"#.utf8)) }
    }
}
