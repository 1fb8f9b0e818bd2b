import CivicGridModel
import GridPartition
import Testing

struct RebalanceGroupsTests {
    /// Four grids in a row: 200 | 450 | 450 | 300 households.
    let households = [200, 450, 450, 300]
    let chain = [[1], [0, 2], [1, 3], [2]]

    @Test func outOfBandGridsTakeNeighboursUntilTheBandCanHoldThem() {
        // Grid 0 needs grids 1 and 2 (650 cannot make grids of 350–500, 1,100 can: three);
        // grid 3 then joins the group its neighbour 2 is in.
        let groups = RebalanceGroups.groups(households: households, largest: [50, 50, 50, 50], neighbors: chain, band: Band())
        #expect(groups.map { $0.sorted() } == [[0, 1, 2, 3]])
    }

    @Test func aGridMadeByOneOversizedBuildingStays() {
        let groups = RebalanceGroups.groups(households: [620, 400], largest: [600, 40], neighbors: [[1], [0]], band: Band())
        #expect(groups.isEmpty)
    }

    @Test func gridsInBandAreLeftAlone() {
        #expect(RebalanceGroups.groups(households: [400, 450], largest: [40, 40], neighbors: [[1], [0]], band: Band()).isEmpty)
        // An isolated grid out of band with no neighbour is its own group.
        #expect(RebalanceGroups.groups(households: [120], largest: [40], neighbors: [[]], band: Band()) == [[0]])
    }
}
