import Foundation

/// A resident ID number (居民身份证号码, GB 11643): 17 digits — region, birth date, sequence —
/// and a check character (ISO 7064 MOD 11-2: `0`–`9` or `X`).
public struct IDNumber: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    /// The number if it is one: 18 characters, a real birth date, the right check character
    /// (a lower-case `x` is read as `X`).
    public init?(_ text: some StringProtocol) {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let b = Array(t.utf8)
        guard b.count == 18, b[0..<17].allSatisfy({ (48...57).contains($0) }) else { return nil }
        guard b[17] == IDNumber.check(b[0..<17]) else { return nil }
        func n(_ r: Range<Int>) -> Int { r.reduce(0) { $0 * 10 + Int(b[$1] - 48) } }
        let (y, m, d) = (n(6..<10), n(10..<12), n(12..<14))
        guard (1900...2100).contains(y), (1...12).contains(m), (1...Day.daysIn(month: m, year: y)).contains(d) else { return nil }
        value = t
    }

    /// The number whose first 17 digits are these, with its check character appended (nil when
    /// they are not 17 digits with a real birth date).
    public static func completing(_ digits: String) -> IDNumber? {
        let b = Array(digits.utf8)
        guard b.count == 17, b.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return IDNumber(digits + String(UnicodeScalar(check(b[0..<17]))))
    }

    /// Why a text is not an ID number (nil when it is one).
    public static func problem(_ text: some StringProtocol) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let b = Array(t.utf8)
        guard b.count == 18 else { return "an ID number has 18 characters, not \(b.count)" }
        guard b[0..<17].allSatisfy({ (48...57).contains($0) }) else { return "an ID number's first 17 characters are digits" }
        guard b[17] == check(b[0..<17]) else { return "the check character is wrong (GB 11643)" }
        return IDNumber(t) == nil ? "the birth date in the ID number is not a date" : nil
    }

    /// The check character of 17 digits (ISO 7064 MOD 11-2).
    static func check(_ digits: ArraySlice<UInt8>) -> UInt8 {
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(digits, weights).reduce(0) { $0 + Int($1.0 - 48) * $1.1 }
        return Array("10X98765432".utf8)[sum % 11]
    }

    public var birthYear: Int { Int(value.dropFirst(6).prefix(4)) ?? 0 }

    /// `320***********123X`: the first three and the last four.
    public var masked: String { Masking.keep(value, first: 3, last: 4) }

    public var description: String { masked }
}

/// How personal values are shown to those who may not see them whole.
public enum Masking {
    /// `138****1234` for a mobile number; shorter numbers keep less.
    public static func phone(_ p: String) -> String {
        let n = p.count
        return n >= 11 ? keep(p, first: 3, last: 4) : n >= 7 ? keep(p, first: 2, last: 2) : String(repeating: "*", count: n)
    }

    /// `王**`: the first character only, and not how long the name is.
    public static func name(_ s: String) -> String {
        guard let first = s.first else { return "" }
        return String(first) + "**"
    }

    public static func keep(_ s: String, first: Int, last: Int) -> String {
        guard s.count > first + last else { return String(repeating: "*", count: s.count) }
        return String(s.prefix(first)) + String(repeating: "*", count: s.count - first - last) + String(s.suffix(last))
    }
}

/// How a member of a household is related to its head (与户主关系).
public enum Relation: String, CaseIterable, Sendable, Codable {
    case head, spouse, child, parent, grandchild, grandparent, sibling, other

    public var chinese: String {
        switch self {
        case .head: "户主"
        case .spouse: "配偶"
        case .child: "子女"
        case .parent: "父母"
        case .grandchild: "孙子女"
        case .grandparent: "祖父母"
        case .sibling: "兄弟姐妹"
        case .other: "其他"
        }
    }
}

/// What grid staff note about a person who needs care.
public enum PersonTag: String, CaseIterable, Sendable, Codable {
    case elderlyAlone = "elderly_alone", disabled, lowIncome = "low_income", veteran, keyCare = "key_care", leftBehindChild = "left_behind_child"
}

public enum Sex: String, CaseIterable, Sendable, Codable {
    case male, female
}

/// A member of a household. Personal: the name, the ID number and the phone are shown whole
/// only to roles that may, and every such read is recorded.
public struct Person: Hashable, Sendable {
    public var id: Int64?
    public var household: Int64
    public var name: String
    public var relation: Relation
    public var sex: Sex?
    public var birthYear: Int?
    public var idNumber: IDNumber?
    public var phone: String?
    public var tags: Set<PersonTag>

    public init(id: Int64? = nil, household: Int64, name: String, relation: Relation, sex: Sex? = nil, birthYear: Int? = nil,
                idNumber: IDNumber? = nil, phone: String? = nil, tags: Set<PersonTag> = []) {
        self.id = id
        self.household = household
        self.name = name
        self.relation = relation
        self.sex = sex
        self.birthYear = birthYear
        self.idNumber = idNumber
        self.phone = phone
        self.tags = tags
    }
}
