import HTTPTypes
import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage and the peer's address
/// (which decides whether forwarded headers are believed).
public struct CivicContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer: a client, or a proxy in front of us.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Drops `X-Forwarded-Host`, `X-Forwarded-Proto` and `Forwarded` unless the request came
/// through one of the configured proxies: otherwise any client could make the links we
/// write (paging links that carry its `access_token`, TileJSON, styles) point at another host.
struct ForwardedHeadersMiddleware: RouterMiddleware {
    typealias Context = CivicContext
    /// Peer addresses of the proxies; "*" trusts every peer (a proxy whose address changes).
    let trusted: Set<String>

    static let names: [HTTPField.Name] = ["X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded"].compactMap { HTTPField.Name($0) }

    func handle(_ request: Request, context: CivicContext, next: (Request, CivicContext) async throws -> Response) async throws -> Response {
        guard Self.names.contains(where: { request.headers[$0] != nil }),
              !trusted.contains("*"), !(context.remoteAddress?.ipAddress.map(trusted.contains) ?? false) else {
            return try await next(request, context)
        }
        var head = request.head
        for name in Self.names { head.headerFields[name] = nil }
        return try await next(Request(head: head, body: request.body), context)
    }
}
