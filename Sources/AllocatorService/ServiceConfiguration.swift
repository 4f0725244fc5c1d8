import Allocation
import Foundation
import Logging
import Redis
import Routing

/// The configuration of `allocator serve`, from the environment (and `.env` in the working directory; the
/// real environment wins). Every variable, its default and its check is one entry of ``Settings``; see also
/// the table in README.md.
public struct ServiceConfiguration: Sendable {
    public var httpHost: String
    public var httpPort: UInt16
    /// Threads of the webhook server (`HTTP_THREADS`); each blocks on one Redis call per webhook. On 2 shared
    /// cores `make bench` ingest was 18,500-25,000 webhooks/s with 4, 18,700-24,000 with 3, 14,600-22,300 with 2.
    public var httpThreads: Int
    public private(set) var webhookSecret: String?
    /// `ADMIN_TOKEN`: nil turns the admin API off; else at least 16 characters. Never logged.
    public var adminToken: String?
    /// `METRICS_TOKEN`: nil leaves `/metrics` open; else at least 16 characters. Never logged.
    public var metricsToken: String?
    /// `HTTP_MAX_CONNECTIONS`: connections open at once, all clients together.
    public var httpMaxConnections: Int
    /// `HTTP_MAX_CONNECTIONS_PER_IP`: connections open at once from one client address (0: no limit).
    public var httpMaxConnectionsPerIP: Int
    /// `HTTP_IDLE_TIMEOUT_SECONDS`: a connection that sends nothing this long is closed.
    public var httpIdleTimeoutSeconds: Int
    /// `DASHBOARD_SESSION_HOURS`: how long a dashboard login lasts.
    public var dashboardSessionHours: Int
    /// `DASHBOARD_WAIT_ALERT_SECONDS`: the dashboard shows longer waits in red.
    public var dashboardWaitAlertSeconds: Int
    public var redis: RedisConfiguration
    /// The apps this deployment allocates for: those of `TENANTS_FILE`, else the one of `QISCUS_APP_ID` (with
    /// `QISCUS_SECRET_KEY`, `ROUTES_FILE` and the global settings). `serve` runs these; the single app's
    /// variables below are kept as read (and can not be changed after, which `apps` would not see).
    public private(set) var apps: [AppConfiguration]
    /// `TENANTS_FILE` when set: the apps' webhooks, admin API and dashboard are then under their app id's paths.
    public private(set) var tenantsFile: String?
    /// `QISCUS_APP_ID` (empty with `TENANTS_FILE`).
    public private(set) var qiscusAppID: String
    public var keyPrefix: String
    public private(set) var qiscusBaseURL: String
    /// `QISCUS_SECRET_KEY` (empty with `TENANTS_FILE`).
    public private(set) var qiscusSecretKey: String
    public var qiscusTimeoutSeconds: Double
    /// `QISCUS_MAX_RESPONSE_BYTES`: the largest API answer kept in memory.
    public var qiscusMaxResponseBytes: Int
    /// Tries per Qiscus call before the room goes to the dead list (`QISCUS_MAX_ATTEMPTS`).
    public var qiscusMaxAttempts: Int
    /// How far Qiscus's `current_customer_count` may lag real assignments (`QISCUS_COUNT_LAG_SECONDS`).
    public var qiscusCountLagSeconds: Double
    public private(set) var maxCustomersPerAgent: Int
    public var workerConcurrency: Int
    public var leaseSeconds: Int
    public var reconcileSeconds: Double
    /// `AGENT_VIEW_MAX_AGE_MS`: how long a listing of a route's agents is shared (``AgentViews``); 0 lists per room.
    public var agentViewMaxAgeMilliseconds: Int
    /// `SESSION_TOMBSTONE_SECONDS`: how long a resolved room's session tombstone is kept (`expire.lua`).
    public var sessionTombstoneSeconds: Int
    /// The routes of `ROUTES_FILE`, read and checked at start-up; ``RouteTable/single`` when unset (and with
    /// `TENANTS_FILE`, whose apps have their own).
    public private(set) var routes: RouteTable
    /// `QUEUE_MESSAGE`: the "place in line" message; nil turns the messages off.
    public private(set) var queueMessage: QueueMessageTemplate?
    /// `QUEUE_MESSAGE_STEP`: places a room must move up before it gets another message.
    public var queueMessageStep: Int
    /// `QUEUE_MESSAGE_MAX_PER_SECOND`: queue messages per second of the app, every instance together.
    public var queueMessageMaxPerSecond: Int
    public var logLevel: Logger.Level
    /// On SIGTERM, `/readyz` answers 503 at once while webhooks are still taken this long, so a load balancer
    /// stops sending before the port closes (`SHUTDOWN_DRAIN_SECONDS`).
    public var shutdownDrainSeconds: Double

