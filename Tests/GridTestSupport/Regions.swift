import CivicGridModel
import GridGeometry

/// A region that is a square `size` degrees wide with its south-west corner at (x, y), named
/// "R" and its code: the store's and the readers' tests build small jurisdictions of these.
public func squareRegion(_ code: String, level: RegionLevel, parent: String?, x: Double, y: Double, size: Double) -> Region {
    let ring = LinearRing(unchecked: [Coordinate(x, y), Coordinate(x + size, y), Coordinate(x + size, y + size),
                                      Coordinate(x, y + size), Coordinate(x, y)])
    return Region(code: code, name: "R\(code)", level: level, parent: parent, geometry: .multiPolygon([Polygon(exterior: ring)]))
}
