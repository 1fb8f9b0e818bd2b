import Testing
@testable import GridTiles

/// Hand-checked encodings (MVT 2.1 spec §4.3): command integers are (id & 7) | (count << 3),
/// parameters zigzag-encoded deltas from the cursor.
struct VectorTileEncoderTests {
    @Test func squareIsOneRingWithClosePath() {
        // (2,2) → (12,2) → (12,12) → (2,12): positive area in y-down tile space.
        let ring = [TilePoint(2, 2), TilePoint(12, 2), TilePoint(12, 12), TilePoint(2, 12)]
        let (type, commands) = VectorTileEncoder.geometryCommands(.polygons([[ring]]))
        #expect(type == 3)
        // MoveTo(1) = 9, +2 +2 → 4 4; LineTo(3) = 26, +10 0 → 20 0, 0 +10 → 0 20, −10 0 → 19 0; ClosePath(1) = 15.
        #expect(commands == [9, 4, 4, 26, 20, 0, 0, 20, 19, 0, 15])
    }

    @Test func polygonWithHoleKeepsTheCursorAcrossRings() {
        let outer = [TilePoint(0, 0), TilePoint(10, 0), TilePoint(10, 10), TilePoint(0, 10)]
        let hole = [TilePoint(3, 3), TilePoint(3, 6), TilePoint(6, 6), TilePoint(6, 3)]
        let (_, commands) = VectorTileEncoder.geometryCommands(.polygons([[outer, hole]]))
        // Outer: 9 0 0 | 26 20 0 0 20 19 0 | 15; hole from (0,10): MoveTo +3 −7 → 6 13; LineTo(3)
        // 0 +3 → 0 6, +3 0 → 6 0, 0 −3 → 0 5; ClosePath.
        #expect(commands == [9, 0, 0, 26, 20, 0, 0, 20, 19, 0, 15, 9, 6, 13, 26, 0, 6, 6, 0, 0, 5, 15])
    }

    @Test func linesAndPoints() {
        let (lineType, line) = VectorTileEncoder.geometryCommands(.lines([[TilePoint(2, 2), TilePoint(2, 10), TilePoint(10, 10)]]))
        #expect(lineType == 2)
        #expect(line == [9, 4, 4, 18, 0, 16, 16, 0])
        let (pointType, points) = VectorTileEncoder.geometryCommands(.points([TilePoint(25, 17), TilePoint(-1, 0)]))
        #expect(pointType == 1)
        // MoveTo(2) = 17; 25 17 → 50 34; −26 −17 → 51 33.
        #expect(points == [17, 50, 34, 51, 33])
    }

    @Test func layerDeduplicatesKeysAndValues() {
        let square = TileGeometry.polygons([[[TilePoint(0, 0), TilePoint(1, 0), TilePoint(1, 1), TilePoint(0, 1)]]])
        let layer = TileLayerData(name: "grids", features: [
            TileFeatureData(id: 1, properties: [("band", .string("ok")), ("households", .int(420))], geometry: square),
            TileFeatureData(id: 2, properties: [("band", .string("ok")), ("households", .int(-3))], geometry: square),
        ])
        let bytes = VectorTileEncoder.encode([layer])
        // Tile field 3 (layer), then the layer: version 2 first, name "grids".
        #expect(Array(bytes.prefix(1)) == [0x1a])
        let body = Array(bytes.dropFirst(bytes[1] < 0x80 ? 2 : 3))
        #expect(Array(body.prefix(9)) == [0x78, 0x02, 0x0a, 0x05] + Array("grids".utf8))
        // Keys once each: "band", "households"; values "ok", 420 (uint), −3 (sint, zigzag 5).
        #expect(body.count(of: Array("band".utf8)) == 1)
        #expect(body.count(of: Array("ok".utf8)) == 1)
        #expect(body.containsSubsequence([0x22, 0x03, 0x28, 0xa4, 0x03]))  // value { uint_value: 420 }
        #expect(body.containsSubsequence([0x22, 0x02, 0x30, 0x05]))  // value { sint_value: -3 }
        #expect(body.suffix(3) == [0x28, 0x80, 0x20])  // extent 4096
    }

    @Test func emptyLayersAreLeftOut() {
        #expect(VectorTileEncoder.encode([TileLayerData(name: "roads", features: [])]).isEmpty)
    }
}

extension Array where Element == UInt8 {
    func count(of needle: [UInt8]) -> Int {
        guard needle.count <= count else { return 0 }
        return (0...(count - needle.count)).filter { Array(self[$0..<($0 + needle.count)]) == needle }.count
    }

    func containsSubsequence(_ needle: [UInt8]) -> Bool { count(of: needle) > 0 }
}
