import CivicGridModel
import Foundation
import GridGeometry
import GridStore

extension StoreReader {
    // MARK: Devices

    public func device(id: String) throws -> Device? {
        try SQLRow.fetchOne(db, sql: deviceSQL + " WHERE d.id = ?", arguments: [id]).map(Self.device)
    }

    /// The device a token (by its hash) belongs to, revoked or not.
    public func device(tokenHash: String) throws -> Device? {
        try SQLRow.fetchOne(db, sql: deviceSQL + " WHERE d.token_hash = ?", arguments: [tokenHash]).map(Self.device)
    }

    /// Every device, revoked ones included, by id.
    public func devices() throws -> [Device] {
        try SQLRow.fetchAll(db, sql: deviceSQL + " ORDER BY d.id").map(Self.device)
    }

    var deviceSQL: String {
        """
        SELECT d.id, d.member, m.name, d.token_hash, d.crs, d.speed_unit, d.created_at, d.revoked_at,
               (SELECT \(db.groupConcat("grid_code", separator: "char(31)")) FROM (SELECT grid_code FROM member_grids WHERE member = d.member ORDER BY grid_code) AS g) AS grids
        FROM devices d JOIN members m ON m.id = d.member
        """
    }

    static func device(_ row: SQLRow) throws(StoreError) -> Device {
        let grids: String? = try row["grids"]
        return try Device(id: row["id"], member: row["member"], memberName: row["name"],
                      grids: grids.map { $0.split(separator: "\u{1F}").map(String.init) } ?? [], tokenHash: try row["token_hash"],
                      crs: CoordinateSystem(rawValue: try row["crs"]) ?? .wgs84, speedUnit: SpeedUnit(rawValue: try row["speed_unit"]) ?? .kn,
                      createdAt: try row["created_at"], revokedAt: try row["revoked_at"])
    }

    // MARK: Pings

    static let pingColumns = "device, time, lon, lat, accuracy, speed, heading, altitude, battery, received_at, grid, community, flags, attributes"

    static func ping(_ row: SQLRow) throws(StoreError) -> Ping {
        try Ping(device: row["device"], time: row["time"], lon: row["lon"], lat: row["lat"], accuracy: row["accuracy"], speed: row["speed"],
             heading: try row["heading"], altitude: try row["altitude"], battery: try row["battery"], receivedAt: try row["received_at"],
             grid: try row["grid"], community: try row["community"], flags: try row["flags"], attributes: try row["attributes"])
    }

    /// The latest plausible (unflagged) fix of every device.
    public func latestPositions() throws -> [DevicePosition] {
        try SQLRow.fetchAll(db, sql: """
            SELECT \(Self.pingColumns.split(separator: ", ").map { "q.\($0)" }.joined(separator: ", ")),
                   (SELECT code FROM grids WHERE fid = q.grid) AS grid_code, d.member
            FROM pings q JOIN (SELECT device, max(time) AS latest FROM pings WHERE flags = 0 GROUP BY device) l
              ON l.device = q.device AND l.latest = q.time
            JOIN devices d ON d.id = q.device
            ORDER BY q.device
            """).map { DevicePosition(ping: try Self.ping($0), gridCode: try $0["grid_code"], member: try $0["member"]) }
    }

    /// The stored states of these devices (those without one are left out).
    public func deviceStates(_ devices: [String]) throws -> [String: DeviceState] {
        var out: [String: DeviceState] = [:]
        let ids = Array(Set(devices))
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(ids.count, start + 500)])
            for row in try SQLRow.fetchAll(db, sql: """
                SELECT device, time, lon, lat, grid, inside, last_grid, pending_inside, pending_since, pending_grid, pending_lon, pending_lat
                FROM device_states WHERE device IN (\(chunk.map { _ in "?" }.joined(separator: ", ")))
                """, arguments: SQLArguments(chunk)) {
                var s = DeviceState(grid: try row["grid"])
                if let time: Double = try row["time"], let lon: Double = try row["lon"], let lat: Double = try row["lat"] {
                    s.plausible = DeviceState.Position(time: time, lon: lon, lat: lat)
                }
                s.fence = try Geofence(inside: (row["inside"] as Int64?).map { $0 == 1 }, lastGrid: row["last_grid"])
                if let inside: Int64 = try row["pending_inside"], let since: Double = try row["pending_since"],
                   let lon: Double = try row["pending_lon"], let lat: Double = try row["pending_lat"] {
                    s.fence.pending = Geofence.Crossing(inside: inside == 1, since: since, grid: try row["pending_grid"], lon: lon, lat: lat)
                }
                out[try row["device"]] = s
            }
        }
        return out
    }

    /// A device's plausible fixes in [from, to], in time order.
    public func track(device: String, from: Double, to: Double) throws -> [Ping] {
        try SQLRow.fetchAll(db, sql: """
            SELECT \(Self.pingColumns) FROM pings WHERE device = ? AND time >= ? AND time <= ? AND flags = 0 ORDER BY time
            """, arguments: [device, from, to]).map(Self.ping)
    }

    /// How many pings are stored (flagged ones included), or only those before a time.
    public func pingCount(before time: Double = .infinity) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM pings WHERE time < ?", arguments: [time]) ?? 0
    }

    // MARK: Events

    /// Geofence events, newest first, optionally of one device and within [from, to].
    public func events(device: String? = nil, from: Double? = nil, to: Double? = nil, limit: Int = 1000) throws -> [GeofenceEvent] {
        var conditions: [String] = []
        var arguments: SQLArguments = []
        if let device { conditions.append("device = ?"); arguments += [device] }
        if let from { conditions.append("time >= ?"); arguments += [from] }
        if let to { conditions.append("time <= ?"); arguments += [to] }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [limit]
        return try SQLRow.fetchAll(db, sql: """
            SELECT id, device, member, kind, time, confirmed_at, grid, lon, lat FROM events \(filter) ORDER BY time DESC, id DESC LIMIT ?
            """, arguments: arguments).map {
            try GeofenceEvent(id: $0["id"], device: $0["device"], member: $0["member"], kind: GeofenceEvent.Kind(rawValue: $0["kind"]) ?? .left,
                          time: try $0["time"], confirmedAt: try $0["confirmed_at"], grid: try $0["grid"], lon: try $0["lon"], lat: try $0["lat"])
        }
    }
    /// The community of a device's latest plausible fix.
    public func latestCommunity(device: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT community FROM pings WHERE device = ? AND flags = 0 ORDER BY time DESC LIMIT 1", arguments: [device])
    }

}

extension StoreReader {
    /// The latest plausible fix of any of an account's devices since `since` (Unix seconds).
    public func latestFix(member: Int64, since: Double) throws -> Coordinate? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: """
            SELECT q.lon, q.lat FROM pings q JOIN devices d ON d.id = q.device
            WHERE d.member = ? AND q.flags = 0 AND q.time >= ? ORDER BY q.time DESC LIMIT 1
            """), arguments: [member, since]).map { Coordinate(try $0[0], try $0[1]) }
    }
}
