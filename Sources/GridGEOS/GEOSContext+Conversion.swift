import CGEOS
import GridGeometry

extension GEOSContext {
    /// Builds a GEOS geometry from a value.
    func make(_ g: Geometry) throws(GEOSError) -> GEOSGeometryHandle {
        try own(raw(g), "create \(g.typeName)")
    }

    /// A new, caller-owned GEOS geometry (nil on failure).
    private func raw(_ g: Geometry) -> OpaquePointer? {
        switch g {
        case .point(let c):
            return GEOSGeom_createPointFromXY_r(handle, c.x, c.y)
        case .multiPoint(let cs):
            return collection(GEOS_MULTIPOINT, cs.map { GEOSGeom_createPointFromXY_r(handle, $0.x, $0.y) })
        case .lineString(let l):
            return sequence(l.coordinates).flatMap { GEOSGeom_createLineString_r(handle, $0) }
        case .multiLineString(let ls):
            return collection(GEOS_MULTILINESTRING, ls.map { raw(.lineString($0)) })
        case .polygon(let p):
            return polygon(p)
        case .multiPolygon(let ps):
            return collection(GEOS_MULTIPOLYGON, ps.map { polygon($0) })
        case .geometryCollection(let gs):
            return collection(GEOS_GEOMETRYCOLLECTION, gs.map { raw($0) })
        }
    }

    private func sequence(_ cs: [Coordinate]) -> OpaquePointer? {
        cs.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: Double.self) { doubles in
                GEOSCoordSeq_copyFromBuffer_r(handle, doubles.baseAddress, UInt32(cs.count), 0, 0)
            }
        }
    }

    private func ring(_ r: LinearRing) -> OpaquePointer? {
        sequence(r.coordinates).flatMap { GEOSGeom_createLinearRing_r(handle, $0) }
    }

    private func polygon(_ p: Polygon) -> OpaquePointer? {
        guard let shell = ring(p.exterior) else { return nil }
        var holes = p.holes.map { ring($0) }
        guard holes.allSatisfy({ $0 != nil }) else {
            GEOSGeom_destroy_r(handle, shell)
            for h in holes { if let h { GEOSGeom_destroy_r(handle, h) } }
            return nil
        }
        return holes.withUnsafeMutableBufferPointer {
            GEOSGeom_createPolygon_r(handle, shell, $0.baseAddress, UInt32(p.holes.count))
        }
    }

    private func collection(_ type: GEOSGeomTypes, _ parts: [OpaquePointer?]) -> OpaquePointer? {
        guard parts.allSatisfy({ $0 != nil }) else {
            for p in parts { if let p { GEOSGeom_destroy_r(handle, p) } }
            return nil
        }
        var parts = parts
        let count = UInt32(parts.count)
        return parts.withUnsafeMutableBufferPointer {
            GEOSGeom_createCollection_r(handle, Int32(type.rawValue), $0.baseAddress, count)
        }
    }

    /// Reads a GEOS geometry back into a value. Empty parts are dropped.
    func value(_ g: OpaquePointer) throws(GEOSError) -> Geometry {
        let type = GEOSGeomTypeId_r(handle, g)
        switch Int(type) {
        case Int(GEOS_POINT.rawValue):
            if GEOSisEmpty_r(handle, g) == 1 { return .geometryCollection([]) }
            return .point(try coordinates(of: g).first ?? Coordinate(.nan, .nan))
        case Int(GEOS_LINESTRING.rawValue), Int(GEOS_LINEARRING.rawValue):
            let cs = try coordinates(of: g)
            return cs.count >= 2 ? .lineString(LineString(unchecked: cs)) : .geometryCollection([])
        case Int(GEOS_POLYGON.rawValue):
            return try polygonValue(g).map(Geometry.polygon) ?? .geometryCollection([])
        case Int(GEOS_MULTIPOINT.rawValue):
            return .multiPoint(try children(g).compactMap { if case .point(let c) = $0 { c } else { nil } })
        case Int(GEOS_MULTILINESTRING.rawValue):
            return .multiLineString(try children(g).flatMap(\.lineStrings))
        case Int(GEOS_MULTIPOLYGON.rawValue):
            return .multiPolygon(try children(g).flatMap(\.polygons))
        default:
            return .geometryCollection(try children(g).filter { !$0.isEmpty })
        }
    }

    private func children(_ g: OpaquePointer) throws(GEOSError) -> [Geometry] {
        let n = GEOSGetNumGeometries_r(handle, g)
        var out: [Geometry] = []
        for i in 0..<max(n, 0) {
            guard let child = GEOSGetGeometryN_r(handle, g, i) else { throw error("read part") }
            out.append(try value(child))
        }
        return out
    }

    private func polygonValue(_ g: OpaquePointer) throws(GEOSError) -> Polygon? {
        if GEOSisEmpty_r(handle, g) == 1 { return nil }
        guard let shell = GEOSGetExteriorRing_r(handle, g) else { throw error("read exterior ring") }
        var holes: [LinearRing] = []
        let n = GEOSGetNumInteriorRings_r(handle, g)
        for i in 0..<max(n, 0) {
            guard let hole = GEOSGetInteriorRingN_r(handle, g, i) else { throw error("read hole") }
            holes.append(LinearRing(unchecked: try coordinates(of: hole)))
        }
        return Polygon(exterior: LinearRing(unchecked: try coordinates(of: shell)), holes: holes)
    }

    private func coordinates(of g: OpaquePointer) throws(GEOSError) -> [Coordinate] {
        guard let seq = GEOSGeom_getCoordSeq_r(handle, g) else { throw error("read coordinates") }
        var size: UInt32 = 0
        guard GEOSCoordSeq_getSize_r(handle, seq, &size) != 0 else { throw error("read coordinates") }
        var out = [Coordinate](repeating: Coordinate(0, 0), count: Int(size))
        let ok = out.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: Double.self) {
                GEOSCoordSeq_copyToBuffer_r(handle, seq, $0.baseAddress, 0, 0)
            }
        }
        guard ok != 0 else { throw error("read coordinates") }
        return out
    }
}
