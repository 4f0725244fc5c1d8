import Redis

/// The Lua scripts of `lua/`, embedded at build time (see `Plugins/EmbedLuaPlugin`).
public enum AllocationScripts {
    public static let enqueue = script("enqueue")
    public static let claim = script("claim")
    public static let reserve = script("reserve")
    public static let commit = script("commit")
    public static let rollback = script("rollback")
    public static let release = script("release")
    public static let recover = script("recover")
    public static let extend = script("extend")
    public static let revive = script("revive")
    public static let reconcile = script("reconcile")

    /// Every script, e.g. to `SCRIPT LOAD` them all at start-up.
    public static let all: [RedisScript] = [enqueue, claim, reserve, commit, rollback, release, recover, extend, revive, reconcile]

    /// Loads every script into the server's cache (readiness check at start-up).
    public static func loadAll(on connection: RedisConnection) throws {
        for script in all { try script.load(on: connection) }
    }

    private static func script(_ name: String) -> RedisScript {
        guard let source = EmbeddedLua.sources[name] else {
            preconditionFailure("lua/\(name).lua was not embedded at build time")
        }
        return RedisScript(name: name, source: source)
    }
}
