import CivicGridModel
import Foundation
import GRDB
import GridGeometry

/// Writes inside one transaction (see `GridStore.write`).
public struct StoreWriter {
    public let db: SQLDatabase
    /// What this transaction changed on the map.
    let changes: ChangeSet

    /// Reads within the same transaction, seeing what was written so far.
    public var reader: StoreReader { StoreReader(db: db) }

    /// Runs `body` in a savepoint: when it throws, what it wrote is undone and the rest of the
    /// transaction stands.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        try db.inSavepoint(body)
    }

    /// Notes that a layer changed within a lon/lat box.
    func changed(_ layer: DataChange.Layer, _ box: BoundingBox?) { changes.note(layer, box) }

    // MARK: Regions

    /// Inserts a region, or replaces the one with the same code (keeping its id).
    @discardableResult
    public func save(_ region: Region) throws -> Int64 {
        changed(.regions, region.geometry.boundingBox)
        changed(.regions, try reader.extent(of: "regions", where: "f.code = ?", [region.code]))
        try db.execute(sql: """
            INSERT INTO regions (code, name, level, parent, geom) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
              parent = excluded.parent, geom = excluded.geom
            """, arguments: [region.code, region.name, region.level.rawValue, region.parent,
                             SQLGeometry(region.geometry)])
        return try Int64.fetchOne(db, sql: "SELECT fid FROM regions WHERE code = ?", arguments: [region.code])!
    }

    // MARK: Buildings

    @discardableResult
    public func insert(_ b: Building) throws -> Int64 {
        changed(.buildings, b.geometry.boundingBox)
        try db.execute(sql: """
            INSERT INTO buildings (geom, ref, address, floors, households, households_source, area_m2,
                                   community, label_x, label_y, height)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [SQLGeometry(b.geometry), b.ref, b.address, b.floors, b.households,
                             b.householdSource.rawValue, b.areaM2, b.community, b.label.x, b.label.y, b.height])
        return try db.lastInsertedRowID()
    }

    /// Inserts buildings in order (on PostgreSQL a thousand a statement).
    public func insert(_ buildings: [Building]) throws {
        for b in buildings { changed(.buildings, b.geometry.boundingBox) }
        try db.insertRows("buildings", columns: Self.buildingColumns, rows: buildings.map(Self.row))
    }

    /// Inserts many buildings, in batches as `body` hands them to `insert`, and builds the map
    /// index once at the end: on SQLite the R-tree's insert trigger is set aside while the
    /// rows go in and the tree is packed afresh with what it held (`RTreePacking`), all in
    /// this transaction, so a failure or a rollback leaves the trigger and the tree as they
    /// were. PostgreSQL's GiST index is kept by the database as rows come.
    public func insertBuildings<T>(_ body: (_ insert: ([Building]) throws -> Void) throws -> T) throws -> T {
        guard let sqlite = db.sqlite else { return try body { try insert($0) } }
        let trigger = "rtree_buildings_geom_insert"
        guard let create = try String.fetchOne(sqlite, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                               arguments: [trigger]) else {
            throw StoreError("the buildings' R-tree trigger is missing")
        }
        try sqlite.execute(sql: "DROP TRIGGER \(trigger)")
        let statement = try sqlite.cachedStatement(sql: SQLDatabase.insertSQL("buildings", columns: Self.buildingColumns))
        var added: [RTreePacking.Entry] = []
        let result = try body { buildings in
            for b in buildings {
                let box = b.geometry.boundingBox
                changed(.buildings, box)
                try statement.run(Self.row(b).lazy.map(\.sqlValue), in: sqlite)
                if let box { added.append(RTreePacking.Entry(id: sqlite.lastInsertedRowID, box)) }
            }
        }
        try RTreePacking.rebuild(sqlite, rtree: "rtree_buildings_geom", adding: added)
        try sqlite.execute(sql: create)
        return result
    }

    private static let buildingColumns = ["geom", "ref", "address", "floors", "households", "households_source", "area_m2",
                                          "community", "label_x", "label_y", "height"]

    private static func row(_ b: Building) -> [any SQLArgument] {
        [SQLGeometry(b.geometry), b.ref, b.address, b.floors, b.households, b.householdSource.rawValue,
         b.areaM2, b.community, b.label.x, b.label.y, b.height]
    }

    /// Clears the references of the buildings with ids above `fid` (those of an import whose
    /// guessed id field turned out not to be one).
    public func dropRefs(ofBuildingsAfter fid: Int64) throws {
        try db.execute(sql: "UPDATE buildings SET ref = NULL WHERE fid > ?", arguments: [fid])
    }

    /// Removes demolished buildings by reference, with their household records and their
    /// places in plans (a published grid then holds what is still standing, and a rebalance
    /// starts from that). All or nothing: an unknown reference removes nothing.
    @discardableResult
    public func removeBuildings(refs: [String]) throws -> Int {
        let unique = Array(Set(refs)).sorted()
        var ids: [Int64] = []
        var unknown: [String] = []
        for ref in unique {
            if let id = try Int64.fetchOne(db, sql: "SELECT fid FROM buildings WHERE ref = ?", arguments: [ref]) { ids.append(id) } else { unknown.append(ref) }
        }
        guard unknown.isEmpty else {
            throw StoreError("no building with ref \(unknown.prefix(10).joined(separator: ", "))\(unknown.count > 10 ? " and \(unknown.count - 10) more" : ""); nothing was removed")
        }
        var grids = Set<Int64>()
        for id in ids {
            changed(.buildings, try reader.extent(of: "buildings", where: "f.fid = ?", [id]))
            grids.formUnion(try Int64.fetchAll(db, sql: "SELECT grid FROM grid_buildings WHERE building = ?", arguments: [id]))
            try db.execute(sql: "DELETE FROM buildings WHERE fid = ?", arguments: [id])
        }
        // The grids that held them count what is left.
        try recount(grids: grids)
        return ids.count
    }

    /// Makes the household and building counts of grids those of their buildings.
    public func recount(grids: Set<Int64>) throws {
        for grid in grids.sorted() {
            changed(.grids, try reader.extent(of: "grids", where: "f.fid = ?", [grid]))
            try db.execute(sql: """
                UPDATE grids SET households = (SELECT coalesce(sum(b.households), 0) FROM grid_buildings gb JOIN buildings b ON b.fid = gb.building WHERE gb.grid = grids.fid),
                                 buildings = (SELECT count(*) FROM grid_buildings gb WHERE gb.grid = grids.fid)
                WHERE fid = ?
                """, arguments: [grid])
        }
    }

    /// Sets the community of buildings; returns how many changed.
    @discardableResult
    public func setCommunities(_ links: [(building: Int64, community: String?)]) throws -> Int {
        if db.isPostgres {
            var changed = 0, start = 0
            while start < links.count {
                let chunk = links[start..<min(links.count, start + 5000)]
                try db.execute(sql: """
                    UPDATE buildings AS b SET community = v.community FROM (VALUES \(chunk.map { _ in "(CAST(? AS bigint), CAST(? AS text))" }.joined(separator: ", "))) AS v(fid, community)
                    WHERE b.fid = v.fid AND b.community IS DISTINCT FROM v.community
                    """, arguments: SQLArguments(chunk.flatMap { [$0.building, $0.community] as [(any SQLArgument)?] }))
                changed += db.changesCount
                start += chunk.count
            }
            return changed
        }
        let statement = try db.makeStatement(sql: """
            UPDATE buildings SET community = ? WHERE fid = ? AND community IS DISTINCT FROM ?
            """)
        var changed = 0
        for link in links {
            try statement.execute(arguments: [link.community, link.building, link.community])
            changed += db.changesCount
        }
        return changed
    }

    // MARK: Households

    @discardableResult
    public func insert(_ h: Household) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO households (building, unit, size, head_name, phone) VALUES (?, ?, ?, ?, ?)
            """, arguments: [h.building, h.unit, h.size, h.headName, h.phone])
        return try db.lastInsertedRowID()
    }

    /// Makes the household count of each building that has household records equal to the
    /// number of its records.
    public func countHouseholdsFromRecords() throws {
        changed(.buildings, try reader.extent(of: "buildings", where: "f.fid IN (SELECT DISTINCT building FROM households)", []))
        try db.execute(sql: """
            UPDATE buildings SET households = (SELECT count(*) FROM households h WHERE h.building = buildings.fid),
                                 households_source = 'records'
            WHERE fid IN (SELECT DISTINCT building FROM households)
            """)
    }

    // MARK: Roads

    @discardableResult
    public func insert(_ r: Road) throws -> Int64 {
        changed(.roads, r.geometry.boundingBox)
        try db.execute(sql: "INSERT INTO roads (geom, name, kind) VALUES (?, ?, ?)",
                       arguments: [SQLGeometry(r.geometry), r.name, r.kind])
        return try db.lastInsertedRowID()
    }

    // MARK: GeoPackage bookkeeping

    /// Updates a feature table's extent and last-change time in gpkg_contents.
    public func touchContents(_ table: String) throws {
        guard Schema.featureTables.contains(where: { $0.table == table }) else {
            throw StoreError("\(table) is not a feature table")
        }
        if let file = db.sqlite { try Schema.updateExtent(file, table: table) }
    }
}
