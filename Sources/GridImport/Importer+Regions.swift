import CivicGridModel
import GridGeometry
import GridStore

extension Importer {
    /// Regions carry `code`, `name`, `level` and `parent` (the parent's code). A parent must
    /// be in the same file or already stored, and sit at a higher level. Parents are written
    /// before children; buildings are re-linked to communities afterwards.
    func importRegions(_ source: FeatureSource, _ options: ImportOptions) throws(ImportError) -> ImportReport {
        let f = options.fields
        let (checked, refused) = checkGeometries(source, .polygonal, options)
        var rejections = refused
        var regions: [(index: Int, region: Region)] = []
        var firstIndex: [String: Int] = [:]
        for c in checked {
            guard let code = Self.text(c.feature, f.code) ?? c.feature.id?.stringValue else {
                rejections.append(Rejection(index: c.index, reason: "missing code"))
                continue
            }
            guard let name = Self.text(c.feature, f.name) else {
                rejections.append(Rejection(index: c.index, reason: "region \(code): missing name"))
                continue
            }
            guard let levelText = Self.text(c.feature, f.level) else {
                rejections.append(Rejection(index: c.index, reason: "region \(code): missing level"))
                continue
            }
            guard let level = RegionLevel(parsing: levelText) else {
                let known = RegionLevel.allCases.map(\.rawValue).joined(separator: ", ")
                rejections.append(Rejection(index: c.index, reason: "region \(code): unknown level \"\(levelText)\" (expected \(known))"))
                continue
            }
            if let first = firstIndex[code] {
                rejections.append(Rejection(index: c.index, reason: "duplicate code \(code) (also feature \(first))"))
                continue
            }
            firstIndex[code] = c.index
            let parent = Self.text(c.feature, f.parent)
            regions.append((c.index, Region(code: code, name: name, level: level, parent: parent, geometry: c.geometry!)))
        }

        return try writing { w in
            let stored = try w.reader.regionLevels()
            let inFile = Dictionary(uniqueKeysWithValues: regions.map { ($0.region.code, $0.region.level) })
            for (index, r) in regions {
                if stored[r.code] != nil, !options.replace {
                    rejections.append(Rejection(index: index, reason: "region \(r.code) already exists (use --replace to update it)"))
                }
                guard let parent = r.parent else { continue }
                guard let parentLevel = inFile[parent] ?? stored[parent] else {
                    rejections.append(Rejection(index: index, reason: "region \(r.code): parent \(parent) not found in this file or the database"))
                    continue
                }
                if parentLevel >= r.level {
                    rejections.append(Rejection(index: index, reason: "region \(r.code): parent \(parent) is a \(parentLevel.rawValue), not above a \(r.level.rawValue)"))
                }
            }
            guard rejections.isEmpty else {
                throw ImportError.rejected(total: source.count, rejections.sorted { $0.index < $1.index })
            }
            let ordered = regions.sorted { ($0.region.level, $0.index) < ($1.region.level, $1.index) }
            for (i, item) in ordered.enumerated() {
                if i % 100 == 0 { progress?("writing", i, ordered.count) }
                try w.save(item.region)
            }
            progress?("writing", ordered.count, ordered.count)
            try w.touchContents("regions")
            let (changed, outside) = try relink(w)
            var report = ImportReport(kind: .regions, imported: ordered.count, linkedBuildings: changed)
            if outside > 0 { report.warnings.append("\(outside) buildings lie outside every community") }
            return report
        }
    }
}
