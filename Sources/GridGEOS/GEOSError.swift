/// A failure inside GEOS, with the library's own message.
public struct GEOSError: Error, Hashable, Sendable, CustomStringConvertible {
    public var operation: String
    public var message: String

    public var description: String { "GEOS \(operation) failed: \(message)" }
}
