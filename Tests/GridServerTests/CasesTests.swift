import CivicGridModel
import Foundation
import GridCases
@testable import GridServer
import GridStore
import GridTiles
import GridTracking
import GridWire
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Cases over HTTP with real roles: a report by grid staff walks the loop to closing; every
/// refused request (role, scope, status, version) changes nothing; reporters' phones are
/// masked for everyone but the command centre.
struct CasesTests {
    func withCases(_ body: @escaping @Sendable (any TestClientProtocol, GridStore) async throws -> Void) async throws {
        let store = try makeTestStore()
        try store.write { w in
            try w.save([CaseCategory(code: "0101", major: "01", majorName: "市容环境", majorNameEn: "City appearance", name: "暴露垃圾",
                                     nameEn: "Exposed rubbish", kind: .event, urgency: .normal,
                                     limits: [.verify: .workingHours(1), .file: .workingHours(1), .dispatch: .workingHours(1), .handle: .workingDays(1), .check: .workingDays(1)],
                                     department: "D-SANITATION")])
            try w.save([Department(code: "D-SANITATION", name: "环卫处", region: "320599", categories: ["01"]),
                        Department(code: "D-ROADS", name: "市政处", region: "320599", categories: ["52"])])
            for (name, role, region, department) in [("centre", Role.dispatcher, "320599", nil as String?), ("clean", .department, "320599", "D-SANITATION"),
                                                     ("roads", .department, "320599", "D-ROADS"), ("staff", .member, "320599001001", nil),
                                                     ("viewer", .viewer, "320599", nil), ("street", .dispatcher, "320599001", nil),
                                                     ("far", .member, "320599001001", nil)] {
                let id = try w.addAccount(name: name, role: role, region: region, department: department)
                try w.addToken(account: id, tokenHash: DeviceToken.hash("t-\(name)"))
                if name == "staff" { try w.addGrids(["320599001001001"], account: id) }
            }
        }
        let tiles = TileProvider(set: try TileSet.load(from: store))
        let app = Application(router: buildRouter(store: store, tiles: tiles, ingestor: PingIngestor(store: store)))
        try await app.test(.router) { client in try await body(client, store) }
    }

    static func headers(_ token: String?, ifMatch: String? = nil) -> HTTPFields {
        var h: HTTPFields = [.contentType: "application/json"]
        if let token { h[.authorization] = "Bearer \(token)" }
        if let ifMatch { h[.ifMatch] = ifMatch }
        return h
    }

