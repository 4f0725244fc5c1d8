import Allocation
import Foundation
import Redis

/// The Redis keys of one app (``Settings/Store``: `REDIS_URL`, `QISCUS_APP_ID`, `KEY_PREFIX`): all that
/// `allocator status` and `allocator requeue-dead` read, and the part of ``ServiceConfiguration`` they share.
public struct StoreConfiguration: Sendable, Equatable {
    public var redis: RedisConfiguration
    public var qiscusAppID: String
    public var keyPrefix: String

    /// Reads the section; throws one ``ConfigurationError`` naming the first bad or missing variable.
    public init(reading source: ConfigurationSource) throws {
        redis = try source.value(Settings.Store.redisURL)
        qiscusAppID = try source.value(Settings.Store.appID)
        keyPrefix = try source.value(Settings.Store.keyPrefix)
    }

    /// `overrides` (command-line options, keyed by variable name) over the environment over `.env`.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            overrides: [String: String] = [:],
                            dotEnv: URL? = URL(fileURLWithPath: ".env")) async throws -> StoreConfiguration {
        try StoreConfiguration(reading: await ConfigurationSource.load(environment: environment, overrides: overrides,
                                                                       dotEnv: dotEnv))
    }

    /// The keys of the configured app.
    public var keyspace: Keyspace {
        get throws { try Keyspace(prefix: keyPrefix, app: qiscusAppID) }
    }
}
