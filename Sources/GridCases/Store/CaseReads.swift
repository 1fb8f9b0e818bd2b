import CivicGridModel
import Foundation
import GridGeometry
import GridStore
import Synchronization

extension StoreReader {
    public func categories() throws -> [CaseCategory] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT code, major, major_name, major_name_en, name, name_en, kind, urgency, limits, department, duplicate_radius, words, auto_dispatch
            FROM case_categories ORDER BY code
            """)).map(Self.category)
    }

    public func category(code: String) throws -> CaseCategory? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: """
            SELECT code, major, major_name, major_name_en, name, name_en, kind, urgency, limits, department, duplicate_radius, words, auto_dispatch
            FROM case_categories WHERE code = ?
            """), arguments: [code]).map(Self.category)
    }

    /// The duty phones, by holder.
    public func dutyPhones() throws -> [DutyPhone] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT holder, name, phone FROM duty_phones ORDER BY holder"))
            .map { try DutyPhone(holder: $0["holder"], name: $0["name"], phone: $0["phone"]) }
    }

    /// The duty phone of a department or a desk, if it has one.
    public func dutyPhone(holder: String) throws -> DutyPhone? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT holder, name, phone FROM duty_phones WHERE holder = ?"), arguments: [holder])
            .map { try DutyPhone(holder: $0["holder"], name: $0["name"], phone: $0["phone"]) }
    }

    /// The steps the reporter hears of (`actions`) taken from `from` until before `to`, oldest
    /// first, each with its case's number and history row (Open311's request updates).
    public func caseEvents(actions: [String], from: Date, to: Date, limit: Int) throws -> [(id: Int64, number: String, event: CaseEvent)] {
        let names = actions.map { "'\($0.filter { $0.isLetter || $0 == "_" })'" }.joined(separator: ",")
        return try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT h.id, c.number, h.at, h.actor, h.action, h.from_status, h.to_status, h.holder, h.note, h.detail
            FROM case_history h JOIN cases c ON c.fid = h.case_fid
            WHERE h.at >= ? AND h.at < ? AND h.action IN (\(names)) ORDER BY h.at, h.id LIMIT ?
            """), arguments: [StoreTime.text(from), StoreTime.text(to), limit]).map { row in
            let number: String = try row["number"]
            guard let at = StoreTime.date(try row["at"]), let to = CaseStatus(rawValue: try row["to_status"]) else {
                throw StoreError("case \(number): unreadable history row")
            }
            return (try row["id"], number, CaseEvent(at: at, actor: try row["actor"], action: try row["action"], from: (try row["from_status"] as String?).flatMap(CaseStatus.init),
                                                to: to, holder: try row["holder"], note: try row["note"],
                                                detail: try StoreJSON.decode([String: String].self, row["detail"], "case \(number)'s history")))
        }
    }

    /// The triage limits: level → urgency → how long a new case may wait untouched there.
    public func triageLimits() throws -> [RegionLevel: [Urgency: TimeLimit]] {
        var out: [RegionLevel: [Urgency: TimeLimit]] = [:]
        for row in try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT level, urgency, time_limit FROM triage_limits")) {
            guard let level = RegionLevel(rawValue: try row[0]), let urgency = Urgency(rawValue: try row[1]), let limit = TimeLimit(try row[2] as String) else { continue }
            out[level, default: [:]][urgency] = limit
        }
        return out
    }

    /// Open cases waiting at a region's desk to be verified, filed or dispatched that no
    /// person has acted on (every step so far the reporter's or the system's), with their level
    /// and when they last changed: what the triage sweep looks at (oldest first).
    public func untouchedAtDesks(changedBefore: Date, limit: Int = 5000) throws -> [(number: String, level: RegionLevel, since: Date)] {
        let system = (CaseSource.allCases.map(\.rawValue) + ["routing", "triage", "supervision"]).map { "'\($0)'" }.joined(separator: ",")
        return try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT c.number, r.level, c.updated_at FROM cases c JOIN regions r ON r.code = c.holder
            WHERE c.holder_kind = 'region' AND c.status IN ('reported', 'verified', 'filed') AND c.updated_at < ?
              AND NOT EXISTS (SELECT 1 FROM case_history h WHERE h.case_fid = c.fid AND h.actor NOT IN (\(system)))
            ORDER BY c.updated_at LIMIT ?
            """), arguments: [StoreTime.text(changedBefore), limit])
        .compactMap { row in
            guard let level = RegionLevel(rawValue: try row[1]), let since = StoreTime.date(try row[2]) else { return nil }
            return (try row[0], level, since)
        }
    }

    /// The template of a notice to reporters, if one was imported.
    public func noticeTemplate(_ event: String) throws -> String? {
        try String.fetchOne(try db.cachedStatement(sql: "SELECT text FROM notice_templates WHERE event = ?"), arguments: [event])
    }

    /// The routing rules, in the order imported.
    public func routingRules() throws -> [RoutingRule] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT id, category, region, department, priority FROM routing_rules ORDER BY id"))
            .map { try RoutingRule(id: $0[0], category: $0[1], region: $0[2], department: $0[3], priority: $0[4]) }
    }

    /// The labelled messages the category classifier learns from, in the order imported.
    public func categoryExamples() throws -> [(category: String, text: String)] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT category, text FROM category_examples ORDER BY id")).map { (try $0[0], try $0[1]) }
    }

    /// Changes when what the classifier is made of changes: the examples and the categories'
    /// words, names and urgencies (counts and total lengths).
    public func classifierVersion() throws -> String {
        let row = try SQLRow.fetchOne(try db.cachedStatement(sql: """
            SELECT (SELECT count(*) FROM category_examples), (SELECT coalesce(sum(length(text)), 0) FROM category_examples),
                   (SELECT coalesce(max(id), 0) FROM category_examples), (SELECT count(*) FROM case_categories),
                   (SELECT coalesce(sum(length(words) + length(urgency) + length(name)), 0) FROM case_categories)
            """))
        return try (0..<5).map { i in try row.map { String((try $0[i] as Int64?) ?? -1) } ?? "" }.joined(separator: "/")
    }

    public func departments() throws -> [Department] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT code, name, name_en, region, categories FROM departments ORDER BY code")).map(Self.department)
    }

    public func department(code: String) throws -> Department? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT code, name, name_en, region, categories FROM departments WHERE code = ?"), arguments: [code]).map(Self.department)
    }

    static func category(_ row: SQLRow) throws -> CaseCategory {
        let code: String = try row["code"]
        let raw = try StoreJSON.decodeCached([String: TimeLimit].self, row["limits"], "category \(code)'s limits")
        var limits: [CaseStep: TimeLimit] = [:]
        for (step, limit) in raw {
            guard let s = CaseStep(rawValue: step) else { throw StoreError("category \(code): unknown step \(step)") }
            limits[s] = limit
        }
        guard let kind = CategoryKind(rawValue: try row["kind"]), let urgency = Urgency(rawValue: try row["urgency"]) else {
            throw StoreError("category \(code): unknown kind or urgency")
        }
        return try CaseCategory(code: code, major: row["major"], majorName: row["major_name"], majorNameEn: row["major_name_en"],
                            name: try row["name"], nameEn: try row["name_en"], kind: kind, urgency: urgency, limits: limits,
                            department: try row["department"], duplicateRadius: try row["duplicate_radius"],
                            words: (try row["words"] as String).split(separator: "|").map(String.init),
                            autoDispatch: Set((try row["auto_dispatch"] as String).split(separator: ";").compactMap { CaseSource(rawValue: String($0)) }))
    }

    static func department(_ row: SQLRow) throws -> Department {
        let code: String = try row["code"]
        return try Department(code: code, name: row["name"], nameEn: row["name_en"], region: row["region"],
                          categories: try StoreJSON.decode([String].self, row["categories"], "department \(code)'s categories"))
    }
}

extension StoreReader {
    static let caseColumns = """
        fid, geom, number, category, urgency, description, source, address, grid, community, street, district,
        reporter_name, reporter_phone, reporter_account, status, holder_kind, holder, pending, dispatched_from,
        returns, reworks, extensions, escalations, supervisions, step_started, due, duplicate_of, token,
        created_at, updated_at, closed_at, version, located_at_home, public_lon, public_lat, category_confidence, needs_category, follow_ups, public_note, media_url,
        assignee
        """

    /// `caseColumns` of the table aliased `c`.
    static let qualifiedCaseColumns = caseColumns.split(separator: ",").map { "c." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    public func `case`(number: String) throws -> CaseRecord? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.caseColumns) FROM cases WHERE number = ?"), arguments: [number]).map(Self.caseRecord)
    }

    public func `case`(token: String) throws -> CaseRecord? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT \(Self.caseColumns) FROM cases WHERE token = ?"), arguments: [token]).map(Self.caseRecord)
    }

    /// The report filed under a client's key, if any: the digest of what was sent with it and
    /// the case's number.
    public func requestKey(scope: String, key: String) throws -> (fingerprint: String, number: String)? {
        try SQLRow.fetchOne(db, sql: """
            SELECT k.fingerprint, c.number FROM request_keys k JOIN cases c ON c.fid = k.case_fid WHERE k.scope = ? AND k.key = ?
            """, arguments: [scope, key]).map { (try $0["fingerprint"], try $0["number"]) }
    }

    /// A case's transitions, oldest first.
    public func history(case number: String) throws -> [CaseEvent] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT h.at, h.actor, h.action, h.from_status, h.to_status, h.holder, h.note, h.detail
            FROM case_history h JOIN cases c ON c.fid = h.case_fid WHERE c.number = ? ORDER BY h.id
            """), arguments: [number]).map { row in
            guard let at = StoreTime.date(try row["at"]), let to = CaseStatus(rawValue: try row["to_status"]) else {
                throw StoreError("case \(number): unreadable history row")
            }
            return try CaseEvent(at: at, actor: row["actor"], action: row["action"], from: (row["from_status"] as String?).flatMap(CaseStatus.init),
                             to: to, holder: try row["holder"], note: try row["note"],
                             detail: try StoreJSON.decode([String: String].self, row["detail"], "case \(number)'s history"))
        }
    }

    /// Transitions after history row `id`, oldest first, each with its case as it is now (the
    /// live feed of the command centre).
    public func caseEvents(after id: Int64, limit: Int = 500) throws -> [(id: Int64, record: CaseRecord, event: CaseEvent)] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT h.id AS event_id, h.at, h.actor, h.action, h.from_status, h.to_status, h.holder AS event_holder, h.note, h.detail, \(Self.qualifiedCaseColumns)
            FROM case_history h JOIN cases c ON c.fid = h.case_fid WHERE h.id > ? ORDER BY h.id LIMIT ?
            """), arguments: [id, limit]).map { row in
            let record = try Self.caseRecord(row)
            guard let at = StoreTime.date(try row["at"]), let to = CaseStatus(rawValue: try row["to_status"]) else {
                throw StoreError("case \(record.number): unreadable history row")
            }
            let event = try CaseEvent(at: at, actor: row["actor"], action: row["action"], from: (row["from_status"] as String?).flatMap(CaseStatus.init),
                                  to: to, holder: try row["event_holder"], note: try row["note"],
                                  detail: try StoreJSON.decode([String: String].self, row["detail"], "case \(record.number)'s history"))
            return (try row["event_id"], record, event)
        }
    }

    /// The newest history row's id (0 without any).
    public func lastCaseEvent() throws -> Int64 {
        try Int64.fetchOne(try db.cachedStatement(sql: "SELECT max(id) FROM case_history")) ?? 0
    }

    /// A case's photos, oldest first, each with the index of its step in the history.
    public func photos(case number: String) throws -> [CasePhoto] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT p.sha256, p.media_type, p.bytes, (SELECT count(*) FROM case_history h WHERE h.case_fid = p.case_fid AND h.id < p.event) AS step
            FROM case_photos p JOIN cases c ON c.fid = p.case_fid WHERE c.number = ? ORDER BY p.id
            """), arguments: [number]).map { CasePhoto(sha256: try $0["sha256"], mediaType: try $0["media_type"], bytes: try $0["bytes"], event: try $0["step"]) }
    }

    /// Notices waiting to be sent through a channel, oldest first.
    public func waitingNotices(channel: String, limit: Int = 100) throws -> [(id: Int64, to: String, case: String, text: String)] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT id, address, case_number, text FROM notices WHERE channel = ? AND sent_at IS NULL ORDER BY id LIMIT ?
            """), arguments: [channel, limit]).map { (try $0["id"], try $0["address"], try $0["case_number"], try $0["text"]) }
    }

    /// How many cases have a number starting with `prefix` (a day's sequence so far).
    public func caseCount(numberPrefix prefix: String) throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM cases WHERE number >= ? AND number < ?"), arguments: [prefix, prefix + "~"]) ?? 0
    }

    static func caseRecord(_ row: SQLRow) throws -> CaseRecord {
        let number: String = try row["number"]
        func bad(_ what: String) -> StoreError { StoreError("case \(number): unreadable \(what)") }
        guard case .point(let location) = try StoredGeometry.decode(row["geom"]) else { throw bad("location") }
        guard let urgency = Urgency(rawValue: try row["urgency"]), let source = CaseSource(rawValue: try row["source"]),
              let status = CaseStatus(rawValue: try row["status"]) else { throw bad("urgency, source or status") }
        let holder: CaseHolder? = switch try row["holder_kind"] as String? {
        case "region": (try row["holder"] as String?).map(CaseHolder.region)
        case "department": (try row["holder"] as String?).map(CaseHolder.department)
        default: nil
        }
        var pending: CaseRequest?
        if let text = try row["pending"] as String? {
            if text == "suspension" { pending = .suspension } else if text.hasPrefix("extension "), let limit = TimeLimit(text.dropFirst(10)) {
                pending = .extension(limit)
            } else { throw bad("pending request") }
        }
        func date(_ column: String) throws -> Date? {
            guard let text = try row[column] as String? else { return nil }
            guard let d = StoreTime.date(text) else { throw bad(column) }
            return d
        }
        let state = try CaseState(status: status, holder: holder, pending: pending, dispatchedFrom: row["dispatched_from"], returns: row["returns"],
                              reworks: try row["reworks"], extensions: try row["extensions"], escalations: try row["escalations"], supervisions: try row["supervisions"],
                              assignee: try row["assignee"])
        guard let created = try date("created_at"), let updated = try date("updated_at") else { throw bad("times") }
        var record = try CaseRecord(id: row["fid"], number: number, category: row["category"], urgency: urgency, description: row["description"],
                          source: source, location: location, address: try row["address"],
                          place: try CasePlace(grid: row["grid"], community: row["community"], street: row["street"], district: row["district"]),
                          reporter: try Reporter(name: row["reporter_name"], phone: row["reporter_phone"], account: row["reporter_account"]),
                          state: state, stepStarted: try date("step_started"), due: try date("due"), duplicateOf: try row["duplicate_of"],
                          token: try row["token"], createdAt: created, updatedAt: updated, closedAt: try date("closed_at"), version: try row["version"],
                          locatedAtHome: (try row["located_at_home"] as Int64?) == 1,
                          publicLocation: try (try row["public_lon"] as Double?).flatMap { x in (try row["public_lat"] as Double?).map { Coordinate(x, $0) } },
                          categoryConfidence: try row["category_confidence"], needsCategory: (try row["needs_category"] as Int64?) == 1,
                          followUps: try row["follow_ups"], publicNote: try row["public_note"])
        record.mediaURL = try row["media_url"]
        return record
    }
}

/// Which cases to list: by number, category, time reported, status; a page in reporting
/// order, newest first.
public struct CaseFilter: Sendable {
    public var numbers: [String] = []
    public var categories: [String] = []
    public var statuses: [CaseStatus] = []
    public var sources: [CaseSource] = []
    /// A grid staff member's queue: cases in their grids or assigned to them (by account name).
    public var mine: (grids: [String], assignee: String)?
    /// Cases held by this desk or department.
    public var holder: String?
    /// Cases in this region's subtree (any level's code).
    public var region: String?
    /// Only cases whose step was due before this instant.
    public var overdueAt: Date?
    public var from: Date?
    public var to: Date?
    /// Cases whose public point (`CaseRecord.publicPoint`: a case located at its reporter's
    /// home by its grid's label point, never the home) lies within `radius` metres of `center`
    /// (an equirectangular distance: within 0.5 % up to 50 km).
    public var near: (center: Coordinate, radius: Double)?
    /// Soonest deadline first (cases without one last), instead of newest first.
    public var byDeadline = false
    public var limit = 1000
    public var offset = 0

    public init() {}
}

extension StoreReader {
    /// The application a live key of this kind belongs to.
    public func appKey(hash: String, kind: AppKeyKind) throws -> String? {
        try String.fetchOne(try db.cachedStatement(sql: "SELECT name FROM open311_keys WHERE key_hash = ? AND kind = ? AND revoked_at IS NULL"),
                            arguments: [hash, kind.rawValue])
    }

    /// The keys of one kind, by name.
    public func appKeys(kind: AppKeyKind) throws -> [AppKey] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT name, created_at, revoked_at FROM open311_keys WHERE kind = ? ORDER BY name"),
                            arguments: [kind.rawValue]).map { try AppKey(name: $0[0], kind: kind, createdAt: $0[1], revokedAt: $0[2]) }
    }

    /// The filter as SQL conditions on `cases` (unqualified columns) and their arguments.
    func conditions(_ f: CaseFilter) throws -> (sql: [String], args: [any SQLArgument]) {
        var conditions: [String] = [], args: [any SQLArgument] = []
        func list(_ column: String, _ values: [String]) {
            guard !values.isEmpty else { return }
            conditions.append("\(column) IN (\(values.map { _ in "?" }.joined(separator: ",")))")
            args += values
        }
        list("number", f.numbers)
        list("category", f.categories)
        list("status", f.statuses.map(\.rawValue))
        list("source", f.sources.map(\.rawValue))
        if let (grids, assignee) = f.mine {
            conditions.append("(assignee = ?\(grids.isEmpty ? "" : " OR grid IN (\(grids.map { _ in "?" }.joined(separator: ",")))"))")
            args += [assignee] + grids
        }
        if let h = f.holder { conditions.append("holder = ?"); args.append(h) }
        if let root = f.region {
            // A case holds its community, street and district: one column answers for those
            // levels (and an index); any other level by its communities.
            // The only district holds every case (each lies in the district of its desks): no
            // condition then, so that the other filters keep their indexes.
            let level = try String.fetchOne(try db.cachedStatement(sql: "SELECT level FROM regions WHERE code = ?"), arguments: [root]).flatMap(RegionLevel.init(rawValue:))
            let alone = try level == .district && Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM regions WHERE level = 'district'")) == 1
            switch level {
            case _ where alone: break
            case .community?: conditions.append("community = ?"); args.append(root)
            case .street?: conditions.append("street = ?"); args.append(root)
            case .district?: conditions.append("district = ?"); args.append(root)
            default:
                conditions.append("""
                    community IN (WITH RECURSIVE down(code) AS (SELECT ? UNION SELECT r.code FROM regions r JOIN down ON r.parent = down.code) SELECT code FROM down)
                    """)
                args.append(root)
            }
        }
        if let at = f.overdueAt {
            conditions.append("due < ? AND status IN (\(CaseStatus.allCases.filter { $0.step != nil }.map { "'\($0.rawValue)'" }.joined(separator: ",")))")
            args.append(StoreTime.text(at))
        }
        if let (p, radius) = f.near {
            let ky = 110_574.0, kx = 111_320 * max(0.01, cos(p.y * .pi / 180)), r2 = radius * radius
            let dLat = radius / ky, dLon = radius / kx
            func within(_ x: String, _ y: String) -> (String, [any SQLArgument]) {
                ("((\(x) - ?) * ?) * ((\(x) - ?) * ?) + ((\(y) - ?) * ?) * ((\(y) - ?) * ?) <= ?", [p.x, kx, p.x, kx, p.y, ky, p.y, ky, r2])
            }
            // The candidates from the spatial index alone (SQLite's R-tree holds a point's lon/lat).
            let k = db.spatial("cases", "k")
            let (candidates, id) = db.isPostgres ? ("cases k", "k.fid") : ("\(k.rtree) rt", "rt.id")
            let (home, homeArgs) = within("public_lon", "public_lat"), (there, thereArgs) = within(k.minX, k.minY)
            conditions.append("""
                (CASE WHEN located_at_home = 1 THEN public_lon IS NOT NULL AND \(home)
                 ELSE fid IN (SELECT \(id) FROM \(candidates) WHERE \(k.meets) AND \(there)) END)
                """)
            args += homeArgs + [p.x + dLon, p.x - dLon, p.y + dLat, p.y - dLat] + thereArgs
        }
        if let from = f.from { conditions.append("created_at >= ?"); args.append(StoreTime.text(from)) }
        if let to = f.to { conditions.append("created_at <= ?"); args.append(StoreTime.text(to)) }
        return (conditions, args)
    }

    public func cases(_ f: CaseFilter) throws -> [CaseRecord] {
        var (conditions, args) = try self.conditions(f)
        let condition = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        args += [f.limit, f.offset]
        let order = f.byDeadline ? "due IS NULL, due, fid" : "created_at DESC, fid DESC"
        // The page is found on the indexes alone (skipping `offset` rows costs no row reads),
        // then its rows are read.
        return try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT \(Self.caseColumns) FROM cases WHERE fid IN (SELECT fid FROM cases \(condition) ORDER BY \(order) LIMIT ? OFFSET ?)
            ORDER BY \(order)
            """), arguments: SQLArguments(args)).map(Self.caseRecord)
    }

    /// How many cases pass the filter (its limit and offset aside).
    public func caseCount(_ f: CaseFilter) throws -> Int {
        let (conditions, args) = try self.conditions(f)
        let condition = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM cases \(condition)"), arguments: SQLArguments(args)) ?? 0
    }
}

