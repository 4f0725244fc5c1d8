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
/// 1. ``RedisClient``: the one Redis client of the instance (on a Redis Cluster, a connection per node), with its
///    I/O thread.
/// 2. `HTTPMultiClient`: libcurl's multi loop for the Qiscus API, with its thread (and a second one for the queue
///    messages when some app sends them, so a hanging bot endpoint never holds up an assign).
/// 3. For each app (``AppRuntime``): ``WakeListener`` (`BLPOP` on the app's wake list over a connection of its
///    own, while some task waits), ``ReadinessProbe``, ``Housekeeper``, `ServiceFaultProbe` and
///    ``AllocationPool`` (`WORKER_CONCURRENCY` allocation tasks of its own).
/// 4. ``HTTPServer``: the webhook server (libmicrohttpd and its threads), every app's paths.
/// 5. ``ShutdownDrain``: on SIGTERM/SIGINT, `/readyz` turns 503 and webhooks are still taken for
///    `SHUTDOWN_DRAIN_SECONDS`; then the server closes, the pools finish (or requeue) the rooms in hand and
///    claim no more, and the clients stop last.
/// 6. Each app's `QueueMessenger`, when it sends queue messages.
public final class AllocatorService: Sendable {
    public let configuration: ServiceConfiguration
    public let readiness: Readiness
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
        let qiscus = QiscusClient.Configuration(baseURL: configuration.qiscusBaseURL, appID: "", secretKey: "",
                                                timeout: configuration.qiscusTimeoutSeconds,
                                                maxResponseBytes: configuration.qiscusMaxResponseBytes)
        let http = QiscusClient.makeHTTPClient(for: qiscus)
        let messageHTTP = configuration.apps.contains { $0.queueMessage != nil } ? QiscusClient.makeHTTPClient(for: qiscus) : nil
        let readiness = Readiness(apps: configuration.apps.map(\.appID))
        self.readiness = readiness
        let instance = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let apps = try configuration.apps.map { app in
            try AppRuntime(app: app, configuration: configuration, redis: redis, http: http, messageHTTP: messageHTTP,
                           readiness: readiness, instance: instance, hooks: hooks, logger: logger)
        }
        let routes = ServiceRoutes(apps: apps.map(\.routes), readiness: readiness, registry: registry,
                                   metricsToken: configuration.metricsToken, adminToken: configuration.adminToken,
                                   tenants: configuration.tenantsFile != nil, logger: logger)
        let refusals = RefusalLog(logger: logger)
        server = HTTPServer(configuration: .init(host: configuration.httpHost, port: configuration.httpPort,
                                                 threads: configuration.httpThreads, maxBodyBytes: 64 * 1024,
                                                 connectionTimeout: configuration.httpIdleTimeoutSeconds,
                                                 maxConnections: configuration.httpMaxConnections,
                                                 maxConnectionsPerAddress: configuration.httpMaxConnectionsPerIP),
                            router: routes.router, onRefusal: { refusals.record($0) })
        let drain = ShutdownDrain(readiness: readiness, seconds: configuration.shutdownDrainSeconds, logger: logger)
        var services: [(String, any Service)] = [("redis", redis), ("qiscus-http", http)]
        if let messageHTTP { services.append(("queue-messages-http", messageHTTP)) }
        services += apps.flatMap(\.services)
        services += [("webhooks", server), ("drain", drain)]
        services += apps.flatMap(\.messageServices)
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
            "qiscus": "\(Set(configuration.apps.map(\.baseURL)).sorted().joined(separator: ","))",
            "apps": "\(configuration.apps.map(\.appID).joined(separator: ","))",
            "tenants_file": "\(configuration.tenantsFile ?? "-")",
            "workers_per_app": "\(configuration.workerConcurrency)",
            "limit": "\(configuration.apps.map { String($0.maxCustomersPerAgent) }.joined(separator: ","))",
            "routes": "\(configuration.apps.map { $0.routes.names.joined(separator: "+") }.joined(separator: ","))",
            "admin_api": "\(configuration.adminToken != nil || configuration.apps.contains { $0.adminToken != nil })",
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

    /// For crash tests only: `ALLOCATOR_CRASH_AT=<step>` kills the process with SIGKILL at that step of the
    /// first allocation that reaches it, as `kill -9` would.
    static func crashCheckpoint(_ step: WorkerStep?) -> @Sendable (WorkerStep) -> Void {
        guard let step else { return { _ in } }
        return { reached in
            if reached == step { kill(getpid(), SIGKILL) }
        }
    }
}
