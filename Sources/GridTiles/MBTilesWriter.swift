import Foundation
import GRDB

/// Writes an MBTiles 1.3 file: `metadata` and `tiles` (TMS rows, so y is flipped), in one
/// transaction to a temporary file renamed into place, so a failed export leaves nothing.
public enum MBTilesWriter {
    /// - Parameters:
    ///   - metadata: name, format, bounds, center, minzoom, maxzoom, json, ...
    ///   - tiles: (z, x, y in XYZ), data as stored (gzip-compressed MVT for format pbf).
    public static func write(to path: String, metadata: [String: String], tiles: [(z: Int, x: Int, y: Int, data: [UInt8])]) throws {
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let queue = try DatabaseQueue(path: partial)
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE metadata (name TEXT, value TEXT);
                    CREATE UNIQUE INDEX metadata_name ON metadata (name);
                    CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
                    CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
                    """)
                for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
                    try db.execute(sql: "INSERT INTO metadata (name, value) VALUES (?, ?)", arguments: [name, value])
                }
                let insert = try db.makeStatement(sql: "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)")
                for t in tiles {
                    try insert.execute(arguments: [t.z, t.x, (1 << t.z) - 1 - t.y, Data(t.data)])
                }
            }
            try queue.close()
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.moveItem(atPath: partial, toPath: path)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw TilesError("cannot write \(path): \((error as? DatabaseError)?.message ?? "\(error)")")
        }
    }
}

/// Why tiles could not be written.
public struct TilesError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
