import Foundation
import Synchronization

/// Counts requests per key in fixed windows (a minute, an hour) and says when one is over
/// its limit; in memory, per process. Public intake (Open311 posts per api_key and per client
/// address, SMS per sender) goes through it.
final class RateLimiter: Sendable {
    let limit: Int
    let window: Double
    private let counts = Mutex<[String: (start: Double, count: Int)]>([:])

    init(limit: Int, per window: Double) {
        self.limit = limit
        self.window = window
    }

    /// Counts one request for `key`; nil when allowed, else the seconds until its window ends.
    func check(_ key: String, now: Double = Date().timeIntervalSince1970) -> Int? {
        counts.withLock { counts in
            if counts.count > 100_000 { counts = counts.filter { now - $0.value.start < window } }
            var entry = counts[key] ?? (now, 0)
            if now - entry.start >= window { entry = (now, 0) }
            entry.count += 1
            counts[key] = entry
            return entry.count > limit ? max(1, Int((entry.start + window - now).rounded(.up))) : nil
        }
    }
}
