/// Errors of the allocation layer (Redis errors pass through as `RedisError`).
public enum AllocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A script refused its arguments (code -1); nothing was written.
    case invalidArgument(script: String, message: String)
    /// A script answered with a shape or code its Swift face does not know.
    case unexpectedReply(script: String, reply: String)
    /// The key prefix or app id can not form safe keys.
    case invalidKeyspace(String)

    public var description: String {
        switch self {
        case .invalidArgument(let script, let message): return "\(script).lua refused its arguments: \(message)"
        case .unexpectedReply(let script, let reply): return "\(script).lua gave an unexpected reply: \(reply)"
        case .invalidKeyspace(let message): return message
        }
    }
}
