import CivicGridModel
import Testing

struct BandTests {
    @Test func classifyIsTheOneRule() {
        let band = Band()
        #expect([349, 350, 500, 501].map { band.classify($0) } == [.under, .ok, .ok, .over])
        #expect(Band(min: 100, max: 200).classify(350) == .over)
    }

    @Test func aPlanKeepsItsOwnBand() {
        #expect(Band(planParameters: #"{"method":"partition","min":300,"max":450,"seed":1}"#) == Band(min: 300, max: 450))
        #expect(Band(planParameters: #"{"method":"import"}"#) == nil)
        #expect(Band(planParameters: "not json") == nil)
        #expect(Band(planParameters: #"{"min":500,"max":300}"#) == nil)
        let imported = Plan(id: 1, community: "c", status: .draft, basedOn: nil, author: nil, createdAt: "", updatedAt: "", version: 1, params: nil)
        #expect(imported.band() == Band())
    }
}

struct LayerCatalogueTests {
    @Test func standardLayersAreConsistent() {
        let layers = LayerDescriptor.standard
        #expect(Set(layers.map(\.name)).count == layers.count)
        for layer in layers {
            #expect(layer.exposed.isEmpty, "\(layer.name) exposes \(layer.exposed)")
            #expect(Set(layer.fields.map(\.name)).count == layer.fields.count, "\(layer.name)")
        }
        // Positions: never in tiles, never public, only for whole-jurisdiction watchers.
        #expect(LayerDescriptor.positions.zooms == nil && !LayerDescriptor.positions.publicByDefault)
        #expect(LayerDescriptor.positions.readers == [.admin, .viewer, .dispatcher] && LayerDescriptor.positions.wholeJurisdictionOnly)
        #expect(layers.filter(\.publicByDefault).map(\.name) == ["districts", "streets", "communities", "grids"])
        #expect(LayerDescriptor.grids.tileFields.map(\.name) == ["code", "name", "community", "plan", "households", "buildings", "band", "area_m2"])
        // A building's address (its label) from zoom 16 only; nothing of a household.
        #expect(LayerDescriptor.buildings.field("address")?.tileMinZoom == 16 && LayerDescriptor.buildings.withheld.isSuperset(of: ["head_name", "phone", "unit"]))
    }
}
