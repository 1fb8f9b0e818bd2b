import GridGeometry
import Testing
@testable import GridTiles

struct PMTilesWriterTests {
    /// Values from the reference implementation (Python `pmtiles.tile.zxy_to_tileid`).
    @Test func hilbertTileIDs() {
        let cases: [(Int, Int, Int, UInt64)] = [(0, 0, 0, 0), (1, 0, 0, 1), (1, 1, 0, 4), (1, 1, 1, 3), (1, 0, 1, 2),
                                                (3, 5, 2, 76), (12, 3000, 1500, 20_181_359), (16, 54321, 23456, 4_794_785_368)]
        for (z, x, y, id) in cases { #expect(PMTilesWriter.tileID(TileID(z: z, x: x, y: y)!) == id, "\(z)/\(x)/\(y)") }
    }

    @Test func headerIsVersion3With127Bytes() throws {
        let bytes = try PMTilesWriter.encode(header: .init(minZoom: 0, maxZoom: 2, bounds: BoundingBox(minX: 120, minY: 31, maxX: 121, maxY: 32),
                                                           center: Coordinate(120.5, 31.5), centerZoom: 1),
                                             metadata: TileSetMetadata(vectorLayers: []), tiles: [(TileID(z: 0, x: 0, y: 0)!, [1, 2, 3])])
        #expect(Array(bytes.prefix(8)) == Array("PMTiles".utf8) + [3])
        #expect(Array(bytes.suffix(3)) == [1, 2, 3])
        #expect(bytes[96...99] == [1, 2, 2, 1])
    }
}
