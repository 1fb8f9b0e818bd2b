import CivicGridModel
import Foundation
import GridCases
import GridImport
import GridSchema
import GridStore
import GridTestSupport
import Testing

/// The shipped catalogue reads whole; bad lines are each named; the store keeps what it read.
struct CaseCatalogueTests {
    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Data/cases")

    static func text(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: data.appendingPathComponent(name)), as: UTF8.self)
    }

    @Test func theShippedCatalogueReads() throws {
        let categories = try CaseCatalogue.categories(csv: try Self.text("categories.csv"))
        let departments = try CaseCatalogue.departments(csv: try Self.text("departments.csv"))
        #expect(categories.count >= 40)
        #expect(Set(categories.map(\.kind)) == [.event, .facility])
        #expect(Set(categories.map(\.majorNameEn)).isSuperset(of: ["City appearance and environment", "Advertising", "Construction management",
                                                                    "Emergencies", "Street order", "Public utilities", "Roads and traffic", "Greenery",
                                                                    "Public security", "Fire safety", "Work safety", "Petitions", "Livelihood services"]))
        let manhole = try #require(categories.first { $0.code == "5102" })
        #expect(manhole.urgency == .emergency && manhole.limits[.handle] == .naturalHours(4) && manhole.department == "D-UTILITIES")
        // Every category's department exists and handles it.
        for c in categories {
            let d = try #require(departments.first { $0.code == c.department }, "\(c.code)")
            #expect(d.handles(c), "\(d.code) does not list \(c.code)")
        }
        let calendar = try CaseCatalogue.calendar(json: try Data(contentsOf: Self.data.appendingPathComponent("calendar-2026.json")))
        #expect(calendar.holidays.contains(Day("2026-10-01")!) && calendar.workdays.contains(Day("2026-10-10")!))
    }

    @Test func badLinesAreEachNamed() throws {
        let csv = #"""
            code,major,major_name,major_name_en,name,name_en,kind,urgency,verify,handle
            0101,01,市容,City,垃圾,Rubbish,event,normal,1h,1d
            0102,02,市容,City,垃圾,Rubbish,event,normal,1h,1d
            0103,01,市容,City,垃圾,Rubbish,incident,normal,1h,1d
            0104,01,市容,City,垃圾,Rubbish,event,normal,1h,tomorrow
            0101,01,市容,City,垃圾,Rubbish,event,normal,1h,1d
            "0105",01,"市容, 环境",City,"say ""hi""",Quote,event,urgent,,2d
            """#
        #expect {
            try CaseCatalogue.categories(csv: csv)
        } throws: { error in
            let text = "\(error)"
            return text.contains("line 3: code 0102 must extend its major class \"02\"") && text.contains("line 4: kind \"incident\"") && text.contains("line 5: handle limit \"tomorrow\"")
                && text.contains("line 6: code 0101 appears twice") && !text.contains("line 7") && text.contains("rejected 4 of 6 lines")
        }
        let good = try CaseCatalogue.categories(csv: csv.split(separator: "\n").enumerated().filter { [0, 1, 6].contains($0.offset) }.map { String($0.element) }.joined(separator: "\r\n"))
        #expect(good.count == 2 && good[1].majorName == "市容, 环境" && good[1].name == "say \"hi\"" && good[1].limits == [.handle: .workingDays(2)])
        #expect(throws: ImportError.self) { try CaseCatalogue.categories(csv: "code,name\n1,x") }
        #expect(throws: ImportError.self) { try CaseCatalogue.categories(csv: "code,\"unclosed\n") }
        #expect(throws: ImportError.self) { try CaseCatalogue.calendar(json: Data(#"{"utcOffsetMinutes":480,"periods":[{"start":700,"end":600}],"weekend":[6,7],"holidays":[],"workdays":[]}"#.utf8)) }
        #expect(throws: ImportError.self) { try CaseCatalogue.calendar(json: Data(#"{"holidays":["2026-02-30"]}"#.utf8)) }
    }

    @Test func theStoreKeepsTheCatalogue() throws {
        let path = TestDatabase.make("catalogue")
        let store = try GridStore(path: path)
        let categories = try CaseCatalogue.categories(csv: try Self.text("categories.csv"))
        let departments = try CaseCatalogue.departments(csv: try Self.text("departments.csv"))
        let calendar = try CaseCatalogue.calendar(json: try Data(contentsOf: Self.data.appendingPathComponent("calendar-2026.json")))
        #expect(try store.read { try $0.calendar() } == WorkingCalendar(), "the default until one is imported")
        try store.write { w in
            try w.save(categories)
            try w.save(departments)
            try w.save(calendar)
        }
        try store.read { (r: StoreReader) throws in
            #expect(try r.categories() == categories.sorted { $0.code < $1.code })
            #expect(try r.departments() == departments.sorted { $0.code < $1.code })
            #expect(try r.calendar() == calendar)
            #expect(try r.category(code: "0401")?.limits[.handle] == .naturalHours(4))
        }
        // A department in a region that does not exist is refused whole.
        #expect(throws: StoreError.self) { try store.write { try $0.save([Department(code: "D-X", name: "x", region: "999", categories: [])]) } }
        #expect(try store.read { try $0.department(code: "D-X") } == nil)
    }
}
