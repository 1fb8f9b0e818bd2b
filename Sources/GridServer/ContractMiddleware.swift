import GridGeometry
import Hummingbird

extension StringProtocol {
    /// Nothing but spaces, tabs and line ends (what the document's `[^ \t\r\n]` patterns rule out).
    var isBlank: Bool { unicodeScalars.allSatisfy { " \t\r\n".unicodeScalars.contains($0) } }
}

/// The paths of the OpenAPI document with the methods each takes (a test checks they are
/// the router's routes, method by method), so a request can be matched against them.
struct RouteTable: Sendable {
    /// A path template's segments: literal text, or a parameter with the text around it
    /// (`{y}.mvt` is ("", ".mvt")).
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(prefix: String, suffix: String)

        func matches(_ text: Substring) -> Bool {
            switch self {
            case .literal(let s): text == s
            case .parameter(let prefix, let suffix):
                text.count > prefix.count + suffix.count && text.hasPrefix(prefix) && text.hasSuffix(suffix)
            }
        }
    }

    private(set) var routes: [(segments: [Segment], methods: Set<String>)] = []

    init(document: JSONValue) {
        guard case .object(let root) = document, case .object(let paths)? = root["paths"] else { return }
        for (path, item) in paths {
            guard case .object(let operations) = item else { continue }
            let segments = path.split(separator: "/").map { part -> Segment in
                guard let open = part.firstIndex(of: "{"), let close = part.firstIndex(of: "}") else { return .literal(String(part)) }
                return .parameter(prefix: String(part[..<open]), suffix: String(part[part.index(after: close)...]))
            }
            routes.append((segments, Set(operations.keys.map { $0.uppercased() })))
        }
    }

    /// The methods of every template `path` fits (empty when it fits none).
    func methods(_ path: String) -> Set<String> {
        let parts = path.split(separator: "/")
        var methods = Set<String>()
        for route in routes where route.segments.count == parts.count && zip(route.segments, parts).allSatisfy({ $0.matches($1) }) {
            methods.formUnion(route.methods)
        }
        return methods
    }
}

/// What the API contract says of every request before any handler sees it: a method the path
/// does not take is 405 with `Allow` (HEAD is answered wherever GET is), and a query
/// parameter given twice is 400 (no parameter of the API is a repeated one).
struct ContractMiddleware<Context: RequestContext>: RouterMiddleware {
    let table: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var methods = table.methods(request.uri.path)
        if methods.contains("GET") { methods.insert("HEAD") }
        if !methods.isEmpty && !methods.contains(request.method.rawValue) {
            throw Problem(.methodNotAllowed, "Method not allowed", detail: "\(request.method.rawValue) is not a method of \(request.uri.path); it takes \(methods.sorted().joined(separator: ", "))",
                          headers: [.allow: methods.sorted().joined(separator: ", ")])
        }
        if let query = request.uri.query, !query.isEmpty {
            var seen = Set<Substring>()
            for pair in query.split(separator: "&") {
                let name = pair.prefix { $0 != "=" }
                guard !name.isEmpty else { continue }
                if !seen.insert(name).inserted {
                    throw Problem.badRequest("parameter \"\(name.removingPercentEncoding ?? String(name))\" given twice; each is given once")
                }
            }
        }
        return try await next(request, context)
    }
}
