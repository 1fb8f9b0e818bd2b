import Foundation

/// A tile of the Web Mercator (EPSG:3857) XYZ scheme: zoom z, column x from the west,
/// row y from the north.
public struct TileID: Hashable, Sendable, CustomStringConvertible {
    public let z: Int
    public let x: Int
    public let y: Int

    /// The highest zoom a tile may have.
    public static let maxZoom = 24

    /// A tile, or nil when z is outside 0…24 or x, y outside 0..<2^z.
    public init?(z: Int, x: Int, y: Int) {
        guard (0...Self.maxZoom).contains(z) else { return nil }
        let n = 1 << z
        guard (0..<n).contains(x), (0..<n).contains(y) else { return nil }
        self.z = z
        self.x = x
        self.y = y
    }

    public var description: String { "\(z)/\(x)/\(y)" }

    /// The tile's square in world units (see `WebMercator`).
    public var bounds: BoundingBox {
        let size = 1 / Double(1 << z)
        return BoundingBox(minX: Double(x) * size, minY: Double(y) * size, maxX: Double(x + 1) * size, maxY: Double(y + 1) * size)
    }

    /// The tiles of zoom z that a world-unit box touches.
    public static func covering(_ box: BoundingBox, zoom z: Int) -> [TileID] {
        let n = 1 << z, scale = Double(n)
        func index(_ v: Double) -> Int { min(max(Int((v * scale).rounded(.down)), 0), n - 1) }
        var out: [TileID] = []
        for y in index(box.minY)...index(box.maxY) {
            for x in index(box.minX)...index(box.maxX) { out.append(TileID(z: z, x: x, y: y)!) }
        }
        return out
    }
}

/// Spherical Web Mercator in world units: the world is the unit square, x east from
/// longitude −180°, y south from latitude 85.0511°.
public enum WebMercator {
    /// The latitude limit of the square world.
    public static let maxLatitude = 85.051128779806604

    /// (lon, lat) in degrees to world units; latitudes beyond the limit are clamped.
    @inline(__always)
    public static func project(_ c: Coordinate) -> Coordinate {
        let lat = min(max(c.y, -maxLatitude), maxLatitude) * .pi / 180
        return Coordinate((c.x + 180) / 360, (1 - log(tan(lat) + 1 / cos(lat)) / .pi) / 2)
    }

    /// World units to (lon, lat) in degrees.
    public static func unproject(_ c: Coordinate) -> Coordinate {
        Coordinate(c.x * 360 - 180, atan(sinh(.pi * (1 - 2 * c.y))) * 180 / .pi)
    }

    /// A (lon, lat) box to world units (note y grows southwards).
    public static func project(_ box: BoundingBox) -> BoundingBox {
        let a = project(Coordinate(box.minX, box.maxY)), b = project(Coordinate(box.maxX, box.minY))
        return BoundingBox(minX: a.x, minY: a.y, maxX: b.x, maxY: b.y)
    }

    /// A world-unit box to (lon, lat).
    public static func unproject(_ box: BoundingBox) -> BoundingBox {
        let a = unproject(Coordinate(box.minX, box.maxY)), b = unproject(Coordinate(box.maxX, box.minY))
        return BoundingBox(minX: a.x, minY: a.y, maxX: b.x, maxY: b.y)
    }
}
