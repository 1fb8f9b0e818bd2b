import CivicGridModel
import Foundation
import GridGeometry
import GridImport
import GridSchema
import GridStore
import GridTestSupport
import Testing

/// Any GeoPackage's layers, read as features: here a store's own file.
struct GeoPackageReaderTests {
    @Test(.enabled(if: !TestDatabase.isPostgres, "a GeoPackage file"))
    func readsLayersOfAnyGeoPackage() throws {
        let path = temporaryDatabase()
        let store = try GridStore(path: path)
        _ = try store.write { (w: StoreWriter) throws in
            try w.save(squareRegion("1", level: .district, parent: nil, x: 120, y: 31, size: 1))
            try w.save(squareRegion("11", level: .street, parent: "1", x: 120, y: 31, size: 0.5))
        }
        #expect(try GeoPackageReader.layerNames(path: path) == ["buildings", "cases", "facilities", "grids", "organisations", "published_grids", "regions", "roads"])
        let layer = try GeoPackageReader.read(path: path, layer: "regions")
        #expect(layer.epsg == 4326)
        let features = try layer.features.map { try $0.get() }
        #expect(features.map { $0.properties["code"] } == [.string("1"), .string("11")])
        #expect(features[1].properties["parent"] == .string("1"))
        #expect(throws: ImportError.self) { try GeoPackageReader.read(path: path, layer: nil) }
        #expect(throws: ImportError.self) { try GeoPackageReader.read(path: path, layer: "nope") }
    }
}
