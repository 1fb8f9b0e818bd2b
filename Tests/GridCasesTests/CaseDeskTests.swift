import CivicGridModel
import Foundation
import GridCases
import GridDemo
import GridGeometry
import GridImport
import GridPlanning
import GridSchema
import GridStore
import GridTestSupport
import Testing

/// The loop over a real database: the demo's regions and buildings, one community divided and
/// published, the shipped catalogue and the 2026 calendar, accounts of every role.
final class CaseFixture: @unchecked Sendable {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let community = "320599001001"
    let store: GridStore
    var desk: CaseDesk
    let dispatcher, roads, sanitation, staff, farStaff, viewer, outsider: Account
    /// Inside the community: a building's label point.
    let spot: Coordinate
    let grid: String
    /// The clock: a Monday morning, moved by the tests.
    let clock = Clock()

    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value = CaseFixture.at("2026-11-30T09:00")
        var now: Date { lock.withLock { value } }
        func set(_ d: Date) { lock.withLock { value = d } }
    }

    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text + ":00+08:00")! }

    init() throws {
        let path = TestDatabase.make("cases")
        let store = try GridStore(path: path)
        self.store = store
        let importer = Importer(store: store)
        for file in DemoCity.files.prefix(3) {
            _ = try importer.run(ImportKind(rawValue: String(file.dropLast(8)))!, path: Self.repository.appendingPathComponent("Data/demo/\(file)").path)
        }
        let planner = Planner(store: store)
        var options = PartitionOptions()
        options.region = Self.community
        _ = try planner.partition(options)
        _ = try planner.publishNewestDrafts(override: nil, actor: "test")
        let data = Self.repository.appendingPathComponent("Data/cases")
        let categories = try CaseCatalogue.categories(csv: String(decoding: try Data(contentsOf: data.appendingPathComponent("categories.csv")), as: UTF8.self))
        let departments = try CaseCatalogue.departments(csv: String(decoding: try Data(contentsOf: data.appendingPathComponent("departments.csv")), as: UTF8.self))
        let calendar = try CaseCatalogue.calendar(json: try Data(contentsOf: data.appendingPathComponent("calendar-2026.json")))
        let (grid, label) = try store.read { r in
            let plan = try #require(try r.publishedPlan(community: Self.community))
            let g = try #require(try r.grids(plan: plan.id).first)
            let assignment = try r.gridOfBuildings(plan: plan.id)
            let b = try #require(try r.buildings(community: Self.community).first { assignment[$0.id!] == g.id })
            return (g.code, b.label)
        }
        self.grid = grid
        spot = label
        func account(_ name: String, _ role: Role, _ region: String?, _ department: String? = nil, grids: [String] = []) throws -> Account {
            try store.write { w in
                let id = try w.addAccount(name: name, role: role, region: region, department: department)
                try w.addGrids(grids, account: id)
                return try #require(try w.reader.account(name: name))
            }
        }
        try store.write { w in
            try w.save(categories)
            try w.save(departments)
            try w.save(calendar)
        }
        dispatcher = try account("centre", .dispatcher, "320599")
        roads = try account("roads", .department, "320599", "D-ROADS")
        sanitation = try account("sanitation", .department, "320599", "D-SANITATION")
        staff = try account("staff", .member, Self.community, grids: [grid])
        farStaff = try account("far staff", .member, Self.community)
        viewer = try account("viewer", .viewer, "320599")
        outsider = try account("outsider", .dispatcher, "320599004")
        var desk = CaseDesk(store: store)
        let clock = self.clock
        desk.now = { clock.now }
        self.desk = desk
    }

    /// A report by a resident of their own (each report another phone: one resident's
    /// repeats attach to their open case).
    func report(_ category: String = "0101", by account: Account?, source: CaseSource = .publicWeb) throws -> CaseRecord {
        let phone = lock.withLock { reports += 1; return String(format: "1380000%04d", reports) }
        return try desk.report(CaseReport(category: category, description: "rubbish by the gate", location: spot, source: source,
                                          reporter: Reporter(name: "王某", phone: phone)), by: account)
    }
    private let lock = NSLock()
    private var reports = 0

    @discardableResult
    func act(_ action: CaseAction, _ c: inout CaseRecord, by account: Account, note: String? = nil) throws -> CaseRecord {
        c = try desk.act(action, on: c.number, by: account, version: c.version, note: note)
        return c
    }
}

