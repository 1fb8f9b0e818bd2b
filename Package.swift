// swift-tools-version:6.1
import PackageDescription

/// Optimisation for a target in debug builds too (SwiftPM's `-Onone` comes first).
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "CivicGrid",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "civicgrid", targets: ["civicgrid"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // C libraries from Debian: libgeos-dev, libproj-dev, libqrencode-dev (sign-in links' QR codes).
        .systemLibrary(name: "CGEOS", providers: [.apt(["libgeos-dev"])]),
        .systemLibrary(name: "CPROJ", pkgConfig: "proj", providers: [.apt(["libproj-dev"])]),
        .systemLibrary(name: "CQRencode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        // glibc's malloc.h (malloc_trim), to hand memory freed after a burst back to the system.
        .systemLibrary(name: "CMalloc"),

        // Pure core: value types, GeoJSON, WKB, GeoPackage binary. Foundation only.
        .target(name: "GridGeometry"),
        // The domain model: records, roles, the household band and the layer catalogue.
        .target(name: "CivicGridModel", dependencies: ["GridGeometry"]),
        // Thin safe wrappers over the C libraries.
        .target(name: "GridGEOS", dependencies: ["CGEOS", "GridGeometry"]),
        .target(name: "GridProj", dependencies: ["CPROJ", "GridGeometry"]),
        // The store: a GeoPackage file (SQLite) or a PostgreSQL/PostGIS database; the only
        // target that knows SQL.
        .target(name: "GridStore", dependencies: [
            "CivicGridModel", "GridGeometry",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // What clients send, read: GPS wire formats, form and multipart bodies, the HTTP request
        // head, photos' bytes and planners' edits. Nothing but NIOCore's buffers and
        // MultipartKit's parser below it, so its fuzz harness builds small.
        .target(name: "GridWire", dependencies: [
            "CivicGridModel", "GridGeometry",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "MultipartKit", package: "multipart-kit"),
        ]),
        // Reading, checking and loading regions, buildings, households and roads.
        .target(name: "GridImport", dependencies: ["CivicGridModel", "GridGeometry", "GridGEOS", "GridProj", "GridStore", .product(name: "GRDB", package: "GRDB.swift")]),
        // The partition engine: graph partitioning, cells and grid polygons, quality report.
        // Optimised in every build: tests and the demo partition districts many times, and the
        // unoptimised graph search spends most of its time in generic metadata lookups.
        .target(name: "GridPartition", dependencies: ["CivicGridModel", "GridGeometry", "GridGEOS"], swiftSettings: optimised),
        // Plans: partition communities from the store, rebalance, validate, publish.
        .target(name: "GridPlanning", dependencies: ["CivicGridModel", "GridGeometry", "GridGEOS", "GridProj", "GridStore", "GridImport", "GridPartition", "GridWire"]),
        // GPS tracking: wire formats, doubt rules, GCJ-02, grid assignment, geofences, group
        // commit, the live hub, tracks and patrol coverage.
        .target(name: "GridTracking", dependencies: [
            "CivicGridModel", "GridGeometry", "GridGEOS", "GridStore", "GridWire",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // Cases: intake, the loop's steps with their deadlines, routing to departments.
        .target(name: "GridCases", dependencies: ["CivicGridModel", "GridGeometry", "GridStore", "GridWire", .product(name: "Crypto", package: "swift-crypto")]),
        // People: household members with ID numbers sealed by a key kept outside the database,
        // masking, reads recorded.
        .target(name: "GridPeople", dependencies: ["CivicGridModel", "GridCases", "GridGeometry", "GridStore", "GridImport", .product(name: "Crypto", package: "swift-crypto")]),
        // Assessment: indicators, scores and rankings from the cases' tallies; statistics.
        .target(name: "GridAssessment", dependencies: ["CivicGridModel", "GridCases", "GridStore"]),
        // The whole schema: the core's migrations and every feature's, what CivicGrid opens.
        .target(name: "GridSchema", dependencies: ["GridStore", "GridTracking", "GridCases", "GridAssessment", "GridPeople"]),
        // The deterministic synthetic demo district.
        .target(name: "GridDemo", dependencies: ["CivicGridModel", "GridCases", "GridGeometry", "GridStore"]),
        // Vector tiles: MVT encoder, clipping and simplification, the in-memory tile set and
        // its version-keyed cache, MBTiles and PMTiles packages.
        .target(name: "GridTiles", dependencies: [
            "CivicGridModel", "GridGeometry", "GridStore",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // HTTP: the only target that knows Hummingbird.
        .target(name: "GridServer", dependencies: [
            "CivicGridModel", "GridGeometry", "GridStore", "GridTiles", "GridTracking", "GridPlanning", "GridCases", "GridAssessment", "GridPeople", "GridWire", "CMalloc", "CQRencode",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("Resources/web")]),
        // The fuzz harness: libFuzzer over GridWire's decoders and GridGeometry's (Scripts/fuzz),
        // or a replay of inputs when built plainly.
        .executableTarget(name: "civicgrid-fuzz", dependencies: ["GridWire"]),
        .executableTarget(name: "civicgrid", dependencies: [
            "CivicGridModel", "GridGeometry", "GridProj", "GridStore", "GridImport", "GridDemo", "GridServer", "GridPartition", "GridPlanning", "GridTiles", "GridTracking", "GridCases", "GridAssessment", "GridPeople", "GridSchema",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // What the store-dependent tests share: a new database on the store they run on.
        .target(name: "GridTestSupport", dependencies: ["CivicGridModel", "GridGeometry"], path: "Tests/GridTestSupport"),
        .testTarget(name: "GridGeometryTests", dependencies: ["GridGeometry"]),
        .testTarget(name: "CivicGridModelTests", dependencies: ["CivicGridModel"]),
        .testTarget(name: "GridGEOSTests", dependencies: ["GridGEOS", "GridGeometry"]),
        .testTarget(name: "GridProjTests", dependencies: ["GridProj", "GridGeometry"]),
        .testTarget(name: "GridStoreTests", dependencies: ["GridSchema", "GridTestSupport", "CivicGridModel", "GridStore", "GridGeometry", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "GridPartitionTests", dependencies: ["CivicGridModel", "GridPartition", "GridGEOS", "GridGeometry"]),
        .testTarget(name: "GridPlanningTests", dependencies: ["GridSchema", "GridWire", "GridTestSupport", "CivicGridModel", "GridPlanning", "GridPartition", "GridImport", "GridStore", "GridDemo", "GridGEOS", "GridGeometry"]),
        .testTarget(name: "GridTrackingTests", dependencies: ["GridSchema", "GridWire", "GridTestSupport", "CivicGridModel", "GridTracking", "GridStore", "GridGeometry"]),
        .testTarget(name: "GridImportTests", dependencies: ["GridSchema", "GridTestSupport", "CivicGridModel", "GridCases", "GridImport", "GridStore", "GridProj", "GridGeometry"]),
        .testTarget(name: "GridCasesTests", dependencies: ["GridSchema", "GridWire", "GridTestSupport", "CivicGridModel", "GridCases", "GridStore", "GridImport", "GridPlanning", "GridDemo", "GridGeometry"]),
        .testTarget(name: "GridDemoTests", dependencies: ["GridSchema", "GridTestSupport", "GridDemo", "GridImport", "GridStore", "GridGEOS", "GridGeometry"]),
        .testTarget(name: "GridPeopleTests", dependencies: ["GridSchema", "GridTestSupport", "CivicGridModel", "GridGeometry", "GridPeople", "GridImport", "GridStore", "GridDemo"]),
        .testTarget(name: "GridAssessmentTests", dependencies: ["GridSchema", "GridTestSupport", "CivicGridModel", "GridAssessment", "GridCases", "GridStore", "GridDemo", "GridImport", "GridPlanning", "GridGEOS", "GridGeometry"]),
        .testTarget(name: "GridTilesTests", dependencies: ["GridSchema", "GridTestSupport", "CivicGridModel", "GridTiles", "GridStore", "GridTracking", "GridDemo", "GridImport", "GridGeometry", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "GridServerTests", dependencies: ["GridSchema", "GridWire", "GridTestSupport", "CivicGridModel", 
            "GridServer", "GridTiles", "GridStore", "GridGeometry", "GridTracking", "GridCases",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .testTarget(name: "civicgridTests", dependencies: ["GridSchema", "GridTestSupport", "civicgrid", "CivicGridModel", "GridGeometry", "GridStore", "GridAssessment", "GridCases", "GridPeople", "GridTiles"]),
    ],
    swiftLanguageModes: [.v6]
)
