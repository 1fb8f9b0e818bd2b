import CivicGridModel
import Foundation
import GridStore
import GridWire
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

/// The writer's grid index. Devices' states are read and written in the store, in the
/// transaction that stores their fixes: servers sharing a database take turns at that
/// transaction, so each judges a fix from what every server stored before it.
struct IngestEngine {
    let settings: IngestSettings
    var assigner: GridAssigner?
    var version: Int64 = -1
    /// Each device's last grid (a position in the assigner's list), tried first for its next
    /// fix: only a hint, checked before it is used.
    var hints: [String: Int] = [:]

    /// A fix in WGS 84 with the grid and community it falls in.
    struct Placed: Sendable {
        var fix: Fix
        var grid: Int64?
        var code: String?
        var community: String?
        var attributes: String?
    }

    init(settings: IngestSettings) { self.settings = settings }

    mutating func process(_ batch: [PingIngestor.Submission], store: GridStore, now: Double) async throws -> ([[IngestOutcome]], [DevicePosition]) {
        let version = try await store.asyncRead { try $0.dataVersion() }
        if assigner == nil || version != self.version {
            let areas = try await store.asyncRead { try GridAssigner.areas($0) }
            assigner = try GridAssigner(grids: areas.grids, communities: areas.communities)
            self.version = version
            hints = [:]
        }
        guard let assigner else { return ([], []) }
        var submissions: [(Device, [Placed])] = []
        for s in batch {
            var placed: [Placed] = []
            for f in s.fixes {
                var fix = f
                if s.device.crs == .gcj02 {
                    fix.attributes["gcj02_lon"] = String(f.lon)
                    fix.attributes["gcj02_lat"] = String(f.lat)
                    (fix.lon, fix.lat) = GCJ02.toWGS84(lon: f.lon, lat: f.lat)
                }
                let a = try assigner.assign(lon: fix.lon, lat: fix.lat, hint: hints[s.device.id])
                if let i = a.index { hints[s.device.id] = i }
                let attributes = Self.json(fix.attributes)
                fix.attributes = [:]  // kept as JSON from here
                placed.append(Placed(fix: fix, grid: a.grid, code: a.code, community: a.community, attributes: attributes))
            }
            submissions.append((s.device, placed))
        }
        let settings = self.settings
        return try await store.asyncWrite { [submissions] w in
            var states = try w.reader.deviceStates(submissions.map(\.0.id))
            let judged = Self.judge(submissions, states: &states, settings: settings, now: now)
            let inserted = try w.insert(judged.rows)
            try w.insert(judged.events)
            try w.save(states)
            var outcomes: [[IngestOutcome]] = []
            var i = 0
            for (_, fixes) in submissions {
                outcomes.append(fixes.map { _ in
                    defer { i += 1 }
                    return inserted[i] ? .stored(FixFlags(rawValue: judged.rows[i].flags)) : .duplicate
                })
            }
            return (outcomes, judged.positions)
        }
    }

    /// Each fix judged (flags) and run through its device's geofence, in order; `states` follow.
    static func judge(_ submissions: [(Device, [Placed])], states: inout [String: DeviceState], settings: IngestSettings,
                      now: Double) -> (rows: [Ping], events: [GeofenceEvent], positions: [DevicePosition]) {
        var rows: [Ping] = []
        var events: [GeofenceEvent] = []
        var positions: [String: DevicePosition] = [:]
        for (device, fixes) in submissions {
            var state = states[device.id] ?? DeviceState()
            for p in fixes {
                let f = p.fix
                let time = f.time ?? now
                let newer = time > (state.plausible?.time ?? -.infinity)
                let previous = state.plausible.map { (time: $0.time, lon: $0.lon, lat: $0.lat) }
                let flags = settings.filter.flags(lon: f.lon, lat: f.lat, time: time, accuracy: f.accuracy, previous: previous, now: now)
                let ping = Ping(device: device.id, time: time, lon: f.lon, lat: f.lat, accuracy: f.accuracy, speed: f.speed, heading: f.heading,
                                altitude: f.altitude, battery: f.battery, receivedAt: now, grid: p.grid, community: p.community,
                                flags: flags.rawValue, attributes: p.attributes)
                rows.append(ping)
                guard newer, flags.isEmpty else { continue }
                state.plausible = DeviceState.Position(time: time, lon: f.lon, lat: f.lat)
                state.grid = p.grid
                positions[device.id] = DevicePosition(ping: ping, gridCode: p.code, member: device.member)
                if !device.grids.isEmpty {
                    let inside = p.code.map(device.grids.contains) ?? false
                    if let e = state.fence.update(inside: inside, grid: p.code, time: time, lon: f.lon, lat: f.lat, dwell: settings.dwell) {
                        events.append(GeofenceEvent(device: device.id, member: device.member, kind: e.kind, time: e.time, confirmedAt: time,
                                                    grid: e.grid, lon: e.lon, lat: e.lat))
                    }
                }
            }
            states[device.id] = state
        }
        return (rows, events, positions.values.sorted { $0.ping.device < $1.ping.device })
    }

    static func json(_ attributes: [String: String]) -> String? {
        guard !attributes.isEmpty, let data = try? JSONSerialization.data(withJSONObject: attributes, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
