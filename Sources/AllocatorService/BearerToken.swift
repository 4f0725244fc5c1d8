import HTTPServer

/// The `Authorization: Bearer <token>` check of the admin API, `/v1/status` and `/metrics`.
enum BearerToken {
    /// Throws 401 unless the request carries `Authorization: Bearer <expected>` (compared in constant time).
    static func check(_ request: ServerRequest, expected: String) throws(HTTPError) {
        let header = request.header("Authorization") ?? ""
        let scheme = "bearer "
        let given = header.lowercased().hasPrefix(scheme) ? String(header.dropFirst(scheme.count)) : ""
        guard ConstantTime.equals(given.trimmingCharacters(in: .whitespaces), expected) else {
            throw HTTPError(401, code: "unauthorized", message: "missing or wrong bearer token")
        }
    }
}
