import CivicGridModel
import Foundation
import GridCases
import GridStore

/// Why an assessment request cannot be answered.
public struct AssessmentError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case invalid, notFound, store }
    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// Who is asking: what of the figures they may see.
public struct Viewer: Hashable, Sendable {
    /// The region subtree they work in (nil: the whole jurisdiction).
    public var region: String?
    /// A department account sees its department only.
    public var department: String?
    /// Someone who may see only their own figures among people.
    public var person: String?

    public init(region: String? = nil, department: String? = nil, person: String? = nil) {
        self.region = region
        self.department = department
        self.person = person
    }

    public static let everything = Viewer()
}

/// Indicators, rankings and statistics over the store: tallies brought up to date, summed
/// over the period's days, scored by the configuration in force; closed months' rankings kept.
public struct Assessor: Sendable {
    public let store: GridStore
    public let now: @Sendable () -> Date

    public init(store: GridStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// Counts the cases changed since the last time; returns how many.
    @discardableResult
    public func refresh() throws -> Int {
        var total = 0
        while try store.read({ try $0.assessmentBacklog() }) > 0 {
            total += try store.write { try $0.refreshAssessment() }
        }
        return total
    }

    /// The configuration the admin loaded, or the default.
    public func config() throws -> AssessmentConfig {
        try store.read { try $0.assessmentConfig() } ?? .standard
    }

    /// Loads a configuration file's bytes (checked first): rankings made from now on use it.
    public func load(config data: Data) throws -> AssessmentConfig {
        let c: AssessmentConfig
        do { c = try AssessmentConfig.decode(data) } catch { throw AssessmentError(.invalid, error.description) }
        try store.write { try $0.save(c, at: now()) }
        return c
    }

    /// The local day now.
    public func today() throws -> Day {
        try store.read { try $0.calendar() }.day(of: now())
    }

    /// A level's units in a period (under `region`, if given), scored and ranked among all the
    /// level's units; the rows the viewer may see. With `keep`, a closed month's ranking is made
    /// once and kept: its answer stays the same when more cases come.
    public func ranking(level: UnitLevel, period: Period, region: String? = nil, viewer: Viewer = .everything, keep: Bool = true) throws -> (Ranking, Data) {
        guard UnitLevel.assessed.contains(level) else { throw AssessmentError(.invalid, "level must be one of \(UnitLevel.assessed.map(\.rawValue).joined(separator: ", "))") }
        let regions = try store.read { try $0.assessedRegions() }
        if let region, regions[region] == nil { throw AssessmentError(.notFound, "no region or grid \(region)") }
        let today = try today()
        let kept = keep && period.kind == .month && period.last < today
        var (r, data): (Ranking, Data)
        if kept, let stored = try store.read({ try $0.keptRanking(period: period.description, level: level.rawValue) }) {
            do { r = try JSONDecoder().decode(Ranking.self, from: stored) } catch { throw AssessmentError(.store, "the kept ranking of \(period) is unreadable: \(error)") }
            data = stored
        } else {
            try refresh()
            r = try make(level: level, period: period, regions: regions, today: today)
            data = r.json
            if kept { try store.write { try $0.keep(ranking: data, period: period.description, level: level.rawValue, at: now()) } }
        }
        // Persons lie where their accounts work (an account's region).
        let homes: [String: String] = level == .person
            ? Dictionary(try store.read { try $0.accounts() }.compactMap { a in a.region.map { (a.name, $0) } }, uniquingKeysWith: { a, _ in a }) : [:]
        func place(_ u: UnitFigures) -> String { u.level == .person ? homes[u.unit] ?? "" : u.unit }
        let visible = r.units.filter { u in Self.sees(viewer, u, regions, homes: homes) && (region.map { Self.lies(place(u), under: $0, regions) } ?? true) }
        if visible.count != r.units.count {
            r.units = visible
            data = r.json
        }
        return (r, data)
    }

    /// Keeps the rankings of every level for the closed months that have cases and no kept
    /// ranking yet (the last twelve at most); returns the months kept.
    @discardableResult
    public func keepClosedMonths() throws -> [String] {
        try refresh()
        let today = try today()
        guard let first = try store.read({ try $0.firstAssessedDay() }) else { return [] }
        var kept: [String] = []
        var month = Period(today.description.prefix(7))?.previous
        for _ in 0..<12 {
            guard let m = month, m.last.number >= first else { break }
            var made = false
            for level in UnitLevel.assessed where try store.read({ try $0.keptRanking(period: m.description, level: level.rawValue) }) == nil {
                _ = try ranking(level: level, period: m)
                made = true
            }
            if made { kept.append(m.description) }
            month = m.previous
        }
        return kept
    }

    /// The ranking computed afresh (tallies up to date).
    func make(level: UnitLevel, period: Period, regions: [String: UnitInfo], today: Day) throws -> Ranking {
        func tallies(_ p: Period) throws -> [String: Tally] {
            let last = min(p.last.number, today.number)
            guard p.first.number <= last else { return [:] }
            return try store.read { try $0.tallies(level: level, days: p.first.number...last) }
        }
        var names: [String: String] = [:]
        switch level {
        case .department: for d in try store.read({ try $0.departments() }) { names[d.code] = d.name }
        case .person: break
        default: for (code, info) in regions where info.level == level { names[code] = info.name }
        }
        var current = try tallies(period)
        // Every region of the level is listed, with or without cases.
        if level != .department, level != .person { for code in names.keys where current[code] == nil { current[code] = Tally() } }
        return Ranking.make(period: period.description, level: level, config: try config(), names: names,
                            current: current, previous: try tallies(period.previous), yearEarlier: try tallies(period.yearEarlier))
    }

    /// Whether `code` is `root` or lies below it.
    static func lies(_ code: String, under root: String, _ regions: [String: UnitInfo]) -> Bool {
        var c: String? = code
        var steps = 0
        while let x = c, steps < 16 {
            if x == root { return true }
            c = regions[x]?.parent
            steps += 1
        }
        return false
    }

    static func sees(_ v: Viewer, _ u: UnitFigures, _ regions: [String: UnitInfo], homes: [String: String] = [:]) -> Bool {
        switch u.level {
        // Departments work district-wide: their figures are for the whole jurisdiction's
        // accounts and for the department itself, not for a street's or a community's.
        case .department: return v.department.map { $0 == u.unit } ?? (v.person == nil && v.region == nil)
        // A person: themselves, and the centre's and admins' accounts whose region holds the
        // person's account (a street's dispatcher sees the staff of its communities).
        case .person:
            return v.person.map { $0 == u.unit } ?? (v.department == nil && (v.region.map { root in homes[u.unit].map { lies($0, under: root, regions) } ?? false } ?? true))
        default: return v.department == nil && v.person == nil && (v.region.map { lies(u.unit, under: $0, regions) } ?? true)
        }
    }
}
