import GridGeometry

/// A coordinate reference system, as PROJ understands it ("EPSG:4490", a PROJ string...).
public struct CRS: Hashable, Sendable, CustomStringConvertible {
    /// The definition handed to PROJ.
    public let definition: String

    public init(definition: String) { self.definition = definition }

    /// WGS 84 longitude/latitude, the store's CRS.
    public static let wgs84 = CRS(definition: "EPSG:4326")

    public static func epsg(_ code: Int) -> CRS { CRS(definition: "EPSG:\(code)") }

    /// A transverse Mercator projection in metres centred on `center` (lon, lat): scale
    /// error below 1e-5 within 30 km, so areas, lengths and distances of a district are exact
    /// for planning purposes.
    public static func localMetric(around center: Coordinate) -> CRS {
        CRS(definition: "+proj=tmerc +lat_0=\(center.lat) +lon_0=\(center.lon) +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs +type=crs")
    }

    /// Accepts `EPSG:4490`, `4490`, `urn:ogc:def:crs:EPSG::4490`, `CRS84`, `OGC:CRS84`
    /// and `http://www.opengis.net/def/crs/EPSG/0/4490`. Whether PROJ knows the code is
    /// checked when a transform is made.
    public init(parsing text: String) throws(ProjError) {
        let t = text.trimmingCharacters(in: .whitespaces)
        let upper = t.uppercased()
        if upper.hasSuffix("CRS84") { self = .wgs84; return }
        let last = upper.split(whereSeparator: { $0 == ":" || $0 == "/" }).last.map(String.init) ?? ""
        if upper.contains("EPSG") || Int(upper) != nil, let code = Int(last), code > 0 {
            self = .epsg(code)
            return
        }
        throw ProjError(message: "unrecognised CRS \"\(text)\" (use EPSG:n)")
    }

    /// The EPSG code, when the CRS is one.
    public var epsgCode: Int? {
        definition.hasPrefix("EPSG:") ? Int(definition.dropFirst(5)) : nil
    }

    public var description: String { definition }
}

import Foundation
