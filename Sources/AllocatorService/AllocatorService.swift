import Allocation
import Foundation
import HTTPServer
import Logging
import Prometheus
import Qiscus
import Redis
import ServiceLifecycle
import UnixSignals

/// `allocator serve`: one `ServiceGroup` of services, each owning what it runs. In start order (graceful
/// shutdown runs in reverse):
///
/// 1. ``RedisClient``: the one Redis connection of the instance, with its I/O thread.
/// 2. `HTTPMultiClient`: libcurl's multi loop for the Qiscus API, with its thread.
/// 3. ``WakeListener``: `BLPOP` on the wake list over a connection of its own, while some task waits.
/// 4. ``ReadinessProbe``: keeps `/readyz` true to the state of Redis.
/// 5. ``Housekeeper``: lease recovery, load healing, the queue nudge and gauges.
/// 6. ``AllocationPool``: `WORKER_CONCURRENCY` allocation tasks.
/// 7. ``HTTPServer``: the webhook server (libmicrohttpd and its threads).
/// 8. ``ShutdownDrain``: on SIGTERM/SIGINT, `/readyz` turns 503 and webhooks are still taken for
///    `SHUTDOWN_DRAIN_SECONDS`; then the server closes, the pool finishes (or requeues) the rooms in hand and
///    claims no more, and the clients stop last.
public final class AllocatorService: Sendable {
    public let configuration: ServiceConfiguration
    public let store: AllocationStore
    public let readiness = Readiness()
    /// Allocation runs, or is paused by a fault about the service (see `ServiceFaultProbe`).
    public let gate: AllocationGate
    let server: HTTPServer
    let group: ServiceGroup
    let logger: Logger

    /// - Parameters:
    ///   - hooks: test-only behaviour (the crash tests'); none by default.
    ///   - signals: the signals that start a graceful shutdown (none for a service run in-process by the demo,
    ///     which calls ``triggerGracefulShutdown()``).
    public init(configuration: ServiceConfiguration, registry: PrometheusCollectorRegistry, logger: Logger,
                hooks: TestHooks = TestHooks(), signals: [UnixSignal] = [.sigterm, .sigint]) throws {
        self.configuration = configuration
        self.logger = logger
        let redis = RedisClient(configuration: configuration.redis)
        store = AllocationStore(keys: try configuration.keyspace, redis: redis,
                                wakeCap: max(256, configuration.workerConcurrency * 4), routes: configuration.routes.names)
        let qiscus = QiscusClient.Configuration(baseURL: configuration.qiscusBaseURL, appID: configuration.qiscusAppID,
                                                secretKey: configuration.qiscusSecretKey,
                                                timeout: configuration.qiscusTimeoutSeconds,
                                                maxResponseBytes: configuration.qiscusMaxResponseBytes)
        let http = QiscusClient.makeHTTPClient(for: qiscus)
        let health = RouteHealth(logger: logger)
        let gateway = QiscusGateway(client: QiscusClient(configuration: qiscus, http: http), routes: configuration.routes,
                                    globalLimit: configuration.maxCustomersPerAgent,
                                    directory: AgentDirectory(store: store, logger: logger), health: health)
        let wake = WakeSignal(routes: configuration.routes.names)
        let gate = AllocationGate()
        self.gate = gate
        let listener = WakeListener(keys: store.keys, redis: configuration.redis, signal: wake, logger: logger)
        // An agent's books are healed only once Qiscus's lagging count has had time to see its last assign.
        let settle = (configuration.qiscusCountLagSeconds + 2 * configuration.qiscusTimeoutSeconds) * 1000
        let instance = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let housekeeper = Housekeeper(store: store, gateway: gateway, reconcileInterval: .seconds(configuration.reconcileSeconds),
                                      settleMilliseconds: Int(settle),
                                      identity: (instance: instance, routes: configuration.routes.fingerprint),
                                      tombstoneMilliseconds: configuration.sessionTombstoneSeconds * 1000, logger: logger)
        let views = AgentViews(gateway: gateway, maxAgeMilliseconds: configuration.agentViewMaxAgeMilliseconds)
        let pool = AllocationPool(workers: Self.workers(configuration, hooks: hooks, store: store, gateway: gateway,
                                                        views: views, wake: wake, gate: gate, logger: logger),
                                  wake: wake, gate: gate, views: views)
        let faults = ServiceFaultProbe(gateway: gateway, gate: gate, logger: logger)
        let store = store
        let admin = configuration.adminToken.map {
            AdminRoutes(store: store, routes: configuration.routes,
                        access: AdminAccess(token: $0, sessionHours: configuration.dashboardSessionHours),
                        globalLimit: configuration.maxCustomersPerAgent,
                        logger: logger)
        }
        let routes = WebhookRoutes(store: store, readiness: readiness, gate: gate, wake: wake, health: health,
                                   secret: configuration.webhookSecret,
                                   routes: configuration.routes, registry: registry, metricsToken: configuration.metricsToken,
                                   admin: admin,
                                   dashboard: admin.map {
                                       DashboardRoutes(admin: $0, store: store, app: configuration.qiscusAppID,
                                                       alertWaitSeconds: configuration.dashboardWaitAlertSeconds)
                                   },
                                   logger: logger)
        let refusals = RefusalLog(logger: logger)
        server = HTTPServer(configuration: .init(host: configuration.httpHost, port: configuration.httpPort,
                                                 threads: configuration.httpThreads, maxBodyBytes: 64 * 1024,
                                                 connectionTimeout: configuration.httpIdleTimeoutSeconds,
                                                 maxConnections: configuration.httpMaxConnections,
                                                 maxConnectionsPerAddress: configuration.httpMaxConnectionsPerIP),
                            router: routes.router, onRefusal: { refusals.record($0) })
        let probe = ReadinessProbe(store: store, readiness: readiness, interval: .seconds(1), logger: logger)
        let drain = ShutdownDrain(readiness: readiness, seconds: configuration.shutdownDrainSeconds, logger: logger)
        let services: [(String, any Service)] = [
            ("redis", redis), ("qiscus-http", http), ("wake-listener", listener), ("readiness", probe),
            ("housekeeper", housekeeper), ("qiscus-probe", faults), ("allocation", pool), ("webhooks", server), ("drain", drain),
        ] + Self.queueMessageServices(configuration, qiscus: qiscus, store: store, hooks: hooks, logger: logger)
        var group = ServiceGroupConfiguration(
            services: services.map { .init(service: $0.1, serviceName: $0.0) },
            gracefulShutdownSignals: signals, cancellationSignals: [], logger: logger)
        // Rooms in flight finish within a lease (a stuck one is recovered by another instance anyway).
        group.maximumGracefulShutdownDuration = .seconds(configuration.shutdownDrainSeconds + Double(configuration.leaseSeconds))
        group.maximumCancellationDuration = .seconds(5)
        self.group = ServiceGroup(configuration: group)
    }

