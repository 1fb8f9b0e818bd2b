import CivicGridModel
import Foundation
import GridStore

/// What the reporter is told as their case moves: when it is filed or voided (and why),
/// dispatched (to whom), handled (with the handler's note) and closed (with the question
/// whether it was fixed). Texts from templates (`civicgrid notices import`, Data/cases/notices.json;
/// these defaults until one is imported), Chinese first, with `{number}`, `{department}`,
/// `{reason}` and `{note}` filled in. The text becomes the case's public note (Open311's
/// `status_notes`), and a message in the SMS outbox for a case reported by SMS. The duty
/// officers' texts on supervision and escalation come from the same templates.
public enum ReporterNotices {
    public static let events = ["filed", "voided", "merged", "dispatched", "handled", "closed", "reopened", "duty_supervised", "duty_escalated"]

    public static let defaults: [String: String] = [
        "filed": "您反映的问题（编号{number}）已立案，正在安排处理。Case {number} is filed and being arranged.",
        "voided": "您反映的问题（编号{number}）未予立案：{reason}。Case {number} was not filed: {reason}.",
        "merged": "您反映的问题（编号{number}）与编号{original}为同一问题，已合并处理。Your report {number} is the same as case {original}, which is being handled.",
        "dispatched": "您反映的问题（编号{number}）已交{department}处理。Case {number} is with {department}.",
        "handled": "您反映的问题（编号{number}）已处理：{note}。Case {number} was handled: {note}.",
        "closed": "您反映的问题（编号{number}）已办结。是否解决？请回复：1 满意，2 基本满意，3 不满意（7天内有效）。Case {number} is closed: was it fixed? Reply 1 satisfied, 2 fairly satisfied, 3 not satisfied (within 7 days).",
        "reopened": "您反映的问题（编号{number}）已重新交{department}办理。Case {number} is with {department} again.",
        // To the duty phones of the holder and the level above (`alertDuty`): {category},
        // {place} and {holder} too.
        "duty_supervised": "【督办】{category}案件{number}（{place}）已超期，现由{holder}办理，请尽快处理。Case {number} is overdue: supervised.",
        "duty_escalated": "【升级】{category}案件{number}（{place}）超时未处理，已升级由{holder}办理，请尽快处理。Case {number} was escalated to {holder}.",
    ]

    /// The reasons a case is voided, as the reporter reads them.
    static let reasons: [VoidReason: String] = [.notTrue: "经核实情况不属实 (not confirmed on site)", .notOurs: "不属于受理范围 (not ours to handle)",
                                                .duplicate: "与其他案件重复 (a duplicate)"]

    /// The notice a step makes, if the reporter hears of it.
    static func event(_ action: CaseAction) -> String? {
        switch action {
        case .file: "filed"
        case .void(.duplicate, _?): "merged"
        case .void: "voided"
        case .dispatch: "dispatched"
        case .handle: "handled"
        case .close: "closed"
        case .reopen: "reopened"
        default: nil
        }
    }

    /// The text of a template with its fields filled.
    public static func fill(_ template: String, _ fields: [String: String]) -> String {
        fields.reduce(template) { $0.replacingOccurrences(of: "{\($1.key)}", with: $1.value) }
    }

    /// The text the reporter is told after `action` on case `number` (nil when they hear
    /// nothing of it).
    public static func text(_ action: CaseAction, number: String, note: String?, in r: StoreReader) throws -> String? {
        guard let event = event(action) else { return nil }
        var fields = ["number": number, "note": (note?.isEmpty == false ? note : nil) ?? "已处理 (done)"]
        switch action {
        case .void(let reason, let original):
            fields["reason"] = reasons[reason] ?? reason.rawValue
            fields["original"] = original ?? ""
        case .dispatch(.department(let code)), .reopen(to: .department(let code)):
            fields["department"] = try r.department(code: code)?.name ?? code
        case .dispatch(.region(let code)), .reopen(to: .region(let code)):
            fields["department"] = try r.region(code: code)?.name ?? code
        default: break
        }
        return fill(try r.noticeTemplate(event) ?? defaults[event] ?? "", fields)
    }

