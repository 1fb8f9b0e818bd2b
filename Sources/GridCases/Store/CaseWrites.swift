import CivicGridModel
import Foundation
import GridGeometry
import GridStore
import Synchronization

extension StoreWriter {
    /// Inserts or replaces categories by code.
    public func save(_ categories: [CaseCategory]) throws {
        let statement = try db.makeStatement(sql: """
            INSERT INTO case_categories (code, major, major_name, major_name_en, name, name_en, kind, urgency, limits, department, duplicate_radius, words, auto_dispatch)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (code) DO UPDATE SET major = excluded.major, major_name = excluded.major_name, major_name_en = excluded.major_name_en,
              name = excluded.name, name_en = excluded.name_en, kind = excluded.kind, urgency = excluded.urgency, limits = excluded.limits,
              department = excluded.department, duplicate_radius = excluded.duplicate_radius, words = excluded.words,
              auto_dispatch = excluded.auto_dispatch
            """)
        for c in categories {
            try statement.execute(arguments: [c.code, c.major, c.majorName, c.majorNameEn, c.name, c.nameEn, c.kind.rawValue, c.urgency.rawValue,
                                              try StoreJSON.encode(Dictionary(uniqueKeysWithValues: c.limits.map { ($0.key.rawValue, $0.value) })),
                                              c.department, c.duplicateRadius, c.words.joined(separator: "|"),
                                              c.autoDispatch.map(\.rawValue).sorted().joined(separator: ";")])
        }
    }

    /// Attaches a reporter's repeat to an open case: kept, and counted on the case.
    public func addFollowUp(case c: CaseRecord, source: String, text: String, at: Date) throws {
        guard let fid = c.id else { throw StoreError("case \(c.number) has no id") }
        try db.cachedStatement(sql: "INSERT INTO case_followups (case_fid, at, source, text) VALUES (?, ?, ?, ?)").execute(arguments: [fid, StoreTime.text(at), source, text])
        try db.cachedStatement(sql: "UPDATE cases SET follow_ups = follow_ups + 1 WHERE fid = ?").execute(arguments: [fid])
    }

    /// What the reporter was last told of a case.
    public func setPublicNote(_ number: String, _ text: String) throws {
        try db.cachedStatement(sql: "UPDATE cases SET public_note = ? WHERE number = ?").execute(arguments: [text, number])
    }

    /// Replaces the triage limits.
    public func replaceTriageLimits(_ limits: [RegionLevel: [Urgency: TimeLimit]]) throws {
        try db.execute(sql: "DELETE FROM triage_limits")
        for (level, byUrgency) in limits {
            for (urgency, limit) in byUrgency {
                try db.execute(sql: "INSERT INTO triage_limits (level, urgency, time_limit) VALUES (?, ?, ?)", arguments: [level.rawValue, urgency.rawValue, limit.description])
            }
        }
    }

    /// Replaces the duty phones.
    public func replaceDutyPhones(_ phones: [DutyPhone]) throws {
        try db.execute(sql: "DELETE FROM duty_phones")
        for p in phones {
            try db.execute(sql: "INSERT INTO duty_phones (holder, name, phone) VALUES (?, ?, ?)", arguments: [p.holder, p.name, p.phone])
        }
    }

    /// Replaces the templates of notices to reporters.
    public func replaceNoticeTemplates(_ templates: [String: String]) throws {
        try db.execute(sql: "DELETE FROM notice_templates")
        for (event, text) in templates.sorted(by: { $0.key < $1.key }) {
            try db.execute(sql: "INSERT INTO notice_templates (event, text) VALUES (?, ?)", arguments: [event, text])
        }
    }

    /// Replaces the routing rules with these.
    public func replaceRoutingRules(_ rules: [RoutingRule]) throws {
        try db.execute(sql: "DELETE FROM routing_rules")
        let statement = try db.makeStatement(sql: "INSERT INTO routing_rules (category, region, department, priority) VALUES (?, ?, ?, ?)")
        for r in rules { try statement.execute(arguments: [r.category, r.region, r.department, r.priority]) }
    }

    /// Replaces the classifier's labelled messages with these.
    public func replaceCategoryExamples(_ examples: [(category: String, text: String)]) throws {
        try db.execute(sql: "DELETE FROM category_examples")
        let statement = try db.makeStatement(sql: "INSERT INTO category_examples (category, text) VALUES (?, ?)")
        for e in examples { try statement.execute(arguments: [e.category, e.text]) }
    }

