import Foundation
import GridSchema
import GridStore
import GridTracking
import GridTiles
import Hummingbird
import HummingbirdTesting
import GridTestSupport
import Testing
@testable import GridServer

struct HealthTests {
    @Test func healthReportsCounts() async throws {
        let path = TestDatabase.make("srv")
        let store = try GridStore(path: path)
        let app = Application(router: buildRouter(store: store, tiles: TileProvider(set: try TileSet.load(from: store)), ingestor: PingIngestor(store: store)))
        try await app.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["status"] as? String == "ok")
                #expect(body?["buildings"] as? Int == 0)
            }
            try await client.execute(uri: "/nope", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }
}
