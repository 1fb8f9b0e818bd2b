import CivicGridModel
import Foundation
import GridStore

/// Live positions between servers that share a PostgreSQL database: each server sends the
/// positions it stores on a channel (NOTIFY, after the commit) and hands those the others
/// send to its own watchers, so a phone's fixes reach every command centre whichever server
/// took them. Attributes (raw values) stay out: live views do not show them.
struct LiveRelay {
    static let channel = "civicgrid_positions"

    struct Message: Codable {
        var origin: String
        var positions: [Position]
    }

    struct Position: Codable {
        var device: String
        var time: Double
        var lon: Double
        var lat: Double
        var accuracy: Double?
        var speed: Double?
        var heading: Double?
        var altitude: Double?
        var battery: Double?
        var receivedAt: Double
        var grid: Int64?
        var community: String?
        var flags: Int
        var gridCode: String?
        var member: Int64

        init(_ p: DevicePosition) {
            device = p.ping.device; time = p.ping.time; lon = p.ping.lon; lat = p.ping.lat
            accuracy = p.ping.accuracy; speed = p.ping.speed; heading = p.ping.heading; altitude = p.ping.altitude
            battery = p.ping.battery; receivedAt = p.ping.receivedAt; grid = p.ping.grid; community = p.ping.community
            flags = p.ping.flags; gridCode = p.gridCode; member = p.member
        }

        var devicePosition: DevicePosition {
            DevicePosition(ping: Ping(device: device, time: time, lon: lon, lat: lat, accuracy: accuracy, speed: speed, heading: heading,
                                      altitude: altitude, battery: battery, receivedAt: receivedAt, grid: grid, community: community,
                                      flags: flags),
                           gridCode: gridCode, member: member)
        }
    }

    /// The messages for `positions`, each within NOTIFY's limit.
    static func messages(_ positions: [DevicePosition], origin: String) -> [String] {
        let encoder = JSONEncoder()
        var out: [String] = [], chunk: [Position] = [], size = 0
        func flush() {
            guard !chunk.isEmpty, let data = try? encoder.encode(Message(origin: origin, positions: chunk)) else { return }
            out.append(String(decoding: data, as: UTF8.self))
            chunk = []
            size = 0
        }
        for p in positions.map(Position.init) {
            let n = (try? encoder.encode(p).count) ?? GridStore.notificationLimit
            if size + n + 1 > GridStore.notificationLimit - 200 { flush() }
            if n + 1 > GridStore.notificationLimit - 200 { continue }
            chunk.append(p)
            size += n + 1
        }
        flush()
        return out
    }

    /// The positions of a message from another server (nil for this server's own or a
    /// message that is not one).
    static func positions(_ payload: String, except origin: String) -> [DevicePosition]? {
        guard let m = try? JSONDecoder().decode(Message.self, from: Data(payload.utf8)), m.origin != origin else { return nil }
        return m.positions.map(\.devicePosition)
    }
}

extension PingIngestor {
    /// Until cancelled: what other servers sharing the database store goes to this server's
    /// watchers. Returns at once on a file (one server).
    public func relayOtherServers() async {
        guard let stream = store.listen(LiveRelay.channel) else { return }
        for await payload in stream {
            if let positions = LiveRelay.positions(payload, except: origin) { live.publish(positions) }
        }
    }
}
