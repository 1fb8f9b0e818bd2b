/// A GeoJSON feature id: a string or a number.
public enum FeatureID: Hashable, Sendable {
    case string(String)
    case number(Double)

    public var stringValue: String {
        switch self {
        case .string(let s): s
        case .number(let d): JSONValue.format(d)
        }
    }
}

/// A GeoJSON (RFC 7946) feature.
public struct Feature: Hashable, Sendable {
    public var id: FeatureID?
    public var geometry: Geometry?
    public var properties: [String: JSONValue]

    public init(id: FeatureID? = nil, geometry: Geometry?, properties: [String: JSONValue] = [:]) {
        self.id = id
        self.geometry = geometry
        self.properties = properties
    }

    /// A property looked up by any of `names`, first exactly, then ignoring case.
    public func property(_ names: [String]) -> JSONValue? {
        for n in names { if let v = properties[n], !v.isNull { return v } }
        for n in names {
            let lower = n.lowercased()
            if let (_, v) = properties.first(where: { $0.key.lowercased() == lower }), !v.isNull { return v }
        }
        return nil
    }
}
