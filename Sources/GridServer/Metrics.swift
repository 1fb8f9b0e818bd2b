import Foundation
import GridStore
import GridTiles
import GridTracking
import Hummingbird
import Logging
import Metrics
import Prometheus
import Synchronization

/// The process's metrics: swift-metrics bootstrapped once with a Prometheus registry (names and
/// labels made Prometheus-safe), Hummingbird's requests by route, method and status with their
/// durations, the GPS writer's commits, and at each scrape the figures read then: fixes
/// queued, tile cache, open and overdue cases by level, webhook backlog, database size.
enum CivicMetrics {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in (safe(name), labels.map { (safe($0.0), $0.1) }) }
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// `hb.requests` → `hb_requests`: Prometheus names are `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func safe(_ name: String) -> String {
        String(name.unicodeScalars.map { ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_")) ? Character($0) : "_" })
    }

    /// Tile figures seen at the last scrape, to count on from.
    private static let lastTiles = Mutex((renders: 0, hits: 0))
}

/// `GET /metrics`: for a scraper on this machine, or anywhere with an admin's API token.
struct MetricsController {
    let store: GridStore
    let tiles: TileProvider
    let ingestor: PingIngestor?
    let access: Access

    func register(on router: some RouterMethods<CivicContext>) {
        router.get("metrics") { _, context in
            let local: Bool = switch context.remoteAddress {
            case .v4(let a)?: a.host.hasPrefix("127.")
            case .v6(let a)?: a.host == "::1"
            default: false
            }
            if !local { _ = try access.require(context, [.admin], to: "read the metrics from another machine") }
            return try await scrape()
        }
    }

    func scrape() async throws -> Response {
        let registry = CivicMetrics.registry
        let figures = try await store.asyncRead { try $0.operationFigures() }
        for level in ["district", "street", "community", "department", "none"] {
            let f = figures.openCases[level] ?? (0, 0)
            registry.makeGauge(name: "civicgrid_cases_open", labels: [("level", level)]).set(Double(f.open))
            registry.makeGauge(name: "civicgrid_cases_overdue", labels: [("level", level)]).set(Double(f.overdue))
        }
        registry.makeGauge(name: "civicgrid_webhook_outbox_backlog").set(Double(figures.outboxBacklog))
        registry.makeGauge(name: "civicgrid_gps_queue_fixes").set(Double(ingestor?.queuedFixes ?? 0))
        let t = tiles.statistics
        let (renders, hits) = CivicMetrics.lastTilesDelta(t.renders, t.hits)
        registry.makeCounter(name: "civicgrid_tile_cache_misses_total").increment(by: Int64(renders))
        registry.makeCounter(name: "civicgrid_tile_cache_hits_total").increment(by: Int64(hits))
        registry.makeGauge(name: "civicgrid_tile_cache_tiles").set(Double(t.cached))
        registry.makeGauge(name: "civicgrid_tile_cache_bytes").set(Double(t.bytes))
        var size: Int64 = 0
        for suffix in ["", "-wal"] {
            size += ((try? FileManager.default.attributesOfItem(atPath: store.path + suffix)[.size]) as? Int64) ?? 0
        }
        registry.makeGauge(name: "civicgrid_database_bytes").set(Double(size))
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64 << 10)
        registry.emit(into: &buffer)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}

extension CivicMetrics {
    /// How many renders and hits since the last scrape.
    static func lastTilesDelta(_ renders: Int, _ hits: Int) -> (Int, Int) {
        lastTiles.withLock { last in
            let d = (max(0, renders - last.renders), max(0, hits - last.hits))
            last = (renders, hits)
            return d
        }
    }
}

/// One line a request at info: method, route (its pattern, never the path or query, which may
/// carry a token, a name or a reason), status, milliseconds and the account's id.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = CivicContext
    let logger: Logger

    func handle(_ request: Request, context: CivicContext, next: (Request, CivicContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, response.status.code, start)
            return response
        } catch {
            log(request, context, (error as? any HTTPResponseError)?.status.code ?? 500, start)
            throw error
        }
    }

    func log(_ request: Request, _ context: CivicContext, _ status: Int, _ start: ContinuousClock.Instant) {
        let d = (ContinuousClock.now - start).components
        let ms = Double(d.seconds) * 1000 + Double(d.attoseconds) / 1e15
        logger.info("request", metadata: [
            "method": .string(request.method.rawValue), "route": .string(context.endpointPath ?? "unmatched"), "status": .stringConvertible(status),
            "ms": .string(String(format: "%.1f", ms)), "account": .string(context.signedIn.account.withLock { $0 }.map(String.init) ?? "-"),
        ])
    }
}
