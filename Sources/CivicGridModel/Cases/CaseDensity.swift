import GridGeometry

/// Cases counted per zoom-18 tile (`case_density`).
public enum CaseDensity {
    public static let zoom = 18

    public struct Cell: Hashable, Sendable {
        public var x: Int
        public var y: Int

        public init(x: Int, y: Int) {
            self.x = x
            self.y = y
        }
    }

    public static func cell(_ p: Coordinate) -> Cell {
        let w = WebMercator.project(p), n = Double(1 << zoom)
        return Cell(x: min(max(Int(w.x * n), 0), (1 << zoom) - 1), y: min(max(Int(w.y * n), 0), (1 << zoom) - 1))
    }
}
