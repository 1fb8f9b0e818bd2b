/// Why a case operation was refused. `kind` maps to an HTTP status at the edge.
public struct CaseError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The input is malformed or out of range (422).
        case invalid
        /// The actor's role or scope does not allow it (403).
        case forbidden
        /// The step is not allowed in the case's current state (409).
        case conflict
        /// No such case, category or department (404).
        case notFound
        /// The case changed since the version the caller read (412).
        case precondition
        /// The store failed; nothing was written (500).
        case store
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
