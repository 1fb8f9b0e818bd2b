import Foundation
import Hummingbird

/// An RFC 9457 problem: every error answer of the API is one, as application/problem+json.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String

    public init(_ status: HTTPResponse.Status, _ title: String, detail: String) {
        self.status = status
        self.title = title
        self.detail = detail
    }

    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, "Bad request", detail: detail) }
    static func notFound(_ detail: String) -> Problem { Problem(.notFound, "Not found", detail: detail) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: [String: Any] = ["type": "about:blank", "title": title, "status": Int(status.code), "detail": detail,
                                   "instance": request.uri.path]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: status, headers: [.contentType: "application/problem+json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
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
        } catch let error as HTTPError {
            throw Problem(error.status, error.status.reasonPhrase, detail: error.body ?? "\(request.uri.path): \(error.status.reasonPhrase.lowercased())")
        } catch {
            context.logger.error("\(request.uri.path): \(error)")
            throw Problem(.internalServerError, "Internal server error", detail: "\(error)")
        }
    }
}
