/// Why a request failed.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The connect or total timeout passed.
    case timeout(String)
    /// Nothing accepted the connection (refused, or no route).
    case connectionRefused(String)
    /// The server answered with a non-2xx status (only from `Response.successful()`).
    case status(code: Int, body: String)
    /// Any other transport failure, with libcurl's code and message.
    case transport(code: Int, message: String)
    /// The request could not be built (bad URL, option refused).
    case invalidRequest(String)
    /// The calling task was cancelled; the transfer was aborted.
    case cancelled
    /// The answer's body was larger than ``HTTPClient/Configuration/maxResponseBytes``; the transfer was ended.
    case responseTooLarge(limit: Int)

    public var description: String {
        switch self {
        case .timeout(let m): return "timed out: \(m)"
        case .connectionRefused(let m): return "connection refused: \(m)"
        case .status(let code, let body): return "HTTP \(code): \(body.prefix(300))"
        case .transport(let code, let m): return "transport error \(code): \(m)"
        case .invalidRequest(let m): return "invalid request: \(m)"
        case .cancelled: return "cancelled"
        case .responseTooLarge(let limit): return "the answer is larger than \(limit) bytes"
        }
    }
}
