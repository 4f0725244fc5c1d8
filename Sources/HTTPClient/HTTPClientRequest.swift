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

    /// RFC 3986 section 2.3.
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// The UTF-8 bytes of `text`, each one that is not unreserved written `%XX` (on every API call's room ids
    /// and agent ids, so without Foundation's CharacterSet path, which cost more than the request).
    static func percentEncode(_ text: String) -> String {
        if text.utf8.allSatisfy(isUnreserved) { return text }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
