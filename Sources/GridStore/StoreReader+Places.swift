import CivicGridModel
import Foundation
import GridGeometry
import Synchronization

/// Where a point or a text is: the published grid and regions holding a point, a region's
/// parents, a place named in a message, a phone's home.
extension StoreReader {
    /// A published grid's label point (a point inside it), by its code.
    public func gridLabel(code: String) throws -> Coordinate? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: """
            SELECT g.geom FROM grids g JOIN plans p ON p.id = g.plan AND p.status = 'published' WHERE g.code = ?
            """), arguments: [code]).flatMap { try Self.polygon($0["geom"]).pointInside }
    }

    public func place(of p: Coordinate) throws -> CasePlace {
        if db.isPostgres { return try postgresPlace(of: p) }
        var place = CasePlace()
        let r = db.spatial("regions", "r"), g = db.spatial("grids", "g")
        let regions = try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT r.code, r.level, r.geom FROM \(r.from()) WHERE \(r.meets)
            """), arguments: [p.x, p.x, p.y, p.y])
        for row in regions where try Self.polygon(row["geom"]).contains(p) {
            try Self.note(row, in: &place)
        }
        let grids = try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT g.code, g.geom FROM \(g.from()) JOIN plans p ON p.id = g.plan
            WHERE p.status = 'published' AND \(g.meets)
            """), arguments: [p.x, p.x, p.y, p.y])
        for row in grids where try Self.polygon(row["geom"]).contains(p) {
            place.grid = try row["code"]
            break
        }
        return place
    }

    /// `place(of:)` asked of PostGIS: the GiST index and the exact test in the database, so no
    /// polygon crosses the wire (a district's is hundreds of kilobytes, and every filing asks).
    /// A point on a shared boundary falls either way, as in the file's even-odd test.
    private func postgresPlace(of p: Coordinate) throws -> CasePlace {
        var place = CasePlace()
        for row in try SQLRow.fetchAll(try db.cachedStatement(sql: """
            SELECT code, level FROM regions WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(?1, ?2), 4326)) ORDER BY code
            """), arguments: [p.x, p.y]) {
            try Self.note(row, in: &place)
        }
        place.grid = try String.fetchOne(try db.cachedStatement(sql: """
            SELECT g.code FROM grids g JOIN plans p ON p.id = g.plan
            WHERE p.status = 'published' AND ST_Intersects(g.geom, ST_SetSRID(ST_MakePoint(?1, ?2), 4326)) ORDER BY g.code LIMIT 1
            """), arguments: [p.x, p.y])
        return place
    }

    /// A region holding the point, by its level (`code`, `level`): the place's community,
    /// street or district.
    private static func note(_ row: SQLRow, in place: inout CasePlace) throws {
        switch RegionLevel(rawValue: try row["level"]) {
        case .community: place.community = try row["code"]
        case .street: place.street = try row["code"]
        case .district: place.district = try row["code"]
        default: break
        }
    }

    /// A region's or grid's geometry, decoded once per blob: every filing asks which of a few
    /// hundred polygons hold its point. At most 4,096 are kept.
    static func polygon(_ blob: Data) throws -> Geometry {
        if let hit = polygons.withLock({ $0[blob] }) { return hit }
        let g = try StoredGeometry.decode(blob)
        polygons.withLock {
            if $0.count >= 4096 { $0.removeAll() }
            $0[blob] = g
        }
        return g
    }

    private static let polygons = Mutex<[Data: Geometry]>([:])

    /// A region and every region above it, nearest first (empty for an unknown code).
    public func regionChain(_ code: String) throws -> [String] {
        try String.fetchAll(try db.cachedStatement(sql: """
            WITH RECURSIVE up(code, parent, depth) AS (
              SELECT code, parent, 0 FROM regions WHERE code = ?
              UNION ALL SELECT r.code, r.parent, up.depth + 1 FROM regions r JOIN up ON r.code = up.parent WHERE up.depth < 16)
            SELECT code FROM up ORDER BY depth
            """), arguments: [code])
    }

    /// The place a text names: a building by its address, else the most specific region by
    /// its name (the longest name found in the text wins at equal level). A point inside it.
    public func placeNamed(in text: String) throws -> Coordinate? {
        // Buildings' addresses are long and specific: look for those the text contains.
        for row in try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT address, label_x, label_y FROM buildings WHERE address IS NOT NULL AND length(address) >= 4 AND \(db.instr("?", "address")) > 0 ORDER BY length(address) DESC LIMIT 1"), arguments: [text]) {
            return try Coordinate(row[1], row[2])
        }
        let rank = ["community": 0, "street": 1, "district": 2, "city": 3]
        let found = try SQLRow.fetchAll(try db.cachedStatement(sql: "SELECT code, name, level FROM regions WHERE length(name) >= 2 AND \(db.instr("?", "name")) > 0"), arguments: [text])
            .map { (code: try $0["code"] as String, name: try $0["name"] as String, level: rank[try $0["level"] as String] ?? 9) }
            .sorted { ($0.level, -$0.name.count, $0.code) < ($1.level, -$1.name.count, $1.code) }
        guard let best = found.first, let region = try region(code: best.code) else { return nil }
        return region.geometry.pointInside
    }

    /// Where a phone number's household lives (the label point of its building), if the
    /// number is in the household records. Personal data: used for SMS intake only.
    public func homeOf(phone: String) throws -> Coordinate? {
        try SQLRow.fetchOne(try db.cachedStatement(sql: """
            SELECT b.label_x, b.label_y FROM households h JOIN buildings b ON b.fid = h.building WHERE h.phone = ? LIMIT 1
            """), arguments: [phone]).map { Coordinate(try $0[0], try $0[1]) }
    }

    /// The buildings of published grids: grid code, community, label point and footprint,
    /// optionally only in `communities`.
    public func publishedBuildings(communities: Set<String>? = nil) throws -> [(grid: String, community: String, label: Coordinate, geometry: Geometry)] {
        try SQLRow.fetchAll(db, sql: """
            SELECT g.code, p.community, b.label_x, b.label_y, b.geom FROM grid_buildings gb
            JOIN plans p ON p.id = gb.plan AND p.status = 'published'
            JOIN grids g ON g.fid = gb.grid JOIN buildings b ON b.fid = gb.building
            ORDER BY g.code, b.fid
            """).compactMap { row in
            let community: String = try row["community"]
            if let communities, !communities.contains(community) { return nil }
            return (try row["code"], community, Coordinate(try row["label_x"], try row["label_y"]), try Self.geometry(row["geom"]))
        }
    }

    /// The community of every published grid, by grid code (no geometry read).
    public func publishedGridCommunities() throws -> [String: String] {
        var out: [String: String] = [:]
        for row in try SQLRow.fetchAll(db, sql: "SELECT g.code, p.community FROM grids g JOIN plans p ON p.id = g.plan WHERE p.status = 'published'") {
            out[try row[0]] = try row[1]
        }
        return out
    }

    /// Whether a grid of that code is in a published plan.
    public func isPublishedGrid(code: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM grids g JOIN plans p ON p.id = g.plan WHERE g.code = ? AND p.status = 'published'",
                          arguments: [code]) ?? false
    }

    /// Codes of the communities in the subtree of a region (itself, if a community); nil if
    /// there is no region of that code.
    public func communityCodes(under code: String) throws -> Set<String>? {
        guard try region(code: code) != nil else { return nil }
        return Set(try regions(under: code, level: .community).map(\.code))
    }
}