extension StoreReader {
    /// Cases in a lon/lat box that pass the filter (its limit and offset aside), at most
    /// `limit`: what a case tile draws at close zooms. Nil when there are more.
    public func casePoints(in box: BoundingBox, _ f: CaseFilter, limit: Int) throws -> [(location: Coordinate, number: String, status: String, due: String?)]? {
        let (conditions, args) = try self.conditions(f)
        // With conditions SQLite starts from whichever index is narrower (a status or category
        // index, or the R-tree); without, from the R-tree.
        let c = db.spatial("cases", "c")
        let rows = try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT c.geom, c.number, c.status, c.due FROM \(c.from(rtreeFirst: conditions.isEmpty))
            WHERE \(c.meets)\(conditions.map { " AND " + $0 }.joined()) LIMIT ?
            """), arguments: SQLArguments([box.maxX, box.minX, box.maxY, box.minY] + args + [limit + 1]))
        guard rows.count <= limit else { return nil }
        return try rows.compactMap { row in
            guard case .point(let p) = try StoredGeometry.decode(row["geom"]) else { return nil }
            return (p, try row["number"], try row["status"], try row["due"])
        }
    }

    /// Cases in a lon/lat box that pass the filter, counted in a `cells` × `cells` grid over
    /// the box (columns west to east, rows north to south; latitude linear within the box):
    /// (column, row, count, mean lon, mean lat). Counted by SQLite; without conditions from the
    /// R-tree alone.
    public func caseCells(in box: BoundingBox, _ f: CaseFilter, cells: Int) throws -> [(column: Int, row: Int, count: Int, location: Coordinate)] {
        let (conditions, args) = try self.conditions(f)
        let sx = Double(cells) / (box.maxX - box.minX), sy = Double(cells) / (box.maxY - box.minY)
        let c = db.spatial("cases", "c")
        let from = conditions.isEmpty && !db.isPostgres ? "\(c.rtree) rt" : c.from()
        return try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT CAST((\(c.minX) - ?) * ? AS INTEGER) AS cx, CAST((? - \(c.minY)) * ? AS INTEGER) AS cy, count(*), avg(\(c.minX)), avg(\(c.minY))
            FROM \(from) WHERE \(c.meets)\(conditions.map { " AND " + $0 }.joined())
            GROUP BY cx, cy
            """), arguments: SQLArguments([box.minX, sx, box.maxY, sy, box.maxX, box.minX, box.maxY, box.minY] + args)).map { row in
            (try row[0], try row[1], try row[2], Coordinate(try row[3], try row[4]))
        }
    }
}

