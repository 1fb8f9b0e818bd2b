import CivicGridModel
import CMalloc
import GridAssessment
import GridCases
import GridPeople
import Foundation
import GridStore
import GridTiles
import GridTracking
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
    /// A device whose last fix is older than this (seconds) shows as offline.
    public var offlineAfter: Double
    /// Also listen on this port (5055: where Traccar listens for OsmAnd devices).
    public var osmandPort: Int?
    /// Delete pings older than this many seconds (checked every minute); nil keeps all.
    public var retention: Double?
    /// Layers anonymous users may read (tiles and feature collections); by default those the
    /// catalogue marks public.
    public var publicLayers: Set<String>
    /// Addresses of the reverse proxies whose X-Forwarded-Host/-Proto are believed; from any
    /// other peer those headers are dropped.
    public var trustedProxies: Set<String>
    /// A connection that sends nothing for this long is closed: between requests (keep-alive),
    /// within a request head sent in pieces, or within a request body.
    public var idleTimeout: Duration
    /// The map layers served as tiles and collections (the catalogue and its queries).
    public var layers: [FeatureLayer]
    /// The key that seals ID numbers (its file lies outside the database); without it the
    /// household members' routes answer 503.
    public var personalKey: PersonalKey?
    /// Limits on public and device routes.
    public var rateLimits = RateLimits()
    /// Backups taken while serving: how often, into which folder, how many kept.
    public var backups: (every: Duration, directory: String, keep: Int)?
    /// The longest wait (seconds) between tries of a webhook event whose receiver fails.
    public var webhookRetryMax: Double = 300
    /// How often overdue steps are supervised and untouched new cases triaged.
    public var supervisionInterval: Duration = .seconds(60)
    /// The city's own basemap under the data (raster XYZ tiles, `{z}/{x}/{y}`) and its
    /// attribution; none by default, and nothing else is fetched from outside.
    public var basemap: (tiles: String, attribution: String)?

    public init(host: String = "127.0.0.1", port: Int = 8080, styles: String = "Styles", webAssets: String = ".build-web/maplibre",
                refreshInterval: Duration = .seconds(1), offlineAfter: Double = 600, osmandPort: Int? = nil, retention: Double? = nil,
                publicLayers: Set<String>? = nil, trustedProxies: Set<String> = [],
                idleTimeout: Duration = .seconds(30), layers: [FeatureLayer] = FeatureLayer.standard, personalKey: PersonalKey? = nil) {
        self.host = host
        self.port = port
        self.styles = styles
        self.webAssets = webAssets
        self.refreshInterval = refreshInterval
        self.offlineAfter = offlineAfter
        self.osmandPort = osmandPort
        self.retention = retention
        self.publicLayers = publicLayers ?? Set(layers.filter(\.descriptor.publicByDefault).map(\.name))
        self.trustedProxies = trustedProxies
        self.idleTimeout = idleTimeout
        self.layers = layers
        self.personalKey = personalKey
        self.backups = nil
    }

    /// The catalogue's public layers: region and grid outlines with their counts; never
    /// buildings' households or positions.
    public static let defaultPublicLayers = Set(LayerDescriptor.standard.filter(\.publicByDefault).map(\.name))

    var authority: String { "\(host):\(port)" }
}

