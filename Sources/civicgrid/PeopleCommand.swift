import ArgumentParser
import CivicGridModel
import Foundation
import GridGeometry
import GridImport
import GridPeople
import GridStore

struct PeopleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "people", abstract: "Household members: personal data, ID numbers sealed with a key kept outside the database.",
                                                    subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import household members from CSV (building,unit,name,relation,sex,birth_year,id_number,phone,tags), GeoJSON features or a GeoPackage table with those properties: every row checked (ID numbers by GB 11643), all or nothing, every refused line or feature named.")

        @Argument(help: "The CSV, GeoJSON or GeoPackage file (told apart by content).")
        var file: String

        @Option(help: "The GeoPackage table to read (needed when the file has several).")
        var layer: String?

        @OptionGroup var database: DatabaseOption

        @Option(help: "The key file (default: DB.key, or CIVICGRID_KEY_FILE); made when missing. Keep it apart from the database and its backups.")
        var keyFile: String?

        func run() throws {
            let data = try readInput(file)
            do {
                let store = try database.existing()
                let desk = PeopleDesk(store: store, key: try PersonalKey.load(path: keyFile ?? PersonalKey.path(for: database.db)))
                let n: Int
                if data.starts(with: Array("SQLite format 3".utf8)) {
                    n = try desk.importFeatures(try GeoPackageReader.read(path: file, layer: layer, attributes: true).features)
                } else if data.first(where: { ![9, 10, 13, 32].contains($0) }) == UInt8(ascii: "{") {
                    n = try desk.importFeatures(try GeoJSON.decodeDocument(data).features)
                } else {
                    n = try desk.importCSV(try CSVTable.text(data, file: file))
                }
                print("imported \(n) people")
            } catch {
                printError("\(error)\nnothing was written")
                throw ExitCode.failure
            }
        }
    }
}

struct OrganisationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "organisations", abstract: "Shops, enterprises, schools, clinics … (name and kind public; licence, contact and size basic data).",
                                                    subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import organisations from GeoJSON (a point, or a `building` ref; code, name, kind, licence?: unified social credit code, contact_name?, contact_phone?, unit?, employees?): all or nothing, every refused feature named.")

        @Argument(help: "The GeoJSON file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let features = try readFeatures(file, plural: "organisations")
            do {
                print("imported \(try Organisations.importFeatures(features, into: try database.existing())) organisations")
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Who read personal data.", subcommands: [Access.self])

    struct Access: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every read of personal fields since a day or instant: time, account, role, what, which, why (tab-separated).")

        @OptionGroup var database: DatabaseOption

        @Option(help: "2026-11-01 (local midnight) or an ISO 8601 time.")
        var since: String

        func run() throws {
            let store = try database.existing()
            let calendar = try store.read { try $0.calendar() }
            guard let from = Day(since).map(calendar.midnight(of:)) ?? StoreTime.date(since) else { throw ValidationError("--since \(since): a day (2026-11-01) or an ISO 8601 time") }
            for r in try store.read({ try $0.accessLog(since: from) }) {
                print([StoreTime.text(r.at), r.account, r.role, r.what, r.subject, r.reason ?? ""].joined(separator: "\t"))
            }
        }
    }
}
