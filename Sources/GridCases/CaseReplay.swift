import CivicGridModel
import Foundation
import GridGeometry
import GridStore

/// One refused case of an import: its index in the file and why.
public struct CaseRejection: Hashable, Sendable, CustomStringConvertible {
    public var index: Int
    public var reason: String

    public var description: String { "case \(index): \(reason)" }
}

extension CaseDesk {
    /// Imports historical cases (the GeoJSON `civicgrid cases export` writes): each filed with
    /// its number at its first event's time and every later event replayed through the
    /// workflow at its own time — statuses, counts and deadlines follow as they would have. The
    /// events' actors are kept as names (the accounts need not exist here). All or nothing:
    /// every refused case is named, and then nothing is written. No webhook is sent.
    public func importCases(_ features: [Feature]) throws(CaseError) -> Int {
        var rejections: [CaseRejection] = []
        do {
            try store.write { w in
                for (i, f) in features.enumerated() {
                    do {
                        try Self.replay(f, in: w)
                    } catch let e as CaseError {
                        rejections.append(CaseRejection(index: i, reason: e.message))
                    }
                }
                if !rejections.isEmpty { throw CaseError(.invalid, "") }  // roll back
            }
        } catch is CaseError where !rejections.isEmpty {
            throw CaseError(.invalid, rejections.map(\.description).joined(separator: "\n") + "\nrefused \(rejections.count) of \(features.count) cases; nothing was written")
        } catch let e as CaseError {
            throw e
        } catch {
            throw CaseError(.store, "\(error)")
        }
        return features.count
    }

    static func replay(_ f: Feature, in w: StoreWriter) throws {
        let p = f.properties
        func string(_ key: String, in o: [String: JSONValue] = p) -> String? { if case .string(let s)? = o[key] { s } else { nil } }
        func required(_ key: String, in o: [String: JSONValue] = p) throws -> String {
            guard let s = string(key, in: o) else { throw CaseError(.invalid, "\(key) is missing") }
            return s
        }
        guard case .point(let location)? = f.geometry else { throw CaseError(.invalid, "the geometry must be a Point") }
        let number = try required("number")
        guard number.count >= 8, number.count <= 20, number.allSatisfy(\.isNumber) else { throw CaseError(.invalid, "number \(number): digits") }
        guard let source = CaseSource(rawValue: try required("source")) else { throw CaseError(.invalid, "source \(p["source"].map { "\($0)" } ?? "")") }
        let urgency = try string("urgency").map { u -> Urgency in
            guard let v = Urgency(rawValue: u) else { throw CaseError(.invalid, "urgency \(u)") }
            return v
        }
        guard case .array(let history)? = p["history"], !history.isEmpty else { throw CaseError(.invalid, "history is missing or empty") }
        var events: [(at: Date, actor: String, action: String, to: String, note: String?, detail: [String: String], holder: String?)] = []
        for (k, h) in history.enumerated() {
            guard case .object(let o) = h else { throw CaseError(.invalid, "history \(k): not an object") }
            guard let atText = string("at", in: o), let at = StoreTime.date(atText) else { throw CaseError(.invalid, "history \(k): at must be an ISO 8601 time") }
            var detail: [String: String] = [:]
            if case .object(let d)? = o["detail"] { for (key, v) in d { if case .string(let s) = v { detail[key] = s } } }
            events.append((at, try required("actor", in: o), try required("action", in: o), try required("to", in: o), string("note", in: o), detail,
                           string("holder", in: o)))
            if k > 0, at < events[k - 1].at { throw CaseError(.invalid, "history \(k): earlier than the step before it") }
        }
        let first = events[0]
        guard first.action == "report" else { throw CaseError(.invalid, "history 0: the first event is the report") }
        // A case recategorised was reported under the category its first move names.
        let moved = events.first { $0.action == "recategorise" }?.detail["from"]
        let report = CaseReport(category: try moved ?? required("category"), description: try required("description"), location: location,
                                address: string("address"), source: source,
                                reporter: Reporter(name: string("reporter_name"), phone: string("reporter_phone")), urgency: moved == nil ? urgency : nil)
        var record = try CaseDesk.file(report, number: number, actor: first.actor, verified: first.to == CaseStatus.verified.rawValue, at: first.at, in: w)
        guard record.state.status.rawValue == first.to else { throw CaseError(.invalid, "history 0: reported as \(first.to)") }
        for (k, e) in events.enumerated().dropFirst() {
            do {
                if e.actor == "supervision" {
                    record = try Self.supervision(e.action, record, holder: e.holder, note: e.note, at: e.at, in: w)
                } else if e.actor == "triage" {
                    record = try Self.triage(record, holder: e.holder, note: e.note, detail: e.detail, at: e.at, in: w)
                } else {
                    let actor = CaseActor(name: e.actor, role: .admin, inScope: true)
                    record = try CaseDesk.step(try Self.action(e.action, e.detail), on: record, by: actor, note: e.note, at: e.at, in: w, notify: false)
                }
            } catch let error as CaseError {
                throw CaseError(.invalid, "history \(k) (\(e.action)): \(error.message)")
            }
            guard record.state.status.rawValue == e.to else {
                throw CaseError(.invalid, "history \(k) (\(e.action)): the workflow reaches \(record.state.status.rawValue), the history says \(e.to)")
            }
        }
    }

