import CivicGridModel
import Foundation
import GridGeometry
import GridStore
import GridTiles
import Hummingbird

/// `GET /api/v1/cases/tiles/{z}/{x}/{y}.mvt`: the cases as vector tiles (layer `cases`), made
/// from the database at each request, so they are as current as the list; the list's filters
/// and scope apply. From zoom 14 each case is a point (number, status, overdue); farther
/// out, or when a tile would hold more than 5,000, cases are counted by SQLite in cells of
/// about 32 × 32 tile units (`count`, at the cell's mean position), what a heat map weighs —
/// without filters or a scope, from the cases counted per zoom-18 tile as they were filed.
struct CaseTilesController {
    let store: GridStore
    let cases: CasesController

    static let pointZoom = 14
    static let maxPoints = 5_000
    /// Cells across a tile (with its margin) when counting.
    static let cells = 132

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("api/v1/cases/tiles/:z/:x/{y}.mvt") { request, context in
            try await tile(request, context, z: context.parameters.get("z"), x: context.parameters.get("x"), y: context.parameters.get("y"))
        }
    }

    func tile(_ request: Request, _ context: CivicContext, z: String?, x: String?, y: String?) async throws -> Response {
        let account = try cases.access.require(context, CasesController.readers, to: "read case tiles")
        let id = try TilesController.tileID(z: z, x: x, y: y)
        let (z, x, y) = (id.z, id.x, id.y)
        let filter = try await cases.filter(request, account)
        let world = id.bounds
        let pad = (world.maxX - world.minX) / 64
        let box = WebMercator.unproject(BoundingBox(minX: world.minX - pad, minY: world.minY - pad, maxX: world.maxX + pad, maxY: world.maxY + pad))
        let (points, cells) = try await store.asyncRead { r -> ([(location: Coordinate, number: String, status: String, due: String?)]?, [(column: Int, row: Int, count: Int, location: Coordinate)]) in
            if z <= CaseDensity.zoom, try r.isUnconditional(filter) {  // every case: counted as they were filed
                let density = try r.caseDensity(z: z, x: x, y: y)
                if z >= Self.pointZoom, density.reduce(0, { $0 + $1.count }) <= Self.maxPoints,
                   let points = try r.casePoints(in: box, filter, limit: 4 * Self.maxPoints) { return (points, []) }
                let n = Double(1 << CaseDensity.zoom)
                return (nil, density.map { c in
                    (c.cell.x, c.cell.y, c.count, WebMercator.unproject(Coordinate((Double(c.cell.x) + 0.5) / n, (Double(c.cell.y) + 0.5) / n)))
                })
            }
            if z >= Self.pointZoom, let points = try r.casePoints(in: box, filter, limit: Self.maxPoints) { return (points, []) }
            return (nil, try r.caseCells(in: box, filter, cells: Self.cells))
        }
        var features: [TileFeatureData] = []
        let now = StoreTime.text(Date())
        func local(_ c: Coordinate) -> TilePoint {
            let w = WebMercator.project(c), size = world.maxX - world.minX
            return TilePoint(Int32(((w.x - world.minX) / size * 4096).rounded()), Int32(((w.y - world.minY) / size * 4096).rounded()))
        }
        if let points {
            for p in points {
                let open = CaseStatus(rawValue: p.status).map { $0.step != nil } ?? false
                features.append(TileFeatureData(id: UInt64(p.number.suffix(12)) ?? 0, properties: [
                    ("number", .string(p.number)), ("status", .string(p.status)), ("overdue", .bool(open && (p.due.map { $0 < now } ?? false))),
                ], geometry: .points([local(p.location)])))
            }
        } else {
            for c in cells {
                features.append(TileFeatureData(id: UInt64(max(0, c.row)) << 32 | UInt64(max(0, c.column)), properties: [("count", .int(Int64(c.count)))],
                                                geometry: .points([local(c.location)])))
            }
        }
        let headers: HTTPFields = [.contentType: TilesController.contentType, .cacheControl: "private, no-cache", .vary: "Authorization"]
        if features.isEmpty { return Response(status: .noContent, headers: headers) }
        let bytes = VectorTileEncoder.encode([TileLayerData(name: "cases", features: features)])
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
