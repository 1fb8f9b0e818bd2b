import ArgumentParser
import CivicGridModel
import Foundation
import GridCases
import GridImport
import GridStore
import GridTracking

/// Reads an input file whole (catalogue and case imports).
func readInput(_ path: String) throws -> Data {
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return data
}

private func refusing<T>(_ body: () throws(ImportError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError("error: \(error)")
        throw ExitCode.failure
    }
}

struct CategoriesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "categories", abstract: "The two-level catalogue of case categories.",
                                                    subcommands: [Import.self, List.self, Examples.self, Classify.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import categories from CSV (columns as Data/cases/categories.csv); all or nothing, existing codes updated.")

        @Argument(help: "The CSV file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let data = try readInput(file)
            let store = try database.creating()
            // Departments a category names must be in the catalogue once it has any; before
            // the first departments import, the ones still missing are named.
            let known = Set(try store.read { try $0.departments() }.map(\.code))
            let categories = try refusing { () throws(ImportError) in
                try CaseCatalogue.categories(csv: try CSVTable.text(data, file: file), departments: known.isEmpty ? nil : known)
            }
            try store.write { try $0.save(categories) }
            let missing = Set(categories.compactMap(\.department)).subtracting(known)
            if !missing.isEmpty {
                printError("note: departments \(missing.sorted().joined(separator: ", ")) are not in the database yet: import departments next")
            }
            print("imported \(categories.count) categories in \(Set(categories.map(\.major)).count) major classes")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List categories: code, kind, urgency, limits, department, names.")

        @OptionGroup var database: DatabaseOption

        func run() throws {
            for c in try database.existing().read({ try $0.categories() }) {
                let limits = CaseStep.allCases.compactMap { s in c.limits[s].map { "\(s.rawValue) \($0)" } }.joined(separator: ", ")
                print([c.code, c.kind.rawValue, c.urgency.rawValue, limits, c.department ?? "–", "\(c.majorName)/\(c.name)", "\(c.majorNameEn)/\(c.nameEn)"]
                    .joined(separator: "\t"))
            }
        }
    }
}

extension CategoriesCommand {
    struct Examples: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import the labelled resident messages the classifier learns from (CSV: category,text, as Data/cases/messages.csv); replaces those stored, all or nothing.")

        @Argument(help: "The CSV file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let data = try readInput(file)
            let store = try database.existing()
            let known = Set(try store.read { try $0.categories() }.map(\.code))
            guard !known.isEmpty else { throw ValidationError("no categories in \(database.db): import categories first") }
            let examples = try refusing { () throws(ImportError) in try CaseCatalogue.examples(csv: try CSVTable.text(data, file: file), categories: known) }
            try store.write { try $0.replaceCategoryExamples(examples) }
            print("imported \(examples.count) labelled messages for \(Set(examples.map(\.category)).count) categories")
        }
    }

    struct Classify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The categories the classifier reads in a resident's message, best first, with its confidence.")

        @Argument(help: "The message.")
        var text: String

        @Option(help: "How many categories.")
        var top = 3

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let store = try database.existing()
            let (classifier, categories) = try store.read { r in (try CaseDesk.classifier(in: r), try r.categories()) }
            let names = Dictionary(uniqueKeysWithValues: categories.map { ($0.code, "\($0.majorName)/\($0.name)") })
            let chosen = classifier.classify(text)
            for g in classifier.rank(text).prefix(max(1, top)) {
                let mark = g.category == chosen?.category ? (g.confidence >= CategoryClassifier.threshold ? " ← filed under" : " ← too unsure: filed as \(CaseDesk.residentsRequest), needs_category") : ""
                print("\(g.category)\t\(String(format: "%.3f", g.confidence))\t\(names[g.category] ?? "")\(mark)")
            }
        }
    }
}

