import CivicGridModel

/// Which grids of a published plan to divide again when it is rebalanced: each grid out of
/// band (and not made so by one oversized building) with the fewest neighbours that make a
/// total the band can hold. Pure graph work over grid indices.
public enum RebalanceGroups {
    /// - Parameters:
    ///   - households: per grid, its households now.
    ///   - largest: per grid, its largest building's households.
    ///   - neighbors: per grid, the grids sharing a boundary with it.
    /// - Returns: disjoint groups of grid indices (a grid regrouped later joins the group it
    ///   is already in).
    public static func groups(households: [Int], largest: [Int], neighbors: [[Int]], band: Band) -> [[Int]] {
        var group = [Int](repeating: -1, count: households.count)
        var groups: [[Int]] = []
        for g in households.indices where !band.contains(households[g]) && largest[g] <= band.max && group[g] < 0 {
            var members = [g]
            var total = households[g]
            var frontier = neighbors[g]
            while !(band.isFeasible(total) && (members.count > 1 || total > band.max)), !frontier.isEmpty {
                // Prefer a neighbour not yet regrouped, with the most households to share.
                frontier.sort { (group[$0] < 0 ? 0 : 1, -households[$0], $0) < (group[$1] < 0 ? 0 : 1, -households[$1], $1) }
                let next = frontier.removeFirst()
                guard !members.contains(next) else { continue }
                if group[next] >= 0 {  // join the group it is already in
                    let other = group[next]
                    members += groups[other]
                    total += groups[other].reduce(0) { $0 + households[$1] }
                    groups[other] = []
                } else {
                    members.append(next)
                    total += households[next]
                }
                frontier += neighbors[next].filter { !members.contains($0) }
            }
            let id = groups.count
            groups.append(members)
            for m in members { group[m] = id }
        }
        return groups.filter { !$0.isEmpty }
    }
}
