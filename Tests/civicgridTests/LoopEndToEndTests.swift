import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GridSchema
import GridStore
import Testing

/// The loop routes itself and closes with the public (issue 35), on a real server: a located
/// SMS about chimney smoke reaches the environment bureau's webhook with no person in between;
/// an urgent message no one picks up climbs to the district's desk within the triage limits;
/// the reporter's messages wait in the gateway's outbox; a 不满意 reply reopens the case.
struct LoopEndToEndTests {
    let cases = CasesEndToEndTests()

    func sms(_ base: String, key: String, from: String, text: String) async throws -> (Int, [String: Any]) {
        var r = URLRequest(url: URL(string: "\(base)/sms")!)
        r.httpMethod = "POST"
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        r.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        r.httpBody = try JSONSerialization.data(withJSONObject: ["from": from, "text": text])
        let (data, response) = try await URLSession.shared.data(for: r)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    @Test func anUrgentMessageIsDispatchedOrClimbsAndTheReporterIsAskedBack() async throws {
        let db = try await cases.caseDatabase()
        let data = repository.appendingPathComponent("Data/cases")
        _ = try await ok(["categories", "examples", data.appendingPathComponent("messages.csv").path, "--db", db])
        _ = try await ok(["notices", "import", data.appendingPathComponent("notices.json").path, "--db", db])
        // Three seconds untouched at each level (Zhoushan's ten minutes is the same file).
        let triage = temporaryPath("json")
        try Data(#"{"community": {"urgent": "0.05nmin"}, "street": {"urgent": "0.05nmin"}}"#.utf8).write(to: URL(fileURLWithPath: triage))
        _ = try await ok(["triage", "import", triage, "--db", db])
        #expect(try await ok(["duty", "import", data.appendingPathComponent("duty.csv").path, "--db", db]).contains("imported 20 duty phones"))
        let centre = try await cases.dispatcher(db, "centre")
        let bureau = lastWord(try await ok(["users", "add", "--db", db, "--name", "bureau", "--role", "department", "--region", "320599", "--department", "D-ENVIRONMENT"]))
        let key = lastWord(try await ok(["sms", "key", "--db", db, "--name", "gateway"]))
        let port = unusedPort()
        let secret = lastWord(try await ok(["departments", "webhook", "--db", db, "--code", "D-ENVIRONMENT", "--url", "http://127.0.0.1:\(port)/hook"]))
        let hooks = temporaryPath("jsonl")
        let receiver = try Spawned("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/webhook_receiver.py").path, "\(port)", secret, hooks])
        defer { receiver.stop(grace: .zero) }
        let community = try #require(try GridStore(path: db).read { try $0.region(code: "320599002003") })
        let (server, base) = try await serve(db, ["--supervision-every", "1"])
        defer { server.stop() }

        // 1. Chimney smoke, located by the community it names: dispatched by `routing`.
        let (s1, smoke) = try await sms(base, key: key, from: "13900000101", text: "\(community.name)旁边工厂三根烟囱日夜冒黑烟")
        #expect(s1 == 201, "\(smoke)")
        let number = try #require(smoke["case"] as? String)
        let (_, doc, _) = try await cases.request("\(base)/api/v1/cases/\(number)", "GET", token: centre)
        #expect(doc["category"] as? String == "0107" && doc["status"] as? String == "dispatched", "\(doc)")
        #expect((doc["holder"] as? [String: String])?["department"] == "D-ENVIRONMENT")
        #expect(((doc["history"] as? [[String: Any]]) ?? []).dropFirst().allSatisfy { $0["actor"] as? String == "routing" })
        var delivered: [[String: Any]] = []
        for _ in 0..<600 where delivered.isEmpty {
            delivered = ((try? String(contentsOfFile: hooks, encoding: .utf8)) ?? "").split(separator: "\n")
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .filter { ($0["body"] as? [String: Any])?["case"] as? String == number }
            if delivered.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect((delivered.first?["body"] as? [String: Any])?["action"] as? String == "dispatch", "the bureau's webhook: \(delivered)")

        // 2. E-bikes charging in a stairwell (urgent, dispatched by people): no one acts, and
        // it climbs community → street → district.
        let (s2, bikes) = try await sms(base, key: key, from: "13900000102", text: "\(community.name)有人把电动车推进楼道里充电")
        #expect(s2 == 201, "\(bikes)")
        let climbing = try #require(bikes["case"] as? String)
        var holder = ""
        for _ in 0..<1200 where holder != "320599" {
            let (_, c, _) = try await cases.request("\(base)/api/v1/cases/\(climbing)", "GET", token: centre)
            holder = (c["holder"] as? [String: String])?["region"] ?? ""
            if holder != "320599" { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(holder == "320599", "the district's desk after two triage limits")
        let (_, climbed, _) = try await cases.request("\(base)/api/v1/cases/\(climbing)", "GET", token: centre)
        #expect(climbed["category"] as? String == "0702" && climbed["urgency"] as? String == "urgent")
        #expect(((climbed["history"] as? [[String: Any]]) ?? []).filter { $0["actor"] as? String == "triage" }.count == 2)
        let duty = try GridStore(path: db).read { r in try r.dutyPhones() }
        let streetDesk = try #require(duty.first { $0.holder == "320599002" }), districtDesk = try #require(duty.first { $0.holder == "320599" })

        // 3. The bureau handles the smoke, the centre checks and closes; the reporter was told
        // each step and is asked; 不满意 reopens it to the bureau.
        var (_, current, tag) = try await cases.request("\(base)/api/v1/cases/\(number)", "GET", token: centre)
        for (token, step) in [(bureau, #"{"action":"accept"}"#), (bureau, #"{"action":"handle","note":"已责令停产整改"}"#),
                              (centre, #"{"action":"pass"}"#), (centre, #"{"action":"close"}"#)] {
            let (s, c, t) = try await cases.request("\(base)/api/v1/cases/\(number)/actions", "POST", token: token, body: step, ifMatch: try #require(tag))
            #expect(s == 200, "\(step): \(c)")
            (current, tag) = (c, t)
        }
        #expect(current["status"] as? String == "closed")
        var outbox = URLRequest(url: URL(string: "\(base)/sms/outbox")!)
        outbox.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        let messages = ((try JSONSerialization.jsonObject(with: try await URLSession.shared.data(for: outbox).0) as? [String: Any])?["messages"] as? [[String: Any]]) ?? []
        let told = messages.filter { $0["to"] as? String == "13900000101" }.compactMap { $0["text"] as? String }
        #expect(told.count == 4 && told[0].contains("已立案") && told[1].contains("区生态环境局") && told[2].contains("已责令停产整改") && told[3].contains("1 满意"), "\(told)")
        let (s3, rated) = try await sms(base, key: key, from: "13900000101", text: "3")
        #expect(s3 == 200 && rated["case"] as? String == number && (rated["reply"] as? String)?.contains("重新") == true, "\(rated)")
        let (_, reopened, _) = try await cases.request("\(base)/api/v1/cases/\(number)", "GET", token: centre)
        #expect(reopened["status"] as? String == "dispatched" && (reopened["holder"] as? [String: String])?["department"] == "D-ENVIRONMENT")
        #expect((reopened["counts"] as? [String: Int])?["reworks"] == 1)
        // The climb texted the duty phones: the street's when it got there (and the district's
        // above it), the district's when it got there.
        let alerts = messages.filter { ($0["case"] as? String) == climbing }.compactMap { m in (m["to"] as? String).map { ($0, m["text"] as? String ?? "") } }
        #expect(alerts.map(\.0) == [streetDesk.phone, districtDesk.phone, districtDesk.phone] && alerts.allSatisfy { $0.1.hasPrefix("【升级】") }, "\(alerts)")
    }
}
