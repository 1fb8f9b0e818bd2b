import CivicGridModel
import GridStore
import HTTPTypes
import GridTracking
import Hummingbird
import NIOCore
import Synchronization

/// The request context of every route: Hummingbird's core storage, the peer's address
/// (which decides whether forwarded headers are believed) and the signed-in account.
public struct CivicContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer: a client, or a proxy in front of us.
    public let remoteAddress: SocketAddress?
    /// Who signed in, set once per request by `AuthenticationMiddleware`; nil: anonymous
    /// (and on the device routes, which sign in with device tokens instead).
    public var account: Account?
    /// The hash of the API token the account signed in with: long answers (event streams)
    /// look it up again and end when it is revoked.
    var tokenHash: String?
    /// Whether the account's region is the whole jurisdiction (a district admin of the only
    /// district): it may read what only the whole jurisdiction's accounts may.
    var wholeJurisdiction = false
    /// Shared by every copy of this request's context: who signed in, for the request log
    /// written by the outermost middleware (it holds an earlier copy of the context).
    let signedIn = SignedIn()

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

final class SignedIn: Sendable {
    let account = Mutex<Int64?>(nil)
}

/// Looks the request's API token up once (a bearer token, or `access_token=` where no header
/// can be sent, as for EventSource) and puts its account in the context; 401 for a token
/// that is unknown or revoked, before any handler runs. Its answers are `private, no-store`
/// unless the route set its own caching.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = CivicContext
    let store: GridStore

    func handle(_ request: Request, context: CivicContext, next: (Request, CivicContext) async throws -> Response) async throws -> Response {
        guard let token = Self.token(request) else { return try await next(request, context) }
        let hash = DeviceToken.hash(token)
        let found = try await store.asyncRead { r -> (Account, Bool)? in
            guard let account = try r.account(tokenHash: hash) else { return nil }
            return (account, try account.region.map { try r.isWholeJurisdiction($0) } ?? true)
        }
        guard let (account, whole) = found else {
            throw Problem(.unauthorized, "Unauthorized", detail: "unknown or revoked API token", headers: Access.challenge)
        }
        var context = context
        context.account = account
        context.wholeJurisdiction = whole
        context.tokenHash = hash
        context.signedIn.account.withLock { $0 = account.id }
        var response = try await next(request, context)
        // What a signed-in account is answered may hold personal data (a household's members, a
        // reporter, a search's people): no cache keeps it unless the route says otherwise.
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "private, no-store" }
        return response
    }

    static func token(_ request: Request) -> String? {
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            let t = auth.dropFirst(7).trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : t
        }
        return request.uri.queryParameters["access_token"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
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
