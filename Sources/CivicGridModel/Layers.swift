/// The type of a layer's field, as OGC queryables, GeoJSON and vector tiles see it.
public enum FieldType: String, Sendable, Hashable {
    case string, integer, number, dateTime

    /// TileJSON's `vector_layers` field type.
    public var tileJSON: String { self == .string || self == .dateTime ? "String" : "Number" }
}

/// A field of a map layer.
public struct LayerField: Sendable, Hashable {
    public var name: String
    public var type: FieldType
    public var title: String
    /// Whether vector tiles carry it (all fields are GeoJSON properties and queryables).
    public var inTiles: Bool
    /// The lowest zoom whose tiles carry it, when higher than the layer's (text only close up).
    public var tileMinZoom: Int?

    public init(_ name: String, _ type: FieldType, _ title: String, inTiles: Bool = true, tileMinZoom: Int? = nil) {
        self.name = name
        self.type = type
        self.title = title
        self.inTiles = inTiles
        self.tileMinZoom = tileMinZoom
    }
}

/// The geometry every feature of a layer has (GeoJSON type name).
public enum LayerGeometry: String, Sendable, Hashable {
    case point = "Point", multiLineString = "MultiLineString", polygon = "Polygon", multiPolygon = "MultiPolygon"
}

/// One map layer, described once: what the vector tiles, TileJSON, MBTiles/PMTiles metadata,
/// OGC API collections and queryables, the OpenAPI document and the access checks all read.
/// Its rows come from one query in the store (GridStore's `LayerQuery`).
public struct LayerDescriptor: Sendable, Hashable {
    /// The tile layer name and collection id.
    public var name: String
    public var title: String
    public var summary: String
    public var geometry: LayerGeometry
    /// In output order.
    public var fields: [LayerField]
    /// The zooms of its tile layer; nil when it is not in the vector tiles.
    public var zooms: ClosedRange<Int>?
    /// Whether anonymous users may read it unless the server is configured otherwise.
    public var publicByDefault: Bool
    /// Signed-in roles that may read it.
    public var readers: Set<Role>
    /// Only for accounts not scoped to a region (it is not cut by region).
    public var wholeJurisdictionOnly: Bool
    /// Whether its features carry a time (then `datetime` filters them).
    public var hasTime: Bool
    /// Whether feature ids are text (codes, device ids) rather than integers.
    public var textIDs: Bool
    /// Offered as a collection only when it has features.
    public var onlyWhenPresent: Bool
    /// Personal or private columns of the rows behind the layer that no field may expose
    /// (the catalogue refuses a field of that name).
    public var withheld: Set<String>

    public init(name: String, title: String, summary: String, geometry: LayerGeometry, fields: [LayerField], zooms: ClosedRange<Int>?,
                publicByDefault: Bool = false, readers: Set<Role> = Set(Role.allCases), wholeJurisdictionOnly: Bool = false,
                hasTime: Bool = false, textIDs: Bool = false, onlyWhenPresent: Bool = false, withheld: Set<String> = []) {
        self.name = name
        self.title = title
        self.summary = summary
        self.geometry = geometry
        self.fields = fields
        self.zooms = zooms
        self.publicByDefault = publicByDefault
        self.readers = readers
        self.wholeJurisdictionOnly = wholeJurisdictionOnly
        self.hasTime = hasTime
        self.textIDs = textIDs
        self.onlyWhenPresent = onlyWhenPresent
        self.withheld = withheld
    }

    public var tileFields: [LayerField] { fields.filter(\.inTiles) }

    public func field(_ name: String) -> LayerField? { fields.first { $0.name == name } }

    /// Fields that expose a withheld column (must be none).
    public var exposed: [String] { fields.map(\.name).filter(withheld.contains) }
}

extension LayerDescriptor {
    private static func region(_ name: String, _ title: String, zooms: ClosedRange<Int>) -> LayerDescriptor {
        LayerDescriptor(name: name, title: title, summary: "\(title) boundaries: administrative regions of this level, with their codes and parents.",
                        geometry: .multiPolygon, fields: [
                            LayerField("code", .string, "Region code"),
                            LayerField("name", .string, "Name"),
                            LayerField("parent", .string, "Code of the region above"),
                        ], zooms: zooms, publicByDefault: true, textIDs: true)
    }

    public static let districts = region("districts", "Districts", zooms: 0...16)
    public static let streets = region("streets", "Streets", zooms: 8...16)
    public static let communities = region("communities", "Communities", zooms: 10...16)

    public static let grids = LayerDescriptor(
        name: "grids", title: "Unit grids",
        summary: "Unit grids of the published plans (or of one plan with plan=ID): code, community, households, buildings, area; band is under, ok or over against the band of the grid's plan.",
        geometry: .polygon, fields: [
            LayerField("code", .string, "Grid code (community code + 3 digits)"),
            LayerField("name", .string, "Name (the map labels a grid without one 第N网格)"),
            LayerField("community", .string, "Community code"),
            LayerField("plan", .integer, "Plan id"),
            LayerField("households", .integer, "Households"),
            LayerField("buildings", .integer, "Buildings"),
            LayerField("band", .string, "under, ok or over the plan's household band"),
            LayerField("area_m2", .number, "Area (m²)"),
        ], zooms: 11...16, publicByDefault: true, textIDs: true)

