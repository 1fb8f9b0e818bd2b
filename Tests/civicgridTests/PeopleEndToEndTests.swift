import CivicGridModel
import Foundation
import GridAssessment
import GridPeople
import GridSchema
import GridStore
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Household members over a real server: masked by default, whole only for an admin or the
/// grid's staff with a reason, every whole read in the access log (`civicgrid audit access`).
struct PeopleEndToEndTests {
    func get(_ url: String, token: String?) async throws -> (Int, String) {
        var r = URLRequest(url: URL(string: url)!)
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: r)
        return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
    }

    @Test func membersAreMaskedUnlessAllowedAndEveryWholeReadIsRecorded() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        // A household in a published grid, and that grid.
        let (household, building, unit, grid, otherGrid, community) = try GridStore(path: db).read { (r: StoreReader) throws -> (Int64, String, String, String, String, String) in
            let withRecords = Set(try r.householdUnits().map(\.building))
            let candidates = try r.buildings().filter { withRecords.contains($0.id ?? 0) && $0.ref != nil }
            let b = try #require(try candidates.first { try r.publishedGrid(building: $0.id ?? 0) != nil })
            let row = try #require(try r.householdsWithPersonalData(building: b.id ?? 0).first)
            let g = try #require(try r.publishedGrid(building: row.building))
            let other = try #require(try r.gridFigures().first { $0.code != g }?.code)
            return (row.id ?? 0, b.ref ?? "", row.unit, g, other, b.community ?? "")
        }
        let id = try #require(IDNumber.completing("32050519580312123")).value
        let csv = temporaryPath("csv")
        try Data("building,unit,name,relation,sex,birth_year,id_number,phone,tags\n\(building),\(unit),欧阳明远,head,male,1958,\(id),13912345678,elderly_alone\n".utf8)
            .write(to: URL(fileURLWithPath: csv))
        #expect(try await ok(["people", "import", csv, "--db", db]).contains("imported 1 people"))
        let admin = lastWord(try await ok(["users", "add", "--db", db, "--name", "boss", "--role", "admin"]))
        let viewer = lastWord(try await ok(["users", "add", "--db", db, "--name", "watcher", "--role", "viewer", "--region", "320599"]))
        let staff = lastWord(try await ok(["users", "add", "--db", db, "--name", "grid staff", "--role", "member", "--region", community, "--grid", grid]))
        let far = lastWord(try await ok(["users", "add", "--db", db, "--name", "far staff", "--role", "member", "--region", "320599", "--grid", otherGrid]))
        let (server, base) = try await serve(db)
        defer { server.stop() }
        let url = "\(base)/api/v1/households/\(household)/members"

        let (s1, masked) = try await get(url, token: viewer)
        #expect(s1 == 200 && masked.contains("欧**") && masked.contains("139****5678") && !masked.contains("13912345678") && !masked.contains(id), "\(masked)")
        #expect(try await get(url + "?unmask=true", token: viewer).0 == 403)
        #expect(try await get(url, token: nil).0 == 401)
        #expect(try await get(url, token: far).0 == 403, "another grid's staff")
        #expect(try await get(url + "?unmask=true", token: staff).0 == 400, "grid staff need a reason")
        let (s2, whole) = try await get(url + "?unmask=true&reason=home%20visit", token: staff)
        #expect(s2 == 200 && whole.contains("欧阳明远") && whole.contains(id) && whole.contains("13912345678"), "\(whole)")
        let (s3, _) = try await get(url + "?unmask=true", token: admin)
        #expect(s3 == 200)
        let log = try await ok(["audit", "access", "--db", db, "--since", "2000-01-01"]).split(separator: "\n")
        #expect(log.count == 2 && log[0].contains("grid staff\tmember\thousehold members\t\(household)\thome visit") && log[1].contains("boss\tadmin"), "\(log)")
        // The database alone does not hold the ID number.
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)).range(of: Data(id.utf8)) == nil)
    }

    /// People from GeoJSON features and from a GeoPackage attribute table that GDAL wrote from a
    /// CSV: the same checks, every refused feature named, nothing written then.
    @Test func importedFromGeoJSONAndAGeoPackageTable() async throws {
        try requireProgram("/usr/bin/ogr2ogr", package: "gdal-bin")
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        let (building, unit) = try GridStore(path: db).read { (r: StoreReader) throws -> (String, String) in
            let h = try #require(try r.householdRecords().first)
            return (h.building, h.unit)
        }
        let (a, b) = (try #require(IDNumber.completing("32050519700101123")).value, try #require(IDNumber.completing("32050519720202224")).value)
        let geojson = temporaryPath("geojson")
        let features = [["building": building, "unit": unit, "name": "钱一", "relation": "head", "id_number": a],
                        ["building": building, "unit": unit, "name": "钱二", "relation": "cousin", "id_number": a]]
        try JSONSerialization.data(withJSONObject: ["type": "FeatureCollection", "features": features.map { ["type": "Feature", "geometry": NSNull(), "properties": $0] }])
            .write(to: URL(fileURLWithPath: geojson))
        let refused = try await civicgrid(["people", "import", geojson, "--db", db])
        #expect(refused.status != 0 && refused.stderr.contains("feature 1: relation cousin") && refused.stderr.contains("the same as feature 0"), "\(refused.stderr)")
        #expect(try GridStore(path: db).read { try $0.peopleCount() } == 0)
        // GDAL writes a CSV's rows as an attribute table.
        let csv = temporaryPath("csv")
        try Data("building,unit,name,relation,birth_year,id_number\n\(building),\(unit),钱一,head,1970,\(a)\n\(building),\(unit),钱二,spouse,1972,\(b)\n".utf8)
            .write(to: URL(fileURLWithPath: csv))
        let table = temporaryPath("gpkg")
        let gdal = try await run("/usr/bin/ogr2ogr", ["-f", "GPKG", table, csv, "-nln", "people", "-oo", "AUTODETECT_TYPE=YES"])
        #expect(gdal.status == 0, "\(gdal.output)")
        #expect(try await ok(["people", "import", table, "--db", db]).contains("imported 2 people"))
        #expect(try GridStore(path: db).read { try $0.peopleCount() } == 2)
    }

    /// The 3D view in headless Chromium (Scripts/check_people_page.py): the demo's tallest building
    /// with household records (a tower) extruded, clicked, its floors and units opened, a unit's members masked
    /// for a viewer and whole (recorded) for an admin.
    @Test func the3DViewOpensABuildingsHouseholds() async throws {
        try await requireBrowser()
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        #expect(try await ok(["demo", "people", "--db", db]).contains("people in"))
        for step in [["demo", "organisations"], ["departments", "import", repository.appendingPathComponent("Data/cases/departments.csv").path], ["categories", "import", repository.appendingPathComponent("Data/cases/categories.csv").path], ["demo", "facilities"]] {
            _ = try await ok(step + ["--db", db])
        }
        let viewer = lastWord(try await ok(["users", "add", "--db", db, "--name", "watcher", "--role", "viewer", "--region", "320599"]))
        let admin = lastWord(try await ok(["users", "add", "--db", db, "--name", "boss", "--role", "admin"]))
        // The tallest building with members recorded.
        let building = try GridStore(path: db).read { (r: StoreReader) throws -> Building in
            let refs = Set(try r.householdRecords().map(\.building))
            return try #require(try r.buildings().filter { refs.contains($0.ref ?? "") }.max { ($0.floors ?? 0, -($0.id ?? 0)) < ($1.floors ?? 0, -($1.id ?? 0)) })
        }
        #expect((building.floors ?? 0) >= 18, "a tower: \(building)")
        let (server, base) = try await serve(db)
        defer { server.stop() }
        let page = try await checkPage([base, viewer, admin, "\(building.id ?? 0)", "\(building.label.x)", "\(building.label.y)", building.address ?? "", temporaryPath("png")],
                                 script: "check_people_page.py")
        #expect(page.status == 0 && page.output.contains("\"whole\""), "\(page.output)")
        let log = try await ok(["audit", "access", "--db", db, "--since", "2000-01-01"])
        #expect(log.split(separator: "\n").count == 1 && log.contains("boss\tadmin\thousehold members"), "\(log)")
    }
}

