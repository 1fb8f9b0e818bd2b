import Foundation

/// Well-Known Binary (ISO/OGC Simple Features), two dimensions.
///
/// Writes little-endian 2D WKB. Reads either byte order, ISO Z/M/ZM codes and PostGIS EWKB
/// flags, keeping x and y only.
public enum WKB {
    public static func encode(_ g: Geometry) -> Data {
        var w = ByteWriter()
        write(g, to: &w)
        return w.data
    }

    public static func decode(_ data: Data) throws(GeometryError) -> Geometry {
        var r = ByteReader(data)
        let g = try read(&r)
        return g
    }

    static func write(_ g: Geometry, to w: inout ByteWriter) {
        w.byte(1)
        switch g {
        case .point(let c):
            w.uint32(1); w.double(c.x); w.double(c.y)
        case .multiPoint(let cs):
            w.uint32(4); w.uint32(UInt32(cs.count))
            for c in cs { write(.point(c), to: &w) }
        case .lineString(let l):
            w.uint32(2); w.coordinates(l.coordinates)
        case .multiLineString(let ls):
            w.uint32(5); w.uint32(UInt32(ls.count))
            for l in ls { write(.lineString(l), to: &w) }
        case .polygon(let p):
            w.uint32(3); w.uint32(UInt32(p.rings.count))
            for r in p.rings { w.coordinates(r.coordinates) }
        case .multiPolygon(let ps):
            w.uint32(6); w.uint32(UInt32(ps.count))
            for p in ps { write(.polygon(p), to: &w) }
        case .geometryCollection(let gs):
            w.uint32(7); w.uint32(UInt32(gs.count))
            for child in gs { write(child, to: &w) }
        }
    }

    static func read(_ r: inout ByteReader) throws(GeometryError) -> Geometry {
        let order = try r.byte()
        guard order <= 1 else { throw GeometryError(.malformedBinary("byte order \(order)")) }
        r.littleEndian = order == 1
        var code = try r.uint32()
        var dims = 2
        // PostGIS EWKB flags.
        if code & 0x8000_0000 != 0 { dims += 1 }
        if code & 0x4000_0000 != 0 { dims += 1 }
        if code & 0x2000_0000 != 0 { _ = try r.uint32() }  // SRID
        code &= 0x0FFF_FFFF
        // ISO Z / M / ZM.
        switch code / 1000 {
        case 1, 2: dims += 1
        case 3: dims += 2
        default: break
        }
        let base = code % 1000

        func coordinates() throws(GeometryError) -> [Coordinate] {
            let n = Int(try r.uint32())
            guard n <= r.remaining / (8 * dims) else { throw GeometryError(.malformedBinary("count \(n) exceeds data")) }
            var out: [Coordinate] = []
            out.reserveCapacity(n)
            for _ in 0..<n { out.append(try r.coordinate(dims: dims)) }
            return out
        }
        func polygonBody() throws(GeometryError) -> Polygon? {
            let n = Int(try r.uint32())
            var rings: [LinearRing] = []
            for _ in 0..<n {
                do { rings.append(try LinearRing(try coordinates())) } catch {
                    throw GeometryError(error.rule, path: "ring \(rings.count)")
                }
            }
            guard let exterior = rings.first else { return nil }
            return Polygon(exterior: exterior, holes: Array(rings.dropFirst()))
        }
        func children() throws(GeometryError) -> [Geometry] {
            let n = Int(try r.uint32())
            guard n <= r.remaining else { throw GeometryError(.malformedBinary("count \(n) exceeds data")) }
            var out: [Geometry] = []
            for _ in 0..<n {
                let saved = r.littleEndian
                out.append(try read(&r))
                r.littleEndian = saved
            }
            return out
        }

        switch base {
        case 1:
            let c = try r.coordinate(dims: dims)
            return c.x.isNaN && c.y.isNaN ? .geometryCollection([]) : .point(c)
        case 2:
            do { return .lineString(try LineString(try coordinates())) } catch { throw error }
        case 3:
            return try polygonBody().map(Geometry.polygon) ?? .geometryCollection([])
        case 4:
            return .multiPoint(try children().compactMap { if case .point(let c) = $0 { c } else { nil } })
        case 5:
            return .multiLineString(try children().flatMap(\.lineStrings))
        case 6:
            return .multiPolygon(try children().flatMap(\.polygons))
        case 7:
            return .geometryCollection(try children())
        default:
            throw GeometryError(.malformedBinary("unsupported geometry type code \(code)"))
        }
    }
}

struct ByteWriter {
    var data = Data()

    mutating func byte(_ b: UInt8) { data.append(b) }
    mutating func uint32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func int32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func double(_ v: Double) { uint64(v.bitPattern) }
    mutating func uint64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func coordinates(_ cs: [Coordinate]) {
        uint32(UInt32(cs.count))
        for c in cs { double(c.x); double(c.y) }
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    var littleEndian = true

    init(_ data: Data) { bytes = [UInt8](data) }

    var remaining: Int { bytes.count - offset }

    mutating func byte() throws(GeometryError) -> UInt8 {
        guard offset < bytes.count else { throw GeometryError(.malformedBinary("truncated at byte \(offset)")) }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint32() throws(GeometryError) -> UInt32 { try integer() }
    mutating func uint64() throws(GeometryError) -> UInt64 { try integer() }

    private mutating func integer<T: FixedWidthInteger>() throws(GeometryError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw GeometryError(.malformedBinary("truncated at byte \(offset)")) }
        var v: T = 0
        for i in 0..<size { v |= T(bytes[offset + i]) << (8 * i) }
        offset += size
        return littleEndian ? v : v.byteSwapped
    }

    mutating func double() throws(GeometryError) -> Double { Double(bitPattern: try uint64()) }

    mutating func coordinate(dims: Int) throws(GeometryError) -> Coordinate {
        let x = try double(), y = try double()
        for _ in 2..<max(dims, 2) { _ = try double() }
        return Coordinate(x, y)
    }
}
