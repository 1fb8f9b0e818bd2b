import GridGeometry

/// The administrative levels above the grid, from the top.
public enum RegionLevel: String, CaseIterable, Sendable, Comparable, Codable {
    case city, district, street, community

    /// Also accepts the usual synonyms: town/subdistrict (street), village/neighbourhood (community).
    public init?(parsing text: String) {
        switch text.lowercased().trimmingCharacters(in: .whitespaces) {
        case "city", "municipality", "市": self = .city
        case "district", "county", "区", "县": self = .district
        case "street", "subdistrict", "town", "township", "jiedao", "街道", "镇", "乡": self = .street
        case "community", "village", "neighbourhood", "neighborhood", "shequ", "社区", "村": self = .community
        default: return nil
        }
    }

    public var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// An administrative region: city, district, street or community.
public struct Region: Hashable, Sendable {
    public var id: Int64?
    public var code: String
    public var name: String
    public var level: RegionLevel
    /// The parent region's code.
    public var parent: String?
    /// Always a MultiPolygon in EPSG:4326.
    public var geometry: Geometry

    public init(id: Int64? = nil, code: String, name: String, level: RegionLevel, parent: String?, geometry: Geometry) {
        self.id = id
        self.code = code
        self.name = name
        self.level = level
        self.parent = parent
        self.geometry = geometry
    }
}

/// Where a building's household count comes from.
public enum HouseholdSource: String, Sendable, Codable {
    /// A property of the imported building.
    case declared
    /// Estimated from footprint area and floors.
    case estimated
    /// Counted from imported household records.
    case records
}

/// A building footprint and what the grid work needs to know about it.
public struct Building: Hashable, Sendable {
    public var id: Int64?
    /// The building's id in the source data, used to link households.
    public var ref: String?
    public var address: String?
    public var floors: Int?
    public var households: Int
    public var householdSource: HouseholdSource
    public var areaM2: Double
    /// The community code, found by point-in-polygon on `label`.
    public var community: String?
    /// A point inside the footprint.
    public var label: Coordinate
    /// Always a MultiPolygon in EPSG:4326.
    public var geometry: Geometry
    /// Height above ground in metres, when the source gives it (the 3D view's extrusion;
    /// otherwise floors × 3 m).
    public var height: Double?

    public init(id: Int64? = nil, ref: String?, address: String?, floors: Int?, households: Int,
                householdSource: HouseholdSource, areaM2: Double, community: String?, label: Coordinate, geometry: Geometry, height: Double? = nil) {
        self.height = height
        self.id = id
        self.ref = ref
        self.address = address
        self.floors = floors
        self.households = households
        self.householdSource = householdSource
        self.areaM2 = areaM2
        self.community = community
        self.label = label
        self.geometry = geometry
    }
}

/// A household of a building. `headName` and `phone` are personal data: they are stored in
/// their own columns and never read by map-facing queries.
public struct Household: Hashable, Sendable {
    public var id: Int64?
    public var building: Int64
    public var unit: String
    public var size: Int?
    public var headName: String?
    public var phone: String?

    public init(id: Int64? = nil, building: Int64, unit: String, size: Int?, headName: String?, phone: String?) {
        self.id = id
        self.building = building
        self.unit = unit
        self.size = size
        self.headName = headName
        self.phone = phone
    }
}

/// A road centreline (or a river, `kind == "river"`): where grid boundaries prefer to run.
public struct Road: Hashable, Sendable {
    public var id: Int64?
    public var name: String?
    public var kind: String
    /// Always a MultiLineString in EPSG:4326.
    public var geometry: Geometry

    public init(id: Int64? = nil, name: String?, kind: String, geometry: Geometry) {
        self.id = id
        self.name = name
        self.kind = kind
        self.geometry = geometry
    }

    /// A river is crossed only at bridges; every other kind is a road.
    public var isRiver: Bool { kind == "river" }
}

/// The life of a grid plan: drafted, published (one per community), archived.
public enum PlanStatus: String, Sendable, Codable {
    case draft, published, archived
}

/// A grid plan for one community.
public struct Plan: Hashable, Sendable {
    public var id: Int64
    public var community: String
    public var status: PlanStatus
    public var basedOn: Int64?
    public var author: String?
    public var createdAt: String
    public var updatedAt: String
    public var version: Int
    /// How the plan was made (JSON: method, band, seed).
    public var params: String?

    public init(id: Int64, community: String, status: PlanStatus, basedOn: Int64?, author: String?, createdAt: String, updatedAt: String,
                version: Int, params: String?) {
        self.id = id
        self.community = community
        self.status = status
        self.basedOn = basedOn
        self.author = author
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
        self.params = params
    }

    /// The band the plan was made for, or `fallback` when its parameters do not say.
    public func band(or fallback: Band = Band()) -> Band { Band(planParameters: params) ?? fallback }
}

/// A unit grid of a plan. Household and building counts are derived from its buildings.
public struct Grid: Hashable, Sendable {
    public var id: Int64?
    public var plan: Int64
    public var code: String
    public var name: String?
    /// A Polygon in EPSG:4326.
    public var geometry: Geometry
    public var households: Int
    public var buildings: Int
    public var areaM2: Double

    public init(id: Int64? = nil, plan: Int64, code: String, name: String?, geometry: Geometry, households: Int, buildings: Int, areaM2: Double) {
        self.id = id
        self.plan = plan
        self.code = code
        self.name = name
        self.geometry = geometry
        self.households = households
        self.buildings = buildings
        self.areaM2 = areaM2
    }
}
