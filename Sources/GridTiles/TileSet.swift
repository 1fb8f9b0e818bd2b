import Foundation
import GridGeometry
import GridStore

/// A feature of a tile layer: id (unique in its layer), attributes and shape in world units.
public struct TileSourceFeature: Sendable {
    public var id: UInt64
    public var properties: [(key: String, value: TileValue)]
    public var shape: TileShape

    public init(id: UInt64, properties: [(key: String, value: TileValue)], shape: TileShape) {
        self.id = id
        self.properties = properties
        self.shape = shape
    }
}

/// One layer of the tile set: its features in memory behind a spatial index, the zooms it
/// appears at, and its attribute fields (for TileJSON).
public struct TileLayer: Sendable {
    public let name: String
    public let minZoom: Int
    public let maxZoom: Int
    /// Field name → "String", "Number" or "Boolean", as TileJSON's `vector_layers` says.
    public let fields: [String: String]
    /// Fields carried only from a zoom above the layer's lowest (labels close up).
    public let fieldMinZoom: [String: Int]
    public let description: String
    let features: [TileSourceFeature]
    let index: SpatialIndex
    /// World-unit box of all features.
    public let bounds: BoundingBox?

    public init(name: String, minZoom: Int, maxZoom: Int, fields: [String: String], fieldMinZoom: [String: Int] = [:], description: String,
                features: [TileSourceFeature]) {
        self.name = name
        self.fieldMinZoom = fieldMinZoom
        self.minZoom = minZoom
        self.maxZoom = maxZoom
        self.fields = fields
        self.description = description
        self.features = features
        let boxes = features.map { $0.shape.bounds! }
        index = SpatialIndex(boxes)
        bounds = boxes.dropFirst().reduce(boxes.first) { $0?.union($1) }
    }

    /// The layer's part of a tile (empty outside its zooms).
    public func render(_ cutter: TileCutter) -> TileLayerData {
        var out: [TileFeatureData] = []
        if (minZoom...maxZoom).contains(cutter.tile.z) {
            let later = Set(fieldMinZoom.filter { $0.value > cutter.tile.z }.keys)
            for i in index.query(cutter.clipBounds) {
                let f = features[i]
                guard let g = cutter.cut(f.shape) else { continue }
                out.append(TileFeatureData(id: f.id, properties: later.isEmpty ? f.properties : f.properties.filter { !later.contains($0.key) }, geometry: g))
            }
        }
        return TileLayerData(name: name, extent: cutter.extent, features: out)
    }
}

/// All layers, as loaded at one data version.
public struct TileSet: Sendable {
    public let layers: [TileLayer]
    /// The data version the layers reflect.
    public let version: Int64
    public var extent = 4096
    public var buffer = 64
    /// The catalogue layers it was loaded from (and reloads from).
    public let sources: [FeatureLayer]

    public init(layers: [TileLayer], version: Int64, sources: [FeatureLayer] = FeatureLayer.standard) {
        self.layers = layers
        self.version = version
        self.sources = sources
    }

    public var layerNames: [String] { layers.map(\.name) }
    public var minZoom: Int { layers.map(\.minZoom).min() ?? 0 }
    public var maxZoom: Int { layers.map(\.maxZoom).max() ?? 16 }

    /// World-unit box of every layer's features.
    public var bounds: BoundingBox? { layers.compactMap(\.bounds).reduce(nil) { $0?.union($1) ?? $1 } }

    /// The encoded tile with the named layers (all when nil), in the set's layer order;
    /// empty when no feature reaches the tile.
    public func render(_ tile: TileID, layers names: Set<String>? = nil) -> [UInt8] {
        let cutter = TileCutter(tile: tile, extent: extent, buffer: buffer)
        return VectorTileEncoder.encode(layers.filter { names?.contains($0.name) ?? true }.map { $0.render(cutter) })
    }
}

/// A tile layer as TileJSON's `vector_layers` and MBTiles/PMTiles metadata describe it.
public struct VectorLayerMetadata: Codable, Sendable, Equatable {
    public var id: String
    public var description: String
    public var minzoom: Int
    public var maxzoom: Int
    /// Field name → "String" or "Number".
    public var fields: [String: String]
}

/// The JSON metadata of an exported tile set (MBTiles `json`, PMTiles metadata).
public struct TileSetMetadata: Encodable, Sendable {
    public var name = "CivicGrid"
    public var description = "CivicGrid map layers"
    public var vectorLayers: [VectorLayerMetadata]

    public init(vectorLayers: [VectorLayerMetadata]) { self.vectorLayers = vectorLayers }

    enum CodingKeys: String, CodingKey { case name, description, vectorLayers = "vector_layers" }

    /// Keys sorted, as the exports have always written it.
    public func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }
}

extension TileSet {
    /// Every layer's metadata, in drawing order.
    public var vectorLayers: [VectorLayerMetadata] {
        layers.map { VectorLayerMetadata(id: $0.name, description: $0.description, minzoom: $0.minZoom, maxzoom: $0.maxZoom, fields: $0.fields) }
    }
}
