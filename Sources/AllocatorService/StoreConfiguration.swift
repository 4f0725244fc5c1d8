import Allocation
import Foundation
import Redis
import Routing

/// The Redis keys of one app (``Settings/Store``: `REDIS_URL`, `QISCUS_APP_ID`, `KEY_PREFIX`, and `ROUTES_FILE`
/// for the queues of its routes): all that `allocator status`, `agents`, `queue` and `requeue-dead` read, and
/// the part of ``ServiceConfiguration`` they share.
public struct StoreConfiguration: Sendable, Equatable {
    public var redis: RedisConfiguration
    public var qiscusAppID: String
    public var keyPrefix: String
    /// The routes of `ROUTES_FILE` (their queues), ``RouteTable/single`` when unset.
    public var routes: RouteTable

    /// Reads the section; throws one ``ConfigurationError`` naming the first bad or missing variable.
    public init(reading source: ConfigurationSource) throws {
        redis = try source.value(Settings.Store.redisURL)
        qiscusAppID = try source.value(Settings.Store.appID)
        keyPrefix = try source.value(Settings.Store.keyPrefix)
        routes = try source.optionalValue(Settings.Routes.file) ?? .single
    }

    /// `overrides` (command-line options, keyed by variable name) over the environment over `.env`.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            overrides: [String: String] = [:],
                            dotEnv: URL? = URL(fileURLWithPath: ".env")) async throws -> StoreConfiguration {
        try StoreConfiguration(reading: await ConfigurationSource.load(environment: environment, overrides: overrides,
                                                                       dotEnv: dotEnv))
    }

    /// The app's store over a client: its keys and the queues of its routes.
    public func store(on redis: RedisClient) throws -> AllocationStore {
        AllocationStore(keys: try keyspace, redis: redis, routes: routes.names)
    }

    /// The keys of the configured app.
    public var keyspace: Keyspace {
        get throws { try Keyspace(prefix: keyPrefix, app: qiscusAppID) }
    }
}
