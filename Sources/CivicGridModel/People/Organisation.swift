import Foundation
import GridGeometry

/// What an organisation is, as grid staff record it.
public enum OrganisationKind: String, CaseIterable, Sendable, Codable {
    case shop, restaurant, market, enterprise, factory, office, hotel, school, kindergarten, clinic, hospital, pharmacy, bank, government, association, religious, other
}

/// The unified social credit code (统一社会信用代码, GB 32100-2015) every registered shop,
/// enterprise and institution carries: 18 characters of `0-9A-HJ-NPQRTUWXY`, the last a
/// check character (modulo 31).
public struct CreditCode: Hashable, Sendable, CustomStringConvertible {
    public let value: String
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// The code if it is one (lower case is read as upper).
    public init?(_ text: some StringProtocol) {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let b = Array(t.utf8)
        guard b.count == 18, let check = Self.check(b[0..<17]), b[17] == check else { return nil }
        value = t
    }

    /// Seventeen code characters with their check character appended (nil when they are not).
    public static func completing(_ first17: String) -> CreditCode? {
        let b = Array(first17.utf8)
        guard b.count == 17, let c = check(b[0..<17]) else { return nil }
        return CreditCode(first17 + String(UnicodeScalar(c)))
    }

    static func check(_ chars: ArraySlice<UInt8>) -> UInt8? {
        var sum = 0
        for (i, c) in chars.enumerated() {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            sum += v * weights[i]
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    public var description: String { value }
}

/// A shop, enterprise, school, clinic … of the jurisdiction: where it is (a point, the building
/// and unit it occupies), its licence, its contact (personal: masked like people) and size.
/// Its name and kind are public (the organisations layer).
public struct Organisation: Hashable, Sendable {
    public var id: Int64?
    public var code: String
    public var name: String
    public var kind: OrganisationKind
    public var licence: CreditCode?
    public var contactName: String?
    public var contactPhone: String?
    /// The building's id, and the unit in it (a shop front `1-1-101`, an office floor …).
    public var building: Int64?
    public var unit: String?
    public var employees: Int?
    public var location: Coordinate
    public var grid: String?
    public var community: String?

    public init(id: Int64? = nil, code: String, name: String, kind: OrganisationKind, licence: CreditCode? = nil, contactName: String? = nil,
                contactPhone: String? = nil, building: Int64? = nil, unit: String? = nil, employees: Int? = nil, location: Coordinate,
                grid: String? = nil, community: String? = nil) {
        self.id = id
        self.code = code
        self.name = name
        self.kind = kind
        self.licence = licence
        self.contactName = contactName
        self.contactPhone = contactPhone
        self.building = building
        self.unit = unit
        self.employees = employees
        self.location = location
        self.grid = grid
        self.community = community
    }
}
