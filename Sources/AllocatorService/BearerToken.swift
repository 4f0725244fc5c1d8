import HTTPServer

/// The `Authorization: Bearer <token>` check of the admin API, `/v1/status` and `/metrics`.
enum BearerToken {
    /// The token of an `Authorization` header of the Bearer scheme (any case; spaces around it dropped); nil
    /// without the header or with another scheme (`Basic ..`, a bare token).
    static func presented(in request: ServerRequest) -> String? {
        let header = request.header("Authorization") ?? ""
        let scheme = "bearer "
        guard header.lowercased().hasPrefix(scheme) else { return nil }
        return String(header.dropFirst(scheme.count)).trimmingCharacters(in: .whitespaces)
    }

    /// The 401 of a missing or wrong token.
    static let refusal = HTTPError(401, code: "unauthorized", message: "missing or wrong bearer token")

    /// Throws 401 unless the request carries `Authorization: Bearer <expected>` (compared in constant time).
    static func check(_ request: ServerRequest, expected: String) throws(HTTPError) {
        guard ConstantTime.equals(presented(in: request) ?? "", expected) else { throw refusal }
    }
}
