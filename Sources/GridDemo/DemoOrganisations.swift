import CivicGridModel
import Foundation
import GridGeometry

/// Organisations for the demo district, deterministic: in every `spacing`-th building a shop,
/// restaurant, enterprise, school, clinic … with a fictitious name, a valid unified social
/// credit code of the district, a fictitious contact and a head count; as GeoJSON features
/// (`building` ref, no geometry) that `organisations import` reads.
public struct DemoOrganisations: Sendable {
    public var seed: UInt64 = 11
    public var spacing = 7

    public init() {}

    /// Kinds by weight, with the word a name ends in and the credit code's first two
    /// characters (registration authority and type: 92 individual business, 91 enterprise,
    /// 12 public institution, 11 government organ, 51 social organisation).
    static let kinds: [(OrganisationKind, String, String, Int)] = [
        (.shop, "便利店", "92", 10), (.restaurant, "餐馆", "92", 8), (.market, "菜市场", "91", 1), (.enterprise, "科技有限公司", "91", 6),
        (.factory, "制造有限公司", "91", 2), (.office, "商务咨询有限公司", "91", 3), (.hotel, "宾馆", "91", 2), (.school, "小学", "12", 1),
        (.kindergarten, "幼儿园", "12", 1), (.clinic, "诊所", "92", 2), (.hospital, "社区卫生服务站", "12", 1), (.pharmacy, "大药房", "91", 2),
        (.bank, "银行网点", "91", 1), (.government, "便民服务中心", "11", 1), (.association, "志愿者协会", "51", 1), (.religious, "观音寺", "71", 1), (.other, "工作室", "92", 1),
    ]
    static let words = Array("福兴华联德盛隆鑫源恒泰安康乐和顺达新佳美")
    static let codeCharacters = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    public func features(buildings: [Building]) -> [Feature] {
        var rng = SeededRandom(seed: seed)
        let total = Self.kinds.reduce(0) { $0 + $1.3 }
        var out: [Feature] = []
        for (i, b) in buildings.enumerated() where i % spacing == 3 {
            guard let ref = b.ref else { continue }
            var pick = rng.int(0...(total - 1))
            let (kind, word, prefix, _) = Self.kinds.first { pick -= $0.3; return pick < 0 } ?? Self.kinds[0]
            let name = String(rng.pick(Self.words)) + String(rng.pick(Self.words)) + word
            let body = (0..<9).map { _ in String(rng.pick(Self.codeCharacters)) }.joined()
            let licence = CreditCode.completing(prefix + "320599" + body)?.value
            let contact = String(rng.pick(HouseholdRecords.surnames)) + String(rng.pick(HouseholdRecords.given))
            let phone = "13" + String(rng.int(0...9)) + String(format: "%08d", rng.int(0...99_999_999))
            let employees = kind == .shop || kind == .restaurant ? rng.int(1...12) : rng.int(5...200)
            var properties: [String: JSONValue] = [
                "code": .string(String(format: "O%06d", out.count + 1)), "name": .string(name), "kind": .string(kind.rawValue), "building": .string(ref),
                "contact_name": .string(contact), "contact_phone": .string(phone), "employees": .number(Double(employees)),
            ]
            if let licence { properties["licence"] = .string(licence) }
            out.append(Feature(geometry: nil, properties: properties))
        }
        return out
    }
}
