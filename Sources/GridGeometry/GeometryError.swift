/// Why a geometry (or a GeoJSON document) was refused, and where.
///
/// `path` locates the offending member, e.g. `features[3].geometry.coordinates[0][7]`;
/// `featureIndex` is the zero-based index of the feature in its collection, when known.
public struct GeometryError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Rule: Hashable, Sendable {
        case invalidJSON(String)
        case missingMember(String)
        case unknownType(String)
        case wrongType(expected: String, found: String)
        case nonNumericCoordinate
        case positionTooShort(count: Int)
        case nonFiniteCoordinate
        case tooFewPositions(count: Int, minimum: Int)
        case unclosedRing
        case latitudeOutOfRange(Double)
        case longitudeOutOfRange(Double)
        case malformedBinary(String)
    }

    public var rule: Rule
    public var path: String
    public var featureIndex: Int?

    public init(_ rule: Rule, path: String = "", featureIndex: Int? = nil) {
        self.rule = rule
        self.path = path
        self.featureIndex = featureIndex
    }

    /// The rule, in words, without the location.
    public var reason: String {
        switch rule {
        case .invalidJSON(let message): "not valid JSON: \(message)"
        case .missingMember(let name): "missing member \"\(name)\""
        case .unknownType(let type): "unknown GeoJSON type \"\(type)\""
        case .wrongType(let expected, let found): "expected \(expected), found \(found)"
        case .nonNumericCoordinate: "non-numeric coordinate"
        case .positionTooShort(let n): "a position needs at least 2 numbers, found \(n)"
        case .nonFiniteCoordinate: "coordinate is not a finite number"
        case .tooFewPositions(let n, let minimum): "\(n) positions, fewer than \(minimum)"
        case .unclosedRing: "unclosed ring (first and last positions differ)"
        case .latitudeOutOfRange(let v): "latitude \(v) outside ±90"
        case .longitudeOutOfRange(let v): "longitude \(v) outside ±180"
        case .malformedBinary(let message): "malformed binary geometry: \(message)"
        }
    }

    public var description: String {
        var s = ""
        if let featureIndex { s += "feature \(featureIndex): " }
        s += reason
        if !path.isEmpty { s += " at \(path)" }
        return s
    }
}
