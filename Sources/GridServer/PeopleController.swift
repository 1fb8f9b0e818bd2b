import CivicGridModel
import Foundation
import GridPeople
import GridStore
import Hummingbird

/// Household members over HTTP: `GET /api/v1/households/{id}/members` answers them masked
/// (`陈**`, `132****6915`, `320***********123X`) to the command centre, viewers and the grid
/// staff of the household's grid; `unmask=true` answers them whole to an admin, or to the
/// grid's staff with a `reason`, and records the read (who, when, which household, why).
struct PeopleController {
    /// Nil when the server has no key file.
    let desk: PeopleDesk?
    let access: Access

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("api/v1/households/:id/members") { request, context in try await members(request, context) }
        router.get("api/v1/buildings/:id/households") { _, context in try await households(context) }
        router.get("api/v1/organisations/:code") { request, context in try await organisation(request, context) }
    }

    /// An organisation as the basic-data roles see it: the contact masked unless an admin asks
    /// for it whole (recorded).
    struct OrganisationView: Codable, Sendable {
        var code: String
        var name: String
        var kind: String
        var licence: String?
        var contactName: String?
        var contactPhone: String?
        var building: Int64?
        var unit: String?
        var employees: Int?
        var grid: String?
        var community: String?
        var lon: Double
        var lat: Double
        var masked: Bool

        enum CodingKeys: String, CodingKey {
            case code, name, kind, licence, contactName = "contact_name", contactPhone = "contact_phone", building, unit, employees, grid, community, lon, lat, masked
        }
    }

    func organisation(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<OrganisationView> {
        let account = try access.require(context, [.admin, .dispatcher, .viewer, .member], to: "see an organisation's record")
        let code = context.parameters.get("code") ?? ""
        let unmask = request.uri.queryParameters["unmask"].map(String.init)
        guard unmask == nil || unmask == "true" || unmask == "false" else { throw Problem.badRequest("unmask: true or false") }
        guard let o = try await access.store.asyncRead({ try $0.organisation(code: code) }) else { throw Problem.notFound("no organisation \(code)") }
        try await access.checkScope(account, o.community ?? "", "see its organisations")
        let whole = unmask == "true"
        if whole {
            guard account.role == .admin else { throw Problem(.forbidden, "Forbidden", detail: "a \(account.role.rawValue) sees an organisation's contact masked") }
            try await access.store.asyncWrite { w in
                try w.log(AccessRecord(at: Date(), account: account.name, role: account.role.rawValue, what: "organisation contact", subject: o.code, reason: nil))
            }
        }
        return JSONAnswer(OrganisationView(code: o.code, name: o.name, kind: o.kind.rawValue, licence: o.licence?.value,
                                           contactName: o.contactName.map { whole ? $0 : Masking.name($0) },
                                           contactPhone: o.contactPhone.map { whole ? $0 : Masking.phone($0) }, building: o.building, unit: o.unit,
                                           employees: o.employees, grid: o.grid, community: o.community, lon: o.location.x, lat: o.location.y, masked: !whole))
    }

    /// A building's floors and its households by unit (no name, no phone): what the 3D view
    /// opens when a building is clicked.
    struct BuildingHouseholds: Codable, Sendable {
        var building: Int64
        var floors: Int?
        var households: Int
        var height: Double?
        var units: [HouseholdUnit]
        /// The organisations in it: code, name, kind (public).
        var organisations: [PublicOrganisation]
    }

    struct PublicOrganisation: Codable, Sendable {
        var code: String
        var name: String
        var kind: String
        var unit: String?
    }

    func households(_ context: CivicContext) async throws -> JSONAnswer<BuildingHouseholds> {
        let account = try access.require(context, [.admin, .dispatcher, .viewer, .member, .planner], to: "see a building's households")
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw Problem.badRequest("a building id is a number") }
        guard let place = try await access.store.asyncRead({ try $0.buildingPlace(id) }) else { throw Problem.notFound("no building \(id)") }
        try await access.checkScope(account, place.community ?? "", "see its households")
        let (units, organisations) = try await access.store.asyncRead { r in (try r.householdUnits(building: id), try r.organisations(building: id)) }
        return JSONAnswer(BuildingHouseholds(building: id, floors: place.floors, households: place.households, height: place.height, units: units,
                                             organisations: organisations.map { PublicOrganisation(code: $0.code, name: $0.name, kind: $0.kind.rawValue, unit: $0.unit) }))
    }

    func members(_ request: Request, _ context: CivicContext) async throws -> JSONAnswer<[MemberView]> {
        let account = try access.require(context, [.admin, .dispatcher, .viewer, .member], to: "see household members")
        guard let desk else { throw Problem(.serviceUnavailable, "Service unavailable", detail: "this server was started without the key file that opens ID numbers (serve --key-file)") }
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw Problem.badRequest("a household id is a number") }
        let q = request.uri.queryParameters
        let unmask = q["unmask"].map(String.init)
        guard unmask == nil || unmask == "true" || unmask == "false" else { throw Problem.badRequest("unmask: true or false") }
        let given = q["reason"].map(String.init)
        if let given, given.isBlank || given.unicodeScalars.count > 200 { throw Problem.badRequest("reason: 1 to 200 characters, not all spaces") }
        let reason = given?.trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\n"))
        let store = desk.store
        guard let place = try await store.asyncRead({ try $0.householdPlace(id) }) else { throw Problem.notFound("no household \(id)") }
        try await access.checkScope(account, place.community ?? "", "see its households")
        if account.role == .member {
            let (grids, grid) = try await store.asyncRead { r in (try r.memberGrids(account: account.id), try r.publishedGrid(building: place.building)) }
            guard let grid, grids.contains(grid) else {
                throw Problem(.forbidden, "Forbidden", detail: "\(account.name) may see the households of their own grids only")
            }
        }
        var reader: (account: String, role: String, reason: String?)?
        if unmask == "true" {
            switch account.role {
            case .admin: break
            case .member: guard reason != nil else { throw Problem.badRequest("grid staff give a reason to see a household whole: reason=…") }
            default: throw Problem(.forbidden, "Forbidden", detail: "a \(account.role.rawValue) sees household members masked")
            }
            reader = (account.name, account.role.rawValue, reason)
        }
        let who = reader
        return JSONAnswer(try await offload { try desk.members(household: id, unmaskedFor: who) })
    }
}
