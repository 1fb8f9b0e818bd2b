import GridGeometry

/// The state of a public facility.
public enum FacilityStatus: String, CaseIterable, Sendable, Codable {
    case intact, damaged, lost
}

/// A public facility (a "part" of digital urban management): a manhole cover, a street lamp, a
/// hydrant, a bin … with its category from the case catalogue (kind `facility`), its state and
/// the department that owns it. A case may name one: it takes its category and place.
public struct Facility: Hashable, Sendable {
    public var id: Int64?
    public var code: String
    public var category: String
    public var status: FacilityStatus
    public var department: String?
    public var location: Coordinate
    public var place: CasePlace

    public init(id: Int64? = nil, code: String, category: String, status: FacilityStatus, department: String?, location: Coordinate, place: CasePlace = CasePlace()) {
        self.id = id
        self.code = code
        self.category = category
        self.status = status
        self.department = department
        self.location = location
        self.place = place
    }
}
