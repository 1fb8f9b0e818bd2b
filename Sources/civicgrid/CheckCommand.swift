import ArgumentParser
import GridStore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Print row counts and run SQLite's integrity check.")

    @OptionGroup var database: DatabaseOption

    func run() throws {
        let store = try database.existing()
        let (counts, households, integrity) = try store.read { r in
            (try r.counts(), try r.householdTotal(), try r.integrityCheck())
        }
        for (table, n) in counts.sorted(by: { $0.key < $1.key }) { print("\(table): \(n)") }
        print("households (sum over buildings): \(households)")
        print("integrity: \(integrity)")
        if integrity != "ok" { throw ExitCode.failure }
    }
}
