import CivicGridModel
import Foundation
import GridSchema
import GridTestSupport
import Testing
import GridGeometry
@testable import GridStore

func temporaryDatabase() -> String { TestDatabase.make("civicgrid") }

struct GridStoreTests {
    @Test(.enabled(if: !TestDatabase.isPostgres, "a GeoPackage file"))
    func newFileIsAGeoPackage() throws {
        let path = temporaryDatabase()
        let store = try GridStore(path: path)
        try store.read { (r: StoreReader) throws in
            #expect(try r.integrityCheck() == "ok")
            #expect(try Int.fetch(r, "PRAGMA application_id") == 0x4750_4B47)
            #expect(try Int.fetch(r, "PRAGMA user_version") == 10300)
            #expect(try Int.fetch(r, "SELECT count(*) FROM gpkg_spatial_ref_sys WHERE srs_id IN (4326, 0, -1)") == 3)
            #expect(try Int.fetch(r, "SELECT count(*) FROM gpkg_geometry_columns WHERE srs_id = 4326") == 8)  // seven tables, the published plans' view
            #expect(try Int.fetch(r, "SELECT count(*) FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index'") == 7)
            #expect(try String.fetchOne(r.db, sql: "PRAGMA journal_mode") == "wal")
        }
        // Re-opening migrates nothing and keeps the data.
        _ = try store.write { w in try w.save(squareRegion("1", level: .district, parent: nil, x: 120, y: 31, size: 1)) }
        let again = try GridStore(path: path)
        #expect(try again.read { try $0.regions() }.count == 1)
    }

    @Test(.enabled(if: !TestDatabase.isPostgres, "a GeoPackage file"))
    func rtreeFollowsInsertsUpdatesAndDeletes() throws {
        let store = try GridStore(path: temporaryDatabase())
        _ = try store.write { (w: StoreWriter) throws in
            try w.save(squareRegion("1", level: .district, parent: nil, x: 120, y: 31, size: 1))
            try w.save(squareRegion("1", level: .district, parent: nil, x: 121, y: 30, size: 2))  // replaces
            try w.touchContents("regions")
        }
        try store.read { (r: StoreReader) throws in
            let box = try SQLRow.fetchOne(r.db, sql: "SELECT minx, maxx, miny, maxy FROM rtree_regions_geom")!
            #expect(try [box[0], box[1], box[2], box[3]] as [Double] == [121, 123, 30, 32])
            #expect(try Double.fetchOne(r.db, sql: "SELECT max_x FROM gpkg_contents WHERE table_name = 'regions'") == 123)
        }
        _ = try store.write { w in try w.db.execute(sql: "DELETE FROM regions") }
        #expect(try store.read { try Int.fetch($0, "SELECT count(*) FROM rtree_regions_geom") } == 0)
    }

    /// A value a column's reader cannot take is an error naming the column and the storage
    /// class (never the value, which may be personal), not a trap.
    @Test(.enabled(if: !TestDatabase.isPostgres, "a GeoPackage file keeps any value in any column"))
    func anUnreadableValueIsAnError() throws {
        let store = try GridStore(path: TestDatabase.make())
        _ = try store.write { w in try w.addAccount(name: "王芳", role: .admin, region: nil) }
        _ = try store.write { w in try w.db.execute(sql: "UPDATE members SET name = x'ff'") }
        #expect(throws: StoreError("column name: cannot read BLOB as String")) { try store.read { r in try r.accounts() } }
        _ = try store.write { w in try w.db.execute(sql: "UPDATE members SET name = '王芳'") }
        #expect(try store.read { r in try r.accounts() }.map(\.name) == ["王芳"])
    }

    @Test func parentLinksAreEnforced() throws {
        let store = try GridStore(path: temporaryDatabase())
        #expect(throws: StoreError.self) {
            _ = try store.write { w in try w.save(squareRegion("2", level: .street, parent: "missing", x: 0, y: 0, size: 1)) }
        }
        #expect(try store.read { try $0.regions() }.isEmpty)
    }

    @Test func buildingsAndHouseholdsKeepPersonalDataApart() throws {
        let store = try GridStore(path: temporaryDatabase())
        _ = try store.write { (w: StoreWriter) throws in
            let id = try w.insert(Building(ref: "B1", address: nil, floors: 2, households: 5, householdSource: .declared,
                                           areaM2: 100, community: nil, label: Coordinate(0.5, 0.5),
                                           geometry: squareRegion("x", level: .community, parent: nil, x: 0, y: 0, size: 1).geometry))
            try w.insert(Household(building: id, unit: "1", size: 3, headName: "王伟", phone: "13800000000"))
            try w.insert(Household(building: id, unit: "2", size: nil, headName: nil, phone: nil))
            try w.countHouseholdsFromRecords()
        }
        let b = try #require(try store.read { try $0.buildings() }.first)
        #expect(b.households == 2)
        #expect(b.householdSource == .records)
        let hh = try store.read { try $0.householdsWithPersonalData(building: b.id!) }
        #expect(hh.map(\.phone) == ["13800000000", nil])
    }
}

import GRDB

extension Int {
    static func fetch(_ r: StoreReader, _ sql: String) throws -> Int? { try Int.fetchOne(r.db, sql: sql) }
}

/// Case times are stored as UTC text to the millisecond, written and read without Foundation's
/// formatters; they agree with them.
struct StoreTimeTests {
    @Test func agreesWithISO8601() {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let ms = Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &g)
            let date = Date(timeIntervalSince1970: Double(ms) / 1000)
            let seconds = Date(timeIntervalSince1970: Double(ms >= 0 ? ms / 1000 : (ms - 999) / 1000))
            let text = StoreTime.text(date)
            #expect(text == String(seconds.formatted(Date.ISO8601FormatStyle()).dropLast()) + String(format: ".%03dZ", ((ms % 1000) + 1000) % 1000), "\(ms)")
            #expect(StoreTime.date(text) == date, "\(text)")
        }
        #expect(StoreTime.date("2026-11-30T09:00:00+08:00") == StoreTime.date("2026-11-30T01:00:00.000Z"))
        #expect(StoreTime.date("2026-11-30T01:00:00Z") == StoreTime.date("2026-11-30T01:00:00.000Z"))
        #expect(StoreTime.date("2026-02-30T01:00:00.000Z") == nil)
        #expect(StoreTime.date("yesterday") == nil)
    }
}

struct PostgresURLTests {
    @Test func readsHostsUserPasswordAndDatabase() throws {
        let one = try PostgresURL("postgres://civic:s%40cret@db.example:6432/city")
        #expect(one.hosts == [.init(name: "db.example", port: 6432)] && one.user == "civic" && one.password == "s@cret" && one.database == "city")
        #expect(one.description == "postgres://civic@db.example:6432/city")  // no password in messages
        let pair = try PostgresURL("postgresql://civic@10.0.0.1,10.0.0.2:5433,[::1]/city?target_session_attrs=read-write")
        #expect(pair.hosts == [.init(name: "10.0.0.1", port: 5432), .init(name: "10.0.0.2", port: 5433), .init(name: "::1", port: 5432)])
        #expect(pair.database == "city" && pair.user == "civic" && pair.password == nil)
    }

    @Test func refusesWhatIsNotOne() {
        for bad in ["postgres://h", "postgres://h/", "postgres://h:99999/x", "postgres://h:port/x", "postgres://a,,b/x", "/tmp/x.gpkg"] {
            #expect(throws: StoreError.self, "\(bad)") { try PostgresURL(bad) }
        }
        #expect(PostgresURL.redacted("postgres://u:hunter2@h/x") == "postgres://u:***@h/x")
    }
}
