import Foundation
import CivicGridModel
import GRDB
import GRDBSQLite
import GridGeometry

/// The SQL functions GeoPackage's R-tree triggers call (GeoPackage 1.3, Annex F.3):
/// `ST_IsEmpty`, `ST_MinX`, `ST_MaxX`, `ST_MinY`, `ST_MaxY`, reading the GeoPackage
/// binary header. And `civicgrid_band(households, params)`: under, ok or over against the
/// band in a plan's stored parameters (`Band.classify`, the one rule).
enum GeoPackageFunctions {
    static func register(in db: Database) {
        // The R-tree functions run five times for every row written, so they read the blob
        // where SQLite holds it, through SQLite's own function interface.
        sqlite3_create_function_v2(db.sqliteConnection, "ST_IsEmpty", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil, { context, _, values in
            guard let values, let blob = GeoPackageFunctions.blob(values[0]), case .success(let h) = GeoPackageBinary.header(blob) else {
                return sqlite3_result_int(context, 1)
            }
            sqlite3_result_int(context, h.isEmpty ? 1 : 0)
        }, nil, nil, nil)
        for (part, name) in ["ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"].enumerated() {
            sqlite3_create_function_v2(db.sqliteConnection, name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                       UnsafeMutableRawPointer(bitPattern: part + 1), { context, _, values in
                guard let values, let blob = GeoPackageFunctions.blob(values[0]), let box = GeoPackageFunctions.envelope(blob) else { return sqlite3_result_null(context) }
                let value = switch Int(bitPattern: sqlite3_user_data(context)) {
                case 1: box.minX
                case 2: box.maxX
                case 3: box.minY
                default: box.maxY
                }
                sqlite3_result_double(context, value)
            }, nil, nil, nil)
        }
        db.add(function: DatabaseFunction("civicgrid_band", argumentCount: 2, pure: true) { args in
            guard let households = Int.fromDatabaseValue(args[0]) else { return nil }
            return (Band(planParameters: String.fromDatabaseValue(args[1])) ?? Band()).classify(households).rawValue
        })
    }

    /// A blob argument's bytes, as SQLite holds them.
    private static func blob(_ value: OpaquePointer?) -> UnsafeRawBufferPointer? {
        guard sqlite3_value_type(value) == SQLITE_BLOB, let start = sqlite3_value_blob(value) else { return nil }
        return UnsafeRawBufferPointer(start: start, count: Int(sqlite3_value_bytes(value)))
    }

    /// The envelope in the header, or the geometry's own when there is none (a point).
    private static func envelope(_ blob: UnsafeRawBufferPointer) -> BoundingBox? {
        guard case .success(let h) = GeoPackageBinary.header(blob), !h.isEmpty else { return nil }
        return h.envelope ?? (try? GeoPackageBinary.envelope(Data(blob)))
    }
}

