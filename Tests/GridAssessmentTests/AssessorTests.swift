import CivicGridModel
import Foundation
import GridAssessment
import GridCases
import GridDemo
import GridImport
import GridPlanning
import GridSchema
import GridStore
import GridTestSupport
import Testing

/// The assessment over a real database: the demo's first community divided and published,
/// the shipped catalogue and calendar, six months of the demo's cases.
final class AssessmentFixture: @unchecked Sendable {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let store: GridStore

    init(cases: Int) throws {
        let path = TestDatabase.make("assess")
        store = try GridStore(path: path)
        let importer = Importer(store: store)
        for file in DemoCity.files.prefix(3) {
            _ = try importer.run(ImportKind(rawValue: String(file.dropLast(8)))!, path: Self.repository.appendingPathComponent("Data/demo/\(file)").path)
        }
        let planner = Planner(store: store)
        var options = PartitionOptions()
        options.region = "320599001001"
        _ = try planner.partition(options)
        _ = try planner.publishNewestDrafts(override: nil, actor: "test")
        let data = Self.repository.appendingPathComponent("Data/cases")
        let categories = try CaseCatalogue.categories(csv: String(decoding: try Data(contentsOf: data.appendingPathComponent("categories.csv")), as: UTF8.self))
        let departments = try CaseCatalogue.departments(csv: String(decoding: try Data(contentsOf: data.appendingPathComponent("departments.csv")), as: UTF8.self))
        let calendar = try CaseCatalogue.calendar(json: try Data(contentsOf: data.appendingPathComponent("calendar-2026.json")))
        try store.write { w in
            try w.save(categories)
            try w.save(departments)
            try w.save(calendar)
        }
        var demo = DemoCases()
        demo.count = cases
        _ = try demo.generate(into: store)
    }

    /// Every stored tally, by key.
    func everything() throws -> [String: Tally] {
        var out: [String: Tally] = [:]
        for level in UnitLevel.allCases {
            for (unit, t) in try store.read({ try $0.tallies(level: level, days: 0...100_000) }) { out["\(level.rawValue) \(unit)"] = t }
        }
        return out
    }
}

struct AssessorTests {
    static let december = { @Sendable in ISO8601DateFormatter().date(from: "2026-12-03T10:00:00+08:00")! }

    /// Tallies kept up to date case by case equal the tallies counted from nothing.
    @Test func keptTalliesEqualARecount() throws {
        let f = try AssessmentFixture(cases: 400)
        let assessor = Assessor(store: f.store, now: Self.december)
        #expect(try assessor.refresh() == 400)
        // The supervision sweep a few days later moves many open cases on.
        var desk = CaseDesk(store: f.store)
        desk.now = Self.december
        let (supervised, escalated) = try desk.superviseOverdue()
        #expect(!supervised.isEmpty || !escalated.isEmpty)
        #expect(try assessor.refresh() == supervised.count + escalated.count)
        let kept = try f.everything()
        try f.store.write { try $0.recountAssessment() }
        try assessor.refresh()
        let counted = try f.everything()
        #expect(kept.count == counted.count && kept == counted)
        // Whole months come from the monthly tallies, the days around them from the daily
        // ones: any run of days sums as its days do.
        for (a, b) in [("2026-09-15", "2026-11-10"), ("2026-10-01", "2026-10-31"), ("2026-10-02", "2026-10-30"), ("2026-06-01", "2026-12-31")] {
            let days = try #require(Day(a)).number...(try #require(Day(b))).number
            var byDay = Tally()
            for t in try f.store.read({ try $0.dailyTallies(level: .district, unit: "320599", days: days) }).values { byDay.add(t) }
            #expect(try f.store.read { try $0.tallies(level: .district, days: days) }["320599"] == byDay, "\(a)..\(b)")
        }
        let district = try #require(kept["district 320599"])
        #expect(district[.reports] == 400 && district[.closed] > 300, "\(district.counts)")
    }

