/// A CRS PROJ does not know, or coordinates it cannot transform.
public struct ProjError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
