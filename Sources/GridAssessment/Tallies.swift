import CivicGridModel
import Foundation
import GridStore

/// The assessment's tables (tallies by day and month, the cases still to count, kept
/// rankings, the scoring configuration) and the figures it reads from the basic data: its SQL,
/// on either store. The rule of what a case counts is the model's (`CaseFacts.tallies`).
extension StoreWriter {
    /// Brings the daily tallies up to date with the cases changed since the last time (at
    /// most `limit` of them): each case's facts as they were counted are taken away and its
    /// facts now added. Returns how many cases were counted.
    @discardableResult
    public func refreshAssessment(limit: Int = 20_000) throws -> Int {
        let dirty = try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT fid, upto, category FROM assessment_dirty LIMIT ?"), arguments: [limit])
        guard !dirty.isEmpty else { return 0 }
        let calendar = try reader.calendar()
        var delta: [TallyKey: Tally] = [:]
        let caseRow = try db.cachedStatement(sql: """
            SELECT c.category, c.source, c.grid, c.community, c.street, c.district, m.name AS reporter
            FROM cases c LEFT JOIN members m ON m.id = c.reporter_account AND c.source = 'grid_staff' WHERE c.fid = ?
            """)
        let historyRows = try db.cachedStatement(sql: """
            SELECT id, at, actor, action, from_status, to_status, holder, detail, due FROM case_history WHERE case_fid = ? ORDER BY id
            """)
        for d in dirty {
            let fid: Int64 = try d["fid"], upto: Int64 = try d["upto"]
            guard let c = try SQLRow.fetchOne(caseRow, arguments: [fid]), let source = CaseSource(rawValue: try c["source"]) else { continue }
            let place = try CasePlace(grid: c["grid"], community: c["community"], street: c["street"], district: c["district"])
            var history: [(Int64, TimedEvent)] = []
            for row in try SQLRow.fetchAll(historyRows, arguments: [fid]) {
                guard let at = StoreTime.date(try row["at"]), let to = CaseStatus(rawValue: try row["to_status"]) else { throw StoreError("case \(fid): unreadable history row") }
                let event = try CaseEvent(at: at, actor: row["actor"], action: row["action"], from: (row["from_status"] as String?).flatMap(CaseStatus.init), to: to,
                                      holder: try row["holder"], note: nil, detail: try StoreJSON.decode([String: String].self, row["detail"], "case \(fid)'s history"))
                try history.append((row["id"], TimedEvent(event, due: (row["due"] as String?).flatMap(StoreTime.date))))
            }
            // Grid staff's reports count for them: their account, or (a case made without one,
            // as the demo's) whoever the report's history row names.
            let reporter: String? = try c["reporter"] ?? (source == .gridStaff ? history.first?.1.event.actor : nil)
            let now = CaseFacts(category: try c["category"], source: source, place: place, reporter: reporter, history: history.map(\.1))
            for (key, t) in now.tallies(calendar: calendar) { delta[key, default: Tally()].add(t) }
            if upto > 0 {
                let then = CaseFacts(category: try d["category"] ?? c["category"], source: source, place: place, reporter: reporter,
                                     history: history.filter { $0.0 <= upto }.map(\.1))
                for (key, t) in then.tallies(calendar: calendar) { delta[key, default: Tally()].add(t, sign: -1) }
            }
        }
        try apply(delta)
        let ids = try dirty.map { try $0["fid"] as Int64 }
        try db.execute(sql: "DELETE FROM assessment_dirty WHERE fid IN (\(ids.map { _ in "?" }.joined(separator: ",")))", arguments: SQLArguments(ids))
        return dirty.count
    }

    /// Adds tallies to the stored ones, per day and per month.
    private func apply(_ delta: [TallyKey: Tally]) throws {
        var monthly: [TallyKey: Tally] = [:]
        for (key, change) in delta { monthly[TallyKey(key.level, key.unit, day: AssessmentMonth.of(day: key.day)), default: Tally()].add(change) }
        try apply(delta, table: "assessment_daily", column: "day")
        try apply(monthly, table: "assessment_monthly", column: "month")
    }

