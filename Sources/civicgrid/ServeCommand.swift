import ArgumentParser
import GridServer
import GridStore
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the database over HTTP.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    func run() async throws {
        var logger = Logger(label: "civicgrid")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let store = try GridStore(path: database.db)
        let app = buildApplication(store: store, configuration: ServerConfiguration(host: host, port: port), logger: logger)
        try await app.runService()
    }
}
