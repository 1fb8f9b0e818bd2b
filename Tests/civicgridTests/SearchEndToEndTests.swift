import CivicGridModel
import Foundation
import GridAssessment
import GridCases
import GridPeople
import GridSchema
import GridStore
import Testing

/// The search box over a real server: places, addresses, organisations, facilities and cases
/// within the caller's scope; people only for admins (whole) and grid staff in their grids
/// (masked), each answer with people recorded.
struct SearchEndToEndTests {
    func search(_ base: String, _ q: String, _ token: String?, _ extra: String = "") async throws -> (Int, [[String: Any]], String) {
        var c = URLComponents(string: "\(base)/api/v1/search")!
        c.queryItems = [URLQueryItem(name: "q", value: q)]
        let (status, body) = try await PeopleEndToEndTests().get(c.url!.absoluteString + extra, token: token)
        return (status, (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? [], body)
    }

    @Test func findsWithinScopeAndPeopleOnlyForThoseWhoMaySeeThem() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        for step in [["demo", "people"], ["demo", "organisations"], ["demo", "cases", "--count", "300"], ["demo", "facilities"]] {
            _ = try await ok(step + ["--db", db])
        }
        // A person with an ID number, in a published grid; a case; a building elsewhere.
        let store = try GridStore(path: db)
        let (person, grid, community, building, caseNumber, farAddress) = try store.read { (r: StoreReader) throws -> (StoredPerson, String, String, Building, String, String) in
            let households = try r.householdRecords()
            for h in households {
                guard let p = try r.people(household: h.id).first(where: { $0.idSealed != nil }), let place = try r.householdPlace(h.id),
                      let g = try r.publishedGrid(building: place.building), let b = try r.buildings().first(where: { $0.id == place.building }) else { continue }
                var one = CaseFilter()
                one.limit = 1
                let number = try #require(try r.cases(one).first?.number)
                let far = try #require(try r.buildings().first { $0.community != b.community && $0.address != nil }?.address)
                return (p, g, place.community ?? "", b, number, far)
            }
            throw StoreError("no person in a published grid")
        }
        let name = person.person.name
        let admin = lastWord(try await ok(["users", "add", "--db", db, "--name", "boss", "--role", "admin"]))
        let viewer = lastWord(try await ok(["users", "add", "--db", db, "--name", "watcher", "--role", "viewer", "--region", "320599"]))
        let staff = lastWord(try await ok(["users", "add", "--db", db, "--name", "grid staff", "--role", "member", "--region", community, "--grid", grid]))
        let otherGrid = try #require(try store.read { try $0.gridFigures().first { $0.code != grid }?.code })
        let far = lastWord(try await ok(["users", "add", "--db", db, "--name", "far staff", "--role", "member", "--region", "320599", "--grid", otherGrid]))
        let (server, base) = try await serve(db)
        defer { server.stop() }

        // Places, addresses, organisations, facilities and cases.
        let (s1, hits, _) = try await search(base, building.address ?? "", viewer)
        #expect(s1 == 200 && hits.contains { $0["kind"] as? String == "building" && $0["id"] as? String == String(building.id ?? 0) }, "\(hits)")
        #expect(try await search(base, "F00001", viewer).1.contains { $0["kind"] as? String == "facility" })
        #expect(try await search(base, "O00000", viewer).1.contains { $0["kind"] as? String == "organisation" })
        #expect(try await search(base, String(caseNumber.prefix(10)), viewer).1.contains { $0["id"] as? String == caseNumber })
        #expect(try await search(base, "320599", viewer).1.contains { $0["kind"] as? String == "region" })
        // Grid staff: no cases; their scope only.
        #expect(try await search(base, caseNumber, staff).1.isEmpty)
        #expect(try await search(base, farAddress, staff).1.isEmpty, "another community's building")

        // People: the viewer finds none and sees nothing of them.
        let (s2, _, viewerBody) = try await search(base, name, viewer)
        #expect(s2 == 200 && !viewerBody.contains(name) && !viewerBody.contains("\"person\""), "\(viewerBody)")
        let (_, staffHits, staffBody) = try await search(base, name, staff)
        #expect(staffHits.contains { $0["kind"] as? String == "person" && $0["title"] as? String == Masking.name(name) } && !staffBody.contains("\"title\":\"\(name)\""), "\(staffBody)")
        #expect(try await search(base, name, far).1.allSatisfy { $0["kind"] as? String != "person" || $0["community"] as? String != community || ($0["household"] as? Int).map(Int64.init) != person.person.household })
        let (_, adminHits, _) = try await search(base, name, admin)
        #expect(adminHits.contains { $0["kind"] as? String == "person" && $0["title"] as? String == name && ($0["household"] as? Int).map(Int64.init) == person.person.household })
        // By ID number: the admin only (the key opens the sealed number).
        let (_, members) = try await PeopleEndToEndTests().get("\(base)/api/v1/households/\(person.person.household)/members?unmask=true", token: admin)
        let id = try #require((try JSONSerialization.jsonObject(with: Data(members.utf8)) as? [[String: Any]])?.first { $0["id"] as? Int == Int(person.person.id ?? 0) }?["id_number"] as? String)
        #expect(try await search(base, id, admin).1.contains { $0["kind"] as? String == "person" && $0["id"] as? String == String(person.person.id ?? 0) })
        #expect(try await search(base, id, staff).1.isEmpty)
        let log = try await ok(["audit", "access", "--db", db, "--since", "2000-01-01"])
        #expect(log.contains("grid staff\tmember\tpeople search\t\(name)") && log.contains("boss\tadmin\tpeople search\t\(IDNumber(id)?.masked ?? "-")"), "\(log)")
        #expect(!log.contains(id), "the log names the ID number masked")

        // Bad requests.
        #expect(try await search(base, "", viewer).0 == 400)
        #expect(try await search(base, String(repeating: "x", count: 101), viewer).0 == 400)
        #expect(try await search(base, "x", viewer, "&limit=0").0 == 400)
        #expect(try await search(base, "x", viewer, "&kinds=person,spaceship").0 == 400)
        #expect(try await search(base, "x", nil).0 == 401)
    }
}
