import Foundation
import GridGeometry
import Hummingbird
import NIOCore
import NIOHTTP1

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
        } catch is NIOTooManyBytesError {
            // A body past a limit not named by `collectBody(limit:)`: the client's fault, not ours.
            throw Problem(.contentTooLarge, "Content too large", detail: "the request body is larger than this route takes")
        } catch let error as HTTPError {
            throw Problem(error.status, error.status.reasonPhrase, detail: error.body ?? "\(request.uri.path): \(error.status.reasonPhrase.lowercased())")
        } catch let error as HTTPParserError {
            // The body did not parse: cut short, the client went away (nginx's 499, "client
            // closed request"); anything else is a malformed request (a bad chunk size).
            if case .invalidEOFState = error { throw Problem(.clientClosedRequest, "Client closed request", detail: "the request ended before its body") }
            throw Problem.badRequest("the request body is malformed: \(error)")
        } catch let error as ChannelError where [.ioOnClosedChannel, .eof, .inputClosed, .alreadyClosed].contains(error) {
            throw Problem(.clientClosedRequest, "Client closed request", detail: "the connection closed before the request was whole")
        } catch {
            context.logger.error("\(request.uri.path): \(error)")
            throw Problem(.internalServerError, "Internal server error", detail: "\(error)")
        }
    }
}

extension HTTPResponse.Status {
    /// nginx's 499: the client closed the connection before the request was whole (for the
    /// log and the metrics; the client is not there to read it).
    static let clientClosedRequest = HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")
}

extension Request {
    /// The whole body, at most `limit` bytes: past it, a 413 that names the limit (NIO's error
    /// counts what was left when it stopped, not the route's limit).
    mutating func collectBody(limit: Int) async throws -> ByteBuffer {
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Problem(.contentTooLarge, "Content too large",
                          detail: "the request body is larger than this route takes (\(limit) bytes at most)")
        }
    }
}
