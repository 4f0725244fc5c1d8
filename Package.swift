// swift-tools-version:6.1
import PackageDescription

/// Custom agent allocation service for Qiscus Omnichannel.
///
/// Each C library sits behind one small Swift module (`Redis`, `HTTPClient`, `HTTPServer`); the variadic
/// C entry points go through one shim target per library (`CCurl`, `CMicroHTTPD`), which only forwards. The Lua scripts in `lua/` are the single source: the `EmbedLuaPlugin`
/// compiles them into the `Allocation` module at build time, so the binary runs from any directory.
let package = Package(
    name: "qiscus-agent-allocator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "allocator", targets: ["allocator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.8.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
        // Default traits only (JSON): the environment-variable provider, `.env` files included, needs no trait.
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("curl")]),
        .target(name: "CMicroHTTPD", linkerSettings: [.linkedLibrary("microhttpd")]),
        .target(
            name: "ChildProcess",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system", condition: .when(platforms: [.linux])),
            ]
        ),
        .target(name: "ServiceThread", dependencies: [.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .target(name: "Redis", dependencies: ["CHiredis", "ServiceThread", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .target(name: "LocalStack", dependencies: ["ChildProcess", "Redis", "HTTPClient", "QiscusSimulator"]),
        .target(name: "HTTPClient", dependencies: ["CCurl", "ServiceThread", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD", "ServiceThread", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .target(name: "Qiscus", dependencies: ["HTTPClient", .product(name: "Metrics", package: "swift-metrics")]),
        .target(
            name: "Dashboard",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            resources: [
                .embedInCode("assets/dashboard.html"), .embedInCode("assets/login.html"),
                .embedInCode("assets/dashboard.js"), .embedInCode("assets/dashboard.css"),
            ]
        ),
        .target(name: "QiscusSimulator", dependencies: ["HTTPServer", "HTTPClient"]),
        .target(
            name: "Routing",
            dependencies: [.product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "AllocatorService",
            dependencies: [
                "Allocation", "Qiscus", "Redis", "HTTPServer", "ServiceThread", "Routing", "Dashboard",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(name: "LuaEmbed"),
        .plugin(name: "EmbedLuaPlugin", capability: .buildTool(), dependencies: ["LuaEmbed"]),
        .target(
            name: "Allocation",
            dependencies: [
                "Redis", "ServiceThread",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            plugins: ["EmbedLuaPlugin"]
        ),
        .executableTarget(
            name: "allocator",
            dependencies: [
                "Allocation", "AllocatorService", "QiscusSimulator", "HTTPServer", "HTTPClient", "Redis", "ChildProcess",
                "LocalStack",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "LocalStack", "Redis", "ChildProcess", "HTTPClient", "QiscusSimulator",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "ChildProcessTests",
            dependencies: ["ChildProcess", .product(name: "Subprocess", package: "swift-subprocess")]
        ),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "TestSupport"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTPClient", "HTTPServer", "TestSupport"]),
        .testTarget(
            name: "AllocationTests",
            dependencies: [
                "Allocation", "Redis", "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "QiscusTests", dependencies: ["Qiscus", "TestSupport"]),
        .testTarget(name: "RoutingTests", dependencies: ["Routing"]),
        .testTarget(
            name: "ServiceTests",
            dependencies: [
                "AllocatorService", "Allocation", "Qiscus", "QiscusSimulator", "HTTPClient", "Redis", "Routing", "TestSupport", "Dashboard",
            ],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
