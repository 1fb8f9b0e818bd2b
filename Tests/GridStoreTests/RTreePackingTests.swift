import CivicGridModel
import Foundation
import GridGeometry
import GridSchema
import GridTestSupport
import Testing
@testable import GridStore

/// Small square buildings scattered over a few kilometres (a fixed sequence, so every run
/// packs the same tree).
private func scattered(_ count: Int, seed: UInt64) -> [Building] {
    var state = seed
    func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
    return (0..<count).map { i in
        let x = 120.6 + next() * 0.05, y = 31.25 + next() * 0.05, size = 0.0001 + next() * 0.0003
        let ring = LinearRing(unchecked: [Coordinate(x, y), Coordinate(x + size, y), Coordinate(x + size, y + size),
                                          Coordinate(x, y + size), Coordinate(x, y)])
        return Building(ref: "S\(seed)-\(i)", address: nil, floors: 3, households: 6, householdSource: .declared, areaM2: 300,
                        community: nil, label: Coordinate(x + size / 2, y + size / 2), geometry: .multiPolygon([Polygon(exterior: ring)]))
    }
}

private func rtree(_ store: GridStore) throws -> [[Double]] {
    try store.read { r in
        try SQLRow.fetchAll(r.db, sql: "SELECT id, minx, maxx, miny, maxy FROM rtree_buildings_geom ORDER BY id").map { row in
            try (0..<5).map { try row[$0] as Double }
        }
    }
}

private func check(_ store: GridStore) throws -> String? {
    try store.read { r in try String.fetchOne(r.db, sql: "SELECT rtreecheck('rtree_buildings_geom')") }
}

struct RTreePackingTests {
    /// Buildings added in bulk to a store already holding some give the R-tree the same
    /// entries the insert trigger gives them a row at a time; the packed tree passes SQLite's
    /// own check, keeps its trigger, and goes on following edits.
    @Test(.enabled(if: !TestDatabase.isPostgres, "SQLite's R*Tree"))
    func bulkLoadGivesTheTriggersEntriesInAPackedTree() throws {
        let first = scattered(700, seed: 1), more = scattered(5_000, seed: 2)
        let byRow = try GridStore(path: temporaryDatabase()), bulk = try GridStore(path: temporaryDatabase())
        for store in [byRow, bulk] { _ = try store.write { w in try w.insert(first) } }
        _ = try byRow.write { w in try w.insert(more) }
        let batches = try bulk.write { w in
            try w.insertBuildings { insert in
                try insert(Array(more[..<1_234]))
                try insert(Array(more[1_234...]))
                return 2
            }
        }
        #expect(batches == 2)
        let expected = try rtree(byRow)
        #expect(expected.count == 5_700)
        #expect(try rtree(bulk) == expected)
        #expect(try check(bulk) == "ok")
        let nodes = try #require(try bulk.read { r in try Int.fetch(r, "SELECT count(*) FROM rtree_buildings_geom_node") })
        let nodesByRow = try #require(try byRow.read { r in try Int.fetch(r, "SELECT count(*) FROM rtree_buildings_geom_node") })
        #expect(nodes < nodesByRow, "packed: \(nodes) nodes, row by row: \(nodesByRow)")

        // Edits after the bulk load: the triggers are back and the tree stays sound.
        let moved = scattered(1, seed: 3)[0]
        _ = try bulk.write { w in
            try w.insert(scattered(300, seed: 4))
            try w.db.execute(sql: "UPDATE buildings SET geom = ? WHERE fid = 10", arguments: [SQLGeometry(moved.geometry)])
            try w.db.execute(sql: "DELETE FROM buildings WHERE fid BETWEEN 100 AND 199")
        }
        #expect(try check(bulk) == "ok")
        let box = try #require(moved.geometry.boundingBox)
        let found = try bulk.read { r in
            try SQLRow.fetchAll(r.db, sql: "SELECT id FROM rtree_buildings_geom WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?",
                                arguments: [box.maxX, box.minX, box.maxY, box.minY]).map { try $0[0] as Int64 }
        }
        #expect(found.contains(10))
        #expect(try bulk.read { r in try Int.fetch(r, "SELECT count(*) FROM rtree_buildings_geom") } == 5_900)
        #expect(try bulk.read { r in try Int.fetch(r, "SELECT count(*) FROM sqlite_master WHERE name = 'rtree_buildings_geom_insert'") } == 1)
    }

    /// A bulk load that fails part way leaves the rows, the tree and its trigger as they were.
    @Test func aFailedBulkLoadChangesNothing() throws {
        let store = try GridStore(path: temporaryDatabase())
        _ = try store.write { w in try w.insert(scattered(50, seed: 5)) }
        let before = try #require(try store.read { r in try Int.fetch(r, "SELECT count(*) FROM buildings") })
        #expect(throws: StoreError.self) {
            try store.write { w in
                try w.insertBuildings { insert in
                    try insert(scattered(500, seed: 6))
                    throw StoreError("the source broke off")
                }
            }
        }
        #expect(try store.read { r in try Int.fetch(r, "SELECT count(*) FROM buildings") } == before)
        if !TestDatabase.isPostgres {
            #expect(try check(store) == "ok")
            #expect(try store.read { r in try Int.fetch(r, "SELECT count(*) FROM rtree_buildings_geom") } == before)
            _ = try store.write { w in try w.insert(scattered(10, seed: 7)) }  // the trigger is there
            #expect(try store.read { r in try Int.fetch(r, "SELECT count(*) FROM rtree_buildings_geom") } == before + 10)
        }
    }

    /// Every entry lands in exactly one leaf and every node but the root has a parent, at any
    /// size, the empty tree included.
    @Test(arguments: [0, 1, 4, 5, 17, 1_000])
    func everyEntryInOneLeaf(count: Int) {
        var entries: [RTreePacking.Entry] = []
        for i in 0..<count {
            let x = Double(i % 37), y = Double(i / 37)
            entries.append(RTreePacking.Entry(id: Int64(i + 1), BoundingBox(minX: x, minY: y, maxX: x + 0.5, maxY: y + 0.5)))
        }
        let packed = RTreePacking(entries, nodeSize: 4 + 4 * 24)  // four entries a node
        let leafIDs: [Int64] = packed.leaves.map { $0.id }.sorted()
        #expect(leafIDs == entries.map { $0.id })
        #expect(packed.nodes.contains { $0.number == 1 })
        let children = Set(packed.parents.map { $0.node }), nonRoot = Set(packed.nodes.map { $0.number }).subtracting([1])
        #expect(children == nonRoot)
        for node in packed.nodes {
            let cells = Int(node.data[2]) << 8 | Int(node.data[3])
            #expect(node.data.count == 100 && cells <= 4)
        }
    }
}
