import CivicGridModel
import Foundation
import GridStore
import GridTracking
import Hummingbird

/// Signing a phone in without typing a token: an admin makes a short-lived one-time link
/// (`POST /api/v1/login-links`, or `civicgrid users login-link`), the phone opens it and
/// exchanges its code (`POST /api/v1/login`) for the account's own API token and a device
/// token for its position fixes, both kept on the phone. Revoking the account's tokens ends
/// both.
struct SignInController {
    let store: GridStore
    let access: Access
    /// Exchanges per client address (`login-address`): codes are not guessed.
    let limiters: Limiters

    func register(on router: some RouterMethods<CivicContext>) {
        router.post("api/v1/login-links") { request, context in try await make(request, context) }
        router.post("api/v1/login") { request, context in try await exchange(request, context) }
    }

    /// The link an admin hands to a member: path, absolute address, expiry and its QR code.
    struct LinkView: Codable, Sendable {
        var name: String
        var link: String
        var url: String
        var expiresAt: String
        var qrSVG: String

        enum CodingKeys: String, CodingKey { case name, link, url, expiresAt = "expires_at", qrSVG = "qr_svg" }
    }

    /// What a phone keeps: the account's token, and the device its fixes go to with its token.
    struct SessionView: Codable, Sendable {
        var name: String
        var role: String
        var token: String
        var device: String
        var deviceToken: String

        enum CodingKeys: String, CodingKey { case name, role, token, device, deviceToken = "device_token" }
    }

    func make(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<LinkView> {
        let account = try access.require(context, [.admin], to: "make sign-in links")
        var request = request
        let o = try JSONBody.object(Data(buffer: try await request.collectBody(limit: 4 << 10)), #"the body is {"name": "…", "minutes": 15, "base": "https://…"}"#)
        guard case .string(let name)? = o["name"], (1...200).contains(name.unicodeScalars.count) else { throw Problem.badRequest("name: the account's name") }
        var minutes = SignInLinks.defaultMinutes
        if let m = o["minutes"] {
            guard case .number(let n) = m, n == n.rounded(), (1...Double(SignInLinks.maxMinutes)).contains(n) else {
                throw Problem.badRequest("minutes: a whole number from 1 to \(SignInLinks.maxMinutes)")
            }
            minutes = Int(n)
        }
        var base = "http://" + (request.head.authority ?? "localhost")
        if let b = o["base"] {
            guard case .string(let s) = b, s.unicodeScalars.count <= 200, s.wholeMatch(of: /https?:\/\/[A-Za-z0-9.\-]+(:[0-9]{1,5})?\/?/) != nil else {
                throw Problem.badRequest("base: the page's origin, e.g. https://grid.example")
            }
            base = s.hasSuffix("/") ? String(s.dropLast()) : s
        }
        let (store, chosen, origin) = (self.store, minutes, base)
        guard let made = try await offload({ try SignInLinks.make(name: name, minutes: chosen, base: origin, by: account.name, in: store) }) else {
            throw Problem.notFound("no account named \"\(name)\"")
        }
        guard let qr = QRCode(made.url) else { throw Problem(.internalServerError, "No QR code", detail: "the link could not be drawn as a QR code") }
        let path = String(made.url.dropFirst(base.count))
        return JSONAnswer(LinkView(name: name, link: path, url: made.url, expiresAt: StoreTime.text(made.expires), qrSVG: qr.svg), status: .created)
    }

    /// A code for the account's token and a new device (`web-…`) with the account's grids; the
    /// code works once, before it expires; 401 otherwise, the same for every reason.
    func exchange(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<SessionView> {
        try limiters.enforce("login-address", context.remoteAddress?.ipAddress ?? "unknown", "too many sign-ins from this address")
        var request = request
        let o = try JSONBody.object(Data(buffer: try await request.collectBody(limit: 4 << 10)), #"the body is {"code": "…"}"#)
        guard case .string(let code)? = o["code"], (1...200).contains(code.unicodeScalars.count) else { throw Problem.badRequest("code: the one in the link") }
        let token = DeviceToken.generate(), deviceToken = DeviceToken.generate()
        let store = self.store
        let session = try await offload {
            try store.write { w -> SessionView? in
                guard let id = try w.useLoginLink(codeHash: DeviceToken.hash(code), at: Date()),
                      let account = try w.reader.account(id: id) else { return nil }
                try w.addToken(account: account.id, tokenHash: DeviceToken.hash(token))
                let device = "web-\(account.id)-\(DeviceToken.generate().prefix(6))"  // its own random, not the token's
                try w.add(Device(id: device, memberName: account.name, grids: try w.reader.memberGrids(account: account.id), tokenHash: DeviceToken.hash(deviceToken)))
                return SessionView(name: account.name, role: account.role.rawValue, token: token, device: device, deviceToken: deviceToken)
            }
        }
        guard let session else {
            throw Problem(.unauthorized, "Unauthorized", detail: "this sign-in link is unknown, used or expired: ask for a new one")
        }
        return JSONAnswer(session)
    }
}

/// Sign-in links as the CLI makes them too.
public enum SignInLinks {
    /// Minutes a link lives by default, and at most.
    public static let defaultMinutes = 15, maxMinutes = 24 * 60

    /// Makes a link for an account: the code (shown once) and its hash stored; nil when there
    /// is no such account. The link's fragment carries the code, so no server or proxy log
    /// sees it.
    public static func make(name: String, minutes: Int, base: String, by creator: String, in store: GridStore) throws -> (url: String, expires: Date)? {
        let code = DeviceToken.generate()
        let now = Date(), expires = now.addingTimeInterval(Double(minutes) * 60)
        let found = try store.write { w -> Bool in
            guard let account = try w.reader.account(name: name) else { return false }
            try w.addLoginLink(account: account.id, codeHash: DeviceToken.hash(code), createdBy: creator, at: now, expires: expires)
            return true
        }
        return found ? (base + "/m/#login=" + code, expires) : nil
    }

    /// The link as a QR code for a terminal (half blocks), nil if it cannot be drawn.
    public static func terminalQR(_ url: String) -> String? { QRCode(url)?.terminal }
}
