import CivicGridModel
import Foundation
import GridStore

/// The members of the demo's household records, made up and deterministic: the recorded head
/// (name and phone), a spouse, children, a parent, each with a fictitious name, a birth year
/// fitting the relation and a valid ID number (GB 11643: the district's code, the birth date,
/// a sequence whose last digit is odd for men, the check character); an elderly head living
/// alone is tagged so. Written as the CSV `people import` reads, so the import's checks run
/// on it.
public struct DemoPeople: Sendable {
    public var seed: UInt64 = 11643
    /// The calendar year the ages are counted in.
    public var year = 2026

    public init() {}

    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢").map(String.init)
    static let given = Array("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红梅玉林斌宇浩凯鹏飞欣怡晨阳子涵雨轩思").map(String.init)

    /// The households with `total` members between them, as evenly as they go (for
    /// benchmarks: the demo's records hold a few thousand).
    public static func sized(_ households: [HouseholdRecord], total: Int) -> [HouseholdRecord] {
        guard !households.isEmpty else { return [] }
        return households.enumerated().map { i, h in
            var h = h
            h.size = total / households.count + (i < total % households.count ? 1 : 0)
            return h
        }
    }

    public func csv(_ households: [HouseholdRecord]) -> String {
        var rng = SeededRandom(seed: seed)
        var sequence = 0
        var issued = Set<String>()
        var lines = ["building,unit,name,relation,sex,birth_year,id_number,phone,tags"]
        func given() -> String { (0..<rng.int(1...2)).map { _ in rng.pick(Self.given) }.joined() }
        func phone() -> String { "1" + rng.pick(["38", "39", "58", "59", "86", "87"]) + String(format: "%08d", rng.int(0...99_999_999)) }
        func id(_ born: Int, male: Bool) -> String {
            let month = rng.int(1...12), day = rng.int(1...Day.daysIn(month: month, year: born))
            // The next sequence not yet issued for that birth date (one number, one person).
            while true {
                sequence += 1
                var seq = (sequence * 2) % 1000
                if male { seq = seq % 2 == 0 ? seq + 1 : seq } else { seq = seq % 2 == 1 ? seq - 1 : seq }
                let number = IDNumber.completing("320505" + String(format: "%04d%02d%02d%03d", born, month, day, seq % 1000))?.value ?? ""
                if issued.insert(number).inserted { return number }
            }
        }
        for h in households {
            let size = max(1, h.size ?? rng.int(1...4))
            let headName = h.headName ?? rng.pick(Self.surnames) + given()
            let surname = String(headName.prefix(1))
            let headMale = rng.chance(0.6)
            let headBorn = year - (size == 1 ? rng.int(25...88) : rng.int(30...75))
            var members: [(String, Relation, Bool, Int, String?, [String])] = []
            let alone = size == 1 && year - headBorn >= 70
            members.append((headName, .head, headMale, headBorn, h.phone ?? phone(), alone ? ["elderly_alone"] : []))
            var left = size - 1
            if left > 0 {
                members.append((rng.pick(Self.surnames) + given(), .spouse, !headMale, headBorn + rng.int(-5...5), phone(), []))
                left -= 1
            }
            while left > 0 {
                if left == 1, year - headBorn < 55, rng.chance(0.3) {
                    members.append((rng.pick(Self.surnames) + given(), .parent, rng.chance(0.5), headBorn - rng.int(22...32), nil, rng.chance(0.2) ? ["key_care"] : []))
                } else {
                    let born = min(year, headBorn + rng.int(22...34))
                    members.append((surname + given(), .child, rng.chance(0.5), born, year - born >= 18 ? phone() : nil, []))
                }
                left -= 1
            }
            for (name, relation, male, born, phone, tags) in members {
                let bornYear = max(1900, min(year, born))
                lines.append([h.building, h.unit, name, relation.rawValue, male ? "male" : "female", String(bornYear), id(bornYear, male: male),
                              phone ?? "", tags.joined(separator: ";")].joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
