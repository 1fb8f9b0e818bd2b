import GridAssessment
import GridCases
import GridPeople
import GridStore
import GridTracking

extension StoreSchema {
    /// CivicGrid's whole schema: the core's migrations and every feature's, by version.
    public static let civicGrid = StoreSchema(features: [
        TrackingSchema.migrations, CaseSchema.migrations, AssessmentSchema.migrations, PeopleSchema.migrations,
    ])
}

extension GridStore {
    /// Opens a CivicGrid database (a file, or PostgreSQL for a `postgres://` URL) with the
    /// whole schema, migrating it to this version unless read-only.
    public convenience init(path: String, opening: Opening = .create) throws(StoreError) {
        try self.init(path: path, opening: opening, schema: .civicGrid)
    }
}
