import CivicGridModel
import Foundation
import GridStore
import Metrics
import Synchronization

/// How fixes are judged and geofences kept.
public struct IngestSettings: Sendable {
    public var filter = FixFilter()
    /// Seconds a device must stay on the other side of its member's grids' edge before a
    /// leave or return counts.
    public var dwell: Double = 120
    /// Fixes written in one transaction at most (requests are never split).
    public var maxBatch = 20_000

    public init() {}
}

/// What became of one fix.
public enum IngestOutcome: Sendable, Hashable {
    /// Stored, with the doubts it raised (none: plausible).
    case stored(FixFlags)
    /// The device already had a fix at that time: nothing new stored.
    case duplicate
}

/// Stores fixes with group commit: requests queue their fixes and wait; one writer takes
/// everything queued, judges, converts and assigns each fix, writes them all in one
/// transaction (synced to disk), then answers every request. So an answer means the fixes
/// are on disk, and many small requests cost one commit.
///
/// `run()` is the writer; it ends after `close()`, once the queue is empty.
public final class PingIngestor: Sendable {
    let store: GridStore
    let settings: IngestSettings
    /// Newly stored plausible fixes, for live views.
    public let live = LiveHub()
    /// This server among those sharing a database (see `LiveRelay`).
    let origin = UUID().uuidString
    private let queue = Mutex(Queue())

    /// Fixes waiting for the writer (metrics).
    public var queuedFixes: Int { queue.withLock { $0.pending.reduce(0) { $0 + $1.fixes.count } } }

    struct Submission: Sendable {
        var device: Device
        var fixes: [Fix]
        var continuation: CheckedContinuation<[IngestOutcome], any Error>
    }

    struct Queue {
        var pending: [Submission] = []
        var wake: CheckedContinuation<Void, Never>?
        var closed = false
    }

    public init(store: GridStore, settings: IngestSettings = IngestSettings()) {
        self.store = store
        self.settings = settings
    }

    /// Stores the fixes of one authenticated device; answers once they are on disk.
    public func submit(_ fixes: [Fix], device: Device) async throws -> [IngestOutcome] {
        if fixes.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { c in
            let (wake, refused) = queue.withLock { q -> (CheckedContinuation<Void, Never>?, Bool) in
                if q.closed { return (nil, true) }
                q.pending.append(Submission(device: device, fixes: fixes, continuation: c))
                defer { q.wake = nil }
                return (q.wake, false)
            }
            if refused { c.resume(throwing: TrackingError("the server is shutting down")) }
            wake?.resume()
        }
    }

    /// Stops taking fixes; `run` returns once those queued are written.
    public func close() {
        let wake = queue.withLock { q in
            q.closed = true
            defer { q.wake = nil }
            return q.wake
        }
        wake?.resume()
    }

    /// The writer: runs until `close()`.
    public func run() async {
        var engine = IngestEngine(settings: settings)
        while true {
            let batch = await nextBatch()
            if batch.isEmpty { break }
            do {
                let started = DispatchTime.now().uptimeNanoseconds
                let (outcomes, positions) = try await engine.process(batch, store: store, now: Date().timeIntervalSince1970)
                // Each group commit's time and fixes (made here, not at init: the metrics system
                // may be bootstrapped after the ingestor is made).
                Timer(label: "civicgrid_gps_commit_seconds", preferredDisplayUnit: .seconds)
                    .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
                Counter(label: "civicgrid_gps_fixes_committed_total").increment(by: Int64(batch.reduce(0) { $0 + $1.fixes.count }))
                for (s, o) in zip(batch, outcomes) { s.continuation.resume(returning: o) }
                live.publish(positions)
                try? await store.notify(LiveRelay.channel, LiveRelay.messages(positions, origin: origin))
            } catch {
                for s in batch { s.continuation.resume(throwing: error) }
            }
        }
        live.finish()
    }

    /// Everything queued (up to `maxBatch` fixes, whole requests), waiting for some; empty
    /// once closed and drained.
    private func nextBatch() async -> [Submission] {
        let limit = settings.maxBatch
        while true {
            let taken: [Submission]? = queue.withLock { q in
                if !q.pending.isEmpty {
                    var k = 0, n = 0
                    while k < q.pending.count && (k == 0 || n + q.pending[k].fixes.count <= limit) {
                        n += q.pending[k].fixes.count
                        k += 1
                    }
                    let out = Array(q.pending.prefix(k))
                    q.pending.removeFirst(k)
                    return out
                }
                return q.closed ? [] : nil
            }
            if let taken { return taken }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = queue.withLock { q -> Bool in
                    if !q.pending.isEmpty || q.closed { return true }
                    q.wake = c
                    return false
                }
                if now { c.resume() }
            }
        }
    }
}

