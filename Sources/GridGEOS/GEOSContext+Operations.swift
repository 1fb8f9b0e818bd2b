import CGEOS
import GridGeometry

/// The result of a validity check: the reason and location of the first fault.
public struct Validity: Hashable, Sendable {
    public var isValid: Bool
    public var reason: String?
    public var location: Coordinate?
}

extension GEOSContext {
    /// OGC validity, with GEOS's reason and the location of the fault.
    public func validity(_ g: Geometry) throws(GEOSError) -> Validity {
        let h = try make(g)
        var reason: UnsafeMutablePointer<CChar>?
        var location: OpaquePointer?
        let result = h.with { GEOSisValidDetail_r(handle, $0, 0, &reason, &location) }
        guard result != 2 else { throw error("isValid") }
        defer {
            if let reason { GEOSFree_r(handle, reason) }
            if let location { GEOSGeom_destroy_r(handle, location) }
        }
        if result == 1 { return Validity(isValid: true) }
        var at: Coordinate?
        if let location, case .point(let c) = try value(location) { at = c }
        return Validity(isValid: false, reason: reason.map { String(cString: $0) }, location: at)
    }

    /// Repairs an invalid geometry (GEOS make-valid, "structure" method keeps the area).
    public func makeValid(_ g: Geometry) throws(GEOSError) -> Geometry {
        try unary(g, "makeValid") { GEOSMakeValid_r($0, $1) }
    }

    public func intersection(_ a: Geometry, _ b: Geometry) throws(GEOSError) -> Geometry {
        try binary(a, b, "intersection") { GEOSIntersection_r($0, $1, $2) }
    }

    public func difference(_ a: Geometry, _ b: Geometry) throws(GEOSError) -> Geometry {
        try binary(a, b, "difference") { GEOSDifference_r($0, $1, $2) }
    }

    public func union(_ a: Geometry, _ b: Geometry) throws(GEOSError) -> Geometry {
        try binary(a, b, "union") { GEOSUnion_r($0, $1, $2) }
    }

    /// The union of many geometries at once. With a `gridSize`, every vertex is snapped to
    /// that grid first, so edges that coincide up to floating-point noise fuse.
    public func unaryUnion(_ parts: [Geometry], gridSize: Double = 0) throws(GEOSError) -> Geometry {
        if gridSize > 0 {
            return try unary(.geometryCollection(parts), "unaryUnion") { GEOSUnaryUnionPrec_r($0, $1, gridSize) }
        }
        return try unary(.geometryCollection(parts), "unaryUnion") { GEOSUnaryUnion_r($0, $1) }
    }

    /// The union of polygons that form a coverage (edges shared exactly, no overlaps):
    /// much faster than a general union, and exact on shared edges.
    public func coverageUnion(_ polygons: [Polygon]) throws(GEOSError) -> Geometry {
        try unary(.multiPolygon(polygons), "coverageUnion") { GEOSCoverageUnion_r($0, $1) }
    }

    /// A point guaranteed to lie inside the polygon (or on the line).
    public func pointOnSurface(_ g: Geometry) throws(GEOSError) -> Coordinate {
        let r = try unary(g, "pointOnSurface") { GEOSPointOnSurface_r($0, $1) }
        guard case .point(let c) = r else { throw GEOSError(operation: "pointOnSurface", message: "empty result") }
        return c
    }

    public func intersects(_ a: Geometry, _ b: Geometry) throws(GEOSError) -> Bool {
        let ha = try make(a), hb = try make(b)
        let r = ha.with { a in hb.with { b in GEOSIntersects_r(handle, a, b) } }
        guard r != 2 else { throw error("intersects") }
        return r == 1
    }

    /// Voronoi cells of `sites`, clipped to `clip`, returned in the order of `sites`.
    /// A site that repeats an earlier one gets nil.
    public func voronoiCells(_ sites: [Coordinate], clip: Geometry, tolerance: Double = 0) throws(GEOSError) -> [Geometry?] {
        guard !sites.isEmpty else { return [] }
        if sites.count == 1 { return [clip] }
        let points = try make(.multiPoint(sites))
        let envelope = try make(clip)
        let raw = points.with { p in envelope.with { e in GEOSVoronoiDiagram_r(handle, p, e, tolerance, 0) } }
        let diagram = try own(raw, "voronoi")
        // GEOS 3.11 does not keep the input order: match each cell to the site inside it.
        let cells = try diagram.with { d throws(GEOSError) in try value(d) }.polygons
        let index = try PolygonIndex(context: self, polygons: cells.map(Geometry.polygon))
        var out = [Geometry?](repeating: nil, count: sites.count)
        var claimed = Set<Int>()
        for (i, site) in sites.enumerated() {
            guard let cell = try index.firstContaining(site), claimed.insert(cell).inserted else { continue }
            out[i] = try intersection(.polygon(cells[cell]), clip)
        }
        return out
    }

    private func unary(_ g: Geometry, _ operation: String,
                       _ body: (GEOSContextHandle_t, OpaquePointer) -> OpaquePointer?) throws(GEOSError) -> Geometry {
        let h = try make(g)
        let r = try own(h.with { body(handle, $0) }, operation)
        return try r.with { p throws(GEOSError) in try value(p) }
    }

    private func binary(_ a: Geometry, _ b: Geometry, _ operation: String,
                        _ body: (GEOSContextHandle_t, OpaquePointer, OpaquePointer) -> OpaquePointer?) throws(GEOSError) -> Geometry {
        let ha = try make(a), hb = try make(b)
        let r = try own(ha.with { a in hb.with { b in body(handle, a, b) } }, operation)
        return try r.with { p throws(GEOSError) in try value(p) }
    }
}
