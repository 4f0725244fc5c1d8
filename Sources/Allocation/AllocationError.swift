/// Errors of the allocation layer that are not a script's answer (those are ``ScriptError``; Redis errors
/// pass through as `RedisError`).
public enum AllocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The key prefix or app id can not form safe keys.
    case invalidKeyspace(String)

    public var description: String {
        switch self {
        case .invalidKeyspace(let message): return message
        }
    }
}
