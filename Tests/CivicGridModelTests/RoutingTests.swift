import CivicGridModel
import Testing

/// Every branch of `Routing.route`: a rule (by priority, then the region nearest the case,
/// then a minor code before its major class), a rule whose department does not serve the
/// place, the catalogue's department, one that handles the category, none, and no place.
struct RoutingTests {
    static let smoke = CaseCategory(code: "0107", major: "01", majorName: "市容环境", majorNameEn: "City", name: "烟囱冒黑烟", nameEn: "Chimney smoke",
                                    kind: .event, urgency: .urgent, limits: [:], department: "D-ENV")
    static let departments = [
        Department(code: "D-ENV", name: "生态环境局", region: nil, categories: ["0107"]),
        Department(code: "D-CITY", name: "城管局", region: nil, categories: ["01"]),
        Department(code: "D-EAST", name: "东区环保所", region: "S-EAST", categories: []),
        Department(code: "D-WEST", name: "西区环保所", region: "S-WEST", categories: []),
    ]
    /// A community of the east street, its district, the city.
    static let east = ["C-1", "S-EAST", "D", "CITY"]

    func route(_ rules: [RoutingRule], chain: [String] = RoutingTests.east, category: CaseCategory = RoutingTests.smoke,
               departments: [Department] = RoutingTests.departments) -> CaseRoute {
        Routing.route(category: category, chain: chain, departments: departments, rules: rules)
    }

    @Test func theCatalogueWithoutRules() {
        let r = route([])
        #expect(r.department == "D-ENV" && r.rule == nil && r.why.contains("catalogue"))
    }

    @Test func rulesByPriorityThenNearestRegionThenMinorCode() {
        let rules = [RoutingRule(id: 1, category: "01", region: "D", department: "D-CITY", priority: 0),
                     RoutingRule(id: 2, category: "0107", region: "S-EAST", department: "D-EAST", priority: 0),
                     RoutingRule(id: 3, category: "0107", region: "S-WEST", department: "D-WEST", priority: 9)]
        // The west street's rule does not cover an east community, whatever its priority.
        #expect(route(rules).department == "D-EAST" && route(rules).rule == 2, "the nearest region")
        #expect(route(rules, chain: ["C-9", "S-WEST", "D", "CITY"]).department == "D-WEST")
        var raised = rules
        raised[0].priority = 5
        #expect(route(raised).department == "D-CITY" && route(raised).why.contains("rule 1"), "priority first")
        let sameRegion = [RoutingRule(id: 1, category: "01", region: "S-EAST", department: "D-CITY", priority: 0),
                          RoutingRule(id: 2, category: "0107", region: "S-EAST", department: "D-ENV", priority: 0)]
        #expect(route(sameRegion).department == "D-ENV", "the minor code before its major class")
        let everywhere = [RoutingRule(id: 1, category: "0107", region: nil, department: "D-CITY", priority: 0)]
        #expect(route(everywhere).department == "D-CITY")
        #expect(route([RoutingRule(id: 1, category: "0108", region: nil, department: "D-CITY", priority: 0)]).department == "D-ENV", "another category's rule")
    }

    @Test func aRuleWhoseDepartmentDoesNotServeThePlaceIsPassedOver() {
        let rules = [RoutingRule(id: 1, category: "0107", region: "D", department: "D-WEST", priority: 1)]
        #expect(route(rules).department == "D-ENV")
    }

    @Test func aDepartmentThatHandlesTheCategoryThenNone() {
        var orphan = Self.smoke
        orphan.department = nil
        let handled = route([], category: orphan)
        #expect(handled.department == "D-ENV" && handled.why.contains("handles"))
        orphan.code = "0199"
        let none = route([], category: orphan, departments: [Self.departments[2]])
        #expect(none.department == nil && none.why.contains("no department"))
        #expect(route([], chain: []).department == nil, "a case in no region")
    }
}
