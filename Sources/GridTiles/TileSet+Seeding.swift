import Dispatch
import Foundation
import GridGeometry
import Synchronization

/// A rendered tile and its encoded bytes (empty when no feature reaches it).
public struct RenderedTile: Sendable {
    public let id: TileID
    public let bytes: [UInt8]
}

extension TileSet {
    /// Every tile at the given zooms that touches a layer shown at that zoom, by zoom then
    /// row then column.
    public func tiles(zooms: ClosedRange<Int>) -> [TileID] {
        zooms.flatMap { z -> [TileID] in
            let boxes = layers.filter { ($0.minZoom...$0.maxZoom).contains(z) }.compactMap(\.bounds)
            guard let box = boxes.dropFirst().reduce(boxes.first, { $0?.union($1) }) else { return [] }
            return TileID.covering(box, zoom: z)
        }
    }

    /// Renders the tiles on every core; `progress(done, total)` is called as they finish
    /// (from any thread). Results come back in the order asked.
    public func render(_ ids: [TileID], progress: @Sendable (Int, Int) -> Void = { _, _ in }) -> [RenderedTile] {
        let chunk = 16
        let chunks = (ids.count + chunk - 1) / chunk
        let results = Mutex([[RenderedTile]](repeating: [], count: chunks))
        let done = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let slice = ids[(c * chunk)..<min((c + 1) * chunk, ids.count)]
            let rendered = slice.map { RenderedTile(id: $0, bytes: render($0)) }
            results.withLock { $0[c] = rendered }
            let n = done.withLock { $0 += slice.count; return $0 }
            progress(n, ids.count)
        }
        return results.withLock { $0.flatMap { $0 } }
    }
}

/// Counts and sizes of a set of rendered tiles.
public struct TileStatistics: Sendable {
    public var tiles = 0
    public var empty = 0
    public var bytes = 0
    public var maxBytes = 0
    public var p95Bytes = 0
    public var largest: TileID?

    public init(_ tiles: [RenderedTile]) {
        self.tiles = tiles.count
        let sizes = tiles.map(\.bytes.count)
        empty = sizes.filter { $0 == 0 }.count
        bytes = sizes.reduce(0, +)
        if let i = sizes.indices.max(by: { sizes[$0] < sizes[$1] }) { maxBytes = sizes[i]; largest = tiles[i].id }
        let nonEmpty = sizes.filter { $0 > 0 }.sorted()
        if !nonEmpty.isEmpty { p95Bytes = nonEmpty[min(nonEmpty.count - 1, Int(Double(nonEmpty.count) * 0.95))] }
    }
}