struct CaseDeskTests {
    @Test func aReportLandsInItsGridAndWalksTheLoop() throws {
        let f = try CaseFixture()
        var c = try f.report(by: nil, source: .publicWeb)
        #expect(c.number == "202611300001" && c.state.status == .reported)
        #expect(c.place == CasePlace(grid: f.grid, community: CaseFixture.community, street: "320599001", district: "320599"))
        #expect(c.state.holder == .region(CaseFixture.community))
        #expect(c.due == CaseFixture.at("2026-11-30T10:00"), "verify: 1 working hour")
        #expect(try f.report(by: f.staff).number == "202611300002", "a day's numbers count up")
        try f.act(.verify, &c, by: f.staff)
        try f.act(.file, &c, by: f.dispatcher)
        #expect(try f.desk.route(c.number)?.department == "D-SANITATION")
        try f.act(.dispatch(.department("D-SANITATION")), &c, by: f.dispatcher)
        #expect(c.due == CaseFixture.at("2026-12-01T09:00"), "handle: 1 working day from dispatch")
        try f.act(.accept, &c, by: f.sanitation)
        try f.act(.handle, &c, by: f.sanitation, note: "cleared")
        try f.act(.pass, &c, by: f.staff)
        try f.act(.close, &c, by: f.dispatcher)
        #expect(c.state.status == .closed && c.closedAt != nil && c.due == nil && c.version == 8)
        let history = try f.store.read { try $0.history(case: c.number) }
        #expect(history.map(\.action) == ["report", "verify", "file", "dispatch", "accept", "handle", "pass", "close"])
        #expect(history.last?.to == .closed && history[5].note == "cleared")
        #expect(history[3].detail == ["department": "D-SANITATION"] && history[1].detail.isEmpty, "what a replay needs")
        // What was stored is what was answered.
        #expect(try f.store.read { try $0.case(number: c.number) } == c)
    }

    /// Separation of duties (issue 33): a street's dispatcher dispatches only to desks in its
    /// subtree, never up to the district's desk; whoever handed a case in as handled does not
    /// check it — a desk that handled its own case, or an admin, needs another account.
    @Test func dutiesAreSeparated() throws {
        let f = try CaseFixture()
        let street = try f.store.write { w in
            _ = try w.addAccount(name: "street centre", role: .dispatcher, region: "320599001")
            return try #require(try w.reader.account(name: "street centre"))
        }
        var c = try f.report(by: f.staff)
        try f.act(.file, &c, by: f.dispatcher)
        let filed = c
        #expect(throws: CaseError.self) { try f.act(.dispatch(.region("320599")), &c, by: street) }
        #expect(c == filed, "nothing changed")
        try f.act(.dispatch(.region(CaseFixture.community)), &c, by: street)
        try f.act(.accept, &c, by: street)
        try f.act(.handle, &c, by: street)
        let handled = c
        for check in [CaseAction.pass, .fail] {
            do {
                try f.act(check, &c, by: street)
                Issue.record("\(check.name) by the account that handled it was taken")
            } catch let e as CaseError {
                #expect(e.kind == .forbidden && e.message.contains("another account"), "\(e)")
            }
        }
        #expect(try f.store.read { try $0.case(number: c.number) } == handled)
        try f.act(.pass, &c, by: f.staff)
        #expect(c.state.status == .checked)

        // A duplicate of a case in another street: refused as if there were no such case.
        let far = try #require(try f.store.read { try $0.regions(level: .community) }.first { !$0.code.hasPrefix("320599001") }?.geometry.pointInside)
        let other = try f.desk.report(CaseReport(category: "0101", description: "elsewhere", location: far, source: .hotline), by: f.dispatcher)
        var mine = try f.report(by: f.staff)
        for original in [other.number, "209901019999"] {
            do {
                try f.act(.void(.duplicate, duplicateOf: original), &mine, by: street)
                Issue.record("voided as a duplicate of \(original)")
            } catch let e as CaseError {
                #expect(e.kind == .invalid && e.message == "no other case \(original)", "\(e)")
            }
        }
    }

    /// The dispatcher gives a verification or a check to a grid staff member of the case's
    /// region (not its grid's): theirs to take, on the step's running deadline, recorded and
    /// never to someone outside the region or who is not grid staff.
    @Test func assignGivesAStepToAMemberOnItsDeadline() throws {
        let f = try CaseFixture()
        try f.store.write { w in _ = try w.addAccount(name: "elsewhere", role: .member, region: "320599004") }
        var c = try f.report(by: nil)
        let (due, started) = (c.due, c.stepStarted)
        #expect(throws: CaseError.self) { try f.act(.verify, &c, by: f.farStaff) }
        for (name, by) in [("far staff", f.staff), ("elsewhere", f.dispatcher), ("roads", f.dispatcher), ("nobody", f.dispatcher)] {
            #expect(throws: CaseError.self, "\(name) by \(by.name)") { try f.act(.assign(name), &c, by: by) }
        }
        f.clock.set(CaseFixture.at("2026-11-30T09:20"))
        try f.act(.assign("far staff"), &c, by: f.dispatcher, note: "王 is nearer")
        #expect(c.state.assignee == "far staff" && c.due == due && c.stepStarted == started, "the clock runs on")
        #expect(try f.store.read { try $0.case(number: c.number) } == c)
        #expect(try f.store.read { try $0.history(case: c.number) }.last?.detail == ["assignee": "far staff"])
        try f.act(.verify, &c, by: f.farStaff)
        #expect(c.state.status == .verified && c.state.assignee == nil)
        try f.act(.file, &c, by: f.dispatcher)
        try f.act(.dispatch(.department("D-SANITATION")), &c, by: f.dispatcher)
        try f.act(.accept, &c, by: f.sanitation)
        try f.act(.handle, &c, by: f.sanitation)
        try f.act(.assign("far staff"), &c, by: f.dispatcher)
        try f.act(.pass, &c, by: f.farStaff)
        #expect(c.state.status == .checked)
        #expect(throws: CaseError.self, "checked: nothing to assign") { try f.act(.assign("far staff"), &c, by: f.dispatcher) }
    }

