import CivicGridModel
import GridGeometry
import GridStore

extension TileSet {
    /// Loads the layers that have zooms (in the catalogue's order) from the store, each from
    /// its query with the fields its descriptor marks for tiles. Household records (and
    /// their personal fields) are never read.
    public static func load(from store: GridStore, layers sources: [FeatureLayer] = FeatureLayer.standard) throws -> TileSet {
        try store.read { r in
            let version = try r.dataVersion()
            var layers: [TileLayer] = []
            for source in sources {
                guard let zooms = source.descriptor.zooms else { continue }
                let fields = source.descriptor.tileFields
                let features = try r.tileRows(source).compactMap { row -> TileSourceFeature? in
                    guard row.key >= 0, let shape = TileShape(row.geometry) else { return nil }
                    var properties: [(key: String, value: TileValue)] = []
                    for (field, value) in zip(fields, row.values) {
                        if let v = TileValue(value, field.type) { properties.append((field.name, v)) }
                    }
                    return TileSourceFeature(id: UInt64(row.key), properties: properties, shape: shape)
                }
                layers.append(TileLayer(name: source.name, minZoom: zooms.lowerBound, maxZoom: zooms.upperBound,
                                        fields: Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.type.tileJSON) }),
                                        fieldMinZoom: fields.reduce(into: [:]) { d, f in if let z = f.tileMinZoom, z > zooms.lowerBound { d[f.name] = z } },
                                        description: source.descriptor.summary, features: features))
            }
            return TileSet(layers: layers, version: version, sources: sources)
        }
    }
}

extension TileValue {
    /// A field's value as a tile attribute; nil for null (the attribute is left out).
    init?(_ value: JSONValue, _ type: FieldType) {
        switch value {
        case .string(let s): self = .string(s)
        case .number(let n): self = type == .integer ? Int64(exactly: n).map(TileValue.int) ?? .double(n) : .double(n)
        case .bool(let b): self = .bool(b)
        default: return nil
        }
    }
}
