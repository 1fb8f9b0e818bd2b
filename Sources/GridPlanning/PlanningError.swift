/// Why a planning request could not be carried out; nothing was changed.
public struct PlanningError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The request cannot be carried out on this plan (HTTP 422).
        case refused
        /// No such plan, community or grid (HTTP 404).
        case notFound
        /// The plan is no longer at the version the request was made against (HTTP 412).
        case stale
        /// The plan is not in a state that allows this (HTTP 409).
        case conflict
        /// The request itself is malformed (HTTP 400).
        case malformed
    }

    public var kind: Kind
    public var message: String

    public init(_ message: String, kind: Kind = .refused) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
