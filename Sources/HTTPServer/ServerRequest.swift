import Foundation

/// A complete request as the router sees it: the body is already gathered (and under the size cap).
public struct ServerRequest: Sendable {
    public let method: String
    /// The path without the query string, e.g. `/webhooks/allocate`.
    public let path: String
    /// Query arguments, percent-decoded; a repeated name keeps its first value.
    public let query: [String: String]
    /// Header values by lower-cased name; a repeated header keeps its first value.
    public let headers: [String: String]
    public let body: Data

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
                body: Data = Data()) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// A header by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}
