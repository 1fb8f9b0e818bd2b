import CivicGridModel
import Foundation
@testable import GridServer
import GridStore
import GridTiles
import GridTracking
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Phones signed in by one-time links: an admin makes one (with its QR code), the phone
/// exchanges its code once for the account's token and a device for its fixes; a used,
/// expired or unknown code is refused alike; revoking the account ends both.
struct SignInTests {
    func withServer(_ body: @escaping @Sendable (any TestClientProtocol, GridStore) async throws -> Void) async throws {
        let store = try makeTestStore()
        try store.write { w in
            let staff = try w.addAccount(name: "王芳", role: .member, region: "320599001001", phone: "13812345678")
            try w.addGrids(["320599001001001"], account: staff)
            try w.addToken(account: try w.addAccount(name: "centre", role: .dispatcher, region: "320599"), tokenHash: DeviceToken.hash("t-centre"))
        }
        let ingestor = PingIngestor(store: store)
        let app = Application(router: buildRouter(store: store, tiles: TileProvider(set: try TileSet.load(from: store)), ingestor: ingestor),
                              services: [IngestService(ingestor: ingestor)])
        try await app.test(.router) { client in try await body(client, store) }
    }

    static func json(_ r: TestResponse) -> [String: Any] { (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:] }

    @Test func aLinkSignsAPhoneInOnce() async throws {
        try await withServer { client, store in
            func make(_ token: String, _ body: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/login-links", method: .post, headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                         body: ByteBuffer(string: body))
            }
            #expect(try await make("t-centre", #"{"name":"王芳"}"#).status == .forbidden, "admins only")
            #expect(try await make("t-admin", #"{"name":"nobody"}"#).status == .notFound)
            #expect(try await make("t-admin", #"{"name":"王芳","minutes":0}"#).status == .badRequest)
            #expect(try await make("t-admin", #"{"name":"王芳","base":"javascript:alert(1)"}"#).status == .badRequest)
            let made = try await make("t-admin", #"{"name":"王芳","minutes":10,"base":"https://grid.example"}"#)
            let link = Self.json(made)
            #expect(made.status == .created, "\(String(buffer: made.body))")
            let url = try #require(link["url"] as? String)
            #expect(url.hasPrefix("https://grid.example/m/#login=") && (link["qr_svg"] as? String)?.hasPrefix("<svg") == true)
            let code = String(url.split(separator: "=").last ?? "")

            func exchange(_ code: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/login", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"code":"\#(code)"}"#))
            }
            let first = try await exchange(code)
            let session = Self.json(first)
            #expect(first.status == .ok && session["name"] as? String == "王芳" && session["role"] as? String == "member")
            let token = try #require(session["token"] as? String), deviceToken = try #require(session["device_token"] as? String)
            #expect(try await exchange(code).status == .unauthorized, "once")
            #expect(try await exchange("not-a-code").status == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/login", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "[]")).status == .badRequest)
            // An expired link is refused like any other.
            try store.write { w in
                let id = try #require(try w.reader.account(name: "王芳")).id
                try w.addLoginLink(account: id, codeHash: DeviceToken.hash("old"), createdBy: "test", at: Date().addingTimeInterval(-7200), expires: Date().addingTimeInterval(-3600))
            }
            #expect(try await exchange("old").status == .unauthorized)

            // The token is the account's (with its grids); the device takes the phone's fixes.
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(Self.json(me)["grids"] as? [String] == ["320599001001001"])
            let now = Int(Date().timeIntervalSince1970)
            let fixes = try await client.execute(uri: "/api/v1/positions", method: .post, headers: [.authorization: "Bearer \(deviceToken)"],
                                                 body: ByteBuffer(string: #"[{"time":\#(now - 20),"lon":120.7025,"lat":31.305},{"time":\#(now - 10),"lon":120.7026,"lat":31.305}]"#))
            #expect(fixes.status == .ok && Self.json(fixes)["stored"] as? Int == 2, "\(String(buffer: fixes.body))")
            let device = try #require(session["device"] as? String)
            #expect(device.hasPrefix("web-"))
            #expect(try store.read { try $0.device(id: device) }?.grids == ["320599001001001"])

            // Revoked: the token and the phone's device stop working.
            try store.write { w in _ = try w.revokeSignIns(account: try #require(try w.reader.account(name: "王芳")).id) }
            #expect(try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(token)"]).status == .unauthorized)
            let after = try await client.execute(uri: "/api/v1/positions", method: .post, headers: [.authorization: "Bearer \(deviceToken)"],
                                                 body: ByteBuffer(string: #"[{"time":\#(now),"lon":120.7025,"lat":31.305}]"#))
            #expect(after.status == .unauthorized)
        }
    }
}
