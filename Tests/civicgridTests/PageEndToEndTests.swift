import CivicGridModel
import Foundation
import GridSchema
import GridStore
import Testing

/// The command-centre page as a Chinese operator uses it (issue 36), in headless Chromium with
/// --lang=zh-CN at 1600×1000 (Scripts/check_page_language.py): no English word of the page's
/// own text in the map, the case list and panel, dispatch, the dashboard, the planner or a
/// building's popup in 3D; community names painted on the map; every case of the list reached
/// page by page; ten filed cases dispatched at once, each on its route; a handled case's check
/// assigned to the staff of its grid (then in their queue), whose position names them with
/// their phone; an admin's
/// sign-in link for that member's phone.
struct PageEndToEndTests {
    @Test func thePageSpeaksChineseAndNamesPlacesOnTheMap() async throws {
        try await requireBrowser()
        try await requirePython("PIL", "axe_selenium_python", "requests")
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        _ = try await ok(["demo", "cases", "--db", db, "--count", "1200", "--days", "60"])
        let admin = lastWord(try await ok(["users", "add", "--db", db, "--name", "值班长", "--role", "admin"]))
        let (point, grid) = try GridStore(path: db).read { r in
            let point = try #require(try r.buildings(community: "320599002003").first).label
            return (point, try #require(try r.place(of: point).grid))
        }
        // A grid staff member of the point's grid with a work phone, carrying a phone app.
        let staff = lastWord(try await ok(["users", "add", "--db", db, "--name", "王芳", "--role", "member", "--region", "320599", "--grid", grid, "--phone", "13812345678"]))
        let device = lastWord(try await ok(["devices", "add", "--db", db, "--id", "wang-phone", "--member", "王芳"]).split(separator: "\n").first { $0.hasPrefix("token") }.map(String.init) ?? "")
        let (server, base) = try await serve(db)
        defer { server.stop() }
        let shots = temporaryPath("shots")
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let page = try await checkPage([base, admin, "\(point.x)", "\(point.y)", shots, "王芳", staff, "wang-phone", device, "13812345678"], script: "check_page_language.py")
        #expect(page.status == 0, "\(page.output)")
        #expect(page.output.contains("\"english\": {}"), "\(page.output)")
        #expect(page.output.contains("\"label_pixels\"") && page.output.contains("\"done\": 10"), "\(page.output)")
        #expect(page.output.contains("\"assignee_offered\": \"王芳 · 本网格") && page.output.contains("\"staff_popup\"") && page.output.contains("\"sign_in_link\": 200"), "\(page.output)")
    }
}
