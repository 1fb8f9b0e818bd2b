import Foundation
import GridGeometry

/// Builds the demo district in local metres, then converts to longitude/latitude.
///
/// The district is a 4 × 4 lattice of communities. Lattice edges are wavy arterial roads,
/// shared exactly by the regions on both sides; each community is a Coons patch over its
/// four edges, cut into blocks by local roads along its parameter lines, and buildings are
/// laid out in block coordinates so they follow the roads and never cross them. A canal
/// runs north–south through the old town, bridged by every road that meets it.
struct DemoCityBuilder {
    let seed: UInt64
    /// Communities along each side: the lattice is size × size.
    let size: Int

    static let cellSize = (w: 760.0, h: 660.0)
    static let samples = 24
    /// District centre (lon, lat).
    var center = DemoCity.defaultCenter

    enum Kind: String { case oldTown, midRise, highRise, village }

    /// Community kinds by row, south to north; larger districts repeat the pattern.
    static let kinds: [[Kind]] = [
        [.village, .midRise, .highRise, .village],
        [.highRise, .oldTown, .midRise, .midRise],
        [.midRise, .oldTown, .highRise, .highRise],
        [.village, .highRise, .midRise, .village],
    ]
    /// Street (0–3) of each community, by row, south to north: four irregular, contiguous
    /// groups; larger districts repeat them in 4 × 4 tiles.
    static let streets: [[Int]] = [
        [2, 3, 3, 3],
        [2, 2, 3, 1],
        [0, 2, 1, 1],
        [0, 0, 1, 1],
    ]
    static let districtCode = "320599"
    static let districtName = "青禾区"
    static let streetNames = ["枫桥街道", "沧浪街道", "金阊街道", "平江街道"]
    static let communityNames = ["东园", "西河", "南塘", "北港", "桃坞", "梅巷", "竹辉", "荷花",
                                 "新桥", "玉带", "清风", "明月", "双塔", "三香", "友联", "金鸡"]
    static let eastWestRoads = ["南环路", "长江路", "黄河路", "珠江路", "北环路"]
    static let northSouthRoads = ["西环路", "人民路", "凤凰路", "星海路", "东环路"]
    static let canalName = "平江河"
    /// The community whose household records (fictitious names and phones) are generated.
    static let recordsCell = (i: 3, j: 0)
    /// Its high-rise neighbour, whose first `recordTowers` towers get household records too
    /// (the 3D view's floors and units).
    static let towersCell = (i: 2, j: 0)
    static let recordTowers = 2

    func kind(_ i: Int, _ j: Int) -> Kind { Self.kinds[j % 4][i % 4] }

    func street(_ i: Int, _ j: Int) -> Int { ((j / 4) * ((size + 3) / 4) + i / 4) * 4 + Self.streets[j % 4][i % 4] }

    /// The n-th name of a list, numbered once the list runs out.
    static func name(_ list: [String], _ n: Int, suffix: String = "") -> String {
        list[n % list.count] + (n >= list.count ? "\(n / list.count + 1)" : "") + suffix
    }

    func build() -> DemoCity {
        let rng = SeededRandom(seed: seed)
        let lattice = Lattice(size: size, rng: rng.derived(1))
        let frame = LocalFrame(center: center)
        let cells = (0..<size).flatMap { j in (0..<size).map { i in (i, j) } }
        var roads = arterials(lattice, frame)
        var buildings: [Feature] = [], households: [Feature] = []
        for (i, j) in cells {
            roads += localRoads(i, j, lattice.patch(i, j), frame)
            let (b, h) = community(i, j, lattice.patch(i, j), firstNumber: buildings.count + 1, rng: rng, frame)
            buildings += b
            households += h
        }
        return DemoCity(regions: regions(lattice, cells, frame), roads: roads, buildings: buildings, households: households)
    }

    /// Regions: district, streets, communities, all from the same edge polylines; communities
    /// numbered north-west to south-east within each street.
    private func regions(_ lattice: Lattice, _ cells: [(Int, Int)], _ frame: LocalFrame) -> [Feature] {
        var regions = [region(code: Self.districtCode, name: Self.districtName, level: "district", parent: nil, ring: lattice.boundary(of: cells), frame)]
        let streetCount = (cells.map { street($0.0, $0.1) }.max() ?? -1) + 1
        for s in 0..<streetCount {
            let inStreet = cells.filter { street($0.0, $0.1) == s }
            guard !inStreet.isEmpty else { continue }
            regions.append(region(code: streetCode(s), name: Self.name(Self.streetNames, s), level: "street",
                                  parent: Self.districtCode, ring: lattice.boundary(of: inStreet), frame))
        }
        var perStreet = [Int](repeating: 0, count: streetCount)
        for j in (0..<size).reversed() {
            for i in 0..<size {
                let s = street(i, j)
                perStreet[s] += 1
                let code = streetCode(s) + String(format: "%03d", perStreet[s])
                let name = Self.name(Self.communityNames, j * size + i, suffix: kind(i, j) == .village ? "村" : "社区")
                regions.append(region(code: code, name: name, level: "community", parent: streetCode(s), ring: lattice.boundary(of: [(i, j)]), frame))
            }
        }
        return regions
    }

