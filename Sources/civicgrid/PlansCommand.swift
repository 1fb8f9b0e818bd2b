import ArgumentParser
import Foundation
import GridPartition
import GridPlanning
import GridStore

struct PlansCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plans", abstract: "List, validate, draft, publish and import grid plans; the audit log.",
        subcommands: [List.self, Validate.self, Draft.self, Publish.self, Import.self, Audit.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List plans, newest first.")
        @OptionGroup var database: DatabaseOption

        func run() throws {
            let store = try database.existing()
            let rows = try store.read { r in try r.plans().map { ($0, try r.grids(plan: $0.id).count) } }
            print("plan  community      status     grids  based on  created")
            for (p, grids) in rows {
                print("\(p.id)".padding(6) + p.community.padding(15) + p.status.rawValue.padding(11) + "\(grids)".padding(7)
                      + (p.basedOn.map(String.init) ?? "–").padding(10) + p.createdAt)
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the quality report of a plan and what blocks publishing it.")
        @OptionGroup var database: DatabaseOption
        @OptionGroup var bandOptions: BandOptions

        @Option(help: "The plan.")
        var plan: Int64

        @Flag(help: "Print the report as JSON (as the validation member of the HTTP API's plan document).")
        var json = false

        func run() throws {
            let store = try database.existing()
            let v = try planning { try Planner(store: store).validate(plan: plan, band: bandOptions.asked) }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(v), as: UTF8.self))
            } else {
                printValidation(v)
            }
        }
    }

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a draft plan (the community's published plan is archived). A plan with faults needs --override.")
        @OptionGroup var database: DatabaseOption
        @OptionGroup var bandOptions: BandOptions

        @Option(help: "The draft to publish.")
        var plan: Int64?

        @Flag(help: "Publish the newest draft of every community (drafts with faults only with --override).")
        var all = false

        @Option(help: "Publish despite faults (out-of-band grids, gaps, overlaps); the reason goes to the audit log.")
        var override: String?

        func validate() throws {
            guard (plan != nil) != all else { throw ValidationError("give either --plan ID or --all") }
            if let override, override.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--override needs a reason") }
        }

        func run() throws {
            let planner = Planner(store: try database.existing())
            if let plan {
                let v = try planning { try planner.publish(plan: plan, version: nil, override: override, actor: CLIActor.name, band: bandOptions.asked) }
                print("published plan \(plan)" + (v.publishable ? "" : " with \(v.faults.count) fault(s) accepted: \(override ?? "")"))
            } else {
                let (ids, refused) = try planning { try planner.publishNewestDrafts(override: override, actor: CLIActor.name, band: bandOptions.asked) }
                print("published \(ids.count) plans: \(ids.map(String.init).joined(separator: ", "))")
                for (id, faults) in refused.sorted(by: { $0.key < $1.key }) {
                    printError("plan \(id) not published (\(faults.count) fault(s), e.g. \(faults[0].detail)); --override REASON accepts them")
                }
                if !refused.isEmpty { throw ExitCode.failure }
            }
        }
    }

    struct Draft: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a draft for a community: divided afresh or a copy of its published plan.")
        @OptionGroup var database: DatabaseOption
        @OptionGroup var bandOptions: BandOptions

        @Option(help: "The community's code.")
        var community: String

        @Option(help: "partition or published.")
        var from: String = "published"

        func run() throws {
            guard let source = DraftSource(rawValue: from) else { throw ValidationError("--from is partition or published") }
            let planner = Planner(store: try database.existing())
            let id = try planning { try planner.createDraft(community: community, from: source, actor: CLIActor.name, band: bandOptions.band) }
            print("draft plan \(id)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import grids edited in a desktop GIS as a new draft of a community, and print its report.")
        @OptionGroup var database: DatabaseOption
        @OptionGroup var bandOptions: BandOptions

        @Option(help: "The community the grids divide.")
        var community: String

        @Option(help: "A GeoPackage with a polygon layer (fields: code, name).")
        var file: String

        @Option(help: "The layer (default: the only one, or grids).")
        var layer: String?

        func run() throws {
            let store = try database.existing()
            let planner = Planner(store: store)
            let id = try planning { try planner.importDraft(community: community, geoPackage: file, layer: layer, actor: CLIActor.name, source: file) }
            let v = try planning { try planner.validate(plan: id, band: bandOptions.asked) }
            print("draft plan \(id): \(v.report.grids) grids from \(file)")
            printValidation(v)
        }
    }

    struct Audit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the audit log of plan changes, oldest first.")
        @OptionGroup var database: DatabaseOption

        @Option(help: "Only this plan's entries.")
        var plan: Int64?

        func run() throws {
            let entries = try database.existing().read { try $0.audit(plan: plan, limit: 100_000) }
            for e in entries {
                print([e.at, e.actor, e.community ?? "–", e.plan.map { "plan \($0)" } ?? "–", e.action, e.detail].joined(separator: "  "))
            }
        }
    }
}

/// The report table, whether the plan may be published, and its faults.
func printValidation(_ v: Validation) {
    print(PlanReport(communities: [v.report]).text)
    print(v.publishable ? "publishable: no faults" : "not publishable without an override:")
    for f in v.faults { print("fault \(f.kind): \(f.detail)") }
}

/// Runs planning work, printing a planning error as the CLI's message.
func planning<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as PlanningError {
        printError("error: \(e)")
        throw ExitCode.failure
    }
}

/// Who the audit log names for work done on the command line.
enum CLIActor {
    static var name: String { "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "unknown") }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
