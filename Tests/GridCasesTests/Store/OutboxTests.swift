import Foundation
import GridCases
import GridSchema
import GridStore
import GridTestSupport
import Testing

struct OutboxClaimTests {
    /// Servers sharing a database claim the outbox's due events without taking one twice: on
    /// PostgreSQL the claims run side by side and skip each other's rows.
    @Test func concurrentClaimsAreDisjointAndLeased() async throws {
        let store = try GridStore(path: TestDatabase.make("civicgrid"))
        let now = Date()
        try store.write { w in
            for i in 1...10 {
                try w.db.execute(sql: "INSERT INTO outbox (department, case_number, body, created_at, next_attempt_at) VALUES ('d', ?, '{}', ?, ?)",
                                 arguments: ["C\(i)", StoreTime.text(now), StoreTime.text(now)])
            }
            // A case's second event waits for its first.
            try w.db.execute(sql: "INSERT INTO outbox (department, case_number, body, created_at, next_attempt_at) VALUES ('d', 'C1', '{}', ?, ?)",
                             arguments: [StoreTime.text(now), StoreTime.text(now)])
        }
        async let a = store.claim { try $0.claimDueEvents(at: now, until: now.addingTimeInterval(300), limit: 6) }
        async let b = store.claim { try $0.claimDueEvents(at: now, until: now.addingTimeInterval(300), limit: 6) }
        let (first, second) = try await (a, b)
        let ids = first.map(\.id) + second.map(\.id)
        #expect(Set(ids).count == ids.count, "an event claimed twice: \(first.map(\.id)) \(second.map(\.id))")
        #expect(Set(ids) == Set(1...10), "every case's first event, once: \(ids.sorted())")
        #expect(try await store.claim { try $0.claimDueEvents(at: now, until: now.addingTimeInterval(300), limit: 20) }.isEmpty)
        // Delivered, the case's next event is due; after the lease, an undelivered one is too.
        try store.write { try $0.delivered(1, at: now) }
        let later = try await store.claim { try $0.claimDueEvents(at: now.addingTimeInterval(301), until: now.addingTimeInterval(600), limit: 20) }
        #expect(later.map(\.id) == Array(2...11))
    }

    /// A server started with a shorter longest wait brings failed events' next tries forward
    /// to it; events never tried (perhaps being delivered now) keep theirs.
    @Test func retriesAreBroughtForwardToTheLongestWait() throws {
        let store = try GridStore(path: TestDatabase.make("civicgrid"))
        let now = Date()
        try store.write { w in
            for (i, (attempts, wait)) in [(3, 240.0), (1, 1.0), (0, 300.0)].enumerated() {
                try w.db.execute(sql: "INSERT INTO outbox (department, case_number, body, created_at, next_attempt_at, attempts) VALUES ('d', ?, '{}', ?, ?, ?)",
                                 arguments: ["C\(i)", StoreTime.text(now), StoreTime.text(now.addingTimeInterval(wait)), attempts])
            }
        }
        #expect(try store.write { try $0.bringRetries(forwardTo: now.addingTimeInterval(2)) } == 1)
        let next = try store.read { r in try String.fetchAll(r.db, sql: "SELECT next_attempt_at FROM outbox ORDER BY id").compactMap(StoreTime.date) }
        #expect(next.map { Int($0.timeIntervalSince(now).rounded()) } == [2, 1, 300])
    }
}
