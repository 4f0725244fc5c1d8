import Allocation
import Foundation
import Logging
import Redis

/// The configuration of `allocator serve`, from the environment (and `.env` in the working directory;
/// the real environment wins). See the table in README.md.
public struct ServiceConfiguration: Sendable {
    public var httpHost: String = "0.0.0.0"
    public var httpPort: UInt16 = 8080
    public var redis: RedisConfiguration = RedisConfiguration()
    public var qiscusBaseURL: String = "https://omnichannel.qiscus.com"
    public var qiscusAppID: String = ""
    public var qiscusSecretKey: String = ""
    public var maxCustomersPerAgent: Int = 2
    public var webhookSecret: String?
    public var workerConcurrency: Int = 8
    public var leaseSeconds: Int = 30
    public var qiscusTimeoutSeconds: Double = 5
    /// Tries per Qiscus call before the room goes to the dead list (`QISCUS_MAX_ATTEMPTS`).
    public var qiscusMaxAttempts: Int = 5
    /// How far Qiscus's `current_customer_count` may lag real assignments (`QISCUS_COUNT_LAG_SECONDS`).
    public var qiscusCountLagSeconds: Double = 10
    public var reconcileSeconds: Double = 15
    public var keyPrefix: String = "caa"
    public var logLevel: Logger.Level = .info
    /// Threads of the webhook server (`HTTP_THREADS`); each blocks on one Redis call per webhook. On 2 shared
    /// cores `make bench` ingest was 18,500-25,000 webhooks/s with 4, 18,700-24,000 with 3, 14,600-22,300 with 2.
    public var httpThreads: Int = 4
    /// On SIGTERM, `/readyz` turns 503 at once while webhooks are still accepted this long
    /// (`SHUTDOWN_DRAIN_SECONDS`), so a load balancer stops sending before the port closes.
    public var shutdownDrainSeconds: Double = 5
    /// Test only (`ALLOCATOR_CRASH_AT`): the worker step at which the process kills itself with SIGKILL.
    public var crashAt: WorkerStep?

    public init() {}

