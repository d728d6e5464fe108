// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "rscript",
    // Linux only (Debian 12 is what it is built and tested on): the runtime uses eventfd,
    // /proc and Glibc. SwiftPM has no Linux entry for `platforms`, so none is listed.
    products: [
        .executable(name: "rscript", targets: ["rscript"]),
        .library(name: "LuaBridge", targets: ["LuaBridge"]),
        .library(name: "RenderAutomation", targets: ["RenderAutomation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Named for the web server's own imports (channel addresses, graceful shutdown); the
        // versions are the ones Hummingbird itself resolves to.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        .target(name: "CProcess"),
        // libvips for thumbnails, opened with dlopen at the first one (start-up; see CVips.h).
        .target(name: "CVips", linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(
            name: "CEdit",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "LuaBridge", dependencies: ["CLuaShim"], swiftSettings: strict),
        .target(
            name: "RenderAutomation",
            dependencies: [
                "LuaBridge",
                "CEdit",
                "CProcess",
                "CVips",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The page of `rscript serve`, compiled into the binary (machines without internet,
            // no files to install beside it): PackageResources.index_html etc., read by ServePage.
            resources: [
                .embedInCode("Serve/Page/index.html"),
                .embedInCode("Serve/Page/app.js"),
                .embedInCode("Serve/Page/app.css"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "rscript",
            dependencies: [
                "RenderAutomation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict,
            // Start-up (docs/benchmarks.md, "Start-up"): an executable that exports no symbols
            // leaves the Swift runtime's start-up `dladdr` a table of 0 entries to search instead
            // of 32,000. Nothing looks symbols up in the executable: Lua C modules link against
            // liblua. It stays position-independent (ASLR): a position-dependent one started a
            // little faster (no relative relocations), but rscript serves HTTP, and its own code
            // at a fixed address is a gift to an exploit. Release only, where start-up is measured.
            linkerSettings: [
                .unsafeFlags(["-Xlinker", "--no-export-dynamic"], .when(configuration: .release)),
            ]
        ),
        .target(name: "CBenchBaseline", dependencies: ["CLuaShim"], path: "Sources/CBenchBaseline"),
        .executableTarget(
            name: "rscript-bench",
            dependencies: ["LuaBridge", "CBenchBaseline", "CLuaShim"],
            swiftSettings: strict
        ),
        .target(name: "RScriptTesting", dependencies: ["LuaBridge", "RenderAutomation"], swiftSettings: strict),
        .testTarget(name: "LuaBridgeTests", dependencies: ["LuaBridge", "RScriptTesting"], swiftSettings: strict),
        .testTarget(
            name: "RenderAutomationTests",
            dependencies: ["RenderAutomation", "RScriptTesting", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "rscriptEndToEndTests",
            dependencies: ["RScriptTesting", "RenderAutomation", .product(name: "GRDB", package: "GRDB.swift")],
            // Help screens and the Python clients, read at run time from the source tree.
            exclude: ["Snapshots", "Clients"],
            swiftSettings: strict),
    ]
)
