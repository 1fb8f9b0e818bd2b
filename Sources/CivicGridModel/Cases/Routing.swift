import Foundation

/// Where a case goes: the department its category and place give, and why. Pure: the caller
/// reads the rules, the departments and the chain of regions the case lies in.
public enum Routing {
    /// The route of a case of `category` lying in `chain` (its nearest desk, then every region
    /// above it, up to the root): the matching rule of highest priority (then the one whose
    /// region is nearest the case, then a minor code before its major class), whose department
    /// serves the place; else the catalogue's department for the category, if it serves the
    /// place; else the first department that lists the category and serves the place.
    public static func route(category: CaseCategory, chain: [String], departments: [Department], rules: [RoutingRule]) -> CaseRoute {
        let byCode = Dictionary(departments.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        func serves(_ d: Department) -> Bool { d.region.map(chain.contains) ?? true }
        guard !chain.isEmpty else { return CaseRoute(department: nil, why: "the case lies in no region") }
        let matching = rules.compactMap { r -> (RoutingRule, Int)? in
            guard r.category == category.code || r.category == category.major else { return nil }
            guard let depth = r.region.map({ chain.firstIndex(of: $0) }) ?? chain.count else { return nil }
            return (r, depth)
        }
        .sorted { a, b in
            if a.0.priority != b.0.priority { return a.0.priority > b.0.priority }
            if a.1 != b.1 { return a.1 < b.1 }
            if (a.0.category == category.code) != (b.0.category == category.code) { return a.0.category == category.code }
            return (a.0.id ?? 0) < (b.0.id ?? 0)
        }
        for (rule, _) in matching {
            guard let d = byCode[rule.department], serves(d) else { continue }
            return CaseRoute(department: d.code, why: "rule \(rule.id.map(String.init) ?? "?"): \(rule.category) in \(rule.region ?? "every region") → \(d.code) (priority \(rule.priority))",
                             rule: rule.id)
        }
        if let code = category.department, let d = byCode[code], serves(d) {
            return CaseRoute(department: d.code, why: "the catalogue sends \(category.code) \(category.name) to \(d.code)")
        }
        if let d = departments.first(where: { $0.handles(category) && serves($0) }) {
            return CaseRoute(department: d.code, why: "\(d.code) handles \(category.code) \(category.name) here")
        }
        return CaseRoute(department: nil, why: "no department handles \(category.code) \(category.name) in \(chain[0])")
    }
}

/// A routing rule beyond the catalogue's default (`civicgrid routing import`).
public struct RoutingRule: Sendable, Hashable {
    public var id: Int64?
    /// A minor code, or a major class for all its minors.
    public var category: String
    /// The root of the region subtree it covers (nil: everywhere).
    public var region: String?
    public var department: String
    /// Higher wins.
    public var priority: Int

    public init(id: Int64? = nil, category: String, region: String?, department: String, priority: Int) {
        self.id = id
        self.category = category
        self.region = region
        self.department = department
        self.priority = priority
    }
}

/// A case's route: the department, or none, and why.
public struct CaseRoute: Sendable, Hashable {
    public var department: String?
    public var why: String
    public var rule: Int64?

    public init(department: String?, why: String, rule: Int64? = nil) {
        self.department = department
        self.why = why
        self.rule = rule
    }
}
