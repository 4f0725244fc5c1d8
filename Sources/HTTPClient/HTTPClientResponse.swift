import Foundation

/// A complete response: status, headers (names lower-cased, in order) and body.
public struct HTTPClientResponse: Sendable, Equatable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: Data
    /// Whether the connection was reused from an earlier request (keep-alive worked).
    public let reusedConnection: Bool

    public init(status: Int, headers: [(name: String, value: String)], body: Data, reusedConnection: Bool) {
        self.status = status
        self.headers = headers
        self.body = body
        self.reusedConnection = reusedConnection
    }

    /// The first value of a header, by case-insensitive name.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// Self when the status is 2xx, else `HTTPClientError.status` with the body.
    public func successful() throws(HTTPClientError) -> HTTPClientResponse {
        guard (200..<300).contains(status) else { throw .status(code: status, body: text) }
        return self
    }

    public static func == (lhs: HTTPClientResponse, rhs: HTTPClientResponse) -> Bool {
        lhs.status == rhs.status && lhs.body == rhs.body && lhs.reusedConnection == rhs.reusedConnection
            && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
    }
}
