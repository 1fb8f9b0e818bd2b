import GridGeometry
import GridStore
import NIOCore
import Synchronization

/// Serves tiles from the current `TileSet` through a byte-bounded LRU cache keyed by data
/// version: each cached tile remembers the version it was rendered from, and is served only
/// while no later change touches its area. A change elsewhere leaves it cached.
public final class TileProvider: Sendable {
    /// A rendered tile: the MVT bytes (gzip-compressed when asked and accepted), a strong
    /// ETag, and whether it holds no feature.
    public struct Tile: Sendable {
        public var body: ByteBuffer
        public var gzipped: Bool
        public var etag: String
        public var isEmpty: Bool
    }

    private struct State {
        var set: TileSet
        var cache: TileCache
        /// Changes since start, newest last, as world-unit boxes.
        var changes: [(version: Int64, bounds: BoundingBox)] = []
        var renders = 0
        var hits = 0
    }

    private let state: Mutex<State>

    public init(set: TileSet, cacheBytes: Int = 256 << 20) {
        state = Mutex(State(set: set, cache: TileCache(capacity: cacheBytes)))
    }

    /// The layers as now loaded.
    public var set: TileSet { state.withLock { $0.set } }

    /// Tiles rendered and served from cache so far.
    public var statistics: (renders: Int, hits: Int, cached: Int, bytes: Int) {
        state.withLock { ($0.renders, $0.hits, $0.cache.count, $0.cache.bytes) }
    }

    /// The tile with the named layers (all when nil).
    public func tile(_ id: TileID, layers: Set<String>? = nil, gzip: Bool = false) -> Tile {
        // "*" (every layer) cannot be a layer list: a list holds names, and no name is "*".
        let key = TileCache.Key(tile: id, layers: layers.map { $0.sorted().joined(separator: ",") } ?? "*")
        let padded = id.bounds.expanded(by: id.bounds.width * 0.02)
        let (cached, set): (TileCache.Entry?, TileSet) = state.withLock { s in
            let areaVersion = s.changes.last { $0.bounds.intersects(padded) }?.version ?? 0
            if let e = s.cache.get(key) {
                if e.version >= areaVersion {
                    s.hits += 1
                    return (e, s.set)
                }
                s.cache.remove(key)
            }
            s.renders += 1
            return (nil, s.set)
        }
        var entry: TileCache.Entry
        if let cached {
            entry = cached
            if gzip, entry.gzip == nil, entry.body.readableBytes > 0 {
                // Compressed once, outside the lock, then kept with the entry.
                entry.gzip = Gzip.compress(entry.body)
                let compressed = entry
                state.withLock { s in if s.cache.peek(key)?.etag == compressed.etag { s.cache.set(key, compressed) } }
            }
        } else {
            let bytes = set.render(id, layers: layers)
            var body = ByteBuffer()
            body.writeBytes(bytes)
            entry = TileCache.Entry(body: body, gzip: gzip && !bytes.isEmpty ? Gzip.compress(body) : nil, etag: Self.etag(bytes), version: set.version)
            let rendered = entry
            state.withLock { s in
                // Keep it only if no change newer than its data arrived meanwhile.
                if !s.changes.contains(where: { $0.version > rendered.version && $0.bounds.intersects(padded) }) { s.cache.set(key, rendered) }
            }
        }
        let zipped = gzip && entry.gzip != nil
        return Tile(body: zipped ? entry.gzip! : entry.body, gzipped: zipped, etag: entry.etag, isEmpty: entry.body.readableBytes == 0)
    }

    /// Takes a newly loaded set and the changes it reflects; tiles in their areas are
    /// rendered again on next request.
    private func update(_ set: TileSet, changes: [DataChange]) {
        state.withLock { s in
            s.set = set
            for c in changes { s.changes.append((c.id, WebMercator.project(c.bounds))) }
        }
    }

    /// Loads the store's changes since the set's version; reloads the set when there are any.
    /// Returns the number of changes applied.
    @discardableResult
    public func refresh(from store: GridStore) throws -> Int {
        let current = set.version
        guard try store.read({ try $0.dataVersion() }) > current else { return 0 }
        // Load first, then read the changes the loaded set includes: none is missed.
        let loaded = try TileSet.load(from: store, layers: set.sources)
        let changes = try store.read { try $0.changes(after: current) }.filter { $0.id <= loaded.version }
        update(loaded, changes: changes)
        return changes.count
    }

    /// A strong validator from the bytes (FNV-1a, 64 bits).
    static func etag(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return "\"\(String(h, radix: 16))-\(bytes.count)\""
    }
}
