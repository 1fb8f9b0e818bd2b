extension Geometry {
    /// Checks every coordinate is finite and, when `geographic`, a longitude within ±180
    /// and a latitude within ±90. The error's path points at the first offending position,
    /// in GeoJSON's nesting (`coordinates[0][3]`).
    public func checkCoordinates(geographic: Bool = true) throws(GeometryError) {
        func check(_ cs: [Coordinate], _ path: String) throws(GeometryError) {
            for (i, c) in cs.enumerated() {
                let at = "\(path)[\(i)]"
                guard c.x.isFinite, c.y.isFinite else { throw GeometryError(.nonFiniteCoordinate, path: at) }
                guard geographic else { continue }
                guard abs(c.y) <= 90 else { throw GeometryError(.latitudeOutOfRange(c.y), path: at) }
                guard abs(c.x) <= 180 else { throw GeometryError(.longitudeOutOfRange(c.x), path: at) }
            }
        }
        func polygon(_ p: Polygon, _ path: String) throws(GeometryError) {
            for (i, r) in p.rings.enumerated() { try check(r.coordinates, "\(path)[\(i)]") }
        }
        switch self {
        case .point(let c):
            guard c.x.isFinite, c.y.isFinite else { throw GeometryError(.nonFiniteCoordinate, path: "coordinates") }
            if geographic, abs(c.y) > 90 { throw GeometryError(.latitudeOutOfRange(c.y), path: "coordinates") }
            if geographic, abs(c.x) > 180 { throw GeometryError(.longitudeOutOfRange(c.x), path: "coordinates") }
        case .multiPoint(let cs): try check(cs, "coordinates")
        case .lineString(let l): try check(l.coordinates, "coordinates")
        case .multiLineString(let ls): for (i, l) in ls.enumerated() { try check(l.coordinates, "coordinates[\(i)]") }
        case .polygon(let p): try polygon(p, "coordinates")
        case .multiPolygon(let ps): for (i, p) in ps.enumerated() { try polygon(p, "coordinates[\(i)]") }
        case .geometryCollection(let gs):
            for (i, g) in gs.enumerated() {
                do { try g.checkCoordinates(geographic: geographic) } catch {
                    throw GeometryError(error.rule, path: "geometries[\(i)].\(error.path)")
                }
            }
        }
    }
}
