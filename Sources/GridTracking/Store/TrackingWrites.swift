import CivicGridModel
import Foundation
import GridStore

extension StoreWriter {
    // MARK: Devices

    /// Registers a device to the member of that name (created if new) and gives the member
    /// `grids` (added to any they have). Fails if the device id is taken.
    @discardableResult
    public func add(_ d: Device) throws -> Device {
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM devices WHERE id = ?", arguments: [d.id]) == true {
            throw StoreError("device \"\(d.id)\" exists (revoke it and register another id)")
        }
        let member: Int64
        if let m = try Int64.fetchOne(db, sql: "SELECT id FROM members WHERE name = ? ORDER BY id LIMIT 1", arguments: [d.memberName]) {
            member = m
        } else {
            try db.execute(sql: "INSERT INTO members (name) VALUES (?)", arguments: [d.memberName])
            member = try db.lastInsertedRowID()
        }
        for g in d.grids {
            try db.execute(sql: "INSERT INTO member_grids (member, grid_code) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [member, g])
        }
        try db.execute(sql: """
            INSERT INTO devices (id, member, token_hash, crs, speed_unit, created_at)
            VALUES (?, ?, ?, ?, ?, \(db.nowSeconds))
            """, arguments: [d.id, member, d.tokenHash, d.crs.rawValue, d.speedUnit.rawValue])
        guard let stored = try reader.device(id: d.id) else { throw StoreError("device \"\(d.id)\" was not stored") }
        return stored
    }

    /// Revokes a device: its token stops working; its pings stay. False if there is no such
    /// active device.
    public func revokeDevice(id: String) throws -> Bool {
        try db.execute(sql: """
            UPDATE devices SET revoked_at = \(db.nowSeconds) WHERE id = ? AND revoked_at IS NULL
            """, arguments: [id])
        return db.changesCount > 0
    }

    /// Revokes every way an account signs in: its live tokens and the phones its sign-in
    /// links registered (`web-` devices); returns how many tokens.
    @discardableResult
    public func revokeSignIns(account: Int64) throws -> Int {
        let tokens = try revokeTokens(account: account)
        try db.execute(sql: "UPDATE devices SET revoked_at = \(db.nowSeconds) WHERE member = ? AND id LIKE 'web-%' AND revoked_at IS NULL", arguments: [account])
        return tokens
    }

    // MARK: Pings

    /// Stores pings; a ping whose device already has one at the same time is left out (the
    /// answer says, per ping, whether it was new).
    public func insert(_ pings: [Ping]) throws -> [Bool] {
        if db.isPostgres { return try insertMany(pings) }
        let statement = try db.cachedStatement(sql: """
            INSERT INTO pings (device, time, lon, lat, accuracy, speed, heading, altitude, battery, received_at,
                               grid, community, flags, attributes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """)
        return try pings.map { p in
            try statement.execute(arguments: [p.device, p.time, p.lon, p.lat, p.accuracy, p.speed, p.heading, p.altitude, p.battery,
                                              p.receivedAt, p.grid, p.community, p.flags, p.attributes])
            return db.changesCount > 0
        }
    }

    /// On PostgreSQL, a thousand pings a statement (a round trip each costs more than the rows).
    private func insertMany(_ pings: [Ping]) throws -> [Bool] {
        struct Key: Hashable { var device: String, time: Double }
        var out: [Bool] = []
        out.reserveCapacity(pings.count)
        var start = 0
        while start < pings.count {
            let chunk = pings[start..<min(pings.count, start + 1000)]
            var arguments: [(any SQLArgument)?] = []
            for p in chunk {
                arguments += [p.device, p.time, p.lon, p.lat, p.accuracy, p.speed, p.heading, p.altitude, p.battery,
                              p.receivedAt, p.grid, p.community, p.flags, p.attributes]
            }
            let tuples = chunk.map { _ in "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" }.joined(separator: ", ")
            var inserted = Set(try SQLRow.fetchAll(db, sql: """
                INSERT INTO pings (device, time, lon, lat, accuracy, speed, heading, altitude, battery, received_at,
                                   grid, community, flags, attributes)
                VALUES \(tuples) ON CONFLICT DO NOTHING RETURNING device, time
                """, arguments: SQLArguments(arguments)).map { Key(device: try $0["device"], time: try $0["time"]) })
            for p in chunk { out.append(inserted.remove(Key(device: p.device, time: p.time)) != nil) }
            start += chunk.count
        }
        return out
    }

    public func insert(_ events: [GeofenceEvent]) throws {
        for e in events {
            try db.execute(sql: """
                INSERT INTO events (device, member, kind, time, confirmed_at, grid, lon, lat) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [e.device, e.member, e.kind.rawValue, e.time, e.confirmedAt, e.grid, e.lon, e.lat])
        }
    }

    /// Stores devices' states (replacing what was stored).
    public func save(_ states: [String: DeviceState]) throws {
        let columns = ["device", "time", "lon", "lat", "grid", "inside", "last_grid", "pending_inside", "pending_since", "pending_grid",
                       "pending_lon", "pending_lat"]
        let rows: [[any SQLArgument]] = states.sorted { $0.key < $1.key }.map { id, s in
            let p = s.fence.pending
            return [id, s.plausible?.time, s.plausible?.lon, s.plausible?.lat, s.grid, s.fence.inside.map { $0 ? 1 : 0 }, s.fence.lastGrid,
                    p.map { $0.inside ? 1 : 0 }, p?.since, p?.grid, p?.lon, p?.lat]
        }
        let updates = columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        try db.insertRows("device_states", columns: columns, rows: rows, suffix: "ON CONFLICT (device) DO UPDATE SET \(updates)")
    }

    /// Deletes up to `limit` pings with a fix time before `time`, oldest first; how many.
    public func prunePings(before time: Double, limit: Int) throws -> Int {
        try db.execute(sql: """
            DELETE FROM pings WHERE id IN (SELECT id FROM pings WHERE time < ? ORDER BY time LIMIT ?)
            """, arguments: [time, limit])
        return db.changesCount
    }
}