struct DepartmentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "departments", abstract: "The departments cases are dispatched to.",
                                                    subcommands: [Add.self, Import.self, List.self, WebhookCommand.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a department (or change the one with this code).")

        @OptionGroup var database: DatabaseOption

        @Option(help: "Its code, e.g. D-ROADS.")
        var code: String

        @Option(help: "Its name.")
        var name: String

        @Option(help: "The region subtree it serves (default: everywhere).")
        var region: String?

        @Option(help: "Category codes it handles, minor or major (repeat for several).")
        var category: [String] = []

        func run() throws {
            guard !code.isEmpty, code.count <= 40, !name.isEmpty else { throw ValidationError("--code (at most 40 characters) and --name must not be empty") }
            try database.existing().write { try $0.save([Department(code: code, name: name, region: region, categories: category)]) }
            print("department \(code) saved")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import departments from CSV (columns as Data/cases/departments.csv; categories separated by ;); all or nothing.")

        @Argument(help: "The CSV file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let data = try readInput(file)
            let text = try refusing { () throws(ImportError) in try CSVTable.text(data, file: file) }
            let departments = try refusing { () throws(ImportError) in try CaseCatalogue.departments(csv: text) }
            try database.creating().write { try $0.save(departments) }
            print("imported \(departments.count) departments")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List departments: code, name, region, categories.")

        @OptionGroup var database: DatabaseOption

        func run() throws {
            for d in try database.existing().read({ try $0.departments() }) {
                print([d.code, d.name, d.region ?? "everywhere", d.categories.joined(separator: ",")].joined(separator: "\t"))
            }
        }
    }
}

struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "calendar", abstract: "The working calendar that case time limits run on.",
                                                    subcommands: [Import.self, Show.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the working calendar from JSON (as Data/cases/calendar-2026.json: working periods, weekend, holidays, make-up working days).")

        @Argument(help: "The JSON file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let data = try readInput(file)
            let calendar = try refusing { () throws(ImportError) in try CaseCatalogue.calendar(json: data) }
            try database.creating().write { try $0.save(calendar) }
            print("calendar: \(calendar.minutesPerDay / 60)h\(calendar.minutesPerDay % 60 == 0 ? "" : String(format: "%02d", calendar.minutesPerDay % 60)) a working day, "
                  + "\(calendar.holidays.count) holidays, \(calendar.workdays.count) make-up working days")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the working calendar as JSON.")

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let calendar = try database.existing().read { try $0.calendar() }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(calendar), as: UTF8.self))
        }
    }
}

struct Open311Command: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open311", abstract: "Open311 GeoReport v2 for the public's reports: the applications' keys.",
                                                    subcommands: [Key.self, Revoke.self, List.self])

    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue an api_key to an application that posts requests (shown only this once). It opens Open311 only.")
        @OptionGroup var database: DatabaseOption
        @Option(help: "The application's name (unique), e.g. wechat-mini-program.") var name: String
        func run() throws { try AppKeys.issue(.open311, name: name, database) }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an application's api_key.")
        @OptionGroup var database: DatabaseOption
        @Option(help: "The application's name.") var name: String
        func run() throws { try AppKeys.revoke(.open311, name: name, database) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The applications' keys: name, issued, revoked.")
        @OptionGroup var database: DatabaseOption
        func run() throws { try AppKeys.list(.open311, database) }
    }
}

struct SMSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sms", abstract: "The SMS gateways' keys (POST /sms, the outbox with residents' whole phone numbers).",
                                                    subcommands: [Key.self, Revoke.self, List.self])

    struct Key: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a key to an SMS gateway (shown only this once). It opens /sms and /sms/outbox only; every outbox read is recorded.")
        @OptionGroup var database: DatabaseOption
        @Option(help: "The gateway's name (unique), e.g. operator-gateway.") var name: String
        func run() throws { try AppKeys.issue(.sms, name: name, database) }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a gateway's key.")
        @OptionGroup var database: DatabaseOption
        @Option(help: "The gateway's name.") var name: String
        func run() throws { try AppKeys.revoke(.sms, name: name, database) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The gateways' keys: name, issued, revoked.")
        @OptionGroup var database: DatabaseOption
        func run() throws { try AppKeys.list(.sms, database) }
    }
}

