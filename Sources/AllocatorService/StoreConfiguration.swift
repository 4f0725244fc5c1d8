import Allocation
import Foundation
import Redis
import Routing

/// The Redis keys of one app (``Settings/Store``: `REDIS_URL`, `QISCUS_APP_ID`, `KEY_PREFIX`, and `ROUTES_FILE`
/// for the queues of its routes; or the app chosen from `TENANTS_FILE`): all that `allocator status`, `agents`,
/// `queue` and `requeue-dead` read.
public struct StoreConfiguration: Sendable, Equatable {
    public var redis: RedisConfiguration
    public var qiscusAppID: String
    public var keyPrefix: String
    /// The routes of `ROUTES_FILE` (their queues), ``RouteTable/single`` when unset.
    public var routes: RouteTable
    /// The app's `MAX_CUSTOMERS_PER_AGENT` (its `max_customers_per_agent` in a tenants file).
    public var maxCustomersPerAgent: Int

    /// Reads the section; throws one ``ConfigurationError`` naming the first bad or missing variable.
    /// - Parameter app: the app whose keys to read (`--app`): over `QISCUS_APP_ID`, or one of `TENANTS_FILE`
    ///   (needed when the file holds more than one).
    public init(reading source: ConfigurationSource, app: String? = nil) throws {
        redis = try source.value(Settings.Store.redisURL)
        keyPrefix = try source.value(Settings.Store.keyPrefix)
        if let tenants = try AppConfiguration.tenants(reading: source) {
            let ids = tenants.apps.map(\.appID)
            let chosen = app.map { id in tenants.apps.first { $0.appID == id } } ?? (ids.count == 1 ? tenants.apps.first : nil)
            guard let chosen else {
                throw ConfigurationError(variable: Settings.Tenants.file.name, problem: app.map {
                    "\(tenants.file) has no app \"\($0)\" (apps: \(ids.joined(separator: ", ")))"
                } ?? "\(tenants.file) holds \(ids.count) apps: choose one with --app (\(ids.joined(separator: ", ")))")
            }
            qiscusAppID = chosen.appID
            routes = chosen.routes
            maxCustomersPerAgent = chosen.maxCustomersPerAgent
        } else {
            qiscusAppID = try app.map(AppConfiguration.checkedID) ?? source.value(Settings.Store.appID)
            routes = try source.optionalValue(Settings.Routes.file) ?? .single
            maxCustomersPerAgent = try source.value(Settings.Worker.maxCustomersPerAgent)
        }
    }

    /// `overrides` (command-line options, keyed by variable name) over the environment over `.env`.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            overrides: [String: String] = [:], app: String? = nil,
                            dotEnv: URL? = URL(fileURLWithPath: ".env")) async throws -> StoreConfiguration {
        try StoreConfiguration(reading: await ConfigurationSource.load(environment: environment, overrides: overrides,
                                                                       dotEnv: dotEnv), app: app)
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
