/// Routes requests by method and exact path, or by a path prefix (`/v1/agents/` for `/v1/agents/{id}`; an exact
/// path wins, then the longest prefix). Unknown paths get 404, known paths with another method 405
/// (with `Allow`), both as JSON errors. Handlers may throw: an ``HTTPResponseError`` is sent as its response,
/// any other error as a 500 (after `onError` saw it).
public struct Router: Sendable {
    public typealias Handler = @Sendable (ServerRequest) throws -> ServerResponse

    private var routes: [String: [String: Handler]] = [:]
    /// Prefix routes, longest prefix first.
    private var prefixes: [(prefix: String, methods: [String: Handler])] = []
    private let onError: @Sendable (any Error, ServerRequest) -> Void

    /// - Parameter onError: sees every error that is not an ``HTTPResponseError`` (to log it).
    public init(onError: @escaping @Sendable (any Error, ServerRequest) -> Void = { _, _ in }) {
        self.onError = onError
    }

    /// Adds (or replaces) the handler of `method` on `path`.
    public mutating func on(_ method: String, _ path: String, _ handler: @escaping Handler) {
        routes[path, default: [:]][method.uppercased()] = handler
    }

    /// Adds (or replaces) the handler of `method` on every path that starts with `prefix` and goes on (the
    /// handler reads the rest of ``ServerRequest/path``).
    public mutating func on(_ method: String, prefix: String, _ handler: @escaping Handler) {
        if let index = prefixes.firstIndex(where: { $0.prefix == prefix }) {
            prefixes[index].methods[method.uppercased()] = handler
        } else {
            prefixes.append((prefix, [method.uppercased(): handler]))
            prefixes.sort { $0.prefix.count > $1.prefix.count }
        }
    }

    /// The response of the matching handler, or a 404/405 error.
    public func respond(to request: ServerRequest) -> ServerResponse {
        let prefixed = prefixes.first { request.path.hasPrefix($0.prefix) && request.path.count > $0.prefix.count }
        guard let methods = routes[request.path] ?? prefixed?.methods else {
            return .error(404, code: "not_found", message: "no such path: \(request.path.prefix(200))")
        }
        if let handler = methods[request.method] { return call(handler, request) }
        if request.method == "HEAD", let get = methods["GET"] {
            var response = call(get, request)
            response.body = .init()
            return response
        }
        var response = ServerResponse.error(405, code: "method_not_allowed",
                                            message: "\(request.method.prefix(20)) is not allowed on \(request.path)")
        response.headers.append(("Allow", methods.keys.sorted().joined(separator: ", ")))
        return response
    }

    private func call(_ handler: Handler, _ request: ServerRequest) -> ServerResponse {
        do {
            return try handler(request)
        } catch let error as any HTTPResponseError {
            return error.response
        } catch {
            onError(error, request)
            return .error(500, code: "internal", message: "the request could not be handled")
        }
    }
}
