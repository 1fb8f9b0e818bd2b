import ArgumentParser
import GridImport
import GridProj
import GridSchema
import GridStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import regions, buildings, households or roads from GeoJSON or a GeoPackage.",
        discussion: """
            All or nothing: if any feature is refused, every refused feature is listed with its
            index and reason, nothing is written, and the exit status is 1.

            Buildings without a household count get an estimate:
              households = max(1, round(footprint m² × floors × usable-share ÷ area-per-household))
            """
    )

    @Argument(help: "What the file holds: regions, buildings, households or roads.")
    var kind: String

    @Argument(help: "A GeoJSON file or a GeoPackage.")
    var file: String

    @OptionGroup var database: DatabaseOption

    @Option(help: "The file's CRS, e.g. EPSG:4490 or EPSG:4547 (default: what the file says, else CRS84).")
    var crs: String?

    @Option(help: "The layer to read from a GeoPackage with several.")
    var layer: String?

    @Flag(help: "Repair invalid polygons instead of refusing them.")
    var makeValid = false

    @Flag(help: "Regions: update regions whose code already exists.")
    var replace = false

    @Option(help: "Property holding a building's household count (default: households).")
    var householdsField: String?

    @Option(help: "Property holding a building's floor count (default: floors, floor, levels).")
    var floorsField: String?

    @Option(help: "Property holding a building's height in metres (default: height).")
    var heightField: String?

    @Option(help: "Property holding a region's or building's code (default: code; buildings: ref, id).")
    var codeField: String?

    @Option(help: "Estimate: share of gross floor area that is dwellings.")
    var usableShare: Double = HouseholdEstimate().usableShare

    @Option(help: "Estimate: square metres of gross dwelling floor area per household.")
    var areaPerHousehold: Double = HouseholdEstimate().areaPerHousehold

    @Option(help: "Estimate: metres per floor, to turn heights into floors.")
    var floorHeight: Double = HouseholdEstimate().floorHeight

    @Option(help: "Estimate: floors of a building with neither floors nor height.")
    var defaultFloors: Int = HouseholdEstimate().defaultFloors

    func validate() throws {
        guard ImportKind(rawValue: kind) != nil else {
            throw ValidationError("unknown kind \"\(kind)\": expected regions, buildings, households or roads")
        }
        guard usableShare > 0, areaPerHousehold > 0, floorHeight > 0, defaultFloors >= 1 else {
            throw ValidationError("estimate parameters must be positive")
        }
    }

    func run() throws {
        var options = ImportOptions()
        if let crs {
            do { options.crs = try CRS(parsing: crs) } catch { throw ValidationError(error.message) }
        }
        options.layer = layer
        options.makeValid = makeValid
        options.replace = replace
        if let householdsField { options.fields.households = [householdsField] }
        if let floorsField { options.fields.floors = [floorsField] }
        if let heightField { options.fields.height = [heightField] }
        if let codeField {
            options.fields.code = [codeField]
            options.fields.ref = [codeField]
            options.refFieldNamed = true
        }
        options.estimate.usableShare = usableShare
        options.estimate.areaPerHousehold = areaPerHousehold
        options.estimate.floorHeight = floorHeight
        options.estimate.defaultFloors = defaultFloors
        try runImport(ImportKind(rawValue: kind)!, file: file, db: database.db, options: options)
    }
}

/// Runs one import with progress and prints its report; exits 1 when it changed nothing.
func runImport(_ kind: ImportKind, file: String, db: String, options: ImportOptions) throws {
    let store: GridStore
    do { store = try GridStore(path: db) } catch {
        printError("error: \(error)")
        throw ExitCode.failure
    }
    let importer = Importer(store: store)
    let progress = ProgressPrinter()
    importer.progress = { progress.update("\(kind.rawValue): \($0)", $1, $2) }
    do {
        let report = try importer.run(kind, path: file, options: options)
        progress.finish()
        var line = "imported \(report.imported) \(kind.rawValue) from \(file)"
        if report.estimatedBuildings > 0 { line += "; households estimated for \(report.estimatedBuildings) buildings" }
        if report.linkedBuildings > 0 { line += "; \(report.linkedBuildings) buildings linked to communities" }
        print(line + String(format: " (%.2f s)", report.seconds))
        for w in report.warnings { print("warning: \(w)") }
    } catch {
        progress.finish()
        if case .rejected = error { printError("\(file):\n\(error)") } else { printError("\(file): \(error)") }
        throw ExitCode.failure
    }
}
