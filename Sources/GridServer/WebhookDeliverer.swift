import AsyncHTTPClient
import CivicGridModel
import Crypto
import Foundation
import GridStore
import NIOCore

/// Delivers the outbox: each event POSTed as JSON to its department's webhook, signed
/// (`X-CivicGrid-Signature: sha256=` HMAC-SHA256 of the body with the webhook's secret) and
/// named (`X-CivicGrid-Event`: its id, for the receiver to drop a repeat). A case's events go
/// one at a time, in order; a failure is retried with backoff (2, 4, 8 … s, at most 5 min),
/// and the outbox is in the database, so a restart or a dead receiver loses nothing.
struct WebhookDeliverer: Sendable {
    let store: GridStore
    let client: HTTPClient

    /// One round: the events due now, at most one per case, claimed for five minutes (so
    /// that servers sharing a database deliver each once). Returns how many arrived.
    func deliver(now: Date = Date()) async throws -> Int {
        let due = try await store.claim { try $0.claimDueEvents(at: now, until: now.addingTimeInterval(300), limit: 20) }
        guard !due.isEmpty else { return 0 }
        var hooks: [String: Webhook] = [:]
        var delivered = 0
        for e in due {
            if hooks[e.department] == nil, let h = try await store.asyncRead({ try $0.webhook(department: e.department) }) { hooks[e.department] = h }
            let outcome: String?
            if let hook = hooks[e.department] {
                outcome = await post(e, to: hook)
            } else {
                outcome = "the department has no webhook now"
            }
            let at = Date()
            if let error = outcome {
                let delay = min(300, pow(2, Double(min(e.attempts + 1, 9))))
                try await store.asyncWrite { try $0.failed(e.id, error: error, retryAt: at.addingTimeInterval(delay)) }
            } else {
                try await store.asyncWrite { try $0.delivered(e.id, at: at) }
                delivered += 1
            }
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
