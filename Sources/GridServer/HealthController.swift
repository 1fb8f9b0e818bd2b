import GridStore
import Hummingbird

/// `GET /health`: the service is up and its database readable.
struct HealthController {
    let store: GridStore

    struct Health: ResponseEncodable {
        var status: String
        var regions: Int
        var buildings: Int
        var households: Int
        var roads: Int
    }

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("health") { _, _ -> Health in
            try await store.asyncRead { r in
                let counts = try r.counts()
                return Health(status: "ok", regions: counts["regions"] ?? 0, buildings: counts["buildings"] ?? 0,
                              households: try r.householdTotal(), roads: counts["roads"] ?? 0)
            }
        }
    }
}
