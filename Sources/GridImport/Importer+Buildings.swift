import CivicGridModel
import GridGEOS
import GridGeometry
import GridStore

extension Importer {
    /// Buildings carry `households` and/or `floors` (or `height`); a building without a
    /// household count gets an estimate (see `HouseholdEstimate`). Each is linked to the
    /// community holding a point inside its footprint.
    func importBuildings(_ source: FeatureSource, _ options: ImportOptions) throws(ImportError) -> ImportReport {
        let f = options.fields
        let (checked, refused) = checkGeometries(source, .polygonal, options)
        var rejections = refused
        var buildings: [(index: Int, building: Building)] = []
        var firstIndex: [String: Int] = [:]
        var estimated = 0
        var warnings: [String] = []
        var refs = checked.map { Self.text($0.feature, f.ref) ?? $0.feature.id?.stringValue }
        let repeated = refs.count - Set(refs.compactMap { $0 }).count - refs.filter { $0 == nil }.count
        if repeated > 0, !options.refFieldNamed {
            refs = refs.map { _ in nil }
            warnings.append("building ids dropped: the guessed id field repeats \(repeated) times; name a unique one with --code-field")
        }
        for (c, ref) in zip(checked, refs) {
            let geometry = c.geometry!
            if let ref {
                if let first = firstIndex[ref] {
                    rejections.append(Rejection(index: c.index, reason: "duplicate building id \(ref) (also feature \(first))"))
                    continue
                }
                firstIndex[ref] = c.index
            }
            var floors: Int?
            var households: Int?
            switch Self.wholeNumber(c.feature, f.households, label: "households", minimum: 0) {
            case .failure(let e): rejections.append(Rejection(index: c.index, reason: e.description)); continue
            case .success(let n): households = n
            }
            switch Self.wholeNumber(c.feature, f.floors, label: "floors", minimum: 1) {
            case .failure(let e): rejections.append(Rejection(index: c.index, reason: e.description)); continue
            case .success(let n): floors = n
            }
            var height: Double?
            if let h = c.feature.property(f.height) {
                guard let metres = h.doubleValue, metres.isFinite, metres > 0, metres < 1_000 else {
                    rejections.append(Rejection(index: c.index, reason: "height \(h.stringValue ?? "?") is not a number of metres above 0 and below 1000"))
                    continue
                }
                height = metres
                if floors == nil { floors = max(1, Int((metres / options.estimate.floorHeight).rounded())) }
            }
            let area: Double
            let label: Coordinate
            do {
                area = try projector.metricArea(geometry)
                label = try geos.pointOnSurface(geometry)
            } catch {
                rejections.append(Rejection(index: c.index, reason: "\(error)"))
                continue
            }
            let source: HouseholdSource = households == nil ? .estimated : .declared
            if households == nil {
                households = options.estimate.households(footprintM2: area, floors: floors ?? options.estimate.defaultFloors)
                estimated += 1
            }
            buildings.append((c.index, Building(ref: ref, address: Self.text(c.feature, f.address), floors: floors,
                                                households: households!, householdSource: source, areaM2: area,
                                                community: nil, label: label, geometry: geometry, height: height)))
        }

        return try writing { w in
            let storedRefs = try w.reader.buildingIDsByRef()
            for (index, b) in buildings {
                if let ref = b.ref, storedRefs[ref] != nil {
                    rejections.append(Rejection(index: index, reason: "building \(ref) already exists"))
                }
            }
            guard rejections.isEmpty else {
                throw ImportError.rejected(total: source.features.count, rejections.sorted { $0.index < $1.index })
            }
            var start = 0
            while start < buildings.count {
                progress?("writing", start, buildings.count)
                let end = min(buildings.count, start + 1000)
                try w.insert(buildings[start..<end].map(\.building))
                start = end
            }
            progress?("writing", buildings.count, buildings.count)
            try w.touchContents("buildings")
            let (changed, outside) = try relink(w)
            var report = ImportReport(kind: .buildings, imported: buildings.count, linkedBuildings: changed,
                                      estimatedBuildings: estimated, warnings: warnings)
            if outside > 0 { report.warnings.append("\(outside) buildings lie outside every community") }
            return report
        }
    }
}