    private func apply(_ delta: [TallyKey: Tally], table: String, column: String) throws {
        let read = try db.cachedStatement(sql: "SELECT tally FROM \(table) WHERE level = ? AND \(column) = ? AND unit = ?")
        let write = try db.cachedStatement(sql: "INSERT INTO \(table) (level, \(column), unit, tally) VALUES (?, ?, ?, ?) ON CONFLICT (level, \(column), unit) DO UPDATE SET tally = excluded.tally")
        let delete = try db.cachedStatement(sql: "DELETE FROM \(table) WHERE level = ? AND \(column) = ? AND unit = ?")
        for (key, change) in delta where !change.isZero {
            var t = try Data.fetchOne(read, arguments: [key.level.rawValue, key.day, key.unit]).map(TallyCodec.decode) ?? Tally()
            t.add(change)
            if t.isZero {
                try delete.execute(arguments: [key.level.rawValue, key.day, key.unit])
            } else {
                try write.execute(arguments: [key.level.rawValue, key.day, key.unit, TallyCodec.encode(t)])
            }
        }
    }

    /// Keeps a closed month's ranking (the first one made stays).
    public func keep(ranking body: Data, period: String, level: String, at: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO rankings (period, level, body, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .execute(arguments: [period, level, body, StoreTime.text(at)])
    }

    /// Loads the scoring configuration (checked by the caller).
    public func save(_ config: AssessmentConfig, at: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO assessment_config (id, definition, loaded_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, loaded_at = excluded.loaded_at")
            .execute(arguments: [config.json, StoreTime.text(at)])
    }
}

extension StoreReader {
    /// Each unit's tally of a level over days (local day numbers), optionally only some units:
    /// whole months from the monthly tallies, the days around them from the daily ones.
    public func tallies(level: UnitLevel, days: ClosedRange<Int>, units: Set<String>? = nil) throws -> [String: Tally] {
        var out: [String: Tally] = [:]
        func add(_ table: String, _ column: String, _ range: ClosedRange<Int>) throws {
            let rows = try SQLRow.fetchCursor(try db.cachedStatement(sql: "SELECT unit, tally FROM \(table) WHERE level = ? AND \(column) BETWEEN ? AND ?"),
                                           arguments: [level.rawValue, range.lowerBound, range.upperBound])
            while let row = try rows.next() {
                let unit: String = try row[0]
                if let units, !units.contains(unit) { continue }
                try Self.addTally(row, into: &out[unit, default: Tally()])
            }
        }
        let (months, rest) = AssessmentMonth.split(days)
        if let months { try add("assessment_monthly", "month", months) }
        for r in rest { try add("assessment_daily", "day", r) }
        return out
    }

    /// Adds a row's stored tally (column 1) without copying its bytes.
    static func addTally(_ row: SQLRow, into t: inout Tally) throws {
        try row.withUnsafeBlob(at: 1) { bytes in
            if let bytes { try TallyCodec.add(bytes, into: &t) }
        }
    }

    /// One unit's tally per day.
    public func dailyTallies(level: UnitLevel, unit: String, days: ClosedRange<Int>) throws -> [Int: Tally] {
        var out: [Int: Tally] = [:]
        for row in try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT day, tally FROM assessment_daily WHERE level = ? AND unit = ? AND day BETWEEN ? AND ?"),
                                    arguments: [level.rawValue, unit, days.lowerBound, days.upperBound]) {
            out[try row[0]] = try TallyCodec.decode(row[1])
        }
        return out
    }

    /// Each case's deadline to close by, read straight from its history rows: the deadline
    /// the last step into handling or checking left (a supervision's restart aside).
    public func closeDeadlines() throws -> [String: Date] {
        var out: [String: Date] = [:]
        for row in try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT c.number, (SELECT h.due FROM case_history h WHERE h.case_fid = c.fid AND h.to_status IN ('dispatched', 'accepted', 'handled')
                                AND h.action <> 'supervise' ORDER BY h.id DESC LIMIT 1) FROM cases c
            """)) {
            if let text: String = try row[1], let d = StoreTime.date(text) { out[try row[0]] = d }
        }
        return out
    }

    /// The first day with a tally (nil: no cases counted).
    public func firstAssessedDay() throws -> Int? {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT min(day) FROM assessment_daily WHERE level = 'district'"))
    }

    /// Cases changed since the tallies were last brought up to date.
    public func assessmentBacklog() throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM assessment_dirty")) ?? 0
    }

    /// A kept ranking's bytes.
    public func keptRanking(period: String, level: String) throws -> Data? {
        try Data.fetchOne(try db.cachedStatement(sql: "SELECT body FROM rankings WHERE period = ? AND level = ?"), arguments: [period, level])
    }

    /// The scoring configuration the admin loaded (nil: the default).
    public func assessmentConfig() throws -> AssessmentConfig? {
        guard let text = try String.fetchOne(try db.cachedStatement(sql: "SELECT definition FROM assessment_config WHERE id = 1")) else { return nil }
        return try StoreJSON.decode(AssessmentConfig.self, text, "the assessment configuration")
    }
}

/// A region or grid as the assessment names and nests it.
public struct UnitInfo: Hashable, Sendable {
    public var code: String
    public var name: String
    public var level: UnitLevel
    /// The region above (a grid's community).
    public var parent: String?
}

extension StoreReader {
    /// Every region and published grid: names and what lies above each.
    public func assessedRegions() throws -> [String: UnitInfo] {
        var out: [String: UnitInfo] = [:]
        for row in try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT code, name, level, parent FROM regions")) {
            guard let level = UnitLevel(rawValue: try row["level"]) else { continue }
            out[try row["code"]] = UnitInfo(code: try row["code"], name: try row["name"], level: level, parent: try row["parent"])
        }
        for row in try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT g.code, g.name, p.community FROM grids g JOIN plans p ON p.id = g.plan WHERE p.status = 'published'
            """)) {
            out[try row["code"]] = UnitInfo(code: try row["code"], name: try row["name"] ?? row["code"], level: .grid, parent: try row["community"])
        }
        return out
    }
}