    /// A step by name and its stored values.
    static func action(_ name: String, _ d: [String: String]) throws -> CaseAction {
        switch name {
        case "verify": return .verify
        case "void":
            guard let r = d["reason"].flatMap(VoidReason.init(rawValue:)) else { throw CaseError(.invalid, "void needs a reason") }
            return .void(r, duplicateOf: d["duplicate_of"])
        case "file": return .file
        case "dispatch":
            if let dep = d["department"] { return .dispatch(.department(dep)) }
            guard let region = d["region"] else { throw CaseError(.invalid, "dispatch needs a department or a region") }
            return .dispatch(.region(region))
        case "escalate":
            guard let to = d["to"] else { throw CaseError(.invalid, "escalate needs to") }
            return .escalate(to: to)
        case "accept": return .accept
        case "return": return .return
        case "request_extension":
            guard let limit = d["limit"].flatMap(TimeLimit.init) else { throw CaseError(.invalid, "request_extension needs a limit") }
            return .requestExtension(limit)
        case "request_suspension": return .requestSuspension
        case "approve": return .approve
        case "refuse": return .refuse
        case "resume": return .resume
        case "handle": return .handle
        case "pass": return .pass
        case "fail": return .fail
        case "close": return .close
        case "supervise": return .supervise
        case "recategorise":
            guard let code = d["category"] else { throw CaseError(.invalid, "recategorise needs a category") }
            return .recategorise(code)
        case "assign":
            guard let member = d["assignee"] else { throw CaseError(.invalid, "assign needs an assignee") }
            return .assign(member)
        case "rate":
            guard let s = d["rating"].flatMap(Satisfaction.init(rawValue:)) else { throw CaseError(.invalid, "rate needs a rating") }
            return .rate(s)
        case "reopen":
            if let dep = d["department"] { return .reopen(to: .department(dep)) }
            guard let region = d["region"] else { throw CaseError(.invalid, "reopen needs a department or a region") }
            return .reopen(to: .region(region))
        default: throw CaseError(.invalid, "unknown action \(name)")
        }
    }

    /// The triage sweep's escalation, as it made it: one desk up, the deadline standing.
    static func triage(_ current: CaseRecord, holder: String?, note: String?, detail: [String: String], at: Date, in w: StoreWriter) throws -> CaseRecord {
        guard let holder, current.place.desks.contains(holder) else { throw CaseError(.invalid, "triage moves a case to one of its desks") }
        var c = current
        c.state.holder = .region(holder)
        c.state.escalations += 1
        c.updatedAt = at
        let version = c.version
        c.version += 1
        let event = CaseEvent(at: at, actor: "triage", action: "escalate", from: c.state.status, to: c.state.status, holder: holder, note: note, detail: detail)
        guard try w.update(c, from: version, event: event) else { throw CaseError(.store, "case \(c.number) changed during the import") }
        return c
    }

    /// The supervision sweep's own events, as it made them.
    static func supervision(_ action: String, _ current: CaseRecord, holder: String?, note: String?, at: Date, in w: StoreWriter) throws -> CaseRecord {
        var c = current
        guard let step = c.state.status.step, let category = try w.reader.category(code: c.category) else {
            throw CaseError(.conflict, "supervision of a case that waits on no step")
        }
        let calendar = try w.reader.calendar()
        switch action {
        case "supervise":
            c.state.supervisions += 1
            c.due = category.limits[step].flatMap { calendar.deadline(from: at, limit: $0) }
        case "escalate":
            c.state.escalations += 1
            if case .region? = c.state.holder, let holder { c.state.holder = .region(holder) }
            else if let d = c.state.dispatchedFrom, let i = c.place.desks.firstIndex(of: d), i + 1 < c.place.desks.count { c.state.dispatchedFrom = c.place.desks[i + 1] }
            CaseDesk.startStep(&c, category, calendar, at)
        default:
            throw CaseError(.invalid, "supervision does not \(action)")
        }
        c.updatedAt = at
        let version = c.version
        c.version += 1
        let event = CaseEvent(at: at, actor: "supervision", action: action, from: current.state.status, to: c.state.status, holder: c.state.holder?.code, note: note)
        guard try w.update(c, from: version, event: event) else { throw CaseError(.store, "case \(c.number) changed during the import") }
        return c
    }
}

extension CaseEvent {
    /// The step as a case's `history` holds it: in the export, which `importCases` reads back,
    /// and in the case document of the API.
    public var json: JSONValue {
        var h: [String: JSONValue] = ["action": .string(action), "at": .string(StoreTime.text(at)), "actor": .string(actor), "to": .string(to.rawValue)]
        if let from { h["from"] = .string(from.rawValue) }
        if let holder { h["holder"] = .string(holder) }
        if let note { h["note"] = .string(note) }
        if !detail.isEmpty { h["detail"] = .object(detail.mapValues(JSONValue.string)) }
        return .object(h)
    }
}
