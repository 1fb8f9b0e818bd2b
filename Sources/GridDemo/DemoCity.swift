import Foundation
import GridGeometry

/// A synthetic district for demos and tests: one district, four streets, sixteen
/// communities with wavy, road-following boundaries, arterial and local roads, and
/// buildings of four kinds (old-town courtyard houses, mid-rise walk-ups, high-rise
/// towers and slabs, village houses), with household counts; and household records with
/// (fictitious) personal data for one community.
///
/// The same seed gives the same bytes.
public struct DemoCity: Sendable {
    public var regions: [Feature]
    public var roads: [Feature]
    public var buildings: [Feature]
    public var households: [Feature]

    public static let defaultSeed: UInt64 = 20_261_123

    /// The files `write(to:)` makes, in the order they must be imported.
    public static let files = ["regions.geojson", "roads.geojson", "buildings.geojson", "households.geojson"]

    /// East of Suzhou's old town.
    public static let defaultCenter = Coordinate(120.700, 31.300)

    /// The demo district; `size` communities along each side (4: the committed demo,
    /// 76,501 households; about 4,800 households per community for larger sizes), centred
    /// on `center`.
    public init(seed: UInt64 = DemoCity.defaultSeed, size: Int = 4, center: Coordinate = DemoCity.defaultCenter) {
        self = DemoCityBuilder(seed: seed, size: size, center: center).build()
    }

    init(regions: [Feature], roads: [Feature], buildings: [Feature], households: [Feature]) {
        self.regions = regions
        self.roads = roads
        self.buildings = buildings
        self.households = households
    }

    public var householdTotal: Int {
        buildings.reduce(0) { $0 + Int($1.properties["households"]?.doubleValue ?? 0) }
    }

    /// Writes the four GeoJSON files into `directory`.
    public func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let writer = GeoJSONWriter(coordinatePrecision: 7)
        for (name, features) in zip(Self.files, [regions, roads, buildings, households]) {
            let text = writer.featureCollection(features, foreignMembers: [("name", .string(String(name.dropLast(8))))])
            try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        }
    }
}
