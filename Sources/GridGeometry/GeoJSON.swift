import Foundation

/// GeoJSON (RFC 7946) reading with precise, located errors.
public enum GeoJSON {
    /// A decoded document: its features, each decoded or refused on its own, and the
    /// legacy `crs` member's name (e.g. `urn:ogc:def:crs:EPSG::4490`) if present.
    public struct Document: Sendable {
        public var features: [Result<Feature, GeometryError>]
        public var crsName: String?
    }

    /// Decodes a FeatureCollection, a single Feature, or a bare geometry. A feature that
    /// breaks a rule is returned as a failure naming its index; the rest still decode.
    /// Throws only when the document as a whole is unreadable.
    public static func decodeDocument(_ data: Data) throws(GeometryError) -> Document {
        let result = data.withUnsafeBytes { bytes -> Result<Document, GeometryError> in
            do throws(GeometryError) {
                let outline = try outline(bytes)
                return .success(Document(features: outline.features.indices.map { outline.feature($0, in: bytes) },
                                         crsName: outline.crsName))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Decodes one geometry object.
    public static func decodeGeometry(_ data: Data) throws(GeometryError) -> Geometry {
        let result = data.withUnsafeBytes { bytes -> Result<Geometry, GeometryError> in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                return .failure(GeometryError(.invalidJSON("empty document")))
            }
            var r = JSONReader(base: base, start: 0, end: bytes.count)
            do throws(GeometryError) {
                r.space()
                let from = r.i
                try r.skip()
                let to = r.i
                r.space()
                guard r.i == r.end else { throw r.syntax("text after the document") }
                r = JSONReader(base: base, start: from, end: to)
                return .success(try r.geometry())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
