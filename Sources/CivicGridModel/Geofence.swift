import Foundation

/// Whether a member's device is inside the grids assigned to the member, with a dwell time
/// against GPS jitter: a crossing counts once the device has stayed on the new side for
/// `dwell` seconds; a fix back on the old side before then cancels it.
public struct Geofence: Sendable, Hashable {
    /// The confirmed side: nil until the first fix.
    public var inside: Bool?
    /// The last grid of the member's the device was confirmed in.
    public var lastGrid: String?
    /// A crossing not yet confirmed: the side it goes to and its first fix there.
    public var pending: Crossing?

    public struct Crossing: Sendable, Hashable {
        public var inside: Bool
        public var since: Double
        public var grid: String?
        public var lon: Double
        public var lat: Double

        public init(inside: Bool, since: Double, grid: String?, lon: Double, lat: Double) {
            (self.inside, self.since, self.grid, self.lon, self.lat) = (inside, since, grid, lon, lat)
        }
    }

    public init(inside: Bool? = nil, lastGrid: String? = nil, pending: Crossing? = nil) {
        (self.inside, self.lastGrid, self.pending) = (inside, lastGrid, pending)
    }

    /// Takes a plausible fix, in time order; returns a confirmed crossing, if this fix
    /// confirms one: `.left` or `.returned`, at the time of its first fix on the new side.
    public mutating func update(inside now: Bool, grid: String?, time: Double, lon: Double, lat: Double,
                                dwell: Double) -> (kind: GeofenceEvent.Kind, time: Double, grid: String?, lon: Double, lat: Double)? {
        guard let confirmed = inside else {
            inside = now
            if now { lastGrid = grid }
            return nil
        }
        if now == confirmed {
            pending = nil
            if now { lastGrid = grid }
            return nil
        }
        if pending == nil { pending = Crossing(inside: now, since: time, grid: grid, lon: lon, lat: lat) }
        guard let p = pending, time - p.since >= dwell else { return nil }
        inside = now
        pending = nil
        let left = lastGrid
        if now { lastGrid = p.grid }
        return (now ? .returned : .left, p.since, now ? p.grid : left, p.lon, p.lat)
    }
}