/// What `open311` and `sms` do with their keys.
enum AppKeys {
    static func issue(_ kind: AppKeyKind, name: String, _ database: DatabaseOption) throws {
        guard !name.isEmpty, name.count <= 100 else { throw ValidationError("--name: 1 to 100 characters") }
        let key = DeviceToken.generate()
        do {
            try database.existing().write { try $0.addAppKey(name: name, kind: kind, keyHash: DeviceToken.hash(key)) }
        } catch let e as StoreError {
            printError("error: \(e)")
            throw ExitCode.failure
        }
        print(kind == .open311 ? "Open311 api_key for \(name) (shown once): \(key)" : "SMS gateway key for \(name) (shown once): \(key)")
    }

    static func revoke(_ kind: AppKeyKind, name: String, _ database: DatabaseOption) throws {
        guard try database.existing().write({ try $0.revokeAppKey(name: name, kind: kind) }) else {
            printError("error: no live \(kind.rawValue) key named \(name)")
            throw ExitCode.failure
        }
        print("revoked the \(kind.rawValue) key of \(name)")
    }

    static func list(_ kind: AppKeyKind, _ database: DatabaseOption) throws {
        for k in try database.existing().read({ try $0.appKeys(kind: kind) }) {
            print([k.name, k.createdAt, k.revokedAt.map { "revoked \($0)" } ?? "live"].joined(separator: "\t"))
        }
    }
}

extension DepartmentsCommand {
    struct WebhookCommand: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "webhook",
            abstract: "Set the URL a department's case events are POSTed to (signed with HMAC-SHA256; the secret is printed once).")

        @OptionGroup var database: DatabaseOption

        @Option(help: "The department's code.")
        var code: String

        @Option(help: "The receiver's URL (http or https).")
        var url: String

        func run() throws {
            guard let u = URL(string: url), ["http", "https"].contains(u.scheme ?? ""), u.host?.isEmpty == false else { throw ValidationError("--url: an http or https URL") }
            if let port = u.port, !(1...65535).contains(port) { throw ValidationError("--url: port \(port) is not a port (1 to 65535)") }
            let secret = DeviceToken.generate()
            do {
                try database.existing().write { try $0.save(Webhook(department: code, url: url, secret: secret)) }
            } catch let e as StoreError {
                printError("error: \(e)")
                throw ExitCode.failure
            }
            print("webhook of \(code): \(url)")
            print("secret (shown once; verify X-CivicGrid-Signature: sha256=HMAC-SHA256(secret, body)): \(secret)")
        }
    }
}

struct RoutingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "routing", abstract: "Routing rules beyond the catalogue's department: category × region subtree → department, by priority.",
                                                    subcommands: [Import.self, List.self, Route.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the routing rules from CSV (columns category — a minor code or a major class —, region — empty for everywhere —, department, priority — higher wins); all or nothing.")

        @Argument(help: "The CSV file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let data = try readInput(file)
            let store = try database.existing()
            let (categories, departments, regions) = try store.read { r in
                (try r.categories(), Set(try r.departments().map(\.code)), Set(try r.regions().map(\.code)))
            }
            let rules = try refusing { () throws(ImportError) in
                try CaseCatalogue.routingRules(csv: try CSVTable.text(data, file: file), categories: categories, departments: departments, regions: regions)
            }
            try store.write { try $0.replaceRoutingRules(rules) }
            print("imported \(rules.count) routing rules")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the routing rules: id, category, region, department, priority.")

        @OptionGroup var database: DatabaseOption

        func run() throws {
            for r in try database.existing().read({ try $0.routingRules() }) {
                print([String(r.id ?? 0), r.category, r.region ?? "everywhere", r.department, String(r.priority)].joined(separator: "\t"))
            }
        }
    }

    struct Route: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Where a case goes, and why.")

        @Argument(help: "The case number.")
        var number: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            guard let route = try CaseDesk(store: try database.existing()).route(number) else { throw ValidationError("no case \(number)") }
            print("\(route.department ?? "–")\t\(route.why)")
        }
    }
}

