import Foundation
import Testing

/// Scripts/check-contract with a bounded example count: schemathesis, from the server's own
/// /openapi.json with an admin's token, every phase (examples, coverage, fuzzing, stateful),
/// must find no failure and no 5xx (Scripts/check-contract 100 for a longer run).
struct ContractEndToEndTests {
    @Test func schemathesisFindsNoFailure() async throws {
        let (status, text) = try await run("/bin/bash", [repository.appendingPathComponent("Scripts/check-contract").path, "5", try await publishedDemo()],
                                     environment: ["CIVICGRID": binary, "SEED": "7"], directory: repository)
        #expect(status == 0, "\(text.suffix(6000))")
        #expect(text.contains("Tested: "), "\(text.suffix(2000))")
        #expect(!text.contains("Server error"), "\(text.suffix(4000))")
    }
}