    public static let buildings = LayerDescriptor(
        name: "buildings", title: "Buildings",
        summary: "Building footprints with their household counts and published grid; no household detail.",
        geometry: .multiPolygon, fields: [
            LayerField("ref", .string, "Id in the source data", inTiles: false),
            LayerField("address", .string, "Address (e.g. 东园1幢; tiles: zoom 16)", tileMinZoom: 16),
            LayerField("floors", .integer, "Floors"),
            LayerField("height", .number, "Height above ground (m), where the source gives it"),
            LayerField("households", .integer, "Households"),
            LayerField("households_source", .string, "declared, estimated or records", inTiles: false),
            LayerField("area_m2", .number, "Footprint area (m²)", inTiles: false),
            LayerField("community", .string, "Community code", inTiles: false),
            LayerField("grid", .string, "Grid code in the published plan"),
        ], zooms: 14...16, withheld: ["head_name", "phone", "unit"])

    public static let roads = LayerDescriptor(
        name: "roads", title: "Roads and rivers", summary: "Road and river centrelines.",
        geometry: .multiLineString, fields: [
            LayerField("name", .string, "Name"),
            LayerField("kind", .string, "Kind (primary, residential, river…)"),
        ], zooms: 10...16, onlyWhenPresent: true)

    public static let positions = LayerDescriptor(
        name: "positions", title: "Live positions",
        summary: "The latest plausible fix of each device, with the grid and community it fell in.",
        geometry: .point, fields: [
            LayerField("device", .string, "Device id"),
            LayerField("time", .dateTime, "Time of the fix"),
            LayerField("accuracy", .number, "Accuracy (m)"),
            LayerField("speed", .number, "Speed (m/s)"),
            LayerField("heading", .number, "Heading (degrees)"),
            LayerField("battery", .number, "Battery (0–1)"),
            LayerField("community", .string, "Community code"),
            LayerField("grid", .string, "Grid code"),
        ], zooms: nil, readers: [.admin, .viewer, .dispatcher], wholeJurisdictionOnly: true, hasTime: true, textIDs: true,
        withheld: ["member", "member_name", "token_hash", "attributes"])

    /// Cases for the command centre: public fields only (no reporter, no description); not in
    /// tiles, which are rebuilt on map changes, while cases change by the second.
    public static let cases = LayerDescriptor(
        name: "cases", title: "Cases",
        summary: "Problems reported and their handling: number, category, urgency, source, status, where it lies, when it is due; no reporter and no description.",
        geometry: .point, fields: [
            LayerField("number", .string, "Case number (local day and sequence)"),
            LayerField("category", .string, "Minor category code"),
            LayerField("urgency", .string, "normal, urgent or emergency"),
            LayerField("source", .string, "grid_staff, public_web, open311, sms, hotline, video or referral"),
            LayerField("status", .string, "reported, verified, filed, dispatched, accepted, suspended, handled, checked, closed or voided"),
            LayerField("holder", .string, "The desk (region code) or department holding it"),
            LayerField("grid", .string, "Grid code in the published plan when it was reported"),
            LayerField("community", .string, "Community code"),
            LayerField("created_at", .dateTime, "Reported at"),
            LayerField("due", .dateTime, "When the step it waits on is due"),
        ], zooms: nil, readers: [.admin, .dispatcher, .viewer], wholeJurisdictionOnly: true, textIDs: true,
        withheld: ["reporter_name", "reporter_phone", "reporter_account", "description", "address", "token"])

    /// Public facilities (manhole covers, street lamps, hydrants …): code, category, status,
    /// owner department, where; nothing personal. Not in tiles (a collection, like cases).
    public static let facilities = LayerDescriptor(
        name: "facilities", title: "Public facilities",
        summary: "Public facilities (the parts of digital urban management): code, category, status (intact, damaged or lost), owner department, grid and community.",
        geometry: .point, fields: [
            LayerField("code", .string, "Facility code"),
            LayerField("category", .string, "Facility category code (the case catalogue's)"),
            LayerField("status", .string, "intact, damaged or lost"),
            LayerField("department", .string, "Owner department code"),
            LayerField("grid", .string, "Grid code"),
            LayerField("community", .string, "Community code"),
        ], zooms: nil, textIDs: true)

    /// Organisations (shops, enterprises, schools, clinics …): name and kind only — licence,
    /// contact and size are basic data for the roles that keep it.
    public static let organisations = LayerDescriptor(
        name: "organisations", title: "Organisations",
        summary: "Shops, enterprises, schools, clinics … of the jurisdiction: name and kind.",
        geometry: .point, fields: [
            LayerField("name", .string, "Name"),
            LayerField("kind", .string, "Kind: shop, restaurant, enterprise, school, clinic …"),
        ], zooms: nil, textIDs: true, withheld: ["licence", "contact_name", "contact_phone", "employees", "unit"])

    /// CivicGrid's layers, in drawing order (bottom first).
    public static let standard: [LayerDescriptor] = [districts, streets, communities, grids, buildings, roads, positions, cases, facilities, organisations]
}
