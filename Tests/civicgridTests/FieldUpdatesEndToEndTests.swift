import CivicGridModel
import Foundation
import GridAssessment
import GridSchema
import GridStore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Field updates over a real server: grid staff submit for their own grids only, an admin of
/// the region approves or rejects, the list masks names and phones, reviews happen once.
struct FieldUpdatesEndToEndTests {
    func send(_ method: String, _ url: String, _ body: String?, token: String?) async throws -> (Int, String) {
        var r = URLRequest(url: URL(string: url)!)
        r.httpMethod = method
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            r.httpBody = Data(body.utf8)
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: r)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func staffSubmitForTheirGridsAndTheRegionsAdminReviews() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        // A building with household records in a published grid; a building of another community.
        let (building, grid, community, farBuilding) = try GridStore(path: db).read { (r: StoreReader) throws -> (String, String, String, String) in
            let refs = Set(try r.householdRecords().map(\.building))
            for b in try r.buildings() where refs.contains(b.ref ?? "") {
                guard let g = try r.publishedGrid(building: b.id ?? 0) else { continue }
                let far = try #require(try r.buildings().first { $0.community != b.community && $0.ref != nil }?.ref)
                return (b.ref ?? "", g, b.community ?? "", far)
            }
            throw StoreError("no building with records in a published grid")
        }
        let staff = lastWord(try await ok(["users", "add", "--db", db, "--name", "grid staff", "--role", "member", "--region", community, "--grid", grid]))
        let admin = lastWord(try await ok(["users", "add", "--db", db, "--name", "community admin", "--role", "admin", "--region", community]))
        let farAdmin = lastWord(try await ok(["users", "add", "--db", db, "--name", "far admin", "--role", "admin", "--region", "320599001001"]))
        let viewer = lastWord(try await ok(["users", "add", "--db", db, "--name", "watcher", "--role", "viewer", "--region", "320599"]))
        let gridBefore = try #require(try GridStore(path: db).read { try $0.gridFigures().first { $0.code == grid } }).households
        let (server, base) = try await serve(db)
        defer { server.stop() }
        let url = "\(base)/api/v1/updates"
        let add = #"{"kind": "household.add", "fields": {"building": "\#(building)", "unit": "9-9-909", "size": 3}}"#

        #expect(try await send("POST", url, add, token: viewer).0 == 403)
        #expect(try await send("POST", url, add, token: nil).0 == 401)
        #expect(try await send("POST", url, #"{"kind": "household.add", "fields": {"building": "\#(farBuilding)", "unit": "9-9-909"}}"#, token: staff).0 == 403, "not their grid")
        #expect(try await send("POST", url, #"{"kind": "teleport", "fields": {}}"#, token: staff).0 == 400)
        #expect(try await send("POST", url, "{not json", token: staff).0 == 400)
        #expect(try await send("POST", url, #"{"kind": "household.add", "fields": {"building": "\#(building)", "unit": ""}}"#, token: staff).0 == 422)
        let (s1, made) = try await send("POST", url, add, token: staff)
        #expect(s1 == 201 && made.contains("\"pending\""), "\(made)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(made.utf8)) as? [String: Any])?["id"] as? Int)
        let org = #"{"kind": "organisation.add", "fields": {"code": "OX1", "name": "街角面馆", "kind": "restaurant", "building": "\#(building)", "contact_name": "孙悟空", "contact_phone": "13811112222"}}"#
        let (s2, orgMade) = try await send("POST", url, org, token: staff)
        #expect(s2 == 201)
        let orgID = try #require((try JSONSerialization.jsonObject(with: Data(orgMade.utf8)) as? [String: Any])?["id"] as? Int)
        #expect(!orgMade.contains("13811112222") && !orgMade.contains("孙悟空"), "answers mask names and phones")

        // The region's admin sees them (masked); the far admin sees none and may not review.
        let (s3, listed) = try await send("GET", url + "?status=pending", nil, token: admin)
        #expect(s3 == 200 && listed.contains("9-9-909") && listed.contains("138****2222") && !listed.contains("13811112222"), "\(listed)")
        #expect(try await send("GET", url, nil, token: farAdmin).1 == "[]")
        #expect(try await send("POST", "\(url)/\(id)/approve", nil, token: farAdmin).0 == 403)
        #expect(try await send("POST", "\(url)/\(id)/approve", nil, token: staff).0 == 403, "staff do not review")
        #expect(try await send("POST", "\(url)/\(orgID)/reject", "{}", token: admin).0 == 400, "a rejection says why")
        #expect(try await send("GET", url + "?status=maybe", nil, token: admin).0 == 400)

        let (s4, approved) = try await send("POST", "\(url)/\(id)/approve", nil, token: admin)
        #expect(s4 == 200 && approved.contains("\"approved\"") && approved.contains("community admin"), "\(approved)")
        #expect(try await send("POST", "\(url)/\(id)/approve", nil, token: admin).0 == 409)
        #expect(try await send("POST", "\(url)/99999/approve", nil, token: admin).0 == 404)
        let (s5, rejected) = try await send("POST", "\(url)/\(orgID)/reject", #"{"note": "no such shop there"}"#, token: admin)
        #expect(s5 == 200 && rejected.contains("\"rejected\""))
        let store = try GridStore(path: db)
        #expect(try store.read { try $0.household(building: building, unit: "9-9-909") } != nil)
        // The published grid counts the new household.
        let after = try #require(try store.read { try $0.gridFigures().first { $0.code == grid } })
        #expect(after.households == gridBefore + 1, "\(after)")
        #expect(try store.read { try $0.organisation(code: "OX1") } == nil)
        // The staff member sees their own, reviewed.
        let (_, own) = try await send("GET", url, nil, token: staff)
        #expect(own.contains("\"approved\"") && own.contains("\"rejected\"") && own.contains("no such shop there"))
    }
}