extension StoreReader {
    /// Every case counted per zoom-18 tile within a tile of zoom `z` ≤ 18.
    public func caseDensity(z: Int, x: Int, y: Int) throws -> [(cell: CaseDensity.Cell, count: Int)] {
        let shift = CaseDensity.zoom - z
        guard shift >= 0 else { return [] }
        return try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT x, y, count FROM case_density WHERE x BETWEEN ? AND ? AND y BETWEEN ? AND ?
            """), arguments: [x << shift, ((x + 1) << shift) - 1, y << shift, ((y + 1) << shift) - 1]).map { (CaseDensity.Cell(x: try $0[0], y: try $0[1]), try $0[2]) }
    }

    /// Whether a filter adds no condition (then the density answers for it).
    public func isUnconditional(_ f: CaseFilter) throws -> Bool { try conditions(f).sql.isEmpty }
}

extension StoreReader {
    /// Open cases of a category within `radius` metres of a point, nearest first, at most 20
    /// (the duplicates a dispatcher is offered), without `excluding`.
    public func openCases(category: String, near p: Coordinate, radius: Double, excluding: String? = nil) throws -> [(number: String, metres: Double)] {
        guard radius > 0 else { return [] }
        let dLat = radius / 111_320, dLon = radius / (111_320 * max(0.01, cos(p.y * .pi / 180)))
        let c = db.spatial("cases", "c")
        let rows = try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT c.number, c.geom FROM \(c.from(rtreeFirst: true)) WHERE \(c.meets)
              AND \(db.unindexed("c.category")) = ? AND c.status NOT IN ('closed', 'voided') AND c.number IS DISTINCT FROM ?
            """), arguments: [p.x + dLon, p.x - dLon, p.y + dLat, p.y - dLat, category, excluding])
        var out: [(String, Double)] = []
        for row in rows {
            guard case .point(let q) = try StoredGeometry.decode(row["geom"]) else { continue }
            let d = Self.metres(p, q)
            if d <= radius { out.append((try row["number"], d)) }
        }
        return out.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(20).map { (number: $0.0, metres: $0.1) }
    }

    /// Great-circle distance (haversine, metres).
    static func metres(_ a: Coordinate, _ b: Coordinate) -> Double {
        let r = 6_371_008.8, rad = Double.pi / 180
        let dLat = (b.y - a.y) * rad, dLon = (b.x - a.x) * rad
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(a.y * rad) * cos(b.y * rad) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * r * asin(min(1, sqrt(h)))
    }
}

