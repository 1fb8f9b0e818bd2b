/// One refused feature (by zero-based index) or line of a table (by line number) and why.
public struct Rejection: Error, Hashable, Sendable, CustomStringConvertible {
    public var index: Int
    public var reason: String
    /// What `index` counts: `feature` or `line`.
    public var unit: String

    public init(index: Int, reason: String, unit: String = "feature") {
        self.index = index
        self.reason = reason
        self.unit = unit
    }

    public var description: String { "\(unit) \(index): \(reason)" }
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
                + "\nrejected \(rs.count) of \(total) \(rs.first?.unit ?? "feature")s; nothing was written"
        case .store(let m): return "store: \(m); nothing was written"
        }
    }
}