    /// Public facilities: imported all or nothing with every refused feature named; a case that
    /// names one takes its category and place, and the facility lists it.
    @Test func facilitiesAreImportedAndNamedByCases() throws {
        let f = try CaseFixture()
        func point(_ code: String, _ category: String, status: String = "intact", at p: Coordinate? = nil) -> Feature {
            Feature(id: .string(code), geometry: .point(p ?? f.spot), properties: ["code": .string(code), "category": .string(category), "status": .string(status)])
        }
        let bad = [point("L1", "5101"), point("L1", "5101"), point("L2", "0101"), point("L3", "9999"), point("L4", "5101", status: "broken"),
                   Feature(id: nil, geometry: .lineString(LineString(unchecked: [f.spot, Coordinate(f.spot.x + 0.001, f.spot.y)])), properties: ["code": "L5"]),
                   point("L6", "5101", at: Coordinate(10, 10))]
        do {
            _ = try f.desk.importFacilities(bad)
            Issue.record("refused")
        } catch {
            for text in ["feature 1: code L1 also feature 0", "feature 2: category 0101: not a facility category", "feature 3: category 9999: not in the catalogue",
                         "feature 4: status: intact, damaged or lost", "feature 5: a facility is a point", "feature 6: outside every region",
                         "refused 6 of 7 facilities; nothing was written"] {
                #expect(error.description.contains(text), "\(text) in \(error)")
            }
        }
        #expect(try f.store.read { try $0.facilityCount() } == 0)
        #expect(try f.desk.importFacilities([point("L1", "5101", status: "damaged")]) == 1)
        let lamp = try #require(try f.store.read { try $0.facility(code: "L1") })
        #expect(lamp.status == .damaged && lamp.place.grid == f.grid && lamp.department != nil)
        var report = CaseReport(category: "", description: "the lamp is out", location: Coordinate(0, 0), source: .gridStaff)
        report.facility = "L1"
        let c = try f.desk.report(report, by: f.staff)
        #expect(c.category == "5101" && c.location == f.spot && c.place.grid == f.grid)
        #expect(try f.store.read { try $0.cases(facility: lamp.id ?? 0) }.map(\.number) == [c.number])
        report.facility = "L9"
        #expect(throws: CaseError.self) { try f.desk.report(report, by: f.staff) }
    }

