import Allocation
import Foundation
import HTTPClient
import Logging
import Qiscus
import Redis
import ServiceLifecycle

/// One app's part of `allocator serve`: its store, its allocation (wake-up listener, readiness probe, housekeeper,
/// Qiscus probe, allocation tasks, queue messages) and its HTTP interface. The apps of an instance share its Redis
/// client, its Qiscus HTTP clients and its webhook server, and nothing else: each has its own
/// `WORKER_CONCURRENCY` allocation tasks and its own wake-ups, so an app whose Qiscus is slow, or whose Redis
/// master is down, holds up only its own rooms.
struct AppRuntime: Sendable {
    let app: AppConfiguration
    let routes: WebhookRoutes
    /// Its services in start order, and those of its queue messages (started after the webhook server, stopped
    /// before it).
    let services: [(String, any Service)]
    let messageServices: [(String, any Service)]

    /// - Parameters:
    ///   - instance: this process's id (the housekeeper's heartbeat, the workers' names).
    ///   - messageHTTP: the client of the queue messages, when some app sends them.
    init(app: AppConfiguration, configuration: ServiceConfiguration, redis: RedisClient, http: HTTPMultiClient,
         messageHTTP: HTTPMultiClient?, readiness: Readiness, instance: String, hooks: TestHooks, logger base: Logger) throws {
        self.app = app
        var logger = base
        if configuration.tenantsFile != nil { logger[metadataKey: "app"] = "\(app.appID)" }
        let store = AllocationStore(keys: try Keyspace(prefix: configuration.keyPrefix, app: app.appID), redis: redis,
                                    wakeCap: max(256, configuration.workerConcurrency * 4), routes: app.routes.names)
        let qiscus = QiscusClient.Configuration(baseURL: app.baseURL, appID: app.appID, secretKey: app.secretKey,
                                                timeout: configuration.qiscusTimeoutSeconds,
                                                maxResponseBytes: configuration.qiscusMaxResponseBytes)
        let health = RouteHealth(logger: logger)
        let gateway = QiscusGateway(client: QiscusClient(configuration: qiscus, http: http), routes: app.routes,
                                    globalLimit: app.maxCustomersPerAgent,
                                    directory: AgentDirectory(store: store, logger: logger), health: health)
        let wake = WakeSignal(routes: app.routes.names)
        let gate = AllocationGate(app: app.appID)
        let listener = WakeListener(keys: store.keys, redis: configuration.redis, signal: wake, logger: logger)
        // An agent's books are healed only once Qiscus's lagging count has had time to see its last assign.
        let settle = (configuration.qiscusCountLagSeconds + 2 * configuration.qiscusTimeoutSeconds) * 1000
        let housekeeper = Housekeeper(store: store, gateway: gateway, reconcileInterval: .seconds(configuration.reconcileSeconds),
                                      settleMilliseconds: Int(settle),
                                      identity: (instance: instance, routes: app.routes.fingerprint),
                                      tombstoneMilliseconds: configuration.sessionTombstoneSeconds * 1000, logger: logger)
        let views = AgentViews(gateway: gateway, maxAgeMilliseconds: configuration.agentViewMaxAgeMilliseconds)
        let checkpoint = AllocatorService.crashCheckpoint(hooks.crashAt)
        let settings = configuration.workerSettings(for: app)
        let workers = (0..<configuration.workerConcurrency).map { index in
            // Not the app id (up to 128 characters): a claim token is the name and a number, at most 128 bytes.
            AllocationWorker(name: "\(instance.prefix(13))-w\(index)", store: store, gateway: gateway, views: views, wake: wake,
                             gate: gate, settings: settings, logger: logger, checkpoint: checkpoint)
        }
        let pool = AllocationPool(workers: workers, wake: wake, gate: gate, views: views)
        let faults = ServiceFaultProbe(gateway: gateway, gate: gate, logger: logger)
        let paths = configuration.tenantsFile == nil ? AppPaths.single : AppPaths.tenant(app.appID)
        let tokens = [app.adminToken, configuration.adminToken].compactMap { $0 }
        let admin = tokens.isEmpty ? nil : AdminRoutes(
            store: store, routes: app.routes,
            access: AdminAccess(tokens: tokens, sessionHours: configuration.dashboardSessionHours, cookieName: paths.cookie),
            globalLimit: app.maxCustomersPerAgent, paths: paths, logger: logger)
        routes = WebhookRoutes(store: store, readiness: readiness, gate: gate, wake: wake, health: health,
                               secret: app.webhookSecret, routes: app.routes, admin: admin,
                               dashboard: admin.map {
                                   DashboardRoutes(admin: $0, store: store, app: app.appID,
                                                   alertWaitSeconds: configuration.dashboardWaitAlertSeconds)
                               },
                               paths: paths, checksAppID: configuration.tenantsFile != nil, logger: logger)
        let probe = ReadinessProbe(store: store, readiness: readiness, gate: gate, interval: .seconds(1), logger: logger)
        let suffix = configuration.tenantsFile == nil ? "" : "[\(app.appID)]"
        let named: [(String, any Service)] = [("wake-listener", listener), ("readiness", probe), ("housekeeper", housekeeper),
                                              ("qiscus-probe", faults), ("allocation", pool)]
        services = named.map { ($0.0 + suffix, $0.1) }
        if let template = app.queueMessage, let messageHTTP {
            var options = QueueMessenger.Options(template: template, step: configuration.queueMessageStep,
                                                 maxPerSecond: configuration.queueMessageMaxPerSecond)
            if let spacing = hooks.queueMessageSpacing { options.spacing = spacing }
            let messenger = QueueMessenger(store: store, client: QiscusClient(configuration: qiscus, http: messageHTTP),
                                           options: options, logger: logger)
            messageServices = [("queue-messages" + suffix, messenger)]
        } else {
            messageServices = []
        }
    }
}
