/// What can go wrong talking to Redis.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `REDIS_URL` could not be understood; the message says which part.
    case invalidURL(String)
    /// No connection could be made (refused, unreachable, timed out while connecting).
    case connectFailed(String)
    /// The connection broke during a command (I/O error, timeout, EOF). The command may or may not have run.
    /// The connection reconnects by itself on its next command.
    case io(String)
    /// Redis answered with an error reply, e.g. `WRONGTYPE ...` or a Lua runtime error.
    case server(String)
    /// `AUTH` or `SELECT` after connecting was refused.
    case handshake(String)
    /// The client was stopped (its ``RedisClient/run()`` ended); nothing was sent.
    case closed
    /// A reply had a shape the caller did not expect.
    case unexpectedReply(String)
    /// A Redis Cluster could not serve the call: its nodes redirected it in a loop. Nothing was run.
    case unavailable(String)

    public var description: String {
        switch self {
        case .invalidURL(let m): return "invalid REDIS_URL: \(m)"
        case .connectFailed(let m): return "cannot connect to Redis: \(m)"
        case .io(let m): return "Redis connection error: \(m)"
        case .server(let m): return "Redis error: \(m)"
        case .handshake(let m): return "Redis handshake failed: \(m)"
        case .closed: return "the Redis client is stopped"
        case .unexpectedReply(let m): return "unexpected Redis reply: \(m)"
        case .unavailable(let m): return "Redis Cluster unavailable: \(m)"
        }
    }

    /// True when Redis can not take writes now, whatever the command: the connection is down, or the server
    /// answers that it is loading its data, busy with a script, out of memory, a read-only replica, refusing
    /// writes after a failed save, or a cluster not serving the slot. A webhook that meets it is refused with
    /// 503 (nothing stored; the sender may retry).
    public var isUnavailable: Bool {
        if isConnectionError { return true }
        if case .unavailable = self { return true }
        guard case .server(let message) = self else { return false }
        // Script errors come as "<name>.lua: <error>"; the error's code is its first word.
        let text = message.range(of: ".lua: ").map { String(message[$0.upperBound...]) } ?? message
        let code = text.prefix { !$0.isWhitespace }
        return ["LOADING", "BUSY", "OOM", "READONLY", "MISCONF", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "NOREPLICAS"]
            .contains(String(code))
    }

    /// True when the node could not be reached or the cluster does not serve the slot now: such a call costs
    /// connect timeouts and retries, unlike a refusal Redis answers at once (`OOM`, `READONLY`).
    public var isUnreachable: Bool {
        if isConnectionError { return true }
        if case .unavailable = self { return true }
        guard case .server(let message) = self else { return false }
        return ["CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN"].contains { message.hasPrefix($0) || message.contains(".lua: \($0)") }
    }

    /// True when the error came from the connection rather than from Redis itself: Redis may be down.
    public var isConnectionError: Bool {
        switch self {
        case .connectFailed, .io, .handshake, .closed: return true
        default: return false
        }
    }
}
