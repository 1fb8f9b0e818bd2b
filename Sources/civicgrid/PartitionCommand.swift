import CivicGridModel
import ArgumentParser
import Foundation
import GridPartition
import GridPlanning
import GridStore

/// Band options shared by partition and validate.
struct BandOptions: ParsableArguments {
    @Option(help: "Fewest households in a grid (default \(Band().min); for an existing plan, the band it was made for).")
    var min: Int?

    @Option(help: "Most households in a grid (default \(Band().max); for an existing plan, the band it was made for).")
    var max: Int?

    /// The band asked for, the default band filling in a bound not given.
    var band: Band { Band(min: min ?? Band().min, max: max ?? Band().max) }

    /// The band asked for, nil when neither bound is given (a plan is then judged against its own).
    var asked: Band? { min == nil && max == nil ? nil : band }

    func validate() throws {
        guard band.min > 0, band.max >= band.min else { throw ValidationError("need 0 < --min ≤ --max") }
    }
}

struct PartitionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partition",
        abstract: "Divide communities into unit grids as draft plans, and print a quality report.")

    @OptionGroup var database: DatabaseOption
    @OptionGroup var bandOptions: BandOptions

    @Option(help: "Divide the communities under this region (default: every community).")
    var region: String?

    @Option(help: "Seed: the same input and seed give the same plan.")
    var seed: UInt64 = 1

    @Flag(help: "Start from each community's published plan: grids in band and untouched stay as they are.")
    var rebalance = false

    @Option(help: ArgumentHelp("With --rebalance: the share of households that may change grid (0.05 or 5%). A community that needs more to keep every grid in band gets two drafts, and the report offers both.", valueName: "share"))
    var maxMoved: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if maxMoved != nil {
            guard rebalance else { throw ValidationError("--max-moved limits a rebalance: add --rebalance") }
            guard share != nil else { throw ValidationError("--max-moved \(maxMoved!): expected a share from 0 to 1 (0.05) or a percentage (5%)") }
        }
    }

    /// --max-moved as a share from 0 to 1.
    var share: Double? {
        guard let text = maxMoved?.trimmingCharacters(in: .whitespaces) else { return nil }
        let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
        guard let value, value.isFinite, (0...1).contains(value) else { return nil }
        return value
    }

    func run() throws {
        let store = try database.existing()
        var options = PartitionOptions()
        options.band = bandOptions.band
        options.seed = seed
        options.region = region
        options.rebalance = rebalance
        options.maxMoved = share
        options.author = CLIActor.name
        let printer = ProgressPrinter()
        let outcome: PartitionOutcome
        do {
            outcome = try Planner(store: store).partition(options) { done, total in
                printer.update("partition: communities", done, total)
            }
        } catch {
            printer.finish()
            printError("error: \(error)")
            throw ExitCode.failure
        }
        printer.finish()
        try printReport(outcome.report, json: json)
        if !json {
            let alternatives = outcome.report.communities.compactMap { $0.change?.alternative?.plan }
            print(String(format: "wrote %d draft plans (ids %@)%@ in %.2f s", outcome.plans.count,
                         outcome.plans.map(String.init).joined(separator: ", "),
                         alternatives.isEmpty ? "" : " and \(alternatives.count) within --max-moved (ids \(alternatives.map(String.init).joined(separator: ", ")))",
                         outcome.seconds))
        }
    }
}

func printReport(_ report: PlanReport, json: Bool) throws {
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
        print(report.text)
    }
}