/// Basic data of one published grid or building, for the statistics.
public struct GridFigures: Hashable, Sendable {
    public var code: String
    public var community: String
    public var households: Int
    public var staff: Int
}

extension StoreReader {
    /// Tallies of a breakdown level (`REGION:VALUE` units) for one region over days, by value.
    public func breakdown(_ level: UnitLevel, region: String, days: ClosedRange<Int>) throws -> [String: Tally] {
        var out: [String: Tally] = [:]
        let prefix = region + ":"
        let rows = try SQLRow.fetchCursor(try db.cachedStatement(sql: """
            SELECT unit, tally FROM assessment_daily WHERE level = ? AND day BETWEEN ? AND ? AND unit >= ? AND unit < ?
            """), arguments: [level.rawValue, days.lowerBound, days.upperBound, prefix, region + ";"])
        while let row = try rows.next() {
            let unit: String = try row[0]
            try Self.addTally(row, into: &out[String(unit.dropFirst(prefix.count)), default: Tally()])
        }
        return out
    }

    /// Every published grid: households and staff assigned.
    public func gridFigures() throws -> [GridFigures] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT g.code, p.community, g.households, (SELECT count(*) FROM member_grids m WHERE m.grid_code = g.code) AS staff
            FROM grids g JOIN plans p ON p.id = g.plan WHERE p.status = 'published' ORDER BY g.code
            """)).map { GridFigures(code: try $0[0], community: try $0[1], households: try $0[2], staff: try $0[3]) }
    }

    /// Buildings per community by floors (nil: unknown) and their households.
    public func buildingFigures() throws -> [(community: String?, floors: Int?, buildings: Int, households: Int)] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT community, floors, count(*), sum(households) FROM buildings GROUP BY community, floors
            """)).map { (try $0[0], try $0[1], try $0[2], try $0[3]) }
    }

    /// People recorded per community (the households' sizes, where known).
    public func populationFigures() throws -> [String: (households: Int, people: Int)] {
        var out: [String: (households: Int, people: Int)] = [:]
        for row in try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT b.community, count(*), coalesce(sum(h.size), 0) FROM households h JOIN buildings b ON b.fid = h.building
            WHERE b.community IS NOT NULL GROUP BY b.community
            """)) {
            out[try row[0]] = (try row[1], try row[2])
        }
        return out
    }
}