extension StoreReader {
    /// Numbers of open cases whose current step was due before `now`, oldest deadline first.
    public func overdueCases(at now: Date, limit: Int = 1000) throws -> [String] {
        let waiting = CaseStatus.allCases.filter { $0.step != nil }.map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try String.fetchAll(try db.cachedStatement(sql: "SELECT number FROM cases WHERE status IN (\(waiting)) AND due < ? ORDER BY due LIMIT ?"),
                                   arguments: [StoreTime.text(now), limit])
    }
}

extension StoreReader {
    /// The sender's latest case closed since `since` and not rated since it was closed.
    public func latestRateable(phone: String, closedSince since: Date) throws -> String? {
        try String.fetchOne(try db.cachedStatement(sql: """
            SELECT c.number FROM cases c WHERE c.reporter_phone = ? AND c.status = 'closed' AND c.closed_at >= ?
              AND NOT EXISTS (SELECT 1 FROM case_history e WHERE e.case_fid = c.fid AND e.action = 'rate'
                AND e.id > (SELECT max(k.id) FROM case_history k WHERE k.case_fid = c.fid AND k.action = 'close'))
            ORDER BY c.closed_at DESC LIMIT 1
            """), arguments: [phone, StoreTime.text(since)])
    }

    /// Whether a case is closed since `since` and not rated since its last closing.
    public func rateable(_ number: String, closedSince since: Date) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: """
            SELECT count(*) > 0 FROM cases c WHERE c.number = ? AND c.status = 'closed' AND c.closed_at >= ?
              AND NOT EXISTS (SELECT 1 FROM case_history e WHERE e.case_fid = c.fid AND e.action = 'rate'
                AND e.id > (SELECT max(k.id) FROM case_history k WHERE k.case_fid = c.fid AND k.action = 'close'))
            """), arguments: [number, StoreTime.text(since)]) ?? false
    }

    /// The newest open case a phone reported under a category at a community (or, for a case
    /// located nowhere, a district): what a repeat of it attaches to.
    public func openCase(reportedBy phone: String, category: String, place: CasePlace) throws -> String? {
        try String.fetchOne(try db.cachedStatement(sql: """
            SELECT number FROM cases WHERE reporter_phone = ? AND category = ? AND status NOT IN ('closed', 'voided')
              AND coalesce(community, '') = ? AND coalesce(district, '') = ?
            ORDER BY fid DESC LIMIT 1
            """), arguments: [phone, category, place.community ?? "", place.district ?? ""])
    }
}
