import Foundation
import GRDB
import GridGeometry

/// Reads the features of a layer of any GeoPackage (for importing from QGIS or GDAL output).
public enum GeoPackageReader {
    public struct Layer: Sendable {
        public var name: String
        /// The layer's CRS as an EPSG code, when its SRS is an EPSG one.
        public var epsg: Int?
        public var features: [Result<Feature, GeometryError>]
    }

    /// The names of the feature layers in the file (and of its attribute tables, when asked).
    public static func layerNames(path: String, attributes: Bool = false) throws(ImportError) -> [String] {
        do {
            let q = try open(path)
            return try q.read { db in
                try String.fetchAll(db, sql: "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' OR (? AND data_type = 'attributes') ORDER BY table_name",
                                    arguments: [attributes])
            }
        } catch {
            throw Self.unreadable(error, "cannot read \(path) as a GeoPackage")
        }
    }

    /// Reads one layer (the only one, when `layer` is nil and there is just one); with
    /// `attributes`, an attribute table too (rows without geometry).
    public static func read(path: String, layer: String?, attributes: Bool = false) throws(ImportError) -> Layer {
        let names = try layerNames(path: path, attributes: attributes)
        let name: String
        if let layer {
            guard names.contains(layer) else {
                throw ImportError.unreadable("no feature layer \"\(layer)\" in \(path) (layers: \(names.joined(separator: ", ")))")
            }
            name = layer
        } else {
            guard names.count == 1 else {
                throw ImportError.unreadable("\(path) has \(names.count) feature layers (\(names.joined(separator: ", "))): name one with --layer")
            }
            name = names[0]
        }
        do {
            return try open(path).read { db in
                let g = try Row.fetchOne(db, sql: """
                    SELECT c.column_name, s.organization, s.organization_coordsys_id
                    FROM gpkg_geometry_columns c LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = c.srs_id
                    WHERE c.table_name = ?
                    """, arguments: [name])
                guard g != nil || attributes else { throw ImportError.unreadable("layer \(name) has no geometry column") }
                let geomColumn: String? = g?[0]
                let epsg: Int? = (g?[1] as String?)?.uppercased() == "EPSG" ? g?[2] : nil
                let columns = try db.columns(in: name).map(\.name)
                let pk = try db.primaryKey(name).rowIDColumn
                var features: [Result<Feature, GeometryError>] = []
                let quoted = columns.map { "\"\($0)\"" }.joined(separator: ", ")
                let rows = try Row.fetchCursor(db, sql: "SELECT \(quoted) FROM \"\(name)\" ORDER BY rowid")
                while let row = try rows.next() {
                    let index = features.count
                    var properties: [String: JSONValue] = [:]
                    var id: FeatureID?
                    var geometry: Result<Geometry?, GeometryError> = .success(nil)
                    for column in columns {
                        let value: DatabaseValue = row[column]
                        if column == geomColumn {
                            if let blob = Data.fromDatabaseValue(value) {
                                do { geometry = .success(try GeoPackageBinary.decode(blob).geometry) } catch let e as GeometryError {
                                    geometry = .failure(GeometryError(e.rule, path: column, featureIndex: index))
                                }
                            }
                        } else if column == pk, let n = Int64.fromDatabaseValue(value) {
                            id = .number(Double(n))
                        } else {
                            properties[column] = json(value)
                        }
                    }
                    features.append(geometry.map { Feature(id: id, geometry: $0, properties: properties) })
                }
                return Layer(name: name, epsg: epsg, features: features)
            }
        } catch {
            throw Self.unreadable(error, "cannot read layer \(name) of \(path)")
        }
    }

    private static func open(_ path: String) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else { throw ImportError.unreadable("no such file: \(path)") }
        var config = Configuration()
        config.readonly = true
        return try DatabaseQueue(path: path, configuration: config)
    }

    private static func json(_ v: DatabaseValue) -> JSONValue {
        switch v.storage {
        case .null: .null
        // Beyond 2^53 a double would change the digits (an 18-digit ID number GDAL typed as an
        // integer): kept as its text.
        case .int64(let i): abs(i) <= 1 << 53 ? .number(Double(i)) : .string(String(i))
        case .double(let d): .number(d)
        case .string(let s): .string(s)
        case .blob: .null
        }
    }

    /// A failure while reading, said as SQLite says it.
    private static func unreadable(_ error: any Error, _ context: String) -> ImportError {
        if let e = error as? ImportError { return e }
        if let e = error as? DatabaseError { return .unreadable("\(context): \(e.message ?? "\(e.resultCode)")") }
        return .unreadable("\(context): \(error)")
    }
}
