import ArgumentParser
import Foundation
import GridStore

struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "A consistent copy of a database, live or not (SQLite's online backup; the server goes on writing), checked, with its photos beside it (FILE.photos). The key file is not copied: keep it apart.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "The backup file to write (a new file; never the database itself).")
    var output: String

    @Flag(help: "Write over an existing backup file (a regular file no process has open).")
    var replace = false

    func run() throws {
        let start = Date()
        do {
            let r = try database.existing().backup(to: output, replace: replace)
            print("backed up \(database.db) to \(output): \(r.bytes) bytes, integrity ok; \(r.photos) photo(s), \(r.photosCopied) copied (\(String(format: "%.2f", Date().timeIntervalSince(start))) s)")
        } catch {
            printError("error: \(error)\nnothing was written to \(output)")
            throw ExitCode.failure
        }
    }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup in place of a database (checked first; its photos too). Refused while any process (a server) has the database open.")

    @Option(help: "The backup file.")
    var from: String

    @OptionGroup var database: DatabaseOption

    @Flag(help: "Replace an existing database (none may have it open).")
    var replace = false

    func run() throws {
        do {
            let r = try GridStore.restore(from: from, to: database.db, replace: replace)
            print("restored \(from) to \(database.db): \(r.bytes) bytes, integrity ok; \(r.photos) photo(s), \(r.photosCopied) copied")
        } catch {
            printError("error: \(error)")
            throw ExitCode.failure
        }
    }
}
