import Foundation
import GridGeometry
import GridStore

/// How much of each grid its members walked past.
public struct GridCoverage: Sendable, Hashable {
    public var grid: String
    public var community: String
    /// Members responsible for the grid.
    public var members: [Int64]
    public var buildings: Int
    /// Buildings within the radius of a member's track.
    public var covered: Int
    /// Plausible fixes of the members' devices in the period.
    public var fixes: Int

    public var share: Double { buildings == 0 ? 0 : Double(covered) / Double(buildings) }
}

public enum Patrol {
    /// Patrol coverage of every published grid (in `communities`, if given) over [from, to):
    /// the share of its buildings that came within `radius` metres of a track of one of its
    /// members' devices. A building counts by its label point and footprint vertices; a
    /// track is broken where fixes are more than `gap` seconds apart.
    public static func coverage(_ r: StoreReader, from: Double, to: Double, communities: Set<String>? = nil,
                                radius: Double = 50, gap: Double = 300) throws -> [GridCoverage] {
        let membersByGrid = try r.membersByGrid()
        var devicesByMember: [Int64: [String]] = [:]
        for d in try r.devices() { devicesByMember[d.member, default: []].append(d.id) }
        var tracks: [String: (segments: [[Coordinate]], fixes: Int)] = [:]
        func track(_ device: String) throws -> (segments: [[Coordinate]], fixes: Int) {
            if let t = tracks[device] { return t }
            let pings = try r.track(device: device, from: from, to: to.nextDown)
            let t = (Track.segments(pings.map { ($0.time, Coordinate($0.lon, $0.lat)) }, gap: gap), pings.count)
            tracks[device] = t
            return t
        }
        var byGrid: [(grid: String, community: String, places: [[Coordinate]])] = []
        for b in try r.publishedBuildings(communities: communities) {
            var points = [b.label]
            b.geometry.forEachCoordinateArray { points.append(contentsOf: $0) }
            if byGrid.last?.grid == b.grid {
                byGrid[byGrid.count - 1].places.append(points)
            } else {
                byGrid.append((b.grid, b.community, [points]))
            }
        }
        return try byGrid.map { g in
            let members = membersByGrid[g.grid] ?? []
            var segments: [[Coordinate]] = []
            var fixes = 0
            for m in members {
                for d in devicesByMember[m] ?? [] {
                    let t = try track(d)
                    segments += t.segments
                    fixes += t.fixes
                }
            }
            let covered = segments.isEmpty ? 0 : Track.covered(places: g.places, tracks: segments, radius: radius).count { $0 }
            return GridCoverage(grid: g.grid, community: g.community, members: members, buildings: g.places.count, covered: covered, fixes: fixes)
        }
    }
}
