import Foundation
import NIOPosix
import PostgresNIO

/// Messages between the processes that share a PostgreSQL database (its LISTEN/NOTIFY, no
/// broker): a server tells the others what they cannot read from the tables in time, such as
/// the live positions it has just stored. A GeoPackage file has one server: nothing to tell.
extension GridStore {
    /// The longest payload PostgreSQL's NOTIFY takes, in bytes.
    public static let notificationLimit = 7_900

    /// Sends each payload on `channel` to every process listening on this database.
    public func notify(_ channel: String, _ payloads: [String]) async throws {
        guard case .postgres(let pool) = backend, !payloads.isEmpty else { return }
        try await PostgresPool.threads.runIfActive {
            try pool.with { session in
                for payload in payloads { try session.execute("SELECT pg_notify($1, $2)", [.text(channel), .text(payload)]) }
            }
        }
    }

    /// What any process sends on `channel` from now on, until the stream's reader stops; nil
    /// on a file. A lost connection is opened again (a second later, on whichever host takes
    /// writes); what was sent meanwhile is not repeated.
    public func listen(_ channel: String) -> AsyncStream<String>? {
        guard case .postgres(let pool) = backend else { return nil }
        let url = pool.url
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(10_000))
        let task = Task {
            while !Task.isCancelled {
                do {
                    let session = try await PostgresPool.threads.runIfActive { try PostgresSession(url) }
                    defer { session.close() }
                    try await session.listen(on: channel) { payload in continuation.yield(payload) }
                } catch {
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

extension PostgresSession {
    /// Hands every notification on `channel` to `body` until the connection ends or the task
    /// is cancelled.
    func listen(on channel: String, _ body: @escaping @Sendable (String) -> Void) async throws {
        try await connection.listen(on: channel) { notifications in
            for try await n in notifications { body(n.payload) }
        }
    }
}
