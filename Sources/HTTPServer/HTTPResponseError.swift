/// An error a handler throws that knows the response it stands for (as hummingbird's `HTTPResponseError`):
/// the router sends that response. Any other error thrown by a handler becomes a 500.
public protocol HTTPResponseError: Error {
    /// The response to send.
    var response: ServerResponse { get }
}

/// The service's error shape as a thrown value: `{"error":"<code>","message":"<human text>"}` with a status.
public struct HTTPError: HTTPResponseError, Sendable, Equatable {
    public let status: Int
    public let code: String
    public let message: String

    public init(_ status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var response: ServerResponse { .error(status, code: code, message: message) }
}
