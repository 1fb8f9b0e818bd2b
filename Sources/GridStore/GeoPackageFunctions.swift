import Foundation
import CivicGridModel
import GRDB
import GridGeometry

/// The SQL functions GeoPackage's R-tree triggers call (GeoPackage 1.3, Annex F.3):
/// `ST_IsEmpty`, `ST_MinX`, `ST_MaxX`, `ST_MinY`, `ST_MaxY`, reading the GeoPackage
/// binary header. And `civicgrid_band(households, params)`: under, ok or over against the
/// band in a plan's stored parameters (`Band.classify`, the one rule).
enum GeoPackageFunctions {
    static func register(in db: Database) {
        db.add(function: DatabaseFunction("ST_IsEmpty", argumentCount: 1, pure: true) { args in
            guard let blob = Data.fromDatabaseValue(args[0]) else { return nil }
            return (try? GeoPackageBinary.header(blob).isEmpty) ?? true
        })
        for (name, part) in [("ST_MinX", \BoundingBox.minX), ("ST_MaxX", \BoundingBox.maxX),
                             ("ST_MinY", \BoundingBox.minY), ("ST_MaxY", \BoundingBox.maxY)] {
            db.add(function: DatabaseFunction(name, argumentCount: 1, pure: true) { args in
                guard let blob = Data.fromDatabaseValue(args[0]),
                      let box = try? GeoPackageBinary.envelope(blob) else { return nil }
                return box[keyPath: part]
            })
        }
        db.add(function: DatabaseFunction("civicgrid_band", argumentCount: 2, pure: true) { args in
            guard let households = Int.fromDatabaseValue(args[0]) else { return nil }
            return (Band(planParameters: String.fromDatabaseValue(args[1])) ?? Band()).classify(households).rawValue
        })
    }
}