    /// A closed month's ranking is made once and kept: the same bytes after more cases
    /// arrive (although counting afresh would now give another answer).
    @Test func aClosedMonthsRankingIsKept() throws {
        let f = try AssessmentFixture(cases: 300)
        let assessor = Assessor(store: f.store, now: Self.december)
        let october = try #require(Period("2026-10"))
        // The admin loads a configuration with a smaller sample (a small test district).
        let shipped = try Data(contentsOf: AssessmentFixture.repository.appendingPathComponent("Data/assessment.json"))
        let small = try assessor.load(config: Data(String(decoding: shipped, as: UTF8.self).replacingOccurrences(of: #""minimum_sample": 20"#, with: #""minimum_sample": 5"#).utf8))
        #expect(throws: AssessmentError.self) { try assessor.load(config: Data(#"{"minimum_sample": -1}"#.utf8)) }
        let (ranking, before) = try assessor.ranking(level: .street, period: october)
        #expect(ranking.units.count == 4 && ranking.units.contains { $0.rank == 1 } && ranking.config == small && small.minimumSample == 5, "\(ranking.units.map { ($0.unit, $0.volume, $0.score ?? -1) })")
        // More October cases come (reported then, as an import would bring them).
        var filter = CaseFilter()
        filter.from = ISO8601DateFormatter().date(from: "2026-10-10T00:00:00+08:00")
        filter.to = ISO8601DateFormatter().date(from: "2026-10-20T00:00:00+08:00")
        let c = try #require(try f.store.read { try $0.cases(filter).first })
        var desk = CaseDesk(store: f.store)
        desk.now = { c.createdAt }
        for _ in 0..<30 {
            _ = try desk.report(CaseReport(category: c.category, description: "more", location: c.location, source: .hotline, reporter: Reporter()), by: nil)
        }
        let (_, after) = try assessor.ranking(level: .street, period: october)
        #expect(after == before, "kept")
        try assessor.refresh()
        let fresh = try assessor.ranking(level: .street, period: try #require(Period("2026-10-01..2026-10-31"))).1
        #expect(fresh != before, "the same days counted afresh see the new cases")
        // A street's dispatcher sees its own row only; a department none of the streets.
        let (mine, _) = try assessor.ranking(level: .street, period: october, viewer: Viewer(region: "320599001"))
        #expect(mine.units.map(\.unit) == ["320599001"])
        #expect(try assessor.ranking(level: .street, period: october, viewer: Viewer(department: "D-ROADS")).0.units.isEmpty)
        // Departments' district-wide figures: not for a street's account (issue 33), for a
        // department its own row, for the whole jurisdiction every one.
        #expect(try assessor.ranking(level: .department, period: october, viewer: Viewer(region: "320599001")).0.units.isEmpty)
        #expect(try assessor.ranking(level: .department, period: october, viewer: Viewer(department: "D-ROADS")).0.units.map(\.unit) == ["D-ROADS"])
        #expect(try assessor.ranking(level: .department, period: october).0.units.count > 1)
    }

    /// Grid staff's reports count for their account; a street's centre sees the persons whose
    /// accounts work in its street, another street's does not, a member only themselves.
    @Test func personsAreAccountsSeenInScope() throws {
        let f = try AssessmentFixture(cases: 20)
        let li = try f.store.write { w in
            _ = try w.addAccount(name: "li", role: .member, region: "320599001001")
            return try #require(try w.reader.account(name: "li"))
        }
        let spot = try #require(try f.store.read { try $0.buildings(community: "320599001001").first?.label })
        var desk = CaseDesk(store: f.store)
        desk.now = Self.december
        for _ in 0..<3 { _ = try desk.report(CaseReport(category: "0101", description: "暴露垃圾", location: spot, source: .gridStaff), by: li) }
        let assessor = Assessor(store: f.store, now: Self.december)
        let month = try #require(Period("2026-12"))
        let all = try assessor.ranking(level: .person, period: month, keep: false).0.units
        #expect(all.first { $0.unit == "li" }?.counts["reports"] == 3, "\(all.map { ($0.unit, $0.counts["reports"] ?? 0) })")
        func seen(_ v: Viewer) throws -> Set<String> { Set(try assessor.ranking(level: .person, period: month, viewer: v, keep: false).0.units.map(\.unit)) }
        #expect(try seen(Viewer(region: "320599001")).contains("li"))
        #expect(try !seen(Viewer(region: "320599004")).contains("li"))
        #expect(try seen(Viewer(region: "320599001", person: "li")) == ["li"])
        #expect(try assessor.ranking(level: .person, period: month, region: "320599001", keep: false).0.units.map(\.unit).contains("li"), "a region asked for holds its staff")
    }

    @Test func theShippedConfigurationIsTheDefault() throws {
        let data = try Data(contentsOf: AssessmentFixture.repository.appendingPathComponent("Data/assessment.json"))
        #expect(try AssessmentConfig.decode(data) == .standard)
    }
}
