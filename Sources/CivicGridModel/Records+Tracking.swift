import Foundation

/// The coordinate system a device reports in.
public enum CoordinateSystem: String, Sendable, CaseIterable {
    /// WGS-84 (GPS): what the store keeps.
    case wgs84
    /// GCJ-02, the obfuscated system of many Chinese phone SDKs (300–700 m off WGS-84).
    case gcj02
}

/// The unit a device reports speed in (OsmAnd-protocol apps: knots unless configured).
public enum SpeedUnit: String, Sendable, CaseIterable {
    case kn, kmh, mps, mph

    public var metresPerSecond: Double {
        switch self {
        case .kn: 1852.0 / 3600
        case .kmh: 1 / 3.6
        case .mps: 1
        case .mph: 1609.344 / 3600
        }
    }
}

/// A phone registered to a grid member. Its token is kept only as a hash.
public struct Device: Hashable, Sendable {
    public var id: String
    public var member: Int64
    public var memberName: String
    /// Codes of the grids the member is responsible for.
    public var grids: [String]
    public var tokenHash: String
    public var crs: CoordinateSystem
    public var speedUnit: SpeedUnit
    public var createdAt: String
    public var revokedAt: String?

    public init(id: String, member: Int64 = 0, memberName: String, grids: [String], tokenHash: String, crs: CoordinateSystem = .wgs84,
                speedUnit: SpeedUnit = .kn, createdAt: String = "", revokedAt: String? = nil) {
        self.id = id
        self.member = member
        self.memberName = memberName
        self.grids = grids
        self.tokenHash = tokenHash
        self.crs = crs
        self.speedUnit = speedUnit
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// One stored GPS fix (WGS-84), with where it fell and why it is doubtful, if it is.
public struct Ping: Hashable, Sendable {
    public var device: String
    /// Seconds since 1970 (UTC).
    public var time: Double
    public var lon: Double
    public var lat: Double
    public var accuracy: Double?
    /// Metres per second.
    public var speed: Double?
    public var heading: Double?
    public var altitude: Double?
    /// 0–1.
    public var battery: Double?
    public var receivedAt: Double
    /// The grid (fid) of the published plan it fell in.
    public var grid: Int64?
    public var community: String?
    /// Doubt flags (see GridTracking's `FixFlags`); 0 for a plausible fix.
    public var flags: Int
    /// Other reported values and the raw coordinates of converted fixes, as a JSON object.
    public var attributes: String?

    public init(device: String, time: Double, lon: Double, lat: Double, accuracy: Double? = nil, speed: Double? = nil, heading: Double? = nil,
                altitude: Double? = nil, battery: Double? = nil, receivedAt: Double, grid: Int64? = nil, community: String? = nil,
                flags: Int = 0, attributes: String? = nil) {
        self.device = device
        self.time = time
        self.lon = lon
        self.lat = lat
        self.accuracy = accuracy
        self.speed = speed
        self.heading = heading
        self.altitude = altitude
        self.battery = battery
        self.receivedAt = receivedAt
        self.grid = grid
        self.community = community
        self.flags = flags
        self.attributes = attributes
    }
}

/// A member's device left the grids assigned to the member, or came back.
public struct GeofenceEvent: Hashable, Sendable {
    public enum Kind: String, Sendable { case left, returned }

    public var id: Int64?
    public var device: String
    public var member: Int64
    public var kind: Kind
    /// When the device crossed (its first fix on the new side).
    public var time: Double
    /// When the crossing was confirmed (after the dwell time).
    public var confirmedAt: Double
    /// The grid code it left or returned to.
    public var grid: String?
    public var lon: Double
    public var lat: Double

    public init(id: Int64? = nil, device: String, member: Int64, kind: Kind, time: Double, confirmedAt: Double, grid: String?, lon: Double, lat: Double) {
        self.id = id
        self.device = device
        self.member = member
        self.kind = kind
        self.time = time
        self.confirmedAt = confirmedAt
        self.grid = grid
        self.lon = lon
        self.lat = lat
    }
}

/// A device's fix with the grid code it fell in and the member carrying it: a live position.
public struct DevicePosition: Hashable, Sendable {
    public var ping: Ping
    public var gridCode: String?
    public var member: Int64

    public init(ping: Ping, gridCode: String?, member: Int64) {
        self.ping = ping
        self.gridCode = gridCode
        self.member = member
    }
}

/// What a device's next fixes are judged from: its latest plausible fix (a flagged one —
/// dated in the future, a jump — never is, so one bad fix cannot silence the fixes after it),
/// the grid that fix fell in, and its geofence. Kept in the store and written in the same
/// transaction as the fixes, so that every server sharing a database judges alike.
public struct DeviceState: Hashable, Sendable {
    public struct Position: Hashable, Sendable {
        public var time: Double
        public var lon: Double
        public var lat: Double

        public init(time: Double, lon: Double, lat: Double) { (self.time, self.lon, self.lat) = (time, lon, lat) }
    }

    public var plausible: Position?
    public var grid: Int64?
    public var fence: Geofence

    public init(plausible: Position? = nil, grid: Int64? = nil, fence: Geofence = Geofence()) {
        (self.plausible, self.grid, self.fence) = (plausible, grid, fence)
    }
}
