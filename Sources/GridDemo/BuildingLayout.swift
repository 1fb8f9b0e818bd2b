import CivicGridModel
import Foundation
import GridGeometry

/// One building to place: its footprint corners (world metres, counter-clockwise) and use.
struct BuildingPlan {
    var corners: [Coordinate]
    var floors: Int
    var households: Int
    var kind: String
}

/// Lays out buildings in a block, by the community's kind. Sizes, spacing, floors and
/// households follow common Chinese urban forms.
enum BuildingLayout {
    static func layout(_ kind: DemoCityBuilder.Kind, block: Block, rng: inout SeededRandom) -> [BuildingPlan] {
        switch kind {
        case .oldTown: rng.chance(0.1) ? midRise(block, &rng) : oldTown(block, &rng)
        case .midRise: midRise(block, &rng)
        case .highRise: highRise(block, &rng)
        case .village: village(block, &rng)
        }
    }

    /// Courtyard houses and shophouses in tight rows, back to back, with alleys between pairs.
    static func oldTown(_ block: Block, _ rng: inout SeededRandom) -> [BuildingPlan] {
        let (w, h) = block.size, setback = 6.0
        var out: [BuildingPlan] = []
        var r = setback, row = 0
        while true {
            let depth = rng.uniform(10, 15)
            guard r + depth <= h - setback else { break }
            var s = setback
            while true {
                let width = rng.uniform(7, 14)
                guard s + width <= w - setback else { break }
                if !rng.chance(0.08) {
                    let floors = rng.chance(0.2) ? 1 : rng.chance(0.7) ? 2 : 3
                    let public_ = rng.chance(0.02)
                    let households = public_ ? 0 : max(1, floors * rng.int(1...3) - rng.int(0...1))
                    out.append(BuildingPlan(corners: block.rectangle(s0: s, r0: r, s1: s + width, r1: r + depth),
                                            floors: floors, households: households, kind: public_ ? "public" : "courtyard"))
                }
                s += width + rng.uniform(1, 2.5)
            }
            r += depth + (row % 2 == 0 ? 2 : 5)
            row += 1
        }
        return out
    }

    /// 1980s–90s walk-up slabs, five to seven floors, two flats per stairwell landing.
    static func midRise(_ block: Block, _ rng: inout SeededRandom) -> [BuildingPlan] {
        let (w, h) = block.size, setback = 10.0, depth = 11.5
        var out: [BuildingPlan] = []
        var r = setback
        while r + depth <= h - setback {
            var s = setback
            while true {
                var length = rng.uniform(40, 64)
                if s + length > w - setback { length = w - setback - s }
                guard length >= 30 else { break }
                if !rng.chance(0.15) {
                    let floors = [5, 6, 6, 7][rng.int(0...3)]
                    let stairwells = max(2, Int(length / 15))
                    out.append(BuildingPlan(corners: block.rectangle(s0: s, r0: r, s1: s + length, r1: r + depth),
                                            floors: floors, households: floors * stairwells * 2, kind: "walkup"))
                }
                s += length + rng.uniform(14, 18)
            }
            r += rng.uniform(34, 40)
        }
        return out
    }

    /// Towers (100–300 households) and a few long slabs (300–600), widely spaced, with one
    /// public building (kindergarten, clubhouse) per block.
    static func highRise(_ block: Block, _ rng: inout SeededRandom) -> [BuildingPlan] {
        let (w, h) = block.size, setback = 15.0
        var out: [BuildingPlan] = []
        var publicPlaced = false
        var r = setback
        while true {
            let pitchR = rng.uniform(90, 110)
            guard r + 20 <= h - setback else { break }
            var s = setback
            while true {
                let pitchS = rng.uniform(85, 100)
                let slab = rng.chance(0.12)
                let bw = slab ? rng.uniform(60, 80) : rng.uniform(22, 30)
                let bd = slab ? rng.uniform(16, 18) : rng.uniform(16, 20)
                guard s + bw <= w - setback else { break }
                if r + bd <= h - setback {
                    if rng.chance(0.3) {
                        if !publicPlaced, s + 40 <= w - setback, r + 30 <= h - setback {
                            publicPlaced = true
                            out.append(BuildingPlan(corners: block.rectangle(s0: s, r0: r, s1: s + 40, r1: r + 30),
                                                    floors: 3, households: 0, kind: "public"))
                        }
                    } else if slab {
                        let floors = rng.int(26...33)
                        let households = min(600, max(300, floors * rng.int(12...18)))
                        out.append(BuildingPlan(corners: block.rectangle(s0: s, r0: r, s1: s + bw, r1: r + bd),
                                                floors: floors, households: households, kind: "slab"))
                    } else {
                        let floors = rng.int(18...33)
                        let households = min(300, max(100, floors * rng.int(4...8)))
                        out.append(BuildingPlan(corners: block.rectangle(s0: s, r0: r, s1: s + bw, r1: r + bd),
                                                floors: floors, households: households, kind: "tower"))
                    }
                }
                s += max(pitchS, bw + 20)
            }
            r += pitchR
        }
        return out
    }

    /// Village houses of one to three households in clusters, with fields between.
    static func village(_ block: Block, _ rng: inout SeededRandom) -> [BuildingPlan] {
        let (w, h) = block.size, setback = 8.0
        let phase = (rng.uniform(0, 2 * .pi), rng.uniform(0, 2 * .pi), rng.uniform(0, 2 * .pi))
        var out: [BuildingPlan] = []
        var r = setback
        while true {
            let depth = rng.uniform(9, 12)
            guard r + depth + 1.5 <= h - setback else { break }
            let pitch = rng.uniform(17, 19)
            var s = setback
            while true {
                let width = rng.uniform(10, 14)
                let js = rng.uniform(-1.5, 1.5), jr = rng.uniform(-1.5, 1.5)
                guard s + width + 1.5 <= w - setback else { break }
                let field = sin(s / 55 + phase.0) * cos(r / 65 + phase.1) + 0.35 * sin((s + r) / 30 + phase.2)
                if field > -0.15, s + js >= setback, r + jr >= setback {
                    let households = rng.chance(0.45) ? 1 : rng.chance(0.73) ? 2 : 3
                    out.append(BuildingPlan(corners: block.rectangle(s0: s + js, r0: r + jr, s1: s + js + width, r1: r + jr + depth),
                                            floors: rng.chance(0.4) ? 3 : 2, households: households, kind: "village"))
                }
                s += pitch
            }
            r += rng.uniform(19, 21)
        }
        return out
    }
}

/// Household records with fictitious personal data, to exercise the personal-data paths.
enum HouseholdRecords {
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
    static let given = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华")

    /// One record a dwelling of the building's layout (`block-entrance-room`).
    static func make(building: String, block: Int, floors: Int, count: Int, rng: inout SeededRandom) -> [Feature] {
        UnitAddress.layout(block: block, floors: floors, households: count).map { unit in
            let name = String(rng.pick(surnames)) + String(rng.pick(given)) + (rng.chance(0.5) ? String(rng.pick(given)) : "")
            let phone = "13" + String(rng.int(0...9)) + String(format: "%08d", rng.int(0...99_999_999))
            return Feature(geometry: nil, properties: [
                "building": .string(building),
                "unit": .string(unit.description),
                "size": .number(Double(rng.int(1...5))),
                "head_name": .string(name),
                "phone": .string(phone),
            ])
        }
    }
}
