/// Errors of the allocation layer that are not a script's answer (those are ``ScriptError``; Redis errors
/// pass through as `RedisError`).
public enum AllocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key prefix or app id can not form safe keys.
    case invalidKeyspace(String)
    /// The Redis server is older than the scripts need (`found` is its `redis_version`, or `unknown`).
    case unsupportedRedis(found: String, required: String)

    public var description: String {
        switch self {
        case .invalidKeyspace(let message): return message
        case .unsupportedRedis(let found, let required):
            return "Redis \(required) or newer is required (the scripts' #!lua flags), but the server reports "
                + "redis_version \(found)"
        }
    }
}
