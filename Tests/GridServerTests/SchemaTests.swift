import Foundation
import GridGeometry
import GridStore
import GridTiles
import GridTracking
import Hummingbird
import HummingbirdTesting
import Testing
@testable import GridServer

/// Schemas made from answer types: what a type always writes is required, what it writes only
/// when present is optional, `Nullable` is nullable, arrays carry their items' schema, a
/// dictionary by string is a free object, a `JSONValue` member is any JSON.
struct SchemaTests {
    struct Inner: Encodable { var n: Int; var x: Double }
    struct Answer: Encodable {
        var name: String
        var note: String?
        var count: Int64?
        var parent: Nullable<String>
        var inner: [Inner]
        var tags: [String: Int]
        var detail: JSONValue
        var flag: Bool
    }

    @Test func shapesFollowTheType() throws {
        let example = Answer(name: "a", note: nil, count: 3, parent: Nullable("p"), inner: [Inner(n: 1, x: 1.5)], tags: ["k": 1], detail: ["any": 1], flag: true)
        guard case .object(let s) = Schema.of(example), case .object(let properties)? = s["properties"] else {
            Issue.record("not an object schema")
            return
        }
        #expect(s["type"] == "object")
        #expect(s["required"] == ["name", "parent", "inner", "tags", "detail", "flag"])
        #expect(properties["name"] == ["type": "string"])
        #expect(properties["note"] == ["type": "string"], "an absent optional String is still a string")
        #expect(properties["count"] == ["type": "integer"])
        #expect(properties["parent"] == ["type": "string", "nullable": true])
        #expect(properties["inner"] == ["type": "array", "items": ["type": "object", "required": ["n", "x"],
                                                                   "properties": ["n": ["type": "integer"], "x": ["type": "number"]]]])
        #expect(properties["tags"] == ["type": "object"])
        #expect(properties["detail"] == [:])
        #expect(properties["flag"] == ["type": "boolean"])
    }

    /// Every answer schema of the document is made from its example, and the example meets it
    /// (checked by the contract test against live answers too).
    @Test func everyExampleHasItsSchema() {
        let examples = OpenAPI.answerExamples
        #expect(examples.count >= 17, "\(examples.keys.sorted())")
        for (name, schema) in OpenAPI.answerSchemas {
            guard case .object(let s) = schema else { Issue.record("\(name): no schema"); continue }
            #expect(s["type"] != nil, "\(name)")
        }
    }

    /// The patterns the handlers check with (and the document publishes) compile.
    @Test func thePatternsCompile() {
        #expect(AssessmentController.periodShape != nil)
        #expect(ItemsParameters.instantShape != nil)
        #expect("2026-10-01..2026-10-15".wholeMatch(of: AssessmentController.periodShape!) != nil)
        #expect("2026-11-23T08:30:00.5+08:00".wholeMatch(of: ItemsParameters.instantShape!) != nil)
    }

    /// A method a path does not take is 405 with Allow; a parameter given twice is 400.
    @Test func undeclaredMethodsAndRepeatedParameters() async throws {
        let store = try makeTestStore()
        let router = buildRouter(store: store, tiles: TileProvider(set: try TileSet.load(from: store)), ingestor: PingIngestor(store: store))
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/api/v1/cases", method: .delete) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET, HEAD, POST")
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/tiles/3/1/2.mvt", method: .post) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET, HEAD")
            }
            try await client.execute(uri: "/conformance", method: .head) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/no/such/path", method: .delete) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/collections?f=json&f=json", method: .get) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).contains("given twice"))
            }
        }
    }
}
