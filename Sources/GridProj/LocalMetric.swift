import GridGeometry

/// Metric work (areas, perimeters, distances) on geographic data: a local transverse
/// Mercator frame around a centre, through PROJ.
public struct LocalMetric {
    public let crs: CRS
    private let projector: Projector

    public init(around center: Coordinate, projector: Projector = Projector()) {
        self.crs = .localMetric(around: center)
        self.projector = projector
    }

    /// Coordinates (lon, lat) to metres in the local frame.
    public func project(_ g: Geometry) throws(ProjError) -> Geometry {
        try projector.transform(g, from: .wgs84, to: crs)
    }

    public func project(_ cs: [Coordinate]) throws(ProjError) -> [Coordinate] {
        try projector.transform(cs, from: .wgs84, to: crs)
    }

    /// Metres in the local frame back to (lon, lat).
    public func unproject(_ g: Geometry) throws(ProjError) -> Geometry {
        try projector.transform(g, from: crs, to: .wgs84)
    }

    public func unproject(_ cs: [Coordinate]) throws(ProjError) -> [Coordinate] {
        try projector.transform(cs, from: crs, to: .wgs84)
    }

    /// Area in square metres of a (lon, lat) geometry.
    public func area(_ g: Geometry) throws(ProjError) -> Double { try project(g).area }
}

extension Projector {
    /// Area in square metres of a (lon, lat) geometry, measured in a transverse Mercator
    /// frame centred within 0.25° of it (frames are shared, so transformers stay cached).
    public func metricArea(_ g: Geometry) throws(ProjError) -> Double {
        guard let box = g.boundingBox else { return 0 }
        let c = box.center
        let center = Coordinate((c.lon * 2).rounded() / 2, (c.lat * 2).rounded() / 2)
        return try transform(g, from: .wgs84, to: .localMetric(around: center)).area
    }
}
