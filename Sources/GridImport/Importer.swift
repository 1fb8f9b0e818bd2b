import Foundation
import GridGEOS
import GridGeometry
import GridProj
import GridStore

/// Loads regions, buildings, households or roads from GeoJSON or GeoPackage into the store.
///
/// All or nothing: every feature is checked first, every refused feature is reported with
/// its index and reason, and the store is written in one transaction only when none was
/// refused. Not thread-safe (it owns a GEOS and a PROJ context).
public final class Importer {
    /// Called as work advances: stage name, items done, items in all.
    public typealias Progress = (_ stage: String, _ done: Int, _ total: Int) -> Void

    let store: GridStore
    let geos = GEOSContext()
    let projector = Projector()
    public var progress: Progress?

    public init(store: GridStore) {
        self.store = store
    }

    public func run(_ kind: ImportKind, path: String, options: ImportOptions = ImportOptions()) throws(ImportError) -> ImportReport {
        let start = Date()
        let source = try FeatureSource(path: path, options: options)
        do { try projector.validate(source.crs) } catch { throw .unreadable("\(path): \(error.message)") }
        var report: ImportReport
        switch kind {
        case .regions: report = try importRegions(source, options)
        case .buildings: report = try importBuildings(source, options)
        case .households: report = try importHouseholds(source, options)
        case .roads: report = try importRoads(source, options)
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    // MARK: Shared steps

    /// Decoding errors, CRS transform, coordinate ranges, geometry kind and validity.
    func checkGeometries(_ source: FeatureSource, _ cls: GeometryClass, _ options: ImportOptions) -> ([Checked], [Rejection]) {
        let checker = FeatureChecker(geos: geos, projector: projector, crs: source.crs, options: options)
        var checked: [Checked] = []
        var rejections: [Rejection] = []
        for index in 0..<source.count {
            if index % 500 == 0 { progress?("checking", index, source.count) }
            switch checker.check(source.feature(index), index: index, cls) {
            case .success(let c): checked.append(c)
            case .failure(let r): rejections.append(r)
            }
        }
        progress?("checking", source.count, source.count)
        return (checked, rejections)
    }

    struct RejectReason: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// Runs `body` in one store transaction; store failures become `ImportError.store`.
    func writing<T>(_ body: (StoreWriter) throws -> T) throws(ImportError) -> T {
        do {
            return try store.write(body)
        } catch let e as ImportError {
            throw e
        } catch {
            throw .store("\(error)")
        }
    }

    /// Links every building to the community holding its interior point.
    func relink(_ w: StoreWriter) throws -> (changed: Int, outside: Int) {
        let communities = try w.reader.regions(level: .community)
        let index = try PolygonIndex(context: geos, polygons: communities.map(\.geometry))
        let labels = try w.reader.buildingLabels()
        var links: [(building: Int64, community: String?)] = []
        links.reserveCapacity(labels.count)
        var outside = 0
        for (i, b) in labels.enumerated() {
            if i % 5000 == 0 { progress?("linking", i, labels.count) }
            let hit = try index.firstContaining(b.label).map { communities[$0].code }
            if hit == nil { outside += 1 }
            links.append((b.id, hit))
        }
        progress?("linking", labels.count, labels.count)
        return (try w.setCommunities(links), outside)
    }

    /// A property as trimmed text, nil when absent or blank.
    static func text(_ f: Feature, _ names: [String]) -> String? {
        guard let s = f.property(names)?.stringValue?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        return s
    }

    /// A property as a whole number at least `minimum`: nil when absent, an error message
    /// when present but not such a number.
    static func wholeNumber(_ f: Feature, _ names: [String], label: String, minimum: Int) -> Result<Int?, RejectReason> {
        guard let v = f.property(names) else { return .success(nil) }
        guard let d = v.doubleValue, d.isFinite, d == d.rounded(), d >= Double(minimum), d < 1e9 else {
            let shown: String = if case .string(let s) = v { "\"\(s)\"" } else { v.stringValue ?? "\(v)" }
            return .failure(RejectReason("\(label) \(shown) is not a whole number ≥ \(minimum)"))
        }
        return .success(Int(d))
    }
}
