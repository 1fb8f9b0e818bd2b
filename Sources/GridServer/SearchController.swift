import CivicGridModel
import Foundation
import GridPeople
import GridStore
import Hummingbird

/// One box for the page: `GET /api/v1/search?q=` finds regions and grids (code or name),
/// buildings (address or ref), organisations (name, code or licence), facilities (code) and
/// cases (number) within the caller's scope; people (name prefix, or an ID number for admins)
/// only for admins (whole) and grid staff in their own grids (masked), every such answer
/// recorded in the access log.
struct SearchController {
    let desk: PeopleDesk?
    let access: Access

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("api/v1/search") { request, context in try await search(request, context) }
    }

    func search(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<[SearchHit]> {
        let account = try access.require(context, Set(Role.allCases), to: "search")
        let q = request.uri.queryParameters
        let given = q["q"].map(String.init) ?? ""
        guard (1...100).contains(given.unicodeScalars.count), !given.isBlank else {
            throw Problem.badRequest("q: 1 to 100 characters, not all spaces")
        }
        let text = given.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n"))
        var limit = 10
        if let l = q["limit"] {
            guard let n = Int(l), (1...50).contains(n) else { throw Problem.badRequest("limit: 1 to 50 (a kind)") }
            limit = n
        }
        var allowed: Set<SearchHit.Kind> = [.region, .grid, .building, .organisation, .facility]
        if [.admin, .dispatcher, .viewer].contains(account.role) { allowed.insert(.case) }
        if [.admin, .member].contains(account.role), desk != nil { allowed.insert(.person) }
        var kinds = allowed
        if let k = q["kinds"] {
            let asked = k.split(separator: ",").map(String.init)
            let known = Set(asked.compactMap(SearchHit.Kind.init(rawValue:)))
            guard asked.allSatisfy({ SearchHit.Kind(rawValue: $0) != nil }), !known.isEmpty else {
                throw Problem.badRequest("kinds: a comma-separated list of \(SearchHit.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kinds = known.intersection(allowed)
        }
        let communities = try await access.communities(account)
        let (root, asked, most) = (account.region, kinds, limit)
        let (found, regionsInScope) = try await access.store.asyncRead { r in
            let hits = try r.search(text, kinds: asked, communities: communities, limit: most)
            return (hits, Set(try hits.filter { $0.kind == .region }.map(\.id).filter { try r.isRegion($0, under: root) }))
        }
        var hits = found.filter { $0.kind != .region || regionsInScope.contains($0.id) }
        if kinds.contains(.person), let desk { hits += try await people(text, account, communities, limit, desk) }
        return JSONAnswer(hits)
    }

    /// People by name prefix (or, for admins, by ID number): whole for admins, masked for grid
    /// staff and only in their grids; recorded when any is answered.
    func people(_ text: String, _ account: Account, _ communities: Set<String>?, _ limit: Int, _ desk: PeopleDesk) async throws -> [SearchHit] {
        let id = IDNumber(text)
        if id != nil, account.role != .admin { return [] }
        let idHash = id.map(desk.key.hash)
        let whole = account.role == .admin
        let rows = try await desk.store.asyncRead { r in
            let found = try r.people(named: idHash == nil ? text : nil, idHash: idHash, communities: communities, limit: whole ? limit : limit * 4)
            guard !whole else { return found }
            let mine = Set(try r.memberGrids(account: account.id))
            return Array(try found.filter { try r.publishedGrid(building: $0.building).map(mine.contains) ?? false }.prefix(limit))
        }
        guard !rows.isEmpty else { return [] }
        try await desk.store.asyncWrite { w in
            try w.log(AccessRecord(at: Date(), account: account.name, role: account.role.rawValue, what: "people search",
                                   subject: "\(id?.masked ?? text): \(rows.count) found", reason: nil))
        }
        return rows.map { row in
            let p = row.person.person
            return SearchHit(kind: .person, id: String(p.id ?? 0), title: whole ? p.name : Masking.name(p.name),
                             subtitle: [row.address, row.unit].compactMap { $0 }.joined(separator: " "), lon: row.at.x, lat: row.at.y,
                             community: row.community, household: p.household, building: row.building)
        }
    }
}
