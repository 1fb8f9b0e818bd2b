import CivicGridModel
import Foundation
import GridGEOS
import GridGeometry

/// A building as the partitioner sees it: an id, a point inside it (metres) and households.
public struct Site: Hashable, Sendable {
    public var id: Int64
    public var point: Coordinate
    public var households: Int

    public init(id: Int64, point: Coordinate, households: Int) {
        self.id = id
        self.point = point
        self.households = households
    }
}

/// One community to divide, in a metric CRS.
public struct CommunityInput: Sendable {
    public var code: String
    public var boundary: [Polygon]
    public var sites: [Site]
    /// Road centrelines; grid boundaries prefer them.
    public var roads: [LineString]
    /// River centrelines: grid boundaries prefer them too, and a grid crosses a river only
    /// where a road does (a bridge).
    public var rivers: [LineString]

    public init(code: String, boundary: [Polygon], sites: [Site], roads: [LineString], rivers: [LineString] = []) {
        self.code = code
        self.boundary = boundary
        self.sites = sites
        self.roads = roads
        self.rivers = rivers
    }
}

/// A proposed grid: one polygon (metres), its buildings and households.
public struct GridShape: Hashable, Sendable {
    public var polygon: Polygon
    public var sites: [Int64]
    public var households: Int

    public init(polygon: Polygon, sites: [Int64], households: Int) {
        self.polygon = polygon
        self.sites = sites
        self.households = households
    }
}

/// A community's grids and the time it took from buildings to an assignment (blocks,
/// cells, graph and partition; polygons excluded).
public struct Division: Sendable {
    public var grids: [GridShape]
    /// Buildings (ids) whose grid no division can bring within the band, and why.
    public var obstacles: [Int64: Obstacle]
    public var assignmentSeconds: Double
}

/// Divides one community into grids:
///
/// 1. blocks: the community cut by its roads and rivers (GEOS polygonize);
/// 2. cells: Voronoi cells of the buildings' points within each block, so cells never
///    cross a road; a block without buildings is one cell of its own;
/// 3. graph: Delaunay neighbours, each edge costing the length of the Voronoi edge between
///    them (their shared boundary), discounted when the two lie in different blocks (the
///    boundary would run along a road); cells on the two banks of a river are neighbours
///    only where they meet at a bridge (a point where a road crosses the river);
/// 4. `GraphPartitioner` assigns cells to grids (band, connected, short boundaries);
/// 5. grid polygons are the union of their cells; a grid that comes out in pieces gives its
///    stray pieces to the neighbour that shares most boundary with them.
public struct CommunityPartitioner: Sendable {
    public var band: Band
    public var seed: UInt64
    /// Cost factor of a boundary that runs along a road.
    public var roadDiscount = 0.2
    /// Grid (metres) that grid polygons are snapped to when cells are dissolved.
    static let gridSize = 1e-6
    /// Holes smaller than this (m²) are slivers of the dissolve, not holes.
    static let sliverArea = 0.01

    public init(band: Band = Band(), seed: UInt64 = 0) {
        self.band = band
        self.seed = seed
    }

    public func run(_ input: CommunityInput, geos: GEOSContext) throws(GEOSError) -> Division {
        let start = Date()
        let (graph, cells, nodePoints, nodeSites) = try cellGraph(input, geos: geos)
        var part = GraphPartitioner(band: band, seed: seed).partition(graph)
        let assignmentSeconds = Date().timeIntervalSince(start)

        // Polygons, mending grids that came out in pieces.
        let parts = (part.max() ?? -1) + 1
        var shapes = try (0..<parts).map { p throws(GEOSError) in
            try geos.unaryUnion(part.indices.filter { part[$0] == p }.compactMap { cells[$0] }, gridSize: Self.gridSize).polygons
        }
        try mendPieces(&shapes, &part, nodePoints: nodePoints, geos: geos)
        // Cells meeting at a point can leave a hole of no width inside a dissolved grid.
        shapes = shapes.map { $0.map { p in Polygon(exterior: p.exterior, holes: p.holes.filter { abs($0.signedArea) >= Self.sliverArea }) } }

        let grids = shapes.indices.compactMap { p -> GridShape? in
            guard let polygon = shapes[p].first else { return nil }
            let sites = part.indices.filter { part[$0] == p }.flatMap { nodeSites[$0] }.sorted()
            return GridShape(polygon: polygon, sites: sites.map { input.sites[$0].id },
                             households: sites.reduce(0) { $0 + input.sites[$1].households })
        }
        let obstacles = obstacles(graph, nodeSites, input, among: outOfBand(input, grids.map(\.sites)))
        return Division(grids: grids, obstacles: obstacles, assignmentSeconds: assignmentSeconds)
    }

