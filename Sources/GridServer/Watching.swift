import CivicGridModel
import Foundation
import GridStore
import GridTracking
import GridWire
import Hummingbird

/// What the live and history routes share: which region a watcher asks for (checked against
/// the account's scope) and the query values they take.
struct Watching: Sendable {
    let store: GridStore
    let access: Access

    static let watchers: Set<Role> = [.admin, .viewer, .dispatcher]

    /// The region a watcher asks for, checked against the account's scope (default: the scope).
    func scoped(_ context: CivicContext, _ region: String?, _ action: String) async throws -> String? {
        let account = try access.require(context, Self.watchers, to: action)
        guard let region else { return account.region }
        guard let root = account.region else { return region }
        // A published grid's code stands for its community; anything else is a region code.
        let inside = try await store.asyncRead { r in try r.isRegion(try r.publishedGridCommunities()[region] ?? region, under: root) }
        guard inside else { throw Access.outOfScope(account, region, action) }
        return region
    }

    /// Which positions a `region` parameter selects: those in the subtree of a district,
    /// street or community, or in a published grid of that code; all without one; 404 for an
    /// unknown code.
    func area(_ region: String?) async throws -> @Sendable (DevicePosition) -> Bool {
        guard let region else { return { _ in true } }
        if try await store.asyncRead({ try $0.isPublishedGrid(code: region) }) { return { $0.gridCode == region } }
        let communities = try await communities(region) ?? []
        return { p in p.ping.community.map(communities.contains) ?? false }
    }

    /// The communities under a region code (nil without one); 404 for an unknown code.
    func communities(_ region: String?) async throws -> Set<String>? {
        guard let region else { return nil }
        guard let set = try await store.asyncRead({ try $0.communityCodes(under: region) }) else {
            throw Problem.notFound("no region \"\(region)\"")
        }
        return set
    }

    /// A time as the document's `time` schema has it: epoch seconds or milliseconds (up to 15
    /// digits, 6 decimals), or RFC 3339 with a zone.
    static func time(_ value: String?, _ name: String) throws -> Double? {
        guard let value else { return nil }
        let epoch = value.wholeMatch(of: /[0-9]{1,15}(\.[0-9]{1,6})?/) != nil
        guard let t = epoch ? Timestamp.parse(value) : Timestamp.parseISO(Array(value.utf8)) else {
            throw Problem.badRequest("\(name) \"\(value)\" is not a time (RFC 3339 with a zone, or epoch seconds or milliseconds)")
        }
        return t
    }

    static func seconds(_ value: String?, _ name: String) throws -> Double? {
        guard let value else { return nil }
        guard let d = Double(decimal: value), d >= 0 else { throw Problem.badRequest("\(name) \"\(value)\" is not a non-negative number") }
        return d
    }

    static func utcOffset(_ s: String) throws -> Int {
        let b = Array(s.utf8)
        guard b.count == 6, b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: " "), b[3] == UInt8(ascii: ":"),
              let h = Int(String(s.dropFirst().prefix(2))), let m = Int(String(s.suffix(2))), h <= 14, m < 60 else {
            throw Problem.badRequest("utc_offset \"\(s)\" is not ±HH:MM")
        }
        return (b[0] == UInt8(ascii: "-") ? -1 : 1) * (h * 3600 + m * 60)
    }
}

/// A GeoJSON point.
struct PointGeometry: Encodable, Sendable {
    let type = "Point"
    var coordinates: [Double]

    init(_ lon: Double, _ lat: Double) { coordinates = [lon, lat] }
}

/// A GeoJSON FeatureCollection of one kind of feature.
struct FeatureCollectionAnswer<F: Encodable & Sendable>: Encodable, Sendable {
    let type = "FeatureCollection"
    var features: [F]
    var timeStamp: String?
}
