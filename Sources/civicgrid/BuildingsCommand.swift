import ArgumentParser
import Foundation
import GridStore

struct BuildingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "buildings", abstract: "Change buildings after a survey.",
                                                    subcommands: [Remove.self])

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove demolished buildings by ref, with their household records; the grids that held them count what is left (then `partition --rebalance`).")

        @OptionGroup var database: DatabaseOption

        @Argument(help: "Building refs.")
        var refs: [String] = []

        @Option(help: "A file of building refs, one per line.")
        var file: String?

        func run() throws {
            var all = refs
            if let file {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                all += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            guard !all.isEmpty else { throw ValidationError("name the buildings to remove: refs or --file") }
            let store = try database.existing()
            let removed = try store.write { try $0.removeBuildings(refs: all) }
            print("removed \(removed) buildings")
        }
    }
}