    static func json(_ r: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:]
    }

    static let report = #"{"category":"0101","description":"rubbish by the gate","lon":120.7025,"lat":31.305,"reporter":{"name":"王某","phone":"13800001234"}}"#

    @Test func aReportWalksTheLoopOverHTTP() async throws {
        try await withCases { client, store in
            let created = try await client.execute(uri: "/api/v1/cases", method: .post, headers: Self.headers("t-staff"), body: ByteBuffer(string: Self.report))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let c = Self.json(created)
            let number = try #require(c["number"] as? String)
            #expect(c["status"] as? String == "verified" && (c["place"] as? [String: String])?["grid"] == "320599001001001")
            #expect(created.headers[.location] == "/api/v1/cases/\(number)")
            // Every answer says where the case goes; a dispatch that names no one goes there.
            #expect((c["route"] as? [String: Any])?["department"] as? String == "D-SANITATION" && c["needs_category"] as? Bool == false, "\(c)")
            var etag = try #require(created.headers[.eTag])
            for (token, step) in [("t-centre", #"{"action":"file"}"#), ("t-centre", #"{"action":"dispatch"}"#),
                                  ("t-clean", #"{"action":"accept"}"#), ("t-clean", #"{"action":"handle","note":"cleared"}"#),
                                  ("t-staff", #"{"action":"pass"}"#), ("t-centre", #"{"action":"close"}"#)] {
                let r = try await client.execute(uri: "/api/v1/cases/\(number)/actions", method: .post, headers: Self.headers(token, ifMatch: etag),
                                                 body: ByteBuffer(string: step))
                #expect(r.status == .ok, "\(step): \(String(buffer: r.body))")
                etag = try #require(r.headers[.eTag])
            }
            let closed = try await client.execute(uri: "/api/v1/cases/\(number)", method: .get, headers: Self.headers("t-centre"))
            let doc = Self.json(closed)
            #expect(doc["status"] as? String == "closed" && (doc["history"] as? [Any])?.count == 7)
            #expect(((doc["history"] as? [[String: Any]])?[2]["detail"] as? [String: String]) == ["department": "D-SANITATION"])
            #expect((doc["reporter"] as? [String: String])?["phone"] == "13800001234", "the command centre sees the reporter")
            let masked = Self.json(try await client.execute(uri: "/api/v1/cases/\(number)", method: .get, headers: Self.headers("t-staff")))
            #expect((masked["reporter"] as? [String: String])?["phone"] == "138****1234")
            #expect(!String(buffer: try await client.execute(uri: "/api/v1/cases/\(number)", method: .get, headers: Self.headers("t-clean")).body).contains("13800001234"))
            // A department that never held it does not see it.
            // … and is answered exactly as for a case that does not exist (no oracle of numbers).
            let hidden = try await client.execute(uri: "/api/v1/cases/\(number)", method: .get, headers: Self.headers("t-roads"))
            let none = try await client.execute(uri: "/api/v1/cases/209901019999", method: .get, headers: Self.headers("t-roads"))
            #expect(hidden.status == .notFound && String(buffer: hidden.body) == String(buffer: none.body).replacingOccurrences(of: "209901019999", with: number),
                    "\(String(buffer: hidden.body))")
            #expect(try store.read { try $0.history(case: number) }.map(\.action) == ["report", "file", "dispatch", "accept", "handle", "pass", "close"])
        }
    }

    /// A client that lost the answer sends its report again with the same Idempotency-Key:
    /// one case, the same answer marked replayed — even when the retries race each other;
    /// the key with another body is refused; another account's same key is its own; a
    /// malformed key is refused before anything is filed.
    @Test func aRetriedReportFilesOneCase() async throws {
        try await withCases { client, store in
            func post(_ token: String, key: String?, body: String = Self.report) async throws -> TestResponse {
                var h = Self.headers(token)
                if let key, let name = HTTPField.Name("Idempotency-Key") { h[name] = key }
                return try await client.execute(uri: "/api/v1/cases", method: .post, headers: h, body: ByteBuffer(string: body))
            }
            let first = try await post("t-staff", key: "7f1c2a9e-5b1d-4c1e-9f0a-2d3b4c5d6e7f")
            #expect(first.status == .created)
            let number = try #require(Self.json(first)["number"] as? String)
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            let again = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<5 { group.addTask { try await post("t-staff", key: "\"7f1c2a9e-5b1d-4c1e-9f0a-2d3b4c5d6e7f\"") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for r in again {
                #expect(r.status == .created && Self.json(r)["number"] as? String == number, "\(String(buffer: r.body))")
                #expect(r.headers[HTTPField.Name("Idempotent-Replayed")!] == "true" && r.headers[.location] == "/api/v1/cases/\(number)")
            }
            #expect(try store.read { try $0.caseCount(numberPrefix: "2") } == 1)
            let other = try await post("t-staff", key: "7f1c2a9e-5b1d-4c1e-9f0a-2d3b4c5d6e7f", body: Self.report.replacingOccurrences(of: "gate", with: "door"))
            #expect(other.status == .conflict && String(buffer: other.body).contains(number), "\(String(buffer: other.body))")
            let centre = try await post("t-centre", key: "7f1c2a9e-5b1d-4c1e-9f0a-2d3b4c5d6e7f")
            #expect(centre.status == .created && Self.json(centre)["number"] as? String != number)
            for bad in ["", "has space", String(repeating: "k", count: 256), "\"unclosed", "中文"] {
                #expect(try await post("t-staff", key: bad).status == .badRequest, "key \(bad)")
            }
            #expect(try store.read { try $0.caseCount(numberPrefix: "2") } == 2)
        }
    }

    @Test func refusedRequestsChangeNothing() async throws {
        try await withCases { client, store in
            // Reports: anonymous 401, a viewer 403, malformed 400, unknown category 422.
            for (token, body, status) in [(nil, Self.report, HTTPResponse.Status.unauthorized), ("t-viewer", Self.report, .forbidden),
                                          ("t-staff", "[]", .badRequest), ("t-staff", #"{"category":"0101"}"#, .badRequest),
                                          ("t-staff", #"{"category":"0101","description":"x","lon":"e","lat":1}"#, .badRequest),
                                          ("t-staff", #"{"category":"9999","description":"x","lon":120.7025,"lat":31.305}"#, .unprocessableContent),
                                          ("t-staff", #"{"category":"0101","description":"x","lon":100,"lat":10}"#, .unprocessableContent)] as [(String?, String, HTTPResponse.Status)] {
                let r = try await client.execute(uri: "/api/v1/cases", method: .post, headers: Self.headers(token), body: ByteBuffer(string: body))
                #expect(r.status == status, "\(token ?? "anonymous") \(body): \(String(buffer: r.body))")
            }
            #expect(try store.read { try $0.caseCount(numberPrefix: "2") } == 0)
            let created = try await client.execute(uri: "/api/v1/cases", method: .post, headers: Self.headers("t-staff"), body: ByteBuffer(string: Self.report))
            let number = try #require(Self.json(created)["number"] as? String)
            let etag = try #require(created.headers[.eTag])
            let before = try store.read { try $0.case(number: number) }
            for (token, ifMatch, body, status) in [
                ("t-centre", nil, #"{"action":"file"}"#, HTTPResponse.Status.preconditionRequired),
                ("t-centre", "\"case-\(number)-v9\"", #"{"action":"file"}"#, .preconditionFailed),
                ("t-viewer", etag, #"{"action":"file"}"#, .forbidden),
                ("t-staff", etag, #"{"action":"file"}"#, .forbidden),
                ("t-clean", etag, #"{"action":"accept"}"#, .notFound),
                ("t-centre", etag, #"{"action":"close"}"#, .conflict),
                ("t-centre", etag, #"{"action":"dispatch","department":"D-NOPE"}"#, .unprocessableContent),
                ("t-centre", etag, #"{"action":"fly"}"#, .badRequest),
                ("t-centre", etag, #"{"action":"void","reason":"duplicate"}"#, .unprocessableContent),
                (nil, etag, #"{"action":"file"}"#, .unauthorized),
            ] as [(String?, String?, String, HTTPResponse.Status)] {
                let r = try await client.execute(uri: "/api/v1/cases/\(number)/actions", method: .post, headers: Self.headers(token, ifMatch: ifMatch),
                                                 body: ByteBuffer(string: body))
                #expect(r.status == status, "\(token ?? "anonymous") \(body): \(r.status) \(String(buffer: r.body))")
                #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            }
            #expect(try store.read { try $0.case(number: number) } == before)
            #expect(try store.read { try $0.history(case: number) }.count == 1)
            #expect(try await client.execute(uri: "/api/v1/cases/209901010001", method: .get, headers: Self.headers("t-centre")).status == .notFound)
        }
    }

    /// The cases layer: public fields only, for the whole jurisdiction's command centre.
    @Test func theCasesLayerHoldsNoPersonalField() async throws {
        try await withCases { client, store in
            let created = try await client.execute(uri: "/api/v1/cases", method: .post, headers: Self.headers("t-staff"), body: ByteBuffer(string: Self.report))
            let number = try #require(Self.json(created)["number"] as? String)
            let items = try await client.execute(uri: "/collections/cases/items", method: .get, headers: Self.headers("t-admin"))
            #expect(items.status == .ok, "\(String(buffer: items.body))")
            let text = String(buffer: items.body)
            #expect(text.contains(number) && text.contains("\"status\":\"verified\"") && text.contains("320599001001001"))
            for personal in ["13800001234", "王某", "rubbish by the gate", "reporter"] { #expect(!text.contains(personal), "\(personal)") }
            // Its dates are there (they were null for every case): RFC 3339, as the case API has them.
            let feature = try #require((Self.json(items)["features"] as? [[String: Any]])?.first { ($0["properties"] as? [String: Any])?["number"] as? String == number })
            let properties = try #require(feature["properties"] as? [String: Any])
            let stored = try #require(try store.read { try $0.case(number: number) })
            func date(_ key: String) -> Date? {
                (properties[key] as? String).flatMap { (try? Date($0, strategy: .iso8601)) ?? (try? Date($0, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) }
            }
            #expect(date("created_at").map { abs($0.timeIntervalSince(stored.createdAt)) < 1 } == true, "\(properties)")
            #expect(stored.due != nil && date("due").map { abs($0.timeIntervalSince(stored.due!)) < 1 } == true, "\(properties)")
            #expect(try await client.execute(uri: "/collections/cases/items", method: .get, headers: Self.headers(nil)).status == .unauthorized)
            #expect(try await client.execute(uri: "/collections/cases/items", method: .get, headers: Self.headers("t-clean")).status == .forbidden)
            #expect(try await client.execute(uri: "/collections/cases/items", method: .get, headers: Self.headers("t-centre")).status == .ok,
                    "the only district's dispatcher is the whole jurisdiction's (it was a 403, issue 33)")
            #expect(try await client.execute(uri: "/collections/cases/items", method: .get, headers: Self.headers("t-street")).status == .forbidden,
                    "a street's dispatcher reads its cases through the case API, not the whole jurisdiction's layer")
        }
    }

    /// The SMS webhook: located by the sender's household, else by a name in the text; the
    /// answer carries the acknowledgement with the case number.
    @Test func smsIsLocatedAndAcknowledged() async throws {
        try await withCases { client, store in
            try store.write { try $0.addAppKey(name: "gateway", kind: .sms, keyHash: DeviceToken.hash("k-sms")) }
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            func post(_ body: String, _ headers: HTTPFields = form) async throws -> TestResponse {
                try await client.execute(uri: "/sms", method: .post, headers: headers, body: ByteBuffer(string: body))
            }
            let home = try await post("api_key=k-sms&from=13800000000&category=0101&text=%E6%A5%BC%E9%81%93%E5%A0%86%E7%89%A9")
            #expect(home.status == .created, "\(String(buffer: home.body))")
            let answer = Self.json(home)
            let number = try #require(answer["case"] as? String)
            #expect((answer["reply"] as? String)?.contains(number) == true)
            let stored = try #require(try store.read { try $0.case(number: number) })
            #expect(stored.place.grid == "320599001001001" && stored.source == .sms && stored.reporter.phone == "13800000000" && stored.description == "楼道堆物")
            // Located by the sender's home: the anonymous feed shows the grid's label point,
            // never the building the message came from.
            let label = try #require(try store.read { try $0.gridLabel(code: "320599001001001") })
            #expect(stored.locatedAtHome && stored.publicLocation == label)
            let feed = try JSONSerialization.jsonObject(with: Data(buffer: try await client.execute(uri: "/open311/v2/requests/\(number).json", method: .get).body)) as? [[String: Any]]
            #expect(feed?.first?["lat"] as? Double == label.y && feed?.first?["long"] as? Double == label.x, "\(feed ?? [])")
            var json = Self.headers(nil)
            json[.authorization] = "Bearer k-sms"
            let named = try await post(#"{"from":"13900000001","text":"三香社区门口垃圾","category":"0101"}"#, json)
            #expect(named.status == .created, "\(String(buffer: named.body))")
            let secondNumber = try #require(Self.json(named)["case"] as? String)
            let second = try #require(try store.read { try $0.case(number: secondNumber) })
            #expect(second.place.community == "320599001001")
            for (body, status) in [("from=1&text=x&category=0101", HTTPResponse.Status.unauthorized), ("api_key=nope&from=1&text=x", .unauthorized),
                                   ("api_key=k-sms&from=13900000001", .badRequest), ("api_key=k-sms&from=13900000001&text=x", .unprocessableContent),
                                   ("api_key=k-sms&from=not-a-phone&text=x&category=0101", .unprocessableContent)] {
                let r = try await post(body)
                #expect(r.status == status, "\(body): \(String(buffer: r.body))")
            }
            #expect(try store.read { try $0.caseCount(numberPrefix: "2") } == 2)

            // The second is the first one again: merged, its sender hears it by SMS (the gateway
            // fetches the message and says when it went out).
            let current = Self.json(try await client.execute(uri: "/api/v1/cases/\(secondNumber)", method: .get, headers: Self.headers("t-centre")))
            let version = try #require(current["version"] as? Int)
            for step in [#"{"action":"verify"}"#, #"{"action":"void","reason":"duplicate","duplicate_of":"\#(number)"}"#] {
                let now = Self.json(try await client.execute(uri: "/api/v1/cases/\(secondNumber)", method: .get, headers: Self.headers("t-centre")))
                let r = try await client.execute(uri: "/api/v1/cases/\(secondNumber)/actions", method: .post,
                                                 headers: Self.headers("t-centre", ifMatch: "\"case-\(secondNumber)-v\(now["version"] as? Int ?? version)\""), body: ByteBuffer(string: step))
                #expect(r.status == .ok, "\(step): \(String(buffer: r.body))")
            }
            #expect(try await client.execute(uri: "/sms/outbox", method: .get).status == .unauthorized)
            // An Open311 app's key opens no SMS door: not the outbox (whole phone numbers), not
            // marking messages sent, not posting as a phone.
            try store.write { try $0.addAppKey(name: "an-app", kind: .open311, keyHash: DeviceToken.hash("k-app")) }
            #expect(try await client.execute(uri: "/sms/outbox?api_key=k-app", method: .get).status == .unauthorized)
            #expect(try await post("api_key=k-app&from=13900000002&category=0101&text=x").status == .unauthorized)
            let logged = try store.read { try $0.accessLog(since: Date(timeIntervalSince1970: 0), limit: 1000) }.count
            let outbox = try await client.execute(uri: "/sms/outbox?api_key=k-sms", method: .get)
            let messages = try #require(Self.json(outbox)["messages"] as? [[String: Any]])
            #expect(messages.count == 1 && messages[0]["to"] as? String == "13900000001" && (messages[0]["text"] as? String)?.contains(number) == true,
                    "\(messages)")
            let id = try #require(messages[0]["id"] as? Int)
            #expect(try await client.execute(uri: "/sms/outbox/\(id)/sent?api_key=k-app", method: .post).status == .unauthorized)
            let log = try store.read { try $0.accessLog(since: Date(timeIntervalSince1970: 0), limit: 1000) }
            #expect(log.count == logged + 1 && log.last?.account == "sms:gateway" && log.last?.subject == "\(id):\(secondNumber)", "the whole-phone read is recorded: \(log.suffix(2))")
            #expect(try await client.execute(uri: "/sms/outbox/\(id)/sent", method: .post, headers: json).status == .noContent)
            #expect(try await client.execute(uri: "/sms/outbox/\(id)/sent", method: .post, headers: json).status == .notFound, "sent once")
            #expect((Self.json(try await client.execute(uri: "/sms/outbox?api_key=k-sms", method: .get))["messages"] as? [Any])?.isEmpty == true)
            let open311 = String(buffer: try await client.execute(uri: "/open311/v2/requests/\(secondNumber).json", method: .get).body)
            // Open311's status notes say what the reporter was told.
            #expect(open311.contains("与编号\(number)为同一问题") && !open311.contains("13900000001"), "\(open311)")
        }
    }

    /// Open311 as its clients use it: a request with an address and no coordinates is located
    /// by the place it names (or held at the district's desk); a jurisdiction_id not served is
    /// refused; services are described in Chinese first.
    @Test func open311AddressOnlyAndJurisdiction() async throws {
        try await withCases { client, store in
            try store.write { try $0.addAppKey(name: "an-app", kind: .open311, keyHash: DeviceToken.hash("k-app")) }
            func post(_ fields: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                let r = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "api_key=k-app&service_code=0101&description=rubbish&" + fields))
                return (r.status, ((try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [[String: Any]])?.first ?? [:])
            }
            let named = try await post("address_string=%E4%B8%89%E9%A6%99%E7%A4%BE%E5%8C%BA%E9%97%A8%E5%8F%A3&jurisdiction_id=320599")
            #expect(named.0 == .created, "\(named.1)")
            let placed = try #require(try store.read { try $0.case(number: named.1["service_request_id"] as? String ?? "") })
            #expect(placed.place.community == "320599001001" && placed.address == "三香社区门口")
            let nowhere = try await post("address_string=somewhere%20else")
            let held = try #require(try store.read { try $0.case(number: nowhere.1["service_request_id"] as? String ?? "") })
            #expect(nowhere.0 == .created && held.place.community == nil && held.place.district == "320599" && held.state.holder == .region("320599"))
            #expect(try await post("address_string=x&jurisdiction_id=110000").0 == .notFound)
            #expect(try await post("lat=31.3").0 == .badRequest, "lat without long")
            let services = String(buffer: try await client.execute(uri: "/open311/v2/services.json", method: .get).body)
            #expect(services.contains("市容环境·暴露垃圾"), "\(services)")
        }
    }

    /// The residents' own page posts without a key: a public_web report, a name or phone only
    /// with consent; its token follows it — public fields, what the reporter was told, whether
    /// it may be rated.
    @Test func residentsReportWithoutAKeyAndFollowIt() async throws {
        try await withCases { client, store in
            func post(_ fields: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                let r = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "service_code=0101&description=rubbish&lat=31.305&long=120.7025&" + fields))
                return (r.status, ((try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [[String: Any]])?.first ?? [:])
            }
            #expect(try await post("phone=13800001111").0 == .unprocessableContent, "a phone without consent")
            #expect(try await post("consent=no").0 == .badRequest)
            #expect(try await post("api_key=wrong").0 == .forbidden)
            let made = try await post("first_name=%E7%8E%8B&phone=13800001111&consent=yes")
            #expect(made.0 == .created, "\(made.1)")
            let number = try #require(made.1["service_request_id"] as? String), token = try #require(made.1["token"] as? String)
            let stored = try #require(try store.read { try $0.case(number: number) })
            #expect(stored.source == .publicWeb && stored.reporter.phone == "13800001111")
            func follow() async throws -> [String: Any] {
                let r = try await client.execute(uri: "/open311/v2/tokens/\(token).json", method: .get)
                #expect(r.status == .ok)
                #expect(!String(buffer: r.body).contains("13800001111"), "no reporter")
                return ((try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [[String: Any]])?.first ?? [:]
            }
            let open = try await follow()
            #expect(open["service_request_id"] as? String == number && open["status"] as? String == "open" && open["rateable"] as? Bool == false)
            #expect((open["updates"] as? [Any])?.isEmpty == true)
            // Filed by the centre: the reporter was told, and the tracking page says so.
            var etag = try #require(try await client.execute(uri: "/api/v1/cases/\(number)", method: .get, headers: Self.headers("t-centre")).headers[.eTag])
            for step in [#"{"action":"verify"}"#, #"{"action":"file"}"#] {
                let r = try await client.execute(uri: "/api/v1/cases/\(number)/actions", method: .post, headers: Self.headers("t-centre", ifMatch: etag), body: ByteBuffer(string: step))
                #expect(r.status == .ok, "\(step): \(String(buffer: r.body))")
                etag = try #require(r.headers[.eTag])
            }
            let filed = try await follow()
            let told = try #require(filed["updates"] as? [[String: Any]])
            #expect(told.map { $0["status"] as? String } == ["investigating"], "\(filed)")
            #expect(try await client.execute(uri: "/open311/v2/tokens/nope.json", method: .get).status == .notFound)
        }
    }

    /// A PNG of one pixel.
    static var png: [UInt8] {
        var b = PhotoBytes.pngSignature
        func chunk(_ type: String, _ data: [UInt8]) {
            let body = Array(type.utf8) + data, crc = PhotoBytes.crc32(body[...])
            b += [UInt8(data.count >> 24), UInt8((data.count >> 16) & 0xFF), UInt8((data.count >> 8) & 0xFF), UInt8(data.count & 0xFF)] + body
                + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
        }
        chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])
        chunk("IDAT", [0x78, 0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01])
        chunk("IEND", [])
        return b
    }

    /// Open311 as FixMyStreet-style clients use it: a multipart post with a photo and a
    /// media_url; lat, long and radius on GET; servicerequestupdates saying what the reporter
    /// was told at each step; the reporter's rating with the token (不满意 reopens the case,
    /// once; a case not closed cannot be rated).
    @Test func open311PhotosNearbyUpdatesAndTheReportersRating() async throws {
        try await withCases { client, store in
            try store.write { try $0.addAppKey(name: "an-app", kind: .open311, keyHash: DeviceToken.hash("k-app")) }
            let boundary = "civicgrid-b0undary"
            func form(_ fields: [(String, String)], media: [UInt8]) -> ByteBuffer {
                var b = Array(fields.map { "--\(boundary)\r\nContent-Disposition: form-data; name=\"\($0.0)\"\r\n\r\n\($0.1)\r\n" }.joined().utf8)
                b += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n".utf8) + media + Array("\r\n".utf8)
                return ByteBuffer(bytes: b + Array("--\(boundary)--\r\n".utf8))
            }
            func post(_ fields: [(String, String)], media: [UInt8] = Self.png) async throws -> (HTTPResponse.Status, [String: Any]) {
                let r = try await client.execute(uri: "/open311/v2/requests.json", method: .post, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                                                 body: form(fields, media: media))
                return (r.status, ((try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [[String: Any]])?.first ?? [:])
            }
            let fields = [("api_key", "k-app"), ("service_code", "0101"), ("lat", "31.305"), ("long", "120.7025"), ("description", "门口垃圾满地"),
                          ("phone", "13800009999")]
            let posted = try await post(fields + [("media_url", "https://img.example.cn/a.jpg")])
            #expect(posted.0 == .created, "\(posted.1)")
            let number = try #require(posted.1["service_request_id"] as? String), token = try #require(posted.1["token"] as? String)
            #expect(try store.read { try $0.case(number: number) }?.mediaURL == "https://img.example.cn/a.jpg")
            #expect(try store.read { try $0.photos(case: number) }.map(\.mediaType) == ["image/png"])
            let one = String(buffer: try await client.execute(uri: "/open311/v2/requests/\(number).json", method: .get).body)
            #expect(one.contains(#""media_url":"https://img.example.cn/a.jpg""#) && !one.contains("13800009999"), "\(one)")
            // Refused, and nothing filed: a media_url that is no web address, a photo that is no image.
            let before = try store.read { try $0.caseCount(numberPrefix: "") }
            #expect(try await post(fields + [("media_url", "javascript:alert(1)")]).0 == .badRequest)
            let junk = try await post(fields, media: Array("not a picture".utf8))
            #expect(junk.0 == .badRequest, "\(junk.1)")
            #expect(try store.read { try $0.caseCount(numberPrefix: "") } == before)

            // Nearby, by the public point.
            func near(_ query: String) async throws -> (HTTPResponse.Status, [String]) {
                let r = try await client.execute(uri: "/open311/v2/requests.json?\(query)", method: .get)
                let list = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [[String: Any]] ?? []
                return (r.status, list.compactMap { $0["service_request_id"] as? String })
            }
            #expect(try await near("lat=31.3052&long=120.7025&radius=50").1 == [number], "22 m away")
            #expect(try await near("lat=31.3052&long=120.7025&radius=10").1.isEmpty)
            #expect(try await near("lat=31.305&long=120.7025").1 == [number], "1000 m by default")
            for bad in ["radius=10", "lat=31.3", "lat=31.3&long=120.7&radius=0", "lat=31.3&long=120.7&radius=60000", "lat=91&long=120.7"] {
                #expect(try await near(bad).0 == .badRequest, "\(bad)")
            }

            // Not closed yet: no rating.
            func rate(_ token: String, _ rating: String) async throws -> (HTTPResponse.Status, String) {
                let r = try await client.execute(uri: "/open311/v2/tokens/\(token).json", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "rating=\(rating)"))
                return (r.status, String(buffer: r.body))
            }
            #expect(try await rate(token, "3").0 == .conflict)
            var etag = try #require(try await client.execute(uri: "/api/v1/cases/\(number)", method: .get, headers: Self.headers("t-centre")).headers[.eTag])
            for (who, step) in [("t-centre", #"{"action":"verify"}"#), ("t-centre", #"{"action":"file"}"#), ("t-centre", #"{"action":"dispatch"}"#),
                                ("t-clean", #"{"action":"accept"}"#), ("t-clean", #"{"action":"handle","note":"已清运"}"#),
                                ("t-staff", #"{"action":"pass"}"#), ("t-centre", #"{"action":"close"}"#)] {
                let r = try await client.execute(uri: "/api/v1/cases/\(number)/actions", method: .post, headers: Self.headers(who, ifMatch: etag), body: ByteBuffer(string: step))
                #expect(r.status == .ok, "\(step): \(String(buffer: r.body))")
                etag = try #require(r.headers[.eTag])
            }
            // What the reporter was told, step by step.
            func updates() async throws -> [[String: Any]] {
                let r = try await client.execute(uri: "/open311/v2/servicerequestupdates.json", method: .get)
                #expect(r.status == .ok)
                return ((try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [[String: Any]] ?? []).filter { $0["service_request_id"] as? String == number }
            }
            let told = try await updates()
            #expect(told.compactMap { $0["status"] as? String } == ["investigating", "in_progress", "fixed", "closed"], "\(told)")
            #expect((told[1]["description"] as? String)?.contains("已交环卫处处理") == true && (told[2]["description"] as? String)?.contains("已清运") == true, "\(told)")
            let xml = String(buffer: try await client.execute(uri: "/open311/v2/servicerequestupdates.xml", method: .get).body)
            #expect(xml.contains("<service_request_updates><request_update><update_id>"), "\(xml)")
            #expect(try await client.execute(uri: "/open311/v2/servicerequestupdates.json?start_date=2026-01-01T00:00:00Z&end_date=2026-12-31T00:00:00Z", method: .get).status == .badRequest,
                    "more than 90 days")

            // The rating: a word or a digit; 不满意 reopens the case to sanitation, once.
            #expect(try await rate(token, "5").0 == .badRequest)
            #expect(try await rate("no-such-token", "1").0 == .notFound)
            let unhappy = try await rate(token, "3")
            #expect(unhappy.0 == .ok && unhappy.1.contains("重新交办理单位处理") && unhappy.1.contains(#""status":"open""#), "\(unhappy.1)")
            let reopened = try #require(try store.read { try $0.case(number: number) })
            #expect(reopened.state.holder == .department("D-SANITATION") && reopened.state.status.isOpen)
            #expect(try await rate(token, "3").0 == .conflict, "open again: nothing to rate")
            #expect(try await updates().last?["status"] as? String == "reopen")
            #expect(try store.read { try $0.history(case: number) }.map(\.action).suffix(2) == ["rate", "reopen"])
        }
    }

    /// Lists and queues: each role sees what waits on it, within its region.
    @Test func listsAndQueues() async throws {
        try await withCases { client, _ in
            var numbers: [String] = []
            for (token, body) in [("t-staff", Self.report), ("t-centre", Self.report), ("t-staff", Self.report)] {
                let r = try await client.execute(uri: "/api/v1/cases", method: .post, headers: Self.headers(token), body: ByteBuffer(string: body))
                numbers.append(try #require(Self.json(r)["number"] as? String))
            }
            // Dispatch the first to sanitation.
            var etag = try #require(try await client.execute(uri: "/api/v1/cases/\(numbers[0])", method: .get, headers: Self.headers("t-centre")).headers[.eTag])
            for step in [#"{"action":"file"}"#, #"{"action":"dispatch","department":"D-SANITATION"}"#] {
                let r = try await client.execute(uri: "/api/v1/cases/\(numbers[0])/actions", method: .post, headers: Self.headers("t-centre", ifMatch: etag), body: ByteBuffer(string: step))
                etag = try #require(r.headers[.eTag])
            }
            func list(_ token: String, _ query: String) async throws -> [String] {
                let r = try await client.execute(uri: "/api/v1/cases?\(query)", method: .get, headers: Self.headers(token))
                #expect(r.status == .ok, "\(query): \(String(buffer: r.body))")
                #expect(!String(buffer: r.body).contains("13800001234"))
                return (Self.json(r)["cases"] as? [[String: Any]] ?? []).compactMap { $0["number"] as? String }
            }
            #expect(try await list("t-centre", "") == numbers.reversed())
            #expect(try await list("t-centre", "queue=mine") == [numbers[2], numbers[1]], "verified, to file")
            #expect(try await list("t-clean", "queue=mine") == [numbers[0]])
            #expect(try await list("t-clean", "") == [numbers[0]], "a department lists what it holds")
            #expect(try await list("t-roads", "queue=mine") == [])
            #expect(try await list("t-centre", "status=dispatched") == [numbers[0]])
            #expect(try await list("t-centre", "limit=2").count == 2)
            let page = Self.json(try await client.execute(uri: "/api/v1/cases?limit=2", method: .get, headers: Self.headers("t-centre")))
            let next = try #require(page["next"] as? String)
            #expect(try await list("t-centre", String(next.split(separator: "?")[1])) == [numbers[0]])
            for bad in ["status=lost", "limit=0", "overdue=maybe", "queue=theirs", "region=999999"] {
                let r = try await client.execute(uri: "/api/v1/cases?\(bad)", method: .get, headers: Self.headers("t-staff"))
                #expect(r.status == .badRequest || r.status == .forbidden, "\(bad): \(r.status)")
            }
            #expect(try await client.execute(uri: "/api/v1/cases", method: .get, headers: Self.headers(nil)).status == .unauthorized)
            // A check given to a member of the community without the case's grid: in their queue
            // (with the assignee named), theirs to take; an assignment for a verified case or to
            // a department's account is refused.
            #expect(try await list("t-far", "queue=mine") == [])
            func act(_ token: String, _ number: String, _ step: String) async throws -> HTTPResponse.Status {
                let tag = try #require(try await client.execute(uri: "/api/v1/cases/\(number)", method: .get, headers: Self.headers("t-centre")).headers[.eTag])
                return try await client.execute(uri: "/api/v1/cases/\(number)/actions", method: .post, headers: Self.headers(token, ifMatch: tag),
                                                body: ByteBuffer(string: step)).status
            }
            #expect(try await act("t-centre", numbers[1], #"{"action":"assign","assignee":"far"}"#) == .conflict, "verified: nothing to assign")
            #expect(try await act("t-clean", numbers[0], #"{"action":"accept"}"#) == .ok)
            #expect(try await act("t-clean", numbers[0], #"{"action":"handle"}"#) == .ok)
            #expect(try await act("t-far", numbers[0], #"{"action":"pass"}"#) == .forbidden, "not in far's grids")
            #expect(try await act("t-centre", numbers[0], #"{"action":"assign"}"#) == .badRequest)
            #expect(try await act("t-centre", numbers[0], #"{"action":"assign","assignee":"clean"}"#) == .unprocessableContent)
            #expect(try await act("t-staff", numbers[0], #"{"action":"assign","assignee":"far"}"#) == .forbidden)
            #expect(try await act("t-centre", numbers[0], #"{"action":"assign","assignee":"far"}"#) == .ok)
            #expect(try await list("t-far", "queue=mine") == [numbers[0]])
            let assigned = Self.json(try await client.execute(uri: "/api/v1/cases?queue=mine", method: .get, headers: Self.headers("t-far")))
            #expect((assigned["cases"] as? [[String: Any]])?.first?["assignee"] as? String == "far")
            #expect(try await act("t-far", numbers[0], #"{"action":"pass"}"#) == .ok)
            #expect(try await list("t-far", "queue=mine") == [])
        }
    }

    /// Grid staff on patrol may leave the location out: their phone's latest fix stands in.
    @Test func staffReportsTakeTheirPhonesFix() async throws {
        try await withCases { client, store in
            let body = #"{"category":"0101","description":"rubbish"}"#
            let none = try await client.execute(uri: "/api/v1/cases", method: .post, headers: Self.headers("t-staff"), body: ByteBuffer(string: body))
            #expect(none.status == .badRequest, "no phone, no fix")
            let now = Date().timeIntervalSince1970
            try store.write { w in
                _ = try w.add(Device(id: "phone-1", memberName: "staff", grids: [], tokenHash: DeviceToken.hash("d-1")))
                _ = try w.insert([Ping(device: "phone-1", time: now - 60, lon: 120.7075, lat: 31.305, receivedAt: now - 60)])
            }
            let r = try await client.execute(uri: "/api/v1/cases", method: .post, headers: Self.headers("t-staff"), body: ByteBuffer(string: body))
            #expect(r.status == .created, "\(String(buffer: r.body))")
            #expect((Self.json(r)["place"] as? [String: String])?["grid"] == "320599001001002", "the fix's grid, east of the road")
            let centre = try await client.execute(uri: "/api/v1/cases", method: .post, headers: Self.headers("t-centre"), body: ByteBuffer(string: body))
            #expect(centre.status == .badRequest, "the command centre names the place")
        }
    }

    /// Public intake is rate-limited: a sender's 21st message within the hour is a 429.
    @Test func aFloodOfMessagesIsRefused() async throws {
        try await withCases { client, store in
            try store.write { try $0.addAppKey(name: "gateway", kind: .sms, keyHash: DeviceToken.hash("k-sms")) }
            var statuses: [HTTPResponse.Status] = []
            var retry: String?
            for _ in 0..<21 {
                // One complaint, sent again and again: the first files it, the rest are follow-ups.
                let r = try await client.execute(uri: "/sms", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "api_key=k-sms&from=13900000009&category=0101&text=x"))
                statuses.append(r.status)
                retry = r.headers[.retryAfter]
            }
            #expect(statuses.first == .created && statuses.dropFirst().prefix(19).allSatisfy { $0 == .ok } && statuses.last == .tooManyRequests, "\(statuses)")
            #expect(retry.flatMap(Int.init).map { $0 > 0 && $0 <= 3600 } == true)
            #expect(try store.read { try $0.caseCount(numberPrefix: "2") } == 1)
            #expect(try store.read { try $0.cases(CaseFilter()) }.first?.followUps == 19)
        }
    }
}

struct WebhookWaitTests {
    /// A failing receiver is tried again after 2, 4, 8 … s, never later than the longest wait.
    @Test func waitsDoubleUpToTheLongest() {
        #expect((0..<10).map { WebhookDeliverer.wait(afterAttempts: $0, longest: 300) } == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300])
        #expect((0..<3).map { WebhookDeliverer.wait(afterAttempts: $0, longest: 5) } == [2, 4, 5])
        #expect(WebhookDeliverer.wait(afterAttempts: 10_000, longest: 86_400) == 86_400)
    }
}
