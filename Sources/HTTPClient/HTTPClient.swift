import CCurl
import Foundation

/// A blocking HTTP client over one libcurl easy handle, reused across requests so connections stay alive.
///
/// Not thread safe: give each thread (worker) its own client.
public final class HTTPClient: @unchecked Sendable {
    /// Default timeouts, in seconds.
    public struct Configuration: Sendable, Equatable {
        public var connectTimeout: Double
        public var totalTimeout: Double
        public var userAgent: String
        /// The largest answer body kept in memory; a larger one fails the request
        /// (``HTTPClientError/responseTooLarge(limit:)``), so a broken proxy can not exhaust the process.
        public var maxResponseBytes: Int

        public init(connectTimeout: Double = 2, totalTimeout: Double = 5, userAgent: String = "qiscus-agent-allocator",
                    maxResponseBytes: Int = 8 << 20) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.userAgent = userAgent
            self.maxResponseBytes = maxResponseBytes
        }
    }

    public let configuration: Configuration
    private let transfer = CurlTransfer()

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Sends the request and returns the response whatever its status; throws only transport errors.
    public func perform(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        try transfer.prepare(request, configuration: configuration)
        let result = curl_easy_perform(transfer.handle)
        return try transfer.finish(result).get()
    }
}
