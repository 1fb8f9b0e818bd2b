import CivicGridModel
import Foundation
import GridCases
import GridStore

/// The cases of a region in a period, broken down for the dashboard's charts.
public struct CaseStatistics: Hashable, Sendable, Codable {
    public var period: String
    public var region: String
    public var reports: Int
    public var byCategory: [Slice]
    public var bySource: [Slice]
    /// Now, of the cases reported in the period.
    public var byStatus: [Slice]
    /// Reports by local hour of day, 0–23.
    public var byHour: [Int]
    public var perDay: [DayFigures]

    public struct Slice: Hashable, Sendable, Codable {
        public var key: String
        public var name: String?
        public var count: Int
    }

    public struct DayFigures: Hashable, Sendable, Codable {
        public var day: String
        public var reports: Int
        public var filed: Int
        public var closed: Int
        public var dueToClose: Int

        enum CodingKeys: String, CodingKey { case day, reports, filed, closed, dueToClose = "due_to_close" }
    }

    enum CodingKeys: String, CodingKey {
        case period, region, reports, byCategory = "by_category", bySource = "by_source", byStatus = "by_status", byHour = "by_hour", perDay = "per_day"
    }
}

/// The basic data of a region: grids against the household band, buildings by floors,
/// households and people by the regions below, staff per grid.
public struct BasicStatistics: Hashable, Sendable, Codable {
    public var region: String
    public var band: [Int]
    /// Published grids by households, in bins of 25 (`from` each bin's lower bound).
    public var householdsPerGrid: [Bin]
    /// Per community: grids below, within and above the band.
    public var gridsByBand: [BandCount]
    public var buildingsByFloors: [Bin]
    /// The regions one level down: buildings, households, people recorded, grids.
    public var byRegion: [RegionFigures]
    /// Published grids by the number of grid staff assigned.
    public var staffPerGrid: [Bin]

    public struct Bin: Hashable, Sendable, Codable {
        public var from: Int
        public var count: Int
    }

    public struct BandCount: Hashable, Sendable, Codable {
        public var community: String
        public var name: String
        public var below: Int
        public var within: Int
        public var above: Int
    }

    public struct RegionFigures: Hashable, Sendable, Codable {
        public var code: String
        public var name: String
        public var buildings: Int
        public var households: Int
        public var people: Int
        public var grids: Int
    }

    enum CodingKeys: String, CodingKey {
        case region, band, householdsPerGrid = "households_per_grid", gridsByBand = "grids_by_band", buildingsByFloors = "buildings_by_floors",
             byRegion = "by_region", staffPerGrid = "staff_per_grid"
    }
}

extension Assessor {
    /// The cases of `region` (a community, street or district) in `period`.
    public func caseStatistics(period: Period, region: String) throws -> CaseStatistics {
        let regions = try store.read { try $0.assessedRegions() }
        guard let info = regions[region] else { throw AssessmentError(.notFound, "no region \(region)") }
        guard [.community, .street, .district].contains(info.level) else { throw AssessmentError(.invalid, "statistics are per community, street or district; \(region) is a \(info.level.rawValue)") }
        try refresh()
        let today = try today()
        let last = min(period.last.number, today.number)
        let days = period.first.number...max(period.first.number, last)
        let empty = period.first.number > last
        func slices(_ level: UnitLevel) throws -> [String: Int] {
            guard !empty else { return [:] }
            return try store.read { try $0.breakdown(level, region: region, days: days) }.mapValues { $0[.reports] }.filter { $0.value > 0 }
        }
        let categories = try store.read { try $0.categories() }
        let names = Dictionary(categories.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        func sorted(_ d: [String: Int], names: [String: String] = [:]) -> [CaseStatistics.Slice] {
            d.map { CaseStatistics.Slice(key: $0.key, name: names[$0.key], count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.key < $1.key }
        }
        let hours = try slices(.hour)
        let daily = empty ? [:] : try store.read { try $0.dailyTallies(level: info.level, unit: region, days: days) }
        let perDay: [CaseStatistics.DayFigures] = empty ? [] : days.map { (d: Int) -> CaseStatistics.DayFigures in
            let t = daily[d] ?? Tally()
            return CaseStatistics.DayFigures(day: Day(number: d).description, reports: t[.reports], filed: t[.filed], closed: t[.closed], dueToClose: t[.dueClose])
        }
        return CaseStatistics(period: period.description, region: region, reports: perDay.reduce(0) { (n: Int, d: CaseStatistics.DayFigures) in n + d.reports },
                              byCategory: sorted(try slices(.category), names: names), bySource: sorted(try slices(.source)),
                              byStatus: sorted(try slices(.status)), byHour: (0..<24).map { hours[String($0)] ?? 0 }, perDay: perDay)
    }

    /// The basic data of `region` (any region).
    public func basicStatistics(region: String) throws -> BasicStatistics {
        let regions = try store.read { try $0.assessedRegions() }
        guard let info = regions[region], info.level != .grid else { throw AssessmentError(.notFound, "no region \(region)") }
        let (grids, buildings, population) = try store.read { r in (try r.gridFigures(), try r.buildingFigures(), try r.populationFigures()) }
        func under(_ code: String?) -> Bool { code.map { Self.lies($0, under: region, regions) } ?? false }
        // The region one level down that holds a community (or the community itself).
        let childLevel: UnitLevel = switch info.level { case .district: .street; case .street: .community; default: .community }
        func child(_ community: String) -> String? {
            var c: String? = community
            while let x = c, let i = regions[x] {
                if i.level == childLevel { return x }
                c = i.parent
            }
            return nil
        }
        let band = Band()
        let mine = grids.filter { under($0.community) }
        var hist: [Int: Int] = [:], staff: [Int: Int] = [:]
        var byCommunity: [String: BasicStatistics.BandCount] = [:]
        var byRegion: [String: BasicStatistics.RegionFigures] = [:]
        func figures(_ code: String) -> BasicStatistics.RegionFigures {
            byRegion[code] ?? .init(code: code, name: regions[code]?.name ?? code, buildings: 0, households: 0, people: 0, grids: 0)
        }
        for g in mine {
            hist[g.households / 25 * 25, default: 0] += 1
            staff[g.staff, default: 0] += 1
            var c = byCommunity[g.community] ?? .init(community: g.community, name: regions[g.community]?.name ?? g.community, below: 0, within: 0, above: 0)
            if g.households < band.min { c.below += 1 } else if g.households > band.max { c.above += 1 } else { c.within += 1 }
            byCommunity[g.community] = c
            if let k = child(g.community) { var f = figures(k); f.grids += 1; byRegion[k] = f }
        }
        var floors: [Int: Int] = [:]
        for b in buildings where under(b.community) {
            floors[b.floors ?? 0, default: 0] += b.buildings
            if let community = b.community, let k = child(community) {
                var f = figures(k)
                f.buildings += b.buildings
                f.households += b.households
                byRegion[k] = f
            }
        }
        for (community, p) in population where under(community) {
            if let k = child(community) { var f = figures(k); f.people += p.people; byRegion[k] = f }
        }
        func bins(_ d: [Int: Int]) -> [BasicStatistics.Bin] { d.keys.sorted().map { .init(from: $0, count: d[$0] ?? 0) } }
        return BasicStatistics(region: region, band: [band.min, band.max], householdsPerGrid: bins(hist),
                               gridsByBand: byCommunity.values.sorted { $0.community < $1.community }, buildingsByFloors: bins(floors),
                               byRegion: byRegion.values.sorted { $0.code < $1.code }, staffPerGrid: bins(staff))
    }
}
