/// A failure of the store: the file cannot be opened, a constraint failed, or SQLite erred.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
