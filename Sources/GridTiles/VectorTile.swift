/// A point in tile coordinates: x right, y down, 0…extent inside the tile.
public struct TilePoint: Hashable, Sendable {
    public var x: Int32
    public var y: Int32

    public init(_ x: Int32, _ y: Int32) {
        self.x = x
        self.y = y
    }
}

/// The geometry of one tile feature, already clipped and quantised.
public enum TileGeometry: Hashable, Sendable {
    case points([TilePoint])
    /// Lines of two or more points.
    case lines([[TilePoint]])
    /// Polygons, each an exterior ring then its holes; rings without the closing point.
    /// Exterior rings have positive area by the surveyor's formula in tile coordinates
    /// (clockwise on screen, y down), holes negative.
    case polygons([[[TilePoint]]])
}

/// An attribute value: MVT's string, integer, double and boolean kinds.
public enum TileValue: Hashable, Sendable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

/// One feature of a layer.
public struct TileFeatureData: Sendable {
    public var id: UInt64
    public var properties: [(key: String, value: TileValue)]
    public var geometry: TileGeometry

    public init(id: UInt64, properties: [(key: String, value: TileValue)], geometry: TileGeometry) {
        self.id = id
        self.properties = properties
        self.geometry = geometry
    }
}

/// One named layer of a tile.
public struct TileLayerData: Sendable {
    public var name: String
    public var extent: Int
    public var features: [TileFeatureData]

    public init(name: String, extent: Int = 4096, features: [TileFeatureData]) {
        self.name = name
        self.extent = extent
        self.features = features
    }
}

/// Mapbox Vector Tile 2.1 encoding (the `vector_tile.proto` messages, written by hand):
/// layer version 2, keys and values deduplicated per layer, command integers with
/// zigzag-encoded deltas. Layers without features are left out.
public enum VectorTileEncoder {
    public static func encode(_ layers: [TileLayerData]) -> [UInt8] {
        var tile = ProtobufWriter()
        for layer in layers where !layer.features.isEmpty {
            tile.message(3, encode(layer))
        }
        return tile.bytes
    }

    static func encode(_ layer: TileLayerData) -> ProtobufWriter {
        var w = ProtobufWriter()
        w.varintField(15, 2)
        w.string(1, layer.name)
        var keys: [String: UInt32] = [:], keyList: [String] = []
        var values: [TileValue: UInt32] = [:], valueList: [TileValue] = []
        for f in layer.features {
            var tags: [UInt32] = []
            tags.reserveCapacity(f.properties.count * 2)
            for (k, v) in f.properties {
                let ki = keys[k] ?? {
                    keys[k] = UInt32(keyList.count)
                    keyList.append(k)
                    return UInt32(keyList.count - 1)
                }()
                let vi = values[v] ?? {
                    values[v] = UInt32(valueList.count)
                    valueList.append(v)
                    return UInt32(valueList.count - 1)
                }()
                tags += [ki, vi]
            }
            var feature = ProtobufWriter()
            feature.varintField(1, f.id)
            feature.packed(2, tags)
            let (type, commands) = geometryCommands(f.geometry)
            feature.varintField(3, UInt64(type))
            feature.packed(4, commands)
            w.message(2, feature)
        }
        for k in keyList { w.string(3, k) }
        for v in valueList {
            var value = ProtobufWriter()
            switch v {
            case .string(let s): value.string(1, s)
            case .double(let d): value.double(3, d)
            case .int(let i) where i >= 0: value.varintField(5, UInt64(i))
            case .int(let i): value.varintField(6, UInt64(bitPattern: (i << 1) ^ (i >> 63)))
            case .bool(let b): value.varintField(7, b ? 1 : 0)
            }
            w.message(4, value)
        }
        w.varintField(5, UInt64(layer.extent))
        return w
    }

    /// The geometry type (1 point, 2 line, 3 polygon) and its command integers.
    static func geometryCommands(_ g: TileGeometry) -> (UInt32, [UInt32]) {
        var out: [UInt32] = []
        var cx: Int32 = 0, cy: Int32 = 0
        func command(_ id: UInt32, _ count: Int) { out.append((id & 7) | (UInt32(count) << 3)) }
        func zigzag(_ n: Int32) -> UInt32 { UInt32(bitPattern: (n << 1) ^ (n >> 31)) }
        func point(_ p: TilePoint) {
            out.append(zigzag(p.x &- cx))
            out.append(zigzag(p.y &- cy))
            (cx, cy) = (p.x, p.y)
        }
        func path(_ ps: [TilePoint], closed: Bool) {
            command(1, 1)
            point(ps[0])
            command(2, ps.count - 1)
            for p in ps.dropFirst() { point(p) }
            if closed { command(7, 1) }
        }
        switch g {
        case .points(let ps):
            command(1, ps.count)
            for p in ps { point(p) }
            return (1, out)
        case .lines(let ls):
            for l in ls { path(l, closed: false) }
            return (2, out)
        case .polygons(let polys):
            for rings in polys { for r in rings { path(r, closed: true) } }
            return (3, out)
        }
    }
}

/// A minimal protocol-buffers writer: varints, length-delimited fields, packed varints.
struct ProtobufWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ wireType: UInt64) { varint(UInt64(field) << 3 | wireType) }

    mutating func varintField(_ field: Int, _ v: UInt64) {
        key(field, 0)
        varint(v)
    }

    mutating func double(_ field: Int, _ d: Double) {
        key(field, 1)
        withUnsafeBytes(of: d.bitPattern.littleEndian) { bytes += $0 }
    }

    mutating func string(_ field: Int, _ s: String) {
        key(field, 2)
        let utf8 = Array(s.utf8)
        varint(UInt64(utf8.count))
        bytes += utf8
    }

    mutating func message(_ field: Int, _ m: ProtobufWriter) {
        key(field, 2)
        varint(UInt64(m.bytes.count))
        bytes += m.bytes
    }

    mutating func packed(_ field: Int, _ values: [UInt32]) {
        guard !values.isEmpty else { return }
        var body = ProtobufWriter()
        for v in values { body.varint(UInt64(v)) }
        message(field, body)
    }
}
