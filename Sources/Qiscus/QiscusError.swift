/// Why a Qiscus API call failed, sorted by what the caller should do about it.
public enum QiscusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 429: slow down; `retryAfter` seconds from the `Retry-After` header when given.
    case rateLimited(retryAfter: Double?)
    /// 5xx: the API is unwell; retry later.
    case server(status: Int, body: String)
    /// The request timed out (connect or total).
    case timeout(String)
    /// Nothing accepted the connection, or another transport failure.
    case unreachable(String)
    /// 401/403: the app id or secret key is wrong. Retrying does not help.
    case unauthorized(status: Int)
    /// Another 4xx (e.g. the room is resolved): retrying does not help.
    case rejected(status: Int, message: String)
    /// A 2xx whose body could not be understood.
    case invalidResponse(String)
    /// An answer larger than the client keeps (`QISCUS_MAX_RESPONSE_BYTES`): a broken proxy or a runaway
    /// listing; retried like a server error.
    case oversized(limit: Int)

    /// The fault is about the service, not the room: rejected credentials (401/403), or an API that does not
    /// answer (refused, unreachable, timed out).
    public var isServiceFault: Bool {
        switch self {
        case .unauthorized, .unreachable, .timeout: return true
        case .rateLimited, .server, .rejected, .invalidResponse, .oversized: return false
        }
    }

    /// Whether a later retry may succeed.
    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .server, .timeout, .unreachable, .oversized: return true
        case .unauthorized, .rejected, .invalidResponse: return false
        }
    }

    /// A short reason for logs, metrics and the dead list (never credentials).
    public var description: String {
        switch self {
        case .rateLimited(let after): return "HTTP 429 rate limited" + (after.map { " (retry after \($0) s)" } ?? "")
        case .server(let status, let body): return "HTTP \(status): \(body.prefix(200))"
        case .timeout(let message): return "timeout: \(message)"
        case .unreachable(let message): return "unreachable: \(message)"
        case .unauthorized(let status): return "HTTP \(status): bad QISCUS_APP_ID or QISCUS_SECRET_KEY"
        case .rejected(let status, let message): return "HTTP \(status): \(message.prefix(200))"
        case .invalidResponse(let message): return "invalid response: \(message.prefix(200))"
        case .oversized(let limit): return "an answer over \(limit) bytes (QISCUS_MAX_RESPONSE_BYTES)"
        }
    }

    /// A label for metrics: `rate_limited`, `server`, `timeout`, `unreachable`, `unauthorized`, `rejected`,
    /// `invalid_response`, `oversized`.
    public var kind: String {
        switch self {
        case .rateLimited: return "rate_limited"
        case .server: return "server"
        case .timeout: return "timeout"
        case .unreachable: return "unreachable"
        case .unauthorized: return "unauthorized"
        case .rejected: return "rejected"
        case .invalidResponse: return "invalid_response"
        case .oversized: return "oversized"
        }
    }
}
