/// One refused feature: its zero-based index in the source and why.
public struct Rejection: Hashable, Sendable, CustomStringConvertible {
    public var index: Int
    public var reason: String

    public init(index: Int, reason: String) {
        self.index = index
        self.reason = reason
    }

    public var description: String { "feature \(index): \(reason)" }
}

/// Why an import changed nothing.
public enum ImportError: Error, Sendable, CustomStringConvertible {
    /// The file cannot be read at all (missing, not JSON, not a GeoPackage, unknown CRS).
    case unreadable(String)
    /// Some features broke a rule; every one is listed. Nothing was written.
    case rejected(total: Int, [Rejection])
    /// The store failed; the transaction was rolled back.
    case store(String)

    public var description: String {
        switch self {
        case .unreadable(let m): return m
        case .rejected(let total, let rs):
            return rs.map(\.description).joined(separator: "\n")
                + "\nrejected \(rs.count) of \(total) features; nothing was written"
        case .store(let m): return "store: \(m); nothing was written"
        }
    }
}
