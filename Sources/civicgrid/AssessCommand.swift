import ArgumentParser
import CivicGridModel
import Foundation
import GridAssessment
import GridStore

struct AssessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assess", abstract: "Indicators, scores, grades and rankings of the case loop for a period.",
        subcommands: [Show.self, Config.self], defaultSubcommand: Show.self)

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Every unit of a level in a period: volume, score, grade, rank and the main indicators (a closed month's ranking is kept, as the server keeps it).")

        @OptionGroup var database: DatabaseOption

        @Option(help: "2026-10, 2026-Q4, 2026, 2026-10-05 or 2026-10-01..2026-10-15.")
        var period: String

        @Option(help: "grid, community, street, district, department or person.")
        var level: String = "street"

        @Option(help: "Only the units under this region.")
        var region: String?

        @Flag(help: "The ranking as JSON (what GET /api/v1/rankings answers).")
        var json = false

        @Flag(help: "CSV.")
        var csv = false

        @Flag(help: "CSV for Excel: a byte order mark and Chinese headers.")
        var excel = false

        func run() throws {
            guard let p = Period(period) else { throw ValidationError("period \(period): 2026-10, 2026-Q4, 2026, 2026-10-05 or 2026-10-01..2026-10-15") }
            guard let l = UnitLevel(rawValue: level), UnitLevel.assessed.contains(l) else {
                throw ValidationError("level \(level): one of \(UnitLevel.assessed.map(\.rawValue).joined(separator: ", "))")
            }
            let (ranking, data): (Ranking, Data)
            do {
                (ranking, data) = try Assessor(store: try database.existing()).ranking(level: l, period: p, region: region)
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
            if json {
                print(String(decoding: data, as: UTF8.self))
            } else if csv || excel {
                print(ranking.csv(excel: excel), terminator: "")
            } else {
                print(Self.table(ranking))
            }
        }

        static func table(_ r: Ranking) -> String {
            func pct(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "-" }
            var rows = [["rank", "unit", "name", "volume", "score", "grade", "closing", "on-time closing", "on-time handling", "rework", "Δ previous", "Δ year"]]
            for u in r.units {
                rows.append([u.rank.map(String.init) ?? "-", u.unit, u.name ?? "", String(u.volume), pct(u.score), u.grade ?? "-",
                             pct(u.indicators["closing_rate"]), pct(u.indicators["on_time_closing_rate"]), pct(u.indicators["on_time_handling_rate"]),
                             pct(u.indicators["rework_rate"]), u.change?["previous"]?["score"].map { String(format: "%+.2f", $0) } ?? "-",
                             u.change?["year"]?["score"].map { String(format: "%+.2f", $0) } ?? "-"])
            }
            let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
            let lines = rows.map { row in row.indices.map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") }
            return "\(r.level.rawValue) ranking, \(r.period) (minimum sample \(r.config.minimumSample); units below it are not ranked)\n" + lines.joined(separator: "\n")
        }
    }

    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config", abstract: "Load the scoring configuration (weights, grades, deductions, minimum sample; Data/assessment.json is the default); rankings made from now on record it.")

        @Argument(help: "The JSON file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            do {
                let c = try Assessor(store: try database.existing()).load(config: try readInput(file))
                print("loaded: minimum sample \(c.minimumSample), weights for \(c.weights.keys.sorted().joined(separator: ", "))")
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
