import Foundation
import GridGeometry
import GridProj
import GridStore

/// The features of an input file and the CRS they are in.
struct FeatureSource {
    var features: [Result<Feature, GeometryError>]
    var crs: CRS

    /// Reads GeoJSON (`.geojson`, `.json`) or a GeoPackage layer, told apart by content.
    static func read(path: String, options: ImportOptions) throws(ImportError) -> FeatureSource {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable("cannot read \(path): no such file or not readable")
        }
        if data.starts(with: Array("SQLite format 3".utf8)) {
            let layer: GeoPackageReader.Layer
            do { layer = try GeoPackageReader.read(path: path, layer: options.layer) } catch {
                throw .unreadable(error.message)
            }
            let crs = options.crs ?? layer.epsg.map(CRS.epsg) ?? .wgs84
            return FeatureSource(features: layer.features, crs: crs)
        }
        let document: GeoJSON.Document
        do { document = try GeoJSON.decodeDocument(data) } catch {
            throw .unreadable("\(path) is not GeoJSON: \(error)")
        }
        var crs = CRS.wgs84
        if let override = options.crs {
            crs = override
        } else if let name = document.crsName {
            do { crs = try CRS(parsing: name) } catch { throw .unreadable("\(path): \(error.message)") }
        }
        return FeatureSource(features: document.features, crs: crs)
    }
}
