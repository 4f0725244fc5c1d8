import Redis
import Synchronization

/// One app's allocation data in Redis: its keys, the client that reaches them, and the scripts that are the
/// only writers. Every caller, webhook handler or allocation task, goes through this one client.
public struct AllocationStore: Sendable {
    public let keys: Keyspace
    public let redis: RedisClient
    /// The most wake-up tokens kept in the wake list (about the number of workers that may sleep on it).
    public let wakeCap: Int
    /// Every route of the routes file (`default` included), in file order.
    public let routes: [String]
    /// Whether the server passed the version check once (shared by every copy of the store).
    private let versionCheck = VersionCheck()

    public init(keys: Keyspace, redis: RedisClient, wakeCap: Int = 256, routes: [String] = [Keyspace.defaultRoute]) {
        precondition(wakeCap > 0, "wakeCap must be positive")
        self.keys = keys
        self.redis = redis
        self.wakeCap = wakeCap
        self.routes = routes.contains(Keyspace.defaultRoute) ? routes : routes + [Keyspace.defaultRoute]
    }

    /// The routes other than `default`, whose queues the scripts that take every route get after their fixed keys.
    public var otherRoutes: [String] { routes.filter { $0 != Keyspace.defaultRoute } }

    /// Runs a script with this app's keys and decodes its answer; its negative codes throw ``ScriptError``.
    @discardableResult
    public func run<Script: AllocationScript>(_ script: Script) async throws -> Script.Outcome {
        try Script.decode(try await redis.run(Script.lua, keys: keys(of: script), arguments: arguments(of: script)))
    }

    /// ``run(_:)`` for a thread a C library owns (libmicrohttpd's handlers); never call it from a task.
    @discardableResult
    public func runWaiting<Script: AllocationScript>(_ script: Script) throws -> Script.Outcome {
        try Script.decode(try redis.runWaiting(Script.lua, keys: keys(of: script), arguments: arguments(of: script)))
    }

    /// The KEYS of a script for this app, in the order its header lists them.
    public func keys<Script: AllocationScript>(of script: Script) -> [String] {
        let fixed = script.keys(in: keys)
        return Script.takesEveryRoute ? fixed + otherRoutes.map { keys.queue(route: $0) } : fixed
    }

    /// The ARGV of a script, in the order its header lists them.
    public func arguments<Script: AllocationScript>(of script: Script) -> [String] {
        let fixed = script.arguments(wakeCap: wakeCap)
        return Script.takesEveryRoute ? fixed + otherRoutes : fixed
    }

    /// Checks the server's version (once) and loads every script into its cache unless it is there already:
    /// readiness means the webhooks can be stored now.
    /// - Throws: ``AllocationError/unsupportedRedis(found:required:)`` for a Redis older than
    ///   ``minimumRedisVersion``, or the Redis error met.
    /// On a Redis Cluster every call goes to the master that holds the app's keys.
    public func checkReadiness() async throws {
        try await redis.execute(["PING"], atSlotOf: keys.probe)
        try await checkRedisVersion()
        let scripts = ScriptLibrary.all.map { $0.lua }
        let shas = scripts.compactMap(\.loadedSHA)
        var loaded = shas.count == scripts.count
        if loaded {
            loaded = try await redis.execute(["SCRIPT", "EXISTS"] + shas, atSlotOf: keys.probe).array?.allSatisfy({ $0.int == 1 }) == true
        }
        if !loaded {
            for script in scripts { try await script.load(on: redis, near: keys.probe) }
        }
        // A write command Redis refuses when it can not take webhooks (out of memory: LPUSHX may grow memory; a
        // read-only replica; writes stopped after a failed save) and that changes nothing otherwise: LPUSHX pushes
        // only onto a list that exists, and this key never does.
        try await redis.execute(["LPUSHX", keys.probe, "probe"])
    }

    /// The oldest Redis the scripts run on: their `#!lua` first line (flags such as `allow-oom`, which decide
    /// how each script meets a Redis out of memory) needs Redis 7.0.
    public static let minimumRedisVersion = "7.0"

    /// Asks `INFO server` for `redis_version` until it passed once; a version that is too old, or none, throws.
    private func checkRedisVersion() async throws {
        if versionCheck.passed.load(ordering: .acquiring) { return }
        let version = Self.redisVersion(inServerInfo: try await redis.execute(["INFO", "server"], atSlotOf: keys.probe).string ?? "")
        guard let version, Self.isSupported(redisVersion: version) else {
            throw AllocationError.unsupportedRedis(found: version ?? "unknown", required: Self.minimumRedisVersion)
        }
        versionCheck.passed.store(true, ordering: .releasing)
    }

    /// The `redis_version` field of an `INFO server` reply (`redis_version:7.0.15`), if there is one.
    public static func redisVersion(inServerInfo info: String) -> String? {
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("redis_version:") {
            let version = String(line.dropFirst("redis_version:".count).filter { !$0.isWhitespace })
            return version.isEmpty ? nil : version
        }
        return nil
    }

    /// Whether a `redis_version` (`7.0.15`, `7.2.4`, `10.0.0`) is ``minimumRedisVersion`` or newer; false when
    /// its major and minor numbers can not be read.
    public static func isSupported(redisVersion version: String) -> Bool {
        guard let found = numbers(of: version), let required = numbers(of: minimumRedisVersion) else { return false }
        return !found.lexicographicallyPrecedes(required)
    }

    /// The major and minor number of a dotted version (`7.0.15` -> `[7, 0]`).
    private static func numbers(of version: String) -> [Int]? {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false).prefix(2).map { Int($0) }
        guard parts.count == 2, let major = parts[0], let minor = parts[1] else { return nil }
        return [major, minor]
    }
}

/// A flag that copies of one ``AllocationStore`` share.
private final class VersionCheck: Sendable {
    let passed = Atomic<Bool>(false)
}
