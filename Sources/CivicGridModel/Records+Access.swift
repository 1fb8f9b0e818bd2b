/// What an account may do; each account is scoped to a region subtree (admins may have none:
/// everything).
public enum Role: String, CaseIterable, Sendable, Codable {
    /// Everything in scope, plans and positions included.
    case admin
    /// Creates, edits and publishes plans in scope; reads buildings and drafts.
    case planner
    /// The command centre: reads everything in scope (drafts, positions, events), edits nothing.
    case viewer
    /// Grid staff: owns devices; reads the map and the tracks of their own devices; reports
    /// cases, verifies and checks them in their own grids.
    case member
    /// The command centre's operator and duty chief: verifies, files, voids, dispatches,
    /// escalates, approves extensions and suspensions, closes; reads like a viewer.
    case dispatcher
    /// A handler bound to one department: accepts, returns, asks for more time, hands in.
    case department
}

/// A person who signs in with API tokens: a row of `members`.
public struct Account: Hashable, Sendable {
    public var id: Int64
    public var name: String
    public var role: Role
    /// The root of the subtree the account may see; nil: everything.
    public var region: String?
    /// The department a `department` account acts for.
    public var department: String?

    public init(id: Int64, name: String, role: Role, region: String?, department: String? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.region = region
        self.department = department
    }
}

/// A grid staff member (网格员): a `member` account, the phone they carry for work, the grids
/// they answer for.
public struct StaffMember: Hashable, Sendable {
    public var id: Int64
    public var name: String
    public var region: String?
    public var phone: String?
    public var grids: [String]

    public init(id: Int64, name: String, region: String?, phone: String?, grids: [String]) {
        self.id = id
        self.name = name
        self.region = region
        self.phone = phone
        self.grids = grids
    }
}

/// An API token of an account (the secret itself is never stored).
public struct APIToken: Hashable, Sendable {
    public var id: Int64
    public var account: String
    public var createdAt: String
    public var revokedAt: String?

    public init(id: Int64, account: String, createdAt: String, revokedAt: String?) {
        self.id = id
        self.account = account
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// One line of the audit log: who changed which plan, when, and how (`detail` is JSON).
public struct AuditEntry: Hashable, Sendable {
    public var id: Int64
    public var at: String
    public var actor: String
    public var community: String?
    public var plan: Int64?
    public var action: String
    public var detail: String

    public init(id: Int64, at: String, actor: String, community: String?, plan: Int64?, action: String, detail: String) {
        self.id = id
        self.at = at
        self.actor = actor
        self.community = community
        self.plan = plan
        self.action = action
        self.detail = detail
    }
}
