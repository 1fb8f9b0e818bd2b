import Foundation
import Metrics
import Synchronization

/// Counts requests per key in fixed windows (a minute, an hour) and says when one is over
/// its limit; in memory, per process.
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

/// The limits on public and device routes, by name, configurable (`serve --rate-limit
/// gps-device=600/m`): Open311 posts per api_key and per client address, SMS per sender, GPS
/// requests per device and per client address (generous: a carrier's NAT puts many phones
/// behind one address).
public struct RateLimits: Sendable {
    public var limits: [String: (count: Int, seconds: Double)]

    public static let standard: [String: (count: Int, seconds: Double)] = [
        "open311-key": (120, 60), "open311-address": (20, 60), "sms-sender": (20, 3600),
        "gps-device": (600, 60), "gps-address": (30_000, 60), "login-address": (20, 60),
    ]

    public init(_ limits: [String: (count: Int, seconds: Double)] = RateLimits.standard) {
        self.limits = limits
    }

    /// `name=N/s|m|h` over the standard ones.
    public mutating func set(_ text: String) throws(RateLimitError) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, Self.standard[parts[0]] != nil else {
            throw RateLimitError("\(text): NAME=N/s|m|h, NAME one of \(Self.standard.keys.sorted().joined(separator: ", "))")
        }
        let rate = parts[1].split(separator: "/").map(String.init)
        let units: [String: Double] = ["s": 1, "m": 60, "h": 3600]
        guard rate.count == 2, let n = Int(rate[0]), n > 0, let unit = units[rate[1]] else { throw RateLimitError("\(text): the rate is N/s, N/m or N/h, N above 0") }
        limits[parts[0]] = (n, unit)
    }
}

public struct RateLimitError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The configured limiters, each refusal counted in the metrics.
final class Limiters: Sendable {
    private let table: [String: RateLimiter]

    init(_ limits: RateLimits) {
        table = limits.limits.mapValues { RateLimiter(limit: $0.count, per: $0.seconds) }
    }

    /// Counts a request under `name` for `key`; a 429 problem with Retry-After when over.
    func enforce(_ name: String, _ key: String, _ what: String) throws {
        guard let wait = table[name]?.check(key) else { return }
        Counter(label: "civicgrid_rate_limited_total", dimensions: [("limit", name)]).increment()
        throw Problem(.tooManyRequests, "Too many requests", detail: "\(what): try again in \(wait) s", headers: [.retryAfter: String(wait)])
    }

    /// The seconds to wait when over (for answers that are not problems, as Open311's).
    func wait(_ name: String, _ key: String) -> Int? {
        guard let wait = table[name]?.check(key) else { return nil }
        Counter(label: "civicgrid_rate_limited_total", dimensions: [("limit", name)]).increment()
        return wait
    }
}
