import CivicGridModel
import Foundation
import GridGeometry
import GridStore
import GridTiles
import Hummingbird

/// `GET /api/v1/cases/tiles/{z}/{x}/{y}.mvt`: the cases as vector tiles (layer `cases`), made
/// from the database at each request, so they are as current as the list; the list's filters
/// and scope apply. From zoom 14 each case is a point (number, status, category, overdue);
/// farther out, or when a tile would hold more than 20,000, cases are counted in cells of
/// 32 × 32 tile units (`count`), what a heat map weighs — for an account of the whole
/// jurisdiction without filters, from the R-tree alone.
struct CaseTilesController {
    let store: GridStore
    let cases: CasesController

    static let pointZoom = 14
    static let maxPoints = 20_000
    static let cell: Int32 = 32

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("api/v1/cases/tiles/:z/:x/{y}.mvt") { request, context in
            try await tile(request, context, z: context.parameters.get("z"), x: context.parameters.get("x"), y: context.parameters.get("y"))
        }
    }

    func tile(_ request: Request, _ context: CivicContext, z: String?, x: String?, y: String?) async throws -> Response {
        let account = try cases.access.require(context, CasesController.readers, to: "read case tiles")
        guard let z = z.flatMap(Int.init), let x = x.flatMap(Int.init), let y = y.flatMap(Int.init), let id = TileID(z: z, x: x, y: y) else {
            throw Problem.badRequest("no tile \(z ?? "")/\(x ?? "")/\(y ?? ""): z in 0…\(TileID.maxZoom), x and y in 0…2^z − 1")
        }
        let filter = try await cases.filter(request, account)
        let world = id.bounds
        let pad = (world.maxX - world.minX) / 64
        let box = WebMercator.unproject(BoundingBox(minX: world.minX - pad, minY: world.minY - pad, maxX: world.maxX + pad, maxY: world.maxY + pad))
        let unfiltered = filter.map { f in f.statuses.isEmpty && f.categories.isEmpty && f.sources.isEmpty && f.grids.isEmpty && f.holder == nil
            && f.overdueAt == nil && account.region == nil && (f.region == nil) } ?? false
        let (points, locations) = try await store.asyncRead { r -> ([(location: Coordinate, number: String, status: String, due: String?)]?, [Coordinate]) in
            guard let filter else { return ([], []) }
            if z >= Self.pointZoom, let points = try r.casePoints(in: box, filter, limit: Self.maxPoints) { return (points, []) }
            if unfiltered { return (nil, try r.caseLocations(in: box)) }
            return (nil, try r.casePoints(in: box, filter, limit: 2_000_000)?.map(\.location) ?? [])
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
            var cells: [Int64: (count: Int64, x: Int64, y: Int64)] = [:]
            for c in locations {
                let t = local(c)
                let key = Int64(t.x.floorDiv(Self.cell)) << 32 | Int64(UInt32(bitPattern: t.y.floorDiv(Self.cell)))
                var cell = cells[key] ?? (0, 0, 0)
                cell.count += 1
                cell.x += Int64(t.x)
                cell.y += Int64(t.y)
                cells[key] = cell
            }
            for (key, cell) in cells.sorted(by: { $0.key < $1.key }) {
                features.append(TileFeatureData(id: UInt64(bitPattern: key), properties: [("count", .int(cell.count))],
                                                geometry: .points([TilePoint(Int32(cell.x / cell.count), Int32(cell.y / cell.count))])))
            }
        }
        let headers: HTTPFields = [.contentType: TilesController.contentType, .cacheControl: "private, no-cache", .vary: "Authorization"]
        if features.isEmpty { return Response(status: .noContent, headers: headers) }
        let bytes = VectorTileEncoder.encode([TileLayerData(name: "cases", features: features)])
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

private extension Int32 {
    func floorDiv(_ d: Int32) -> Int32 { self >= 0 ? self / d : (self - d + 1) / d }
}
