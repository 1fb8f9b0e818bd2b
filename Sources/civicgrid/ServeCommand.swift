import CivicGridModel
import ArgumentParser
import Foundation
import GridPeople
import GridServer
import GridStore
import GridTiles
import GridTracking
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the map page, vector tiles and the API over HTTP.")

    @OptionGroup var database: DatabaseOption

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: a free port the system chooses; see --port-file).")
    var port = 8080

    @Option(help: "Write the port listened on to this file once the server listens.")
    var portFile: String?

    @Option(help: "The folder of MapLibre styles.")
    var styles = "Styles"

    @Option(help: "The folder holding maplibre-gl.js and maplibre-gl.css (Scripts/setup installs them).")
    var webAssets = ".build-web/maplibre"

    @Option(help: "The city's own basemap under the data: raster tiles as a URL with {z}, {x} and {y} (off by default; nothing else is fetched from outside).")
    var basemap: String?

    @Option(help: "The basemap's attribution, shown on the map.")
    var basemapAttribution = ""

    @Option(help: "Memory for cached tiles, in MB (0: render every request).")
    var tileCache = 256

    @Option(help: "Render the tiles of these zooms into the cache before serving, e.g. 10-14.")
    var warm: TilesCommand.ZoomRange?

    @Option(help: "Also listen on this port for GPS devices (5055: Traccar's OsmAnd port).")
    var osmandPort: Int?

    @Option(help: "Seconds a device must stay across its grids' edge before a leave or return event counts.")
    var dwell: Double = 120

    @Option(help: "Seconds after its last fix that a device shows as offline.")
    var offlineAfter: Double = 600

    @Option(help: "Delete pings older than this many days (checked every minute); default: keep all.")
    var retentionDays: Double?

    @Option(help: "Layers anyone may read without signing in, comma-separated (districts, streets, communities, grids, buildings, roads).")
    var `public` = ServerConfiguration.defaultPublicLayers.sorted().joined(separator: ",")

    @Option(help: "Addresses of reverse proxies whose X-Forwarded-Host/-Proto to believe, comma-separated (\"*\": every peer); from others they are ignored.")
    var trustedProxy = ""

    @Option(help: "Close a connection that sends nothing for this many seconds (between requests, or within a request's head or body).")
    var idleTimeout: Double = 30

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    @Option(help: "A limit, repeatable: NAME=N/s|m|h with NAME open311-key (120/m), open311-address (20/m), sms-sender (20/h), gps-device (600/m), gps-address (30000/m) or login-address (20/m, sign-in links exchanged); over it, 429 with Retry-After.")
    var rateLimit: [String] = []

    @Option(help: "Take a backup this often while serving (e.g. 1h, 30m, 90s): a consistent copy of the live database and its photos.")
    var backupEvery: String?

    @Option(help: "How many backups to keep (the oldest go).")
    var backupKeep = 48

    @Option(help: "The folder for backups (default: DB.backups).")
    var backupDir: String?

    @Option(help: "How often overdue steps are supervised and untouched new cases sent up past their triage limits, in seconds.")
    var supervisionEvery: Double = 60

    @Option(help: "The longest wait between tries of a webhook whose receiver fails, in seconds (the waits double from 2 s up to it).")
    var webhookRetryMax: Double = 300

    @Option(help: "The key file that seals ID numbers (default: DB.key, or CIVICGRID_KEY_FILE); made when missing.")
    var keyFile: String?

    func validate() throws {
        // Layers every role may read and that are not reserved to the whole jurisdiction (never positions).
        let known = Set(LayerDescriptor.standard.filter { $0.readers == Set(Role.allCases) && !$0.wholeJurisdictionOnly }.map(\.name))
        if let bad = `public`.split(separator: ",").map(String.init).first(where: { !known.contains($0) }) {
            throw ValidationError("--public: no layer \"\(bad)\" (layers: \(known.sorted().joined(separator: ", ")))")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        guard idleTimeout > 0, idleTimeout <= 86400 else { throw ValidationError("--idle-timeout must be in (0, 86400] seconds") }
        if let backupEvery, Self.seconds(backupEvery) == nil { throw ValidationError("--backup-every \(backupEvery): a number with s, m, h or d (1h, 30m, 90s), at least 1 s") }
        guard supervisionEvery >= 1, supervisionEvery <= 3600 else { throw ValidationError("--supervision-every must be in [1, 3600] seconds") }
        guard webhookRetryMax >= 1, webhookRetryMax <= 86400 else { throw ValidationError("--webhook-retry-max must be in [1, 86400] seconds") }
        guard (1...10_000).contains(backupKeep) else { throw ValidationError("--backup-keep: 1 to 10000") }
        var limits = RateLimits()
        for l in rateLimit {
            do { try limits.set(l) } catch { throw ValidationError("--rate-limit \(error)") }
        }
    }

    /// `90s`, `30m`, `1h`, `2d` in seconds (nil when not such).
    static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        guard let unit = text.last.flatMap({ units[$0] }), let n = Double(text.dropLast()), n.isFinite, n * unit >= 1, n * unit <= 365 * 86400 else { return nil }
        return n * unit
    }

    func run() async throws {
        limitHeaps()
        var logger = Logger(label: "civicgrid")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        // SIGTERM ends the process within a bound from here on, whatever step it comes in.
        let startUp = StartUp.shared
        startUp.install(logger: logger, portFile: portFile)
        startUp.step("opening \(database.db)")
        let store = try database.existing()
        startUp.step("loading the map layers")
        let tiles = TileProvider(set: try TileSet.load(from: store), cacheBytes: tileCache << 20)
        if let warm {
            startUp.step("warming tiles of zooms \(warm.range.lowerBound)–\(warm.range.upperBound)")
            let ids = tiles.set.tiles(zooms: warm.range)
            let printer = ProgressPrinter()
            DispatchQueue.concurrentPerform(iterations: ids.count) { i in
                _ = tiles.tile(ids[i])
                if i % 16 == 0 { printer.update("warming z\(warm.range.lowerBound)–\(warm.range.upperBound)", i + 1, ids.count) }
            }
            printer.update("warming z\(warm.range.lowerBound)–\(warm.range.upperBound)", ids.count, ids.count)
            printer.finish()
        }
        startUp.step("reading the key of ID numbers")
        var configuration = ServerConfiguration(host: host, port: port, styles: styles, webAssets: webAssets, offlineAfter: offlineAfter,
                                                osmandPort: osmandPort, retention: retentionDays.map { $0 * 86400 },
                                                publicLayers: Set(`public`.split(separator: ",").map(String.init)),
                                                trustedProxies: Set(trustedProxy.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }),
                                                idleTimeout: .milliseconds(Int64(idleTimeout * 1000)),
                                                personalKey: try PersonalKey.load(path: keyFile ?? PersonalKey.path(for: database.db)))
        for l in rateLimit { try configuration.rateLimits.set(l) }
        configuration.webhookRetryMax = webhookRetryMax
        configuration.supervisionInterval = .milliseconds(Int64(supervisionEvery * 1000))
        if let basemap {
            guard let url = URL(string: basemap.replacingOccurrences(of: "{", with: "%7B").replacingOccurrences(of: "}", with: "%7D")),
                  ["http", "https"].contains(url.scheme ?? ""), ["{z}", "{x}", "{y}"].allSatisfy(basemap.contains) else {
                throw ValidationError("--basemap \(basemap): an http(s) URL of raster tiles with {z}, {x} and {y}")
            }
            configuration.basemap = (basemap, basemapAttribution)
        }
        if let every = backupEvery.flatMap(Self.seconds) {
            configuration.backups = (.milliseconds(Int64(every * 1000)), backupDir ?? database.db + ".backups", backupKeep)
        }
        // Webhook events waiting longer than this server's longest wait are tried within it.
        let moved = try store.write { try $0.bringRetries(forwardTo: Date().addingTimeInterval(webhookRetryMax)) }
        if moved > 0 { logger.notice("\(moved) webhook event(s) to be tried again within \(Int(webhookRetryMax)) s") }
        var settings = IngestSettings()
        settings.dwell = dwell
        // Binding a port and starting the services takes seconds; a server stuck here for a
        // minute ends rather than hang unseen (a taken port once hung it here, every thread
        // idle: the GPS writer ignored the group's cancellation; IngestService now heeds it).
        startUp.step("starting the services and listening on \(host):\(port)", deadline: .seconds(60))
        try await serve(store: store, tiles: tiles, ingestor: PingIngestor(store: store, settings: settings), configuration: configuration, logger: logger)
    }
}

/// For benchmarks: a Hummingbird server whose every GET or POST answers 200 with nothing
/// done, the ceiling the GPS endpoints are measured against.
struct BareServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve-bare", abstract: "Serve 200 to everything (a benchmark's ceiling).",
                                                    shouldDisplay: false)

    @Option(help: "Port to listen on.")
    var port = 8080

    func run() async throws {
        var logger = Logger(label: "bare")
        logger.logLevel = .error
        try await serveCeiling(port: port, logger: logger)
    }
}