    /// Reads every variable; throws one ``ConfigurationError`` naming the first bad or missing one.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            dotEnv: URL? = URL(fileURLWithPath: ".env")) throws -> ServiceConfiguration {
        let env = mergedEnvironment(environment, dotEnv: dotEnv)
        var c = ServiceConfiguration()
        func value(_ name: String) -> String? {
            guard let raw = env[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        /// A bad value quoted for the error line: never the secret key (pasted into the wrong variable), and
        /// never a URL's password.
        func shown(_ raw: String, _ limit: Int) -> String {
            if let key = value("QISCUS_SECRET_KEY"), raw.contains(key) {
                return "a value holding QISCUS_SECRET_KEY (not shown)"
            }
            var text = raw
            if var parts = URLComponents(string: raw), parts.password != nil {
                parts.password = "***"
                text = parts.string ?? "(a URL with a password)"
            }
            return "\"\(text.prefix(limit))\""
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let raw = value(name) else { return nil }
            guard let number = Int(raw), range.contains(number) else {
                throw ConfigurationError(variable: name, problem: "must be a whole number in \(range.lowerBound)...\(range.upperBound), got \(shown(raw, 40))")
            }
            return number
        }
        func seconds(_ name: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard let raw = value(name) else { return nil }
            guard let number = Double(raw), range.contains(number) else {
                throw ConfigurationError(variable: name, problem: "must be a number of seconds in \(range.lowerBound)...\(range.upperBound), got \(shown(raw, 40))")
            }
            return number
        }

        if let host = value("HTTP_HOST") { c.httpHost = host }
        if let port = try integer("HTTP_PORT", 0...65535) { c.httpPort = UInt16(port) }
        if let url = value("REDIS_URL") {
            do { c.redis = try RedisConfiguration(url: url) } catch {
                throw ConfigurationError(variable: "REDIS_URL", problem: "\(error)")
            }
        }
        if let base = value("QISCUS_BASE_URL") {
            guard let parsed = URL(string: base), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ConfigurationError(variable: "QISCUS_BASE_URL", problem: "must be an http(s) URL, got \(shown(base, 80))")
            }
            c.qiscusBaseURL = base
        }
        guard let app = value("QISCUS_APP_ID") else {
            throw ConfigurationError(variable: "QISCUS_APP_ID", problem: "is required (your Qiscus app code)")
        }
        do { _ = try Keyspace(app: app) } catch {
            throw ConfigurationError(variable: "QISCUS_APP_ID", problem: "must be 1-128 characters without braces or spaces")
        }
        c.qiscusAppID = app
        guard let secret = value("QISCUS_SECRET_KEY") else {
            throw ConfigurationError(variable: "QISCUS_SECRET_KEY", problem: "is required (Settings > Secret Key in Qiscus)")
        }
        c.qiscusSecretKey = secret
        if let limit = try integer("MAX_CUSTOMERS_PER_AGENT", 1...10_000) { c.maxCustomersPerAgent = limit }
        c.webhookSecret = value("WEBHOOK_SECRET")
        if let workers = try integer("WORKER_CONCURRENCY", 1...1024) { c.workerConcurrency = workers }
        if let threads = try integer("HTTP_THREADS", 1...256) { c.httpThreads = threads }
        if let lease = try integer("LEASE_SECONDS", 1...86_400) { c.leaseSeconds = lease }
        if let timeout = try seconds("QISCUS_TIMEOUT_SECONDS", 0.1...300) { c.qiscusTimeoutSeconds = timeout }
        if let reconcile = try seconds("RECONCILE_SECONDS", 0.1...86_400) { c.reconcileSeconds = reconcile }
        if let attempts = try integer("QISCUS_MAX_ATTEMPTS", 1...20) { c.qiscusMaxAttempts = attempts }
        if let lag = try seconds("QISCUS_COUNT_LAG_SECONDS", 0...3600) { c.qiscusCountLagSeconds = lag }
        if let drain = try seconds("SHUTDOWN_DRAIN_SECONDS", 0...300) { c.shutdownDrainSeconds = drain }
        if let prefix = value("KEY_PREFIX") { c.keyPrefix = prefix }
        do { _ = try Keyspace(prefix: c.keyPrefix, app: c.qiscusAppID) } catch {
            throw ConfigurationError(variable: "KEY_PREFIX", problem: "must be 1-128 characters without braces or spaces")
        }
        if let step = value("ALLOCATOR_CRASH_AT") {
            guard let parsed = WorkerStep(rawValue: step) else {
                throw ConfigurationError(variable: "ALLOCATOR_CRASH_AT",
                                         problem: "must be one of \(WorkerStep.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            c.crashAt = parsed
        }
        if let level = value("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(variable: "LOG_LEVEL",
                                         problem: "must be one of trace, debug, info, notice, warning, error, critical")
            }
            c.logLevel = parsed
        }
        if Double(c.leaseSeconds) <= c.qiscusTimeoutSeconds * 2 {
            throw ConfigurationError(variable: "LEASE_SECONDS",
                                     problem: "must exceed twice QISCUS_TIMEOUT_SECONDS (\(c.qiscusTimeoutSeconds) s), so a slow call can not outlive its lease")
        }
        return c
    }

    /// The variables of `.env` (when the file exists) overridden by the real environment.
    public static func mergedEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment,
                                         dotEnv: URL? = URL(fileURLWithPath: ".env")) -> [String: String] {
        var env = dotEnv.flatMap { try? DotEnv.parse(contentsOf: $0) } ?? [:]
        env.merge(environment) { _, real in real }
        return env
    }

    /// The keys of the configured app.
    public var keyspace: Keyspace {
        get throws { try Keyspace(prefix: keyPrefix, app: qiscusAppID) }
    }
}

/// A bad or missing variable: one clear line for the operator.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let problem: String

    public var description: String { "configuration error: \(variable) \(problem)" }
}
