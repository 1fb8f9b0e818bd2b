import Foundation

/// The household band a grid should fall in (350–500 by default), and the grid counts that
/// follow from it.
public struct Band: Hashable, Sendable, Codable {
    public var min: Int
    public var max: Int

    public init(min: Int = 350, max: Int = 500) {
        self.min = min
        self.max = max
    }

    public func contains(_ households: Int) -> Bool { households >= min && households <= max }

    /// Households outside the band: how far below the minimum or above the maximum.
    public func deviation(_ households: Int) -> Int {
        households < min ? min - households : households > max ? households - max : 0
    }

    /// Whether a grid out of band is so by rule, not a fault: a building over the maximum makes
    /// its own grid (with at most a few neighbours too small to be a grid).
    public func excuses(households: Int, largestBuilding: Int) -> Bool {
        largestBuilding > max && households - largestBuilding < min
    }

    /// Whether `total` households can be split into grids all within the band (ignoring
    /// how buildings are arranged).
    public func isFeasible(_ total: Int) -> Bool {
        total > 0 && (total + max - 1) / max <= total / min
    }

    /// How many grids `total` households should make: when feasible, the count whose mean is
    /// nearest the middle of the band (leaving slack on both sides); otherwise the count with
    /// the fewest households outside the band under an even split.
    public func gridCount(for total: Int) -> Int {
        guard total > 0 else { return 1 }
        let lo = (total + max - 1) / max, hi = total / min
        if lo <= hi {
            let middle = Double(min + max) / 2
            return Swift.min(Swift.max(Int((Double(total) / middle).rounded()), lo), hi)
        }
        var best = 1, bestDeviation = Int.max
        for k in Swift.max(1, hi)...Swift.max(1, lo) {
            let d = evenDeviation(total, k)
            if d < bestDeviation { (best, bestDeviation) = (k, d) }
        }
        return best
    }

    /// Households outside the band when `total` is split as evenly as possible into `k`.
    public func evenDeviation(_ total: Int, _ k: Int) -> Int {
        let q = total / k, r = total % k
        return r * deviation(q + 1) + (k - r) * deviation(q)
    }
}

/// Where a grid's household count lies against its band.
public enum BandState: String, Sendable, Codable, CaseIterable {
    case under, ok, over
}

extension Band {
    /// The one rule for the under/ok/over label (tiles, plan documents, reports).
    public func classify(_ households: Int) -> BandState {
        households < min ? .under : households > max ? .over : .ok
    }

    /// The band a plan was made for, from its stored parameters (`{"min":…,"max":…}`); nil
    /// when they do not say (imported or copied plans).
    public init?(planParameters json: String?) {
        guard let data = json?.data(using: .utf8),
              let p = try? JSONDecoder().decode(Parameters.self, from: data), let lo = p.min, let hi = p.max, lo <= hi else { return nil }
        self.init(min: lo, max: hi)
    }

    private struct Parameters: Decodable {
        var min: Int?
        var max: Int?
    }
}
