import ArgumentParser
import Foundation
import GridGeometry
import GridPlanning
import GridStore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export layers for desktop GIS.", subcommands: [Grids.self])

    struct Grids: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a plan's grids (default: every published plan) as GeoJSON or GeoPackage (layer grids: code, name, community, plan, counts; edit it in QGIS, bring it back with plans import).")

        @OptionGroup var database: DatabaseOption

        @Option(help: "The plan (default: the published grids of every community).")
        var plan: Int64?

        @Option(help: "geojson or gpkg.")
        var format: String = "geojson"

        @Option(help: "Output file (GeoJSON: standard output when omitted).")
        var output: String?

        func validate() throws {
            guard ["geojson", "gpkg"].contains(format) else { throw ValidationError("--format is geojson or gpkg") }
            if format == "gpkg", output == nil { throw ValidationError("a GeoPackage needs --output FILE") }
        }

        func run() throws {
            let store = try database.existing()
            let plans: [Int64] = try store.read { r in
                if let plan {
                    guard try r.plan(id: plan) != nil else { throw ValidationError("no plan \(plan)") }
                    return [plan]
                }
                return try r.plans().filter { $0.status == .published }.sorted { $0.community < $1.community }.map(\.id)
            }
            let planner = Planner(store: store)
            let features = try plans.flatMap { try planner.features(plan: $0) }
            if format == "gpkg" {
                try GeoPackageWriter.write(features, layer: "grids", geometryType: "POLYGON", to: output!)
                FileHandle.standardError.write(Data("wrote \(features.count) grids to \(output!)\n".utf8))
                return
            }
            let text = GeoJSONWriter().featureCollection(features)
            if let output {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output))
                FileHandle.standardError.write(Data("wrote \(features.count) grids to \(output)\n".utf8))
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}
