import Dashboard
import Foundation
import HTTPServer

/// Who may use the admin API, `/v1/status` and the dashboard's data: a client with
/// `Authorization: Bearer <ADMIN_TOKEN>` (scripts, `allocator` verbs), or a browser holding a dashboard session
/// cookie. A cookie is sent by the browser on its own, so a request that changes something on a session must
/// also prove it comes from the dashboard's page: the session's CSRF token in `X-CSRF-Token`, and no `Origin`
/// or `Sec-Fetch-Site` that says another site sent it (the cookie is `SameSite=Strict` too).
struct AdminAccess: Sendable {
    let token: String
    let sessions: DashboardSession

    init(token: String, sessionHours: Int) {
        self.token = token
        sessions = DashboardSession(token: token, lifetimeSeconds: sessionHours * 3600)
    }

    /// What a request was let in with.
    enum Grant: Equatable {
        case bearer
        /// A dashboard session: the cookie's value.
        case session(String)
    }

    /// 401 without a bearer token or a valid session; 403 for a session's change without the CSRF token or from
    /// another site.
    @discardableResult
    func authorize(_ request: ServerRequest) throws(HTTPError) -> Grant {
        if request.header("Authorization") != nil {
            try BearerToken.check(request, expected: token)
            return .bearer
        }
        guard let session = validSession(request) else {
            throw HTTPError(401, code: "unauthorized", message: "missing or wrong bearer token, or no dashboard login")
        }
        if !["GET", "HEAD"].contains(request.method) {
            try Self.checkSameSite(request)
            guard let given = request.header("X-CSRF-Token"), sessions.isCSRFToken(given, for: session) else {
                throw HTTPError(403, code: "csrf", message: "a change from the dashboard needs its X-CSRF-Token")
            }
        }
        return .session(session)
    }

    /// The request's session cookie, when it is one this token signed and it has not expired.
    func validSession(_ request: ServerRequest) -> String? {
        guard let value = Self.cookie(DashboardSession.cookieName, in: request), sessions.isValid(value) else { return nil }
        return value
    }

    /// 403 when `Sec-Fetch-Site` says another site sent the request, or `Origin` names another host than `Host`.
    static func checkSameSite(_ request: ServerRequest) throws(HTTPError) {
        if let site = request.header("Sec-Fetch-Site"), !["same-origin", "none"].contains(site.lowercased()) {
            throw HTTPError(403, code: "cross_site", message: "requests from other sites are refused")
        }
        guard let origin = request.header("Origin") else { return }
        let host = request.header("Host")?.lowercased()
        let originHost = origin.lowercased().split(separator: "://", maxSplits: 1).last.map(String.init)
        guard let host, origin.lowercased() != "null", originHost == host else {
            throw HTTPError(403, code: "cross_site", message: "requests from other sites are refused")
        }
    }

    /// The value of a cookie of the `Cookie` header (the first of that name).
    static func cookie(_ name: String, in request: ServerRequest) -> String? {
        guard let header = request.header("Cookie") else { return nil }
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
