import Foundation
import GRDB
import GridGeometry

/// Writes features to a new GeoPackage of one layer, for desktop GIS.
public enum GeoPackageWriter {
    /// Replaces `path` with a GeoPackage holding `features` (EPSG:4326) as `layer`. Columns
    /// come from the properties: integers, reals or text.
    public static func write(_ features: [Feature], layer: String, geometryType: String, to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        var config = Configuration()
        config.prepareDatabase { GeoPackageFunctions.register(in: $0) }
        let queue = try DatabaseQueue(path: path, configuration: config)
        let names = Set(features.flatMap(\.properties.keys)).sorted()
        let types = names.map { name -> String in
            let values = features.compactMap { $0.properties[name] }.filter { !$0.isNull }
            if values.allSatisfy({ if case .number(let d) = $0 { d == d.rounded() } else { false } }) { return "INTEGER" }
            if values.allSatisfy({ if case .number = $0 { true } else { false } }) { return "REAL" }
            return "TEXT"
        }
        try queue.write { db in
            try Schema.geoPackageCore(db)
            let columns = zip(names, types).map { "\"\($0)\" \($1)" }.joined(separator: ", ")
            try db.execute(sql: "CREATE TABLE \"\(layer)\" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom \(geometryType)\(columns.isEmpty ? "" : ", " + columns))")
            try Schema.registerFeatureTable(db, table: layer, geometryType: geometryType, description: layer)
            let placeholders = (["?"] + names.map { _ in "?" }).joined(separator: ", ")
            let quoted = (["geom"] + names.map { "\"\($0)\"" }).joined(separator: ", ")
            let statement = try db.makeStatement(sql: "INSERT INTO \"\(layer)\" (\(quoted)) VALUES (\(placeholders))")
            for f in features {
                var args: [(any DatabaseValueConvertible)?] = [f.geometry.map { GeoPackageBinary.encode($0) }]
                for name in names {
                    switch f.properties[name] {
                    case .number(let d)?: args.append(d == d.rounded() && abs(d) < 9e15 ? Int64(d) as any DatabaseValueConvertible : d)
                    case .string(let s)?: args.append(s)
                    case .bool(let b)?: args.append(b)
                    default: args.append(nil)
                    }
                }
                try statement.execute(arguments: StatementArguments(args))
            }
            try Schema.updateExtent(db, table: layer)
        }
    }
}
