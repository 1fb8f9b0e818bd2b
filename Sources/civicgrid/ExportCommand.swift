import ArgumentParser
import Foundation
import GridGeometry
import GridStore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export layers for desktop GIS.", subcommands: [Grids.self])

    struct Grids: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a plan's grids (default: every published plan) as GeoJSON or GeoPackage.")

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
            let store = try GridStore(path: database.db)
            let features: [Feature] = try store.read { r in
                let plans: [Plan]
                if let plan {
                    guard let p = try r.plan(id: plan) else { throw ValidationError("no plan \(plan)") }
                    plans = [p]
                } else {
                    plans = try r.plans().filter { $0.status == .published }.sorted { $0.community < $1.community }
                }
                return try plans.flatMap { p in
                    try r.grids(plan: p.id).map { g in
                        Feature(id: .number(Double(g.id!)), geometry: g.geometry, properties: [
                            "code": .string(g.code), "community": .string(p.community), "plan": .number(Double(p.id)),
                            "households": .number(Double(g.households)), "buildings": .number(Double(g.buildings)),
                            "area_m2": .number((g.areaM2 * 10).rounded() / 10),
                        ])
                    }
                }
            }
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
