import GridStore

public enum Retention {
    /// Deletes pings whose fix time is before `time`, `batch` at a time, each batch its own
    /// short transaction (ingestion goes on in between); `progress` gets the running total.
    public static func prune(_ store: GridStore, before time: Double, batch: Int = 5000,
                             progress: @Sendable (Int) -> Void = { _ in }) async throws -> Int {
        var total = 0
        while true {
            let n = try await store.asyncWrite { try $0.prunePings(before: time, limit: batch) }
            total += n
            progress(total)
            if n < batch { return total }
            await Task.yield()
        }
    }
}
