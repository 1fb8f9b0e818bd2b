import GridStore
import Hummingbird
import Logging

/// Where and how to serve.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// The CivicGrid HTTP application over a store.
public func buildApplication(store: GridStore, configuration: ServerConfiguration, logger: Logger) -> some ApplicationProtocol {
    Application(
        router: buildRouter(store: store),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "CivicGrid"),
        logger: logger
    )
}

/// The routes, separate from the server so tests can run them in process.
public func buildRouter(store: GridStore) -> Router<BasicRequestContext> {
    let router = Router()
    router.addMiddleware { LogRequestsMiddleware(.debug) }
    HealthController(store: store).register(on: router)
    return router
}
