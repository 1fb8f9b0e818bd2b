import CivicGridModel
import GridStore
import GridTiles
import Hummingbird

/// Who may do what, from the account the request signed in as (`CivicContext.account`) and
/// the layer catalogue. Without a token a request is anonymous and sees only the public
/// layers. Every check runs before anything is read or written, so a denied request changes
/// nothing.
///
/// | | admin | planner | viewer | member | dispatcher | department | anonymous |
/// |---|---|---|---|---|---|---|---|
/// | public layers (default: districts, streets, communities, grids) | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
/// | other layers (buildings, roads) | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | |
/// | plans (any status), diff, audit, in scope | ✓ | ✓ | ✓ | | | | |
/// | create, edit, publish plans in scope | ✓ | ✓ | | | | | |
/// | positions, live, events, coverage, tracks, in scope | ✓ | | ✓ | own devices' tracks | ✓ | | |
/// | the cases layer (whole jurisdiction) | ✓ | | ✓ | | ✓ | | |
/// | report cases, in scope | ✓ | | | ✓ | ✓ | | |
/// | read a case, in scope | ✓ | | ✓ | ✓ | ✓ | held or once held | |
/// | steps on a case (as `CaseWorkflow` allows) | ✓ | | | verify, check in own grids | ✓ | the holder's | |
struct Access: Sendable {
    let store: GridStore
    /// The layers, with who may read each.
    let layers: [FeatureLayer]
    /// Layers anonymous users may read (tile layers and feature collections).
    let publicLayers: Set<String>

    static let challenge: HTTPFields = [.wwwAuthenticate: "Bearer realm=\"civicgrid\""]

    /// The signed-in account if it has one of `roles`: 401 when anonymous, 403 otherwise.
    func require(_ context: CivicContext, _ roles: Set<Role>, to action: String) throws -> Account {
        guard let account = context.account else {
            throw Problem(.unauthorized, "Unauthorized", detail: "sign in to \(action): send an API token as a bearer token", headers: Self.challenge)
        }
        guard roles.contains(account.role) else {
            throw Problem(.forbidden, "Forbidden", detail: "\(account.name) is a \(account.role.rawValue): only \(Self.list(roles)) may \(action)")
        }
        return account
    }

    /// 403 unless `region` (any region code, a community's for plans) lies in the account's subtree.
    func checkScope(_ account: Account, _ region: String, _ action: String) async throws {
        guard let root = account.region else { return }
        guard try await store.asyncRead({ try $0.isRegion(region, under: root) }) else { throw Self.outOfScope(account, region, action) }
    }

    static func outOfScope(_ account: Account, _ region: String, _ action: String) -> Problem {
        Problem(.forbidden, "Forbidden", detail: "\(account.name) works in \(account.region ?? ""): \(region) is outside it, so may not \(action)")
    }

    /// The communities an account sees (nil: all).
    func communities(_ account: Account) async throws -> Set<String>? {
        guard let root = account.region else { return nil }
        return try await store.asyncRead { try $0.communityCodes(under: root) } ?? []
    }

    /// 401 for anonymous requests to a layer that is not public, 403 for a role the layer's
    /// descriptor does not name or a scoped account on a layer not cut by region.
    func checkLayer(_ context: CivicContext, _ name: String) throws {
        guard let layer = layers.named(name)?.descriptor else { return }  // unknown: the controller's 404
        guard let account = context.account else {
            if publicLayers.contains(name) { return }
            throw Problem(.unauthorized, "Unauthorized", detail: "\(name) is not public: sign in with an API token", headers: Self.challenge)
        }
        guard layer.readers.contains(account.role) else {
            throw Problem(.forbidden, "Forbidden", detail: "\(account.name) is a \(account.role.rawValue): only \(Self.list(layer.readers)) may see \(name)")
        }
        if layer.wholeJurisdictionOnly, let root = account.region, !context.wholeJurisdiction {
            let hint = name == LayerDescriptor.positions.name ? ": read positions at /api/v1/live?region=\(root)" : ""
            throw Problem(.forbidden, "Forbidden", detail: "\(account.name) works in \(root)\(hint)")
        }
    }

    /// Whether a request may read a layer (for the collection list and tiles).
    func canRead(_ context: CivicContext, _ layer: String) -> Bool {
        (try? checkLayer(context, layer)) != nil
    }

    static func list(_ roles: Set<Role>) -> String {
        Role.allCases.filter(roles.contains).map { $0.rawValue + "s" }.joined(separator: " and ")
    }
}

/// The token an event stream was opened with, looked up again while the stream runs: a
/// stream ends within `every` of its token's revocation (by any server or the CLI sharing
/// the store). A store that cannot answer for a moment (a busy or failing-over PostgreSQL)
/// ends nothing: the token is asked about again at the next round.
struct TokenWatch: Sendable {
    let store: GridStore
    let hash: String?
    var every: Duration = .seconds(2)

    init(_ store: GridStore, _ context: CivicContext) {
        self.store = store
        hash = context.tokenHash
    }

    func isValid() async -> Bool {
        guard let hash else { return true }
        do {
            return try await store.asyncRead { try $0.account(tokenHash: hash) } != nil
        } catch {
            return true  // not known to be revoked: asked again in `every`
        }
    }

    /// One round of the watch: false once the token has been found revoked twice in a row,
    /// `every` apart, so that no passing oddity of a store ends a stream (`misses` carries the
    /// count from round to round).
    func stillValid(_ misses: inout Int) async -> Bool {
        misses = await isValid() ? 0 : misses + 1
        return misses < 2
    }

    /// Returns when the token is no longer valid (`stillValid`) or the task is cancelled.
    func untilRevoked() async {
        var misses = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: every)
            if Task.isCancelled { return }
            if await !stillValid(&misses) { return }
        }
    }
}
