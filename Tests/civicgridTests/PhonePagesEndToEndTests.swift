import CivicGridModel
import Foundation
import GridSchema
import GridStore
import Testing

/// The phone pages as their people use them (issue 37), in headless Chromium as a phone
/// (Scripts/check_phone_pages.py): grid staff signed in by a link — their grid, their page's
/// positions in it, a report with a photo in the centre's list, a verification with a photo
/// from their queue, a report and three positions made offline stored once each when the
/// network returns; a resident's report followed to closing, rated 不满意 and reopened.
struct PhonePagesEndToEndTests {
    @Test func gridStaffAndResidentsWorkFromTheirPhones() async throws {
        try await requireBrowser()
        try await requirePython("PIL", "requests")
        let db = temporaryPath("gpkg")
        try FileManager.default.copyItem(atPath: try await publishedDemo(), toPath: db)
        _ = try await ok(["demo", "cases", "--db", db, "--count", "100", "--days", "20"])
        let admin = lastWord(try await ok(["users", "add", "--db", db, "--name", "值班长", "--role", "admin"]))
        let (point, grid) = try GridStore(path: db).read { r in
            let point = try #require(try r.buildings(community: "320599002003").first).label
            return (point, try #require(try r.place(of: point).grid))
        }
        _ = try await ok(["users", "add", "--db", db, "--name", "王芳", "--role", "member", "--region", "320599002003", "--grid", grid, "--phone", "13812345678"])
        // The CLI's link and QR code (the page test uses the admin's API, which makes the same).
        let link = try await ok(["users", "login-link", "--db", db, "--name", "王芳", "--base", "http://127.0.0.1:8080"])
        #expect(link.contains("http://127.0.0.1:8080/m/#login=") && link.contains("█"), "\(link)")
        let (server, base) = try await serve(db)
        defer { server.stop() }
        let shots = temporaryPath("phone-shots")
        try FileManager.default.createDirectory(atPath: shots, withIntermediateDirectories: true)
        let page = try await checkPage([base, admin, "王芳", "\(point.x)", "\(point.y)", shots], script: "check_phone_pages.py")
        #expect(page.status == 0, "\(page.output)")
        // A tap the check had to repeat is said in the run's log (its cause is not yet known).
        for line in page.output.split(separator: "\n") where line.contains("tap left no trace") { print("PhonePagesEndToEndTests: \(line)") }
        #expect(page.output.contains("\"english\": {}") && page.output.contains("\"after_offline\": {\"reports\": 1, \"fixes_added\": 3}"), "\(page.output)")
    }
}