    /// Reads every section; throws one ``ConfigurationError`` naming the first bad or missing variable.
    /// - Parameter selected: `allocator serve --app`: only these apps of `TENANTS_FILE` (each must be in it), or,
    ///   without a tenants file, the one app id over `QISCUS_APP_ID`; empty: every app.
    public init(reading source: ConfigurationSource, apps selected: [String] = []) throws {
        let http = Settings.HTTP.self
        httpHost = try source.value(http.host)
        httpPort = UInt16(try source.value(http.port))
        httpThreads = try source.value(http.threads)
        webhookSecret = try source.optionalValue(http.webhookSecret)
        httpMaxConnections = try source.value(http.maxConnections)
        httpMaxConnectionsPerIP = try source.value(http.maxConnectionsPerIP)
        httpIdleTimeoutSeconds = try source.value(http.idleTimeoutSeconds)
        adminToken = try source.optionalValue(http.adminToken)
        metricsToken = try source.optionalValue(http.metricsToken)
        dashboardSessionHours = try source.value(http.dashboardSessionHours)
        dashboardWaitAlertSeconds = try source.value(http.dashboardWaitAlertSeconds)

        redis = try source.value(Settings.Store.redisURL)
        keyPrefix = try source.value(Settings.Store.keyPrefix)
        let tenants = try AppConfiguration.tenants(reading: source)
        tenantsFile = tenants?.file
        if tenants == nil, selected.count > 1 {
            throw ConfigurationError(variable: Settings.Tenants.file.name, problem: "is unset: --app names one app without it")
        }
        qiscusAppID = tenants == nil ? try selected.first.map(AppConfiguration.checkedID) ?? source.value(Settings.Store.appID) : ""
        routes = tenants == nil ? try source.optionalValue(Settings.Routes.file) ?? .single : .single

        let qiscus = Settings.Qiscus.self
        qiscusBaseURL = try source.value(qiscus.baseURL)
        qiscusSecretKey = tenants == nil ? try source.value(qiscus.secretKey) : ""
        qiscusTimeoutSeconds = try source.value(qiscus.timeoutSeconds)
        qiscusMaxResponseBytes = try source.value(qiscus.maxResponseBytes)
        qiscusMaxAttempts = try source.value(qiscus.maxAttempts)
        qiscusCountLagSeconds = try source.value(qiscus.countLagSeconds)

        let worker = Settings.Worker.self
        maxCustomersPerAgent = try source.value(worker.maxCustomersPerAgent)
        workerConcurrency = try source.value(worker.workerConcurrency)
        leaseSeconds = try source.value(worker.leaseSeconds)
        reconcileSeconds = try source.value(worker.reconcileSeconds)
        agentViewMaxAgeMilliseconds = try source.value(worker.agentViewMaxAgeMilliseconds)
        sessionTombstoneSeconds = try source.value(worker.sessionTombstoneSeconds)

        let messages = Settings.QueueMessages.self
        queueMessage = try source.optionalValue(messages.template)
        queueMessageStep = try source.value(messages.step)
        queueMessageMaxPerSecond = try source.value(messages.maxPerSecond)

        logLevel = try source.value(Settings.Service.logLevel)
        shutdownDrainSeconds = try source.value(Settings.Service.shutdownDrainSeconds)

        if let tenants {
            if let unknown = selected.first(where: { id in !tenants.apps.contains { $0.appID == id } }) {
                throw ConfigurationError(variable: Settings.Tenants.file.name, problem: "\(tenants.file) has no app \"\(unknown)\" "
                    + "(apps: \(tenants.apps.map(\.appID).joined(separator: ", ")))")
            }
            apps = selected.isEmpty ? tenants.apps : tenants.apps.filter { selected.contains($0.appID) }
        } else {
            var app = try AppConfiguration.defaults(reading: source)
            (app.appID, app.secretKey, app.routes) = (qiscusAppID, qiscusSecretKey, routes)
            apps = [app]
        }

        if Double(leaseSeconds) <= qiscusTimeoutSeconds * 2 {
            throw ConfigurationError(variable: worker.leaseSeconds.name, problem: "must exceed twice "
                + "\(qiscus.timeoutSeconds.name) (\(qiscusTimeoutSeconds) s), so a slow call can not outlive its lease")
        }
    }

    /// Reads the environment over `.env` (the `allocator` commands; tests pass their own).
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            dotEnv: URL? = URL(fileURLWithPath: ".env"), apps: [String] = []) async throws -> ServiceConfiguration {
        try ServiceConfiguration(reading: await ConfigurationSource.load(environment: environment, dotEnv: dotEnv), apps: apps)
    }

    /// The keys of the configured app (of `QISCUS_APP_ID`).
    public var keyspace: Keyspace {
        get throws { try Keyspace(prefix: keyPrefix, app: qiscusAppID) }
    }

    /// How the allocation tasks of the single app work, from this configuration.
    public var workerSettings: WorkerSettings { workerSettings(for: apps[0]) }

    /// How the allocation tasks of `app` work: its limit and routes, the shared timers.
    public func workerSettings(for app: AppConfiguration) -> WorkerSettings {
        let routes = app.routes
        return WorkerSettings(limit: app.maxCustomersPerAgent, leaseMilliseconds: leaseSeconds * 1000,
                       retry: RetryPolicy(attempts: qiscusMaxAttempts, baseDelay: 0.5,
                                          maxDelay: max(1, Double(leaseSeconds) / 6)),
                       releaseWindowMilliseconds: Int(qiscusCountLagSeconds * 1000),
                       routes: routes.routes.map { route in
                           RoutePlan(name: route.name, overflow: route.overflow.map {
                               RoutePlan.Overflow(route: $0.route, afterMilliseconds: $0.afterSeconds * 1000)
                           })
                       })
    }
}
