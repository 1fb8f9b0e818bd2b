import CivicGridModel
import Foundation
import GridStore
import Testing

/// The command-centre page as a Chinese operator uses it (issue 36), in headless Chromium with
/// --lang=zh-CN at 1600×1000 (Scripts/check_page_language.py): no English word of the page's
/// own text in the map, the case list and panel, dispatch, the dashboard, the planner or a
/// building's popup in 3D; community names painted on the map; every case of the list reached
/// page by page; ten filed cases dispatched at once, each on its route.
struct PageEndToEndTests {
    @Test func thePageSpeaksChineseAndNamesPlacesOnTheMap() async throws {
        try await requireBrowser()
        try await requirePython("PIL", "axe_selenium_python", "requests")
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        _ = try await ok(["demo", "cases", "--db", db, "--count", "1200", "--days", "60"])
        let admin = lastWord(try await ok(["users", "add", "--db", db, "--name", "值班长", "--role", "admin"]))
        let point = try GridStore(path: db).read { r in try #require(try r.buildings(community: "320599002003").first).label }
        let (server, base) = try await serve(db)
        defer { server.stop() }
        let shots = temporaryPath("shots")
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let page = try await checkPage([base, admin, "\(point.x)", "\(point.y)", shots], script: "check_page_language.py")
        #expect(page.status == 0, "\(page.output)")
        #expect(page.output.contains("\"english\": {}"), "\(page.output)")
        #expect(page.output.contains("\"label_pixels\"") && page.output.contains("\"done\": 10"), "\(page.output)")
    }
}
