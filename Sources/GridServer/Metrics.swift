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
        MetricsSystem.bootstrap(HelpfulMetricsFactory(registry: registry))
        return registry
    }()

    /// `hb.requests` → `hb_requests`: Prometheus names are `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func safe(_ name: String) -> String {
        String(name.unicodeScalars.map { ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_")) ? Character($0) : "_" })
    }

    /// What each metric counts (`promtool check metrics` wants a HELP line for every one).
    static let help: [String: String] = [
        "civicgrid_http_requests_total": "HTTP requests answered, by route pattern, method and status code.",
        "civicgrid_http_request_errors_total": "HTTP requests answered with an error, by route pattern, method and status class (4xx, 5xx).",
        "civicgrid_http_request_duration_seconds": "Time from a request's head to its answer, by route pattern and method.",
        "civicgrid_http_requests_active": "HTTP requests being answered now.",
        "civicgrid_gps_commit_seconds": "Time the GPS writer took to commit a group of batches.",
        "civicgrid_gps_fixes_committed_total": "GPS fixes committed to the store.",
        "civicgrid_rate_limited_total": "Requests refused with 429, by the limit they went past.",
        "civicgrid_cases_open": "Open cases now, by the level of the desk or a department holding them.",
        "civicgrid_cases_overdue": "Open cases past their step's deadline now, by the level holding them.",
        "civicgrid_webhook_outbox_backlog": "Webhook events waiting to be delivered.",
        "civicgrid_gps_queue_fixes": "GPS fixes received and not yet committed.",
        "civicgrid_tile_cache_misses_total": "Tiles rendered because the cache did not hold them.",
        "civicgrid_tile_cache_hits_total": "Tiles answered from the cache.",
        "civicgrid_tile_cache_tiles": "Tiles in the cache now.",
        "civicgrid_tile_cache_bytes": "Bytes of tiles in the cache now.",
        "civicgrid_database_bytes": "Size of the database file and its write-ahead log.",
    ]

    static func help(_ name: String) -> String { help[name] ?? "CivicGrid's \(name.replacingOccurrences(of: "_", with: " "))." }

    /// Tile figures seen at the last scrape, to count on from.
    private static let lastTiles = Mutex((renders: 0, hits: 0))
}

/// swift-metrics onto the Prometheus registry, as `PrometheusMetricsFactory` does, with each
/// metric's help text from `CivicMetrics.help` and its name made Prometheus-safe.
struct HelpfulMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    static let durationBuckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                              .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
                                              .seconds(5), .seconds(10)]
    static let valueBuckets: [Double] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]

    func name(_ label: String) -> (String, String) {
        let n = CivicMetrics.safe(label)
        return (n, CivicMetrics.help(n))
    }

    func labels(_ dimensions: [(String, String)]) -> [(String, String)] { dimensions.map { (CivicMetrics.safe($0.0), $0.1) } }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let (n, h) = name(label)
        return registry.makeCounter(name: n, labels: labels(dimensions), help: h)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        let (n, h) = name(label)
        return registry.makeCounter(name: n, labels: labels(dimensions), help: h)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let (n, h) = name(label)
        guard aggregate else { return registry.makeGauge(name: n, labels: labels(dimensions), help: h) }
        return registry.makeValueHistogram(name: n, labels: labels(dimensions), buckets: Self.valueBuckets, help: h)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        let (n, h) = name(label)
        return registry.makeGauge(name: n, labels: labels(dimensions), help: h)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let (n, h) = name(label)
        return registry.makeDurationHistogram(name: n, labels: labels(dimensions), buckets: Self.durationBuckets, help: h)
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
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
            registry.makeGauge(name: "civicgrid_cases_open", labels: [("level", level)], help: CivicMetrics.help("civicgrid_cases_open")).set(Double(f.open))
            registry.makeGauge(name: "civicgrid_cases_overdue", labels: [("level", level)], help: CivicMetrics.help("civicgrid_cases_overdue")).set(Double(f.overdue))
        }
        registry.makeGauge(name: "civicgrid_webhook_outbox_backlog", help: CivicMetrics.help("civicgrid_webhook_outbox_backlog")).set(Double(figures.outboxBacklog))
        registry.makeGauge(name: "civicgrid_gps_queue_fixes", help: CivicMetrics.help("civicgrid_gps_queue_fixes")).set(Double(ingestor?.queuedFixes ?? 0))
        let t = tiles.statistics
        let (renders, hits) = CivicMetrics.lastTilesDelta(t.renders, t.hits)
        registry.makeCounter(name: "civicgrid_tile_cache_misses_total", help: CivicMetrics.help("civicgrid_tile_cache_misses_total")).increment(by: Int64(renders))
        registry.makeCounter(name: "civicgrid_tile_cache_hits_total", help: CivicMetrics.help("civicgrid_tile_cache_hits_total")).increment(by: Int64(hits))
        registry.makeGauge(name: "civicgrid_tile_cache_tiles", help: CivicMetrics.help("civicgrid_tile_cache_tiles")).set(Double(t.cached))
        registry.makeGauge(name: "civicgrid_tile_cache_bytes", help: CivicMetrics.help("civicgrid_tile_cache_bytes")).set(Double(t.bytes))
        var size: Int64 = 0
        for suffix in ["", "-wal"] {
            size += ((try? FileManager.default.attributesOfItem(atPath: store.path + suffix)[.size]) as? Int64) ?? 0
        }
        registry.makeGauge(name: "civicgrid_database_bytes", help: CivicMetrics.help("civicgrid_database_bytes")).set(Double(size))
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

/// Each request observed once: a line at info — method, route (its pattern, never the path or
/// query, which may carry a token, a name or a reason), status, milliseconds and the account's
/// id — and the request metrics: counted by route, method and status, errors by status class,
/// timed, and the requests in flight. A client that went away before its request was whole is
/// a 499 (nginx's "client closed request"), never a 500.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = CivicContext
    let logger: Logger

    static let active = Meter(label: "civicgrid_http_requests_active")

    func handle(_ request: Request, context: CivicContext, next: (Request, CivicContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        Self.active.increment()
        defer { Self.active.decrement() }
        do {
            let response = try await next(request, context)
            record(request, context, response.status.code, start)
            return response
        } catch {
            record(request, context, Self.status(of: error), start)
            throw error
        }
    }

    /// The status a thrown error is answered with.
    static func status(of error: any Error) -> Int {
        if let e = error as? any HTTPResponseError { return e.status.code }
        return 500
    }

    func record(_ request: Request, _ context: CivicContext, _ status: Int, _ start: ContinuousClock.Instant) {
        let d = (ContinuousClock.now - start).components
        let ms = Double(d.seconds) * 1000 + Double(d.attoseconds) / 1e15
        let route = context.endpointPath ?? "unmatched", method = request.method.rawValue
        logger.info("request", metadata: [
            "method": .string(method), "route": .string(route), "status": .stringConvertible(status),
            "ms": .string(String(format: "%.1f", ms)), "account": .string(context.signedIn.account.withLock { $0 }.map(String.init) ?? "-"),
        ])
        Counter(label: "civicgrid_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))]).increment()
        if status >= 400 {
            Counter(label: "civicgrid_http_request_errors_total", dimensions: [("route", route), ("method", method), ("class", "\(status / 100)xx")]).increment()
        }
        Timer(label: "civicgrid_http_request_duration_seconds", dimensions: [("route", route), ("method", method)])
            .recordNanoseconds(d.seconds * 1_000_000_000 + d.attoseconds / 1_000_000_000)
    }
}
