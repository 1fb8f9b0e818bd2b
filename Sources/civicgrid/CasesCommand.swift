import ArgumentParser
import CivicGridModel
import Foundation
import GridCases
import GridGeometry
import GridPeople
import GridStore

/// The features of a GeoJSON file, or every one that cannot be read named (the reader's
/// messages say which) and the command failed: nothing is written.
func readFeatures(_ file: String, plural: String) throws -> [Feature] {
    let document: GeoJSON.Document
    do { document = try GeoJSON.decodeDocument(try readInput(file)) } catch {
        printError("error: \(error)")
        throw ExitCode.failure
    }
    var features: [Feature] = [], refused: [String] = []
    for r in document.features {
        switch r {
        case .success(let f): features.append(f)
        case .failure(let e): refused.append("\(e)")
        }
    }
    guard refused.isEmpty else {
        printError(refused.joined(separator: "\n") + "\nrefused \(refused.count) of \(document.features.count) \(plural); nothing was written")
        throw ExitCode.failure
    }
    return features
}

struct FacilitiesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "facilities", abstract: "Public facilities (manhole covers, street lamps, hydrants …).",
                                                    subcommands: [Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import public facilities from GeoJSON points (code, category: a facility category of the catalogue, status intact|damaged|lost, department?): all or nothing, every refused feature named.")

        @Argument(help: "The GeoJSON file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let features = try readFeatures(file, plural: "facilities")
            do {
                print("imported \(try CaseDesk(store: try database.existing()).importFacilities(features)) facilities")
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }
}

struct CasesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cases", abstract: "Cases: export and import them with their whole history.",
                                                    subcommands: [Export.self, Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import historical cases from GeoJSON as `cases export` writes it: each history replayed through the workflow at its own times; all or nothing, every refused case named.")

        @Argument(help: "The GeoJSON file.")
        var file: String

        @OptionGroup var database: DatabaseOption

        func run() throws {
            let features = try readFeatures(file, plural: "cases")
            do {
                let n = try CaseDesk(store: try database.existing()).importCases(features)
                print("imported \(n) cases")
            } catch {
                printError("error: \(error)")
                throw ExitCode.failure
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every case with its history: GeoJSON points (properties: the case's fields and a history array of {action, at, actor, from, to, holder, note, detail}) or CSV (one row per case, no history; close_due: the deadline of its last handling or check, what it was due to close by). Holds reporters' names and phones: keep the file as the database.")

        @OptionGroup var database: DatabaseOption

        @Option(help: "geojson or csv.")
        var format: String = "geojson"

        @Option(help: "The file to write (default: standard output).")
        var output: String?

        func run() throws {
            guard format == "geojson" || format == "csv" else { throw ValidationError("--format geojson or csv") }
            let store = try database.existing()
            var filter = CaseFilter()
            filter.limit = Int.max
            let (cases, histories) = try store.read { r in
                let all = try r.cases(filter).reversed()
                return (Array(all), try Dictionary(uniqueKeysWithValues: all.map { ($0.number, try r.history(case: $0.number)) }))
            }
            var text = ""
            if format == "csv" {
                let header = ["number", "category", "urgency", "source", "status", "lon", "lat", "address", "grid", "community", "street", "district",
                              "holder", "created_at", "due", "closed_at", "close_due", "returns", "reworks", "extensions", "escalations", "supervisions", "description"]
                text = header.joined(separator: ",") + "\n"
                let closeDue = try store.read { try $0.closeDeadlines() }
                for c in cases {
                    let fields: [String] = [c.number, c.category, c.urgency.rawValue, c.source.rawValue, c.state.status.rawValue,
                                            String(c.location.x), String(c.location.y), c.address ?? "", c.place.grid ?? "", c.place.community ?? "",
                                            c.place.street ?? "", c.place.district ?? "", c.state.holder?.code ?? "", StoreTime.text(c.createdAt),
                                            c.due.map(StoreTime.text) ?? "", c.closedAt.map(StoreTime.text) ?? "", closeDue[c.number].map(StoreTime.text) ?? "", String(c.state.returns),
                                            String(c.state.reworks), String(c.state.extensions), String(c.state.escalations),
                                            String(c.state.supervisions), c.description]
                    text += fields.map(CSVField.escape).joined(separator: ",") + "\n"
                }
            } else {
                let features = cases.map { c -> Feature in
                    var p: [String: JSONValue] = [
                        "number": .string(c.number), "category": .string(c.category), "urgency": .string(c.urgency.rawValue),
                        "source": .string(c.source.rawValue), "description": .string(c.description),
                    ]
                    if let a = c.address { p["address"] = .string(a) }
                    if let n = c.reporter.name { p["reporter_name"] = .string(n) }
                    if let ph = c.reporter.phone { p["reporter_phone"] = .string(ph) }
                    if let d = c.duplicateOf { p["duplicate_of"] = .string(d) }
                    p["history"] = .array((histories[c.number] ?? []).map(\.json))
                    return Feature(id: .string(c.number), geometry: .point(c.location), properties: p)
                }
                text = GeoJSONWriter(coordinatePrecision: 9).featureCollection(features) + "\n"
            }
            if let output {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output))
                printError("wrote \(cases.count) cases to \(output)")
            } else {
                print(text, terminator: "")
            }
            // An export of personal data (the reporters) is recorded: who ran it on this machine.
            if format == "geojson", cases.contains(where: { $0.reporter.name != nil || $0.reporter.phone != nil }) {
                let user = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
                try store.write { try $0.log(AccessRecord(at: Date(), account: "cli:\(user)", role: "admin", what: "export cases",
                                                          subject: "\(cases.count) cases", reason: output.map { "to \($0)" })) }
            }
        }
    }
}
