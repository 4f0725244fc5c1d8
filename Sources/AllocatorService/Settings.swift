import Logging
import Redis
import Routing

/// Every environment variable of the service, one entry each: name, default, allowed values, meaning. The
/// loading and its checks are driven from here, and no other place holds a default; README.md's table and
/// `.example.env` list the same variables (a test holds them to it). Each component reads its own section.
public enum Settings {
    /// The webhook server.
    public enum HTTP {
        public static let host = Setting.text(
            "HTTP_HOST", .defaulted("0.0.0.0"), meaning: "webhook server address")
        public static let port = Setting.integer(
            "HTTP_PORT", .defaulted("8080"), in: 0...65535, meaning: "webhook server port (0: any free port)")
        public static let threads = Setting.integer(
            "HTTP_THREADS", .defaulted("4"), in: 1...256,
            meaning: "webhook server threads; each blocks on one Redis call per webhook")
        public static let webhookSecret = Setting.text(
            "WEBHOOK_SECRET", .optional, isSecret: true,
            meaning: "when set, webhooks must carry it as ?secret= (or header X-Webhook-Secret)")
        public static let maxConnections = Setting.integer(
            "HTTP_MAX_CONNECTIONS", .defaulted("10000"), in: 1...1_000_000,
            meaning: "connections open at once, all clients together; at the limit new ones wait until one closes (RLIMIT_NOFILE is raised to fit)")
        public static let maxConnectionsPerIP = Setting.integer(
            "HTTP_MAX_CONNECTIONS_PER_IP", .defaulted("64"), in: 0...1_000_000,
            meaning: "connections open at once from one client address; 0 turns the limit off (behind a reverse proxy)")
        public static let idleTimeoutSeconds = Setting.integer(
            "HTTP_IDLE_TIMEOUT_SECONDS", .defaulted("10"), in: 1...3600,
            meaning: "a connection that sends nothing this long is closed")
        public static let adminToken = Setting.token(
            "ADMIN_TOKEN", meaning: "when set, the admin API takes requests that carry it; unset: the admin API is off")
        public static let metricsToken = Setting.token(
            "METRICS_TOKEN", meaning: "when set, /metrics answers only requests that carry it; unset: /metrics is open")
        public static let dashboardSessionHours = Setting.integer(
            "DASHBOARD_SESSION_HOURS", .defaulted("12"), in: 1...720,
            meaning: "how long a dashboard login lasts (the signed cookie expires then; changing ADMIN_TOKEN ends every login)")
        public static let dashboardWaitAlertSeconds = Setting.integer(
            "DASHBOARD_WAIT_ALERT_SECONDS", .defaulted("60"), in: 1...86_400,
            meaning: "the dashboard shows waits longer than this in red")
        static let all: [any AnySetting] = [host, port, threads, webhookSecret, maxConnections, maxConnectionsPerIP,
                                            idleTimeoutSeconds, adminToken, metricsToken, dashboardSessionHours,
                                            dashboardWaitAlertSeconds]
    }

    /// Where the queue and the agents' books live: all that `allocator status` and `requeue-dead` read.
    public enum Store {
        public static let redisURL = Setting.redisURL(
            "REDIS_URL", .defaulted("redis://127.0.0.1:6379/0"), meaning: "the Redis server")
        public static let appID = Setting.keyPart(
            "QISCUS_APP_ID", .required(hint: "your Qiscus app code"),
            meaning: "the Qiscus app: API credential, and part of every Redis key")
        public static let keyPrefix = Setting.keyPart(
            "KEY_PREFIX", .defaulted("caa"), meaning: "Redis keys are <prefix>:{<app id>}:<name>")
        static let all: [any AnySetting] = [redisURL, appID, keyPrefix]
    }

    /// The Qiscus Omnichannel API.
    public enum Qiscus {
        public static let maxResponseBytes = Setting.integer(
            "QISCUS_MAX_RESPONSE_BYTES", .defaulted("8388608"), in: 1024...1_073_741_824,
            meaning: "the largest API answer kept in memory; a larger one is an error of that call (retried)")
        public static let baseURL = Setting.httpURL(
            "QISCUS_BASE_URL", .defaulted("https://omnichannel.qiscus.com"), meaning: "API base")
        public static let secretKey = Setting.text(
            "QISCUS_SECRET_KEY", .required(hint: "Settings > Secret Key in Qiscus"), isSecret: true,
            meaning: "API credential; never logged")
        public static let timeoutSeconds = Setting.seconds(
            "QISCUS_TIMEOUT_SECONDS", .defaulted("5"), in: 0.1...300, meaning: "per API request")
        public static let maxAttempts = Setting.integer(
            "QISCUS_MAX_ATTEMPTS", .defaulted("5"), in: 1...20,
            meaning: "tries per Qiscus call before the room goes to the dead list")
        public static let countLagSeconds = Setting.seconds(
            "QISCUS_COUNT_LAG_SECONDS", .defaulted("10"), in: 0...3600,
            meaning: "how far Qiscus's current_customer_count may lag real assignments")
        static let all: [any AnySetting] = [baseURL, secretKey, timeoutSeconds, maxAttempts, countLagSeconds,
                                            maxResponseBytes]
    }

