import Foundation
import Testing
@testable import GridImport

/// ChunkedWork: chunks worked on other threads, handed back in order, bounded, stopped by an
/// error.
@Suite struct ChunkedWorkTests {
    @Test(arguments: [(0, 7), (1, 7), (7, 7), (8, 7), (1000, 7), (1000, 1), (5, 100)])
    func everyIndexOnceAndInOrder(count: Int, chunk: Int) throws {
        var seen: [Int] = [], ranges: [Range<Int>] = []
        try ChunkedWork.run(count: count, chunk: chunk, workers: 2, worker: { { $0 * 3 } }) { range, results in
            ranges.append(range)
            #expect(results.count == range.count)
            seen += results
        }
        #expect(seen == (0..<count).map { $0 * 3 })
        #expect(ranges.map(\.count).allSatisfy { $0 <= chunk } && ranges.first?.lowerBound ?? 0 == 0)
        #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    }

    /// Each worker thread makes its own function once (its thread-bound state).
    @Test func eachWorkerMakesItsFunctionOnce() throws {
        let made = Counter()
        try ChunkedWork.run(count: 10_000, chunk: 10, workers: 3, worker: {
            made.add()
            return { $0 }
        }) { _, _ in }
        #expect(made.value == 3)
    }

    /// The workers stay a few chunks ahead of the consumer: while it holds the first chunk,
    /// no more than that one and 2 × workers more are handed out.
    @Test func theWorkersWaitForTheConsumer() throws {
        let started = Counter()
        var startedBeforeFirst = -1
        try ChunkedWork.run(count: 1_000, chunk: 1, workers: 2, worker: {
            { i in started.add(); return i }
        }) { range, _ in
            if range.lowerBound == 0 {
                Thread.sleep(forTimeInterval: 0.2)
                startedBeforeFirst = started.value
            }
        }
        #expect(startedBeforeFirst >= 1 && startedBeforeFirst <= 5, "\(startedBeforeFirst) chunks worked before the first was taken")
        #expect(started.value == 1_000)
    }

    struct Stop: Error {}

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.withLock { n += 1 } }
        var value: Int { lock.withLock { n } }
    }

    /// An error from the consumer stops the work and comes out; the rest is not worked on.
    @Test func anErrorStopsTheWork() throws {
        let worked = Counter()
        var consumed = 0
        #expect(throws: Stop.self) {
            try ChunkedWork.run(count: 100_000, chunk: 10, workers: 2, worker: {
                { i in worked.add(); return i }
            }) { range, _ in
                consumed += 1
                if range.lowerBound == 50 { throw Stop() }
            }
        }
        #expect(consumed == 6)
        #expect(worked.value < 200, "\(worked.value) indices worked after the error")
    }
}
