import Foundation
import GridGEOS
import GridGeometry
import GridProj

/// A feature that passed the geometry checks, with its geometry in EPSG:4326.
struct Checked {
    var index: Int
    var feature: Feature
    var geometry: Geometry?
}

enum GeometryClass {
    case polygonal, linear, ignored

    var expected: String {
        switch self {
        case .polygonal: "Polygon or MultiPolygon"
        case .linear: "LineString or MultiLineString"
        case .ignored: "any"
        }
    }
}

/// Checks one feature at a time: decoding errors, CRS transform, coordinate ranges, geometry
/// kind and validity (repaired when asked). Owns no thread-safety: one per thread.
struct FeatureChecker {
    let geos: GEOSContext
    let projector: Projector
    let crs: CRS
    let options: ImportOptions

    func check(_ result: Result<Feature, GeometryError>, index: Int, _ cls: GeometryClass) -> Result<Checked, Rejection> {
        let feature: Feature
        switch result {
        case .failure(let e):
            let at = e.path.isEmpty ? "" : " at \(Self.featurePath(e.path))"
            return .failure(Rejection(index: index, reason: e.reason + at))
        case .success(let f): feature = f
        }
        if cls == .ignored { return .success(Checked(index: index, feature: feature, geometry: nil)) }
        guard var g = feature.geometry else {
            return .failure(Rejection(index: index, reason: "no geometry (expected \(cls.expected))"))
        }
        do {
            g = try projector.transform(g, from: crs, to: .wgs84)
            try g.checkCoordinates(geographic: true)
        } catch let e as GeometryError {
            return .failure(Rejection(index: index, reason: "\(e.reason) at geometry.\(e.path)"))
        } catch {
            return .failure(Rejection(index: index, reason: "\(error)"))
        }
        switch (cls, g) {
        case (.polygonal, .polygon), (.polygonal, .multiPolygon):
            return validated(.multiPolygon(g.polygons))
                .map { Checked(index: index, feature: feature, geometry: $0) }
                .mapError { Rejection(index: index, reason: $0.description) }
        case (.linear, .lineString), (.linear, .multiLineString):
            return .success(Checked(index: index, feature: feature, geometry: .multiLineString(g.lineStrings)))
        default:
            return .failure(Rejection(index: index, reason: "geometry is a \(g.typeName), expected \(cls.expected)"))
        }
    }

    /// A MultiPolygon checked for validity, repaired when asked, or why not.
    private func validated(_ multi: Geometry) -> Result<Geometry, Importer.RejectReason> {
        do {
            let v = try geos.validity(multi)
            if v.isValid { return .success(multi) }
            let at = v.location.map { " at (\(GeoJSONWriter.number($0.x, precision: 7)), \(GeoJSONWriter.number($0.y, precision: 7)))" } ?? ""
            guard options.makeValid else {
                return .failure(.init("invalid polygon: \(v.reason ?? "invalid")\(at) (use --make-valid to repair)"))
            }
            let repaired = try geos.makeValid(multi).polygons
            guard !repaired.isEmpty else {
                return .failure(.init("invalid polygon: \(v.reason ?? "invalid")\(at); repair left no area"))
            }
            return .success(.multiPolygon(repaired))
        } catch {
            return .failure(.init("geometry cannot be checked: \(error)"))
        }
    }

    /// `features[3].geometry.coordinates[0][7]` → `geometry.coordinates[0][7]` (the index is
    /// already in the rejection).
    static func featurePath(_ path: String) -> String {
        guard path.hasPrefix("features["), let close = path.firstIndex(of: "]") else { return path }
        let rest = path[path.index(after: close)...]
        return rest.hasPrefix(".") ? String(rest.dropFirst()) : String(rest)
    }
}
