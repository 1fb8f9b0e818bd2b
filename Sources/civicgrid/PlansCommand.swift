import ArgumentParser
import GridPlanning
import GridStore

struct PlansCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plans", abstract: "List, validate and publish grid plans.",
        subcommands: [List.self, Validate.self, Publish.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List plans, newest first.")
        @OptionGroup var database: DatabaseOption

        func run() throws {
            let store = try GridStore(path: database.db)
            let rows = try store.read { r in try r.plans().map { ($0, try r.grids(plan: $0.id).count) } }
            print("plan  community      status     grids  based on  created")
            for (p, grids) in rows {
                print("\(p.id)".padding(6) + p.community.padding(15) + p.status.rawValue.padding(11) + "\(grids)".padding(7)
                      + (p.basedOn.map(String.init) ?? "–").padding(10) + p.createdAt)
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the quality report of a plan.")
        @OptionGroup var database: DatabaseOption
        @OptionGroup var bandOptions: BandOptions

        @Option(help: "The plan.")
        var plan: Int64

        @Flag(help: "Print the report as JSON.")
        var json = false

        func run() throws {
            let store = try GridStore(path: database.db)
            do {
                try printReport(try Planner(store: store).report(plan: plan, band: bandOptions.band), json: json)
            } catch let e as PlanningError {
                printError("error: \(e)")
                throw ExitCode.failure
            }
        }
    }

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish a draft plan (the community's published plan is archived).")
        @OptionGroup var database: DatabaseOption

        @Option(help: "The draft to publish.")
        var plan: Int64?

        @Flag(help: "Publish the newest draft of every community.")
        var all = false

        func validate() throws {
            guard (plan != nil) != all else { throw ValidationError("give either --plan ID or --all") }
        }

        func run() throws {
            let planner = Planner(store: try GridStore(path: database.db))
            do {
                if let plan {
                    try planner.publish(plan: plan)
                    print("published plan \(plan)")
                } else {
                    let ids = try planner.publishNewestDrafts()
                    print("published \(ids.count) plans: \(ids.map(String.init).joined(separator: ", "))")
                }
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
