import Foundation

/// A complete request as the router sees it: the body is already gathered (and under the size cap).
public struct ServerRequest: Sendable {
    public let method: String
    /// The path without the query string, e.g. `/webhooks/allocate`.
    public let path: String
    /// Query arguments, percent-decoded; a repeated name keeps its first value.
    public let query: [String: String]
    /// Every query argument in request order, repeated names included (`ids[]=1&ids[]=2`).
    public let queryItems: [(name: String, value: String)]
    /// Header values by lower-cased name; a repeated header keeps its first value.
    public let headers: [String: String]
    public let body: Data

    /// - Parameter queryItems: every argument in order; nil takes those of `query`.
    public init(method: String, path: String, query: [String: String] = [:],
                queryItems: [(name: String, value: String)]? = nil, headers: [String: String] = [:],
                body: Data = Data()) {
        self.method = method
        self.path = path
        self.query = query
        self.queryItems = queryItems ?? query.map { (name: $0.key, value: $0.value) }
        self.headers = headers
        self.body = body
    }

    /// Every value of a query argument, in request order.
    public func queryValues(_ name: String) -> [String] { queryItems.filter { $0.name == name }.map(\.value) }

    /// A header by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}
