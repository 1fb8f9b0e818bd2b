import Foundation
import Testing

/// Scripts/soak for two minutes (the script's default is thirty): a mixed load of GPS single
/// and batched, tiles, features, plan edits, case intake and steps, a backup in the middle;
/// no 5xx, no acknowledged write lost (nor missing from the backup), the server's own memory at
/// the end within 25% of its level after warm-up (10% in the script's long runs).
struct SoakTests {
    @Test func twoMinutesOfMixedLoad() async throws {
        let (status, text) = try await run("/bin/bash", [repository.appendingPathComponent("Scripts/soak").path, "2", try await publishedDemo()],
                                     environment: ["CIVICGRID": binary], directory: repository)
        let report = text.split(separator: "\n").last { $0.hasPrefix("{") }.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(status == 0 && (report?["failures"] as? [Any])?.isEmpty == true, "\(text.suffix(4000))")
        #expect(report?["five_xx"] as? Int == 0 && report?["fixes_lost"] as? Int == 0 && report?["cases_lost"] as? Int == 0, "\(text.suffix(2000))")
        #expect((report?["fixes_acknowledged"] as? Int ?? 0) > 1000 && (report?["backup"] as? [String: Any])?["missing"] as? Int == 0, "\(text.suffix(2000))")
    }
}
