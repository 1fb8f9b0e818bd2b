import GridProj

/// What an import reads.
public enum ImportKind: String, CaseIterable, Sendable {
    case regions, buildings, households, roads
}

/// Property names looked up in each feature, first exactly, then ignoring case. The first
/// name present wins.
public struct FieldNames: Sendable {
    public var code = ["code", "adcode", "id"]
    public var name = ["name", "名称"]
    public var level = ["level", "type"]
    public var parent = ["parent", "parent_code"]
    public var households = ["households", "household_count", "hh"]
    public var floors = ["floors", "floor", "levels", "building:levels"]
    public var height = ["height"]
    public var ref = ["ref", "id", "building_id", "code"]
    public var address = ["address", "addr"]
    public var building = ["building", "building_ref", "building_id"]
    public var unit = ["unit", "room"]
    public var size = ["size", "persons", "people"]
    public var headName = ["head_name", "head", "name"]
    public var phone = ["phone", "tel", "mobile"]
    public var roadName = ["name"]
    public var roadKind = ["kind", "highway", "class", "type"]

    public init() {}
}

/// How a building's household count is estimated when it carries none:
///
///     households = max(1, round(footprint m² × floors × usableShare ÷ areaPerHousehold))
///
/// with floors from the building's floor count, or its height ÷ floorHeight, or
/// `defaultFloors`. The defaults (0.75 usable share, 90 m² per household) match Chinese
/// urban housing: about 30 m² per person, 2.6–3 persons per household.
public struct HouseholdEstimate: Sendable, Hashable {
    public var usableShare = 0.75
    public var areaPerHousehold = 90.0
    public var floorHeight = 3.0
    public var defaultFloors = 1

    public init() {}

    public func households(footprintM2: Double, floors: Int) -> Int {
        max(1, Int((footprintM2 * Double(floors) * usableShare / areaPerHousehold).rounded()))
    }
}

public struct ImportOptions: Sendable {
    /// The source CRS; overrides what the file says. Default: the file's, else CRS84.
    public var crs: CRS?
    /// The layer to read from a GeoPackage with several.
    public var layer: String?
    /// Repair invalid polygons instead of refusing them.
    public var makeValid = false
    /// Regions: replace regions whose code already exists instead of refusing them.
    public var replace = false
    /// Buildings: the id field was named by the user, so a repeated id is an error. A
    /// guessed id field that repeats is dropped with a warning instead.
    public var refFieldNamed = false
    public var fields = FieldNames()
    public var estimate = HouseholdEstimate()

    public init() {}
}

/// What an import did.
public struct ImportReport: Sendable {
    public var kind: ImportKind
    public var imported = 0
    /// Buildings whose community changed as a result (regions and buildings imports).
    public var linkedBuildings = 0
    /// Buildings whose household count was estimated.
    public var estimatedBuildings = 0
    /// Notes that did not stop the import (e.g. buildings outside every community).
    public var warnings: [String] = []
    public var seconds = 0.0
}
