import Foundation

/// The doubt rules: which fixes are stored flagged, and kept out of live views, geofences
/// and patrol coverage.
public struct FixFilter: Sendable {
    /// Faster than this from the last plausible fix is a jump (m/s; 50 m/s = 180 km/h).
    public var maxSpeed: Double = 50
    /// Reported accuracy worse than this (m).
    public var maxAccuracy: Double = 100
    /// Further ahead of the server's clock than this (s).
    public var futureTolerance: Double = 600
    /// Fixes dated before this (Unix seconds; 2000-01-01) carry a receiver's unset clock
    /// (0, 1980's GPS epoch, 0001-01-01), not a time.
    public var earliest: Double = 946_684_800

    public init() {}

    /// The flags of a fix at `time`, given the device's last plausible fix (nil: none). The
    /// speed gate measures against that fix whichever came first, so a fix sent late is
    /// judged too.
    public func flags(lon: Double, lat: Double, time: Double, accuracy: Double?, previous: (time: Double, lon: Double, lat: Double)?,
                      now: Double) -> FixFlags {
        var flags: FixFlags = []
        if lon == 0 && lat == 0 { flags.insert(.nullIsland) }
        if time > now + futureTolerance { flags.insert(.future) }
        if time < earliest { flags.insert(.badTime) }
        if let accuracy, accuracy > maxAccuracy { flags.insert(.inaccurate) }
        if let p = previous, flags.isDisjoint(with: [.future, .badTime]) {
            let d = distanceMetres(lon1: p.lon, lat1: p.lat, lon2: lon, lat2: lat)
            let dt = abs(time - p.time)
            if dt > 0 ? d / dt > maxSpeed : d > maxSpeed { flags.insert(.jump) }
        }
        return flags
    }
}
