// swift-tools-version:6.1
import PackageDescription

/// Custom agent allocation service for Qiscus Omnichannel.
///
/// Each C library sits behind one small Swift module (`Redis`, `HTTPClient`, `HTTPServer`); the variadic
/// C entry points go through `CShims`. The Lua scripts in `lua/` are the single source: the `EmbedLuaPlugin`
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
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(
            name: "CShims",
            linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("microhttpd")]
        ),
        .target(name: "CSpawn"),
        .target(name: "ChildProcess", dependencies: ["CSpawn"]),
        .target(name: "Redis", dependencies: ["CHiredis"]),
        .target(name: "HTTPClient", dependencies: ["CShims"]),
        .target(name: "HTTPServer", dependencies: ["CShims"]),
        .executableTarget(name: "LuaEmbed"),
        .plugin(name: "EmbedLuaPlugin", capability: .buildTool(), dependencies: ["LuaEmbed"]),
        .target(
            name: "Allocation",
            dependencies: ["Redis"],
            plugins: ["EmbedLuaPlugin"]
        ),
        .executableTarget(
            name: "allocator",
            dependencies: [
                "Allocation", "Redis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["Redis", "ChildProcess"], path: "Tests/TestSupport"),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "TestSupport"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTPClient", "HTTPServer", "TestSupport"]),
        .testTarget(name: "AllocationTests", dependencies: ["Allocation", "Redis", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