/// The CivicGrid HTTP application over a store, with its background services: tile
/// refresh, the GPS writer, retention, and the extra OsmAnd listener if configured.
public func buildApplication(store: GridStore, tiles: TileProvider, ingestor: PingIngestor, configuration: ServerConfiguration,
                             logger: Logger) -> some ApplicationProtocol {
    let router = buildRouter(store: store, tiles: tiles, ingestor: ingestor, configuration: configuration, requestLogger: logger)
    var services: [any Service] = [
        // Data changes (imports, published plans), from this process or another, reach the
        // tile provider, which drops the tiles they touch.
        PeriodicService(name: "tiles", interval: configuration.refreshInterval, logger: logger) {
            let n = try await offload { try tiles.refresh(from: store) }
            return n > 0 ? "\(n) data change(s) applied, now at version \(tiles.set.version)" : nil
        },
        IngestService(ingestor: ingestor),
        // glibc keeps what a burst freed (a 10,000-fix batch parsed, a large upload) in its
        // per-thread arenas; handing it back every few seconds returns memory after bursts.
        PeriodicService(name: "memory", interval: .seconds(5), logger: logger) {
            releaseFreeMemory()
            return nil
        },
    ]
    // Case events to departments' webhooks, from the outbox.
    let deliverer = WebhookDeliverer(store: store, client: .shared, longestWait: configuration.webhookRetryMax)
    services.append(PeriodicService(name: "webhooks", interval: .seconds(1), logger: logger) {
        let n = try await deliverer.deliver()
        return n > 0 ? "\(n) case event(s) delivered" : nil
    })
    // The assessment's tallies kept up to date with the cases; each closed month's rankings
    // made and kept once the month is over.
    let assessor = Assessor(store: store)
    services.append(PeriodicService(name: "assessment", interval: .seconds(10), logger: logger) {
        let n = try await offload { try assessor.refresh() }
        return n > 0 ? "\(n) case(s) counted for the assessment" : nil
    })
    services.append(PeriodicService(name: "rankings", interval: .seconds(3600), logger: logger) {
        let kept = try await offload { try assessor.keepClosedMonths() }
        return kept.isEmpty ? nil : "rankings kept for \(kept.joined(separator: ", "))"
    })
    // Overdue steps supervised, and escalated when overdue twice (督办).
    services.append(PeriodicService(name: "supervision", interval: configuration.supervisionInterval, logger: logger) {
        let (supervised, escalated) = try await offload { try CaseDesk(store: store).superviseOverdue() }
        // New cases no one picked up go one desk up past their level's triage limit.
        let triaged = try await offload { try CaseDesk(store: store).triageUntouched() }
        return supervised.isEmpty && escalated.isEmpty && triaged.isEmpty ? nil
            : "\(supervised.count) overdue case(s) supervised, \(escalated.count) escalated, \(triaged.count) untouched new case(s) sent one desk up"
    })
    if let age = configuration.retention {
        // Pings older than the retention age, deleted in small batches.
        services.append(PeriodicService(name: "retention", interval: .seconds(60), logger: logger) {
            let n = try await Retention.prune(store, before: Date().timeIntervalSince1970 - age)
            return n > 0 ? "\(n) ping(s) older than \(Int(age)) s deleted" : nil
        })
    }
    if let backups = configuration.backups {
        // A consistent copy of the live database (and new photos) every interval; the oldest
        // beyond `keep` removed.
        services.append(PeriodicService(name: "backup", interval: backups.every, logger: logger) {
            let (file, report) = try await offload { try store.rotateBackup(in: backups.directory, keep: backups.keep) }
            return "backup \(file): \(report.bytes) bytes, \(report.photosCopied) new photo(s)"
        })
    }
    if let port = configuration.osmandPort {
        services.append(Application(router: router, server: .tolerantHTTP1(idleTimeout: configuration.idleTimeout),
                                    configuration: .init(address: .hostname(configuration.host, port: port), serverName: "CivicGrid"), logger: logger))
    }
    return Application(
        router: router,
        server: .tolerantHTTP1(idleTimeout: configuration.idleTimeout),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "CivicGrid"),
        services: services,
        onServerRunning: { channel in StartUp.shared.serving(port: channel.localAddress?.port) },
        logger: logger
    )
}