struct NoticesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "notices", abstract: "The templates of what reporters are told as their case moves.",
                                                    subcommands: [Import.self, List.self])

    /// The templates of a JSON object {event: text}, every event known and every text 1–500 characters.
    static func templates(_ data: Data) throws -> [String: String] {
        guard let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw ValidationError("the file must be a JSON object {\"filed\": \"…\", …}") }
        var out: [String: String] = [:]
        for (event, value) in o {
            guard ReporterNotices.events.contains(event) else { throw ValidationError("\(event): not an event (\(ReporterNotices.events.joined(separator: ", ")))") }
            guard let text = value as? String, !text.isEmpty, text.count <= 500 else { throw ValidationError("\(event): a text of 1 to 500 characters") }
            out[event] = text
        }
        return out
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace the templates from JSON (as Data/cases/notices.json: filed, voided, merged, dispatched, handled, closed, reopened; fields {number}, {department}, {reason}, {original}, {note}; the duty phones' duty_supervised, duty_escalated with {number}, {category}, {place}, {holder}).")

        @Argument(help: "The JSON file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let templates = try NoticesCommand.templates(try readInput(file))
            try database.existing().write { try $0.replaceNoticeTemplates(templates) }
            print("imported \(templates.count) notice templates")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The templates in force (imported, else the defaults).")

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let store = try database.existing()
            for event in ReporterNotices.events {
                let imported = try store.read { try $0.noticeTemplate(event) }
                print("\(event)\t\(imported == nil ? "default" : "imported")\t\(imported ?? ReporterNotices.defaults[event] ?? "")")
            }
        }
    }
}

struct DutyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "duty", abstract: "The duty phones (值班手机) of departments and desks: supervision and escalation text them.",
                                                    subcommands: [Import.self, List.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the duty phones from CSV (as Data/cases/duty.csv: holder — a department's or a region's code —, name, phone); all or nothing.")

        @Argument(help: "The CSV file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let data = try readInput(file)
            let store = try database.existing()
            let holders = try store.read { r in Set(try r.departments().map(\.code) + r.regions().map(\.code)) }
            let phones = try refusing { () throws(ImportError) in try CaseCatalogue.dutyPhones(csv: try CSVTable.text(data, file: file), holders: holders) }
            try store.write { try $0.replaceDutyPhones(phones) }
            print("imported \(phones.count) duty phones")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The duty phones: holder, name, phone.")

        @OptionGroup var database: DatabaseOption

        func run() throws {
            for p in try database.existing().read({ try $0.dutyPhones() }) { print([p.holder, p.name, p.phone].joined(separator: "\t")) }
        }
    }
}

struct TriageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "triage", abstract: "How long a new case may wait untouched at a level's desk before it goes one desk up.",
                                                    subcommands: [Import.self, List.self])

    /// Limits from JSON {level: {urgency: limit}} (as Data/cases/triage.json), every name and limit checked.
    static func limits(_ data: Data) throws -> [RegionLevel: [Urgency: TimeLimit]] {
        guard let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationError(#"the file must be a JSON object {"community": {"urgent": "30min", …}, …}"#)
        }
        var out: [RegionLevel: [Urgency: TimeLimit]] = [:]
        for (levelName, value) in o {
            guard let level = RegionLevel(rawValue: levelName), [.community, .street, .district].contains(level) else {
                throw ValidationError("\(levelName): a level is community, street or district")
            }
            guard let byUrgency = value as? [String: Any] else { throw ValidationError("\(levelName): an object {urgency: limit}") }
            for (u, l) in byUrgency {
                guard let urgency = Urgency(rawValue: u) else { throw ValidationError("\(levelName).\(u): urgency is normal, urgent or emergency") }
                guard let text = l as? String, let limit = TimeLimit(text) else {
                    throw ValidationError("\(levelName).\(u): a limit such as 10nmin (natural minutes), 30min (working minutes), 2h, 1d or 4nh")
                }
                out[level, default: [:]][urgency] = limit
            }
        }
        return out
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace the triage limits from JSON (as Data/cases/triage.json).")

        @Argument(help: "The JSON file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let limits = try TriageCommand.limits(try readInput(file))
            try database.existing().write { try $0.replaceTriageLimits(limits) }
            print("imported \(limits.values.map(\.count).reduce(0, +)) triage limits for \(limits.count) levels")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The triage limits: level, urgency, limit.")

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let limits = try database.existing().read { try $0.triageLimits() }
            for level in RegionLevel.allCases { for u in Urgency.allCases { if let l = limits[level]?[u] { print("\(level.rawValue)\t\(u.rawValue)\t\(l)") } } }
        }
    }
}