    /// Inserts or replaces departments by code.
    public func save(_ departments: [Department]) throws {
        let statement = try db.makeStatement(sql: """
            INSERT INTO departments (code, name, name_en, region, categories) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, region = excluded.region,
              categories = excluded.categories
            """)
        for d in departments {
            if let region = d.region, try reader.region(code: region) == nil {
                throw StoreError("department \(d.code): no region \(region)")
            }
            try statement.execute(arguments: [d.code, d.name, d.nameEn, d.region, try StoreJSON.encode(d.categories)])
        }
    }

}

extension StoreWriter {
    /// Stores a new case and its first history row; returns its id. The number must be new.
    @discardableResult
    public func insert(_ c: CaseRecord, event: CaseEvent) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO cases (geom, number, category, urgency, description, source, address, grid, community, street, district,
                               reporter_name, reporter_phone, reporter_account, status, holder_kind, holder, pending, dispatched_from,
                               returns, reworks, extensions, escalations, supervisions, step_started, due, duplicate_of, token,
                               created_at, updated_at, closed_at, version, assignee, located_at_home, public_lon, public_lat, category_confidence,
                               needs_category, media_url)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: SQLArguments([SQLGeometry(.point(c.location)), c.number, c.category, c.urgency.rawValue,
                                                c.description, c.source.rawValue, c.address, c.place.grid, c.place.community, c.place.street,
                                                c.place.district, c.reporter.name, c.reporter.phone, c.reporter.account] as [(any SQLArgument)?]
                                               + Self.stateColumns(c) + ([c.locatedAtHome ? 1 : 0, c.publicLocation?.x, c.publicLocation?.y,
                                                                          c.categoryConfidence, c.needsCategory ? 1 : 0, c.mediaURL] as [(any SQLArgument)?])))
        let id = try db.lastInsertedRowID()
        try append(event, due: c.due, case: id)
        let cell = CaseDensity.cell(c.location)
        try db.cachedStatement(sql: "INSERT INTO case_density (x, y, count) VALUES (?, ?, 1) ON CONFLICT (x, y) DO UPDATE SET count = case_density.count + 1")
            .execute(arguments: [cell.x, cell.y])
        return id
    }

    /// Writes a case's new state and a history row, if it is still at `version`; false (and
    /// nothing written) when someone else changed it first.
    public func update(_ c: CaseRecord, from version: Int, event: CaseEvent) throws -> Bool {
        guard let id = c.id else { throw StoreError("case \(c.number) has no id") }
        try db.cachedStatement(sql: """
            UPDATE cases SET status = ?, holder_kind = ?, holder = ?, pending = ?, dispatched_from = ?, returns = ?, reworks = ?,
              extensions = ?, escalations = ?, supervisions = ?, step_started = ?, due = ?, duplicate_of = ?, token = ?,
              created_at = ?, updated_at = ?, closed_at = ?, version = ?, assignee = ?, category = ?, urgency = ?, category_confidence = ?, needs_category = ?
            WHERE fid = ? AND version = ?
            """).execute(arguments: SQLArguments(Self.stateColumns(c) + ([c.category, c.urgency.rawValue, c.categoryConfidence, c.needsCategory ? 1 : 0, id, version]
                                                                             as [(any SQLArgument)?])))
        guard db.changesCount == 1 else { return false }
        try append(event, due: c.due, case: id)
        return true
    }

    /// The next case number of a day (`20261130` → `202611300043`): four digits at least.
    public func nextCaseNumber(day: String) throws -> String {
        let next = try Int.fetchOne(try db.cachedStatement(sql: """
            INSERT INTO case_numbers (day, last) VALUES (?, 1) ON CONFLICT (day) DO UPDATE SET last = case_numbers.last + 1 RETURNING last
            """), arguments: [day]) ?? 1
        return day + String(format: "%04d", next)
    }

    /// Notes a number given from elsewhere (an import), so that the day's next ones follow it.
    public func noteCaseNumber(_ number: String) throws {
        guard number.count > 8, let n = Int(number.dropFirst(8)) else { return }
        try db.cachedStatement(sql: """
            INSERT INTO case_numbers (day, last) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET last = \(db.greatest("case_numbers.last", "excluded.last"))
            """).execute(arguments: [String(number.prefix(8)), n])
    }

    /// Queues a message to a reporter (personal: the address is a phone number).
    public func enqueueNotice(channel: String, to address: String, case number: String, text: String, at: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO notices (channel, address, case_number, text, created_at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [channel, address, number, text, StoreTime.text(at)])
    }

    /// Marks a notice sent; false when there is none waiting with that id.
    public func noticeSent(_ id: Int64, channel: String, at: Date) throws -> Bool {
        try db.cachedStatement(sql: "UPDATE notices SET sent_at = ? WHERE id = ? AND channel = ? AND sent_at IS NULL")
            .execute(arguments: [StoreTime.text(at), id, channel])
        return db.changesCount > 0
    }

    /// Links photos (their files already stored) to a case's latest history row: the step they
    /// came with.
    public func attach(_ photos: [CasePhoto], toLatestStepOf c: CaseRecord) throws {
        guard !photos.isEmpty else { return }
        guard let id = c.id, let event = try Int64.fetchOne(try db.cachedStatement(sql: "SELECT max(id) FROM case_history WHERE case_fid = ?"), arguments: [id])
        else { throw StoreError("case \(c.number) has no history to attach photos to") }
        for p in photos {
            try db.cachedStatement(sql: "INSERT INTO case_photos (case_fid, event, sha256, media_type, bytes) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [id, event, p.sha256, p.mediaType, p.bytes])
        }
    }

    /// A history row, with the deadline the step left (what the assessment reads).
    private func append(_ e: CaseEvent, due: Date?, case id: Int64) throws {
        try db.cachedStatement(sql: """
            INSERT INTO case_history (case_fid, at, actor, action, from_status, to_status, holder, note, detail, due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, StoreTime.text(e.at), e.actor, e.action, e.from?.rawValue, e.to.rawValue, e.holder, e.note, try StoreJSON.encode(e.detail),
                                     due.map(StoreTime.text)])
    }

    /// status … version, in the order of both statements.
    private static func stateColumns(_ c: CaseRecord) -> [(any SQLArgument)?] {
        let s = c.state
        let holderKind: String? = switch s.holder { case .region: "region"; case .department: "department"; case nil: nil }
        let pending: String? = switch s.pending { case .extension(let limit): "extension \(limit)"; case .suspension: "suspension"; case nil: nil }
        return [s.status.rawValue, holderKind, s.holder?.code, pending, s.dispatchedFrom, s.returns, s.reworks, s.extensions,
                s.escalations, s.supervisions, c.stepStarted.map(StoreTime.text), c.due.map(StoreTime.text), c.duplicateOf, c.token,
                StoreTime.text(c.createdAt), StoreTime.text(c.updatedAt), c.closedAt.map(StoreTime.text), c.version, s.assignee]
    }
}

/// Which door an application key opens: Open311 (`POST requests`), or an SMS gateway's
/// (`/sms` and the outbox with residents' whole phone numbers).
public enum AppKeyKind: String, Sendable, CaseIterable {
    case open311, sms
}

/// An application key as listed (its hash never leaves the store).
public struct AppKey: Sendable, Equatable {
    public var name: String
    public var kind: AppKeyKind
    public var createdAt: String
    public var revokedAt: String?
}

extension StoreWriter {
    /// Registers an application (an Open311 client or an SMS gateway) by the hash of its key.
    /// Names are unique across both kinds.
    public func addAppKey(name: String, kind: AppKeyKind, keyHash: String) throws {
        if try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM open311_keys WHERE name = ?)"), arguments: [name]) == true {
            throw StoreError("a key named \"\(name)\" exists already")
        }
        try db.cachedStatement(sql: "INSERT INTO open311_keys (name, kind, key_hash, created_at) VALUES (?, ?, ?, \(db.now))")
            .execute(arguments: [name, kind.rawValue, keyHash])
    }

    /// Revokes the live key of this kind named `name`; false when there is none.
    public func revokeAppKey(name: String, kind: AppKeyKind) throws -> Bool {
        try db.cachedStatement(sql: "UPDATE open311_keys SET revoked_at = \(db.now) WHERE name = ? AND kind = ? AND revoked_at IS NULL")
            .execute(arguments: [name, kind.rawValue])
        return db.changesCount > 0
    }
}

/// A department's webhook: where its cases' events are POSTed, and the secret they are signed with.
public struct Webhook: Hashable, Sendable {
    public var department: String
    public var url: String
    public var secret: String

    public init(department: String, url: String, secret: String) {
        self.department = department
        self.url = url
        self.secret = secret
    }
}

/// An event waiting in the outbox (or delivered).
public struct OutboxEvent: Hashable, Sendable {
    public var id: Int64
    public var department: String
    public var caseNumber: String
    public var body: String
    public var attempts: Int
}

extension StoreWriter {
    public func save(_ webhook: Webhook) throws {
        guard try reader.department(code: webhook.department) != nil else { throw StoreError("no department \(webhook.department)") }
        try db.cachedStatement(sql: "INSERT INTO webhooks (department, url, secret) VALUES (?, ?, ?) ON CONFLICT (department) DO UPDATE SET url = excluded.url, secret = excluded.secret").execute(arguments: [webhook.department, webhook.url, webhook.secret])
    }

    /// Queues an event for a department, if it has a webhook; returns its id.
    @discardableResult
    public func enqueue(department: String, case number: String, body: (Int64) -> String, at: Date) throws -> Int64? {
        guard try Bool.fetchOne(try db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM webhooks WHERE department = ?)"), arguments: [department]) == true else { return nil }
        try db.cachedStatement(sql: "INSERT INTO outbox (department, case_number, body, created_at, next_attempt_at) VALUES (?, ?, '', ?, ?)").execute(arguments: [department, number, StoreTime.text(at), StoreTime.text(at)])
        let id = try db.lastInsertedRowID()
        try db.cachedStatement(sql: "UPDATE outbox SET body = ? WHERE id = ?").execute(arguments: [body(id), id])
        return id
    }

    /// Claims the events due now for one delivery round — undelivered, due, oldest first, for
    /// each case only its oldest undelivered one (a case's events arrive in order) —:
    /// their next attempt moves to `until`, so that no other server takes them meanwhile. On
    /// PostgreSQL the rows are locked and rows another server is claiming are skipped
    /// (`FOR UPDATE SKIP LOCKED`; run it through `GridStore.claim`).
    public func claimDueEvents(at now: Date, until: Date, limit: Int) throws -> [OutboxEvent] {
        try SQLRow.fetchAll(try db.cachedStatement(sql: """
            UPDATE outbox SET next_attempt_at = ? WHERE id IN (
              SELECT o.id FROM outbox o
              WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ?
                AND o.id = (SELECT min(id) FROM outbox p WHERE p.case_number = o.case_number AND p.department = o.department AND p.delivered_at IS NULL)
              ORDER BY o.id LIMIT ?\(db.isPostgres ? " FOR UPDATE SKIP LOCKED" : ""))
            RETURNING id, department, case_number, body, attempts
            """), arguments: [StoreTime.text(until), StoreTime.text(now), limit])
        .map { try OutboxEvent(id: $0[0], department: $0[1], caseNumber: $0[2], body: $0[3], attempts: $0[4]) }
        .sorted { $0.id < $1.id }
    }

    public func delivered(_ id: Int64, at: Date) throws {
        try db.cachedStatement(sql: "UPDATE outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?").execute(arguments: [StoreTime.text(at), id])
    }

    /// Brings the next try of every event that has failed before forward to `latest` at the
    /// latest (a server started with a shorter longest wait than the one that set them); returns
    /// how many moved.
    @discardableResult
    public func bringRetries(forwardTo latest: Date) throws -> Int {
        try db.cachedStatement(sql: "UPDATE outbox SET next_attempt_at = ? WHERE delivered_at IS NULL AND attempts > 0 AND next_attempt_at > ?")
            .execute(arguments: [StoreTime.text(latest), StoreTime.text(latest)])
        return db.changesCount
    }

    /// Hands back claimed events not delivered (a server stopping in a round): due at `at`,
    /// their attempts unchanged.
    public func release(_ ids: [Int64], dueAt at: Date) throws {
        for id in ids {
            try db.cachedStatement(sql: "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND delivered_at IS NULL").execute(arguments: [StoreTime.text(at), id])
        }
    }

    public func failed(_ id: Int64, error: String, retryAt: Date) throws {
        try db.cachedStatement(sql: "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?").execute(arguments: [String(error.prefix(500)), StoreTime.text(retryAt), id])
    }
}

extension StoreReader {
    public func webhook(department: String) throws -> Webhook? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: "SELECT department, url, secret FROM webhooks WHERE department = ?"), arguments: [department])
            .map { try Webhook(department: $0[0], url: $0[1], secret: $0[2]) }
    }

    /// Events not yet delivered.
    public func outboxBacklog() throws -> Int {
        try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(*) FROM outbox WHERE delivered_at IS NULL")) ?? 0
    }
}

extension StoreWriter {
    // MARK: Request keys

    /// Records the key a report was filed under.
    public func saveRequestKey(scope: String, key: String, fingerprint: String, case fid: Int64, at: Date) throws {
        try db.execute(sql: "INSERT INTO request_keys (scope, key, fingerprint, case_fid, created_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [scope, key, fingerprint, fid, StoreTime.text(at)])
    }

    /// Forgets keys recorded before `time`.
    public func expireRequestKeys(before time: Date) throws {
        try db.execute(sql: "DELETE FROM request_keys WHERE created_at < ?", arguments: [StoreTime.text(time)])
    }
}
