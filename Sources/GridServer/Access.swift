import Foundation
import GridStore
import GridTracking
import Hummingbird

/// Who may do what. A request signs in with an account's API token (`Authorization: Bearer`,
/// or `access_token=` where a header cannot be set, as for EventSource); without one it is
/// anonymous and sees only the public layers. Every check runs before anything is read or
/// written, so a denied request changes nothing.
///
/// | | admin | planner | viewer | member | anonymous |
/// |---|---|---|---|---|---|
/// | public layers (default: districts, streets, communities, grids) | ✓ | ✓ | ✓ | ✓ | ✓ |
/// | other layers (buildings, roads) | ✓ | ✓ | ✓ | ✓ | |
/// | plans (any status), diff, audit, in scope | ✓ | ✓ | ✓ | | |
/// | create, edit, publish plans in scope | ✓ | ✓ | | | |
/// | positions, live, events, coverage, tracks, in scope | ✓ | | ✓ | own devices' tracks | |
struct Access: Sendable {
    let store: GridStore
    /// Layers (tile layers and feature collections) anonymous users may read.
    let publicLayers: Set<String>

    static let challenge: HTTPFields = [.wwwAuthenticate: "Bearer realm=\"civicgrid\""]

    /// The signed-in account, nil when anonymous; 401 for a token that is unknown or revoked.
    func account(_ request: Request) throws -> Account? {
        guard let token = Self.token(request) else { return nil }
        let hash = DeviceToken.hash(token)
        guard let account = try store.read({ try $0.account(tokenHash: hash) }) else {
            throw Problem(.unauthorized, "Unauthorized", detail: "unknown or revoked API token", headers: Self.challenge)
        }
        return account
    }

    static func token(_ request: Request) -> String? {
        if let auth = request.headers[.authorization], auth.lowercased().hasPrefix("bearer ") {
            let t = auth.dropFirst(7).trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : t
        }
        return request.uri.queryParameters["access_token"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The signed-in account if it has one of `roles`: 401 when anonymous, 403 otherwise.
    func require(_ request: Request, _ roles: Set<Role>, to action: String) throws -> Account {
        try require(try account(request), roles, to: action)
    }

    func require(_ account: Account?, _ roles: Set<Role>, to action: String) throws -> Account {
        guard let account else {
            throw Problem(.unauthorized, "Unauthorized", detail: "sign in to \(action): send an API token as a bearer token", headers: Self.challenge)
        }
        guard roles.contains(account.role) else {
            throw Problem(.forbidden, "Forbidden", detail: "\(account.name) is a \(account.role.rawValue): only \(Self.list(roles)) may \(action)")
        }
        return account
    }

    /// 403 unless `region` (any region code, a community's for plans) lies in the account's subtree.
    func checkScope(_ account: Account, _ region: String, _ action: String) throws {
        guard let root = account.region else { return }
        guard try store.read({ try $0.isRegion(region, under: root) }) else {
            throw Problem(.forbidden, "Forbidden", detail: "\(account.name) works in \(root): \(region) is outside it, so may not \(action)")
        }
    }

    /// The communities an account sees (nil: all).
    func communities(_ account: Account) throws -> Set<String>? {
        guard let root = account.region else { return nil }
        return try store.read { try $0.communityCodes(under: root) } ?? []
    }

    /// 401 for anonymous requests to a layer that is not public (the account as `account(_:)`
    /// found it, so that a request looks its token up once).
    func checkLayer(_ account: Account?, _ layer: String) throws {
        guard FeatureLayer(rawValue: layer) != nil else { return }  // unknown: the controller's 404
        if layer == FeatureLayer.positions.rawValue {
            let account = try require(account, [.admin, .viewer], to: "see positions")
            if let root = account.region {
                throw Problem(.forbidden, "Forbidden", detail: "\(account.name) works in \(root): read positions at /api/v1/live?region=\(root)")
            }
        } else if !publicLayers.contains(layer), account == nil {
            throw Problem(.unauthorized, "Unauthorized", detail: "\(layer) is not public: sign in with an API token", headers: Self.challenge)
        }
    }

    /// Whether a request may read a layer (for the collection list): `checkLayer` passes.
    func canRead(_ account: Account?, _ layer: String) -> Bool {
        (try? checkLayer(account, layer)) != nil
    }

    static func list(_ roles: Set<Role>) -> String {
        Role.allCases.filter(roles.contains).map { $0.rawValue + "s" }.joined(separator: " and ")
    }
}
