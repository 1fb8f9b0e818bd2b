import Foundation
import GridGeometry
import Hummingbird
import NIOCore
import NIOPosix

/// A `Codable` answer written as JSON: keys sorted, slashes unescaped (every JSON answer of
/// the API is one of these; the types say what each route answers).
struct JSONAnswer<Value: Encodable & Sendable>: ResponseGenerator {
    var value: Value
    var contentType = "application/json"
    var status: HTTPResponse.Status = .ok
    var headers: HTTPFields = [:]

    init(_ value: Value, contentType: String = "application/json", status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.value = value
        self.contentType = contentType
        self.status = status
        self.headers = headers
    }

    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    func bytes() throws -> Data {
        if let json = value as? JSONValue { return Data(json.jsonBytes) }  // the same text, written directly
        return try Self.encoder.encode(value)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try bytes())))
    }
}

/// An optional written as `null` when absent (where the answer has always named the key).
struct Nullable<Wrapped: Encodable & Sendable>: Encodable, Sendable {
    var value: Wrapped?

    init(_ value: Wrapped?) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let value { try c.encode(value) } else { try c.encodeNil() }
    }
}

/// A link of the OGC API documents.
struct Link: Codable, Sendable {
    var rel: String
    var type: String
    var title: String
    var href: String

    init(_ rel: String, _ type: String, _ title: String, _ href: String) {
        (self.rel, self.type, self.title, self.href) = (rel, type, title, href)
    }
}

/// Runs blocking work (synchronous SQLite reads and writes, GEOS and PROJ) on NIO's thread
/// pool instead of Swift's cooperative pool, whose few threads must never wait.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(work)
}

/// Request bodies that must be one JSON object: 400 with `expected` when they are not, and
/// when a member is given twice.
enum JSONBody {
    static func object(_ data: Data, _ expected: String) throws -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONValue.decode(data)
        } catch let e as JSONValue.DuplicateKey {
            throw Problem.badRequest(e.description)
        } catch {
            throw Problem.badRequest(expected)
        }
        guard case .object(let o) = value else { throw Problem.badRequest(expected) }
        return o
    }
}
