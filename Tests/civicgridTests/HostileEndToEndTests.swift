import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real binary probed as a hostile client would (issue 14).
@Suite(.serialized)
struct HostileEndToEndTests {
    /// A planner's edit list holding a non-object killed the process (SIGILL); now it is a
    /// 400 and the server goes on serving.
    @Test func nonObjectEditsDoNotKillTheServer() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try publishedDemo(), toPath: db)
        let user = try civicgrid("users", "add", "--db", db, "--name", "li", "--role", "planner", "--region", "320599001")
        let token = try #require(user.stdout.split(separator: "\n").first { $0.hasPrefix("API token") }?.split(separator: " ").last.map(String.init))
        let (server, base) = try await serve(db)
        defer { server.terminate(); server.waitUntilExit() }
        func post(_ path: String, _ body: String) async throws -> (Int, String) {
            var request = URLRequest(url: URL(string: base + path)!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            request.setValue("*", forHTTPHeaderField: "If-Match")
            let (data, response) = try await URLSession.shared.upload(for: request, from: Data(body.utf8))
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
        let (created, doc) = try await post("/api/v1/communities/320599001001/plans", #"{"from":"published"}"#)
        #expect(created == 201, "\(doc)")
        let plan = try #require((try JSONSerialization.jsonObject(with: Data(doc.utf8)) as? [String: Any])?["id"] as? Int)
        for body in ["[null]", #"["x"]"#, "[1, 2]"] {
            let (status, answer) = try await post("/api/v1/plans/\(plan)/edits", body)
            #expect(status == 400, "\(body): \(answer)")
            #expect(server.isRunning, "the server died on \(body)")
        }
        #expect(try await fetch("\(base)/health").0 == 200)
    }

    /// Scripts/check-hostile: the whole probe against a real server (process alive, memory back
    /// after a second burst, no private layer or personal field anonymously, refused requests
    /// change no row, integrity ok).
    @Test func theHostileProbeFindsNothing() throws {
        let (status, text) = try run("/bin/bash", [repository.appendingPathComponent("Scripts/check-hostile").path, try publishedDemo()],
                                     environment: ["CIVICGRID": binary], directory: repository)
        #expect(status == 0, "\(text.split(separator: "\n").filter { !$0.hasPrefix("ok ") }.joined(separator: "\n"))")
        let report = text.split(separator: "\n").last { $0.hasPrefix("{") }.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(report?["failures"] as? Int == 0, "\(text)")
    }
}