/// The routes, separate from the server so tests can run them in process.
public func buildRouter(store: GridStore, tiles: TileProvider, ingestor: PingIngestor,
                        configuration: ServerConfiguration = .init(), requestLogger: Logger = Logger(label: "civicgrid.requests")) -> Router<CivicContext> {
    let router = Router(context: CivicContext.self, options: .autoGenerateHeadEndpoints)
    let document = OpenAPI.document(layers: configuration.layers)
    _ = CivicMetrics.registry  // swift-metrics bootstrapped, once a process
    router.addMiddleware { RequestLogMiddleware(logger: requestLogger) }
    router.addMiddleware { ProblemMiddleware() }
    router.addMiddleware { ContractMiddleware(table: RouteTable(document: document)) }
    router.addMiddleware { ForwardedHeadersMiddleware(trusted: configuration.trustedProxies) }
    let access = Access(store: store, layers: configuration.layers, publicLayers: configuration.publicLayers)
    let limiters = Limiters(configuration.rateLimits)
    let ingest = IngestController(store: store, ingestor: ingestor, limiters: limiters)
    // Devices sign in with device tokens, per route (also on `/`, which the web controller
    // shares with OsmAnd reports); the page, health and OpenAPI need no account; everything
    // else signs in with API tokens, looked up once per request by the middleware of this group.
    ingest.register(on: router)
    WebController(store: store, configuration: configuration, ingest: ingest).register(on: router)
    HealthController(store: store).register(on: router)
    let openAPI = OpenAPI.response(document)
    router.get("openapi.json") { _, _ in openAPI }
    let api = router.group().add(middleware: AuthenticationMiddleware(store: store))
    MetricsController(store: store, tiles: tiles, ingestor: ingestor, access: access).register(on: api)
    TilesController(provider: tiles, fallbackHost: configuration.authority, access: access).register(on: api)
    FeaturesController(store: store, fallbackHost: configuration.authority, access: access).register(on: api)
    PlansController(store: store, tiles: tiles, access: access).register(on: api)
    let intake = CaseIntake(store: store)
    CaseStreamController(store: store, access: access).register(on: api)
    let cases = CasesController(store: store, access: access, intake: intake)
    cases.register(on: api)
    CaseTilesController(store: store, cases: cases).register(on: api)
    Open311Controller(store: store, intake: intake, fallbackHost: configuration.authority, limiters: limiters).register(on: router)
    SMSController(store: store, intake: intake, limiters: limiters).register(on: router)
    AssessmentController(assessor: Assessor(store: store), access: access).register(on: api)
    let peopleDesk = configuration.personalKey.map { PeopleDesk(store: store, key: $0) }
    PeopleController(desk: peopleDesk, access: access).register(on: api)
    SearchController(desk: peopleDesk, access: access).register(on: api)
    FieldUpdatesController(desk: FieldDesk(store: store, people: peopleDesk), access: access).register(on: api)
    SignInController(store: store, access: access, limiters: limiters).register(on: api)
    let watching = Watching(store: store, access: access)
    LiveController(store: store, ingestor: ingestor, configuration: configuration, watching: watching).register(on: api)
    HistoryController(watching: watching).register(on: api)
    return router
}

/// Does `work` now and then every `interval` until shutdown; logs what it reports, and a
/// failure, under `name`, and goes on.
struct PeriodicService: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> String?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    if let line = try await work() { logger.info("\(name): \(line)") }
                } catch is CancellationError {
                    return  // shutting down in the middle of a round
                } catch {
                    logger.error("\(name): \(error)")
                }
                do { try await Task.sleep(for: interval) } catch { return }  // shutting down
            }
        }
    }
}

/// Returns freed heap memory to the system (glibc's `malloc_trim`).
func releaseFreeMemory() {
    _ = malloc_trim(0)
}

/// Caps glibc's heaps (arenas) at two, before the server's threads start: by default each
/// thread that allocates may get a heap of its own (up to eight per core), and memory freed in
/// a heap other than the one it came from fragments them — after a burst of GPS batches, whose
/// rows are built on the store's writer thread, a server kept a quarter more than before the
/// burst. With two, it comes back (Scripts/check-hostile's memory check).
public func limitHeaps() {
    _ = mallopt(M_ARENA_MAX, 2)
}

/// Runs the GPS writer; at shutdown it stops taking fixes and writes those queued.
public struct IngestService: Service {
    let ingestor: PingIngestor

    public init(ingestor: PingIngestor) { self.ingestor = ingestor }

    public func run() async throws {
        // The writer ends on a graceful shutdown (after draining) and on cancellation: a
        // service group cancels every service when one fails (the port is taken), and a writer
        // that ignored it kept the process alive for ever, serving nothing.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                // Positions other servers sharing a PostgreSQL database store, for this one's watchers.
                let relay = Task { await ingestor.relayOtherServers() }
                await ingestor.run()
                relay.cancel()
            } onGracefulShutdown: {
                ingestor.close()
            }
        } onCancel: {
            ingestor.close()
        }
    }
}

/// For benchmarks: a plain Hummingbird HTTP/1 server whose every GET or POST to `/` answers
/// 200 with nothing done: the ceiling the GPS endpoints are measured against.
public func serveCeiling(port: Int, logger: Logger) async throws {
    let router = Router()
    router.get("/") { _, _ in HTTPResponse.Status.ok }
    router.post("/") { _, _ in HTTPResponse.Status.ok }
    try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger).runService()
}

/// Runs `buildApplication` until shutdown (SIGINT, SIGTERM).
public func serve(store: GridStore, tiles: TileProvider, ingestor: PingIngestor, configuration: ServerConfiguration, logger: Logger) async throws {
    try await buildApplication(store: store, tiles: tiles, ingestor: ingestor, configuration: configuration, logger: logger).runService()
}
