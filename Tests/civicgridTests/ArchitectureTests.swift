import Foundation
import Testing

/// docs/ARCHITECTURE.md's target graph is Package.swift's, and no source imports a module its
/// target does not declare (Scripts/architecture.py reads `swift package dump-package`).
struct ArchitectureTests {
    @Test func theDocumentedGraphIsThePackages() async throws {
        let check = try await run("/usr/bin/env", ["python3", repository.appendingPathComponent("Scripts/architecture.py").path])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("every import declared"), "\(check.output)")
    }
}