    /// Why grids (each given by its buildings' ids) that are out of band, with no building over
    /// the maximum, stay so whatever the division, where a search proves it: by building id,
    /// with the same cells and neighbours as `run` (see `GraphPartitioner.obstacles`).
    public func obstacles(_ input: CommunityInput, grids: [[Int64]], geos: GEOSContext) throws(GEOSError) -> [Int64: Obstacle] {
        let ids = outOfBand(input, grids)
        guard !ids.isEmpty else { return [:] }
        let (graph, _, _, nodeSites) = try cellGraph(input, geos: geos)
        return obstacles(graph, nodeSites, input, among: ids)
    }

    /// The buildings of grids out of band that no oversized building explains.
    private func outOfBand(_ input: CommunityInput, _ grids: [[Int64]]) -> Set<Int64> {
        let households = Dictionary(input.sites.map { ($0.id, $0.households) }) { a, _ in a }
        return Set(grids.filter { g in
            let hh = g.map { households[$0] ?? 0 }
            return !band.contains(hh.reduce(0, +)) && hh.allSatisfy { $0 <= band.max }
        }.joined())
    }

    private func obstacles(_ graph: PartitionGraph, _ nodeSites: [[Int]], _ input: CommunityInput, among ids: Set<Int64>) -> [Int64: Obstacle] {
        guard !ids.isEmpty else { return [:] }
        let nodes = nodeSites.indices.filter { nodeSites[$0].contains { ids.contains(input.sites[$0].id) } }
        var out: [Int64: Obstacle] = [:]
        for (v, o) in GraphPartitioner(band: band, seed: seed).obstacles(graph, among: nodes) {
            for i in nodeSites[v] { out[input.sites[i].id] = o }
        }
        return out
    }

    /// Steps 1–3: the graph of cells, the cells, their points and the sites in each.
    func cellGraph(_ input: CommunityInput, geos: GEOSContext) throws(GEOSError)
        -> (graph: PartitionGraph, cells: [Geometry?], points: [Coordinate], sites: [[Int]]) {
        let community = Geometry.multiPolygon(input.boundary)
        let blocks = try makeBlocks(community, roads: input.roads + input.rivers, geos: geos)
        let index = try PolygonIndex(context: geos, polygons: blocks.map(Geometry.polygon))
        let crossing = try RiverCrossing(community, blocks: blocks, roads: input.roads, rivers: input.rivers, geos: geos)

        // Nodes: buildings sharing a point are one node; each empty block is a node too.
        var nodePoints: [Coordinate] = [], nodeSites: [[Int]] = [], nodeBlock: [Int] = []
        var byPoint: [Coordinate: Int] = [:]
        for (i, site) in input.sites.enumerated() {
            if let n = byPoint[site.point] { nodeSites[n].append(i); continue }
            byPoint[site.point] = nodePoints.count
            nodePoints.append(site.point)
            nodeSites.append([i])
            nodeBlock.append(try index.firstContaining(site.point) ?? nearestBlock(site.point, blocks))
        }
        var blockNodes = [[Int]](repeating: [], count: blocks.count)
        for (n, b) in nodeBlock.enumerated() { blockNodes[b].append(n) }
        for (b, block) in blocks.enumerated() where blockNodes[b].isEmpty {
            blockNodes[b] = [nodePoints.count]
            nodePoints.append(try geos.pointOnSurface(.polygon(block)))
            nodeSites.append([])
            nodeBlock.append(b)
        }

        // Cells.
        var cells = [Geometry?](repeating: nil, count: nodePoints.count)
        for (b, nodes) in blockNodes.enumerated() {
            if nodes.count == 1 { cells[nodes[0]] = .polygon(blocks[b]); continue }
            let found = try geos.voronoiCells(nodes.map { nodePoints[$0] }, clip: .polygon(blocks[b]))
            for (n, cell) in zip(nodes, found) { cells[n] = cell }
        }

        // A cell cut in pieces by a concave block keeps the piece with its building; every
        // other piece becomes a node of its own with no households.
        var fragments: [Int] = []
        for n in cells.indices {
            guard let cell = cells[n], cell.polygons.count > 1 else { continue }
            let pieces = cell.polygons
            let main = pieces.firstIndex { $0.contains(nodePoints[n]) } ?? 0
            cells[n] = .polygon(pieces[main])
            for (i, piece) in pieces.enumerated() where i != main {
                fragments.append(nodePoints.count)
                nodePoints.append(try geos.pointOnSurface(.polygon(piece)))
                nodeSites.append([])
                nodeBlock.append(nodeBlock[n])
                cells.append(.polygon(piece))
            }
        }

        // Graph.
        let weights = nodeSites.map { $0.reduce(0) { $0 + input.sites[$1].households } }
        // Neighbours are Delaunay pairs whose cells really share boundary (a concave block or a
        // road junction can keep them apart); the cost is that length, discounted along roads.
        var edges: [(Int, Int, Double, Double)] = []
        for (a, b) in try delaunayPairs(nodePoints, geos: geos) {
            guard let ca = cells[a], let cb = cells[b] else { continue }
            let shared = sharedBoundaryLength(ca, cb, tolerance: Self.gridSize)
            guard shared > 0.05, crossing.joins(nodeBlock[a], ca, nodeBlock[b], cb) else { continue }
            edges.append((a, b, nodeBlock[a] == nodeBlock[b] ? shared : shared * roadDiscount, shared))
        }
        // Fragments are not in the triangulation: find their neighbours by geometry.
        let boxes = cells.map { $0?.boundingBox }
        for f in fragments {
            guard let cf = cells[f], let box = boxes[f] else { continue }
            for k in cells.indices where k != f {
                guard let bk = boxes[k], bk.intersects(box.expanded(by: 0.05)), let ck = cells[k] else { continue }
                let shared = sharedBoundaryLength(cf, ck, tolerance: Self.gridSize)
                if shared > 0.05, crossing.joins(nodeBlock[f], cf, nodeBlock[k], ck) { edges.append((f, k, nodeBlock[f] == nodeBlock[k] ? shared : shared * roadDiscount, shared)) }
            }
        }
        let measures = cells.map { cell in (area: cell?.area ?? 0, perimeter: cell?.polygons.reduce(0) { $0 + $1.perimeter } ?? 0) }
        let graph = PartitionGraph(weights: weights, points: nodePoints, edges: edges, cells: measures)
        return (graph, cells, nodePoints, nodeSites)
    }

