import AsyncHTTPClient
import CivicGridModel
import Crypto
import Foundation
import GridCases
import GridStore
import NIOCore

/// Delivers the outbox: each event POSTed as JSON to its department's webhook, signed
/// (`X-CivicGrid-Signature: sha256=` HMAC-SHA256 of the body with the webhook's secret) and
/// named (`X-CivicGrid-Event`: its id, for the receiver to drop a repeat). A case's events go
/// one at a time, in order; a failure is retried with backoff (2, 4, 8 … s, at most
/// `longestWait`, 5 min by default), and the outbox is in the database, so a restart or a dead
/// receiver loses nothing.
struct WebhookDeliverer: Sendable {
    let store: GridStore
    let client: HTTPClient
    var longestWait: Double = 300

    /// Seconds before the next try of an event that has failed `attempts` times before this
    /// failure: 2, 4, 8 … doubling, never more than `longestWait`.
    static func wait(afterAttempts attempts: Int, longest: Double) -> Double {
        min(longest, pow(2, Double(min(attempts + 1, 20))))
    }

    /// One round: the events due now, at most one per case, claimed for five minutes (so
    /// that servers sharing a database deliver each once). A department whose receiver failed
    /// in the round is not tried again in it (a dead receiver costs one timeout per round, not
    /// one per event, and does not hold up the other departments). Cancelled (the server
    /// stopping), it hands back the events it has not delivered, due at once, rather than
    /// leave them claimed for five minutes. Returns how many arrived.
    func deliver(now: Date = Date()) async throws -> Int {
        let due = try await store.claim { try $0.claimDueEvents(at: now, until: now.addingTimeInterval(300), limit: 20) }
        guard !due.isEmpty else { return 0 }
        var hooks: [String: Webhook] = [:]
        var failedHere: [String: String] = [:]
        var delivered = 0
        var unsettled = due.map(\.id)
        for e in due {
            if Task.isCancelled { break }
            if hooks[e.department] == nil, let h = try? await store.asyncRead({ try $0.webhook(department: e.department) }) { hooks[e.department] = h }
            let outcome: String?
            if let earlier = failedHere[e.department] {
                outcome = earlier
            } else if let hook = hooks[e.department] {
                outcome = await post(e, to: hook)
            } else {
                outcome = "the department has no webhook now"
            }
            // A post cut short by the shutdown says nothing about the receiver.
            if Task.isCancelled, outcome != nil { break }
            let at = Date()
            let retry = at.addingTimeInterval(Self.wait(afterAttempts: e.attempts, longest: longestWait))
            // Recorded even when the server starts stopping meanwhile (a detached write).
            try await Task { [store] in
                try await store.asyncWrite { w in
                    if let outcome { try w.failed(e.id, error: outcome, retryAt: retry) } else { try w.delivered(e.id, at: at) }
                }
            }.value
            unsettled.removeFirst()
            if let outcome { failedHere[e.department] = outcome } else { delivered += 1 }
        }
        if !unsettled.isEmpty {
            let ids = unsettled
            try await Task { [store] in try await store.asyncWrite { try $0.release(ids, dueAt: Date()) } }.value
        }
        return delivered
    }

    /// nil when the receiver answered 2xx; otherwise why not.
    private func post(_ e: OutboxEvent, to hook: Webhook) async -> String? {
        var request = HTTPClientRequest(url: hook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-CivicGrid-Event", value: String(e.id))
        request.headers.add(name: "X-CivicGrid-Signature", value: "sha256=" + Self.signature(e.body, secret: hook.secret))
        request.body = .bytes(ByteBuffer(string: e.body))
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 << 10)
            return (200..<300).contains(response.status.code) ? nil : "HTTP \(response.status.code)"
        } catch {
            return "\(error)"
        }
    }

    static func signature(_ body: String, secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8))).hex
    }
}
