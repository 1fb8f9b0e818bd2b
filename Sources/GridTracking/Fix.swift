import Foundation

/// Why a fix is doubtful. A flagged fix is stored with its raw values but kept out of live
/// positions, geofences, tracks and patrol coverage.
public struct FixFlags: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Exactly (0, 0): a receiver's "no fix".
    public static let nullIsland = FixFlags(rawValue: 1)
    /// More than the tolerance (10 min) ahead of the server's clock.
    public static let future = FixFlags(rawValue: 2)
    /// Farther from the device's last plausible fix than the speed gate allows.
    public static let jump = FixFlags(rawValue: 4)
    /// Reported accuracy worse than the limit.
    public static let inaccurate = FixFlags(rawValue: 8)

    /// Dated before 2000: a receiver's unset clock.
    public static let badTime = FixFlags(rawValue: 16)

    public static let names: [(FixFlags, String)] = [(.nullIsland, "null-island"), (.future, "future"), (.jump, "jump"), (.inaccurate, "inaccurate"),
                                                     (.badTime, "bad-time")]

    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }
}

/// Why a fix or a request was rejected: nothing of it is stored.
public struct TrackingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
