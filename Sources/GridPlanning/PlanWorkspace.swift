import CivicGridModel

/// A plan with everything about its community that editing, validating and showing it need,
/// read once (`Planner.workspace`) and shared by the steps of one request.
public struct PlanWorkspace: Sendable {
    public var plan: Plan
    public var community: Region
    public var buildings: [Building]
    /// Roads near the community (grid boundaries prefer them).
    public var roads: [Road]
    public var grids: [Grid]
    /// Building id → grid id.
    public var assignment: [Int64: Int64]
    /// Codes of other communities' published grids (code → community): never reused. Read
    /// only for a workspace read for editing (nil otherwise).
    public var takenElsewhere: [String: String]?
    /// Whether the community lies in the scope the workspace was read for.
    public var inScope: Bool

    /// The band the plan was made for (the default band for imported and copied plans).
    public var band: Band { plan.band() }
}