    /// After a step in `w`: the case's public note, and for an SMS reporter the message to send.
    static func tell(_ w: StoreWriter, _ c: inout CaseRecord, _ action: CaseAction, note: String?, at: Date) throws {
        guard let text = try text(action, number: c.number, note: note, in: w.reader) else { return }
        c.publicNote = text
        try w.setPublicNote(c.number, text)
        if c.source == .sms, let phone = c.reporter.phone {
            try w.enqueueNotice(channel: "sms", to: phone, case: c.number, text: text, at: at)
        }
    }

    /// The steps the reporter hears of, by name.
    public static let told = ["file", "void", "dispatch", "handle", "close", "reopen"]

    /// A told step as FixMyStreet's Open311 request update names its status.
    public static func updateStatus(_ action: CaseAction) -> String {
        switch action {
        case .file: "investigating"
        case .void(.duplicate, _): "duplicate"
        case .void(.notOurs, _): "not_councils_responsibility"
        case .void: "no_further_action"
        case .dispatch: "in_progress"
        case .handle: "fixed"
        case .close: "closed"
        case .reopen: "reopen"
        default: "open"
        }
    }

    /// One step a reporter was told of (Open311's request update).
    public struct Update: Sendable {
        public var id: Int64
        public var number: String
        public var status: String
        public var at: Date
        public var text: String
    }

    /// The told steps from `from` until before `to`, oldest first, each with the text of its
    /// notice as the templates say it now.
    public static func updates(from: Date, to: Date, limit: Int, in r: StoreReader) throws -> [Update] {
        try r.caseEvents(actions: told, from: from, to: to, limit: limit).compactMap { id, number, e in
            guard let action = try? CaseDesk.action(e.action, e.detail), let text = try text(action, number: number, note: e.note, in: r) else { return nil }
            return Update(id: id, number: number, status: updateStatus(action), at: e.at, text: text)
        }
    }

    /// The told steps of one case, oldest first (its tracking page).
    public static func updates(of number: String, in r: StoreReader) throws -> [Update] {
        try r.history(case: number).enumerated().compactMap { i, e in
            guard told.contains(e.action), let action = try? CaseDesk.action(e.action, e.detail),
                  let text = try text(action, number: number, note: e.note, in: r) else { return nil }
            return Update(id: Int64(i), number: number, status: updateStatus(action), at: e.at, text: text)
        }
    }

    // MARK: The duty officers

    /// Texts the duty phones of the holder and of the level above it (the desk above a desk, the
    /// desk that dispatched to a department), after the sweep supervised or escalated `c`.
    static func alertDuty(_ w: StoreWriter, _ c: CaseRecord, _ e: CaseEvent) throws {
        let event = e.action == "supervise" ? "duty_supervised" : "duty_escalated"
        let r = w.reader
        var holders: [String] = []
        switch c.state.holder {
        case .region(let desk)?:
            holders.append(desk)
            if let i = c.place.desks.firstIndex(of: desk), i + 1 < c.place.desks.count { holders.append(c.place.desks[i + 1]) }
        case .department(let code)?:
            holders.append(code)
            if let from = c.state.dispatchedFrom { holders.append(from) }
        case nil: break
        }
        let holderName: String = switch c.state.holder {
        case .region(let code)?: try r.region(code: code)?.name ?? code
        case .department(let code)?: try r.department(code: code)?.name ?? code
        case nil: "—"
        }
        let place = try c.place.community.flatMap { try r.region(code: $0)?.name } ?? c.address ?? c.place.district.flatMap { try r.region(code: $0)?.name } ?? ""
        let text = fill(try r.noticeTemplate(event) ?? defaults[event] ?? "", [
            "number": c.number, "category": try r.category(code: c.category)?.name ?? c.category, "place": place,
            "holder": holderName,
        ])
        var sent = Set<String>()
        for holder in holders {
            guard let duty = try r.dutyPhone(holder: holder), sent.insert(duty.phone).inserted else { continue }
            try w.enqueueNotice(channel: "sms", to: duty.phone, case: c.number, text: text, at: e.at)
        }
    }
}
