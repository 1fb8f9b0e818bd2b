import ArgumentParser
import GridGeometry
import Foundation
import GridDemo
import GridImport

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The built-in demo district.",
        subcommands: [Generate.self, Load.self]
    )

    /// Data/demo in the source tree this binary was built from, unless told otherwise.
    static var defaultDataDirectory: String {
        if let env = ProcessInfo.processInfo.environment["CIVICGRID_DATA"] { return env }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Data/demo").path
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the synthetic demo district as GeoJSON (deterministic for a seed).")

        @Option(help: "Random seed.")
        var seed: UInt64 = DemoCity.defaultSeed

        @Option(help: "Communities along each side of the district (4: the built-in demo).")
        var size = 4

        @Option(help: "Output directory.")
        var output: String = DemoCommand.defaultDataDirectory

        @Option(help: "Centre of the district as lon,lat (default: 120.7,31.3, east of Suzhou).")
        var center: String?

        func validate() throws {
            guard (1...40).contains(size) else { throw ValidationError("--size is 1 to 40") }
            _ = try centre()
        }

        func centre() throws -> Coordinate {
            guard let center else { return DemoCity.defaultCenter }
            let parts = center.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, (-180...180).contains(parts[0]), (-85...85).contains(parts[1]) else {
                throw ValidationError("--center \(center): expected lon,lat, e.g. 116.33,39.98")
            }
            return Coordinate(parts[0], parts[1])
        }

        func run() throws {
            let city = DemoCity(seed: seed, size: size, center: try centre())
            try city.write(to: URL(fileURLWithPath: output))
            print("wrote \(city.regions.count) regions, \(city.roads.count) roads, \(city.buildings.count) buildings "
                  + "(\(city.householdTotal) households), \(city.households.count) household records to \(output)")
        }
    }

    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import the demo district into a database.")

        @OptionGroup var database: DatabaseOption

        @Option(help: "Directory holding the demo GeoJSON files.")
        var data: String = DemoCommand.defaultDataDirectory

        func run() throws {
            for file in DemoCity.files {
                let kind = ImportKind(rawValue: String(file.dropLast(".geojson".count)))!
                var options = ImportOptions()
                options.replace = kind == .regions
                try runImport(kind, file: URL(fileURLWithPath: data).appendingPathComponent(file).path,
                              db: database.db, options: options)
            }
        }
    }
}
