import ArgumentParser
import Foundation
import GridGeometry
import GridStore
import GridTiles

struct TilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiles", abstract: "Pre-render vector tiles, or write them to an offline package.",
        subcommands: [Seed.self, Export.self])

    /// "10-16" or "14".
    struct ZoomRange: ExpressibleByArgument {
        let range: ClosedRange<Int>
        init?(argument: String) {
            let parts = argument.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(parts.count), let lo = parts.first!, let hi = parts.last!, 0 <= lo, lo <= hi, hi <= TileID.maxZoom else { return nil }
            range = lo...hi
        }
    }

    static func render(_ set: TileSet, _ zooms: ClosedRange<Int>) -> [RenderedTile] {
        let ids = set.tiles(zooms: zooms)
        let printer = ProgressPrinter()
        let tiles = set.render(ids) { done, total in printer.update("rendering z\(zooms.lowerBound)–\(zooms.upperBound)", done, total) }
        printer.finish()
        return tiles
    }

    struct Seed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render every tile covering the data at the given zooms and report counts and sizes.",
            discussion: "The running server warms its own cache with `serve --warm`.")

        @OptionGroup var database: DatabaseOption
        @Option(help: "Zooms, e.g. 10-16.") var zooms = ZoomRange(argument: "10-16")!
        @Option(help: "Render the list this many times and report the time per pass (for benchmarks).") var passes: Int = 1
        @Flag(help: "Print the tile list (z/x/y per line) and stop.") var list = false

        func run() throws {
            let store = try database.existing()
            let set = try TileSet.load(from: store)
            if list {
                for t in set.tiles(zooms: zooms.range) { print(t) }
                return
            }
            let start = Date()
            var tiles: [RenderedTile] = []
            for _ in 0..<max(1, passes) { tiles = TilesCommand.render(set, zooms.range) }
            let seconds = Date().timeIntervalSince(start) / Double(max(1, passes))
            let s = TileStatistics(tiles)
            print("\(s.tiles) tiles (\(s.tiles - s.empty) with features) in \(String(format: "%.2f", seconds)) s, \(String(format: "%.0f", Double(s.tiles) / max(seconds, 1e-9))) tiles/s")
            print("\(s.bytes) bytes; largest \(s.maxBytes) bytes (\(s.largest.map(\.description) ?? "–")), p95 \(s.p95Bytes) bytes")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the tiles to an MBTiles 1.3 or PMTiles 3 file.")

        enum Format: String, ExpressibleByArgument { case mbtiles, pmtiles }

        @OptionGroup var database: DatabaseOption
        @Option(help: "mbtiles or pmtiles.") var format: Format
        @Option(help: "The file to write.") var output: String
        @Option(help: "Zooms, e.g. 0-16.") var zooms = ZoomRange(argument: "0-16")!

        func run() throws {
            let store = try database.existing()
            let set = try TileSet.load(from: store)
            guard let world = set.bounds else { throw ValidationError("nothing to export: the database has no features") }
            let tiles = TilesCommand.render(set, zooms.range).filter { !$0.bytes.isEmpty }.map { (id: $0.id, data: Gzip.compress($0.bytes)) }
            let b = WebMercator.unproject(world)
            let centerZoom = min(max(zooms.range.lowerBound, 13), zooms.range.upperBound)
            let metadata = TileSetMetadata(vectorLayers: set.vectorLayers)
            switch format {
            case .mbtiles:
                let json = String(decoding: try metadata.json(), as: UTF8.self)
                try MBTilesWriter.write(to: output, metadata: [
                    "name": "CivicGrid", "format": "pbf", "type": "overlay", "version": "1", "description": "CivicGrid map layers",
                    "bounds": "\(b.minX),\(b.minY),\(b.maxX),\(b.maxY)", "center": "\(b.center.x),\(b.center.y),\(centerZoom)",
                    "minzoom": "\(zooms.range.lowerBound)", "maxzoom": "\(zooms.range.upperBound)", "json": json,
                ], tiles: tiles.map { (z: $0.id.z, x: $0.id.x, y: $0.id.y, data: $0.data) })
            case .pmtiles:
                let bytes = try PMTilesWriter.encode(
                    header: .init(minZoom: zooms.range.lowerBound, maxZoom: zooms.range.upperBound, bounds: b, center: b.center, centerZoom: centerZoom),
                    metadata: metadata, tiles: tiles)
                try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
            }
            print("wrote \(tiles.count) tiles to \(output)")
        }
    }
}