    /// The community cut along its roads and rivers; polygons outside it (lakes, holes) are dropped.
    func makeBlocks(_ community: Geometry, roads: [LineString], geos: GEOSContext) throws(GEOSError) -> [Polygon] {
        var lines = community.polygons.flatMap(\.boundaryLines)
        if !roads.isEmpty {
            lines += try geos.intersection(.multiLineString(roads), community).lineStrings
        }
        let candidates = try geos.polygonize(lines)
        var blocks: [Polygon] = []
        for p in candidates where community.contains(try geos.pointOnSurface(.polygon(p))) { blocks.append(p) }
        return blocks.isEmpty ? community.polygons : blocks
    }

    private func nearestBlock(_ p: Coordinate, _ blocks: [Polygon]) -> Int {
        blocks.indices.min { blocks[$0].centroid.distance(to: p) < blocks[$1].centroid.distance(to: p) } ?? 0
    }

    /// Delaunay neighbours, each pair once, in order; collinear points are chained.
    func delaunayPairs(_ points: [Coordinate], geos: GEOSContext) throws(GEOSError) -> [(Int, Int)] {
        let triangles = try geos.delaunayTriangles(points)
        if triangles.isEmpty {
            let order = points.indices.sorted { (points[$0].x, points[$0].y, $0) < (points[$1].x, points[$1].y, $1) }
            return Array(zip(order, order.dropFirst()))
        }
        var pairs = Set<Int>()
        let n = points.count
        for (a, b, c) in triangles {
            for (u, v) in [(a, b), (b, c), (c, a)] { pairs.insert(min(u, v) * n + max(u, v)) }
        }
        return pairs.sorted().map { ($0 / n, $0 % n) }
    }

    /// Gives every piece but the main one (the one holding most cells) of a grid to the grid
    /// that shares the longest boundary with it, together with the cells inside it.
    func mendPieces(_ shapes: inout [[Polygon]], _ part: inout [Int], nodePoints: [Coordinate], geos: GEOSContext) throws(GEOSError) {
        for _ in 0..<4 {
            var changed = false
            for p in shapes.indices where shapes[p].count > 1 {
                let nodes = part.indices.filter { part[$0] == p }
                func count(_ piece: Polygon) -> Int { nodes.filter { piece.contains(nodePoints[$0]) }.count }
                let main = shapes[p].indices.max { (count(shapes[p][$0]), shapes[p][$0].area) < (count(shapes[p][$1]), shapes[p][$1].area) }!
                var kept = [shapes[p][main]]
                for (i, piece) in shapes[p].enumerated() where i != main {
                    var best: (q: Int, shared: Double)?
                    let box = BoundingBox(covering: piece.exterior.coordinates)!
                    for q in shapes.indices where q != p {
                        for other in shapes[q] where BoundingBox(covering: other.exterior.coordinates)!.intersects(box) {
                            let shared = try geos.intersection(.multiLineString(piece.boundaryLines), .multiLineString(other.boundaryLines)).length
                            if shared > (best?.shared ?? 0) { best = (q, shared) }
                        }
                    }
                    guard let target = best?.q else { kept.append(piece); continue }
                    for n in nodes where piece.contains(nodePoints[n]) { part[n] = target }
                    shapes[target] = try geos.unaryUnion((shapes[target] + [piece]).map(Geometry.polygon), gridSize: Self.gridSize).polygons
                    changed = true
                }
                shapes[p] = kept
            }
            if !changed { break }
        }
    }
}
