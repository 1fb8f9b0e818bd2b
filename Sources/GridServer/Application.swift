import GridStore
import GridTiles
import Hummingbird
import Logging
import ServiceLifecycle

/// Where and how to serve.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The folder of MapLibre styles (Styles/ of the project).
    public var styles: String
    /// The folder holding maplibre-gl.js and maplibre-gl.css (installed by Scripts/setup).
    public var webAssets: String
    /// How often the tile layers look for changes written by other processes.
    public var refreshInterval: Duration

    public init(host: String = "127.0.0.1", port: Int = 8080, styles: String = "Styles", webAssets: String = ".build-web/maplibre",
                refreshInterval: Duration = .seconds(1)) {
        self.host = host
        self.port = port
        self.styles = styles
        self.webAssets = webAssets
        self.refreshInterval = refreshInterval
    }

    var authority: String { "\(host):\(port)" }
}

/// The CivicGrid HTTP application over a store.
public func buildApplication(store: GridStore, tiles: TileProvider, configuration: ServerConfiguration, logger: Logger) -> some ApplicationProtocol {
    Application(
        router: buildRouter(store: store, tiles: tiles, configuration: configuration),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "CivicGrid"),
        services: [TileRefreshService(tiles: tiles, store: store, interval: configuration.refreshInterval, logger: logger)],
        logger: logger
    )
}

/// The routes, separate from the server so tests can run them in process.
public func buildRouter(store: GridStore, tiles: TileProvider, configuration: ServerConfiguration = .init()) -> Router<BasicRequestContext> {
    let router = Router()
    router.addMiddleware { LogRequestsMiddleware(.debug) }
    router.addMiddleware { ProblemMiddleware() }
    HealthController(store: store).register(on: router)
    TilesController(provider: tiles, fallbackHost: configuration.authority).register(on: router)
    WebController(store: store, configuration: configuration).register(on: router)
    FeaturesController(store: store, fallbackHost: configuration.authority).register(on: router)
    router.get("openapi.json") { _, _ in OpenAPI.response }
    return router
}

/// Picks up data changes (imports, published plans), from this process or another, and
/// hands them to the tile provider, which drops the tiles they touch.
struct TileRefreshService: Service {
    let tiles: TileProvider
    let store: GridStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }  // shutting down
                do {
                    let n = try tiles.refresh(from: store)
                    if n > 0 { logger.info("tiles: \(n) data change(s) applied, now at version \(tiles.set.version)") }
                } catch {
                    logger.error("tiles: cannot reload layers: \(error)")
                }
            }
        }
    }
}
