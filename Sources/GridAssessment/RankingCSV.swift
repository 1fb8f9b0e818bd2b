import CivicGridModel
import Foundation

extension Ranking {
    /// One row per unit: rank, unit, name, volume, score, grade, deductions, every indicator
    /// (percent), the score's change against the period before and a year earlier. With
    /// `excel`: a byte order mark and Chinese headers, so that Excel opens it right.
    public func csv(excel: Bool = false) -> String {
        let head = excel
            ? ["排名", "单位代码", "名称", "案件量", "得分", "等级", "扣分"] + Indicator.allCases.map(\.chinese) + ["得分环比", "得分同比"]
            : ["rank", "unit", "name", "volume", "score", "grade", "deductions"] + Indicator.allCases.map(\.rawValue) + ["score_change_previous", "score_change_year"]
        func number(_ d: Double?) -> String { d.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int($0)) : String($0) } ?? "" }
        var lines = [head.joined(separator: ",")]
        for u in units {
            var row = [u.rank.map(String.init) ?? "", u.unit, u.name ?? "", String(u.volume), number(u.score), u.grade ?? "", number(u.deductions)]
            row += Indicator.allCases.map { number(u.indicators[$0.rawValue]) }
            row += [number(u.change?["previous"]?["score"]), number(u.change?["year"]?["score"])]
            var fields = row.map(CSVField.escape)
            // Excel shows a long number as 3.20599E+14: a code of digits goes as a formula that
            // makes text, ="320599001001001" (ours, digits only: nothing a client wrote).
            if excel, !u.unit.isEmpty, u.unit.allSatisfy(\.isASCII), u.unit.allSatisfy(\.isNumber) { fields[1] = "\"=\"\"\(u.unit)\"\"\"" }
            lines.append(fields.joined(separator: ","))
        }
        return (excel ? "\u{FEFF}" : "") + lines.joined(separator: "\r\n") + "\r\n"
    }
}
