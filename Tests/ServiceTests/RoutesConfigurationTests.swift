import AllocatorService
import Foundation
import Routing
import Testing

/// `ROUTES_FILE`, `ADMIN_TOKEN` and `METRICS_TOKEN` in `ServiceConfiguration`: read at start-up, a bad value
/// stops it with one line, a token is never shown.
@Suite struct RoutesConfigurationTests {
    static let token = "tok-4d1c9e7a-ADMIN-0b6f"

    static func load(_ extra: [String: String], dotEnv: URL? = nil) async throws -> ServiceConfiguration {
        try await ServiceConfigurationTests.load(extra, dotEnv: dotEnv)
    }

    /// A temporary directory holding `name` with `text`; the file's path.
    static func file(_ name: String, _ text: String) throws -> URL {
        let file = try ServiceConfigurationTests.temporaryDirectory().appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static let routes = """
    routes:
      - name: sales
        match: {channel_ids: [12], sources: [wa]}
        division_ids: [438]
        overflow: {route: pool, after_seconds: 120}
      - name: pool
        division_ids: [600]
    """

    @Test func theRoutesFileIsReadAtStartUp() async throws {
        let file = try Self.file("routes.yaml", Self.routes)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let c = try await Self.load(["ROUTES_FILE": file.path])
        #expect(c.routes.names == ["sales", "pool", "default"])
        #expect(c.routes == (try RouteTable.load(path: file.path)))
        #expect(c.routes.route(channelID: 12, source: "wa").divisionIDs == [438])
    }

    @Test func aRelativePathIsTakenFromTheWorkingDirectory() async throws {
        let file = try Self.file("routes.yml", Self.routes)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        // The same file by a path relative to the working directory: up to the root, then down.
        let depth = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardized.pathComponents.count - 1
        let relative = String(repeating: "../", count: depth) + file.standardized.path.dropFirst()
        #expect(!relative.hasPrefix("/"))
        let c = try await Self.load(["ROUTES_FILE": relative])
        #expect(c.routes.names == ["sales", "pool", "default"])
    }

    @Test func theRoutesFileCanBeNamedInDotEnv() async throws {
        let routes = try Self.file("routes.json", #"{"routes": [{"name": "pool", "division_ids": [600]}]}"#)
        defer { try? FileManager.default.removeItem(at: routes.deletingLastPathComponent()) }
        let env = try Self.file(".env", "QISCUS_APP_ID=a\nQISCUS_SECRET_KEY=b\nROUTES_FILE=\(routes.path)\n")
        defer { try? FileManager.default.removeItem(at: env.deletingLastPathComponent()) }
        let c = try await ServiceConfiguration.load(environment: [:], dotEnv: env)
        #expect(c.routes.names == ["pool", "default"])
    }

    @Test func aBadRoutesFileStopsStartUpWithOneLine() async throws {
        let file = try Self.file("routes.yaml", Self.routes.replacingOccurrences(of: "route: pool", with: "route: pol"))
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let error = try #require(await ServiceConfigurationTests.configurationError(
            ServiceConfigurationTests.required.merging(["ROUTES_FILE": file.path]) { $1 }))
        #expect(error.variable == "ROUTES_FILE")
        #expect(error.description
                    == "configuration error: ROUTES_FILE \(file.path): route \"sales\": overflow.route \"pol\" is not a route")
    }

    @Test(arguments: [
        ("routes.json", #"{"routes": [{"name": "sales", "max_customer_per_agent": 3}]}"#, "max_customer_per_agent"),
        ("routes.yaml", "routes:\n  - name: sales\n    division_ids: [0]\n", "division_ids"),
        ("routes.yaml", "routes: [\n", nil),
        ("routes.json", "{}", "routes"),
    ] as [(String, String, String?)])
    func everyRoutesProblemIsAConfigurationError(name: String, text: String, field: String?) async throws {
        let file = try Self.file(name, text)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let error = try #require(await ServiceConfigurationTests.configurationError(
            ServiceConfigurationTests.required.merging(["ROUTES_FILE": file.path]) { $1 }))
        let expected = try #require(#expect(throws: RouteFileError.self) { try RouteTable.load(path: file.path) })
        #expect(expected.field == field)
        #expect(error.variable == "ROUTES_FILE")
        #expect(error.description == "configuration error: \(expected)")
        #expect(!error.description.contains("\n"))
    }

    @Test func aBlankRoutesFileIsTheSingleRoute() async throws {
        #expect(try await Self.load(["ROUTES_FILE": "  "]).routes == RouteTable.single)
    }

    @Test func theSettingIsTheVariableTheErrorsName() {
        #expect(Settings.Routes.file.name == RouteFileError.variable)
    }

    @Test func tokensAreRead() async throws {
        let c = try await Self.load(["ADMIN_TOKEN": Self.token, "METRICS_TOKEN": " 0123456789abcdef "])
        #expect(c.adminToken == Self.token)
        #expect(c.metricsToken == "0123456789abcdef")
        let blank = try await Self.load(["ADMIN_TOKEN": "", "METRICS_TOKEN": "   "])
        #expect(blank.adminToken == nil && blank.metricsToken == nil, "blank is unset")
    }

    @Test func aTokenIsNeverShown() async throws {
        for variable in ["ADMIN_TOKEN", "METRICS_TOKEN"] {
            #expect(Settings.all.first { $0.name == variable }?.isSecret == true)
            // Too short: refused, naming the variable only.
            let short = String(Self.token.prefix(15))
            let error = try #require(await ServiceConfigurationTests.configurationError(
                ServiceConfigurationTests.required.merging([variable: short]) { $1 }))
            #expect(error.variable == variable)
            #expect(error.description.contains("at least 16 characters"), "\(error)")
            #expect(!error.description.contains(short))
            // Pasted into another variable: that refusal does not quote it either.
            let pasted = try #require(await ServiceConfigurationTests.configurationError(
                ServiceConfigurationTests.required.merging([variable: Self.token, "WORKER_CONCURRENCY": Self.token]) { $1 }))
            #expect(pasted.variable == "WORKER_CONCURRENCY")
            #expect(!pasted.description.contains(Self.token), "\(pasted)")
        }
    }
}
