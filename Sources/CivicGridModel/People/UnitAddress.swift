/// A dwelling's place in its building as Chinese addresses write it, `3-1-502`: block (幢, the
/// building's number in its compound), entrance (单元) and room (室); the room's hundreds are its
/// floor (502: the fifth floor, second dwelling).
public struct UnitAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var block: Int
    public var entrance: Int
    public var room: Int

    public init(block: Int, entrance: Int, room: Int) {
        self.block = block
        self.entrance = entrance
        self.room = room
    }

    /// `block-entrance-room`, each a positive number, the room at least 101; nil otherwise.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 6 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let b = Int(parts[0]), let e = Int(parts[1]), let r = Int(parts[2]), b > 0, e > 0, r >= 101, r % 100 > 0 else { return nil }
        self.init(block: b, entrance: e, room: r)
    }

    public var floor: Int { room / 100 }
    public var description: String { "\(block)-\(entrance)-\(room)" }

    public static func < (a: UnitAddress, b: UnitAddress) -> Bool {
        (a.block, a.entrance, a.room) < (b.block, b.entrance, b.room)
    }

    /// The dwellings a building of `floors` floors holding `households` has, in the order they
    /// are filled: up to four a floor on each entrance (one a floor in a house of as many
    /// floors as households), entrances added as needed; entrance by entrance, floor by floor.
    public static func layout(block: Int, floors: Int, households: Int) -> [UnitAddress] {
        guard households > 0 else { return [] }
        let floors = max(1, floors)
        let perFloor = min(4, (households + floors - 1) / floors)
        var out: [UnitAddress] = []
        out.reserveCapacity(households)
        var entrance = 1
        while out.count < households {
            for f in 1...floors {
                for k in 1...perFloor where out.count < households {
                    out.append(UnitAddress(block: block, entrance: entrance, room: f * 100 + k))
                }
            }
            entrance += 1
        }
        return out
    }
}
