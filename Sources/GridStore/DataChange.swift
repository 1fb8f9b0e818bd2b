import Foundation
import GridGeometry

/// A committed change to what the map shows: which layer and where (lon/lat box). Every
/// write transaction that changes regions, buildings, roads or published grids records one
/// per layer, so a tile server (in this process or another) can drop exactly the tiles it
/// touched.
public struct DataChange: Hashable, Sendable {
    /// Increasing with every change: the data version.
    public var id: Int64
    public var layer: Layer
    public var bounds: BoundingBox

    public enum Layer: String, Sendable, CaseIterable {
        case regions, buildings, roads, grids
    }
}

/// The boxes a transaction has touched, per layer; written when it commits.
final class ChangeSet {
    var boxes: [DataChange.Layer: BoundingBox] = [:]

    func note(_ layer: DataChange.Layer, _ box: BoundingBox?) {
        guard let box else { return }
        boxes[layer] = boxes[layer].map { $0.union(box) } ?? box
    }

    func record(in db: SQLDatabase) throws {
        for layer in DataChange.Layer.allCases {
            guard let b = boxes[layer] else { continue }
            try db.execute(sql: "INSERT INTO changes (layer, minx, miny, maxx, maxy, at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [layer.rawValue, b.minX, b.minY, b.maxX, b.maxY, StoreTime.text(Date())])
        }
    }
}

extension StoreReader {
    /// Changes after the given version, oldest first.
    public func changes(after id: Int64) throws -> [DataChange] {
        try SQLRow.fetchAll(db, sql: "SELECT id, layer, minx, miny, maxx, maxy FROM changes WHERE id > ? ORDER BY id", arguments: [id]).compactMap {
            guard let layer = DataChange.Layer(rawValue: try $0["layer"]) else { return nil }
            return try DataChange(id: $0["id"], layer: layer, bounds: BoundingBox(minX: $0["minx"], minY: $0["miny"], maxX: $0["maxx"], maxY: $0["maxy"]))
        }
    }

    /// The current data version (0 before any change).
    public func dataVersion() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM changes") ?? 0
    }

    /// The box (lon/lat) of a feature table's rows (`f`) matching `condition`, through its
    /// spatial index.
    func extent(of table: String, where condition: String, _ arguments: SQLArguments) throws -> BoundingBox? {
        let f = db.spatial(table, "f")
        guard let row = try SQLRow.fetchOne(db, sql: """
            SELECT min(\(f.minX)) AS a, min(\(f.minY)) AS b, max(\(f.maxX)) AS c, max(\(f.maxY)) AS d
            FROM \(f.from()) WHERE \(condition)
            """, arguments: arguments), let a: Double = try row["a"] else { return nil }
        return try BoundingBox(minX: a, minY: row["b"], maxX: row["c"], maxY: row["d"])
    }
}
