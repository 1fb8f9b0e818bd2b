import Foundation
import Testing

/// Scripts/check-failover for 20 s: three servers behind nginx over a PostgreSQL primary with a
/// synchronous streaming standby, under GPS and case load; one server killed with -9, the
/// primary stopped and the standby promoted. Every acknowledged fix and case is on the
/// promoted standby, no report is filed twice, and the servers took writes again after the
/// promotion (the script checks each and says which failed).
struct FailoverEndToEndTests {
    @Test func nothingAcknowledgedIsLostWhenAServerAndThePrimaryFail() async throws {
        try requireProgram("/usr/sbin/nginx", package: "nginx")
        let (status, text) = try await run("/bin/bash", [repository.appendingPathComponent("Scripts/check-failover").path, "20"],
                                     environment: ["CIVICGRID": binary], directory: repository)
        #expect(status == 0, "\(text.suffix(4000))")
        #expect(text.contains("missing 0, doubled 0"), "\(text.suffix(2000))")
        #expect(text.contains("standby promoted"), "\(text.suffix(2000))")
    }
}
