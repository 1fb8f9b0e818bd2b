import Foundation
import GridGeometry

/// PMTiles version 3: one file of gzip-compressed MVT tiles addressed by Hilbert tile id,
/// with gzip-compressed directories (leaf directories when the root would not fit in the
/// first 16 KiB) and JSON metadata.
public enum PMTilesWriter {
    public struct Header: Sendable {
        public var minZoom: Int
        public var maxZoom: Int
        /// (lon, lat) box.
        public var bounds: BoundingBox
        public var center: Coordinate
        public var centerZoom: Int

        public init(minZoom: Int, maxZoom: Int, bounds: BoundingBox, center: Coordinate, centerZoom: Int) {
            self.minZoom = minZoom
            self.maxZoom = maxZoom
            self.bounds = bounds
            self.center = center
            self.centerZoom = centerZoom
        }
    }

    struct Entry {
        var tileID: UInt64
        var offset: UInt64
        var length: UInt32
        var runLength: UInt32
    }

    /// The file's bytes. `tiles` hold already-compressed (gzip) tile data.
    public static func encode(header: Header, metadata: TileSetMetadata, tiles: [(id: TileID, data: [UInt8])]) throws -> [UInt8] {
        var data: [UInt8] = []
        var entries: [Entry] = []
        for t in tiles.sorted(by: { tileID($0.id) < tileID($1.id) }) {
            entries.append(Entry(tileID: tileID(t.id), offset: UInt64(data.count), length: UInt32(t.data.count), runLength: 1))
            data += t.data
        }
        let (root, leaves) = directories(entries)
        let meta = Gzip.compress(try metadata.json())
        let rootOffset = 127, metaOffset = rootOffset + root.count, leafOffset = metaOffset + meta.count, dataOffset = leafOffset + leaves.count
        var h: [UInt8] = Array("PMTiles".utf8) + [3]
        for v in [rootOffset, root.count, metaOffset, meta.count, leafOffset, leaves.count, dataOffset, data.count,
                  entries.count, entries.count, entries.count] {
            h += le(UInt64(v))
        }
        h += [1, 2, 2, 1]  // clustered, internal gzip, tiles gzip, MVT
        h += [UInt8(header.minZoom), UInt8(header.maxZoom)]
        for v in [header.bounds.minX, header.bounds.minY, header.bounds.maxX, header.bounds.maxY] { h += le(e7(v)) }
        h += [UInt8(header.centerZoom)] + le(e7(header.center.x)) + le(e7(header.center.y))
        precondition(h.count == 127)
        return h + root + meta + leaves + data
    }

    /// The root directory and the leaf directories, both compressed.
    static func directories(_ entries: [Entry]) -> (root: [UInt8], leaves: [UInt8]) {
        let root = Gzip.compress(serialize(entries))
        if root.count <= 16384 - 127 { return (root, []) }
        var leafSize = 4096
        while true {
            var leaves: [UInt8] = [], rootEntries: [Entry] = []
            for start in stride(from: 0, to: entries.count, by: leafSize) {
                let leaf = Gzip.compress(serialize(Array(entries[start..<min(start + leafSize, entries.count)])))
                rootEntries.append(Entry(tileID: entries[start].tileID, offset: UInt64(leaves.count), length: UInt32(leaf.count), runLength: 0))
                leaves += leaf
            }
            let root = Gzip.compress(serialize(rootEntries))
            if root.count <= 16384 - 127 { return (root, leaves) }
            leafSize *= 2
        }
    }

    static func serialize(_ entries: [Entry]) -> [UInt8] {
        var w = ProtobufWriter()
        w.varint(UInt64(entries.count))
        var last: UInt64 = 0
        for e in entries { w.varint(e.tileID - last); last = e.tileID }
        for e in entries { w.varint(UInt64(e.runLength)) }
        for e in entries { w.varint(UInt64(e.length)) }
        for (i, e) in entries.enumerated() {
            if i > 0, e.offset == entries[i - 1].offset + UInt64(entries[i - 1].length) { w.varint(0) } else { w.varint(e.offset + 1) }
        }
        return w.bytes
    }

    /// The Hilbert tile id: tiles of lower zooms first, then the Hilbert index within the zoom.
    static func tileID(_ t: TileID) -> UInt64 {
        var acc: UInt64 = 0
        for z in 0..<t.z { acc += UInt64(1) << (2 * z) }
        var (x, y) = (UInt64(t.x), UInt64(t.y))
        var d: UInt64 = 0
        var s = (UInt64(1) << t.z) / 2
        while s > 0 {
            let rx: UInt64 = x & s > 0 ? 1 : 0, ry: UInt64 = y & s > 0 ? 1 : 0
            d += s * s * ((3 * rx) ^ ry)
            if ry == 0 {
                if rx == 1 { x = s &- 1 &- x; y = s &- 1 &- y }
                swap(&x, &y)
            }
            s /= 2
        }
        return acc + d
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func e7(_ degrees: Double) -> Int32 { Int32((degrees * 1e7).rounded()) }
}
