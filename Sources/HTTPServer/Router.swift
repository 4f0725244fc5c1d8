/// Routes requests by method and exact path. Unknown paths get 404, known paths with another method 405
/// (with `Allow`), both as JSON errors.
public struct Router: Sendable {
    public typealias Handler = @Sendable (ServerRequest) -> ServerResponse

    private var routes: [String: [String: Handler]] = [:]

    public init() {}

    /// Adds (or replaces) the handler of `method` on `path`.
    public mutating func on(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes[path, default: [:]][method.uppercased()] = handler
    }

    /// The response of the matching handler, or a 404/405 error.
    public func respond(to request: ServerRequest) -> ServerResponse {
        guard let methods = routes[request.path] else {
            return .error(404, code: "not_found", message: "no such path: \(request.path.prefix(200))")
        }
        if let handler = methods[request.method] { return handler(request) }
        if request.method == "HEAD", let get = methods["GET"] {
            var response = get(request)
            response.body = .init()
            return response
        }
        var response = ServerResponse.error(405, code: "method_not_allowed",
                                            message: "\(request.method.prefix(20)) is not allowed on \(request.path)")
        response.headers.append(("Allow", methods.keys.sorted().joined(separator: ", ")))
        return response
    }
}