/// Organisations over a real server: name and kind in the public layer, the contact masked in
/// the record unless an admin asks (recorded).
struct OrganisationsEndToEndTests {
    @Test func theLayerIsPublicTheContactMaskedAndItsReadRecorded() async throws {
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        #expect(try await ok(["demo", "organisations", "--db", db]).hasSuffix("organisations\n"))
        let o = try #require(try GridStore(path: db).read { try $0.organisation(code: "O000001") })
        let (name, phone) = (try #require(o.contactName), try #require(o.contactPhone))
        let admin = lastWord(try await ok(["users", "add", "--db", db, "--name", "boss", "--role", "admin"]))
        let viewer = lastWord(try await ok(["users", "add", "--db", db, "--name", "watcher", "--role", "viewer", "--region", "320599"]))
        let planner = lastWord(try await ok(["users", "add", "--db", db, "--name", "drawer", "--role", "planner", "--region", "320599"]))
        let (server, base) = try await serve(db)
        defer { server.stop() }
        let get = PeopleEndToEndTests().get

        // The layer: name and kind, nothing else.
        #expect(try await get("\(base)/collections/organisations/items", nil).0 == 401, "not public unless the operator says so")
        let (s0, items) = try await get("\(base)/collections/organisations/items?limit=1000", viewer)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(items.utf8)) as? [String: Any])
        let features = try #require(doc["features"] as? [[String: Any]])
        #expect(s0 == 200 && features.count == 1000)
        #expect(features.allSatisfy { Set(($0["properties"] as? [String: Any] ?? [:]).keys) == ["name", "kind"] }, "\(features.first ?? [:])")
        #expect(!items.contains(phone) && !items.contains(o.licence?.value ?? "-"))

