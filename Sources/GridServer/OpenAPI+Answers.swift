import CivicGridModel
import Foundation
import GridAssessment
import GridGeometry
import GridPeople
import GridStore

/// The answers' schemas, made by `Schema.of` from an example of each answer type (the same
/// types the handlers answer with), and kept in the document's components with the example.
extension OpenAPI {
    /// Decodes an example of a `Codable` type written as JSON (types whose initialisers live in
    /// other modules).
    private static func decoded<T: Decodable>(_ json: String) -> T? { try? JSONDecoder().decode(T.self, from: Data(json.utf8)) }

    static var answerExamples: [String: any Encodable] {
        let ping = Ping(device: "phone-1", time: 1_764_489_600, lon: 120.7, lat: 31.3, accuracy: 8, speed: 1.2, heading: 90, altitude: 12, battery: 0.8,
                        receivedAt: 1_764_489_601, community: "320599001001")
        let position = LiveController.Position(DevicePosition(ping: ping, gridCode: "320599001001001", member: 7), now: 1_764_489_612, offlineAfter: 600,
                                               staff: .init(name: "王芳", phone: "138****5678"))
        var examples: [String: any Encodable] = [
            "LivePositions": FeatureCollectionAnswer(features: [position]),
            "LoginLink": SignInController.LinkView(name: "王芳", link: "/m/#login=…", url: "https://grid.example/m/#login=…", expiresAt: "2026-11-30T08:15:00.000Z", qrSVG: "<svg …/>"),
            "Session": SignInController.SessionView(name: "王芳", role: "member", token: "…", device: "web-7-a1b2c3", deviceToken: "…"),
            "StaffMember": LiveController.StaffView(name: "王芳", region: "320599001001", grids: ["320599001001001"], phone: "138****5678"),
            "GeofenceEvents": FeatureCollectionAnswer(features: [HistoryController.Event(id: 1, geometry: PointGeometry(120.7, 31.3), properties: .init(
                device: "phone-1", member: 7, kind: "leave", time: "2026-11-30T08:00:00Z", confirmedAt: "2026-11-30T08:02:00Z", grid: "320599001001001"))]),
            "Track": HistoryController.TrackFeature(id: "phone-1", geometry: Nullable(.init(coordinates: [[120.7, 31.3], [120.71, 31.3]])),
                                                    properties: .init(device: "phone-1", from: "2026-11-29T08:00:00Z", to: "2026-11-30T08:00:00Z", fixes: 2, points: 2, simplifyM: 0)),
            "Coverage": HistoryController.Coverage(date: "2026-11-30", from: "2026-11-29T16:00:00Z", to: "2026-11-30T16:00:00Z", radiusM: 50, grids: [
                .init(grid: "320599001001001", community: "320599001001", members: [7], buildings: 40, covered: 31, share: 0.775, fixes: 120)]),
            "AuditLine": PlansController.AuditLine(id: 1, at: "2026-11-30T08:00:00.000Z", actor: "li", plan: Nullable(3), community: Nullable("320599001001"),
                                                   action: "edit", detail: ["op": "move"]),
            "Diff": PlansController.Diff(from: 1, to: 2, community: "320599001001", grids: .init(added: ["320599001001004"], removed: [], changed: ["320599001001001"], unchanged: 2),
                                         buildingsMoved: 1, householdsMoved: 40, moves: [.init(building: 12, households: 40, from: Nullable("320599001001001"), to: Nullable(nil))]),
            "RegionSummary": WebController.RegionSummary(code: "320599001", name: "明月街道", level: .street, parent: "320599", bbox: [120.6, 31.2, 120.8, 31.4]),
            "Landing": WebController.Landing(links: [Link("self", "application/json", "This document", "https://cg.example/")]),
            "Case": CaseDocument(exampleCase, history: [CaseEvent(at: exampleCase.createdAt, actor: "王芳", action: "report", from: nil, to: .reported, holder: "320599001001",
                                                             note: "现场拍照", detail: ["via": "m"])],
                                 photos: [CasePhoto(sha256: "ab12…", mediaType: "image/jpeg", bytes: 120_000)],
                                 route: CaseRoute(department: "320599-SZ", why: "routing rule 3: 0101 in 320599", rule: 3), personal: false,
                                 duplicates: [("202611290007", 42.5)], now: exampleCase.createdAt),
            "CaseList": CasesController.CaseList(cases: [.init(exampleCase, now: exampleCase.createdAt)], numberReturned: 1, numberMatched: 1,
                                                 next: "/api/v1/cases?limit=1&offset=1"),
            "IngestReport": IngestController.IngestReport(accepted: 3, stored: 2, duplicates: 1, flagged: [.init(index: 1, flags: [.init("jump")])],
                                                          rejected: [.init(index: 3, reason: "lat is out of range")]),
            "SMSReply": SMSController.Reply(case: "202611300001", reply: "已受理，编号202611300001。", repeat: false),
            "SMSOutbox": SMSController.Messages(messages: [.init(id: 1, to: "13812345678", case: "202611300001", text: "您反映的问题已并入202611300001处理。")]),
            "PlanSummary": PlansController.Summary(Plan(id: 3, community: "320599001001", status: .draft, basedOn: 2, author: "li", createdAt: "2026-11-30T08:00:00.000Z",
                                                        updatedAt: "2026-11-30T08:10:00.000Z", version: 2, params: nil)),
        ]
        let codable: [(String, String, (String) -> (any Encodable)?)] = [
            ("Organisation", #"{"code":"O000001","name":"和兴超市","kind":"individual_business","licence":"92320500MA1XXXXX0X","contact_name":"陈**","contact_phone":"132****6915","building":12,"unit":"1-1-101","employees":5,"grid":"320599001001001","community":"320599001001","lon":120.7,"lat":31.3,"masked":true}"#,
             { decoded($0) as PeopleController.OrganisationView? }),
            ("BuildingHouseholds", #"{"building":12,"floors":6,"households":24,"height":18,"units":[{"id":1,"unit":"1-1-101","entrance":1,"floor":1,"size":3,"members":3}],"organisations":[{"code":"O000001","name":"和兴超市","kind":"individual_business","unit":"1-1-101"}]}"#,
             { decoded($0) as PeopleController.BuildingHouseholds? }),
            ("Member", #"{"id":1,"name":"陈**","relation":"head","sex":"F","birth_year":1970,"id_number":"320***********123X","phone":"132****6915","tags":["elderly"],"masked":true}"#,
             { decoded($0) as MemberView? }),
            ("SearchHit", #"{"kind":"person","id":"1","title":"陈**","subtitle":"梅巷12幢 1-1-101","lon":120.7,"lat":31.3,"community":"320599001001","household":1,"building":12}"#,
             { decoded($0) as SearchHit? }),
            ("FieldUpdate", #"{"id":1,"kind":"person.update","fields":{"person":1,"phone":"132****6915"},"grid":"320599001001001","community":"320599001001","submitted_by":"wang","submitted_at":"2026-11-30T08:00:00Z","status":"approved","reviewed_by":"boss","reviewed_at":"2026-11-30T09:00:00Z","note":"checked","result":"person 1 updated"}"#,
             { decoded($0) as FieldUpdatesController.View? }),
            ("TileJSON", #"{"tilejson":"3.0.0","name":"CivicGrid","description":"…","version":"1.0.0","scheme":"xyz","tiles":["https://cg.example/tiles/{z}/{x}/{y}.mvt"],"minzoom":0,"maxzoom":16,"vector_layers":[{"id":"grids","description":"Unit grids","minzoom":10,"maxzoom":16,"fields":{"code":"String"}}],"bounds":[120.6,31.2,120.8,31.4],"center":[120.7,31.3,12]}"#,
             { decoded($0) as TilesController.TileJSON? }),
            ("CaseStatistics", #"{"period":"2026-11","region":"320599","reports":10,"by_category":[{"key":"0101","name":"井盖","count":4}],"by_source":[{"key":"grid_staff","count":6}],"by_status":[{"key":"closed","count":3}],"by_hour":[0,1],"per_day":[{"day":"2026-11-01","reports":1,"filed":1,"closed":0,"due_to_close":0}]}"#,
             { decoded($0) as CaseStatistics? }),
            ("BasicStatistics", #"{"region":"320599","band":[350,500],"households_per_grid":[{"from":350,"count":2}],"grids_by_band":[{"community":"320599001001","name":"明月社区","below":0,"within":3,"above":0}],"buildings_by_floors":[{"from":6,"count":40}],"by_region":[{"code":"320599001","name":"明月街道","buildings":100,"households":1200,"people":3000,"grids":3}],"staff_per_grid":[{"from":1,"count":3}]}"#,
             { decoded($0) as BasicStatistics? }),
        ]
        for (name, json, make) in codable { if let example = make(json) { examples[name] = example } }
        return examples
    }

