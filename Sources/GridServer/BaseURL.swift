import Hummingbird

extension Request {
    /// The URL clients reached us at (scheme and host from the request, honouring a proxy's
    /// X-Forwarded-Proto and X-Forwarded-Host), without a trailing slash.
    func baseURL(fallbackHost: String) -> String {
        let scheme = headers[.init("X-Forwarded-Proto")!] ?? "http"
        let host = headers[.init("X-Forwarded-Host")!] ?? head.authority ?? fallbackHost
        return "\(scheme)://\(host)"
    }

    /// Whether the client asks for HTML before JSON (a browser).
    var wantsHTML: Bool {
        guard uri.queryParameters["f"] == nil else { return uri.queryParameters["f"] == "html" }
        let accept = headers[.accept] ?? ""
        return accept.contains("text/html")
    }
}
