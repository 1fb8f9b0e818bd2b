import Foundation
import GridSchema
import Testing
import GridStore
@testable import GridImport

/// ../shared/data beside the repository (skipped, with a message, when absent).
let sharedData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")
let suzhou = sharedData.appendingPathComponent("suzhou_gusu_buildings.geojson").path

@Suite(.enabled(if: FileManager.default.fileExists(atPath: suzhou), "../shared/data/suzhou_gusu_buildings.geojson is absent"))
struct RealDataTests {
    /// 3,076 real footprints in Suzhou's old town with floors but no household counts.
    @Test func suzhouBuildingsWithEstimatedHouseholds() throws {
        let store = try GridStore(path: temporaryDatabase())
        let importer = Importer(store: store)
        let region = collection([
            feature(#""code":"320508","name":"姑苏区","level":"district""#, polygon(120.59, 31.285, 0.035)),
            feature(#""code":"320508001001","name":"古城","level":"community","parent":"320508""#, polygon(120.59, 31.285, 0.035)),
        ])
        _ = try importer.run(.regions, path: try temporaryFile(region))
        let report = try importer.run(.buildings, path: suzhou)
        #expect(report.imported == 3076)
        #expect(report.estimatedBuildings == 3076)
        // Its "Id" is 0 everywhere: dropped as an id, with a warning.
        #expect(report.warnings.contains { $0.hasPrefix("building ids dropped") })
        let buildings = try store.read { try $0.buildings() }
        #expect(buildings.allSatisfy { $0.community == "320508001001" && $0.householdSource == .estimated && $0.households >= 1 })
        // The data's README expects about 34,500 households from this formula.
        let total = buildings.reduce(0) { $0 + $1.households }
        #expect((33_000...36_000).contains(total))
        let area = buildings.reduce(0) { $0 + $1.areaM2 }
        #expect((1_100_000...1_400_000).contains(area))
    }
}
