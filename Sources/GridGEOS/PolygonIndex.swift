import CGEOS
import GridGeometry

/// Finds which of many polygons contain a point: an STRtree over the polygons' envelopes,
/// then an exact test with prepared geometries.
///
/// Belongs to one `GEOSContext` (one thread).
public final class PolygonIndex {
    private let context: GEOSContext
    private let geometries: [GEOSGeometryHandle]
    private let prepared: [OpaquePointer]
    private let tree: OpaquePointer
    private let hits = HitBox()

    /// Indexes `polygons`; answers are positions in this array.
    public init(context: GEOSContext, polygons: [Geometry]) throws(GEOSError) {
        self.context = context
        var geometries: [GEOSGeometryHandle] = []
        var prepared: [OpaquePointer] = []
        guard let tree = GEOSSTRtree_create_r(context.handle, 10) else { throw context.error("STRtree") }
        self.tree = tree
        for (i, p) in polygons.enumerated() {
            let h: GEOSGeometryHandle
            do { h = try context.make(p) } catch {
                for pg in prepared { GEOSPreparedGeom_destroy_r(context.handle, pg) }
                GEOSSTRtree_destroy_r(context.handle, tree)
                throw error
            }
            geometries.append(h)
            guard let pg = h.with({ GEOSPrepare_r(context.handle, $0) }) else {
                for pg in prepared { GEOSPreparedGeom_destroy_r(context.handle, pg) }
                GEOSSTRtree_destroy_r(context.handle, tree)
                throw context.error("prepare")
            }
            prepared.append(pg)
            h.with { GEOSSTRtree_insert_r(context.handle, tree, $0, UnsafeMutableRawPointer(bitPattern: i + 1)) }
        }
        self.geometries = geometries
        self.prepared = prepared
    }

    deinit {
        GEOSSTRtree_destroy_r(context.handle, tree)
        for p in prepared { GEOSPreparedGeom_destroy_r(context.handle, p) }
    }

    public var count: Int { geometries.count }

    /// Indexes of every polygon containing the point (boundary points count as inside),
    /// in ascending order.
    public func containing(_ c: Coordinate) throws(GEOSError) -> [Int] {
        guard !geometries.isEmpty else { return [] }
        let point = try context.own(GEOSGeom_createPointFromXY_r(context.handle, c.x, c.y), "create point")
        return try point.with { p throws(GEOSError) in
            hits.items.removeAll(keepingCapacity: true)
            GEOSSTRtree_query_r(context.handle, tree, p, { item, userdata in
                guard let item, let userdata else { return }
                Unmanaged<HitBox>.fromOpaque(userdata).takeUnretainedValue().items.append(Int(bitPattern: item) - 1)
            }, Unmanaged.passUnretained(hits).toOpaque())
            var out: [Int] = []
            for i in hits.items.sorted() {
                let r = GEOSPreparedIntersects_r(context.handle, prepared[i], p)
                guard r != 2 else { throw context.error("prepared intersects") }
                if r == 1 { out.append(i) }
            }
            return out
        }
    }

    /// Whether polygon `i` contains the point (boundary included).
    public func contains(_ i: Int, _ c: Coordinate) throws(GEOSError) -> Bool {
        let point = try context.own(GEOSGeom_createPointFromXY_r(context.handle, c.x, c.y), "create point")
        let r = point.with { GEOSPreparedIntersects_r(context.handle, prepared[i], $0) }
        guard r != 2 else { throw context.error("prepared intersects") }
        return r == 1
    }

    /// The lowest index of a polygon containing the point, or nil.
    public func firstContaining(_ c: Coordinate) throws(GEOSError) -> Int? {
        try containing(c).first
    }
}

private final class HitBox {
    var items: [Int] = []
}
