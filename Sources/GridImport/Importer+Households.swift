import CivicGridModel
import GridGeometry
import GridStore

extension Importer {
    /// Households carry `building` (the building's id in its source), `unit`, and optionally
    /// `size`, `head_name` and `phone` (personal data, stored apart). Geometry is ignored.
    /// A building with household records takes their count as its household count.
    func importHouseholds(_ source: FeatureSource, _ options: ImportOptions) throws(ImportError) -> ImportReport {
        let f = options.fields
        let (checked, refused) = checkGeometries(source, .ignored, options)
        var rejections = refused
        var parsed: [(index: Int, ref: String, unit: String, size: Int?, head: String?, phone: String?)] = []
        for c in checked {
            guard let ref = Self.text(c.feature, f.building) else {
                rejections.append(Rejection(index: c.index, reason: "missing building"))
                continue
            }
            guard let unit = Self.text(c.feature, f.unit) else {
                rejections.append(Rejection(index: c.index, reason: "missing unit"))
                continue
            }
            var size: Int?
            switch Self.wholeNumber(c.feature, f.size, label: "size", minimum: 0) {
            case .failure(let e): rejections.append(Rejection(index: c.index, reason: e.description)); continue
            case .success(let n): size = n
            }
            parsed.append((c.index, ref, unit, size, Self.text(c.feature, f.headName), Self.text(c.feature, f.phone)))
        }

        return try writing { w in
            let ids = try w.reader.buildingIDsByRef()
            var seen = try w.reader.householdUnits()
            var households: [Household] = []
            for p in parsed {
                guard let building = ids[p.ref] else {
                    rejections.append(Rejection(index: p.index, reason: "building \(p.ref) not found"))
                    continue
                }
                guard seen.insert(HouseholdKey(building: building, unit: p.unit)).inserted else {
                    rejections.append(Rejection(index: p.index, reason: "unit \(p.unit) of building \(p.ref) already exists"))
                    continue
                }
                households.append(Household(building: building, unit: p.unit, size: p.size, headName: p.head, phone: p.phone))
            }
            guard rejections.isEmpty else {
                throw ImportError.rejected(total: source.count, rejections.sorted { $0.index < $1.index })
            }
            for (i, h) in households.enumerated() {
                if i % 5000 == 0 { progress?("writing", i, households.count) }
                try w.insert(h)
            }
            progress?("writing", households.count, households.count)
            try w.countHouseholdsFromRecords()
            return ImportReport(kind: .households, imported: households.count)
        }
    }
}
