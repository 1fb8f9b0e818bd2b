import CivicGridModel
import GridGeometry
import GridStore

extension Importer {
    /// Roads (and rivers, `kind: river`) carry an optional `name` and `kind`.
    func importRoads(_ source: FeatureSource, _ options: ImportOptions) throws(ImportError) -> ImportReport {
        let f = options.fields
        let (checked, rejections) = checkGeometries(source, .linear, options)
        guard rejections.isEmpty else { throw .rejected(total: source.count, rejections) }
        return try writing { w in
            for (i, c) in checked.enumerated() {
                if i % 1000 == 0 { progress?("writing", i, checked.count) }
                try w.insert(Road(name: Self.text(c.feature, f.roadName), kind: Self.text(c.feature, f.roadKind) ?? "road",
                                  geometry: c.geometry!))
            }
            progress?("writing", checked.count, checked.count)
            try w.touchContents("roads")
            return ImportReport(kind: .roads, imported: checked.count)
        }
    }
}
