import ArgumentParser
import Foundation
import GridSchema
import GridStore

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Move a database between stores.",
        subcommands: [DatabaseCopyCommand.self])
}

struct DatabaseCopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy every table of a GeoPackage file into an empty PostgreSQL/PostGIS database (postgres://user@host:port/db), or back into a new file, in one transaction, then count and checksum both sides before committing: the copy is whole and verified, or nothing is written (a PostgreSQL target keeps the schema it was given). Photos and the key file stay where they are.")

    @Option(help: "The source: a GeoPackage file or a postgres:// URL.")
    var from: String

    @Option(help: "The target: an empty PostgreSQL database (postgres://…) or a new GeoPackage file.")
    var to: String

    func run() throws {
        let start = Date()
        let newFile = !PostgresURL.isPostgres(to) && !FileManager.default.fileExists(atPath: to)
        let progress = ProgressPrinter()
        do {
            let report = try StoreCopy.copy(from: from, to: to, schema: .civicGrid) { table, done, total in
                progress.update("copy \(table)", done, total)
            }
            progress.finish()
            for t in report.tables where t.rows > 0 {
                print("\(t.name)\t\(t.rows)\t\(t.checksum)")
            }
            print("copied \(report.rows) row(s) in \(report.tables.count) tables, counts and checksums equal on both sides (\(String(format: "%.2f", Date().timeIntervalSince(start))) s)")
        } catch {
            progress.finish()
            if newFile {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: to + suffix) }
            }
            printError("error: \(error)\nnothing was copied")
            throw ExitCode.failure
        }
    }
}
