import CivicGridModel
import Foundation
import Testing
import GridGEOS
import GridGeometry
@testable import GridPartition

func rectangle(_ x: Double, _ y: Double, _ w: Double, _ h: Double) -> Polygon {
    Polygon(exterior: LinearRing(unchecked: [Coordinate(x, y), Coordinate(x + w, y), Coordinate(x + w, y + h), Coordinate(x, y + h), Coordinate(x, y)]))
}

/// Buildings on a lattice inside a box, ids from `firstID`.
func sites(in box: BoundingBox, columns: Int, rows: Int, households: (Int) -> Int, firstID: Int64 = 1) -> [Site] {
    var out: [Site] = []
    for j in 0..<rows {
        for i in 0..<columns {
            let p = Coordinate(box.minX + (Double(i) + 0.5) * box.width / Double(columns), box.minY + (Double(j) + 0.5) * box.height / Double(rows))
            out.append(Site(id: firstID + Int64(out.count), point: p, households: households(out.count)))
        }
    }
    return out
}

/// Runs the partitioner and the report, and checks what must always hold: every building in
/// exactly one grid, inside its grid's polygon, and the grids tiling the community.
func divide(_ input: CommunityInput, seed: UInt64 = 1) throws -> ([GridShape], CommunityReport) {
    let geos = GEOSContext()
    let division = try CommunityPartitioner(seed: seed).run(input, geos: geos)
    let grids = division.grids
    let assigned = grids.flatMap(\.sites)
    #expect(assigned.count == input.sites.count && Set(assigned) == Set(input.sites.map(\.id)), "every building in exactly one grid")
    let byID = Dictionary(uniqueKeysWithValues: input.sites.map { ($0.id, $0) })
    for g in grids {
        #expect(g.households == g.sites.reduce(0) { $0 + byID[$1]!.households })
        for s in g.sites { #expect(g.polygon.contains(byID[s]!.point), "building \(s) outside its grid") }
        #expect(try geos.validity(.polygon(g.polygon)).isValid)
    }
    let measured = grids.enumerated().map { i, g in
        MeasuredGrid(code: "\(i)", polygons: [g.polygon], households: g.households, buildings: g.sites.count,
                     largestBuilding: g.sites.map { byID[$0]!.households }.max() ?? 0,
                     obstacle: g.sites.lazy.compactMap { division.obstacles[$0] }.first)
    }
    let report = try CommunityReport.measure(community: input.code, boundary: input.boundary, grids: measured, roads: input.roads,
                                             band: Band(), seconds: 0, geos: geos)
    #expect(report.gapM2 < 1, "gap \(report.gapM2) m²")
    #expect(report.overlapM2 < 1, "overlap \(report.overlapM2) m²")
    return (grids, report)
}

/// The hand-made communities, shared by the behaviour tests and the golden files.
enum HandMade {
    static func oversized() -> CommunityInput {
        var s = sites(in: BoundingBox(minX: 0, minY: 0, maxX: 300, maxY: 300), columns: 10, rows: 10) { _ in 8 }
        s[55].households = 620
        return CommunityInput(code: "oversized-building", boundary: [rectangle(0, 0, 300, 300)], sites: s, roads: [])
    }

    static func infeasible() -> CommunityInput {
        let s = sites(in: BoundingBox(minX: 0, minY: 0, maxX: 200, maxY: 100), columns: 10, rows: 2) { _ in 31 }
        return CommunityInput(code: "infeasible-total", boundary: [rectangle(0, 0, 200, 100)], sites: s, roads: [])
    }

    static func roadSplit() -> CommunityInput {
        let west = sites(in: BoundingBox(minX: 0, minY: 0, maxX: 200, maxY: 200), columns: 5, rows: 8) { _ in 10 }
        let east = sites(in: BoundingBox(minX: 200, minY: 0, maxX: 400, maxY: 200), columns: 5, rows: 8, households: { _ in 10 }, firstID: 100)
        let road = LineString(unchecked: [Coordinate(200, -10), Coordinate(200, 210)])
        return CommunityInput(code: "road-split", boundary: [rectangle(0, 0, 400, 200)], sites: west + east, roads: [road])
    }

    static func lake() -> CommunityInput {
        let lake = rectangle(100, 100, 100, 100).exterior.reversed
        let community = Polygon(exterior: rectangle(0, 0, 300, 300).exterior, holes: [lake])
        let s = sites(in: BoundingBox(minX: 0, minY: 0, maxX: 300, maxY: 300), columns: 12, rows: 12) { _ in 7 }
            .filter { community.contains($0.point) }
        return CommunityInput(code: "lake", boundary: [community], sites: s, roads: [])
    }

    static let all = [oversized(), infeasible(), roadSplit(), lake()]
}

struct CommunityPartitionerTests {
    /// Golden files: each hand-made community's grids, as GeoJSON in metres (mm precision),
    /// equal byte for byte to Tests/Fixtures/partition/<name>.geojson. Set UPDATE_GOLDEN=1
    /// to rewrite them after a deliberate change, and review the diff.
    @Test(arguments: HandMade.all.map(\.code))
    func matchesGoldenFile(_ name: String) throws {
        let input = HandMade.all.first { $0.code == name }!
        let grids = try CommunityPartitioner(seed: 1).run(input, geos: GEOSContext()).grids
        let features = grids.map { g in
            Feature(geometry: .polygon(g.polygon), properties: [
                "households": .number(Double(g.households)),
                "buildings": .array(g.sites.map { .number(Double($0)) }),
            ])
        }
        let text = GeoJSONWriter(coordinatePrecision: 3).featureCollection(features)
        let file = fixtures.appendingPathComponent("partition/\(name).geojson")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] != nil {
            try Data(text.utf8).write(to: file)
        }
        let golden = try String(contentsOf: file, encoding: .utf8)
        #expect(text == golden, "\(name) differs from its golden file")
    }

    @Test func oversizedBuildingIsItsOwnGrid() throws {
        let input = HandMade.oversized()
        let s = input.sites
        let (grids, report) = try divide(input)
        let big = try #require(grids.first { $0.sites.contains(s[55].id) })
        #expect(big.sites == [s[55].id])
        #expect(report.exceptions.count == 1)
        #expect(report.exceptions[0].reason.contains("a building with 620 households"))
        #expect(report.inBand == report.grids - 1)
    }

    @Test func totalThatCannotFitIsSplitEvenlyAndReported() throws {
        let (grids, report) = try divide(HandMade.infeasible())
        #expect(grids.map(\.households).sorted() == [310, 310])
        #expect(!report.feasible)
        #expect(report.exceptions.allSatisfy { $0.reason.contains("cannot be divided") })
    }

    @Test func strandedBuildingsAreReported() throws {
        // Three towers in a row, 260, 300 and 260 households: alone under 350, any two over 500.
        let input = CommunityInput(code: "S", boundary: [rectangle(0, 0, 300, 100)],
                                   sites: sites(in: BoundingBox(minX: 0, minY: 0, maxX: 300, maxY: 100), columns: 3, rows: 1) { [260, 300, 260][$0] },
                                   roads: [])
        let (_, report) = try divide(input)
        #expect(!report.feasible)
        #expect(!report.exceptions.isEmpty)
        #expect(report.exceptions.allSatisfy { $0.reason.contains("no contiguous group of buildings brings within 350–500") }, "\(report.exceptions)")
    }

    @Test func gridBoundaryFollowsTheRoad() throws {
        // 800 households, half each side of a north–south road: two grids, split on the road.
        let input = HandMade.roadSplit()
        let (grids, report) = try divide(input)
        #expect(grids.count == 2)
        let west = Set(input.sites.filter { $0.point.x < 200 }.map(\.id)), east = Set(input.sites.filter { $0.point.x > 200 }.map(\.id))
        #expect(Set(grids.map { Set($0.sites) }) == [west, east])
        #expect((report.boundaryOnRoads ?? 0) > 0.99)
    }

    @Test func lakeStaysOutOfEveryGrid() throws {
        let input = HandMade.lake()
        let community = input.boundary[0]
        let (grids, report) = try divide(input)
        #expect(grids.allSatisfy { !$0.polygon.contains(Coordinate(150, 150)) })
        #expect(abs(grids.reduce(0) { $0 + $1.polygon.area } - community.area) < 1)
        #expect(report.inBand == report.grids)
    }

    /// 1,200 households, 600 on each bank of an east–west river: each bank alone cannot be
    /// divided within 350–500, so the band needs a grid across the river. With a road crossing
    /// it (a bridge) one grid spans both banks, joined at the bridge; without, none does, and
    /// a river given as a road is crossed anywhere.
    @Test func gridsCrossARiverOnlyAtABridge() throws {
        let bridge = Coordinate(300, 150)
        func input(bridge hasBridge: Bool) -> CommunityInput {
            let south = sites(in: BoundingBox(minX: 0, minY: 0, maxX: 400, maxY: 150), columns: 10, rows: 6) { _ in 10 }
            let north = sites(in: BoundingBox(minX: 0, minY: 150, maxX: 400, maxY: 300), columns: 10, rows: 6, households: { _ in 10 }, firstID: 100)
            let river = LineString(unchecked: [Coordinate(-10, 150), Coordinate(410, 150)])
            let road = LineString(unchecked: [Coordinate(300, -10), Coordinate(300, 310)])
            return CommunityInput(code: "river", boundary: [rectangle(0, 0, 400, 300)], sites: south + north,
                                  roads: hasBridge ? [road] : [], rivers: [river])
        }
        func banks(_ g: GridShape) -> Set<Bool> { Set(g.sites.map { $0 >= 100 }) }
        /// Distance from a point to a polyline.
        func distance(_ p: Coordinate, _ line: [Coordinate]) -> Double {
            zip(line, line.dropFirst()).map { a, b in
                let d = Coordinate(b.x - a.x, b.y - a.y), l2 = d.x * d.x + d.y * d.y
                let t = max(0, min(1, ((p.x - a.x) * d.x + (p.y - a.y) * d.y) / l2))
                return Coordinate(a.x + t * d.x, a.y + t * d.y).distance(to: p)
            }.min() ?? .infinity
        }

        let (bridged, report) = try divide(input(bridge: true))
        #expect(report.inBand == report.grids, "\(bridged.map(\.households))")
        let crossing = bridged.filter { banks($0).count == 2 }
        #expect(crossing.count == 1)
        for g in crossing {
            // The river runs through the grid only in one stretch, and that stretch holds the bridge.
            let geos = GEOSContext()
            let inside = try geos.buffer(.polygon(g.polygon), distance: -0.05)
            let wet = try geos.intersection(inside, .lineString(LineString(unchecked: [Coordinate(0, 150), Coordinate(400, 150)]))).lineStrings
            #expect(wet.count == 1 && wet.allSatisfy { distance(bridge, $0.coordinates) < 0.5 }, "\(wet)")
        }

        let (apart, _) = try divide(input(bridge: false))
        #expect(apart.allSatisfy { banks($0).count == 1 }, "\(apart.map { ($0.households, banks($0)) })")

        var asRoad = input(bridge: false)
        (asRoad.roads, asRoad.rivers) = (asRoad.rivers, [])
        let (crossedAnywhere, _) = try divide(asRoad)
        #expect(crossedAnywhere.contains { banks($0).count == 2 }, "the test tells a river from a road")
    }

    /// Random irregular communities with random roads and fine-grained households: every
    /// grid in band, contiguous, tiling the community; the same seed gives the same grids.
    @Test(arguments: 1...6)
    func randomCommunities(_ seed: UInt64) throws {
        var r = seed &* 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            r = r &* 6364136223846793005 &+ 1442695040888963407
            return Double(r >> 11) * 0x1p-53
        }
        let n = 24
        var ring: [Coordinate] = (0..<n).map { k in
            let a = 2 * Double.pi * Double(k) / Double(n), radius = 250 + 150 * next()
            return Coordinate(radius * cos(a), radius * sin(a))
        }
        ring.append(ring[0])
        let boundary = Polygon(exterior: LinearRing(unchecked: ring))
        var s: [Site] = []
        while s.count < 600 {
            let p = Coordinate(800 * next() - 400, 800 * next() - 400)
            if boundary.contains(p) { s.append(Site(id: Int64(s.count + 1), point: p, households: 1 + Int(next() * 14))) }
        }
        let roads = (0..<3).map { _ in
            LineString(unchecked: [Coordinate(-450, 900 * next() - 450), Coordinate(450, 900 * next() - 450)])
        }
        let input = CommunityInput(code: "R\(seed)", boundary: [boundary], sites: s, roads: roads)
        let (grids, report) = try divide(input, seed: seed)
        #expect(report.feasible)
        #expect(report.inBand == report.grids, "\(grids.map(\.households).sorted())")
        #expect(try CommunityPartitioner(seed: seed).run(input, geos: GEOSContext()).grids == grids)
    }
}
