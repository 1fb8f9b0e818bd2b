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
        var body = extensions
        body.merge(["type": .string("about:blank"), "title": .string(title), "status": .number(Double(status.code)), "detail": .string(detail),
                    "instance": .string(request.uri.path)]) { $1 }
        return try JSONAnswer(body, contentType: "application/problem+json", status: status, headers: headers).response(from: request, context: context)
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
