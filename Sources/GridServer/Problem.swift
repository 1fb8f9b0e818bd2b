import Foundation
import GridGeometry
import Hummingbird
import NIOCore

/// An RFC 9457 problem: every error answer of the API is one, as application/problem+json.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    /// Extension members (RFC 9457 §3.2), e.g. the rejected items of a batch.
    public var extensions: [String: JSONValue] = [:]
    /// Extra response headers (WWW-Authenticate with a 401).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ title: String, detail: String, extensions: [String: JSONValue] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.title = title
        self.detail = detail
        self.extensions = extensions
        self.headers = headers
    }

    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, "Bad request", detail: detail) }
    static func notFound(_ detail: String) -> Problem { Problem(.notFound, "Not found", detail: detail) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: Any] = extensions.mapValues(\.foundationObject)
        body.merge(["type": "about:blank", "title": title, "status": Int(status.code), "detail": detail, "instance": request.uri.path]) { $1 }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every other error, and Hummingbird's own 404s, into problems too (unexpected ones
/// as 500, logged).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            throw problem
        } catch let error as NIOTooManyBytesError {
            // A body past a route's limit (`collectBody(upTo:)`): the client's fault, not ours.
            throw Problem(.contentTooLarge, "Content too large",
                          detail: "the request body is larger than this route takes (\(error.maxBytes.map { "\($0) bytes" } ?? "its limit"))")
        } catch let error as HTTPError {
            throw Problem(error.status, error.status.reasonPhrase, detail: error.body ?? "\(request.uri.path): \(error.status.reasonPhrase.lowercased())")
        } catch {
            context.logger.error("\(request.uri.path): \(error)")
            throw Problem(.internalServerError, "Internal server error", detail: "\(error)")
        }
    }
}

extension JSONValue {
    /// The value as JSONSerialization takes it.
    var foundationObject: Any {
        switch self {
        case .null: NSNull()
        case .bool(let b): b
        case .number(let d): d
        case .string(let s): s
        case .array(let a): a.map(\.foundationObject)
        case .object(let o): o.mapValues(\.foundationObject)
        }
    }
}

/// A JSON answer (keys sorted, slashes unescaped), for every controller.
func jsonResponse(_ object: Any, contentType: String = "application/json") throws -> Response {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: data)))
}
