import GridGeometry
import NIOCore

/// A least-recently-used cache of encoded tiles, bounded by bytes.
///
/// Not thread-safe on its own: `TileProvider` guards it.
struct TileCache {
    struct Key: Hashable {
        var tile: TileID
        /// The requested layers, sorted and comma-joined; empty for all.
        var layers: String
    }

    struct Entry {
        var body: ByteBuffer
        var gzip: ByteBuffer?
        var etag: String
        /// The data version the tile was rendered from.
        var version: Int64
        var bytes: Int { body.readableBytes + (gzip?.readableBytes ?? 0) + 128 }
    }

    let capacity: Int
    private(set) var bytes = 0
    private var slots: [Int: (key: Key, entry: Entry, prev: Int, next: Int)] = [:]
    private var index: [Key: Int] = [:]
    private var head = -1, tail = -1, nextSlot = 0

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { index.count }

    /// The entry, marked most recently used.
    mutating func get(_ key: Key) -> Entry? {
        guard let s = index[key] else { return nil }
        unlink(s)
        pushFront(s)
        return slots[s]!.entry
    }

    /// The entry, without marking it used.
    func peek(_ key: Key) -> Entry? { index[key].map { slots[$0]!.entry } }

    mutating func set(_ key: Key, _ entry: Entry) {
        remove(key)
        guard entry.bytes <= capacity else { return }
        let s = nextSlot
        nextSlot += 1
        slots[s] = (key, entry, -1, -1)
        index[key] = s
        pushFront(s)
        bytes += entry.bytes
        while bytes > capacity, tail >= 0 { remove(slots[tail]!.key) }
    }

    mutating func remove(_ key: Key) {
        guard let s = index.removeValue(forKey: key) else { return }
        unlink(s)
        bytes -= slots.removeValue(forKey: s)!.entry.bytes
    }

    private mutating func unlink(_ s: Int) {
        let (p, n) = (slots[s]!.prev, slots[s]!.next)
        if p >= 0 { slots[p]!.next = n } else { head = n }
        if n >= 0 { slots[n]!.prev = p } else { tail = p }
    }

    private mutating func pushFront(_ s: Int) {
        slots[s]!.prev = -1
        slots[s]!.next = head
        if head >= 0 { slots[head]!.prev = s }
        head = s
        if tail < 0 { tail = s }
    }
}
