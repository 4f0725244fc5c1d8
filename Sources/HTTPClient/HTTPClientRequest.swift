import Foundation

/// One request for ``HTTPClient``.
public struct HTTPClientRequest: Sendable {
    /// The request body and its content type.
    public enum Body: Sendable, Equatable {
        case none
        /// `application/x-www-form-urlencoded`, fields percent-encoded in order.
        case form([(String, String)])
        /// `application/json`, bytes as given.
        case json(Data)
        /// Any bytes with the content type given.
        case raw(Data, contentType: String)

        public static func == (lhs: Body, rhs: Body) -> Bool {
            switch (lhs, rhs) {
            case (.none, .none): return true
            case let (.form(a), .form(b)): return a.elementsEqual(b) { $0 == $1 }
            case let (.json(a), .json(b)): return a == b
            case let (.raw(a, t), .raw(b, u)): return a == b && t == u
            default: return false
            }
        }
    }

    public var method: String
    public var url: String
    /// Query items appended to `url`, percent-encoded in order.
    public var query: [(String, String)]
    public var headers: [(String, String)]
    public var body: Body
    /// Overrides the client's timeouts for this request (seconds).
    public var connectTimeout: Double?
    public var totalTimeout: Double?

    public init(method: String = "GET", url: String, query: [(String, String)] = [], headers: [(String, String)] = [],
                body: Body = .none, connectTimeout: Double? = nil, totalTimeout: Double? = nil) {
        self.method = method
        self.url = url
        self.query = query
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }

    /// `url` with the query items appended.
    public var fullURL: String {
        guard !query.isEmpty else { return url }
        let encoded = Self.formEncode(query)
        return url + (url.contains("?") ? "&" : "?") + encoded
    }

    /// `a=1&b=x%20y`: every byte but the RFC 3986 unreserved ones is percent-encoded.
    public static func formEncode(_ fields: [(String, String)]) -> String {
        fields.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}
