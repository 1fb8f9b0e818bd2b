import CivicGridModel
import GridStore
import Synchronization

/// Hands newly stored plausible fixes to whoever watches (the live stream's clients).
public final class LiveHub: Sendable {
    private let state = Mutex(State())

    struct State {
        var next = 0
        var subscribers: [Int: AsyncStream<DevicePosition>.Continuation] = [:]
        var finished = false
    }

    /// A stream of every new position until `unsubscribe` or the hub finishes. A slow reader
    /// keeps the newest 1,000.
    public func subscribe() -> (id: Int, positions: AsyncStream<DevicePosition>) {
        let (stream, continuation) = AsyncStream.makeStream(of: DevicePosition.self, bufferingPolicy: .bufferingNewest(1000))
        let id = state.withLock { s -> Int? in
            if s.finished { return nil }
            s.next += 1
            s.subscribers[s.next] = continuation
            return s.next
        }
        guard let id else {
            continuation.finish()
            return (0, stream)
        }
        return (id, stream)
    }

    public func unsubscribe(_ id: Int) {
        state.withLock { $0.subscribers.removeValue(forKey: id) }?.finish()
    }

    func publish(_ positions: [DevicePosition]) {
        guard !positions.isEmpty else { return }
        let targets = state.withLock { Array($0.subscribers.values) }
        for c in targets { for p in positions { c.yield(p) } }
    }

    /// Ends every stream (at shutdown).
    public func finish() {
        let targets = state.withLock { s in
            s.finished = true
            defer { s.subscribers = [:] }
            return Array(s.subscribers.values)
        }
        for c in targets { c.finish() }
    }
}
