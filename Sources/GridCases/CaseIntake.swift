import CivicGridModel
import Foundation
import GridStore
import Synchronization

/// Files reports with group commit: each waits in a queue; the first to find no writer at work
/// becomes it and files everything queued in one transaction (synced to disk), each report in
/// a savepoint of its own so that one refused leaves the others filed, then answers them all.
/// An answer means the case is on disk, and many reports at once cost one commit.
public final class CaseIntake: Sendable {
    let store: GridStore
    let now: @Sendable () -> Date
    private let queue = Mutex(Queue())
    /// Reports filed in one transaction at most.
    static let batch = 256

    struct Item: Sendable {
        var report: CaseReport
        var account: Account?
        var continuation: CheckedContinuation<CaseRecord, any Error>
    }

    struct Queue {
        var pending: [Item] = []
        var writing = false
    }

    public init(store: GridStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// `CaseDesk.report`, answered once the case is on disk.
    public func report(_ r: CaseReport, by account: Account?) async throws(CaseError) -> CaseRecord {
        let r = try CaseDesk.validated(r)
        do {
            return try await withCheckedThrowingContinuation { c in
                let lead = queue.withLock { q in
                    q.pending.append(Item(report: r, account: account, continuation: c))
                    defer { q.writing = true }
                    return !q.writing
                }
                if lead { Task { await self.drain() } }
            }
        } catch let e as CaseError {
            throw e
        } catch {
            throw CaseError(.store, "\(error)")
        }
    }

    /// The writer: files batches until the queue is empty, then steps down.
    private func drain() async {
        while true {
            let items = queue.withLock { q -> [Item] in
                let taken = Array(q.pending.prefix(Self.batch))
                q.pending.removeFirst(taken.count)
                if taken.isEmpty { q.writing = false }
                return taken
            }
            if items.isEmpty { return }
            let reports = items.map { ($0.report, $0.account) }
            let now = self.now
            do {
                let results = try await store.asyncWrite { w in
                    reports.map { report, account -> Result<CaseRecord, CaseError> in
                        do {
                            return .success(try w.savepoint { try CaseDesk.intake(report, by: account, at: now(), in: w) })
                        } catch let e as CaseError {
                            return .failure(e)
                        } catch {
                            return .failure(CaseError(.store, "\(error)"))
                        }
                    }
                }
                for (item, result) in zip(items, results) { item.continuation.resume(with: result.mapError { $0 as any Error }) }
            } catch {
                for item in items { item.continuation.resume(throwing: CaseError(.store, "\(error)")) }
            }
        }
    }
}
