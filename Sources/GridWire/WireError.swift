/// Why bytes a client sent cannot be read, naming the field, part or index: `malformed` when
/// their form is wrong (HTTP 400), `refused` when the form is right but a value is not (422).
public struct WireError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable { case malformed, refused }

    public var reason: String
    public var kind: Kind

    public init(_ reason: String, kind: Kind = .malformed) {
        self.reason = reason
        self.kind = kind
    }

    public var description: String { reason }
}
