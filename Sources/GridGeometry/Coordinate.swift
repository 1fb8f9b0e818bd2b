/// A planar position: longitude/latitude in EPSG:4326, or easting/northing in a projected CRS.
///
/// Laid out as two `Double`s so arrays of coordinates can be handed to C libraries as
/// interleaved x, y buffers.
public struct Coordinate: Hashable, Sendable {
    public var x: Double
    public var y: Double

    @inlinable
    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }

    /// Longitude, when the coordinate is geographic.
    @inlinable public var lon: Double { x }
    /// Latitude, when the coordinate is geographic.
    @inlinable public var lat: Double { y }

    @inlinable
    public func distance(to other: Coordinate) -> Double {
        let dx = other.x - x, dy = other.y - y
        return (dx * dx + dy * dy).squareRoot()
    }
}
