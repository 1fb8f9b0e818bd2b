import GridGEOS
import GridGeometry
import GridStore

/// Which grid of the published plans, and which community, a point falls in. Communities
/// without a published plan still get their community.
///
/// Holds GEOS objects: belongs to one task.
final class GridAssigner {
    struct Area: Sendable {
        var id: Int64?
        var code: String
        var community: String
        var geometry: Geometry
    }

    struct Assignment {
        /// Position in `grids` (the hint for the device's next fix).
        var index: Int?
        var grid: Int64?
        var code: String?
        var community: String?
    }

    let grids: [Area]
    private let gridIndex: PolygonIndex
    private let communities: [Area]
    private let communityIndex: PolygonIndex
    private let indexOfGrid: [Int64: Int]

    init(grids: [Area], communities: [Area]) throws(GEOSError) {
        let context = GEOSContext()
        self.grids = grids
        self.communities = communities
        gridIndex = try PolygonIndex(context: context, polygons: grids.map(\.geometry))
        communityIndex = try PolygonIndex(context: context, polygons: communities.map(\.geometry))
        var byID: [Int64: Int] = [:]
        for (i, g) in grids.enumerated() { if let id = g.id { byID[id] = i } }
        indexOfGrid = byID
    }

    /// Reads the published grids and the communities.
    static func areas(_ r: StoreReader) throws -> (grids: [Area], communities: [Area]) {
        (try r.publishedGrids().map { Area(id: $0.grid.id, code: $0.grid.code, community: $0.community, geometry: $0.grid.geometry) },
         try r.regions(level: .community).map { Area(id: nil, code: $0.code, community: $0.code, geometry: $0.geometry) })
    }

    func index(ofGrid id: Int64?) -> Int? { id.flatMap { indexOfGrid[$0] } }

    /// The grid holding the point, trying the `hint` (the device's last grid) first.
    func assign(lon: Double, lat: Double, hint: Int?) throws(GEOSError) -> Assignment {
        let c = Coordinate(lon, lat)
        var index: Int?
        if let hint, hint < grids.count, try gridIndex.contains(hint, c) {
            index = hint
        } else {
            index = try gridIndex.firstContaining(c)
        }
        if let i = index {
            return Assignment(index: i, grid: grids[i].id, code: grids[i].code, community: grids[i].community)
        }
        return Assignment(index: nil, grid: nil, code: nil, community: try communityIndex.firstContaining(c).map { communities[$0].code })
    }
}