/// The writer's state: the grid index and, per device, its latest plausible fix and its
/// geofence.
struct IngestEngine {
    let settings: IngestSettings
    var assigner: GridAssigner?
    var version: Int64 = -1
    var devices: [String: DeviceState] = [:]

    /// A device's state is made of its plausible fixes only: a flagged one (future, jump,
    /// null island, inaccurate) is stored but never becomes the position others are judged from.
    struct DeviceState {
        var plausible: (time: Double, lon: Double, lat: Double)?
        var grid: Int64?
        var fence = Geofence()
    }

    init(settings: IngestSettings) { self.settings = settings }

    mutating func process(_ batch: [PingIngestor.Submission], store: GridStore, now: Double) async throws -> ([[IngestOutcome]], [DevicePosition]) {
        let version = try await store.asyncRead { try $0.dataVersion() }
        if assigner == nil || version != self.version {
            let areas = try await store.asyncRead { try GridAssigner.areas($0) }
            assigner = try GridAssigner(grids: areas.grids, communities: areas.communities)
            self.version = version
        }
        let assigner = assigner!
        let unseen = Set(batch.map(\.device.id)).subtracting(devices.keys)
        if !unseen.isEmpty {
            for (id, h) in try await store.asyncRead({ try $0.histories(devices: Array(unseen)) }) {
                var s = DeviceState()
                if let p = h.latestPlausible {
                    s.plausible = (p.time, p.lon, p.lat)
                    s.grid = p.grid
                }
                if let e = h.lastEvent { s.fence = Geofence(inside: e == .returned) }
                devices[id] = s
            }
        }

        let before = devices
        do {
            return try await judgeAndWrite(batch, assigner: assigner, store: store, now: now)
        } catch {
            devices = before  // nothing was written: forget what this batch taught
            throw error
        }
    }

    private mutating func judgeAndWrite(_ batch: [PingIngestor.Submission], assigner: GridAssigner, store: GridStore,
                                        now: Double) async throws -> ([[IngestOutcome]], [DevicePosition]) {
        var rows: [Ping] = []
        var events: [GeofenceEvent] = []
        var positions: [String: DevicePosition] = [:]
        for s in batch {
            let device = s.device
            var state = devices[device.id] ?? DeviceState()
            for f in s.fixes {
                var (lon, lat) = (f.lon, f.lat)
                var attributes = f.attributes
                if device.crs == .gcj02 {
                    attributes["gcj02_lon"] = String(lon)
                    attributes["gcj02_lat"] = String(lat)
                    (lon, lat) = GCJ02.toWGS84(lon: lon, lat: lat)
                }
                let time = f.time ?? now
                let newer = time > (state.plausible?.time ?? -.infinity)
                let flags = settings.filter.flags(lon: lon, lat: lat, time: time, accuracy: f.accuracy, previous: state.plausible, now: now)
                let a = try assigner.assign(lon: lon, lat: lat, hint: assigner.index(ofGrid: state.grid))
                let ping = Ping(device: device.id, time: time, lon: lon, lat: lat, accuracy: f.accuracy, speed: f.speed, heading: f.heading,
                                altitude: f.altitude, battery: f.battery, receivedAt: now, grid: a.grid, community: a.community,
                                flags: flags.rawValue, attributes: Self.json(attributes))
                rows.append(ping)
                guard newer, flags.isEmpty else { continue }
                state.plausible = (time, lon, lat)
                state.grid = a.grid
                positions[device.id] = DevicePosition(ping: ping, gridCode: a.code, member: device.member)
                if !device.grids.isEmpty {
                    let inside = a.code.map(device.grids.contains) ?? false
                    if let e = state.fence.update(inside: inside, grid: a.code, time: time, lon: lon, lat: lat, dwell: settings.dwell) {
                        events.append(GeofenceEvent(device: device.id, member: device.member, kind: e.kind, time: e.time, confirmedAt: time,
                                                    grid: e.grid, lon: e.lon, lat: e.lat))
                    }
                }
            }
            devices[device.id] = state
        }

        let inserted = try await store.asyncWrite { [rows, events] w in
            let r = try w.insert(rows)
            try w.insert(events)
            return r
        }
        var outcomes: [[IngestOutcome]] = []
        var i = 0
        for s in batch {
            outcomes.append(s.fixes.map { _ in
                defer { i += 1 }
                return inserted[i] ? .stored(FixFlags(rawValue: rows[i].flags)) : .duplicate
            })
        }
        return (outcomes, positions.values.sorted { $0.ping.device < $1.ping.device })
    }

    static func json(_ attributes: [String: String]) -> String? {
        guard !attributes.isEmpty, let data = try? JSONSerialization.data(withJSONObject: attributes, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
