import Foundation

/// The GeoPackage geometry encoding (GeoPackage 1.3, §2.1.3): a `GP` header with the SRS id
/// and an envelope, followed by WKB.
public enum GeoPackageBinary {
    /// Encodes with a little-endian header and an x/y envelope (none for points).
    public static func encode(_ g: Geometry, srsID: Int32 = 4326) -> Data {
        var w = ByteWriter()
        w.byte(0x47); w.byte(0x50); w.byte(0)  // "GP", version 0
        let box = g.boundingBox
        let isPoint: Bool = if case .point = g { true } else { false }
        let empty = g.isEmpty || box == nil
        let envelope: UInt8 = (empty || isPoint) ? 0 : 1
        w.byte((empty ? 0x10 : 0) | (envelope << 1) | 1)
        w.int32(srsID)
        if envelope == 1, let box {
            w.double(box.minX); w.double(box.maxX); w.double(box.minY); w.double(box.maxY)
        }
        WKB.write(g, to: &w)
        return w.data
    }

    public struct Header: Sendable {
        public var srsID: Int32
        public var isEmpty: Bool
        public var envelope: BoundingBox?
        /// Offset of the WKB after the header.
        public var wkbOffset: Int
    }

    public static func header(_ data: Data) throws(GeometryError) -> Header {
        var r = ByteReader(data)
        guard try r.byte() == 0x47, try r.byte() == 0x50 else {
            throw GeometryError(.malformedBinary("missing GP magic"))
        }
        _ = try r.byte()  // version
        let flags = try r.byte()
        r.littleEndian = flags & 1 == 1
        let srs = Int32(bitPattern: try r.uint32())
        let indicator = (flags >> 1) & 0x07
        let doubles: Int = switch indicator {
        case 0: 0
        case 1: 4
        case 2, 3: 6
        case 4: 8
        default: -1
        }
        guard doubles >= 0 else { throw GeometryError(.malformedBinary("envelope indicator \(indicator)")) }
        var envelope: BoundingBox?
        if doubles > 0 {
            var v: [Double] = []
            for _ in 0..<doubles { v.append(try r.double()) }
            envelope = BoundingBox(minX: v[0], minY: v[2], maxX: v[1], maxY: v[3])
        }
        return Header(srsID: srs, isEmpty: flags & 0x10 != 0, envelope: envelope, wkbOffset: r.offset)
    }

    public static func decode(_ data: Data) throws(GeometryError) -> (geometry: Geometry, srsID: Int32) {
        let h = try header(data)
        let wkb = data.subdata(in: (data.startIndex + h.wkbOffset)..<data.endIndex)
        return (try WKB.decode(wkb), h.srsID)
    }

    /// The envelope from the header, or computed from the geometry when the header has none.
    /// Nil for an empty geometry.
    public static func envelope(_ data: Data) throws(GeometryError) -> BoundingBox? {
        let h = try header(data)
        if h.isEmpty { return nil }
        if let e = h.envelope { return e }
        return try decode(data).geometry.boundingBox
    }
}
