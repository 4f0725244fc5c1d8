import Redis

/// Every script of `lua/`, embedded at build time (see `Plugins/EmbedLuaPlugin`), by name.
public enum ScriptLibrary {
    /// The Swift type of every script.
    public static let all: [any AllocationScript.Type] = [
        Enqueue.self, Claim.self, Reserve.self, Commit.self, Rollback.self, Release.self, Recover.self,
        Extend.self, Revive.self, Reconcile.self, Nudge.self, Reroute.self, Override.self, Remember.self, Announce.self,
        Notice.self, Expire.self,
    ]

    private static let scripts: [String: RedisScript] = Dictionary(uniqueKeysWithValues: EmbeddedLua.sources.map {
        ($0.key, RedisScript(name: $0.key, source: $0.value))
    })

    /// The embedded script of that name.
    public static func script(_ name: String) -> RedisScript {
        guard let script = scripts[name] else { preconditionFailure("lua/\(name).lua was not embedded at build time") }
        return script
    }

    /// Every embedded script.
    public static var scriptsByName: [String: RedisScript] { scripts }
}
