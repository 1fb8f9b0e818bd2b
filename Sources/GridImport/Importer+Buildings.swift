import CivicGridModel
import Foundation
import GridGEOS
import GridGeometry
import GridProj
import GridStore

extension Importer {
    /// Buildings carry `households` and/or `floors` (or `height`); a building without a
    /// household count gets an estimate (see `HouseholdEstimate`). Each is linked to the
    /// community holding a point inside its footprint.
    ///
    /// Features are decoded and checked on every core, a chunk at a time, and written in file
    /// order as they come, inside the one transaction; once any is refused the rest are only
    /// checked, and the transaction is rolled back at the end.
    func importBuildings(_ source: FeatureSource, _ options: ImportOptions) throws(ImportError) -> ImportReport {
        try writing { w in
            let stored = try w.reader.buildingIDsByRef()
            let communities = try w.reader.regions(level: .community)
            let codes = communities.map(\.code), shapes = communities.map(\.geometry)
            _ = try PolygonIndex(context: geos, polygons: shapes)  // fails here, not on a worker
            let lastBefore = try w.reader.lastBuildingID()
            var rejections: [Rejection] = []
            var conflicts: [Rejection] = []
            var firstIndex: [String: Int] = [:]
            var repeated = 0, imported = 0, estimated = 0, linked = 0
            let crs = source.crs
            let warnings = try w.insertBuildings { insert in
                try ChunkedWork.run(count: source.count, chunk: 512, workers: ProcessInfo.processInfo.activeProcessorCount, worker: {
                    let geos = GEOSContext()
                    let checker = FeatureChecker(geos: geos, projector: Projector(), crs: crs, options: options)
                    let index = try? PolygonIndex(context: geos, polygons: shapes)
                    return { i in Self.building(source.feature(i), index: i, checker, communities: index, codes: codes) }
                }) { range, results in
                    progress?("importing", range.lowerBound, source.count)
                    var rows: [Building] = []
                    rows.reserveCapacity(results.count)
                    for result in results {
                        guard case .accepted(let index, var b, let estimate) = result else {
                            if case .refused(let r) = result { rejections.append(r) }
                            continue
                        }
                        if let ref = b.ref {
                            if let first = firstIndex[ref] {
                                guard !options.refFieldNamed else {
                                    rejections.append(Rejection(index: index, reason: "duplicate building id \(ref) (also feature \(first))"))
                                    continue
                                }
                                repeated += 1
                                b.ref = nil
                            } else {
                                firstIndex[ref] = index
                            }
                            if stored[ref] != nil {
                                conflicts.append(Rejection(index: index, reason: "building \(ref) already exists"))
                                b.ref = nil
                            }
                        }
                        if estimate { estimated += 1 }
                        if b.community != nil { linked += 1 }
                        rows.append(b)
                    }
                    imported += rows.count
                    if rejections.isEmpty { try insert(rows) }
                    source.release(before: range.upperBound)
                }
                progress?("importing", source.count, source.count)
                var warnings: [String] = []
                if repeated > 0, !options.refFieldNamed {
                    // A guessed id field that repeats is no id: the new buildings keep none.
                    warnings.append("building ids dropped: the guessed id field repeats \(repeated) times; name a unique one with --code-field")
                    if rejections.isEmpty { try w.dropRefs(ofBuildingsAfter: lastBefore) }
                } else {
                    rejections += conflicts
                }
                guard rejections.isEmpty else {
                    throw ImportError.rejected(total: source.count, rejections.sorted { $0.index < $1.index })
                }
                return warnings
            }
            try w.touchContents("buildings")
            var report = ImportReport(kind: .buildings, imported: imported, linkedBuildings: linked,
                                      estimatedBuildings: estimated, warnings: warnings)
            if imported > linked { report.warnings.append("\(imported - linked) buildings lie outside every community") }
            return report
        }
    }

    /// What the checks make of one building feature.
    enum BuildingCheck: Sendable {
        case refused(Rejection)
        case accepted(index: Int, Building, estimated: Bool)
    }

    /// Checks one building feature and makes its record: geometry, counts, area, label point
    /// and community.
    static func building(_ result: Result<Feature, GeometryError>, index: Int, _ checker: FeatureChecker,
                         communities: PolygonIndex?, codes: [String]) -> BuildingCheck {
        func refuse(_ reason: String) -> BuildingCheck { .refused(Rejection(index: index, reason: reason)) }
        let c: Checked
        switch checker.check(result, index: index, .polygonal) {
        case .failure(let r): return .refused(r)
        case .success(let checked): c = checked
        }
        guard let geometry = c.geometry else { return refuse("no geometry") }
        let options = checker.options, f = options.fields
        var floors: Int?
        var households: Int?
        switch wholeNumber(c.feature, f.households, label: "households", minimum: 0) {
        case .failure(let e): return refuse(e.description)
        case .success(let n): households = n
        }
        switch wholeNumber(c.feature, f.floors, label: "floors", minimum: 1) {
        case .failure(let e): return refuse(e.description)
        case .success(let n): floors = n
        }
        var height: Double?
        if let h = c.feature.property(f.height) {
            guard let metres = h.doubleValue, metres.isFinite, metres > 0, metres < 1_000 else {
                return refuse("height \(h.stringValue ?? "?") is not a number of metres above 0 and below 1000")
            }
            height = metres
            if floors == nil { floors = max(1, Int((metres / options.estimate.floorHeight).rounded())) }
        }
        let area: Double
        let label: Coordinate
        let community: String?
        do {
            area = try checker.projector.metricArea(geometry)
            label = try checker.geos.pointOnSurface(geometry)
            community = try communities?.firstContaining(label).map { codes[$0] }
        } catch {
            return refuse("\(error)")
        }
        let declared = households
        let count = declared ?? options.estimate.households(footprintM2: area, floors: floors ?? options.estimate.defaultFloors)
        let ref = text(c.feature, f.ref) ?? c.feature.id?.stringValue
        return .accepted(index: index, Building(ref: ref, address: text(c.feature, f.address), floors: floors, households: count,
                                                householdSource: declared == nil ? .estimated : .declared, areaM2: area,
                                                community: community, label: label, geometry: geometry, height: height),
                         estimated: declared == nil)
    }
}
