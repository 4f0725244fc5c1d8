import AllocatorService
import Foundation
import Logging
import Redis
import Routing
import Testing

/// `ServiceConfiguration.load`: defaults, every variable, bad values, `.env`, the test-only crash hook.
@Suite struct ServiceConfigurationTests {
    static let secret = "sk-7f3a9c1e-VERY-SECRET-b2d4"
    static let required = ["QISCUS_APP_ID": "demo-app", "QISCUS_SECRET_KEY": secret]

    static func load(_ extra: [String: String], dotEnv: URL? = nil) async throws -> ServiceConfiguration {
        try await ServiceConfiguration.load(environment: required.merging(extra) { $1 }, dotEnv: dotEnv)
    }

    /// The `ConfigurationError` loading `environment` throws (nil when it loads).
    static func configurationError(_ environment: [String: String]) async -> ConfigurationError? {
        await ServiceTests.configurationError { _ = try await ServiceConfiguration.load(environment: environment, dotEnv: nil) }
    }

    /// A new empty temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("caa-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func defaultsNeedOnlyTheCredentials() async throws {
        let c = try await Self.load([:])
        #expect(c.httpHost == "0.0.0.0")
        #expect(c.httpPort == 8080)
        #expect(c.redis == RedisConfiguration(host: "127.0.0.1", port: 6379, database: 0))
        #expect(c.qiscusBaseURL == "https://omnichannel.qiscus.com")
        #expect(c.qiscusAppID == "demo-app")
        #expect(c.qiscusSecretKey == Self.secret)
        #expect(c.maxCustomersPerAgent == 2)
        #expect(c.webhookSecret == nil)
        #expect(c.workerConcurrency == 8)
        #expect(c.leaseSeconds == 30)
        #expect(c.qiscusTimeoutSeconds == 5)
        #expect(c.reconcileSeconds == 15)
        #expect(c.sessionTombstoneSeconds == 604_800)
        #expect(c.keyPrefix == "caa")
        #expect(c.logLevel == .info)
        #expect(c.httpThreads == 4)
        #expect(c.qiscusMaxAttempts == 5)
        #expect(c.qiscusCountLagSeconds == 10)
        #expect(c.shutdownDrainSeconds == 5)
        #expect(c.routes == RouteTable.single)
        #expect(c.adminToken == nil)
        #expect(c.metricsToken == nil)
        #expect(try c.keyspace.queue == "caa:{demo-app}:queue")
    }

    @Test func everyVariableIsRead() async throws {
        let c = try await Self.load([
            "HTTP_HOST": "127.0.0.1", "HTTP_PORT": "9191", "REDIS_URL": "redis://alloc:p%40ss@redis.internal:6380/3",
            "QISCUS_BASE_URL": "https://multichannel.qiscus.com", "MAX_CUSTOMERS_PER_AGENT": "5",
            "WEBHOOK_SECRET": "hook-secret", "WORKER_CONCURRENCY": "16", "LEASE_SECONDS": "60",
            "QISCUS_TIMEOUT_SECONDS": "2.5", "RECONCILE_SECONDS": "3", "KEY_PREFIX": "alloc", "LOG_LEVEL": "DEBUG",
            "HTTP_THREADS": "6", "QISCUS_MAX_ATTEMPTS": "3", "QISCUS_COUNT_LAG_SECONDS": "2.5",
            "SHUTDOWN_DRAIN_SECONDS": "0", "SESSION_TOMBSTONE_SECONDS": "60",
        ])
        #expect(c.sessionTombstoneSeconds == 60)
        #expect(c.httpThreads == 6)
        #expect(c.qiscusMaxAttempts == 3)
        #expect(c.qiscusCountLagSeconds == 2.5)
        #expect(c.shutdownDrainSeconds == 0)
        #expect(c.httpHost == "127.0.0.1")
        #expect(c.httpPort == 9191)
        #expect(c.redis == RedisConfiguration(host: "redis.internal", port: 6380, username: "alloc", password: "p@ss",
                                              database: 3))
        #expect(c.qiscusBaseURL == "https://multichannel.qiscus.com")
        #expect(c.maxCustomersPerAgent == 5)
        #expect(c.webhookSecret == "hook-secret")
        #expect(c.workerConcurrency == 16)
        #expect(c.leaseSeconds == 60)
        #expect(c.qiscusTimeoutSeconds == 2.5)
        #expect(c.reconcileSeconds == 3)
        #expect(c.keyPrefix == "alloc")
        #expect(c.logLevel == .debug)
        #expect(try c.keyspace.queue == "alloc:{demo-app}:queue")
    }

    @Test func valuesAreTrimmedAndBlankMeansUnset() async throws {
        let c = try await Self.load(["HTTP_PORT": " 9000 ", "WEBHOOK_SECRET": "   ", "LOG_LEVEL": ""])
        #expect(c.httpPort == 9000)
        #expect(c.webhookSecret == nil)
        #expect(c.logLevel == .info)
    }

    static let badValues: [(String, [String: String])] = [
        ("HTTP_PORT", ["HTTP_PORT": "70000"]),
        ("HTTP_PORT", ["HTTP_PORT": "-1"]),
        ("REDIS_URL", ["REDIS_URL": "http://x"]),
        ("REDIS_URL", ["REDIS_URL": "redis://127.0.0.1:6379/x"]),
        ("MAX_CUSTOMERS_PER_AGENT", ["MAX_CUSTOMERS_PER_AGENT": "0"]),
        ("WORKER_CONCURRENCY", ["WORKER_CONCURRENCY": "abc"]),
        ("HTTP_THREADS", ["HTTP_THREADS": "0"]),
        ("LEASE_SECONDS", ["LEASE_SECONDS": "10", "QISCUS_TIMEOUT_SECONDS": "5"]),
        ("LEASE_SECONDS", ["LEASE_SECONDS": "8"]),
        ("QISCUS_TIMEOUT_SECONDS", ["QISCUS_TIMEOUT_SECONDS": "soon"]),
        ("RECONCILE_SECONDS", ["RECONCILE_SECONDS": "0"]),
        ("SESSION_TOMBSTONE_SECONDS", ["SESSION_TOMBSTONE_SECONDS": "0"]),
        ("SESSION_TOMBSTONE_SECONDS", ["SESSION_TOMBSTONE_SECONDS": "31536001"]),
        ("LOG_LEVEL", ["LOG_LEVEL": "loud"]),
        ("KEY_PREFIX", ["KEY_PREFIX": "caa{x}"]),
        ("KEY_PREFIX", ["KEY_PREFIX": "has space"]),
        ("QISCUS_BASE_URL", ["QISCUS_BASE_URL": "ftp://x"]),
        ("QISCUS_BASE_URL", ["QISCUS_BASE_URL": "omnichannel.qiscus.com"]),
        ("QISCUS_APP_ID", ["QISCUS_APP_ID": ""]),
        ("QISCUS_APP_ID", ["QISCUS_APP_ID": "app{1}"]),
        ("QISCUS_SECRET_KEY", ["QISCUS_SECRET_KEY": " "]),
        ("QISCUS_MAX_ATTEMPTS", ["QISCUS_MAX_ATTEMPTS": "21"]),
        ("QISCUS_COUNT_LAG_SECONDS", ["QISCUS_COUNT_LAG_SECONDS": "-1"]),
        ("SHUTDOWN_DRAIN_SECONDS", ["SHUTDOWN_DRAIN_SECONDS": "301"]),
        ("SHUTDOWN_DRAIN_SECONDS", ["SHUTDOWN_DRAIN_SECONDS": "-0.5"]),
        ("SHUTDOWN_DRAIN_SECONDS", ["SHUTDOWN_DRAIN_SECONDS": "soon"]),
        ("ADMIN_TOKEN", ["ADMIN_TOKEN": "short"]),
        ("METRICS_TOKEN", ["METRICS_TOKEN": "0123456789abcde"]),
        ("ROUTES_FILE", ["ROUTES_FILE": "/nonexistent/routes.yaml"]),
    ]

    @Test(arguments: badValues)
    func badValueNamesItsVariable(variable: String, environment: [String: String]) async throws {
        let error = try #require(await Self.configurationError(Self.required.merging(environment) { $1 }),
                                 "\(environment) must be refused")
        #expect(error.variable == variable, "\(error)")
        #expect(error.description.hasPrefix("configuration error: \(variable) "))
        #expect(!error.description.contains("\n"), "one line for the operator")
        #expect(!error.description.contains("\(variable) \(variable)"), "the name once: \(error)")
        #expect(!error.description.contains(Self.secret), "the secret key never appears: \(error)")
    }

    @Test func missingAppIDIsNamed() async throws {
        let error = try #require(await Self.configurationError(["QISCUS_SECRET_KEY": Self.secret]))
        #expect(error.variable == "QISCUS_APP_ID")
        #expect(!error.description.contains(Self.secret))
        let noSecret = try #require(await Self.configurationError(["QISCUS_APP_ID": "demo-app"]))
        #expect(noSecret.variable == "QISCUS_SECRET_KEY")
    }

    @Test func theSecretKeyNeverAppearsInAnError() async throws {
        // Also when the secret was pasted into the wrong variable or into a URL.
        let environments: [[String: String]] = [
            ["LEASE_SECONDS": "3"],
            ["REDIS_URL": "redis://user:\(Self.secret)@host:99999/0"],
            ["REDIS_URL": "rediss://:\(Self.secret)@host:6379/0"],
            ["QISCUS_BASE_URL": "ftp://app:\(Self.secret)@example.com"],
            ["WORKER_CONCURRENCY": Self.secret],
            ["QISCUS_TIMEOUT_SECONDS": "5 \(Self.secret)"],
        ]
        for environment in environments {
            let error = try #require(await Self.configurationError(Self.required.merging(environment) { $1 }))
            #expect(!error.description.contains(Self.secret), "\(error.variable): \(error)")
            #expect(!"\(error)".contains(Self.secret))
            #expect(!String(reflecting: error).contains(Self.secret))
        }
    }

    @Test func aURLPasswordIsMaskedInTheError() async throws {
        let error = try #require(await Self.configurationError(
            Self.required.merging(["QISCUS_BASE_URL": "ftp://admin:hunter2-pw@example.com/api"]) { $1 }))
        #expect(error.variable == "QISCUS_BASE_URL")
        #expect(!error.description.contains("hunter2-pw"), "\(error)")
        #expect(error.description.contains("example.com"), "the rest of the value still helps: \(error)")
    }

    @Test func dotEnvIsReadAndTheRealEnvironmentWins() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent(".env")
        try """
        # written by the test
        QISCUS_APP_ID=from-file
        QISCUS_SECRET_KEY=secret#with=signs
        MAX_CUSTOMERS_PER_AGENT=3
          WORKER_CONCURRENCY = 4
        KEY_PREFIX=filepre
        LOG_LEVEL=warning
        SHUTDOWN_DRAIN_SECONDS=12

        not a variable line
        """.write(to: file, atomically: true, encoding: .utf8)

        let c = try await ServiceConfiguration.load(environment: ["MAX_CUSTOMERS_PER_AGENT": "7", "LOG_LEVEL": "error"],
                                              dotEnv: file)
        #expect(c.qiscusAppID == "from-file")
        #expect(c.qiscusSecretKey == "secret#with=signs")
        #expect(c.maxCustomersPerAgent == 7, "the real environment wins over .env")
        #expect(c.logLevel == .error, "the real environment wins over .env")
        #expect(c.workerConcurrency == 4)
        #expect(c.keyPrefix == "filepre")
        #expect(c.shutdownDrainSeconds == 12)

        // A bad value in .env is named like one from the environment.
        try "QISCUS_APP_ID=a\nQISCUS_SECRET_KEY=b\nHTTP_PORT=99999\n".write(to: file, atomically: true, encoding: .utf8)
        let fromFile = await #expect(throws: ConfigurationError.self) { try await ServiceConfiguration.load(environment: [:], dotEnv: file)
        }
        #expect(fromFile?.variable == "HTTP_PORT")
        // ...and the environment can override it.
        #expect(try await ServiceConfiguration.load(environment: ["HTTP_PORT": "81"], dotEnv: file).httpPort == 81)
    }

    @Test func theAsynchronousLoadReadsTheSame() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent(".env")
        try "QISCUS_APP_ID=from-file\nQISCUS_SECRET_KEY=s\nHTTP_PORT=9001\n".write(to: file, atomically: true, encoding: .utf8)
        let c = try await ServiceConfiguration.load(environment: ["HTTP_PORT": "9002"], dotEnv: file)
        #expect(c.qiscusAppID == "from-file")
        #expect(c.httpPort == 9002)
    }

    static let refusedDotEnvLines = [
        "export QISCUS_SECRET_KEY=\(secret)",
        "QISCUS_SECRET_KEY=\"\(secret)\"",
        "QISCUS_SECRET_KEY='\(secret)'",
        "QISCUS_SECRET_KEY=\(secret) # the key",
    ]

    /// swift-configuration takes `.env` lines as written; what a shell (or the service's earlier reader) would
    /// have read differently is refused, naming the variable and never showing the value.
    @Test(arguments: refusedDotEnvLines)
    func dotEnvLinesAShellWouldReadOtherwiseAreRefused(line: String) async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent(".env")
        try "QISCUS_APP_ID=demo-app\n\(line)\n".write(to: file, atomically: true, encoding: .utf8)
        let error = await #expect(throws: ConfigurationError.self) { try await ServiceConfiguration.load(environment: [:], dotEnv: file)
        }
        #expect(error?.variable == "QISCUS_SECRET_KEY")
        #expect(error?.description.contains(".env") == true, "\(String(describing: error))")
        #expect(error?.description.contains(Self.secret) == false)
        // The real environment wins over such a line too.
        #expect(try await ServiceConfiguration.load(environment: ["QISCUS_SECRET_KEY": "real"], dotEnv: file).qiscusSecretKey == "real")
    }

    @Test func anUnreadableDotEnvIsAConfigurationError() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = await #expect(throws: ConfigurationError.self) {
            // A directory where the file should be.
            try await Self.load([:], dotEnv: directory)
        }
        #expect(error?.description.hasPrefix("configuration error: ") == true)
    }

    @Test func theCrashHookIsNoPartOfTheConfiguration() async throws {
        #expect(try await Self.load(["ALLOCATOR_CRASH_AT": "nowhere"]).qiscusAppID == "demo-app")
        #expect(try TestHooks.load(environment: [:]) == TestHooks())
        #expect(try TestHooks.load(environment: ["ALLOCATOR_CRASH_AT": "reserved"]).crashAt == .reserved)
        let error = #expect(throws: ConfigurationError.self) {
            try TestHooks.load(environment: ["ALLOCATOR_CRASH_AT": "nowhere"])
        }
        #expect(error?.variable == "ALLOCATOR_CRASH_AT")
    }

    @Test func aMissingDotEnvFileIsNoError() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let c = try await Self.load([:], dotEnv: directory.appendingPathComponent(".env"))
        #expect(c.qiscusAppID == "demo-app")
        #expect(c.maxCustomersPerAgent == 2)
    }
}