    /// Runs every service until a signal (or ``triggerGracefulShutdown()``) and the graceful shutdown end.
    public func run() async throws {
        // Every connection is a file: room for the connection limit plus Redis, the API and the logs.
        let wanted = configuration.httpMaxConnections + 256
        let files = OpenFilesLimit.raise(toward: wanted)
        if files.soft < wanted {
            logger.warning("the open-files limit is below HTTP_MAX_CONNECTIONS; connections beyond it fail at accept", metadata: [
                "open_files_soft": "\(files.soft)", "open_files_hard": "\(files.hard)", "wanted": "\(wanted)",
            ])
        } else {
            logger.info("open-files limit", metadata: ["open_files_soft": "\(files.soft)", "open_files_hard": "\(files.hard)"])
        }
        logger.info("allocator serving", metadata: [
            "http": "\(configuration.httpHost):\(configuration.httpPort)", "redis": "\(configuration.redis.redacted)",
            "qiscus": "\(configuration.qiscusBaseURL)", "app": "\(configuration.qiscusAppID)",
            "workers": "\(configuration.workerConcurrency)", "limit": "\(configuration.maxCustomersPerAgent)",
            "routes": "\(configuration.routes.names.joined(separator: ","))", "admin_api": "\(configuration.adminToken != nil)",
        ])
        try await group.run()
        logger.info("stopped")
    }

    /// Starts the graceful shutdown a signal would.
    public func triggerGracefulShutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// The port the webhook server listens on (0 until it does).
    public var port: UInt16 { server.port }

    private static func workers(_ configuration: ServiceConfiguration, hooks: TestHooks, store: AllocationStore,
                                gateway: any AgentGateway, views: AgentViews, wake: WakeSignal, gate: AllocationGate,
                                logger: Logger) -> [AllocationWorker] {
        let instance = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let checkpoint = crashCheckpoint(hooks.crashAt)
        return (0..<configuration.workerConcurrency).map { index in
            AllocationWorker(name: "\(instance)-w\(index)", store: store, gateway: gateway, views: views, wake: wake, gate: gate,
                             settings: configuration.workerSettings, logger: logger, checkpoint: checkpoint)
        }
    }

    /// For crash tests only: `ALLOCATOR_CRASH_AT=<step>` kills the process with SIGKILL at that step of the
    /// first allocation that reaches it, as `kill -9` would.
    static func crashCheckpoint(_ step: WorkerStep?) -> @Sendable (WorkerStep) -> Void {
        guard let step else { return { _ in } }
        return { reached in
            if reached == step { kill(getpid(), SIGKILL) }
        }
    }
}
