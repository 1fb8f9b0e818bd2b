import ArgumentParser
import GridSchema
import GridStore

@main
struct CivicGrid: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "civicgrid",
        abstract: "GIS service for grid-based city management: unit grids, buildings, GPS, map layers.",
        subcommands: [ImportCommand.self, BackupCommand.self, RestoreCommand.self, DatabaseCommand.self, BuildingsCommand.self, PartitionCommand.self, CategoriesCommand.self, DepartmentsCommand.self, RoutingCommand.self, NoticesCommand.self, TriageCommand.self, DutyCommand.self, CalendarCommand.self, Open311Command.self, SMSCommand.self, CasesCommand.self, FacilitiesCommand.self, AssessCommand.self, PeopleCommand.self, OrganisationsCommand.self, AuditCommand.self, PlansCommand.self, UsersCommand.self, ExportCommand.self, DemoCommand.self,
                      TilesCommand.self, ServeCommand.self, DevicesCommand.self, PingsCommand.self, CheckCommand.self,
                      BareServeCommand.self]
    )
}

/// The database option every command shares.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: "The CivicGrid database (a GeoPackage file or a postgres:// URL).")
    var db: String

    /// The database, which must exist: only imports and `demo load` make one.
    func existing() throws -> GridStore { try GridStore(path: db, opening: .existing) }

    /// The database, made when missing (imports, `demo load`).
    func creating() throws -> GridStore { try GridStore(path: db) }
}
