import Redis

/// One app's allocation data in Redis: its keys, the client that reaches them, and the scripts that are the
/// only writers. Every caller, webhook handler or allocation task, goes through this one client.
public struct AllocationStore: Sendable {
    public let keys: Keyspace
    public let redis: RedisClient
    /// The most wake-up tokens kept in the wake list (about the number of workers that may sleep on it).
    public let wakeCap: Int

    public init(keys: Keyspace, redis: RedisClient, wakeCap: Int = 256) {
        precondition(wakeCap > 0, "wakeCap must be positive")
        self.keys = keys
        self.redis = redis
        self.wakeCap = wakeCap
    }

    /// Runs a script with this app's keys and decodes its answer; its negative codes throw ``ScriptError``.
    @discardableResult
    public func run<Script: AllocationScript>(_ script: Script) async throws -> Script.Outcome {
        try Script.decode(try await redis.run(Script.lua, keys: keys(of: Script.self), arguments: script.arguments(wakeCap: wakeCap)))
    }

    /// ``run(_:)`` for a thread a C library owns (libmicrohttpd's handlers); never call it from a task.
    @discardableResult
    public func runWaiting<Script: AllocationScript>(_ script: Script) throws -> Script.Outcome {
        try Script.decode(try redis.runWaiting(Script.lua, keys: keys(of: Script.self), arguments: script.arguments(wakeCap: wakeCap)))
    }

    /// The KEYS of a script for this app, in the order its header lists them.
    public func keys<Script: AllocationScript>(of script: Script.Type) -> [String] {
        Script.keys.map { keys[$0] }
    }

    /// Loads every script into the server's cache unless it is there already: readiness means the webhooks
    /// can be stored now.
    public func checkReadiness() async throws {
        try await redis.execute(["PING"])
        let scripts = ScriptLibrary.all.map { $0.lua }
        let shas = scripts.compactMap(\.loadedSHA)
        if shas.count == scripts.count,
           try await redis.execute(["SCRIPT", "EXISTS"] + shas).array?.allSatisfy({ $0.int == 1 }) == true {
            return
        }
        for script in scripts { try await script.load(on: redis) }
    }
}
