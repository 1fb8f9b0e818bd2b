import Foundation
import GridGeometry

/// A change to the basic data that grid staff submit from the field and a reviewer (an admin
/// whose region holds it) approves or rejects; applied only when approved.
public enum FieldUpdateKind: String, CaseIterable, Sendable, Codable {
    /// A new household in a building: `building` (ref), `unit`, `size`?
    case householdAdd = "household.add"
    /// A household moved out: `household` (id); its records and members go.
    case householdMoveOut = "household.move_out"
    /// A new member of a household: `household` and the person's fields (as `people import`).
    case personAdd = "person.add"
    /// A member's fields changed: `person` (id) and any of name, relation, sex, birth_year,
    /// phone, tags (the ID number is not changed this way).
    case personUpdate = "person.update"
    /// A member moved out or died: `person` (id).
    case personRemove = "person.remove"
    /// A new organisation (as `organisations import`: code, name, kind, building or lon/lat …).
    case organisationAdd = "organisation.add"
    /// An organisation's fields changed: `code` and the fields that change.
    case organisationUpdate = "organisation.update"
    /// A facility found damaged, lost, or repaired: `code`, `status`.
    case facilityStatus = "facility.status"
}

public enum FieldUpdateStatus: String, CaseIterable, Sendable, Codable {
    case pending, approved, rejected
}

/// One submitted change with who submitted and who reviewed it, and when.
public struct FieldUpdate: Hashable, Sendable {
    public var id: Int64?
    public var kind: FieldUpdateKind
    /// The change's fields, as submitted (an ID number only sealed: `id_sealed`, `id_hash`).
    public var fields: [String: JSONValue]
    /// Where it lies (for scope): the grid and community of the building, household, facility
    /// or organisation it is about.
    public var grid: String?
    public var community: String?
    public var submittedBy: String
    public var submittedAt: Date
    public var status: FieldUpdateStatus
    public var reviewedBy: String?
    public var reviewedAt: Date?
    public var note: String?
    /// What approving it made or changed (`household 123`, `person 456`).
    public var result: String?

    public init(id: Int64? = nil, kind: FieldUpdateKind, fields: [String: JSONValue], grid: String?, community: String?, submittedBy: String,
                submittedAt: Date, status: FieldUpdateStatus = .pending, reviewedBy: String? = nil, reviewedAt: Date? = nil, note: String? = nil,
                result: String? = nil) {
        self.id = id
        self.kind = kind
        self.fields = fields
        self.grid = grid
        self.community = community
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
        self.status = status
        self.reviewedBy = reviewedBy
        self.reviewedAt = reviewedAt
        self.note = note
        self.result = result
    }
}
