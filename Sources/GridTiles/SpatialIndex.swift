import GridGeometry

/// A static packed R-tree over boxes (sort-tile-recursive, 16 entries per node): built once,
/// queried by box, answers in ascending item order.
public struct SpatialIndex: Sendable {
    static let nodeSize = 16
    /// Node boxes level by level, leaves first; a leaf entry's item is its position in `items`.
    private var levels: [[BoundingBox]] = []
    private var items: [Int32] = []

    public init(_ boxes: [BoundingBox]) {
        guard !boxes.isEmpty else { return }
        // Leaves: items ordered in vertical slices by x, each slice by y.
        let n = boxes.count
        let leafCount = (n + Self.nodeSize - 1) / Self.nodeSize
        let slices = Int(Double(leafCount).squareRoot().rounded(.up))
        let byX = (0..<n).sorted { (boxes[$0].minX + boxes[$0].maxX, $0) < (boxes[$1].minX + boxes[$1].maxX, $1) }
        let sliceSize = slices * Self.nodeSize
        var order: [Int] = []
        order.reserveCapacity(n)
        for start in stride(from: 0, to: n, by: sliceSize) {
            order += byX[start..<min(start + sliceSize, n)].sorted { (boxes[$0].minY + boxes[$0].maxY, $0) < (boxes[$1].minY + boxes[$1].maxY, $1) }
        }
        items = order.map(Int32.init)
        var level = order.map { boxes[$0] }
        levels.append(level)
        while level.count > 1 {
            level = stride(from: 0, to: level.count, by: Self.nodeSize).map { start in
                level[start..<min(start + Self.nodeSize, level.count)].dropFirst().reduce(level[start]) { $0.union($1) }
            }
            levels.append(level)
        }
    }

    /// Items whose boxes intersect `box`, ascending.
    public func query(_ box: BoundingBox) -> [Int] {
        guard let top = levels.last else { return [] }
        var out: [Int] = []
        var stack: [(level: Int, index: Int)] = top.indices.map { (levels.count - 1, $0) }
        while let (l, i) = stack.popLast() {
            guard levels[l][i].intersects(box) else { continue }
            if l == 0 {
                out.append(Int(items[i]))
            } else {
                let start = i * Self.nodeSize
                for c in start..<min(start + Self.nodeSize, levels[l - 1].count) { stack.append((l - 1, c)) }
            }
        }
        return out.sorted()
    }
}