    @Test func staleVersionsAndDeniedStepsChangeNothing() throws {
        let f = try CaseFixture()
        let c = try f.report(by: f.staff)
        #expect(c.state.status == .verified, "grid staff reports are verified")
        #expect(throws: CaseError(.precondition, "case \(c.number) is at version 1, not 0: reload it")) {
            try f.desk.act(.file, on: c.number, by: f.dispatcher, version: 0)
        }
        for (account, action) in [(f.viewer, CaseAction.file), (f.roads, .file), (f.outsider, .file), (f.farStaff, .verify), (f.staff, .file),
                                  (f.dispatcher, .close), (f.dispatcher, .dispatch(.department("NOPE"))), (f.dispatcher, .escalate(to: "320599004"))] {
            #expect(throws: CaseError.self) { try f.desk.act(action, on: c.number, by: account, version: c.version) }
        }
        #expect(try f.store.read { try $0.case(number: c.number) } == c)
        #expect(try f.store.read { try $0.history(case: c.number) }.count == 1)
        #expect(throws: CaseError(.notFound, "no case 209901010001")) { try f.desk.act(.file, on: "209901010001", by: f.dispatcher, version: 1) }
        // Reports outside the jurisdiction or the reporter's region are refused, nothing stored.
        #expect(throws: CaseError.self) {
            try f.desk.report(CaseReport(category: "0101", description: "x", location: Coordinate(0, 0), source: .publicWeb), by: nil)
        }
        #expect(throws: CaseError.self) {
            try f.desk.report(CaseReport(category: "9999", description: "x", location: f.spot, source: .publicWeb), by: nil)
        }
        #expect(throws: CaseError.self) {
            try f.desk.report(CaseReport(category: "0101", description: " ", location: f.spot, source: .publicWeb), by: nil)
        }
        #expect(throws: CaseError.self) { try f.desk.report(CaseReport(category: "0101", description: "x", location: f.spot, source: .gridStaff), by: f.outsider) }
        #expect(try f.store.read { try $0.caseCount(numberPrefix: "2026") } == 1)
    }

    @Test func returnReworkAndEscalation() throws {
        let f = try CaseFixture()
        var c = try f.report(by: f.staff)
        try f.act(.file, &c, by: f.dispatcher)
        try f.act(.escalate(to: "320599001"), &c, by: f.dispatcher)
        #expect(c.state.holder == .region("320599001") && c.state.escalations == 1)
        try f.act(.dispatch(.department("D-ROADS")), &c, by: f.dispatcher, note: "the heap blocks the road")
        try f.act(.return, &c, by: f.roads, note: "not roads")
        #expect(c.state.status == .filed && c.state.holder == .region("320599001") && c.state.returns == 1)
        try f.act(.dispatch(.department("D-SANITATION")), &c, by: f.dispatcher)
        try f.act(.accept, &c, by: f.sanitation)
        try f.act(.handle, &c, by: f.sanitation)
        try f.act(.fail, &c, by: f.staff, note: "still there")
        #expect(c.state.status == .dispatched && c.state.reworks == 1 && c.state.holder == .department("D-SANITATION"))
    }

    /// The route: the catalogue's department, or a routing rule's; a dispatch off it needs the
    /// dispatcher's reason and is marked, so that it counts against accurate dispatch.
    @Test func routeAndDispatchOffIt() throws {
        let f = try CaseFixture()
        var c = try f.report(by: f.staff)
        try f.act(.file, &c, by: f.dispatcher)
        #expect(try f.desk.route(c.number) == CaseRoute(department: "D-SANITATION", why: "the catalogue sends 0101 暴露垃圾 to D-SANITATION"))
        try f.store.write { try $0.replaceRoutingRules([RoutingRule(category: "01", region: "320599001", department: "D-CITYMGMT", priority: 1)]) }
        let ruled = try #require(try f.desk.route(c.number))
        #expect(ruled.department == "D-CITYMGMT" && ruled.rule != nil && ruled.why.contains("01 in 320599001"))
        let filed = c
        #expect(throws: CaseError.self) { try f.act(.dispatch(.department("D-ROADS")), &c, by: f.dispatcher) }
        #expect(throws: CaseError.self) { try f.act(.dispatch(.department("D-ROADS")), &c, by: f.dispatcher, note: "  ") }
        #expect(c == filed, "refused, nothing changed")
        // D-SANITATION handles 01: not off the route though the rule says otherwise.
        var other = try f.report(by: f.staff)
        try f.act(.file, &other, by: f.dispatcher)
        try f.act(.dispatch(.department("D-SANITATION")), &other, by: f.dispatcher)
        #expect(try f.store.read { try $0.history(case: other.number) }.last?.detail == ["department": "D-SANITATION"])
        try f.act(.dispatch(.department("D-ROADS")), &c, by: f.dispatcher, note: "the heap blocks the road")
        #expect(try f.store.read { try $0.history(case: c.number) }.last?.detail == ["department": "D-ROADS", "off_route": "true"])
    }

    /// A located message about chimney smoke, a category the catalogue dispatches on its own
    /// from SMS: verified, filed and dispatched to the environment bureau by `routing`, the
    /// history saying why; the same sender repeating it while it is open is attached to it.
    @Test func automaticDispatchAndRepeats() throws {
        let f = try CaseFixture()
        try f.store.write { w in
            try w.replaceCategoryExamples(try CategoryClassifierTests.catalogue().examples.map { ($0.category, $0.text) })
        }
        let community = try #require(try f.store.read { try $0.region(code: CaseFixture.community) })
        let (c, reply) = try f.desk.reportSMS(from: "13900000003", text: "\(community.name)旁边工厂三根烟囱日夜冒黑烟")
        #expect(c.category == "0107" && c.place.community == CaseFixture.community)
        #expect(c.state.status == .dispatched && c.state.holder == .department("D-ENVIRONMENT"), "\(c.state)")
        #expect(reply.contains(c.number))
        let history = try f.store.read { try $0.history(case: c.number) }
        #expect(history.map(\.action) == ["report", "verify", "file", "dispatch"] && history.dropFirst().allSatisfy { $0.actor == "routing" })
        #expect(history[1].note?.contains("automatic for 0107") == true && history[3].note?.contains("D-ENVIRONMENT") == true, "\(history)")
        // The sender hears that it was filed and where it went, by SMS; Open311 shows the same.
        let told = try f.store.read { try $0.waitingNotices(channel: "sms") }.filter { $0.to == "13900000003" }.map(\.text)
        #expect(told.count == 2 && told[0].hasPrefix("您反映的问题（编号\(c.number)）已立案") && told[1].contains("已交区生态环境局处理"), "\(told)")
        #expect(try f.store.read { try $0.case(number: c.number) }?.publicNote == told.last)
        // Twenty messages about one smoke: one case, nineteen follow-ups, each told its number.
        for i in 1...19 {
            let (again, answer) = try f.desk.reportSMS(from: "13900000003", text: "\(community.name)那个烟囱还在冒黑烟（第\(i + 1)次）")
            #expect(again.number == c.number && answer.contains("正在处理中") && answer.contains(c.number))
        }
        #expect(try f.store.read { try $0.case(number: c.number) }?.followUps == 19)
        #expect(try f.store.read { try $0.caseCount(numberPrefix: "2") } == 1)
        // Another sender, or a message naming nowhere, is a case of its own; a dispatcher's
        // hotline report of the category is not dispatched by the system.
        #expect(try f.desk.reportSMS(from: "13900000004", text: "\(community.name)旁边工厂三根烟囱日夜冒黑烟").0.number != c.number)
        let nowhere = try f.desk.reportSMS(from: "13900000005", text: "工厂三根烟囱日夜冒黑烟").0
        #expect(nowhere.state.status == .reported && nowhere.place.community == nil)
        var hotline = CaseReport(category: "0107", description: "烟囱冒黑烟", location: f.spot, source: .hotline)
        hotline.reporter = Reporter(phone: "13900000006")
        #expect(try f.desk.report(hotline, by: f.dispatcher).state.status == .verified)
    }

    /// The loop closes with the public (回访): an SMS reporter hears each step, is asked after
    /// closing, and 不满意 reopens the case to its handler — once; the second is only recorded.
    @Test func theReporterIsToldAndAskedAndDissatisfactionReopensOnce() throws {
        let f = try CaseFixture()
        let community = try #require(try f.store.read { try $0.region(code: CaseFixture.community) })
        var c = try f.desk.reportSMS(from: "13900000007", text: "\(community.name)门口乱扔垃圾", category: "0101").0
        try f.act(.verify, &c, by: f.dispatcher)
        try f.act(.file, &c, by: f.dispatcher)
        try f.act(.dispatch(.department("D-SANITATION")), &c, by: f.dispatcher)
        try f.act(.accept, &c, by: f.sanitation)
        try f.act(.handle, &c, by: f.sanitation, note: "垃圾已清运")
        try f.act(.pass, &c, by: f.dispatcher)
        try f.act(.close, &c, by: f.dispatcher)
        func told() throws -> [String] { try f.store.read { try $0.waitingNotices(channel: "sms") }.filter { $0.to == "13900000007" }.map(\.text) }
        let texts = try told()
        #expect(texts.count == 4 && texts[0].contains("已立案") && texts[1].contains("已交区环境卫生管理处处理") && texts[2].contains("已处理：垃圾已清运")
                && texts[3].contains("已办结") && texts[3].contains("1 满意"), "\(texts)")
        // Not a rating: a message like any other. A rating: recorded; 不满意 reopens it.
        #expect(try f.desk.rate(from: "13900000007", text: "谢谢") == nil)
        #expect(try f.desk.rate(from: "13900000099", text: "3") == nil, "no case closed for this phone")
        let (reopened, reply) = try #require(try f.desk.rate(from: "13900000007", text: " 3 "))
        #expect(reopened.number == c.number && reopened.state.status == .dispatched && reopened.state.holder == .department("D-SANITATION"))
        #expect(reopened.state.reworks == 1 && reopened.closedAt == nil && reply.contains("重新"), "\(reply)")
        #expect(try told().last?.contains("已重新交区环境卫生管理处办理") == true)
        c = reopened
        try f.act(.accept, &c, by: f.sanitation)
        try f.act(.handle, &c, by: f.sanitation, note: "再次清运")
        try f.act(.pass, &c, by: f.dispatcher)
        try f.act(.close, &c, by: f.dispatcher)
        let (again, _) = try #require(try f.desk.rate(from: "13900000007", text: "不满意"))
        #expect(again.state.status == .closed && again.state.reworks == 1, "reopened once, not twice")
        #expect(try f.desk.rate(from: "13900000007", text: "1") == nil, "rated since its closing")
        let history = try f.store.read { try $0.history(case: c.number) }.map(\.action)
        #expect(history.suffix(7) == ["rate", "reopen", "accept", "handle", "pass", "close", "rate"], "\(history)")
        // The assessment counts its first rating and the reopening.
        let events = try f.store.read { try $0.history(case: c.number) }
        let facts = CaseFacts(category: "0101", source: .sms, place: c.place, reporter: nil, history: events.map { TimedEvent($0, due: nil) })
        #expect(facts.rating == .dissatisfied && facts.reopenedAt != nil && facts.closedAt != nil)
    }

    /// Triage: a new case no one touches goes one desk up when its level's limit for its
    /// urgency has passed on the working calendar (community → street → district, then it
    /// stays); one a person acted on stays where it is.
    @Test func untouchedNewCasesGoUpDeskByDeskOnTheCalendar() throws {
        let f = try CaseFixture()
        try f.store.write { try $0.replaceTriageLimits([.community: [.normal: TimeLimit("2h")!, .emergency: TimeLimit("10nmin")!],
                                                         .street: [.normal: TimeLimit("2h")!, .emergency: TimeLimit("10nmin")!]]) }
        let c = try f.report(by: nil)  // Monday 09:00, at the community's desk
        var touched = try f.report(by: nil)
        try f.act(.verify, &touched, by: f.staff)
        func at(_ time: String) throws -> [String] {
            f.clock.set(CaseFixture.at(time))
            return try f.desk.triageUntouched()
        }
        func holder() throws -> CaseHolder? { try f.store.read { try $0.case(number: c.number) }?.state.holder }
        #expect(try at("2026-11-30T10:59").isEmpty && holder() == .region(CaseFixture.community))
        #expect(try at("2026-11-30T11:00") == [c.number] && holder() == .region("320599001"))
        // From 11:00, two working hours: 11:00–12:00, then lunch, then 13:30–14:30.
        #expect(try at("2026-11-30T14:29").isEmpty)
        #expect(try at("2026-11-30T14:30") == [c.number] && holder() == .region("320599"))
        #expect(try at("2026-12-01T17:00").isEmpty && holder() == .region("320599"), "the district's desk is the last")
        #expect(try f.store.read { try $0.case(number: touched.number) }?.state.holder == .region(CaseFixture.community))
        let history = try f.store.read { try $0.history(case: c.number) }
        let district = try f.store.read { try $0.region(code: "320599")?.name } ?? "?"
        #expect(history.map(\.actor).suffix(2) == ["triage", "triage"] && history.last?.detail == ["to": "320599"] && history.last?.note?.hasSuffix("受理台2个工作小时内无人处理，上移至" + district) == true,
                "\(history.last?.note ?? "")")
        let stored = try #require(try f.store.read { try $0.case(number: c.number) })
        #expect(stored.state.escalations == 2 && stored.state.status == .reported)
        // An emergency at night: ten minutes on the clock at each level.
        // (A hotline call: the public web's gas reports are dispatched automatically.)
        f.clock.set(CaseFixture.at("2026-12-01T23:00"))
        let gas = try f.desk.report(CaseReport(category: "0404", description: "燃气泄漏", location: f.spot, source: .hotline, reporter: Reporter(phone: "13911112222")), by: nil)
        #expect(try at("2026-12-01T23:09").isEmpty)
        #expect(try at("2026-12-01T23:10") == [gas.number])
        #expect(try at("2026-12-01T23:20") == [gas.number] && f.store.read { try $0.case(number: gas.number) }?.state.holder == .region("320599"))
    }

    /// A case under the wrong category moves to another before dispatch or after a return: its
    /// urgency and deadline follow the new category from the step's start, the move is in the
    /// history (with the category it left), and the flag a classifier set goes.
    @Test func recategoriseRetimesAndIsRecorded() throws {
        let f = try CaseFixture()
        try f.store.write { w in
            try w.replaceCategoryExamples(try CategoryClassifierTests.catalogue().examples.map { ($0.category, $0.text) })
        }
        // A text message naming nothing the classifier knows: a resident's request, flagged.
        var c = try f.desk.reportSMS(from: "13900000001", text: "你好你好").0
        #expect(c.category == CaseDesk.residentsRequest && c.needsCategory && (c.categoryConfidence ?? 1) < CategoryClassifier.threshold)
        // Naming no place: held at the district's desk, in no grid, community or street.
        #expect(c.place == CasePlace(grid: nil, community: nil, street: nil, district: "320599") && c.state.holder == .region("320599"))
        try f.act(.verify, &c, by: f.dispatcher)
        try f.act(.file, &c, by: f.dispatcher)
        let started = try #require(c.stepStarted)
        #expect(throws: CaseError.self) { try f.act(.recategorise("0101"), &c, by: f.staff) }
        #expect(throws: CaseError.self) { try f.act(.recategorise("9999"), &c, by: f.dispatcher) }
        #expect(throws: CaseError.self) { try f.act(.recategorise(CaseDesk.residentsRequest), &c, by: f.dispatcher) }
        try f.act(.recategorise("0107"), &c, by: f.dispatcher, note: "chimney smoke")
        #expect(c.category == "0107" && c.urgency == .urgent && !c.needsCategory && c.categoryConfidence == nil && c.state.status == .filed)
        let calendar = try f.store.read { try $0.calendar() }
        #expect(c.stepStarted == started && c.due == calendar.deadline(from: started, limit: TimeLimit("1h")!), "dispatch: 0107's 1 working hour from filing")
        let history = try f.store.read { try $0.history(case: c.number) }
        #expect(history.last?.action == "recategorise" && history.last?.detail == ["category": "0107", "from": "0901"] && history.last?.note == "chimney smoke")
        #expect(try f.store.read { try $0.case(number: c.number) } == c)
        // Dispatched, it keeps its category; returned, it may move again.
        try f.act(.dispatch(.department("D-ROADS")), &c, by: f.dispatcher, note: "smoke over the road")
        #expect(throws: CaseError.self) { try f.act(.recategorise("0401"), &c, by: f.dispatcher) }
        try f.act(.return, &c, by: f.roads, note: "not roads")
        try f.act(.recategorise("0106"), &c, by: f.dispatcher)
        #expect(c.category == "0106" && c.urgency == .normal)
        // A confident message is filed under its category, with the classifier's confidence.
        let smoke = try f.desk.reportSMS(from: "13900000002", text: "旁边工厂三根烟囱日夜冒黑烟").0
        #expect(smoke.category == "0107" && !smoke.needsCategory && (smoke.categoryConfidence ?? 0) >= CategoryClassifier.threshold)
        #expect(try f.store.read { try $0.case(number: smoke.number) } == smoke)
    }

    /// An approved extension adds its working time; a suspension stops the clock and resuming
    /// restarts it with what was left.
    @Test func extensionAndSuspensionMoveTheDeadline() throws {
        let f = try CaseFixture()
        var c = try f.report(by: f.staff)
        try f.act(.file, &c, by: f.dispatcher)
        try f.act(.dispatch(.department("D-SANITATION")), &c, by: f.dispatcher)
        try f.act(.accept, &c, by: f.sanitation)
        #expect(c.due == CaseFixture.at("2026-12-01T09:00"))
        try f.act(.requestExtension(.workingHours(2)), &c, by: f.sanitation)
        try f.act(.approve, &c, by: f.dispatcher)
        #expect(c.due == CaseFixture.at("2026-12-01T11:00") && c.state.extensions == 1)
        // Suspended at 10:00 on Monday, resumed at 09:00 on Wednesday: the 8 h 30 min of
        // working time that were left (to Tuesday 11:00) run from then.
        f.clock.set(CaseFixture.at("2026-11-30T10:00"))
        try f.act(.requestSuspension, &c, by: f.sanitation)
        try f.act(.approve, &c, by: f.dispatcher)
        #expect(c.state.status == .suspended && !c.isOverdue(at: CaseFixture.at("2026-12-05T00:00")))
        f.clock.set(CaseFixture.at("2026-12-02T09:00"))
        try f.act(.resume, &c, by: f.sanitation)
        #expect(c.due == CaseFixture.at("2026-12-03T10:00"), "\(String(describing: c.due))")
    }

    @Test func duplicatesAreVoidedWithALink() throws {
        let f = try CaseFixture()
        let first = try f.report(by: f.staff)
        var second = try f.report(by: nil)
        #expect(throws: CaseError.self) { try f.desk.act(.void(.duplicate, duplicateOf: second.number), on: second.number, by: f.dispatcher, version: second.version) }
        try f.act(.void(.duplicate, duplicateOf: first.number), &second, by: f.dispatcher)
        #expect(second.state.status == .voided && second.duplicateOf == first.number && second.closedAt != nil)
    }

    /// Overdue once: supervised and given the step's limit again; overdue twice: escalated one
    /// desk up with a fresh clock. Each time the duty phones of the holder and of the level
    /// above get a text (those that have one).
    @Test func overdueStepsAreSupervisedThenEscalated() throws {
        let f = try CaseFixture()
        try f.store.write { try $0.replaceDutyPhones([DutyPhone(holder: CaseFixture.community, name: "社区值班", phone: "13900510300"),
                                                      DutyPhone(holder: "320599001", name: "街道值班", phone: "13900510201")]) }
        func texts() throws -> [String] { try f.store.read { try $0.waitingNotices(channel: "sms") }.map { "\($0.to) \($0.text)" } }
        let c = try f.report(by: f.staff)
        #expect(c.state.status == .verified && c.due == CaseFixture.at("2026-11-30T10:00"), "file: 1 working hour")
        #expect(try f.desk.superviseOverdue() == ([], []), "not yet due")
        f.clock.set(CaseFixture.at("2026-11-30T10:30"))
        #expect(try f.desk.superviseOverdue() == ([c.number], []))
        var sent = try texts()
        #expect(sent.count == 2 && sent[0].hasPrefix("13900510300 【督办】暴露垃圾案件\(c.number)") && sent[1].hasPrefix("13900510201 【督办】"),
                "the community's desk holds it, the street is above: \(sent)")
        var now = try #require(try f.store.read { try $0.case(number: c.number) })
        #expect(now.state.supervisions == 1 && now.due == CaseFixture.at("2026-11-30T11:30") && now.state.holder == .region(CaseFixture.community))
        #expect(try f.desk.superviseOverdue() == ([], []), "supervised once per overdue")
        f.clock.set(CaseFixture.at("2026-11-30T12:00"))
        #expect(try f.desk.superviseOverdue() == ([], [c.number]))
        sent = try texts()
        #expect(sent.count == 3 && sent[2].hasPrefix("13900510201 【升级】暴露垃圾案件\(c.number)"),
                "the street holds it now; the district above has no duty phone: \(sent)")
        now = try #require(try f.store.read { try $0.case(number: c.number) })
        #expect(now.state.holder == .region("320599001") && now.state.escalations == 1 && now.due == CaseFixture.at("2026-11-30T14:30"))
        let history = try f.store.read { try $0.history(case: c.number) }
        #expect(history.map(\.action) == ["report", "supervise", "escalate"])
        // In the district's words and time, never UTC.
        #expect(history[1].note == "立案超期（期限2026-11-30 10:00），已督办" && history[2].note?.hasPrefix("立案督办后再次超期，已升级至") == true,
                "\(history.compactMap(\.note))")
        // The desk one level up files it as usual.
        _ = try f.desk.act(.file, on: c.number, by: f.dispatcher, version: now.version)
    }

    @Test func nearbyOpenCasesOfTheCategoryAreOffered() throws {
        let f = try CaseFixture()
        let first = try f.report(by: f.staff)
        let other = try f.report("5201", by: f.staff)
        let second = try f.report(by: nil)
        #expect(try f.desk.duplicates(of: second.number).map(\.number) == [first.number], "same category, same place; not the street lamp")
        #expect(try f.desk.duplicates(of: other.number).isEmpty)
        var closed = first
        try f.act(.void(.notTrue, duplicateOf: nil), &closed, by: f.dispatcher)
        #expect(try f.desk.duplicates(of: second.number).isEmpty, "closed and voided cases are not offered")
    }
}

