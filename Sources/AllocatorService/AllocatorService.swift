import Allocation
import Foundation
import HTTPServer
import Logging
import Metrics
import Prometheus
import Qiscus
import Redis
import Synchronization

/// `allocator serve`: the webhook server, `WORKER_CONCURRENCY` allocation tasks (sharing one Redis multiplexer
/// and one libcurl multi handle) and the housekeeping timers, wired together.
public final class AllocatorService: Sendable {
    public let configuration: ServiceConfiguration
    let store: AllocationStore
    /// Connections of the webhook handlers (one per server thread, plus one for status pages).
    let pool: RedisPool
    let server: HTTPServer
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    private let stopping = StopSignal()
    /// Where idle allocation tasks wait for work.
    private let wake = WakeSignal()
    private let running = DispatchGroup()

    public init(configuration: ServiceConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) throws {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
        store = AllocationStore(keys: try configuration.keyspace, wakeCap: max(256, configuration.workerConcurrency * 4))
        pool = RedisPool(configuration: configuration.redis, size: configuration.httpThreads + 2, acquireTimeout: 2)
        let routes = WebhookRoutes(store: store, pool: pool, secret: configuration.webhookSecret, registry: registry,
                                   logger: logger)
        server = HTTPServer(configuration: .init(host: configuration.httpHost, port: configuration.httpPort,
                                                 threads: configuration.httpThreads, maxBodyBytes: 64 * 1024),
                            router: routes.router)
    }

    /// The port the webhook server listens on.
    public var port: UInt16 { server.port }

    /// Loads the scripts (when Redis answers; `/readyz` reports it otherwise), starts the server, the
    /// workers and the timers.
    public func start(hooks: TestHooks = TestHooks()) throws {
        do {
            try pool.withConnection { try AllocationScripts.loadAll(on: $0) }
        } catch {
            logger.warning("Redis is not reachable yet; webhooks get 503 until it is",
                           metadata: ["redis": "\(configuration.redis.redacted)", "error": "\(error)"])
        }
        try server.start()
        let settings = WorkerSettings(limit: configuration.maxCustomersPerAgent,
                                      leaseMilliseconds: configuration.leaseSeconds * 1000,
                                      retry: RetryPolicy(attempts: configuration.qiscusMaxAttempts, baseDelay: 0.5,
                                                         maxDelay: max(1, Double(configuration.leaseSeconds) / 6)),
                                      releaseWindowMilliseconds: Int(configuration.qiscusCountLagSeconds * 1000))
        let qiscus = QiscusClient.Configuration(baseURL: configuration.qiscusBaseURL, appID: configuration.qiscusAppID,
                                                secretKey: configuration.qiscusSecretKey,
                                                timeout: configuration.qiscusTimeoutSeconds)
        let instance = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let shouldStop: @Sendable () -> Bool = { [stopping] in stopping.isSet }
        let checkpoint = Self.crashCheckpoint(hooks.crashAt)
        // Every allocation task shares one Redis multiplexer and one gateway (libcurl multi): an allocation
        // waiting on the API holds no thread. One listener thread blocks on the wake list for the idle ones.
        let redis = RedisMultiplexer(configuration: configuration.redis)
        let gateway = QiscusGateway(configuration: qiscus)
        let workers = (0..<configuration.workerConcurrency).map { index in
            AllocationWorker(name: "\(instance)-w\(index)", store: store, redis: redis, gateway: gateway, wake: wake,
                             settings: settings, logger: logger, shouldStop: shouldStop, checkpoint: checkpoint)
        }
        running.enter()
        Task.detached { [running] in
            await withTaskGroup(of: Void.self) { group in
                for worker in workers { group.addTask { await worker.run() } }
            }
            running.leave()
        }
        let listener = WakeListener(store: store, connection: RedisConnection(configuration: configuration.redis),
                                    signal: wake, logger: logger)
        spawn("wake-listener") { listener.run() }
        // An agent's books are healed only once Qiscus's lagging count has had time to see its last assign.
        let settle = (configuration.qiscusCountLagSeconds + 2 * configuration.qiscusTimeoutSeconds) * 1000
        let housekeeper = Housekeeper(store: store, connection: RedisConnection(configuration: configuration.redis),
                                      gateway: gateway,
                                      reconcileInterval: configuration.reconcileSeconds, settleMilliseconds: Int(settle),
                                      logger: logger, shouldStop: shouldStop)
        spawn("housekeeper") { housekeeper.run() }
        logger.info("allocator serving", metadata: [
            "http": "\(configuration.httpHost):\(server.port)", "redis": "\(configuration.redis.redacted)",
            "qiscus": "\(configuration.qiscusBaseURL)", "app": "\(configuration.qiscusAppID)",
            "workers": "\(configuration.workerConcurrency)", "limit": "\(configuration.maxCustomersPerAgent)",
        ])
    }

    /// Graceful stop: no new webhooks, no new claims; rooms in hand are finished or requeued; returns when
    /// every worker is done.
    public func stop() {
        guard stopping.set() else { return }
        logger.info("stopping: finishing rooms in flight")
        server.stop()
        wake.stop()
        running.wait()
        pool.closeIdle()
        logger.info("stopped")
    }

    /// For crash tests only: `ALLOCATOR_CRASH_AT=<step>` kills the process with SIGKILL at that step of the
    /// first allocation that reaches it, as `kill -9` would.
    static func crashCheckpoint(_ step: WorkerStep?) -> @Sendable (WorkerStep) -> Void {
        guard let step else { return { _ in } }
        return { reached in
            if reached == step { kill(getpid(), SIGKILL) }
        }
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        running.enter()
        let thread = Thread { [running] in
            body()
            running.leave()
        }
        thread.name = name
        thread.start()
    }
}

/// A flag raised once, read from any thread.
final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    var isSet: Bool { flag.load(ordering: .relaxed) }

    /// Raises the flag; true for the call that raised it.
    func set() -> Bool { !flag.exchange(true, ordering: .relaxed) }
}