    /// A case with every optional field filled: the examples' case.
    static var exampleCase: CaseRecord {
        let at = Date(timeIntervalSince1970: 1_764_489_600)
        var state = CaseState(status: .dispatched, holder: .department("320599-SZ"), pending: TimeLimit("2d").map(CaseRequest.extension))
        state.assignee = "王芳"
        return CaseRecord(number: "202611300001", category: "0101", urgency: .normal, description: "井盖缺失", source: .gridStaff,
                          location: Coordinate(120.7, 31.3), address: "明月社区1幢", place: CasePlace(grid: "320599001001001", community: "320599001001",
                                                                                                  street: "320599001", district: "320599"),
                          reporter: Reporter(name: "王**", phone: "138****5678"), state: state, stepStarted: at, due: at.addingTimeInterval(86_400),
                          duplicateOf: "202611290007", createdAt: at, updatedAt: at, closedAt: at.addingTimeInterval(172_800), categoryConfidence: 0.92)
    }

    /// Each example's schema, by name.
    static var answerSchemas: [String: JSONValue] { answerExamples.mapValues { Schema.of($0) } }

    /// A JSON answer of a named schema (an array of them with `array`).
    static func answer(_ name: String, array: Bool = false, geo: Bool = false) -> JSONValue {
        let ref: JSONValue = ["$ref": .string("#/components/schemas/\(name)")]
        return ["description": "OK", "content": .object([geo ? "application/geo+json" : "application/json": ["schema": array ? ["type": "array", "items": ref] : ref]])]
    }
}