    /// The allocation tasks and the housekeeping timers.
    public enum Worker {
        public static let maxCustomersPerAgent = Setting.integer(
            "MAX_CUSTOMERS_PER_AGENT", .defaulted("2"), in: 1...10_000, meaning: "active rooms one agent may hold")
        public static let workerConcurrency = Setting.integer(
            "WORKER_CONCURRENCY", .defaulted("8"), in: 1...1024, meaning: "allocations in flight per instance (per app with TENANTS_FILE)")
        public static let leaseSeconds = Setting.integer(
            "LEASE_SECONDS", .defaulted("30"), in: 1...86_400,
            meaning: "claim lease; must exceed twice QISCUS_TIMEOUT_SECONDS")
        public static let reconcileSeconds = Setting.seconds(
            "RECONCILE_SECONDS", .defaulted("15"), in: 0.1...86_400,
            meaning: "period of the re-check of the queue head and of agent counts")
        public static let agentViewMaxAgeMilliseconds = Setting.integer(
            "AGENT_VIEW_MAX_AGE_MS", .defaulted("300"), in: 0...60_000,
            meaning: "how long one listing of a route's online agents serves every room of the route (refreshed ahead while rooms flow); 0: a listing per room")
        public static let sessionTombstoneSeconds = Setting.integer(
            "SESSION_TOMBSTONE_SECONDS", .defaulted("604800"), in: 1...31_536_000,
            meaning: "how long a resolved room's session is kept so a late webhook of it is ignored; after that an old session's webhook queues the room as new")
        static let all: [any AnySetting] = [maxCustomersPerAgent, workerConcurrency, leaseSeconds, reconcileSeconds,
                                            agentViewMaxAgeMilliseconds, sessionTombstoneSeconds]
    }

    /// Which agents take which rooms.
    public enum Routes {
        /// Read and checked at start-up (docs/routes.md); a bad file stops start-up with one line naming the
        /// file, the route and the field.
        public static let file = Setting.routeTable(
            "ROUTES_FILE", meaning: "routes file (.json, .yaml or .yml; relative to the working directory); "
                + "unset: one route, default, over every online agent")
        static let all: [any AnySetting] = [file]
    }

    /// Many apps in one deployment (README "Many apps").
    public enum Tenants {
        /// Read and checked at start-up (each app's routes file too); a bad file stops start-up with one line
        /// naming the file, the app and the field.
        public static let file = Setting.text(
            "TENANTS_FILE", .optional,
            meaning: "apps file (.json, .yaml or .yml): one deployment allocates for every app in it, webhooks at "
                + "/webhooks/{app_id}/...; QISCUS_APP_ID, QISCUS_SECRET_KEY and ROUTES_FILE must then be unset; unset: one app")
        static let all: [any AnySetting] = [file]
    }

    /// The "place in line" messages to waiting customers (README "Queue messages").
    public enum QueueMessages {
        public static let template = Setting.queueMessage(
            "QUEUE_MESSAGE", meaning: "when set, customers waiting in line get this message through the Qiscus bot API, "
                + "with {position} and {wait} filled in (README \"Queue messages\"); unset: no messages")
        public static let step = Setting.integer(
            "QUEUE_MESSAGE_STEP", .defaulted("5"), in: 1...1_000_000,
            meaning: "a waiting room gets another message once it moved up this many places (and 30 s passed)")
        public static let maxPerSecond = Setting.integer(
            "QUEUE_MESSAGE_MAX_PER_SECOND", .defaulted("20"), in: 1...1000,
            meaning: "queue messages per second of the app, every instance together")
        static let all: [any AnySetting] = [template, step, maxPerSecond]
    }

    /// The service process: its logs and its shutdown.
    public enum Service {
        public static let logLevel = Setting.logLevel(
            "LOG_LEVEL", .defaulted("info"), meaning: "swift-log level")
        public static let shutdownDrainSeconds = Setting.seconds(
            "SHUTDOWN_DRAIN_SECONDS", .defaulted("5"), in: 0...300,
            meaning: "on SIGTERM, /readyz is 503 at once while webhooks are still accepted this long")
        static let all: [any AnySetting] = [logLevel, shutdownDrainSeconds]
    }

    /// Every variable.
    public static let all: [any AnySetting] = HTTP.all + Store.all + Qiscus.all + Worker.all + Routes.all
        + Tenants.all + QueueMessages.all + Service.all
}
