import CivicGridModel
import Foundation
import GridGeometry
import GridStore

/// Public facilities for the demo district, deterministic: beside every `spacing`-th building a
/// facility of the catalogue's facility categories in turn (manhole covers, street lamps,
/// hydrants, bins …), a few damaged or lost; as GeoJSON points `facilities import` reads.
public struct DemoFacilities: Sendable {
    public var seed: UInt64 = 7
    public var spacing = 6

    public init() {}

    public func features(buildings: [Building], categories: [CaseCategory]) -> [Feature] {
        let kinds = categories.filter { $0.kind == .facility }
        guard !kinds.isEmpty else { return [] }
        var rng = SeededRandom(seed: seed)
        var out: [Feature] = []
        for (i, b) in buildings.enumerated() where i % spacing == 0 {
            let c = kinds[(i / spacing) % kinds.count]
            let status = rng.chance(0.9) ? "intact" : rng.chance(0.8) ? "damaged" : "lost"
            // A few metres off the building's label point, towards the street.
            let p = Coordinate(b.label.x + rng.uniform(-6e-5, 6e-5), b.label.y + rng.uniform(-6e-5, 6e-5))
            out.append(Feature(id: .string("F\(String(format: "%06d", out.count + 1))"), geometry: .point(p),
                               properties: ["code": .string("F\(String(format: "%06d", out.count + 1))"), "category": .string(c.code), "status": .string(status)]))
        }
        return out
    }
}
