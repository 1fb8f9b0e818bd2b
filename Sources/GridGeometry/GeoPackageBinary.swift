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
        let result = data.withUnsafeBytes { header($0) }
        return try result.get()
    }

    /// The header read from the bytes where they lie (the R-tree triggers' functions read the
    /// blob SQLite hands them, with no copy).
    public static func header(_ bytes: UnsafeRawBufferPointer) -> Result<Header, GeometryError> {
        guard bytes.count >= 8 else { return .failure(GeometryError(.malformedBinary("truncated at byte \(bytes.count)"))) }
        guard bytes[0] == 0x47, bytes[1] == 0x50 else { return .failure(GeometryError(.malformedBinary("missing GP magic"))) }
        let flags = bytes[3], little = flags & 1 == 1
        func int(_ at: Int) -> UInt32 {
            let v = bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return little ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
        }
        func double(_ at: Int) -> Double {
            let v = bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            return Double(bitPattern: little ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
        }
        let indicator = (flags >> 1) & 0x07
        let doubles: Int = switch indicator {
        case 0: 0
        case 1: 4
        case 2, 3: 6
        case 4: 8
        default: -1
        }
        guard doubles >= 0 else { return .failure(GeometryError(.malformedBinary("envelope indicator \(indicator)"))) }
        let end = 8 + doubles * 8
        guard bytes.count >= end else { return .failure(GeometryError(.malformedBinary("truncated at byte \(bytes.count)"))) }
        let envelope = doubles == 0 ? nil : BoundingBox(minX: double(8), minY: double(24), maxX: double(16), maxY: double(32))
        return .success(Header(srsID: Int32(bitPattern: int(4)), isEmpty: flags & 0x10 != 0, envelope: envelope, wkbOffset: end))
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
