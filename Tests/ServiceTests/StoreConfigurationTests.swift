import AllocatorService
import Foundation
import Redis
import Testing

/// What `allocator status` and `allocator requeue-dead` read: `REDIS_URL`, `QISCUS_APP_ID`, `KEY_PREFIX`,
/// with the defaults and error lines of `allocator serve`, and without the secret key.
@Suite struct StoreConfigurationTests {
    static func error(_ environment: [String: String], overrides: [String: String] = [:]) async -> ConfigurationError? {
        await configurationError { _ = try await StoreConfiguration.load(environment: environment, overrides: overrides, dotEnv: nil) }
    }

    @Test func theAppIDAloneIsEnoughWithTheDefaultsOfServe() async throws {
        let store = try await StoreConfiguration.load(environment: ["QISCUS_APP_ID": "demo-app"], dotEnv: nil)
        let serve = try await ServiceConfiguration.load(environment: ["QISCUS_APP_ID": "demo-app", "QISCUS_SECRET_KEY": "s"],
                                                  dotEnv: nil)
        #expect(store.redis == RedisConfiguration(host: "127.0.0.1", port: 6379, database: 0))
        #expect(store.redis == serve.redis)
        #expect(store.keyPrefix == serve.keyPrefix)
        #expect(try store.keyspace == serve.keyspace)
    }

    @Test func theEnvironmentIsReadAndOptionsOverrideIt() async throws {
        let environment = ["QISCUS_APP_ID": "env-app", "KEY_PREFIX": "envpre", "REDIS_URL": "redis://env-host:6380/2"]
        let fromEnvironment = try await StoreConfiguration.load(environment: environment, dotEnv: nil)
        #expect(fromEnvironment.qiscusAppID == "env-app")
        #expect(fromEnvironment.keyPrefix == "envpre")
        #expect(fromEnvironment.redis == RedisConfiguration(host: "env-host", port: 6380, database: 2))

        let overridden = try await StoreConfiguration.load(environment: environment,
                                                     overrides: ["QISCUS_APP_ID": "cli-app", "REDIS_URL": "redis://cli-host/1"],
                                                     dotEnv: nil)
        #expect(overridden.qiscusAppID == "cli-app")
        #expect(overridden.keyPrefix == "envpre")
        #expect(overridden.redis == RedisConfiguration(host: "cli-host", port: 6379, database: 1))
    }

    @Test func dotEnvIsReadToo() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caa-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent(".env")
        try "QISCUS_APP_ID=file-app\nKEY_PREFIX=filepre\n".write(to: file, atomically: true, encoding: .utf8)
        let store = try await StoreConfiguration.load(environment: ["KEY_PREFIX": "envpre"], dotEnv: file)
        #expect(store.qiscusAppID == "file-app")
        #expect(store.keyPrefix == "envpre")
    }

    @Test func badValuesGetTheLinesOfServe() async throws {
        let cases: [(String, [String: String])] = [
            ("QISCUS_APP_ID", [:]),
            ("QISCUS_APP_ID", ["QISCUS_APP_ID": "app{1}"]),
            ("KEY_PREFIX", ["QISCUS_APP_ID": "a", "KEY_PREFIX": "has space"]),
            ("REDIS_URL", ["QISCUS_APP_ID": "a", "REDIS_URL": "http://x"]),
        ]
        for (variable, environment) in cases {
            let store = try #require(await Self.error(environment))
            let serve = try #require(await ServiceConfigurationTests.configurationError(
                environment.merging(["QISCUS_SECRET_KEY": "s"]) { old, _ in old }))
            #expect(store == serve, "the same line for both commands")
            #expect(store.variable == variable)
        }
        // An option is checked like the variable it stands for.
        #expect(await Self.error(["QISCUS_APP_ID": "a"], overrides: ["REDIS_URL": "redis://h:0/0"])?.variable == "REDIS_URL")
    }

    @Test func aSecretKeyPastedIntoTheWrongVariableIsNotShown() async throws {
        let secret = ServiceConfigurationTests.secret
        let error = try #require(await Self.error(["QISCUS_APP_ID": "a", "QISCUS_SECRET_KEY": secret,
                                             "REDIS_URL": "redis://user:\(secret)@host:99999/0"]))
        #expect(error.variable == "REDIS_URL")
        #expect(!error.description.contains(secret))
    }
}