/// Reports at once are filed together (group commit), each on its own: a refused one leaves
/// the others filed, and every case gets a number of its own.
struct CaseIntakeTests {
    @Test func concurrentReportsAreFiledEachOnItsOwn() async throws {
        let f = try CaseFixture()
        let intake = CaseIntake(store: f.store, now: { f.clock.now })
        let outcomes = await withTaskGroup(of: Result<CaseRecord, CaseError>.self) { group in
            for i in 0..<60 {
                // Every tenth names no category; the outsider's lies outside their region.
                let category = i % 10 == 3 ? "9999" : "0101"
                let account = i == 7 ? f.outsider : f.dispatcher
                group.addTask {
                    do {
                        return .success(try await intake.report(CaseReport(category: category, description: "report \(i)", location: f.spot, source: .hotline),
                                                                by: account).record)
                    } catch let e as CaseError {
                        return .failure(e)
                    } catch {
                        return .failure(CaseError(.store, "\(error)"))
                    }
                }
            }
            var all: [Result<CaseRecord, CaseError>] = []
            for await r in group { all.append(r) }
            return all
        }
        let filed = outcomes.compactMap { try? $0.get() }
        let refused = outcomes.compactMap { if case .failure(let e) = $0 { e } else { nil } }
        #expect(filed.count == 53 && refused.count == 7)
        #expect(refused.filter { $0.kind == .invalid }.count == 6 && refused.filter { $0.kind == .forbidden }.count == 1)
        #expect(Set(filed.map(\.number)) == Set((1...53).map { String(format: "20261130%04d", $0) }), "numbers without gaps or repeats")
        let stored = try f.store.read { r in try r.caseCount(numberPrefix: "20261130") }
        #expect(stored == 53)
        #expect(filed.allSatisfy { $0.state.status == .verified }, "the command centre's reports are verified")
        await #expect(throws: CaseError.self) { try await intake.report(CaseReport(category: "0101", description: "  ", location: f.spot, source: .hotline), by: nil) }
    }
}
