import CivicGridModel
import Foundation
import GridStore

/// What the reporter is told as their case moves: when it is filed or voided (and why),
/// dispatched (to whom), handled (with the handler's note) and closed (with the question
/// whether it was fixed). Texts from templates (`civicgrid notices import`, Data/cases/notices.json;
/// these defaults until one is imported), Chinese first, with `{number}`, `{department}`,
/// `{reason}` and `{note}` filled in. The text becomes the case's public note (Open311's
/// `status_notes`), and a message in the SMS outbox for a case reported by SMS.
public enum ReporterNotices {
    public static let events = ["filed", "voided", "merged", "dispatched", "handled", "closed", "reopened"]

    public static let defaults: [String: String] = [
        "filed": "您反映的问题（编号{number}）已立案，正在安排处理。Case {number} is filed and being arranged.",
        "voided": "您反映的问题（编号{number}）未予立案：{reason}。Case {number} was not filed: {reason}.",
        "merged": "您反映的问题（编号{number}）与编号{original}为同一问题，已合并处理。Your report {number} is the same as case {original}, which is being handled.",
        "dispatched": "您反映的问题（编号{number}）已交{department}处理。Case {number} is with {department}.",
        "handled": "您反映的问题（编号{number}）已处理：{note}。Case {number} was handled: {note}.",
        "closed": "您反映的问题（编号{number}）已办结。是否解决？请回复：1 满意，2 基本满意，3 不满意（7天内有效）。Case {number} is closed: was it fixed? Reply 1 satisfied, 2 fairly satisfied, 3 not satisfied (within 7 days).",
        "reopened": "您反映的问题（编号{number}）已重新交{department}办理。Case {number} is with {department} again.",
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

    /// After a step in `w`: the case's public note, and for an SMS reporter the message to send.
    static func tell(_ w: StoreWriter, _ c: inout CaseRecord, _ action: CaseAction, note: String?, at: Date) throws {
        guard let event = event(action) else { return }
        var fields = ["number": c.number, "note": (note?.isEmpty == false ? note : nil) ?? "已处理 (done)"]
        switch action {
        case .void(let reason, let original):
            fields["reason"] = reasons[reason] ?? reason.rawValue
            fields["original"] = original ?? ""
        case .dispatch(.department(let code)):
            fields["department"] = try w.reader.department(code: code)?.name ?? code
        case .dispatch(.region(let code)), .reopen(to: .region(let code)):
            fields["department"] = try w.reader.region(code: code)?.name ?? code
        case .reopen(to: .department(let code)):
            fields["department"] = try w.reader.department(code: code)?.name ?? code
        default: break
        }
        let template = try w.reader.noticeTemplate(event) ?? defaults[event] ?? ""
        let text = fill(template, fields)
        c.publicNote = text
        try w.setPublicNote(c.number, text)
        if c.source == .sms, let phone = c.reporter.phone {
            try w.enqueueNotice(channel: "sms", to: phone, case: c.number, text: text, at: at)
        }
    }
}
