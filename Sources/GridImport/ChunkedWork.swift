import Foundation

/// Work on `0..<count` in chunks on worker threads, a few chunks ahead of the caller, whose
/// `consume` gets each chunk's results on the calling thread and in order. Memory stays
/// bounded by the chunks in flight. When `consume` throws, the workers stop and the error
/// is rethrown.
enum ChunkedWork {
    /// - Parameter worker: makes, on each worker thread, the function that thread applies
    ///   to indices (so it can own thread-bound state such as a GEOS context).
    static func run<Output: Sendable>(count: Int, chunk: Int, workers: Int,
                                      worker: @escaping @Sendable () -> (Int) -> Output,
                                      consume: (Range<Int>, [Output]) throws -> Void) throws {
        let chunks = (count + chunk - 1) / chunk
        guard chunks > 0 else { return }
        let board = Board<Output>()
        let ahead = 2 * max(1, workers)
        let done = DispatchGroup()
        func range(_ c: Int) -> Range<Int> { c * chunk..<min(count, (c + 1) * chunk) }
        for _ in 0..<max(1, min(workers, chunks)) {
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                let apply = worker()
                while let c = board.next(chunks: chunks, ahead: ahead) {
                    board.finish(c, (c * chunk..<min(count, (c + 1) * chunk)).map(apply))
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        defer {
            board.stop()
            done.wait()
        }
        for c in 0..<chunks {
            try consume(range(c), board.take(c))
        }
    }

    private final class Board<Output: Sendable>: @unchecked Sendable {
        // Every field is read and written with `condition` locked.
        private let condition = NSCondition()
        private var finished: [Int: [Output]] = [:]
        private var handedOut = 0
        private var consumed = 0
        private var stopped = false

        /// The next chunk to work on, waiting while the caller is `ahead` chunks behind;
        /// nil when there is none or work stopped.
        func next(chunks: Int, ahead: Int) -> Int? {
            condition.lock()
            defer { condition.unlock() }
            while !stopped, handedOut < chunks, handedOut >= consumed + ahead { condition.wait() }
            guard !stopped, handedOut < chunks else { return nil }
            handedOut += 1
            return handedOut - 1
        }

        func finish(_ c: Int, _ output: [Output]) {
            condition.lock()
            finished[c] = output
            condition.broadcast()
            condition.unlock()
        }

        /// Chunk `c`'s results, waiting for them.
        func take(_ c: Int) -> [Output] {
            condition.lock()
            defer { condition.unlock() }
            while finished[c] == nil { condition.wait() }
            consumed = c + 1
            condition.broadcast()
            return finished.removeValue(forKey: c) ?? []
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }
    }
}
