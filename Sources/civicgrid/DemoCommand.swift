import ArgumentParser
import CivicGridModel
import Foundation
import GridCases
import GridDemo
import GridGeometry
import GridImport
import GridPeople
import GridStore

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The built-in demo district.",
        subcommands: [Generate.self, Load.self, Cases.self, People.self, Facilities.self, Organisations.self]
    )

    /// Data/demo in the source tree this binary was built from, unless told otherwise.
    static var defaultDataDirectory: String {
        if let env = ProcessInfo.processInfo.environment["CIVICGRID_DATA"] { return env }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Data/demo").path
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the synthetic demo district as GeoJSON (deterministic for a seed).")

        @Option(help: "Random seed.")
        var seed: UInt64 = DemoCity.defaultSeed

        @Option(help: "Communities along each side of the district (4: the built-in demo).")
        var size = 4

        @Option(help: "Output directory.")
        var output: String = DemoCommand.defaultDataDirectory

        @Option(help: "Centre of the district as lon,lat (default: 120.7,31.3, east of Suzhou).")
        var center: String?

        func validate() throws {
            guard (1...48).contains(size) else { throw ValidationError("--size is 1 to 48") }
            _ = try centre()
        }

        func centre() throws -> Coordinate {
            guard let center else { return DemoCity.defaultCenter }
            let parts = center.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, (-180...180).contains(parts[0]), (-85...85).contains(parts[1]) else {
                throw ValidationError("--center \(center): expected lon,lat, e.g. 116.33,39.98")
            }
            return Coordinate(parts[0], parts[1])
        }

        func run() throws {
            let city = DemoCity(seed: seed, size: size, center: try centre())
            try city.write(to: URL(fileURLWithPath: output))
            print("wrote \(city.regions.count) regions, \(city.roads.count) roads, \(city.buildings.count) buildings "
                  + "(\(city.householdTotal) households), \(city.households.count) household records to \(output)")
        }
    }

    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import the demo district into a database.")

        @OptionGroup var database: DatabaseOption

        @Option(help: "Directory holding the demo GeoJSON files.")
        var data: String = DemoCommand.defaultDataDirectory

        func run() throws {
            for file in DemoCity.files {
                let kind = ImportKind(rawValue: String(file.dropLast(".geojson".count)))!
                var options = ImportOptions()
                options.replace = kind == .regions
                try runImport(kind, file: URL(fileURLWithPath: data).appendingPathComponent(file).path,
                              db: database.db, options: options)
            }
        }
    }

    struct Facilities: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Place the demo's public facilities (beside every sixth building, the catalogue's facility categories in turn, a few damaged or lost) and import them like `facilities import`.")

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let store = try database.existing()
            let (buildings, categories, already) = try store.read { r in (try r.buildings(), try r.categories(), try r.facilityCount()) }
            guard already == 0 else { throw ValidationError("\(database.db) holds \(already) facilities already: demo facilities starts from none") }
            guard categories.contains(where: { $0.kind == .facility }) else { throw ValidationError("no facility categories: import Data/cases/categories.csv first") }
            do {
                print("\(try CaseDesk(store: store).importFacilities(DemoFacilities().features(buildings: buildings, categories: categories))) facilities")
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }

    struct Organisations: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make up the demo's organisations (in every seventh building: fictitious names, valid credit codes, contacts) and import them like `organisations import`.")

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let store = try database.existing()
            let (buildings, already) = try store.read { r in (try r.buildings(), try r.organisationCount()) }
            guard already == 0 else { throw ValidationError("\(database.db) holds \(already) organisations already: demo organisations starts from none") }
            do {
                print("\(try GridPeople.Organisations.importFeatures(DemoOrganisations().features(buildings: buildings), into: store)) organisations")
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }

    struct People: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make up the members of the demo's household records (fictitious names, phones and valid ID numbers) and import them like `people import`.")

        @OptionGroup var database: DatabaseOption

        @Option(help: "The key file (default: DB.key, or CIVICGRID_KEY_FILE); made when missing.")
        var keyFile: String?

        @Option(help: "For benchmarks: first give every building household records up to its household count (units laid out by floors), then make this many people between all of them.")
        var fill: Int?

        func run() throws {
            let store = try database.existing()
            if let fill {
                guard fill > 0 else { throw ValidationError("--fill: a number of people above 0") }
                print("\(try store.write { try $0.fillHouseholdRecords() }) household records added")
            }
            var (households, already) = try store.read { r in (try r.householdRecords(), try r.peopleCount()) }
            guard already == 0 else { throw ValidationError("\(database.db) holds \(already) people already: demo people starts from none") }
            guard !households.isEmpty else { throw ValidationError("no household records in \(database.db): load the demo first") }
            if let fill { households = DemoPeople.sized(households, total: fill) }
            do {
                let desk = PeopleDesk(store: store, key: try PersonalKey.load(path: keyFile ?? PersonalKey.path(for: database.db)))
                let n = try desk.importCSV(DemoPeople().csv(households))
                print("\(n) people in \(households.count) households")
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }

    struct Cases: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "File a deterministic six-month history of cases for the demo district (needs published grids; imports Data/cases when no category is there).")

        @OptionGroup var database: DatabaseOption

        @Option(help: "How many cases.")
        var count = 20_000

        @Option(help: "The day the history ends (local midnight), YYYY-MM-DD.")
        var until = "2026-11-30"

        @Option(help: "Days of history.")
        var days = 183

        @Option(help: "Random seed.")
        var seed: UInt64 = 2026

        @Option(help: "Directory holding categories.csv, departments.csv and calendar-2026.json (and messages.csv, notices.json, triage.json, duty.csv).")
        var catalogue: String = URL(fileURLWithPath: DemoCommand.defaultDataDirectory).deletingLastPathComponent().appendingPathComponent("cases").path

        func validate() throws {
            guard (1...2_000_000).contains(count) else { throw ValidationError("--count: 1 to 2,000,000") }
            guard (1...3660).contains(days) else { throw ValidationError("--days: 1 to 3660") }
            guard Day(until) != nil else { throw ValidationError("--until \(until): a day as YYYY-MM-DD") }
        }

        func run() throws {
            let store = try database.existing()
            let (categories, published, cases) = try store.read { r in
                (try r.categories().count, try r.plans().filter { $0.status == .published }.count, try r.caseCount(numberPrefix: ""))
            }
            guard published > 0 else { throw ValidationError("no published grids in \(database.db): partition and publish first") }
            guard cases == 0 else { throw ValidationError("\(database.db) holds \(cases) cases already: demo cases starts from none") }
            if categories == 0 {
                let dir = URL(fileURLWithPath: catalogue)
                let c = try CaseCatalogue.categories(csv: String(decoding: try readInput(dir.appendingPathComponent("categories.csv").path), as: UTF8.self))
                let d = try CaseCatalogue.departments(csv: String(decoding: try readInput(dir.appendingPathComponent("departments.csv").path), as: UTF8.self))
                let k = try CaseCatalogue.calendar(json: try readInput(dir.appendingPathComponent("calendar-2026.json").path))
                // The classifier's labelled messages, where the catalogue has them.
                let messages = dir.appendingPathComponent("messages.csv").path
                let examples = FileManager.default.fileExists(atPath: messages)
                    ? try CaseCatalogue.examples(csv: String(decoding: try readInput(messages), as: UTF8.self), categories: Set(c.map(\.code))) : []
                try store.write { w in
                    try w.save(c)
                    try w.save(d)
                    try w.save(k)
                    try w.replaceCategoryExamples(examples)
                    let notices = dir.appendingPathComponent("notices.json").path
                    if FileManager.default.fileExists(atPath: notices) { try w.replaceNoticeTemplates(try NoticesCommand.templates(try readInput(notices))) }
                    let triage = dir.appendingPathComponent("triage.json").path
                    if FileManager.default.fileExists(atPath: triage) { try w.replaceTriageLimits(try TriageCommand.limits(try readInput(triage))) }
                    // The demo's duty phones, for the departments and desks this district has.
                    let duty = dir.appendingPathComponent("duty.csv").path
                    if FileManager.default.fileExists(atPath: duty) {
                        let holders = Set(d.map(\.code) + (try w.reader.regions().map(\.code)))
                        let lines = String(decoding: try readInput(duty), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
                        let known = lines.prefix(1) + lines.dropFirst().filter { holders.contains(String($0.prefix { $0 != "," })) }
                        try w.replaceDutyPhones(try CaseCatalogue.dutyPhones(csv: known.joined(separator: "\n"), holders: holders))
                    }
                }
                print("imported the case catalogue from \(catalogue): \(c.count) categories, \(d.count) departments, the calendar, \(examples.count) labelled messages")
            }
            var demo = DemoCases()
            demo.count = count
            demo.seed = seed
            demo.days = days
            if let day = Day(until) { demo.end = day }
            let progress = ProgressPrinter()
            let summary = try demo.generate(into: store) { progress.update("filing cases", $0, $1) }
            progress.finish()
            print(summary)
        }
    }
}