    /// Arterials: every lattice edge once.
    private func arterials(_ lattice: Lattice, _ frame: LocalFrame) -> [Feature] {
        var roads: [Feature] = []
        for j in 0...size {
            for i in 0..<size { roads.append(road(lattice.horizontal[j][i], name: Self.name(Self.eastWestRoads, j), kind: "primary", frame)) }
        }
        for i in 0...size {
            for j in 0..<size { roads.append(road(lattice.vertical[i][j], name: Self.name(Self.northSouthRoads, i), kind: "primary", frame)) }
        }
        return roads
    }

    /// A community's local roads. The old town's first north–south line is a canal, crossed by
    /// bridges where the local roads and arterials meet it.
    private func localRoads(_ i: Int, _ j: Int, _ patch: CoonsPatch, _ frame: LocalFrame) -> [Feature] {
        let kind = kind(i, j), splits = Self.splits(kind)
        var roads: [Feature] = []
        for u in splits.u {
            let canal = kind == .oldTown && u == splits.u[0]
            roads.append(road((0...Self.samples).map { patch.at(u, Double($0) / Double(Self.samples)) },
                              name: canal ? Self.canalName : nil, kind: canal ? "river" : "residential", frame))
        }
        for v in splits.v {
            roads.append(road((0...Self.samples).map { patch.at(Double($0) / Double(Self.samples), v) }, name: nil, kind: "residential", frame))
        }
        return roads
    }

    /// A community's buildings, block by block (refs numbered from `firstNumber`), and the
    /// household records of the records community and of the towers' first tall buildings.
    private func community(_ i: Int, _ j: Int, _ patch: CoonsPatch, firstNumber: Int, rng: SeededRandom, _ frame: LocalFrame) -> (buildings: [Feature], households: [Feature]) {
        let kind = kind(i, j), splits = Self.splits(kind)
        var cellRng = rng.derived(UInt64(100 + j * size + i)), towerRng = rng.derived(UInt64(9_000 + j * size + i))
        let us = [0.0] + splits.u + [1.0], vs = [0.0] + splits.v + [1.0]
        let communityName = Self.name(Self.communityNames, j * size + i)
        var buildings: [Feature] = [], households: [Feature] = [], towers = 0
        for bj in 0..<(vs.count - 1) {
            for bi in 0..<(us.count - 1) {
                let block = Block(patch: patch, u: (us[bi], us[bi + 1]), v: (vs[bj], vs[bj + 1]))
                for plan in BuildingLayout.layout(kind, block: block, rng: &cellRng) {
                    let inCommunity = buildings.count + 1
                    let ref = String(format: "B%05d", firstNumber + buildings.count)
                    let ring = plan.corners.map { frame.lonLat($0) }
                    var properties: [String: JSONValue] = [
                        "ref": .string(ref),
                        "address": .string("\(communityName)\(inCommunity)幢"),
                        "floors": .number(Double(plan.floors)),
                        "households": .number(Double(plan.households)),
                        "kind": .string(plan.kind),
                    ]
                    if plan.households == 0 { properties["use"] = .string("public") }
                    buildings.append(Feature(geometry: .polygon(Polygon(exterior: LinearRing(unchecked: ring + [ring[0]]))), properties: properties))
                    if (i, j) == Self.recordsCell {
                        households += HouseholdRecords.make(building: ref, block: inCommunity, floors: plan.floors, count: plan.households, rng: &cellRng)
                    } else if (i, j) == Self.towersCell, towers < Self.recordTowers, plan.floors >= 18, plan.households > 0 {
                        towers += 1
                        households += HouseholdRecords.make(building: ref, block: inCommunity, floors: plan.floors, count: plan.households, rng: &towerRng)
                    }
                }
            }
        }
        return (buildings, households)
    }

    private func streetCode(_ s: Int) -> String { Self.districtCode + String(format: "%03d", s + 1) }

    /// Local-road parameters (in 1/24ths, so they meet edge vertices exactly).
    static func splits(_ kind: Kind) -> (u: [Double], v: [Double]) {
        switch kind {
        case .oldTown: ([8.0 / 24, 16.0 / 24], [8.0 / 24, 16.0 / 24])
        case .midRise: ([12.0 / 24], [8.0 / 24, 16.0 / 24])
        case .highRise: ([12.0 / 24], [12.0 / 24])
        case .village: ([10.0 / 24], [14.0 / 24])
        }
    }

    private func region(code: String, name: String, level: String, parent: String?, ring: [Coordinate],
                        _ frame: LocalFrame) -> Feature {
        var properties: [String: JSONValue] = ["code": .string(code), "name": .string(name), "level": .string(level)]
        if let parent { properties["parent"] = .string(parent) }
        let lonLat = ring.map { frame.lonLat($0) }
        return Feature(geometry: .polygon(Polygon(exterior: LinearRing(unchecked: lonLat))), properties: properties)
    }

    private func road(_ points: [Coordinate], name: String?, kind: String, _ frame: LocalFrame) -> Feature {
        var properties: [String: JSONValue] = ["kind": .string(kind)]
        if let name { properties["name"] = .string(name) }
        return Feature(geometry: .lineString(LineString(unchecked: points.map { frame.lonLat($0) })), properties: properties)
    }
}

/// Metres east/north of a centre to longitude/latitude (spherical, exact enough for a demo
/// a few kilometres across).
struct LocalFrame {
    let center: Coordinate
    static let radius = 6_378_137.0

    func lonLat(_ p: Coordinate) -> Coordinate {
        let lat = center.lat + p.y / Self.radius * 180 / .pi
        let lon = center.lon + p.x / (Self.radius * cos(center.lat * .pi / 180)) * 180 / .pi
        return Coordinate(lon, lat)
    }
}
