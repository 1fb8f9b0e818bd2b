import CivicGridModel
import Crypto
import Foundation
import GridStore
import Synchronization

/// Files reports with group commit: each waits in a queue; the first to find no writer at work
/// becomes it and files everything queued in one transaction (synced to disk), each report in
/// a savepoint of its own so that one refused leaves the others filed, then answers them all.
/// An answer means the case is on disk, and many reports at once cost one commit.
///
/// A report may come with a client's key (`RequestKey`): the key is recorded with the case, in
/// the same savepoint, so a client that lost the answer and sends the report again gets the
/// case filed the first time — from any server sharing the store — instead of a second case.
public final class CaseIntake: Sendable {
    let store: GridStore
    let now: @Sendable () -> Date
    private let queue = Mutex(Queue())
    /// Reports filed in one transaction at most.
    static let batch = 256
    /// How long a key is remembered (a day, as clients retry within minutes).
    static let keyLifetime: TimeInterval = 86_400

    /// A client's key for one report (an `Idempotency-Key` header), scoped to whoever sent it,
    /// with a digest of the whole request: the report and every photo (by its digest, in order).
    public struct RequestKey: Sendable, Hashable {
        public var scope: String
        public var key: String
        public var fingerprint: String

        public init(scope: String, key: String, body: Data, photos: [String] = []) {
            self.scope = scope
            self.key = key
            var hash = SHA256()
            hash.update(data: body)
            for p in photos { hash.update(data: Data("\u{0}photo \(p)".utf8)) }
            fingerprint = hash.finalize().hex
        }
    }

    /// A report's outcome: the case, whether it was filed before under the same key, and
    /// whether the report repeated an open case of its reporter (attached to it as a follow-up).
    public struct Filed: Sendable {
        public var record: CaseRecord
        public var replayed: Bool
        public var repeated = false
    }

    struct Item: Sendable {
        var report: CaseReport
        var account: Account?
        var key: RequestKey?
        var continuation: CheckedContinuation<Filed, any Error>
    }

    struct Queue {
        var pending: [Item] = []
        var writing = false
    }

    public init(store: GridStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.now = now
    }

    /// `CaseDesk.report`, answered once the case is on disk. With a key already used for the
    /// same report, the case filed then; for another report, refused (`.conflict`).
    public func report(_ r: CaseReport, by account: Account?, key: RequestKey? = nil) async throws(CaseError) -> Filed {
        let r = try CaseDesk.validated(r)
        do {
            return try await withCheckedThrowingContinuation { c in
                let lead = queue.withLock { q in
                    q.pending.append(Item(report: r, account: account, key: key, continuation: c))
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
            let reports = items.map { ($0.report, $0.account, $0.key) }
            let now = self.now
            do {
                let results = try await store.asyncWrite { w in
                    try w.expireRequestKeys(before: now().addingTimeInterval(-Self.keyLifetime))
                    return reports.map { report, account, key -> Result<Filed, CaseError> in
                        do {
                            return .success(try w.savepoint { try Self.file(report, by: account, key: key, at: now(), in: w) })
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

    /// Files a report, or finds the case its key filed before.
    static func file(_ report: CaseReport, by account: Account?, key: RequestKey?, at: Date, in w: StoreWriter) throws -> Filed {
        if let key, let earlier = try w.reader.requestKey(scope: key.scope, key: key.key) {
            guard earlier.fingerprint == key.fingerprint else {
                throw CaseError(.conflict, "Idempotency-Key \(key.key) was used for another report (case \(earlier.number)); a new report needs a new key")
            }
            guard let record = try w.reader.case(number: earlier.number) else { throw CaseError(.store, "case \(earlier.number) is gone") }
            return Filed(record: record, replayed: true)
        }
        let done = try CaseDesk.intake(report, by: account, at: at, in: w)
        if let key, let fid = done.record.id {
            try w.saveRequestKey(scope: key.scope, key: key.key, fingerprint: key.fingerprint, case: fid, at: at)
        }
        return Filed(record: done.record, replayed: false, repeated: done.repeated)
    }
}
