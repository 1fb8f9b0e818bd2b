import GridGeometry
import GridStore

extension TileSet {
    /// The layers and their zooms.
    public static let layerZooms: [(name: String, minZoom: Int, maxZoom: Int)] = [
        ("districts", 0, 16), ("streets", 8, 16), ("communities", 10, 16),
        ("grids", 11, 16), ("buildings", 14, 16), ("roads", 10, 16),
    ]

    /// Loads every layer from the store: regions by level, the published grids with their
    /// band against `band`, buildings and roads. Only map attributes are read; household
    /// records (and their personal fields) never are.
    public static func load(from store: GridStore, band: ClosedRange<Int> = 350...500) throws -> TileSet {
        try store.read { r in
            let version = try r.dataVersion()
            var layers: [TileLayer] = []
            let regions = try r.regions()
            for (level, name) in [(RegionLevel.district, "districts"), (.street, "streets"), (.community, "communities")] {
                let features = regions.filter { $0.level == level }.compactMap { region -> TileSourceFeature? in
                    guard let id = region.id, let shape = TileShape(region.geometry) else { return nil }
                    var properties: [(key: String, value: TileValue)] = [("code", .string(region.code)), ("name", .string(region.name))]
                    if let parent = region.parent { properties.append(("parent", .string(parent))) }
                    return TileSourceFeature(id: UInt64(id), properties: properties, shape: shape)
                }
                layers.append(layer(name, ["code": "String", "name": "String", "parent": "String"],
                                    "\(level.rawValue.capitalized) boundaries", features))
            }
            let grids = try r.publishedGrids().compactMap { g -> TileSourceFeature? in
                guard let id = g.grid.id, let shape = TileShape(g.grid.geometry) else { return nil }
                let state = g.grid.households < band.lowerBound ? "under" : g.grid.households > band.upperBound ? "over" : "ok"
                return TileSourceFeature(id: UInt64(id), properties: [
                    ("code", .string(g.grid.code)), ("community", .string(g.community)), ("households", .int(Int64(g.grid.households))),
                    ("buildings", .int(Int64(g.grid.buildings))), ("band", .string(state)), ("area_m2", .int(Int64(g.grid.areaM2.rounded()))),
                    ("plan", .int(g.grid.plan)),
                ], shape: shape)
            }
            layers.append(layer("grids", ["code": "String", "community": "String", "households": "Number", "buildings": "Number",
                                          "band": "String", "area_m2": "Number", "plan": "Number"],
                                "Unit grids of the published plans; band is under, ok or over against \(band.lowerBound)–\(band.upperBound) households", grids))
            let gridCodes = try r.publishedGridCodes()
            let buildings = try r.buildings().compactMap { b -> TileSourceFeature? in
                guard let id = b.id, let shape = TileShape(b.geometry) else { return nil }
                var properties: [(key: String, value: TileValue)] = [("households", .int(Int64(b.households)))]
                if let floors = b.floors { properties.append(("floors", .int(Int64(floors)))) }
                if let code = gridCodes[id] { properties.append(("grid", .string(code))) }
                return TileSourceFeature(id: UInt64(id), properties: properties, shape: shape)
            }
            layers.append(layer("buildings", ["households": "Number", "floors": "Number", "grid": "String"],
                                "Building footprints with household counts and their grid", buildings))
            let roads = try r.roads().compactMap { road -> TileSourceFeature? in
                guard let id = road.id, let shape = TileShape(road.geometry) else { return nil }
                var properties: [(key: String, value: TileValue)] = [("kind", .string(road.kind))]
                if let name = road.name { properties.append(("name", .string(name))) }
                return TileSourceFeature(id: UInt64(id), properties: properties, shape: shape)
            }
            layers.append(layer("roads", ["kind": "String", "name": "String"], "Road centrelines and rivers", roads))
            return TileSet(layers: layers, version: version)
        }
    }

    private static func layer(_ name: String, _ fields: [String: String], _ description: String, _ features: [TileSourceFeature]) -> TileLayer {
        let zooms = layerZooms.first { $0.name == name }!
        return TileLayer(name: name, minZoom: zooms.minZoom, maxZoom: zooms.maxZoom, fields: fields, description: description, features: features)
    }
}