        let url = "\(base)/api/v1/organisations/O000001"
        let (s1, masked) = try await get(url, viewer)
        #expect(s1 == 200 && masked.contains(Masking.phone(phone)) && !masked.contains(phone) && !masked.contains(name) && masked.contains(o.name), "\(masked)")
        #expect(try await get(url + "?unmask=true", viewer).0 == 403)
        #expect(try await get(url, planner).0 == 403)
        #expect(try await get(url, nil).0 == 401)
        #expect(try await get("\(base)/api/v1/organisations/NONE", admin).0 == 404)
        #expect(try await ok(["audit", "access", "--db", db, "--since", "2000-01-01"]).isEmpty, "masked reads are not recorded")
        let (s2, whole) = try await get(url + "?unmask=true", admin)
        #expect(s2 == 200 && whole.contains(phone) && whole.contains(name), "\(whole)")
        let log = try await ok(["audit", "access", "--db", db, "--since", "2000-01-01"])
        #expect(log.contains("boss\tadmin\torganisation contact\tO000001"), "\(log)")
        // A building's panel lists the organisations in it.
        let (s3, panel) = try await get("\(base)/api/v1/buildings/\(o.building ?? 0)/households", viewer)
        #expect(s3 == 200 && panel.contains("\"O000001\"") && panel.contains(o.name) && !panel.contains(phone), "\(panel)")
    }
}

/// Scripts/check-personal: every public answer, asked as every role, and the server's log,
/// grepped for every name, phone and ID number of the demo's people, households, organisations
/// and case reporters.
struct PersonalDataMatrixTests {
    @Test func noRoleSeesWhatItMayNot() async throws {
        let (status, text) = try await run("/bin/bash", [repository.appendingPathComponent("Scripts/check-personal").path, try await publishedDemo()],
                                     environment: ["CIVICGRID": binary], directory: repository)
        let report = text.split(separator: "\n").last { $0.hasPrefix("{") }.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(status == 0 && report?["leaks"] as? Int == 0 && report?["failures"] as? Int == 0, "\(text.suffix(4000))")
        #expect((report?["personal_values"] as? Int ?? 0) > 5000, "\(text.suffix(2000))")
    }
}
